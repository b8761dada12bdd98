"""`gradbench diff`: each method's change between two runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from .compare import mark
from .format import label, seconds
from .tables import Column, fit

if TYPE_CHECKING:
    from ..measure.records import Measurement
    from ..studies.diff import Change


def show_changes(out: Console, changes: list[Change], threshold: float | None,
                 unmatched: dict[str, list[Measurement]] | None = None) -> None:  # fmt: skip
    """The tables, a line per file naming the rows only it has (by file name), and the verdict."""
    for t in change_tables(changes, out.width):
        out.print(t)
    for where, rows in (unmatched or {}).items():
        if rows:
            shown = ", ".join(dict.fromkeys(f"{label(r.method)}{_model(r, changes)}" for r in rows))
            out.print(f"! only in {where}, not compared: {shown}", highlight=False)
    if threshold is not None and not any(c.slower_than(threshold) for c in changes):
        out.print(f"no method is slower than the baseline by more than {threshold:.0%} and its noise",
                  highlight=False)  # fmt: skip


def _model(r: Measurement, changes: list[Change]) -> str:
    """' (L=3 H=10 B=1 float64)' when the rows compared are of more than one model, or of another."""
    models = {(c.new.layers, c.new.hidden, c.new.batch, c.new.dtype) for c in changes}
    if models == {(r.layers, r.hidden, r.batch, r.dtype)}:
        return ""
    return f" (L={r.layers} H={r.hidden} B={r.batch} {r.dtype})"


def change_tables(changes: list[Change], width: int) -> list[Table]:
    """Per model and method: the old and new median times, the change and its noise band, a verdict."""

    def shape(c: Change) -> str:
        return f"L={c.new.layers} H={c.new.hidden} B={c.new.batch} {c.new.dtype}"

    keys: list[Column[Change]] = [Column("method", lambda c: label(c.new.method), justify="left")]
    columns: list[Column[Change]] = [
        Column("old", lambda c: mark(c.old) + seconds(c.old.time_s), 1),
        Column("new", lambda c: mark(c.new) + seconds(c.new.time_s), 1),
        Column("change", lambda c: f"{100 * c.change:+.1f}%", 1),
        Column("noise", lambda c: f"±{100 * c.noise:.1f}%", 1),
        Column("verdict", lambda c: c.verdict, 1, justify="left"),
    ]
    if len({shape(c) for c in changes}) > 1:  # several models: say which row is which
        columns.append(Column("model", shape, 2, justify="left"))
    return fit(changes, keys, columns, width, "median time per gradient, new against old")
