"""`gradbench check` and `compare --function`: the verdict on a user's gradient and its rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from .format import ratio, seconds

if TYPE_CHECKING:
    from ..studies.checks import CheckResult
    from ..studies.function import FunctionRow


def show_check(out: Console, result: CheckResult, what: str) -> None:
    """Each check with the evaluations it needed, its error against its tolerance; the worst entries."""
    t = Table(title=f"{what}, {result.dtype}, against central differences", title_justify="left")
    for col in ("check", "evaluations", "rel. error", "tolerance", "passed"):
        t.add_column(col, justify="left" if col == "check" else "right", no_wrap=True)
    for o in result.outcomes:
        t.add_row(o.check, f"{o.evaluations:,}", f"{o.error:.1e}", f"{o.tolerance:.0e}",
                  "[green]yes[/]" if o.passed else "[red]NO[/]")  # fmt: skip
    out.print(t)
    if result.worst:
        w = Table(title="worst entries", title_justify="left")
        for col in ("entry", "gradient", "central difference", "rel. error"):
            w.add_column(col, justify="right", no_wrap=True)
        for e in result.worst:
            w.add_row(f"{e.index:,}", f"{e.got:.6g}", f"{e.expected:.6g}", f"{e.error:.1e}")
        out.print(w)
    verdict = "passes" if result else "FAILS"
    out.print("rel. error: |gradient - central difference| over the larger of the two (a check's: over the "
              "entries it checked)", style="dim", highlight=False)  # fmt: skip
    out.print(f"the gradient {verdict}: {result.evaluations:,} evaluations of f in all", highlight=False)


def show_function(out: Console, rows: list[FunctionRow], name: str) -> None:
    """The table compare prints, for the user's function: calls of f, time, ratio, error per method."""
    ref = next(r.method for r in rows if r.reference)
    t = Table(title=f"gradient of {name}, every way, against {ref}", title_justify="left")
    for col in ("method", "calls of f", "time", f"time/{ref}", "rel.err"):
        t.add_column(col, justify="left" if col == "method" else "right", no_wrap=True)
    for r in rows:
        t.add_row(r.method, "-" if r.evaluations is None else f"{r.evaluations:,}", seconds(r.time_s),
                  ratio(r.time_ratio), "ref" if r.method == ref else f"{r.rel_error:.1e}")  # fmt: skip
    out.print(t)
