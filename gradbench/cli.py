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

ALL_METHODS = "forward,central,complex,forward-mode,backprop"

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Measure why backpropagation replaced numerical differentiation: the same MLP gradient "
    "computed five ways, every operation counted, every way timed.",
)


@app.callback()
def _root() -> None:
    """Measure why backpropagation replaced numerical differentiation."""


class Activation(str, Enum):
    sigmoid = "sigmoid"
    tanh = "tanh"
    relu = "relu"


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
CsvOut = Annotated[str | None, typer.Option("--csv", help="Write the rows as CSV ('-' for stdout).")]
JsonOut = Annotated[str | None, typer.Option("--json", help="Write rows and metadata as JSON ('-': stdout).")]


def positive_finite(name: str, value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise GradbenchError(f"{name} must be a positive finite number, got {value}")


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
    methods: Annotated[str, typer.Option(help="Comma list of methods.")] = ALL_METHODS,
    eps: Annotated[float | None, typer.Option(
        help="Absolute step for the finite differences [default: sqrt(eps)·max(1,|θ|) forward, "
        "cbrt(eps)·max(1,|θ|) central].", show_default=False)] = None,
    budget: Budget = 10.0,
    threads: Threads = 1,
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
    if threads < 1:
        raise GradbenchError(f"--threads must be a positive integer, got {threads}")
    check_writable(csv)
    check_writable(json)
    spec.check_fits()

    from threadpoolctl import threadpool_limits

    from .compare import measure_methods
    from .report import NAMES, reading, table, write_csv, write_json
    from .results import metadata

    err = stderr_console()
    with threadpool_limits(limits=threads, user_api="blas"), err.status("measuring") as status:
        rows = measure_methods(
            spec, chosen, budget, eps,
            on_method=lambda m: status.update(f"timing {NAMES.get(m, m)}"),
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


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app and turns every input error into one line on stderr, exit 2."""
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
