"""The command line: thin and declarative. Options are parsed and validated here, the work is done
by the modules behind them, and every input error leaves through one path: one line, exit status 2.

Heavy imports (numpy, pandas, matplotlib, torch) happen inside the commands, so --help stays fast.
"""

from __future__ import annotations

import math
import sys
from enum import Enum
from typing import Annotated

import typer
from typer.exceptions import TyperException

from .spec import GradbenchError

ALL_METHODS = "forward,central,complex,forward-mode,backprop,forward-batched,central-batched"

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Measure why backpropagation replaced numerical differentiation: the same MLP gradient "
    "computed several ways, every operation counted, every way timed.",
)


def _version(value: bool) -> None:
    if value:
        from . import __version__

        print(f"gradbench {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Measure why backpropagation replaced numerical differentiation."""


class Activation(str, Enum):
    sigmoid = "sigmoid"
    tanh = "tanh"
    relu = "relu"


class Peer(str, Enum):
    torch = "torch"


class DType(str, Enum):
    float64 = "float64"
    float32 = "float32"


Layers = Annotated[int, typer.Option(help="Affine layers: weight matrices (the seeds' '3-layer' is 3).")]
Hidden = Annotated[int, typer.Option(help="Hidden width H.")]
Inputs = Annotated[int | None, typer.Option(help="Input width D [default: H].", show_default=False)]
Outputs = Annotated[int | None, typer.Option(help="Output width K [default: H].", show_default=False)]
Batch = Annotated[int, typer.Option(help="Samples per batch B (1 = the seeds' single-sample count).")]
Act = Annotated[Activation, typer.Option(help="Hidden-layer activation (none after the last layer).")]
Dtype = Annotated[DType, typer.Option(help="Floating-point type of parameters and data.")]
Seed = Annotated[int, typer.Option(help="Seed for parameters, data and sampling.")]
Threads = Annotated[int, typer.Option(help="BLAS threads, pinned with threadpoolctl and recorded.")]
Budget = Annotated[float, typer.Option(
    help="Seconds of timing per method; a method predicted to take longer is timed on a random "
    "sample of its perturbations and extrapolated (marked ~ estimated).")]
Methods = Annotated[str, typer.Option(help=f"Comma list of gradient methods [default: all]: {ALL_METHODS}.",
                                      show_default=False)]
Memory = Annotated[str, typer.Option(
    help="Buffer budget of the batched finite differences: bytes, or with a unit (512MiB, 1GiB, 2G).")]
CsvOut = Annotated[str | None, typer.Option("--csv", help="Write the rows as CSV ('-' for stdout).")]
JsonOut = Annotated[str | None, typer.Option("--json", help="Write rows and metadata as JSON ('-': stdout).")]


def positive_int(name: str, value: int) -> None:
    if value < 1:
        raise GradbenchError(f"{name} must be a positive integer, got {value}")


def positive_finite(name: str, value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise GradbenchError(f"{name} must be a positive finite number, got {value}")


UNITS = {"": 1, "k": 2**10, "kib": 2**10, "m": 2**20, "mib": 2**20, "g": 2**30, "gib": 2**30}


def memory_bytes(text: str) -> int:
    """'1GiB', '512M', '100000' -> bytes."""
    import re

    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", text)
    suffix = m[2].lower() if m else ""
    unit = UNITS.get(suffix, UNITS.get(suffix.removesuffix("b")))  # 1GB reads as 1G
    if not m or unit is None or float(m[1]) * unit < 1:
        raise GradbenchError(f"--memory must be a positive size such as 512MiB or 1GiB, got {text!r}")
    return int(float(m[1]) * unit)


def method_list(text: str, known) -> list[str]:
    names = [m.strip() for m in text.split(",") if m.strip()]
    if not names:
        raise GradbenchError("--methods is empty: name at least one method")
    for m in names:
        if m not in known:
            raise GradbenchError(f"unknown method {m!r}: choose from {', '.join(known)}")
    return list(dict.fromkeys(names))


def stderr_console():
    from rich.console import Console

    console = Console(stderr=True)
    return console if console.is_terminal else Console(stderr=True, width=140)


def stdout_console():
    """Rich console on stdout, wide enough for the tables when stdout is a file or a pipe."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=140)


@app.command()
def compare(
    layers: Layers = 3,
    hidden: Hidden = 10,
    inputs: Inputs = None,
    outputs: Outputs = None,
    batch: Batch = 1,
    activation: Act = Activation.sigmoid,
    dtype: Dtype = DType.float64,
    seed: Seed = 0,
    methods: Methods = ALL_METHODS,
    eps: Annotated[float | None, typer.Option(
        help="Absolute step for the finite differences [default: sqrt(eps)·max(1,|θ|) forward, "
        "cbrt(eps)·max(1,|θ|) central].", show_default=False)] = None,
    budget: Budget = 10.0,
    memory: Memory = "1GiB",
    threads: Threads = 1,
    peer: Annotated[Peer | None, typer.Option(
        help="Add an outside reference: torch.autograd on the same model (needs the [torch] extra).",
        show_default=False)] = None,
    csv: CsvOut = None,
    json: JsonOut = None,
) -> None:
    """Compute one gradient every way on one MLP: counts, times, ratios and errors, side by side."""
    from .files import check_writable
    from .methods import METHODS
    from .spec import Spec

    spec = Spec(layers, hidden, inputs, outputs, batch, activation.value, dtype.value, seed)
    chosen = method_list(methods, METHODS)
    positive_finite("--eps", eps)
    positive_finite("--budget", budget)
    memory_limit = memory_bytes(memory)
    positive_int("--threads", threads)
    check_writable(csv)
    check_writable(json)
    if csv == json == "-":
        raise GradbenchError("--csv and --json cannot both go to stdout: send one of them to a file")
    spec.check_fits()
    if peer:
        from .peer_torch import import_torch

        import_torch()

    from threadpoolctl import threadpool_limits

    from .compare import measure_methods
    from .report import NAMES, reading, table, write_csv, write_json
    from .results import metadata

    err = stderr_console()
    with threadpool_limits(limits=threads, user_api="blas"), err.status("measuring") as status:
        rows = measure_methods(
            spec, chosen, budget, eps, memory=memory_limit,
            on_method=lambda m: status.update(f"timing {NAMES.get(m, m)}"),
            peer=peer.value if peer else None, threads=threads,
        )
        meta = metadata(seed, threads)
    to_stdout = "-" in (csv, json)
    out = err if to_stdout else stdout_console()
    title = (f"gradient of an MLP: L={spec.layers}, widths {'-'.join(map(str, spec.widths))}, "
             f"B={spec.batch}, {spec.activation}, {spec.dtype}, N={spec.n_params:,}, "
             f"{threads} BLAS thread{'s' if threads > 1 else ''}")
    out.print(table(rows, title))
    for line in reading(rows):
        out.print(line, highlight=False)
    if csv:
        write_csv(rows, meta, csv)
    if json:
        write_json(rows, meta, json)


class Optimizer(str, Enum):
    sgd = "sgd"
    momentum = "momentum"
    nesterov = "nesterov"
    adagrad = "adagrad"
    rmsprop = "rmsprop"
    adam = "adam"


class DataSet(str, Enum):
    xor = "xor"
    two_moons = "two-moons"
    regression = "regression"


def progress_bar(console):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[info]}"), TimeRemainingColumn(), console=console,
                    transient=True)


@app.command(name="train")
def train_command(
    layers: Layers = 3,
    hidden: Hidden = 10,
    activation: Act = Activation.sigmoid,
    dtype: Dtype = DType.float64,
    seed: Seed = 0,
    dataset: Annotated[DataSet, typer.Option(help="Seeded data set, split 3:1 into train and test.")] = DataSet.xor,
    samples: Annotated[int, typer.Option(help="Samples in the data set (train + test).")] = 200,
    gradient: Annotated[str, typer.Option(help=f"Gradient method, one of: {ALL_METHODS}.")] = "backprop",
    optimizer: Annotated[Optimizer, typer.Option(help="Update rule (PyTorch's definitions).")] = Optimizer.adam,
    lr: Annotated[float | None, typer.Option(
        help="Learning rate [default: one that trains XOR for the chosen optimizer].", show_default=False)] = None,
    momentum: Annotated[float, typer.Option(help="Momentum / Nesterov coefficient.")] = 0.9,
    alpha: Annotated[float, typer.Option(help="RMSProp decay.")] = 0.99,
    beta1: Annotated[float, typer.Option(help="Adam's first-moment decay.")] = 0.9,
    beta2: Annotated[float, typer.Option(help="Adam's second-moment decay.")] = 0.999,
    opt_eps: Annotated[float, typer.Option(help="Adagrad/RMSProp/Adam denominator epsilon.")] = 1e-8,
    epochs: Annotated[int, typer.Option(help="Passes over the training set.")] = 300,
    batch: Annotated[int, typer.Option(help="Mini-batch size (>= the training set: full batch).")] = 32,
    eps: Annotated[float | None, typer.Option(help="Absolute finite-difference step.",
                                                 show_default=False)] = None,
    budget: Annotated[float, typer.Option(
        help="Refuse a run whose gradients are predicted to take longer than this (seconds).")] = 600.0,
    threads: Threads = 1,
    csv: Annotated[str | None, typer.Option("--csv", help="Write the per-epoch curve as CSV.")] = None,
    json: Annotated[str | None, typer.Option("--json", help="Write the curve, totals and metadata as JSON.")] = None,
) -> None:
    """Train the MLP on a data set with any gradient method and optimizer, counting the gradients' work."""
    from .files import check_writable
    from .methods import METHODS
    from .optim import DEFAULT_LR
    from .spec import Spec

    spec = Spec(layers, hidden, None, None, 1, activation.value, dtype.value, seed)
    if gradient not in METHODS:
        raise GradbenchError(f"unknown gradient method {gradient!r}: choose from {', '.join(METHODS)}")
    lr = DEFAULT_LR[optimizer.value] if lr is None else lr
    positive_finite("--lr", lr)
    positive_finite("--eps", eps)
    positive_finite("--budget", budget)
    positive_finite("--opt-eps", opt_eps)
    for name, value in (("--epochs", epochs), ("--batch", batch), ("--samples", samples), ("--threads", threads)):
        positive_int(name, value)
    for name, value in (("--momentum", momentum), ("--alpha", alpha), ("--beta1", beta1), ("--beta2", beta2)):
        if not 0 <= value < 1:
            raise GradbenchError(f"{name} must be in [0, 1), got {value}")
    check_writable(csv)
    check_writable(json)

    import numpy as np
    from threadpoolctl import threadpool_limits

    from .data import load
    from .methods import Options
    from .optim import Hyper
    from .report import NAMES, train_table, write_history
    from .results import metadata
    from .train import model_for, predict_seconds, train

    data = load(dataset.value, samples, seed=seed)
    hp = Hyper(lr=lr, momentum=momentum, alpha=alpha, beta1=beta1, beta2=beta2, eps=opt_eps)
    err = stderr_console()
    with threadpool_limits(limits=threads, user_api="blas"), np.errstate(over="ignore", invalid="ignore"):
        b = min(batch, len(data.X_train))
        predicted = predict_seconds(model_for(spec, data, b), data, gradient, Options(eps=eps), b, epochs)
        if predicted > budget:
            raise GradbenchError(
                f"training with {NAMES[gradient]} gradients is predicted to take {predicted:,.0f} s "
                f"(> --budget {budget:g} s): pass --budget {math.ceil(1.2 * predicted)} to run it, "
                "or use fewer --epochs or a smaller model")
        with progress_bar(err) as bar:
            task = bar.add_task(f"training ({NAMES[gradient]}, {optimizer.value})", total=epochs, info="")
            result = train(spec, data, gradient, optimizer.value, hp, epochs, batch, eps,
                           on_epoch=lambda e: bar.update(task, advance=1, info=f"loss {e.train_loss:.4g}"))
        meta = metadata(seed, threads)
    meta.update(dataset=dataset.value, gradient=gradient, optimizer=optimizer.value, hyper=vars(hp) | {"lr": lr},
                epochs=epochs, batch=batch)
    out = stdout_console()
    out.print(f"{dataset.value}: {NAMES[gradient]} gradients, {optimizer.value} (lr {lr:g}), batch {batch}, "
              f"N = {result.spec.n_params:,}", highlight=False)
    out.print(train_table(result))
    write_history(result, meta, csv, json)
    if result.diverged_at is not None:
        raise GradbenchError(
            f"training diverged at epoch {result.diverged_at} (loss is not finite): lower --lr "
            f"(was {lr:g}); the epochs before it were kept")


@app.command()
def reproduce(
    epochs: Annotated[int, typer.Option(
        help="Epochs of the measured runs (blocks 1 and 2 always count the seeds' 1000).")] = 1000,
    samples: Annotated[int, typer.Option(help="Samples in the fixed data set (one full batch).")] = 16,
    lr: Annotated[float, typer.Option(help="SGD learning rate of the measured runs.")] = 0.1,
    threads: Threads = 1,
    json: JsonOut = None,
) -> None:
    """The seeds' comparison: 12,000 vs 2,000 evaluations, the true per-parameter count, and both run."""
    from .files import check_writable

    for name, value in (("--epochs", epochs), ("--samples", samples), ("--threads", threads)):
        positive_int(name, value)
    positive_finite("--lr", lr)
    check_writable(json)

    import numpy as np
    from threadpoolctl import threadpool_limits

    from .report import reproduce_report
    from .reproduce import SEED_EPOCHS, measured, seed_004, seed_accounting, true_accounting
    from .results import metadata
    from .spec import Spec

    spec = Spec(layers=3, hidden=10)
    err = stderr_console()
    with threadpool_limits(limits=threads, user_api="blas"), np.errstate(over="ignore", invalid="ignore"):
        with progress_bar(err) as bar:
            tasks = {m: bar.add_task(f"training with {m}", total=epochs, info="") for m in ("forward", "backprop")}
            run = measured(spec, epochs, samples, lr,
                           on_epoch=lambda m, e: bar.update(tasks[m], advance=1, info=f"loss {e.train_loss:.4g}"))
        doc = {
            "metadata": metadata(spec.seed, threads),
            "spec": spec.as_dict(),
            "seed_accounting": seed_accounting(spec.layers, SEED_EPOCHS),
            "true_accounting": true_accounting(spec, SEED_EPOCHS),
            "measured": run,
            "measured_predicted": true_accounting(spec, epochs),
            "seed_004": seed_004(),
        }
    reproduce_report(stdout_console(), doc)
    if json:
        from .files import write_json

        write_json(json, doc)


@app.command()
def sweep(
    layers: Annotated[str, typer.Option(help="Layer counts: a list (1,2,3) or a range (1..4).")] = "3",
    hidden: Annotated[str, typer.Option(help="Hidden widths: list or range; 4..1024x2 doubles.")] = "4..1024x2",
    batch: Annotated[str, typer.Option(help="Batch sizes: list or range.")] = "1,32",
    activation: Act = Activation.sigmoid,
    dtype: Dtype = DType.float64,
    seed: Seed = 0,
    methods: Methods = ALL_METHODS,
    eps: Annotated[float | None, typer.Option(help="Absolute finite-difference step.",
                                              show_default=False)] = None,
    budget: Annotated[float, typer.Option(
        help="Seconds of timing per method and point; longer runs are sampled and extrapolated.")] = 0.4,
    memory: Memory = "1GiB",
    threads: Threads = 1,
    out: Annotated[str, typer.Option(help="CSV to write; its metadata goes to OUT.meta.json.")] = "results/sweep.csv",
    resume: Annotated[bool, typer.Option(help="Skip the points already in OUT and append the rest.")] = False,
    force: Annotated[bool, typer.Option(help="Replace an existing OUT.")] = False,
) -> None:
    """Measure every method over a grid of sizes; each finished point is on disk before the next."""
    from pathlib import Path

    from .files import check_writable
    from .methods import METHODS
    from .sweep import grid, parse_list

    chosen = method_list(methods, METHODS)
    positive_finite("--eps", eps)
    positive_finite("--budget", budget)
    memory_limit = memory_bytes(memory)
    positive_int("--threads", threads)
    specs = grid(parse_list(layers, "--layers"), parse_list(hidden, "--hidden"), parse_list(batch, "--batch"),
                 activation.value, dtype.value, seed)
    path = Path(out)
    check_writable(path)
    if path.exists() and not (resume or force):
        raise GradbenchError(f"{path} exists: pass --resume to continue it or --force to replace it")
    for spec in specs:
        spec.check_fits()

    from threadpoolctl import threadpool_limits

    from .files import write_json
    from .report import NAMES, sweep_table
    from .results import metadata
    from .sweep import done_keys, run_sweep

    if resume and path.exists():
        done_keys(path, activation.value, dtype.value, seed)  # refuse a foreign file before any work
    err = stderr_console()
    with threadpool_limits(limits=threads, user_api="blas"):
        meta = metadata(seed, threads)
        meta["grid"] = {"layers": layers, "hidden": hidden, "batch": batch, "methods": chosen,
                        "budget_s": budget, "memory_bytes": memory_limit}
        write_json(f"{path}.meta.json", meta)
        with progress_bar(err) as bar:
            task = bar.add_task("sweep", total=len(specs), info="")

            def on_point(spec, method):
                bar.update(task, info=f"L={spec.layers} H={spec.hidden} B={spec.batch} N={spec.n_params:,}: "
                                      f"{NAMES.get(method, method)}")

            rows, skipped = run_sweep(path, specs, chosen, budget, eps, memory_limit, resume, on_point,
                                      on_done=lambda spec, rows: bar.advance(task))
    console = stdout_console()
    if rows:
        console.print(sweep_table(rows))
    console.print(f"{len(rows)} rows written to {path} ({skipped} points already there); metadata in "
                  f"{path}.meta.json", highlight=False)


@app.command()
def plot(
    csv: Annotated[str, typer.Argument(help="A sweep CSV.")] = "results/sweep.csv",
    out: Annotated[str | None, typer.Option(help="PNG to write (an SVG beside it) [default: CSV with .png].",
                                            show_default=False)] = None,
    show_counts: Annotated[bool, typer.Option(help="Plot the exact FLOPs instead of the time.")] = False,
) -> None:
    """Plot a sweep: cost per gradient against N (log-log, fitted slopes) and the ratio to backprop."""
    from pathlib import Path

    from .files import check_writable

    png = Path(out) if out else Path(csv).with_suffix(".png")
    if png.suffix.lower() != ".png":
        raise GradbenchError(f"--out must end in .png (an .svg is written beside it), got {png}")
    check_writable(png)
    check_writable(png.with_suffix(".svg"))

    from .plot import plot_sweep
    from .report import NAMES

    summary = plot_sweep(Path(csv), png, show_counts)
    console = stdout_console()
    console.print(f"wrote {png} and {png.with_suffix('.svg')}", highlight=False)
    for key, slope in summary["slopes"].items():
        method, rest = key.split(" ", 1)
        cross = summary["crossings"].get(key, {})
        where = ", ".join(f"{level}x at N ≈ {n:,.0f}" for level, n in cross.items())
        console.print(f"{NAMES.get(method, method)} ({rest}): log-log slope {slope:.2f}"
                      + (f"; ratio to backprop reaches {where}" if where else ""), highlight=False)


@app.command()
def bench(
    threads: Threads = 1,
    json: JsonOut = None,
) -> None:
    """Measure the performance targets as ratios within one run, each with its bound and verdict."""
    from .files import check_writable

    positive_int("--threads", threads)
    check_writable(json)

    from importlib.util import find_spec

    from rich.table import Table
    from threadpoolctl import threadpool_limits

    from .bench import all_targets
    from .results import metadata

    has_torch = find_spec("torch") is not None
    err = stderr_console()
    with threadpool_limits(limits=threads, user_api="blas"), err.status("benchmarking") as status:
        targets = all_targets(threads, on_step=lambda name: status.update(f"measuring: {name}"), torch=has_torch)
        meta = metadata(None, threads)
    t = Table(title=f"gradbench targets on {meta['cpu']}, {threads} BLAS thread(s) (~ estimated)",
              title_justify="left")
    for col in ("target", "measured", "bound", "holds", "detail"):
        t.add_column(col, justify="left" if col in ("target", "detail") else "right")
    verdict = {True: "[green]yes[/]", False: "[red]NO[/]", None: "-"}
    for x in targets:
        bound = "-" if x.bound is None else ("<= " if x.kind == "max" else ">= ") + f"{x.bound:.3g}"
        t.add_row(x.name, ("~" if x.estimated else "") + f"{x.measured:.3g}", bound, verdict[x.holds], x.detail)
    console = stdout_console()
    console.print(t)
    if not has_torch:
        console.print("torch is not installed: the peer ratios were skipped (pip install -e '.[torch]').")
    if json:
        from .files import write_json

        write_json(json, {"metadata": meta, "targets": [x.as_dict() for x in targets]})


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app and turns every input error into one line on stderr, exit 2."""
    argv = sys.argv[1:] if argv is None else argv
    argv = argv or ["--help"]  # a bare `gradbench` is a request for help, not an error
    from . import results

    results.COMMAND_LINE = argv  # recorded in every result's metadata
    try:
        code = app(args=argv, prog_name="gradbench", standalone_mode=False)
    except TyperException as e:  # click's usage errors: bad option, bad value, missing argument
        print(f"gradbench: error: {e.format_message()}", file=sys.stderr)
        sys.exit(2)
    except GradbenchError as e:
        print(f"gradbench: error: {e}", file=sys.stderr)
        sys.exit(2)
    except (KeyboardInterrupt, typer.Abort):
        print("gradbench: interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
