"""The commands that look at results and gradients rather than measure: plot, accuracy, check, diff,
report, methods. Thin as the others in cli.py (same app, same options from arguments.py)."""

from __future__ import annotations

from pathlib import Path

from . import arguments as a
from .cli import app


@app.command()
def plot(csv: a.SweepCsv = Path("results/sweep.csv"), out: a.PlotOut = None, show_counts: a.ShowCounts = False,
         force: a.Force = False) -> None:  # fmt: skip
    """Plot a sweep: cost per gradient against N (log-log, fitted slopes) and the ratio to backprop."""
    from .plot import output_paths, plot_sweep
    from .report import console, show_plot

    paths = output_paths(csv, out, force)
    show_plot(console(), paths, plot_sweep(csv, paths[0], show_counts))


@app.command(name="accuracy")
def accuracy_command(
    layers: a.Layers = 3, hidden: a.Hidden = 10, batch: a.Batch = 1, activation: a.Act = "sigmoid", seed: a.Seed = 0,
    csv: a.CsvOut = None, plot: a.VCurve = None, force: a.Force = False,
) -> None:  # fmt: skip
    """How wrong each numeric method is at each step, in float64 and float32: the V-curves, their optima."""
    from .accuracy import check_outputs, measure, summarize
    from .plot import plot_accuracy
    from .report import console, show_accuracy, write_points
    from .spec import Spec

    spec = Spec(layers, hidden, 0, 0, batch, activation, "float64", seed)
    check_outputs(spec, csv, plot, force)
    points = measure(spec)
    summaries = summarize(spec, points)
    show_accuracy(console(stderr=csv == "-"), summaries)
    write_points(points, csv)
    if plot:
        plot_accuracy(points, summaries, Path(plot), f"the V-curves of the numeric methods: {spec}, {activation}")


@app.command(name="check")
def check_command(
    layers: a.Layers = 3, hidden: a.Hidden = 10, batch: a.Batch = 1, activation: a.Act = "sigmoid",
    dtype: a.Dtype = "float64", seed: a.Seed = 0, method: a.CheckMethod = None, function: a.Function = None,
    gradient: a.GradientFn = None, x0: a.X0 = None, entries: a.Entries = 10, full: a.Full = False,
) -> None:  # fmt: skip
    """Is a gradient right? A random direction (2 evaluations), sampled entries, or all: exit 1 if wrong."""
    from .checks import check, load_callable, load_point, of_model, require
    from .report import console, show_check
    from .spec import GradbenchError, Spec

    if function or gradient or x0:
        if not (function and gradient and x0):
            raise GradbenchError("checking your own function needs --function, --gradient and --x0 together")
        f, g = load_callable(function, "--function"), load_callable(gradient, "--gradient")
        result = check(f, g, load_point(x0), entries=entries, full=full, seed=seed)
    else:
        result = of_model(Spec(layers, hidden, 0, 0, batch, activation, dtype, seed), method, entries, full, seed)
    show_check(console(), result)
    require(result)


@app.command(name="diff")
def diff_command(old: a.Old, new: a.New, fail_on: a.FailOn = None) -> None:
    """Compare a run with a baseline: per method, the change of the median time within its noise band."""
    from .baseline import check, diff, load
    from .options import fraction
    from .report import console, show_changes

    threshold = None if fail_on is None else fraction(fail_on, "--fail-on")
    changes = diff(load(old), load(new))
    show_changes(console(), changes)
    check(changes, fail_on, threshold)


@app.command(name="report")
def report_command(results: a.ResultsDir = Path("results"), out: a.PageOut = "-", force: a.Force = False) -> None:
    """Render a directory of results (compare, sweep, reproduce, bench) as one markdown page."""
    from .files import check_outputs, write_text
    from .page import page

    check_outputs({"--out": out}, force)
    write_text(out, page(results))


@app.command(name="methods")
def methods_command() -> None:
    """List the registered gradient methods: name (the --methods value), what each does, its tolerance."""
    from .report import console, methods_table

    console().print(methods_table())


def compare_yours(function: str | None, gradient: str | None, x0: str | None, budget: float) -> None:
    """compare --function: the numeric methods timed against your gradient; exit 1 if it is wrong."""
    from .checks import check, load_callable, load_point, require
    from .report import console, show_function
    from .spec import GradbenchError
    from .userfn import compare_function

    if not (function and x0):
        raise GradbenchError("comparing on your own function needs --function and --x0 (and --gradient)")
    f, x = load_callable(function, "--function"), load_point(x0)
    g = load_callable(gradient, "--gradient") if gradient else None
    show_function(console(), compare_function(f, x, g, budget_s=min(budget, 1.0)), function)
    if g is not None:
        require(check(f, g, x))
