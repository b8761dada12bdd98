"""Tables that fit the terminal: every column declares a priority, and the columns that do not fit
the width move, in priority order, to a second table (keyed by the same leading columns) instead of
being cut or silently dropped. `wide` puts every column in one table. A column that `follows` another
(an interval after its value) is joined to it, `141x (138–145)`, where the two land side by side.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

Row = TypeVar("Row")


@dataclass(frozen=True)
class Column(Generic[Row]):
    header: str
    cell: Callable[[Row], str]
    priority: int = 1  # 1: in the first table whatever the width; higher moves out first
    justify: str = "right"
    wrap: bool = False  # free text may wrap; numbers never do
    follows: str | None = None  # the header of the column this one is joined to when beside it
    joined: Callable[[Row], str] | None = None  # its cell when joined (default: `cell`)


MIN_TEXT = 24  # columns a wrapping text column needs to be read


def natural_width(table: Table) -> int:
    """The width a table takes when nothing is wrapped or cut."""
    console = Console(width=100_000, height=25, file=io.StringIO())  # no terminal: a dumb one would be 80 wide
    return Measurement.get(console, console.options, table).maximum


def _both(value: Callable[[Row], str], extra: Callable[[Row], str]) -> Callable[[Row], str]:
    """A value and what follows it in one cell; an extra of `-` (no interval: its own column says so) or
    nothing leaves the value alone."""

    def cell(r: Row) -> str:
        more = extra(r)
        return value(r) if more in ("", "-") else f"{value(r)} {more}"

    return cell


def joined(columns: Sequence[Column[Row]]) -> list[Column[Row]]:
    """The columns with each one that follows its neighbour merged into it: `value (low–high)`, headed
    `value (what follows)`."""
    out: list[Column[Row]] = []
    for c in columns:
        if out and c.follows is not None and out[-1].header == c.follows:
            header = f"{c.follows} ({c.header.removeprefix(c.follows).strip()})"
            out[-1] = Column(header, _both(out[-1].cell, c.joined or c.cell), justify=out[-1].justify)
        else:
            out.append(c)
    return out


def build(rows: Sequence[Row], columns: Sequence[Column[Row]], title: str | None = None) -> Table:
    t = Table(title=title, title_justify="left", caption_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    columns = joined(columns)
    for c in columns:
        t.add_column(c.header, justify=c.justify, no_wrap=not c.wrap, overflow="fold")  # type: ignore[arg-type]
    for r in rows:
        t.add_row(*(c.cell(r) for c in columns))
    return t


def fit(
    rows: Sequence[Row],
    keys: Sequence[Column[Row]],
    columns: Sequence[Column[Row]],
    width: int,
    title: str | None = None,
    wide: bool = False,
) -> list[Table]:
    """Tables of `rows` within `width` columns: each starts with the `keys` columns, then as many of
    `columns` as fit, taken by priority (and shown in their declared order); the rest follow in the
    next table. Priority-1 columns always go in the first; a wrapping text column needs MIN_TEXT."""
    if wide:
        return [build(rows, [*keys, *columns], title)]
    left = sorted(columns, key=lambda c: c.priority)
    tables: list[Table] = []
    while left:
        chosen: list[Column[Row]] = []
        for c in list(left):
            trial = [*chosen, c]
            if c.wrap:  # text wraps, but needs room for a few words a line
                fits = natural_width(build(rows, [*keys, *chosen])) + MIN_TEXT <= width
            else:
                fits = natural_width(build(rows, [*keys, *trial])) <= width
            if fits or (not tables and c.priority == 1) or not chosen:
                chosen = trial
                left.remove(c)
        shown = [c for c in columns if c in chosen]
        tables.append(build(rows, [*keys, *shown], title if not tables else None))
    return tables
