"""The commands that look at results and gradients rather than measure: plot, accuracy, check, diff,
report, methods. Thin as those in commands.py (same app, same options from arguments.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from . import arguments as a
from .app import app
from .check import check_command


@app.command()
def plot(csv: a.SweepCsv = Path("results/sweep.csv"), out: a.PlotOut = None, show_counts: a.ShowCounts = False,
         fit: a.PlotFit = False, force: a.Force = False) -> None:  # fmt: skip
    """Plot a sweep: cost against N, and the ratio to backprop.

    Log-log, with fitted slopes and where the ratio crosses 10x, 100x, 1000x.
    """
    from ..render.console import console
    from ..render.fit import fit_path
    from ..render.plot import output_paths, plot_sweep
    from ..render.sweep import show_plot

    paths = output_paths(csv, out, force)
    slices = output_paths(csv, fit_path(paths[0]), force) if fit else None
    show_plot(console(), paths, plot_sweep(csv, paths[0], show_counts))
    if slices:
        from ..render.fit import plot_slices
        from ..studies.fit import fit_sweep
        from ..studies.sweep import read_sweep

        rows = read_sweep(csv)
        plot_slices(rows, fit_sweep(rows)[0], slices[0], show_counts)
        console().print(f"wrote {slices[0]} and {slices[1]}", highlight=False)


@app.command(name="fit")
def fit_command(csv: a.FitCsv, json: a.FitJson = None, force: a.Force = False) -> None:
    """Fit cost ~ L^a * H^b * B^c per method to a sweep's grid.

    For FLOPs and time, each exponent with its 95% interval, beside the cost model's.
    """
    from ..io.files import check_outputs, write_json
    from ..render.console import beside
    from ..render.fit import fit_document, show_fit
    from ..studies.fit import fit_sweep
    from ..studies.sweep import read_sweep

    check_outputs({"--json": json}, force, inputs=(csv,))
    fits, theories = fit_sweep(read_sweep(csv))
    show_fit(beside(json), fits, theories, str(csv))
    if json:
        write_json(json, fit_document(fits, theories, str(csv)))


@app.command(name="accuracy")
def accuracy_command(
    ctx: typer.Context, layers: a.Layers = 3, hidden: a.Hidden = 10, batch: a.Batch = 1, activation: a.Act = "sigmoid",
    seed: a.Seed = 0,
    csv: a.CsvOut = None, plot: a.VCurve = None, force: a.Force = False,
) -> None:  # fmt: skip
    """Each numeric method's error against its step: the V-curves.

    In float64 and float32, with the best steps, the textbook and default steps, and the slopes.
    """
    from ..measure.conditions import metadata, pinned
    from ..model.spec import Spec
    from ..render.accuracy import show_accuracy
    from ..render.console import beside
    from ..render.export import write_points
    from ..render.plot import plot_accuracy
    from ..studies.accuracy import check_outputs, measure, summarize
    from .app import conditions_of

    spec = Spec(layers, hidden, 0, 0, batch, activation, "float64", seed)
    check_outputs(spec, csv, plot, force)
    with pinned(1):
        points = measure(spec)
    summaries = summarize(spec, points)
    show_accuracy(beside(csv), summaries)
    write_points(points, csv, {"metadata": metadata(conditions_of(ctx, 1, seed)), "spec": spec.as_dict()})
    if plot:
        plot_accuracy(points, summaries, Path(plot), f"the V-curves of the numeric methods: {spec}, {activation}")


app.command(name="check")(check_command)  # here, so that --help lists it between accuracy and diff


@app.command(name="diff")
def diff_command(old: a.Old, new: a.New, fail_on: a.FailOn = None) -> None:
    """A run against a baseline: the change, its interval, a verdict.

    Per method, the median time's change with its 95% interval and a rank test's p-value; --fail-on exits 1.
    """
    from ..io.values import fraction
    from ..render.console import console
    from ..render.diff import show_changes
    from ..studies.diff import check, diff, load, unmatched

    threshold = None if fail_on is None else fraction(fail_on, "--fail-on")
    before, after = load(old), load(new)
    changes = diff(before, after)
    only_old, only_new = unmatched(before, after)
    show_changes(console(), changes, threshold, {str(old): only_old, str(new): only_new})
    check(changes, fail_on, threshold)


@app.command(name="report")
def report_command(results: a.ResultsDir = Path("results"), out: a.PageOut = "-", force: a.Force = False) -> None:
    """A directory of results as one markdown page.

    compare.json, sweep.csv, accuracy.csv, reproduce.json and bench.json, with the pictures.
    """
    from ..io.files import STDOUT, check_outputs, write_text
    from ..render.page import inputs, page

    check_outputs({"--out": out}, force, inputs=inputs(results))
    write_text(out, page(results, None if out == STDOUT else Path(out).parent))


@app.command(name="methods")
def methods_command() -> None:
    """The registered gradient methods, their tolerances.

    Each name is what --methods takes; what it does; whether it can be sampled.
    """
    from ..render.console import console
    from ..render.methods import methods_table

    console().print(methods_table())
