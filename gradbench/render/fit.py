"""`gradbench fit`: the fitted exponents of cost ∝ L^a · H^b · B^c beside the cost model's, as tables, a
reading, JSON; and `plot --fit`: the fitted surface's slices through the measured points."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from ..studies.fit import AXES, QUANTITIES, Fit, Theory
from .format import label
from .tables import Column, fit

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..measure.records import Measurement

SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
LETTER = {"layers": "L", "hidden": "H", "batch": "B"}


def law(exponents: dict[str, float]) -> str:
    """L²·H⁴·B; L^2.35·H^3.9 where an exponent is not whole."""

    def power(axis: str, e: float) -> str:
        if e == round(e):
            return LETTER[axis] + ("" if e == 1 else str(int(e)).translate(SUPERSCRIPT))
        return f"{LETTER[axis]}^{e:g}"

    return "·".join(power(a, e) for a, e in exponents.items() if e != 0) or "1"


def _number(x: float) -> str:
    return f"{x:.2f}".replace("-", "−")


def _exponent(axis: str) -> Any:
    return lambda f: _number(f.exponents[axis].value) if axis in f.exponents else "-"


def _interval(axis: str) -> Any:
    def cell(f: Fit) -> str:
        e = f.exponents.get(axis)
        if e is None or not (math.isfinite(e.low) and math.isfinite(e.high)):
            return "-"
        return f"({_number(e.low)}–{_number(e.high)})"

    return cell


def _model_here(theory: dict[str, Theory], axes: list[str]) -> Any:
    """The cost model's exponents fitted at the grid's points, `1.99 3.93 1.00`."""
    return lambda f: " ".join(_number(theory[f.method].on_grid[a]) for a in axes) if f.method in theory else "-"


def fit_tables(fits: list[Fit], theories: list[Theory], title: str, width: int) -> list[Table]:
    """Per quantity, a row per method: each exponent with its interval, the rms residual, and the cost
    model's exponents (leading order, and fitted at the same points)."""
    theory = {t.method: t for t in theories}
    keys: list[Column[Fit]] = [Column("method", lambda f: label(f.method), justify="left")]
    out = []
    for quantity, name in QUANTITIES.items():
        rows = [f for f in fits if f.quantity == quantity]
        axes = [a for a in AXES if any(a in f.exponents for f in rows)]
        columns: list[Column[Fit]] = []
        for a in axes:
            symbol = AXES[a]
            columns += [Column(symbol, _exponent(a), 1),
                        Column(f"{symbol} 95% CI", _interval(a), 2, follows=symbol)]  # fmt: skip
        columns.append(Column("rms", lambda f: f"{f.rms:.3f}" if math.isfinite(f.rms) else "-", 3))
        columns.append(Column("cost model", lambda f: law(theory[f.method].leading) if f.method in theory else "-", 1))
        if quantity == "flops":
            columns.append(Column("model here", _model_here(theory, axes), 3))
        else:
            columns.append(Column("~ points", lambda f: f"{f.estimated}/{f.points}", 4))
        out += fit(rows, keys, columns, width, f"{name} {title}")
    return out


LEGEND = (
    "a, b, c: the exponents of L, H, B in cost ∝ L^a·H^b·B^c, least squares of log cost over the grid; (x–y): "
    "95% interval (studentized residual bootstrap); rms: residual of log cost (0: an exact power law); cost "
    "model: its leading order (the log-slopes of costs.py's FLOPs as the sizes double, past the 1/size terms); "
    "model here: the same fit of the cost model's FLOPs at these points (the measured FLOPs must equal it: what "
    "they differ from the leading order by is the lower-order terms); ~ points: times extrapolated from a sample"
)


def _fitted(f: Fit) -> str:
    """L^1.99·H^3.93·B^1.00: the fitted exponents, two decimals each."""
    return "·".join(f"{LETTER[a]}^{e.value:.2f}" for a, e in f.exponents.items())


def reading(fits: list[Fit]) -> list[str]:
    """A line per method: how its time grows beside how its FLOPs grow."""
    flops = {f.method: f for f in fits if f.quantity == "flops"}
    lines = []
    for f in (f for f in fits if f.quantity == "time" and f.method in flops):
        time, work = (_fitted(g) for g in (f, flops[f.method]))
        lines.append(f"{label(f.method)}: time ∝ {time}, FLOPs ∝ {work}")
    if lines:
        lines.append("A time exponent below its FLOP exponent is fixed cost per call (Python and NumPy overhead, "
                     "the same at every size): it bends the time down where the sizes are small.")  # fmt: skip
    return lines


