"""`gradbench accuracy`: each numeric method's best step and error."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from .format import label
from .tables import Column, fit

if TYPE_CHECKING:
    from ..studies.accuracy import Summary


def accuracy_tables(summaries: list[Summary], width: int) -> list[Table]:
    """Per method and dtype: the best step and error, the textbook and default steps, the two slopes."""

    def e(x: float) -> str:
        return f"{x:.1e}" if math.isfinite(x) else "-"

    def sl(x: float) -> str:
        return f"{round(x, 2) + 0.0:+.2f}" if math.isfinite(x) else "-"

    keys: list[Column[Summary]] = [Column("method", lambda s: label(s.method), justify="left"),
                                   Column("dtype", lambda s: s.dtype, justify="left")]  # fmt: skip
    columns: list[Column[Summary]] = [
        Column("best h", lambda s: e(s.best_step), 1),
        Column("best err", lambda s: e(s.best_error), 1),
        Column("textbook h", lambda s: e(s.textbook_step), 2),
        Column("default h", lambda s: e(s.default_step), 1),
        Column("default err", lambda s: e(s.default_error), 1),
        Column("slope h>best", lambda s: sl(s.truncation_slope), 2),
        Column("slope h<best", lambda s: sl(s.roundoff_slope), 2),
        Column("note", lambda s: s.note, 3, justify="left", wrap=True),
    ]
    title = "relative error against the float64 gradient, by absolute step h"
    return fit(summaries, keys, columns, width, title)


def show_accuracy(out: Console, summaries: list[Summary]) -> None:
    for t in accuracy_tables(summaries, out.width):
        out.print(t)
    out.print(
        "slope h>best: the truncation side (expect 1 forward, 2 central and complex, 4 richardson); "
        "h<best: round-off (expect -1); the complex step has no round-off side.",
        style="dim",
        highlight=False,
    )
