"""The command line: a thin adapter. Each command parses its options, calls one library function and
renders the result; every input error leaves through one path (one line on stderr, exit status 2).

Heavy imports (numpy, pandas, matplotlib, torch) happen inside the commands, so --help stays fast.
Method names are read from the registry when a command runs (`gradbench methods` lists them).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.exceptions import TyperException

from .options import int_list, key_values, memory_bytes, method_list, positive_finite
from .spec import ACTIVATIONS, DTYPES, GradbenchError

if TYPE_CHECKING:
    from rich.console import Console

    from .conditions import Conditions

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Measure why backpropagation replaced numerical differentiation: the same MLP gradient "
    "computed several ways, every operation counted, every way timed.",
)
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")  # tests hold = optim.OPTIMIZERS
DATASETS = ("xor", "two-moons", "regression")  # tests hold = data.GENERATORS


def _one_of(names: tuple[str, ...]) -> dict[str, object]:
    """Option settings for a choice among fixed names: parsed, listed in the help, completed."""

    def parse(value: str) -> str:
        if value not in names:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(names)}")
        return value

    return {"parser": parse, "metavar": "[" + "|".join(names) + "]",
            "autocompletion": lambda incomplete: [n for n in names if n.startswith(incomplete)]}


def _complete_methods(incomplete: str) -> list[str]:
    from .methods import METHODS

    return [m for m in METHODS if m.startswith(incomplete.split(",")[-1])]


Layers = Annotated[int, typer.Option(min=1, help="Affine layers: weight matrices (the seeds' '3-layer' is 3).")]
Hidden = Annotated[int, typer.Option(min=1, help="Hidden width H.")]
Inputs = Annotated[int | None, typer.Option(min=1, help="Input width D [default: H].", show_default=False)]
Outputs = Annotated[int | None, typer.Option(min=1, help="Output width K [default: H].", show_default=False)]
Batch = Annotated[int, typer.Option(min=1, help="Samples per batch B (1 = the seeds' single-sample count).")]
Act = Annotated[str, typer.Option(help="Hidden-layer activation.", **_one_of(ACTIVATIONS))]
Dtype = Annotated[str, typer.Option(help="Floating-point type of parameters and data.", **_one_of(DTYPES))]
Seed = Annotated[int, typer.Option(min=0, max=2**32 - 1, help="Seed for parameters, data and sampling.")]
Threads = Annotated[int, typer.Option(min=1, help="BLAS threads, pinned with threadpoolctl and recorded.")]
Eps = Annotated[float | None, typer.Option(
    help="Absolute finite-difference step [default: √ε·max(1,|θ|) forward, ∛ε·max(1,|θ|) central].",
    show_default=False)]  # fmt: skip
Methods = Annotated[str, typer.Option(
    help="Comma list of gradient methods [default: all]; `gradbench methods` lists them.",
    show_default=False, autocompletion=_complete_methods)]  # fmt: skip
Memory = Annotated[str, typer.Option(
    help="Buffer budget of the batched finite differences: bytes, or with a unit (512MiB, 1GiB, 2G).")]
CsvOut = Annotated[str | None, typer.Option("--csv", help="Write the rows as CSV ('-' for stdout).")]
JsonOut = Annotated[str | None, typer.Option("--json", help="Write rows and metadata as JSON ('-': stdout).")]
ALL = "all"


def _methods(text: str) -> list[str]:
    from .methods import METHODS

    return list(METHODS) if text == ALL else method_list(text, METHODS)


def _conditions(ctx: typer.Context, threads: int, seed: int | None) -> Conditions:
    from .conditions import Conditions

    return Conditions(threads=threads, seed=seed, command=tuple(ctx.obj or ()))


def _outputs(*paths: str | None) -> None:
    """Refuse, before any work, outputs that cannot be written or that collide on stdout."""
    from .files import STDOUT, check_writable

    for p in paths:
        check_writable(p)
    if sum(p == STDOUT for p in paths) > 1:
        raise GradbenchError("--csv and --json cannot both go to stdout: send one of them to a file")


def _console(stderr: bool = False) -> Console:
    """A rich console; wide enough for the tables when it is a file or a pipe."""
    from rich.console import Console

    console = Console(stderr=stderr)
    return console if console.is_terminal else Console(stderr=stderr, width=140)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Measure why backpropagation replaced numerical differentiation."""
    if version:
        from . import __version__

        print(f"gradbench {__version__}")
        raise typer.Exit()