def show_fit(out: Console, fits: list[Fit], theories: list[Theory], source: str) -> None:
    points = max((f.points for f in fits), default=0)
    title = f"∝ L^a·H^b·B^c, fitted per method on {points} points of {source}"
    for t in fit_tables(fits, theories, title, out.width):
        out.print(t)
    out.print(LEGEND, highlight=False, style="dim")
    for line in reading(fits):
        out.print(line, highlight=False)


def fit_document(fits: list[Fit], theories: list[Theory], source: str) -> dict[str, Any]:
    """What --json writes: every fit with its intervals, and the cost model's exponents."""
    from dataclasses import asdict

    from ..measure.stats import LEVEL

    return {"source": source, "model": "cost = exp(intercept) * L^a * H^b * B^c", "level": LEVEL,
            "fits": [f.as_dict() for f in fits], "theory": [asdict(t) for t in theories]}  # fmt: skip


def slice_sizes(rows: list[Measurement], axis: str) -> dict[str, int]:
    """The other axes held at their middle grid value (the lower middle of an even count)."""
    return {a: sorted({getattr(r, a) for r in rows})[(len({getattr(r, a) for r in rows}) - 1) // 2]
            for a in AXES if a != axis}  # fmt: skip


def _draw_slice(ax: Axes, rows: list[Measurement], fits: list[Fit], axis: str, quantity: str) -> None:
    """One axis: each method's points with the others at their middle value, and its fitted line."""
    import numpy as np

    from .format import color

    held = slice_sizes(rows, axis)
    for f in (f for f in fits if f.quantity == quantity and axis in f.exponents):
        part = sorted((r for r in rows if r.method == f.method and all(getattr(r, a) == v for a, v in held.items())),
                      key=lambda r: getattr(r, axis))  # fmt: skip
        if not part:
            continue
        x = np.array([getattr(r, axis) for r in part], float)
        y = np.array([r.flops if quantity == "flops" else r.time_s for r in part], float)
        est = np.array([r.estimated and quantity == "time" for r in part])
        c = color(f.method)
        ax.scatter(x[~est], y[~est], color=c, s=24, zorder=3)
        ax.scatter(x[est], y[est], facecolors="none", edgecolors=c, s=24, zorder=3)
        grid = np.geomspace(x.min(), x.max(), 20)
        line = [f.at({**held, axis: v}) for v in grid]
        work = next((g for g in fits if g.quantity == "flops" and g.method == f.method), None)
        beside = f" (FLOPs ^{work.exponents[axis].value:.2f})" if quantity == "time" and work else ""
        ax.plot(
            grid,
            line,
            color=c,
            lw=1.2,
            label=f"{label(f.method)}: {LETTER[axis]}^{f.exponents[axis].value:.2f}{beside}",
        )
    values = sorted({getattr(r, axis) for r in rows})
    ax.set(xscale="log", yscale="log", xlabel=f"{LETTER[axis]} ({axis})",
           title=", ".join(f"{LETTER[a]} = {v}" for a, v in held.items()))  # fmt: skip
    ax.set_xticks(values, [str(v) for v in values])
    ax.xaxis.set_minor_formatter("")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")


def plot_slices(rows: list[Measurement], fits: list[Fit], out: Path, show_counts: bool = False) -> None:
    """Write out (PNG) and its SVG twin: a panel per axis the grid varies, cost against it with the others
    held at their middle value; points measured (hollow: estimated), lines the fitted surface."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plot import _save

    quantity = "flops" if show_counts else "time"
    axes = [a for a in AXES if any(a in f.exponents for f in fits)]
    fig, panels = plt.subplots(1, len(axes), figsize=(6.5 * len(axes), 5.5), layout="constrained", squeeze=False)
    for ax, axis in zip(panels[0], axes):
        _draw_slice(ax, rows, fits, axis, quantity)
    panels[0][0].set_ylabel("FLOPs per gradient" if show_counts else "time per gradient (s)")
    fig.suptitle(f"{QUANTITIES[quantity]} ∝ L^a·H^b·B^c: slices of the fitted surface (lines) through the "
                 "measured points (hollow: estimated)", fontsize=11)  # fmt: skip
    _save(fig, out)
    plt.close(fig)


def fit_path(png: Path) -> Path:
    """Where plot --fit writes the slices: beside the plot, NAME-fit.png (and its .svg)."""
    return png.with_name(f"{png.stem}-fit.png")
