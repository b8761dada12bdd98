"""The command line: a thin adapter. Each command parses its options (declared once, in arguments.py),
calls one library function and renders the result; every input error leaves through one path (one line
on stderr, exit status 2).

Heavy imports (numpy, pandas, matplotlib, torch) happen inside the commands, so --help stays fast.
Method names are read from the registry when a command runs (`gradbench methods` lists them).
"""

from __future__ import annotations

from pathlib import Path

import typer

from ..io.values import int_list, memory_bytes
from . import arguments as a
from .app import app, conditions_of
from .values import chosen_methods, segment_count


@app.callback()
def _root(version: a.Version = False) -> None:
    """Measure why backpropagation replaced numerical differentiation."""


@app.command()
def compare(
    ctx: typer.Context, layers: a.Layers = 3, hidden: a.Hidden = 10, inputs: a.Inputs = None,
    outputs: a.Outputs = None, batch: a.Batch = 1, activation: a.Act = "sigmoid", dtype: a.Dtype = "float64",
    seed: a.Seed = 0, methods: a.Methods = a.ALL, eps: a.Eps = None, budget: a.CompareBudget = 10.0,
    memory: a.Memory = "1GiB", threads: a.Threads = 1, peer: a.Peer = None, csv: a.CsvOut = None,
    json: a.JsonOut = None, force: a.Force = False, warmup: a.Warmup = 1, runs: a.Runs = None,
    segments: a.Segments = None, function: a.Function = None, gradient: a.GradientFn = None, x0: a.X0 = None,
) -> None:  # fmt: skip
    """One gradient every way: counts, times, ratios, errors.

    On one MLP, or on your own function with --function.
    """
    if function or gradient or x0:
        from .check import compare_yours

        return compare_yours(ctx, function, gradient, x0, budget, threads, json, force)
    from ..io.files import check_outputs
    from ..measure.run import Settings
    from ..model.spec import Spec

    spec = Spec(layers, hidden, inputs or 0, outputs or 0, batch, activation, dtype, seed)
    chosen = chosen_methods(methods)
    settings = Settings(budget, eps, memory_bytes(memory), peer, threads, warmup, runs, segment_count(segments))
    check_outputs({"--csv": csv, "--json": json}, force, sidecars=("--csv",))
    settings.check(spec, chosen)

    from ..measure.conditions import metadata, pinned
    from ..measure.run import measure_methods
    from ..methods import BACKPROP_CHECKPOINT
    from ..methods.segments import AUTO
    from ..render.compare import segments_note, show_compare
    from ..render.console import beside, console
    from ..render.export import write_rows
    from ..render.format import label

    err = console(stderr=True)
    with pinned(threads), err.status("measuring") as status:
        rows = measure_methods(spec, chosen, settings, on_method=lambda m: status.update(f"timing {label(m)}"))
        meta = metadata(conditions_of(ctx, threads, seed))
    notes = []
    if BACKPROP_CHECKPOINT.name in chosen:
        meta["segments"] = k = settings.segments_used(spec)
        notes.append(segments_note(layers, k, settings.memory if settings.segments == AUTO else None))
    show_compare(beside(csv, json), rows, threads, eps, notes=notes, warn=err)
    write_rows(rows, meta, csv, json)


@app.command(name="train")
def train_command(
    ctx: typer.Context, layers: a.Layers = 3, hidden: a.Hidden = 10, activation: a.Act = "sigmoid",
    dtype: a.Dtype = "float64", seed: a.Seed = 0, dataset: a.Dataset = "xor", samples: a.Samples = 200,
    gradient: a.Gradient = None, optimizer: a.Optimizer = "adam", lr: a.Lr = None,
    epochs: a.Epochs = 300, batch: a.MiniBatch = 32, eps: a.Eps = None, budget: a.TrainBudget = 600.0,
    threads: a.Threads = 1, csv: a.CsvOut = None, json: a.JsonOut = None, force: a.Force = False,
) -> None:  # fmt: skip
    """Train with any gradient method and optimizer, counted.

    The gradients' work over the whole run is counted and timed.
    """
    from ..io.files import check_outputs
    from ..model.spec import Spec
    from ..studies.train import TrainConfig, check_budget, stopped, train

    spec = Spec(layers, hidden, 0, 0, 1, activation, dtype, seed)
    config = TrainConfig.create(gradient, optimizer, lr, epochs, batch, eps)
    check_outputs({"--csv": csv, "--json": json}, force, sidecars=("--csv",))

    from ..measure.conditions import metadata, pinned
    from ..model.data import load
    from ..render.console import beside, console, progress_bar
    from ..render.export import write_history
    from ..render.train import show_train

    data = load(dataset, samples, seed=seed)
    with pinned(threads):
        check_budget(spec, data, config, budget)
        with progress_bar(console(stderr=True)) as bar:
            task = bar.add_task(f"training ({config.method}, {config.optimizer})", total=epochs, info="")
            result = train(spec, data, config,
                           on_epoch=lambda e: bar.update(task, advance=1, info=f"loss {e.train_loss:.4g}"))  # fmt: skip
        meta = metadata(conditions_of(ctx, threads, seed))
    meta.update(dataset=dataset, **config.as_dict())
    show_train(beside(csv, json), result, dataset)
    if result.history:  # Ctrl-C before the first epoch ended: nothing to write
        write_history(result, meta, csv, json)
    stopped(result, [p for p in (csv, json) if p])


