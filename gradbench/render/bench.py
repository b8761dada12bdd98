"""`gradbench bench`: each performance target against its bound."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..io.units import figures
from .format import figure, interval, machine, threads

if TYPE_CHECKING:
    from ..studies.targets import Target


def show_bench(out: Console, targets: list[Target], meta: dict[str, Any], has_torch: bool) -> None:
    quick = " (--quick: a quarter of the rounds, at least three; noisier)" if meta.get("quick") else ""
    title = f"gradbench targets{quick} on {machine(meta)}, {threads(meta['blas_threads'])}"
    out.print(bench_table(targets, title, narrow=out.width < WIDE))
    out.print("measured (a–b): its 95% interval over this run's rounds, paired where the two sides were "
              "interleaved; not over reruns. ~: estimated from a sample of entries.", highlight=False)  # fmt: skip
    if any(x.decided is False for x in targets):
        out.print("*: the bound lies inside the interval: this run does not settle the target (the verdict "
                  "reads the median); rerun it.", highlight=False)  # fmt: skip
    if not has_torch:
        out.print("torch is not installed: the peer ratios were skipped (pip install -e '.[torch]').")


WIDE = 110  # columns from which the detail gets a column of its own; below, it goes under the target's name


def bench_table(targets: list[Target], title: str, narrow: bool = False) -> Table:
    """One line per performance target: what was measured, its bound, whether it holds, and the detail
    (in a narrow terminal under the target's name, where five columns would cut both to a few words)."""
    t = Table(title=title, title_justify="left", show_lines=narrow)  # a rule between rows of several lines
    for col in ("target", "measured", "bound", "holds", *(() if narrow else ("detail",))):
        text = col in ("target", "detail")  # text wraps; numbers and verdicts never do
        t.add_column(col, justify="left" if text else "right", no_wrap=not text, overflow="fold")
    verdict = {True: "[green]yes[/]", False: "[red]NO[/]", None: "-"}
    for x in targets:
        bound = "-" if x.bound is None else ("<= " if x.kind == "max" else ">= ") + figures(x.bound)
        holds = verdict[x.holds] + ("*" if x.decided is False else "")
        name = Text(x.name)
        if narrow:
            name.append(f"\n{x.detail}", style="dim")
        t.add_row(name, ("~" if x.estimated else "") + measured(x), bound, holds, *(() if narrow else (x.detail,)))
    return t


def measured(x: Target) -> str:
    """The figure with its interval, `1.08 (1.06–1.10)`; `(exact)` for what is not timed."""
    if x.exact:
        return f"{figure(x.measured)} (exact)"
    return f"{figure(x.measured)} {interval(x.low, x.high, figure)}".removesuffix(" -")