@app.command()
def compare(
    ctx: typer.Context, layers: Layers = 3, hidden: Hidden = 10, inputs: Inputs = None, outputs: Outputs = None,
    batch: Batch = 1, activation: Act = "sigmoid", dtype: Dtype = "float64", seed: Seed = 0,
    methods: Methods = ALL, eps: Eps = None,
    budget: Annotated[float, typer.Option(help="Seconds of timing per method; a longer method is timed on a "
                                          "random sample of its perturbations (marked ~ estimated).")] = 10.0,
    memory: Memory = "1GiB", threads: Threads = 1,
    peer: Annotated[str | None, typer.Option(help="Add an outside reference: torch (needs the [torch] extra).",
                                             show_default=False)] = None,
    csv: CsvOut = None, json: JsonOut = None,
) -> None:  # fmt: skip
    """Compute one gradient every way on one MLP: counts, times, ratios and errors, side by side."""
    from .measure import Settings
    from .spec import Spec

    spec = Spec(layers, hidden, inputs, outputs, batch, activation, dtype, seed)
    chosen = _methods(methods)
    positive_finite("--eps", eps)
    positive_finite("--budget", budget)
    settings = Settings(budget, eps, memory_bytes(memory), peer, threads)
    _outputs(csv, json)
    spec.check_fits()
    if peer:
        from .peers import load

        load(peer)

    from .conditions import metadata, pinned
    from .measure import measure_methods
    from .report import compare_title, label, reading, table, write_rows_csv, write_rows_json

    err = _console(stderr=True)
    with pinned(threads), err.status("measuring") as status:
        rows = measure_methods(spec, chosen, settings, on_method=lambda m: status.update(f"timing {label(m)}"))
        meta = metadata(_conditions(ctx, threads, seed))
    out = err if "-" in (csv, json) else _console()
    out.print(table(rows, compare_title(rows, threads)))
    for line in reading(rows):
        out.print(line, highlight=False)
    if csv:
        write_rows_csv(rows, meta, csv)
    if json:
        write_rows_json(rows, meta, json)


@app.command(name="train")
def train_command(
    ctx: typer.Context, layers: Layers = 3, hidden: Hidden = 10, activation: Act = "sigmoid",
    dtype: Dtype = "float64", seed: Seed = 0,
    dataset: Annotated[str, typer.Option(help="Seeded data set, split 3:1.", **_one_of(DATASETS))] = "xor",
    samples: Annotated[int, typer.Option(min=4, help="Samples in the data set (train + test).")] = 200,
    gradient: Annotated[str | None, typer.Option(help="Gradient method [default: backprop]; `gradbench methods` "
                                                 "lists them.", autocompletion=_complete_methods,
                                                 show_default=False)] = None,
    optimizer: Annotated[str, typer.Option(help="Update rule (PyTorch's).", **_one_of(OPTIMIZERS))] = "adam",
    lr: Annotated[float | None, typer.Option(help="Learning rate [default: one that trains XOR with the "
                                             "chosen optimizer].", show_default=False)] = None,
    hyper: Annotated[list[str] | None, typer.Option(
        help="Other hyper-parameters, repeatable: momentum=0.9, alpha=0.99 (RMSProp), beta1=0.9, "
        "beta2=0.999, eps=1e-8 (PyTorch's defaults).", metavar="KEY=VALUE", show_default=False)] = None,
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the training set.")] = 300,
    batch: Annotated[int, typer.Option(min=1, help="Mini-batch size (>= the training set: full batch).")] = 32,
    eps: Eps = None,
    budget: Annotated[float, typer.Option(help="Refuse a run whose gradients are predicted to take "
                                          "longer than this (seconds).")] = 600.0,
    threads: Threads = 1, csv: CsvOut = None, json: JsonOut = None,
) -> None:  # fmt: skip
    """Train the MLP on a data set with any gradient method and optimizer, counting the gradients' work."""
    from .methods import METHODS, REFERENCE
    from .optim import DEFAULT_LR, HYPER_RANGES, Hyper
    from .spec import Spec
    from .train import TrainConfig, check_budget, train

    spec = Spec(layers, hidden, None, None, 1, activation, dtype, seed)
    (method,) = method_list(gradient or REFERENCE.name, METHODS, "--gradient")
    lr = DEFAULT_LR[optimizer] if lr is None else lr
    for option, value in (("--lr", lr), ("--eps", eps), ("--budget", budget)):
        positive_finite(option, value)
    hp = Hyper(lr=lr, **key_values(hyper or [], HYPER_RANGES, "--hyper"))
    config = TrainConfig(method, optimizer, hp, epochs, batch, eps)
    _outputs(csv, json)

    from .conditions import metadata, pinned
    from .data import load
    from .report import progress_bar, train_table, write_history

    data = load(dataset, samples, seed=seed)
    with pinned(threads):
        check_budget(spec, data, config, budget)
        with progress_bar(_console(stderr=True)) as bar:
            task = bar.add_task(f"training ({method}, {optimizer})", total=epochs, info="")
            result = train(spec, data, config,
                           on_epoch=lambda e: bar.update(task, advance=1, info=f"loss {e.train_loss:.4g}"))
        meta = metadata(_conditions(ctx, threads, seed))
    meta.update(dataset=dataset, gradient=method, optimizer=optimizer, hyper=vars(hp), epochs=epochs, batch=batch)
    out = _console()
    out.print(f"{dataset}: {method} gradients, {optimizer} (lr {lr:g}), batch {batch}, "
              f"N = {result.spec.n_params:,}", highlight=False)  # fmt: skip
    out.print(train_table(result))
    write_history(result, meta, csv, json)
    if result.diverged_at is not None:
        raise GradbenchError(f"training diverged at epoch {result.diverged_at} (loss is not finite): lower --lr "
                             f"(was {lr:g}); the epochs before it were kept")  # fmt: skip


