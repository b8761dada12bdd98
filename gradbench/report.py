"""Showing rows: a rich table with a one-line reading, and CSV/JSON written with pandas."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

from rich.table import Table

from .files import STDOUT, atomic_write
from .results import Row

NAMES = {
    "forward": "forward difference",
    "central": "central difference",
    "complex": "complex step",
    "forward-mode": "forward-mode AD",
    "backprop": "backprop",
    "forward-batched": "forward difference, batched",
    "central-batched": "central difference, batched",
    "torch": "torch.autograd (peer)",
}


def seconds(t: float) -> str:
    """A time in the unit that keeps three significant figures readable."""
    if not math.isfinite(t):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"


def ratio(x: float) -> str:
    return f"{x:,.0f}x" if x >= 100 else f"{x:.3g}x"


def compact(n: int) -> str:
    return f"{n:,}" if n < 10**7 else f"{n:.3g}"


SHORT = {"forward-mode": "fwd-mode AD", "forward-batched": "fwd-batched", "central-batched": "cen-batched"}


def spread(r: Row) -> str:
    """Half the interquartile range, as a percentage of the median."""
    return f"±{50 * (r.time_q3_s - r.time_q1_s) / r.time_s:.1f}%" if r.time_s > 0 else "-"


def table(rows: list[Row], title: str) -> Table:
    t = Table(title=title, title_justify="left", caption_justify="left")
    t.add_column("method", no_wrap=True)
    for name in ("N", "fwd", "bwd", "matmuls", "adds", "mults", "FLOPs", "time", "IQR",
                 "time/bp", "FLOPs/bp", "rel.err"):
        t.add_column(name, justify="right", no_wrap=True)
    for r in rows:
        mark = "~" if r.estimated else ""
        t.add_row(
            SHORT.get(r.method, r.method), f"{r.n_params:,}", f"{r.forward_passes:,}",
            f"{r.backward_passes:,}", compact(r.matmuls), compact(r.adds), compact(r.multiplies),
            compact(r.flops), mark + seconds(r.time_s), spread(r), mark + ratio(r.time_ratio),
            ratio(r.predicted_ratio), f"{r.rel_error:.1e}" if r.method != "backprop" else "ref",
        )
    t.caption = ("fwd/bwd: forward/backward passes; mults: multiplies; time: median per gradient, "
                 "IQR: half its interquartile range; /bp: ratio to backprop; rel.err: "
                 "max|g-g_bp| / max(max|g|, max|g_bp|)")
    return t


def _passes(r: Row) -> str:
    if r.backward_passes:
        return f"{r.forward_passes:,} forward + {r.backward_passes:,} backward"
    return f"{r.forward_passes:,} forward passes"


def reading(rows: list[Row]) -> list[str]:
    """What the numbers mean, one line per method measured against backprop."""
    bp = next((r for r in rows if r.method == "backprop"), None)
    if bp is None:
        return []
    lines = []
    for r in rows:
        if r.method == "backprop":
            continue
        passes = (r.forward_passes + r.backward_passes) / (bp.forward_passes + bp.backward_passes)
        est = " (estimated)" if r.estimated else ""
        lines.append(
            f"{NAMES.get(r.method, r.method)} did {_passes(r)} where backprop did {_passes(bp)}: "
            f"{ratio(passes)} the passes, {ratio(r.time_ratio)} the time{est}; "
            f"FLOPs predict {ratio(r.predicted_ratio)}."
        )
    if any(r.estimated for r in rows):
        lines.append("~ estimated: timed on a random sample of the perturbations and extrapolated to all N; "
                     "counts from the cost model.")
    return lines


def frame(rows: Iterable[Row]):
    import pandas as pd

    return pd.DataFrame([r.as_dict() for r in rows])


def write_csv(rows: list[Row], meta: dict, path: str) -> None:
    """Rows as CSV; the metadata beside it in PATH.meta.json (stdout gets the rows only)."""
    atomic_write(path, frame(rows).to_csv(index=False))
    if path != STDOUT:
        atomic_write(f"{path}.meta.json", json.dumps(meta, indent=2) + "\n")


def write_json(rows: list[Row], meta: dict, path: str) -> None:
    """{"metadata": {...}, "rows": [...]}."""
    records = json.loads(frame(rows).to_json(orient="records", double_precision=15))
    atomic_write(path, json.dumps({"metadata": meta, "rows": records}, indent=2) + "\n")
