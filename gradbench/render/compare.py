"""`gradbench compare`: the tables of one measurement per method, their legend and the one-line reading."""

from __future__ import annotations

import itertools
import math

from rich.console import Console
from rich.table import Table

from ..measure.records import Measurement
from ..measure.stats import MIN_ROUNDS
from ..methods import BACKPROP_CHECKPOINT, REFERENCE
from .format import compact, figure, interval, label, ratio, seconds, size
from .format import threads as blas_threads
from .format import time_interval as interval_of_time
from .tables import Column, fit

UNSTABLE = 0.10  # half-IQR above this fraction of the median gets a warning, as pyperf warns


def spread(r: Measurement) -> str:
    """Half the interquartile range, as a percentage of the median."""
    return f"±{100 * r.spread:.1f}%" if r.time_s > 0 else "-"


def show_compare(
    out: Console, rows: list[Measurement], threads: int, eps: float | None = None, wide: bool = False,
    notes: list[str] | None = None, warn: Console | None = None,
) -> None:  # fmt: skip
    """The comparison tables, the legend, then what it means, a line per method, and the caller's notes;
    a gradient that is not finite is warned about once, on `warn` (stderr; default `out`)."""
    for t in tables(rows, compare_title(rows, threads), out.width, wide):
        out.print(t)
    out.print(LEGEND, highlight=False, style="dim")
    for line in [*reading(rows), *(notes or [])]:
        out.print(line, highlight=False)
    for line in non_finite(rows, eps):
        (warn or out).print(line, highlight=False, soft_wrap=True)  # one line, to grep in a log


def segments_note(layers: int, segments: int, memory: int | None = None) -> str:
    """What checkpointed backprop kept and redid; `memory`: the budget --segments auto filled."""
    fit = "" if memory is None else f", the most that --memory {size(memory)} holds"
    return (f"{BACKPROP_CHECKPOINT.name} kept the inputs of {segments} segments{fit}, recomputing "
            f"{layers - segments} of {layers} layers on the way back.")  # fmt: skip


def non_finite(rows: list[Measurement], eps: float | None) -> list[str]:
    """One warning naming every method whose gradient held a NaN or an infinity, with the likely cause."""
    import numpy as np

    bad = [r for r in rows if not math.isfinite(r.rel_error)]
    if not bad:
        return []
    dtype = bad[0].dtype
    resolution = float(np.finfo(dtype).eps)
    cause = (f"--eps {eps:g} is below {dtype}'s resolution ({resolution:.1e} relative to |θ|): θ + h "
             "rounds to θ, so the step is zero" if eps is not None and eps < resolution else
             "a loss overflowed in a perturbed pass, or the step is too large")  # fmt: skip
    which = "its gradient has" if len(bad) == 1 else "their gradients have"
    return [f"! {', '.join(r.method for r in bad)}: {which} NaN or infinite entries (rel.err nan): {cause}."]


def compare_title(rows: list[Measurement], threads: int) -> str:
    """What was measured, in one line: the shape, the arithmetic, N and the BLAS threads."""
    r = rows[0]
    widths = _widths((r.inputs, *([r.hidden] * (r.layers - 1)), r.outputs))
    return (
        f"gradient of an MLP: L={r.layers}, widths {widths}, B={r.batch}, {r.activation}, {r.dtype}, "
        f"N={r.n_params:,}, {blas_threads(threads)}"
    )


def _widths(w: tuple[int, ...]) -> str:
    """10-10-10-10; a deep net's repeats as a count, 10-32×63-10, so the title stays one line."""
    if len(w) <= 8:
        return "-".join(map(str, w))
    runs = [(v, len(list(g))) for v, g in itertools.groupby(w)]
    return "-".join(f"{v}×{n}" if n > 1 else str(v) for v, n in runs)


def _error(r: Measurement) -> str:
    """The relative error; marked ~ when it is over the sampled entries only."""
    return "ref" if r.method == REFERENCE.name else f"{mark(r)}{r.rel_error:.1e}"


def _mean(r: Measurement) -> str:
    if not math.isfinite(r.time_stdev_s) or r.time_mean_s <= 0:
        return mark(r) + seconds(r.time_mean_s)
    return f"{mark(r)}{seconds(r.time_mean_s)} ±{100 * r.time_stdev_s / r.time_mean_s:.0f}%"


def mark(r: Measurement) -> str:
    return "~" if r.estimated else ""


def time_interval(r: Measurement, unit: bool = True) -> str:
    """The median time's 95% interval in the median's unit: `(3.40–3.52 ms)`, `(3.40–3.52)` beside it."""
    return interval_of_time(r.time_s, r.time_low_s, r.time_high_s, unit)


def ratio_interval(r: Measurement) -> str:
    """The time ratio's 95% interval; none for the reference, whose ratio is 1 by definition."""
    return "" if r.method == REFERENCE.name else interval(r.time_ratio_low, r.time_ratio_high, figure)