@app.command()
def reproduce(
    ctx: typer.Context,
    epochs: Annotated[int, typer.Option(min=1, help="Epochs of the measured runs (blocks 1 and 2 always count "
                                        "the seeds' 1000).")] = 1000,
    samples: Annotated[int, typer.Option(min=1, help="Samples in the fixed data set (one full batch).")] = 16,
    lr: Annotated[float, typer.Option(help="SGD learning rate of the measured runs.")] = 0.1,
    threads: Threads = 1, json: JsonOut = None,
) -> None:  # fmt: skip
    """The seeds' comparison: 12,000 vs 2,000 evaluations, the true per-parameter count, and both run."""
    positive_finite("--lr", lr)
    _outputs(json)

    from .conditions import pinned
    from .files import write_json
    from .report import progress_bar, reproduce_report
    from .reproduce import MEASURED, reproduce

    with pinned(threads), progress_bar(_console(stderr=True)) as bar:
        tasks = {m: bar.add_task(f"training with {m}", total=epochs, info="") for m in MEASURED}
        doc = reproduce(epochs, samples, lr, _conditions(ctx, threads, None),
                        on_epoch=lambda m, e: bar.update(tasks[m], advance=1, info=f"loss {e.train_loss:.4g}"))
    reproduce_report(_console(), doc)
    if json:
        write_json(json, doc)


