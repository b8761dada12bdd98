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
    """The table compare prints, for the user's function: calls of f, time and ratio each with its 95%
    interval, error per method (what does not fit the width in a following table)."""
    from .format import figure, interval, time_interval
    from .tables import Column, fit

    ref = next(r.method for r in rows if r.reference)

    def mark(r: FunctionRow) -> str:
        return "~" if r.estimated else ""

    def ratio_interval(r: FunctionRow) -> str:
        shown = interval(r.time_ratio_low, r.time_ratio_high, figure)
        return "" if r.reference or shown == "-" else shown

    columns: list[Column[FunctionRow]] = [
        Column("calls of f", lambda r: "-" if r.evaluations is None else f"{mark(r)}{r.evaluations:,}", 1),
        Column("time", lambda r: mark(r) + seconds(r.time_s), 1),
        Column(
            "time 95% CI",
            lambda r: time_interval(r.time_s, r.time_low_s, r.time_high_s),
            3,
            follows="time",
            joined=lambda r: time_interval(r.time_s, r.time_low_s, r.time_high_s, unit=False),
        ),
        Column(f"time/{ref}", lambda r: mark(r) + ratio(r.time_ratio), 1),
        Column(f"time/{ref} 95% CI", ratio_interval, 2, follows=f"time/{ref}"),
        Column("rel.err", lambda r: "ref" if r.method == ref else f"{r.rel_error:.1e}", 1),
    ]
    keys: list[Column[FunctionRow]] = [Column("method", lambda r: r.method, justify="left")]
    for t in fit(rows, keys, columns, out.width, f"gradient of {name}, every way, against {ref}"):
        out.print(t)
    for note in notes or []:
        out.print(note, style="dim", highlight=False)