@app.command()
def reproduce(
    ctx: typer.Context, epochs: a.ReproduceEpochs = 1000, samples: a.FixedSamples = 16, lr: a.SgdLr = 0.1,
    threads: a.Threads = 1, json: a.JsonOut = None, force: a.Force = False, yes: a.Yes = False,
) -> None:  # fmt: skip
    """The seeds' comparison: 12,000 vs 2,000 evaluations, rerun.

    The seeds' accounting, the true per-parameter count, and both trainings run and counted.
    """
    from ..io.files import check_outputs, write_json
    from ..measure.conditions import pinned
    from ..render.console import beside, console, progress_bar
    from ..render.reproduce import reproduce_report
    from ..studies.reproduce import MEASURED, check_budget, reproduce

    check_outputs({"--json": json}, force)
    with pinned(threads), progress_bar(console(stderr=True)) as bar:
        check_budget(epochs, samples, lr, yes)
        tasks = {m: bar.add_task(f"training with {m}", total=epochs, info="") for m in MEASURED}
        on_epoch = lambda m, e: bar.update(tasks[m], advance=1, info=f"loss {e.train_loss:.4g}")  # noqa: E731
        doc = reproduce(epochs, samples, lr, conditions_of(ctx, threads, None), on_epoch)
    reproduce_report(beside(json), doc)
    if json:
        write_json(json, doc)


@app.command()
def sweep(
    ctx: typer.Context, layers: a.GridLayers = "3", hidden: a.GridHidden = "4..1024x2", batch: a.GridBatch = "1,32",
    activation: a.Act = "sigmoid", dtype: a.Dtype = "float64", seed: a.Seed = 0, methods: a.Methods = a.ALL,
    eps: a.Eps = None, budget: a.SweepBudget = 0.4, memory: a.Memory = "1GiB", threads: a.Threads = 1,
    csv: a.SweepOut = Path("results/sweep.csv"), resume: a.Resume = False, force: a.Force = False, yes: a.Yes = False,
    out: a.SweepOutAlias = None,
) -> None:  # fmt: skip
    """Every method over a grid of sizes, to a resumable CSV.

    Each finished point is on disk before the next starts.
    """
    from ..errors import GradbenchError
    from ..measure.run import Settings
    from ..studies.sweep import Sweep, check, grid

    if out is not None and getattr(ctx.get_parameter_source("csv"), "name", "") == "COMMANDLINE":
        raise GradbenchError("--out is --csv's former name: give the CSV once")

    settings = Settings(budget, eps, memory_bytes(memory), None, threads)
    grid_text = {"layers": layers, "hidden": hidden, "batch": batch}
    L, H, B = (int_list(text, f"--{name}") for name, text in grid_text.items())
    specs = grid(L, H, B, activation, dtype, seed)
    job = Sweep(csv if out is None else out, specs, chosen_methods(methods), settings, grid_text, resume, force)
    check(job, yes)

    from ..measure.conditions import pinned
    from ..render.console import console, progress_bar
    from ..render.sweep import plan_line, show_sweep
    from ..studies.sweep import run_sweep

    with pinned(threads), progress_bar(console(stderr=True)) as bar:
        task = bar.add_task("sweep", total=len(job.specs), info="")
        point = lambda s, m: bar.update(task, info=f"{s}: {m}")  # noqa: E731
        result = run_sweep(job, conditions_of(ctx, threads, seed), point, on_done=lambda s: bar.advance(task),
                           on_plan=lambda p: console().print(plan_line(p), highlight=False))  # fmt: skip
    show_sweep(console(), result)


@app.command()
def bench(ctx: typer.Context, threads: a.Threads = 1, json: a.JsonOut = None, force: a.Force = False,
          quick: a.Quick = False, recalibrate: a.Recalibrate = False) -> None:  # fmt: skip
    """The performance targets, as ratios within one run.

    Each with its bound and verdict; exit 1 when one does not hold. --quick for CI.
    """
    from importlib.util import find_spec

    from ..io.files import check_outputs, write_json
    from ..measure.conditions import metadata, pinned
    from ..render.bench import show_bench
    from ..render.console import beside, console
    from ..studies.bench import Effort, all_targets, check

    check_outputs({"--json": json}, force)
    has_torch = find_spec("torch") is not None
    if recalibrate:
        from ..model.tuning import recalibrate as calibrate_again

        t = calibrate_again()
        note = f"calibrated in {t.seconds:.2f} s: sigmoid's route switch at {t.sigmoid_small:,} elements, batched "
        console(stderr=True).print(f"{note}chunks of {t.chunk_rows:,} rows", highlight=False)
    with pinned(threads), console(stderr=True).status("benchmarking") as status:
        targets = all_targets(threads, lambda name: status.update(f"measuring: {name}"), has_torch, Effort(quick))
        meta = {**metadata(conditions_of(ctx, threads, None)), "quick": quick}
    show_bench(beside(json), targets, meta, has_torch)
    if json:
        write_json(json, {"metadata": meta, "targets": [x.as_dict() for x in targets]})
    check(targets)
