"""`gradbench sweep` and `plot`: the sweep's tables and the plot's fitted slopes."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from ..io.files import meta_path
from ..measure.records import Measurement
from ..methods import REFERENCE
from .compare import mark, ratio_interval, time_interval
from .console import console
from .format import label, ratio, seconds
from .tables import Column, fit

if TYPE_CHECKING:
    from pathlib import Path

    from ..studies.sweep import Plan, SweepResult


GridPoint = dict[str, Measurement]  # one grid point's rows, by method


def sweep_tables(rows: list[Measurement], width: int, wide: bool = False) -> list[Table]:
    """One line per grid point: N, backprop's time, and every other method's time ratio to it, in as
    many tables as the width needs (each keyed by L, H, B); then their 95% intervals, in the same order."""
    ref = REFERENCE.name
    points: dict[tuple[int, int, int], GridPoint] = {}
    for r in rows:
        points.setdefault((r.layers, r.hidden, r.batch), {})[r.method] = r
    methods = list(dict.fromkeys(r.method for r in rows if r.method != ref))

    def first(p: GridPoint) -> Measurement:
        return next(iter(p.values()))

    def time_ratio(m: str) -> Callable[[GridPoint], str]:
        return lambda p: mark(p[m]) + ratio(p[m].time_ratio) if m in p else "-"

    def between(m: str) -> Callable[[GridPoint], str]:
        return lambda p: ratio_interval(p[m]) if m in p else "-"

    keys: list[Column[GridPoint]] = [
        Column("L", lambda p: str(first(p).layers)),
        Column("H", lambda p: str(first(p).hidden)),
        Column("B", lambda p: str(first(p).batch)),
    ]
    columns: list[Column[GridPoint]] = [
        Column("N", lambda p: f"{first(p).n_params:,}", 1),
        Column(ref, lambda p: seconds(p[ref].time_s) if ref in p else "-", 1),
        *(Column(label(m), time_ratio(m), 2) for m in methods),
    ]
    intervals: list[Column[GridPoint]] = [
        Column(ref, lambda p: time_interval(p[ref]) if ref in p else "-", 1),
        *(Column(label(m), between(m), 2) for m in methods),
    ]
    grid = list(points.values())
    title = f"time per gradient relative to {ref} (~ estimated)"
    below = "95% intervals of the above, over the runs of each point (-: fewer than 6 runs)"
    return [*fit(grid, keys, columns, width, title, wide), *fit(grid, keys, intervals, width, below, wide)]


def plan_line(plan: Plan) -> str:
    """The grid's size and the predicted time, said before the sweep starts."""
    from ..measure.estimate import duration

    grid = " × ".join(f"{name} {', '.join(map(str, values))}" for name, values in plan.axes.items())
    done = plan.points - plan.todo
    left = f"; {done} already in the file, {plan.todo} to measure" if done else ""
    return (f"sweep of {plan.points:,} points, every combination of {grid}, {plan.methods} methods each{left}: "
            f"predicted about {duration(plan.expected_s)} (at most {duration(plan.bound_s)}, every method "
            "taking its --budget)")  # fmt: skip


def show_sweep(out: Console, result: SweepResult) -> None:
    if result.dropped_bytes:
        console(stderr=True).print(f"dropped a torn last line ({result.dropped_bytes} bytes) from {result.path}: "
                                   "its point is measured again", highlight=False)  # fmt: skip
    for t in sweep_tables(result.rows, out.width) if result.rows else []:
        out.print(t)
    out.print(f"{len(result.rows)} rows written to {result.path} ({result.skipped} points already there); "
              f"metadata in {meta_path(result.path)}", highlight=False)  # fmt: skip


def show_plot(out: Console, paths: tuple[Path, Path], summary: dict[str, Any]) -> None:
    out.print(f"wrote {paths[0]} and {paths[1]}", highlight=False)
    for line in plot_lines(summary):
        out.print(line, highlight=False)


def plot_lines(summary: dict[str, Any]) -> list[str]:
    """One line per plotted series: its log-log slope and where its ratio to backprop crosses 10x, 100x...
    (a level it is past at the smallest N measured is said so: that N is no crossing)."""
    lines = []
    for key, slope in summary["slopes"].items():
        method, rest = key.split(" ", 1)
        cross, first = summary["crossings"].get(key, {}), summary["smallest_n"][key]
        past = " and ".join(f"{level}x" for level, n in cross.items() if n <= first)
        reached = ", ".join(f"{level}x at N ≈ {n:,.0f}" for level, n in cross.items() if n > first)
        where = ", ".join(([f"is past {past} already at the smallest N measured ({first:,.0f})"] if past else [])
                          + ([f"reaches {reached}"] if reached else []))  # fmt: skip
        memory = summary["memory_slopes"][key]
        lines.append(
            f"{label(method)} ({rest}): "
            + (f"log-log slope {slope:.2f}" if math.isfinite(slope) else "one size: no slope")
            + (f", of peak memory {memory:.2f}" if math.isfinite(memory) else "")
            + (f"; ratio to {REFERENCE.name} {where}" if where else "")
        )
    return lines
