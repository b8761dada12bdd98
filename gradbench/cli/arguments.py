"""The command line's options, declared once as Annotated aliases that every command shares, with the
fixed choice lists and shell completion. Only typer is imported here: --help must stay fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..model.spec import ACTIVATIONS, DTYPES
from .values import ALL as ALL

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")  # tests hold = optim.OPTIMIZERS
DATASETS = ("xor", "two-moons", "regression")  # tests hold = data.GENERATORS


def _one_of(names: tuple[str, ...]) -> dict[str, object]:
    """Option settings for a choice among fixed names: parsed, listed in the help, completed."""

    def parse(value: str) -> str:
        if value not in names:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(names)}")
        return value

    return {
        "parser": parse,
        "metavar": "[" + "|".join(names) + "]",
        "autocompletion": lambda incomplete: [n for n in names if n.startswith(incomplete)],
    }


def _complete_methods(incomplete: str) -> list[str]:
    from ..methods.registry import METHODS

    return [m for m in METHODS if m.startswith(incomplete.split(",")[-1])]


Layers = Annotated[int, typer.Option(min=1, help="Affine layers: weight matrices (the seeds' '3-layer' is 3).")]
Hidden = Annotated[int, typer.Option(min=1, help="Hidden width H.")]
Inputs = Annotated[int | None, typer.Option(min=1, help="Input width D [default: H].", show_default=False)]
Outputs = Annotated[int | None, typer.Option(min=1, help="Output width K [default: H].", show_default=False)]
Batch = Annotated[int, typer.Option(min=1, help="Samples per batch B (1 = the seeds' single-sample count).")]
Act = Annotated[str, typer.Option(help="Hidden-layer activation.", **_one_of(ACTIVATIONS))]
Dtype = Annotated[str, typer.Option(help="Floating-point type of parameters and data.", **_one_of(DTYPES))]
Seed = Annotated[int, typer.Option(min=0, max=2**32 - 1, help="Seed for parameters, data and sampling.")]


def _cap_threads(ctx: typer.Context, value: int) -> int:
    """BLAS threads beyond the machine's cores only contend: cap them there; the command says so once its
    input is all accepted (app.conditions_of), and records the threads used."""
    import os

    cores = os.cpu_count() or 1
    if value > cores:
        ctx.meta["threads_asked"] = value
    return min(value, cores)


Threads = Annotated[
    int,
    typer.Option(
        min=1, callback=_cap_threads, help="BLAS threads (at most the cores), pinned with threadpoolctl and recorded."
    ),
]


def _version(value: bool) -> None:
    if value:
        from ..version import __version__

        print(f"gradbench {__version__}")
        raise typer.Exit()


Version = Annotated[
    bool, typer.Option("--version", is_eager=True, callback=_version, help="Print the version and exit.")
]
Eps = Annotated[float | None, typer.Option(
    help="Absolute step of the numeric methods [default: √ε·max(1,|θ|) forward, ∛ε·max(1,|θ|) central, "
    "ε^(1/5)·max(1,|θ|) richardson, 1e-20 complex].",
    show_default=False)]  # fmt: skip
Methods = Annotated[str, typer.Option(
    help="Comma list of gradient methods [default: all]; `gradbench methods` lists them.",
    show_default=False, autocompletion=_complete_methods)]  # fmt: skip
Memory = Annotated[
    str,
    typer.Option(
        help="Memory budget: a method predicted to need more is refused before any work; the batched methods "
        "size their chunks, and --segments auto its segments, to it. Bytes, or with a unit (512MiB, 1GiB, 2G)."
    ),
]
CsvOut = Annotated[str | None, typer.Option("--csv", help="Write the rows as CSV ('-' for stdout).")]
JsonOut = Annotated[str | None, typer.Option("--json", help="Write rows and metadata as JSON ('-': stdout).")]


# --- options of one command ----------------------------------------------------------------------------
CompareBudget = Annotated[float, typer.Option("--budget", help="Seconds of timing per method; a longer method is "
                          "timed on a random sample of its perturbations (marked ~ estimated).")]  # fmt: skip
Peer = Annotated[str | None, typer.Option(
    help="Add an outside reference: torch or jax (needs the [torch] or [jax] extra).", show_default=False)]  # fmt: skip
Dataset = Annotated[str, typer.Option(help="Seeded data set, split 3:1 into train and test.", **_one_of(DATASETS))]
Samples = Annotated[int, typer.Option(min=4, help="Samples in the data set (train + test).")]
Gradient = Annotated[str | None, typer.Option(
    help="Gradient method [default: backprop]; `gradbench methods` lists them.",
    autocompletion=_complete_methods, show_default=False)]  # fmt: skip
Optimizer = Annotated[str, typer.Option(
    help="Update rule, PyTorch's definitions: " + ", ".join(OPTIMIZERS) + "; other hyper-parameters after a "
    "colon: adam:beta1=0.9,beta2=0.999,eps=1e-8; momentum:momentum=0.9; rmsprop:alpha=0.99.",
    metavar="NAME[:KEY=VALUE,...]", autocompletion=_one_of(OPTIMIZERS)["autocompletion"],
)]  # fmt: skip
Lr = Annotated[
    float | None,
    typer.Option(help="Learning rate [default: one that trains XOR with the chosen optimizer].", show_default=False),
]
Epochs = Annotated[int, typer.Option(min=1, help="Passes over the training set.")]
MiniBatch = Annotated[int, typer.Option("--batch", min=1, help="Mini-batch size (>= the training set: full batch).")]
TrainBudget = Annotated[float, typer.Option("--budget", help="Refuse a run whose gradients are predicted to take "
                                            "longer than this (seconds).")]  # fmt: skip
ReproduceEpochs = Annotated[
    int,
    typer.Option("--epochs", min=1, help="Epochs of the measured runs (blocks 1 and 2 always count the seeds' 1000)."),
]
FixedSamples = Annotated[int, typer.Option("--samples", min=1, help="Samples in the fixed data set (one batch).")]
SgdLr = Annotated[float, typer.Option("--lr", help="SGD learning rate of the measured runs.")]
GridLayers = Annotated[str, typer.Option("--layers", help="Layer counts: a list (1,2,3) or a range (1..4).")]
GridHidden = Annotated[str, typer.Option("--hidden", help="Hidden widths: list or range; 4..1024x2 doubles.")]
GridBatch = Annotated[str, typer.Option("--batch", help="Batch sizes: list or range.")]
SweepBudget = Annotated[float, typer.Option("--budget", help="Seconds of timing per method and point.")]
SweepOut = Annotated[Path, typer.Option("--csv", help="CSV to write (relative to the working directory); its "
                                        "metadata goes to CSV.meta.json.")]  # fmt: skip
SweepOutAlias = Annotated[Path | None, typer.Option("--out", hidden=True, help="--csv's former name.")]
Resume = Annotated[bool, typer.Option(help="Skip the points already in the CSV and append the rest.")]
Force = Annotated[bool, typer.Option(help="Replace output files that exist (without it they are refused).")]
SweepCsv = Annotated[Path, typer.Argument(help="A sweep CSV (relative to the working directory).")]
PlotOut = Annotated[
    Path | None,
    typer.Option("--out", help="PNG to write (an SVG beside it) [default: CSV with .png].", show_default=False),
]
ShowCounts = Annotated[bool, typer.Option(help="Plot the exact FLOPs instead of the time.")]
PlotFit = Annotated[bool, typer.Option("--fit", help="Also draw the fitted surface cost ~ L^a * H^b * B^c (gradbench "
                    "fit) in slices through the points, to OUT-fit.png (an SVG beside it).")]  # fmt: skip
FitCsv = Annotated[Path, typer.Argument(help="A sweep CSV whose grid varies --layers, --hidden or --batch.")]
FitJson = Annotated[str | None, typer.Option("--json", help="Write every fit, its intervals and the cost model's "
                    "exponents as JSON ('-': stdout).")]  # fmt: skip
Yes = Annotated[bool, typer.Option("--yes", help="Run even when predicted to take longer than the limit.")]
Recalibrate = Annotated[bool, typer.Option("--recalibrate", help="Redo the machine's calibration (sigmoid's "
                        "route switch, the batched chunk rows) before measuring, and cache it.")]  # fmt: skip
Quick = Annotated[bool, typer.Option("--quick", help="A quarter of each target's rounds (at least three) and "
                                     "a sixth of its budget (for CI): the same targets, noisier.")]  # fmt: skip
Old = Annotated[Path, typer.Argument(help="The baseline: a `compare --json` file.")]
New = Annotated[Path, typer.Argument(help="The run to judge against it: a `compare --json` file.")]
FailOn = Annotated[str | None, typer.Option(
    help="Exit 1 when a method is slower than the baseline by more than this (10% or 0.1) and its 95% "
    "interval lies above zero, or when it cannot be judged (too few rounds).", show_default=False)]  # fmt: skip
Warmup = Annotated[int, typer.Option(min=0, help="Calls of each method discarded before timing.")]
Segments = Annotated[str | None, typer.Option(
    help="Segments of backprop-checkpoint (it keeps each one's input): a count, or auto, the most that fit "
    "--memory (the least recomputation) [default: about √layers, the least memory].",
    show_default=False)]  # fmt: skip
Runs = Annotated[
    int | None,
    typer.Option(
        min=1, help="Rounds timed per method [default: as many as --budget allows, 6 to 15].", show_default=False
    ),
]
ResultsDir = Annotated[Path, typer.Argument(help="A directory of results (compare.json, sweep.csv, ...).")]
PageOut = Annotated[str, typer.Option("--out", help="Markdown file to write ('-': stdout).")]
VCurve = Annotated[
    str | None, typer.Option("--plot", help="Write the V-curves to this PNG (an SVG beside it).", show_default=False)
]
CheckMethod = Annotated[str | None, typer.Option(
    "--method", help="The model's gradient method to check [default: backprop].", show_default=False,
    autocompletion=_complete_methods)]  # fmt: skip
Function = Annotated[str | None, typer.Option(
    help="Your f: R^N -> R (R^M with --jacobian), as module:function (from here or PYTHONPATH) or path/to/file.py:"
    "function; with --gradient and --x0.", show_default=False)]  # fmt: skip
GradientFn = Annotated[
    str | None, typer.Option("--gradient", help="Your gradient of f, as module:function.", show_default=False)
]
X0 = Annotated[str | None, typer.Option("--x0", help="The point to check at: a .npy or text file (its dtype is "
               "kept).", show_default=False)]  # fmt: skip
Entries = Annotated[int | None, typer.Option(min=0, help="Entries (or Jacobian columns) checked one by one, at "
                    "random, 2 evaluations each [default: all if they fit --budget, else as many as fit].",
                    show_default=False)]  # fmt: skip
Full = Annotated[bool, typer.Option(help="Check every entry (2N evaluations), whatever --budget says.")]
Rtol = Annotated[float | None, typer.Option(min=0, help="Relative tolerance of each entry [default: 100 eps^(2/3) of "
                 "x's dtype: 3.7e-9 float64, 2.4e-3 float32].", show_default=False)]  # fmt: skip
Atol = Annotated[float, typer.Option(min=0, help="Absolute tolerance of each entry, added to rtol·|numeric| and the "
                 "difference's own error.")]  # fmt: skip
CheckBudget = Annotated[float, typer.Option("--budget", help="Seconds the entry-by-entry check may take: all entries "
                        "if predicted to fit, else a sample.")]  # fmt: skip
Taylor = Annotated[bool, typer.Option(help="Also run the Taylor remainder test (order 2 right, 1 wrong).")]
TaylorPlot = Annotated[str | None, typer.Option("--plot", help="With --taylor: the remainders to this PNG (an SVG "
                       "beside it).", show_default=False)]  # fmt: skip
JacobianFn = Annotated[str | None, typer.Option("--jacobian", help="Your Jacobian of a vector f (M x N), as "
                       "module:function, instead of --gradient.", show_default=False)]  # fmt: skip
HvpFn = Annotated[str | None, typer.Option("--hessian-vector", help="Your hvp(x, v) = H v, as module:function; "
                  "checked against differences of --gradient.", show_default=False)]  # fmt: skip
CheckJson = Annotated[str | None, typer.Option("--json", help="Write the verdicts, coverage and worst entries as "
                      "JSON ('-': stdout).", show_default=False)]  # fmt: skip
