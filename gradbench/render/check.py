"""`gradbench check` and `compare --function`: the verdict on a user's gradient and its rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from .format import ratio, seconds

if TYPE_CHECKING:
    from ..studies.check_result import CheckResult
    from ..studies.function import FunctionRow
    from ..studies.taylor import TaylorResult


def show_check(out: Console, result: CheckResult, what: str) -> None:
    """The verdict, what was checked and how likely a wrong entry was to be found, each check's cost, and
    the worst entries with their absolute and relative errors against what each was allowed."""
    from ..studies.check_result import index, verdict

    t = Table(title=f"{what}, {result.dtype}, against central differences", title_justify="left")
    for col in ("check", "evaluations", "checked", "failed"):
        t.add_column(col, justify="left" if col == "check" else "right", no_wrap=True)
    for o in result.outcomes:
        t.add_row(
            o.check, f"{o.evaluations:,}", f"{o.checked:,}", "[green]0[/]" if o.passed else f"[red]{o.failed:,}[/]"
        )
    out.print(t)
    shown = [e for e in result.worst if e.index]
    if shown:
        w = Table(title="worst entries (an entry fails when abs. error > allowed)", title_justify="left")
        for col in ("entry", "yours", "central diff.", "abs. error", "rel. error", "allowed"):
            w.add_column(col, justify="right", no_wrap=True)
        for e in shown:
            mark = "" if e.excess <= 1 else "[red]"
            w.add_row(index(e.index), f"{e.got:.7g}", f"{e.expected:.7g}", f"{mark}{e.abs_error:.1e}",
                      f"{e.rel_error:.1e}", f"{e.allowed:.1e}")  # fmt: skip
        out.print(w)
    out.print("allowed: atol + rtol·|central diff.| + the difference's own round-off and truncation error",
              style="dim", highlight=False)  # fmt: skip
    for line in [*result.coverage(), *result.notes]:
        out.print(line, highlight=False)
    out.print(verdict(result), highlight=False, style="bold" if result else "bold red")


def show_taylor(out: Console, result: TaylorResult) -> None:
    """The remainders as t halves, each pair's observed order, and the verdict."""
    from ..studies.taylor import MINIMUM_ORDER

    t = Table(title="Taylor remainder r(t) = |f(x + t d) - f(x) - t g·d|", title_justify="left")
    for col in ("t", "r(t)", "order"):
        t.add_column(col, justify="right", no_wrap=True)
    orders = dict(zip(range(1, len(result.remainders)), result.all_orders()))
    for k, (step, r) in enumerate(zip(result.steps, result.remainders)):
        o = orders.get(k)
        t.add_row(f"{step:.3e}", f"{r:.3e}", "-" if o is None else f"{o:.2f}")
    out.print(t)
    out.print(f"orders under the round-off floor {result.noise:.1e} are left out; a right gradient gives 2, a wrong "
              f"one 1; the order at the smallest steps decides (at least {MINIMUM_ORDER})", style="dim",
              highlight=False)  # fmt: skip
    out.print(str(result).splitlines()[0], highlight=False, style="bold" if result else "bold red")


def show_function(out: Console, rows: list[FunctionRow], name: str, notes: list[str] | None = None) -> None:
    """The table compare prints, for the user's function: calls of f, time, ratio, error per method."""
    ref = next(r.method for r in rows if r.reference)
    t = Table(title=f"gradient of {name}, every way, against {ref}", title_justify="left")
    for col in ("method", "calls of f", "time", f"time/{ref}", "rel.err"):
        t.add_column(col, justify="left" if col == "method" else "right", no_wrap=True)
    for r in rows:
        mark = "~" if r.estimated else ""
        t.add_row(r.method, "-" if r.evaluations is None else f"{mark}{r.evaluations:,}", mark + seconds(r.time_s),
                  mark + ratio(r.time_ratio), "ref" if r.method == ref else f"{r.rel_error:.1e}")  # fmt: skip
    out.print(t)
    for note in notes or []:
        out.print(note, style="dim", highlight=False)
