"""`gradbench diff`: each method's change between two runs, with its interval and p-value, and what each
verdict rests on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from ..measure.stats import MIN_ROUNDS
from .compare import mark
from .format import label, seconds
from .tables import Column, fit

if TYPE_CHECKING:
    from ..measure.records import Measurement
    from ..studies.diff import Change

LEGEND = (
    "change: median new / median old - 1; (a to b): its 95% interval, a bootstrap over both runs' rounds; "
    "p: two-sided Mann-Whitney U test over the rounds. slower: the interval lies above zero and the change "
    "exceeds --fail-on (within N%: above zero, but by less); no clear change: the interval holds zero. The "
    "rounds are one run's each: the interval does not cover what a third run would do."
)


def show_changes(out: Console, changes: list[Change], threshold: float | None,
                 unmatched: dict[str, list[Measurement]] | None = None) -> None:  # fmt: skip
    """The tables, the legend, a line per file naming the rows only it has (by file name), what could not
    be tested and why, and the verdict."""
    from ..studies.diff import BAND, FEW

    for t in change_tables(changes, out.width, threshold or 0.0):
        out.print(t)
    out.print(LEGEND, highlight=False, style="dim")
    for where, rows in (unmatched or {}).items():
        if rows:
            shown = ", ".join(dict.fromkeys(f"{label(r.method)}{_model(r, changes)}" for r in rows))
            out.print(f"! only in {where}, not compared: {shown}", highlight=False)
    few = [c for c in changes if c.basis == FEW]
    if few:
        shown = ", ".join(f"{label(c.new.method)} ({c.old.rounds} and {c.new.rounds})" for c in few)
        out.print(f"! too few rounds to test: {shown}; a test needs {MIN_ROUNDS} in each run (compare --runs "
                  f"{MIN_ROUNDS} or more, or a larger --budget); --fail-on fails them rather than pass them "
                  "unjudged", highlight=False)  # fmt: skip
    band = [label(c.new.method) for c in changes if c.basis == BAND]
    if band:
        out.print(f"! no rounds in a file for {', '.join(band)} (written before gradbench kept them): judged "
                  "by the noise band, the two half-IQRs in quadrature, a heuristic fallback, not a test",
                  highlight=False)  # fmt: skip
    if threshold is not None and not any(c.slower_than(threshold) for c in changes):
        out.print(f"no method is shown slower than the baseline by more than {threshold:.0%}", highlight=False)


def _model(r: Measurement, changes: list[Change]) -> str:
    """' (L=3 H=10 B=1 float64)' when the rows compared are of more than one model, or of another."""
    models = {(c.new.layers, c.new.hidden, c.new.batch, c.new.dtype) for c in changes}
    if models == {(r.layers, r.hidden, r.batch, r.dtype)}:
        return ""
    return f" (L={r.layers} H={r.hidden} B={r.batch} {r.dtype})"


def _interval(c: Change) -> str:
    """(+8.0% to +15.2%); the noise band where the fallback judged; - where too few rounds."""
    from ..studies.diff import BAND, TEST, percent

    if c.basis == BAND:
        return f"(band ±{100 * c.noise:.1f}%)"
    return f"({percent(c.low)} to {percent(c.high)})" if c.basis == TEST else "-"


def change_tables(changes: list[Change], width: int, threshold: float = 0.0) -> list[Table]:
    """Per model and method: the change of the median time with its interval, the verdict first (they are
    what decides), then the p-value and the old and new medians where they fit."""
    from ..studies.diff import TEST, percent

    def shape(c: Change) -> str:
        return f"L={c.new.layers} H={c.new.hidden} B={c.new.batch} {c.new.dtype}"

    keys: list[Column[Change]] = [Column("method", lambda c: label(c.new.method), justify="left")]
    columns: list[Column[Change]] = [
        Column("old", lambda c: mark(c.old) + seconds(c.old.time_s), 3),
        Column("new", lambda c: mark(c.new) + seconds(c.new.time_s), 3),
        Column("change", lambda c: percent(c.change), 1),
        Column("change 95% CI", _interval, 1, follows="change"),
        Column("p", lambda c: f"{c.p:.2g}" if c.basis == TEST else "-", 2),
        Column("verdict", lambda c: c.verdict(threshold), 1, justify="left"),
    ]
    if len({shape(c) for c in changes}) > 1:  # several models: say which row is which
        columns.append(Column("model", shape, 3, justify="left"))
    return fit(changes, keys, columns, width, "median time per gradient, new against old")
