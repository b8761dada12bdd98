"""`gradbench diff`: each method's change between two runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from .compare import mark
from .format import label, seconds
from .tables import Column, fit

if TYPE_CHECKING:
    from ..studies.diff import Change


def show_changes(out: Console, changes: list[Change], threshold: float | None) -> None:
    for t in change_tables(changes, out.width):
        out.print(t)
    if threshold is not None and not any(c.slower_than(threshold) for c in changes):
        out.print(f"no method is slower than the baseline by more than {threshold:.0%} and its noise",
                  highlight=False)  # fmt: skip


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