@app.command()
def sweep(
    ctx: typer.Context,
    layers: Annotated[str, typer.Option(help="Layer counts: a list (1,2,3) or a range (1..4).")] = "3",
    hidden: Annotated[str, typer.Option(help="Hidden widths: list or range; 4..1024x2 doubles.")] = "4..1024x2",
    batch: Annotated[str, typer.Option(help="Batch sizes: list or range.")] = "1,32",
    activation: Act = "sigmoid", dtype: Dtype = "float64", seed: Seed = 0, methods: Methods = ALL, eps: Eps = None,
    budget: Annotated[float, typer.Option(help="Seconds of timing per method and point.")] = 0.4,
    memory: Memory = "1GiB", threads: Threads = 1,
    out: Annotated[Path, typer.Option(help="CSV to write (relative to the working directory); "
                                      "its metadata goes to OUT.meta.json.")] = Path("results/sweep.csv"),
    resume: Annotated[bool, typer.Option(help="Skip the points already in OUT and append the rest.")] = False,
    force: Annotated[bool, typer.Option(help="Replace an existing OUT.")] = False,
) -> None:  # fmt: skip
    """Measure every method over a grid of sizes; each finished point is on disk before the next."""
    from .files import check_writable
    from .measure import Settings
    from .sweep import Sweep, grid

    positive_finite("--eps", eps)
    positive_finite("--budget", budget)
    grid_text = {"layers": layers, "hidden": hidden, "batch": batch}
    sizes = [int_list(text, f"--{name}") for name, text in grid_text.items()]
    job = Sweep(out, grid(*sizes, activation, dtype, seed), _methods(methods),
                Settings(budget, eps, memory_bytes(memory), None, threads), grid_text, resume)
    check_writable(out)
    if out.exists() and not (resume or force):
        raise GradbenchError(f"{out} exists: pass --resume to continue it or --force to replace it")
    for spec in job.specs:
        spec.check_fits()

    from .conditions import pinned
    from .report import progress_bar, sweep_table
    from .sweep import run_sweep

    with pinned(threads), progress_bar(_console(stderr=True)) as bar:
        task = bar.add_task("sweep", total=len(job.specs), info="")
        rows, skipped = run_sweep(
            job, _conditions(ctx, threads, seed),
            on_point=lambda s, m: bar.update(task, info=f"L={s.layers} H={s.hidden} B={s.batch} "
                                             f"N={s.n_params:,}: {m}"),
            on_done=lambda s: bar.advance(task))  # fmt: skip
    console = _console()
    if rows:
        console.print(sweep_table(rows))
    console.print(f"{len(rows)} rows written to {out} ({skipped} points already there); metadata in "
                  f"{out}.meta.json", highlight=False)  # fmt: skip


@app.command()
def plot(
    csv: Annotated[Path, typer.Argument(help="A sweep CSV (relative to the working directory).")] = Path(
        "results/sweep.csv"),
    out: Annotated[Path | None, typer.Option(help="PNG to write (an SVG beside it) [default: CSV with .png].",
                                             show_default=False)] = None,
    show_counts: Annotated[bool, typer.Option(help="Plot the exact FLOPs instead of the time.")] = False,
) -> None:  # fmt: skip
    """Plot a sweep: cost per gradient against N (log-log, fitted slopes) and the ratio to backprop."""
    from .files import check_writable

    png = out or csv.with_suffix(".png")
    if png.suffix.lower() != ".png":
        raise GradbenchError(f"--out must end in .png (an .svg is written beside it), got {png}")
    check_writable(png)
    check_writable(png.with_suffix(".svg"))

    from .plot import plot_sweep
    from .report import plot_lines

    summary = plot_sweep(csv, png, show_counts)
    console = _console()
    console.print(f"wrote {png} and {png.with_suffix('.svg')}", highlight=False)
    for line in plot_lines(summary):
        console.print(line, highlight=False)


@app.command()
def bench(ctx: typer.Context, threads: Threads = 1, json: JsonOut = None) -> None:
    """Measure the performance targets as ratios within one run, each with its bound and verdict."""
    _outputs(json)

    from importlib.util import find_spec

    from .bench import all_targets
    from .conditions import metadata, pinned
    from .files import write_json
    from .report import bench_table

    has_torch = find_spec("torch") is not None
    with pinned(threads), _console(stderr=True).status("benchmarking") as status:
        targets = all_targets(threads, on_step=lambda name: status.update(f"measuring: {name}"), torch=has_torch)
        meta = metadata(_conditions(ctx, threads, None))
    console = _console()
    console.print(bench_table(targets, f"gradbench targets on {meta['cpu']}, {threads} BLAS thread(s) (~ estimated)"))
    if not has_torch:
        console.print("torch is not installed: the peer ratios were skipped (pip install -e '.[torch]').")
    if json:
        write_json(json, {"metadata": meta, "targets": [x.as_dict() for x in targets]})


@app.command(name="methods")
def methods_command() -> None:
    """List the registered gradient methods: name (the --methods value), what each does, its tolerance."""
    from .report import methods_table

    _console().print(methods_table())


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app and turns every input error into one line on stderr, exit 2."""
    argv = sys.argv[1:] if argv is None else argv
    argv = argv or ["--help"]  # a bare `gradbench` is a request for help, not an error
    try:
        code = app(args=argv, prog_name="gradbench", standalone_mode=False, obj=argv)
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