def _peak(r: Measurement) -> str:
    """The measured peak, or the predicted one (marked ~) for a method not run in full."""
    if r.peak_bytes is not None:
        return size(r.peak_bytes)
    return "-" if r.peak_predicted_bytes is None else "~" + size(r.peak_predicted_bytes)


# The comparison's columns, in display order, each with its priority: what must be on screen first.
COMPARE_KEY: list[Column[Measurement]] = [Column("method", lambda r: label(r.method), justify="left")]


COMPARE_COLUMNS: list[Column[Measurement]] = [
    Column("N", lambda r: f"{r.n_params:,}", 6),
    Column("fwd", lambda r: f"{r.forward_passes:,}", 3),
    Column("bwd", lambda r: f"{r.backward_passes:,}", 3),
    Column("matmuls", lambda r: compact(r.matmuls), 4),
    Column("adds", lambda r: compact(r.adds), 5),
    Column("mults", lambda r: compact(r.multiplies), 5),
    Column("FLOPs", lambda r: compact(r.flops), 3),
    Column("time", lambda r: mark(r) + seconds(r.time_s), 1),
    Column("time 95% CI", time_interval, 3, follows="time", joined=lambda r: time_interval(r, unit=False)),
    Column("IQR", spread, 4),
    Column("mean ± σ", lambda r: _mean(r), 4),
    Column("peak", lambda r: _peak(r), 4),
    Column("runs", lambda r: str(r.rounds), 6),
    Column("time/bp", lambda r: mark(r) + ratio(r.time_ratio), 1),
    Column("time/bp 95% CI", ratio_interval, 2, follows="time/bp"),
    Column("FLOPs/bp", lambda r: ratio(r.predicted_ratio), 2),
    Column("rel.err", _error, 1),
]


LEGEND = (
    "fwd/bwd: forward/backward passes; mults: multiplies; time: median per gradient over the runs, (a–b): "
    "its 95% interval over the runs (-: fewer than 6 runs), not over reruns; IQR: "
    "half its interquartile range, mean ± σ: mean and standard deviation; peak: the memory one gradient "
    "allocates, its buffers included (tracemalloc; ~: predicted in closed form, not run in full); "
    "/bp: ratio to backprop; "
    "rel.err: max|g-g_bp| / max(max|g|, max|g_bp|)"
)


def tables(rows: list[Measurement], title: str, width: int, wide: bool = False) -> list[Table]:
    """The comparison as tables that fit `width` (one table with `wide`)."""
    return fit(rows, COMPARE_KEY, COMPARE_COLUMNS, width, title, wide)


def _passes(r: Measurement) -> str:
    if r.matmuls is not None and r.matmuls < r.forward_passes:  # stacked: several losses per matmul
        return f"{r.forward_passes:,} loss evaluations in {r.matmuls:,} stacked matmuls"
    if r.backward_passes:
        return f"{r.forward_passes:,} forward + {r.backward_passes:,} backward"
    return f"{r.forward_passes:,} forward passes"


def _between(r: Measurement) -> str:
    """` (95% CI 133–137x)` after a ratio, or nothing where there is no interval."""
    text = ratio_interval(r)
    return "" if text in ("", "-") else f" (95% CI {text[1:-1]}x)"


def reading(rows: list[Measurement]) -> list[str]:
    """What the numbers mean, one line per method measured against backprop, then the timing's warnings
    (a gradient that is not finite is non_finite()'s)."""
    bp = next((r for r in rows if r.method == REFERENCE.name), None)
    lines = []
    for r in rows:
        if bp is None or r.method == REFERENCE.name:
            continue  # the pass ratio needs the reference's row (the time ratio is in every row)
        passes = (r.forward_passes + r.backward_passes) / (bp.forward_passes + bp.backward_passes)
        est = " (estimated)" if r.estimated else ""
        lines.append(
            f"{label(r.method)} did {_passes(r)} where {label(bp.method)} did {_passes(bp)}: "
            f"{ratio(passes)} the passes, {ratio(r.time_ratio)}{_between(r)} the time{est}; "
            f"FLOPs predict {ratio(r.predicted_ratio)}."
        )
    unstable = [f"{r.method} ({spread(r)})" for r in rows if r.spread > UNSTABLE]
    if unstable:
        lines.append(
            f"! unstable timing: {', '.join(unstable)} spread more than ±{UNSTABLE:.0%} around the "
            "median; the machine was busy: rerun, or raise --budget for more rounds."
        )
    few = [r.method for r in rows if r.rounds < MIN_ROUNDS]
    if few:
        lines.append(f"- no 95% interval for {', '.join(few)}: fewer than {MIN_ROUNDS} runs (raise --budget or "
                     f"--runs); {MIN_ROUNDS - 1} runs cannot bracket a median at 95%.")  # fmt: skip
    if any(r.estimated for r in rows):
        lines.append(
            "~ estimated: timed on a random sample of the perturbations and extrapolated to all N (its "
            "interval covers the sample's rounds, not the extrapolation); counts from the cost model; "
            "rel.err over the sampled entries."
        )
    return lines
