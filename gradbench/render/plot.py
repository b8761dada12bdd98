"""The sweep as a picture: time (or FLOPs) per gradient against N on log-log axes with fitted slopes,
the time ratio to backprop against N beside the ratio the pass counts predict, and the peak memory of
one gradient against N beside its closed form, with fitted slopes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import GradbenchError
from ..io.files import check_writable, meta_path, read_json_object, write_with
from ..measure.records import frame
from ..methods import REFERENCE
from ..studies.sweep import read_sweep
from .format import color, label

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..studies.accuracy import Point, Summary
    from ..studies.taylor import TaylorResult

MARKERS = {1: "o"}  # batch 1: circles; other batch sizes cycle through the rest
OTHER_MARKERS = ["s", "^", "D", "v"]


def output_paths(csv: Path, out: Path | None, force: bool = False) -> tuple[Path, Path]:
    """(PNG, SVG) to write: OUT or the CSV's name with .png, and an SVG beside it; refused if unwritable,
    if they exist (without force) or if one of them is the CSV itself."""
    if not csv.name:
        raise GradbenchError("give the sweep CSV to plot (an empty path names no file)")
    png = out or csv.with_suffix(".png")
    if png.suffix.lower() != ".png":
        raise GradbenchError(f"--out must end in .png (an .svg is written beside it), got {png}")
    for path in (png, png.with_suffix(".svg")):
        check_writable(path, force, inputs=(csv, meta_path(csv)))
    return png, png.with_suffix(".svg")


def fit_slope(n: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of log y against log N on the larger half of the points (by N)."""
    keep = np.isfinite(y) & (y > 0)
    order = np.argsort(n[keep])
    n, y = n[keep][order], y[keep][order]
    half = slice(len(n) // 2, None) if len(n) >= 4 else slice(None)
    if len(n[half]) < 2:
        return float("nan")
    return float(np.polyfit(np.log(n[half]), np.log(y[half]), 1)[0])


def crossings(n: np.ndarray, ratio: np.ndarray, levels: tuple[int, ...] = (10, 100, 1000)) -> dict[int, float]:
    """The N at which a measured ratio first reaches each level, interpolated in log-log."""
    order = np.argsort(n)
    n, ratio = n[order], ratio[order]
    out = {}
    for level in levels:
        above = np.nonzero(ratio >= level)[0]
        if len(above) == 0:
            continue
        i = above[0]
        if i == 0:
            out[level] = float(n[0])
            continue
        t = (np.log(level) - np.log(ratio[i - 1])) / (np.log(ratio[i]) - np.log(ratio[i - 1]))
        out[level] = float(np.exp(np.log(n[i - 1]) + t * (np.log(n[i]) - np.log(n[i - 1]))))
    return out


def series(table: pd.DataFrame) -> Iterator[tuple[str, int, int, pd.DataFrame]]:
    """(method, batch, layers) -> rows sorted by N."""
    for (method, batch, layers), part in table.groupby(["method", "batch", "layers"], sort=False):
        yield method, int(batch), int(layers), part.sort_values("n_params")


@dataclass(frozen=True)
class Encoding:
    """How a series is drawn: marker and line style by batch size, line width by depth."""

    marker: dict[int, str]
    style: dict[int, str]
    width: dict[int, float]
    batches: list[int]
    depths: list[int]

    @classmethod
    def of(cls, table: pd.DataFrame) -> Encoding:
        batches, depths = sorted(table["batch"].unique()), sorted(table["layers"].unique())
        marker = {b: MARKERS.get(b, OTHER_MARKERS[i % len(OTHER_MARKERS)]) for i, b in enumerate(batches)}
        style = dict(zip(batches, ["-", "--", ":", "-."] * 4))
        width = dict(zip(depths, [1.2, 2.0, 0.7, 2.6] * 4))
        return cls(marker, style, width, batches, depths)


def machine(csv: Path) -> str:
    """The machine a sweep ran on, from its metadata file if there is one; one that is not a JSON object
    is refused (before any work): a wrong title is worse than none."""
    path = Path(meta_path(csv))
    if not path.is_file():
        return "unknown machine"
    from .format import conditions

    return conditions(read_json_object(path, "a sweep's metadata", "; move it away to plot without it"))


def _points(ax: Axes, n: np.ndarray, y: np.ndarray, est: np.ndarray, marker: str, c: str) -> None:
    """Measured points filled, estimated (sampled) points hollow."""
    ax.scatter(n[~est], y[~est], marker=marker, color=c, s=28, zorder=3)
    ax.scatter(n[est], y[est], marker=marker, facecolors="none", edgecolors=c, s=28, zorder=3)


def summarize(table: pd.DataFrame, show_counts: bool = False) -> dict[str, Any]:
    """Per (method, batch, depth) series: the log-log slope of its cost against N (larger half of N), the
    N at which its ratio to backprop reaches 10x, 100x, 1000x, and its smallest N (a ratio already past a
    level there reaches it at no N that was measured)."""
    y_col, r_col = ("flops", "predicted_ratio") if show_counts else ("time_s", "time_ratio")
    summary: dict[str, Any] = {"slopes": {}, "crossings": {}, "memory_slopes": {}, "smallest_n": {}}
    deep = table["layers"].nunique() > 1
    for method, batch, layers, part in series(table):
        n = part["n_params"].to_numpy(float)
        key = f"{method} B={batch}" + (f" L={layers}" if deep else "")
        summary["slopes"][key] = fit_slope(n, part[y_col].to_numpy(float))
        summary["memory_slopes"][key] = fit_slope(n, peaks(part)[0])
        summary["smallest_n"][key] = float(n.min())
        if method != REFERENCE.name:
            summary["crossings"][key] = crossings(n, part[r_col].to_numpy(float))
    return summary


def peaks(part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(peak bytes: measured, or predicted where the method was sampled; predicted; True where measured)."""
    measured = part["peak_bytes"].to_numpy(float, na_value=np.nan)
    predicted = part["peak_predicted_bytes"].to_numpy(float, na_value=np.nan)
    have = np.isfinite(measured)
    return np.where(have, measured, predicted), predicted, have


def _draw_memory(ax: Axes, table: pd.DataFrame, enc: Encoding) -> None:
    """Peak memory against N: measured points filled, predicted-only ones hollow, the closed form thick."""
    for method, batch, layers, part in series(table):
        n, (y, predicted, have) = part["n_params"].to_numpy(float), peaks(part)
        c = color(method)
        ax.plot(n, predicted / 2**20, color=c, lw=3, alpha=0.25)
        ax.plot(n, y / 2**20, enc.style[batch], color=c, lw=enc.width[layers])
        _points(ax, n, y / 2**20, ~have, enc.marker[batch], c)


def _draw(left: Axes, right: Axes, table: pd.DataFrame, enc: Encoding, show_counts: bool) -> None:
    """Every (method, batch, depth) series: cost on the left, ratio to backprop on the right."""
    y_col, r_col = ("flops", "predicted_ratio") if show_counts else ("time_s", "time_ratio")
    for method, batch, layers, part in series(table):
        n, y = part["n_params"].to_numpy(float), part[y_col].to_numpy(float)
        est = part["estimated"].to_numpy(bool) & (not show_counts)
        c, m = color(method), enc.marker[batch]
        named = method in left.get_legend_handles_labels()[1]  # one legend entry per method: its colour
        left.plot(n, y, enc.style[batch], color=c, lw=enc.width[layers], label="_" if named else label(method))
        _points(left, n, y, est, m, c)
        if method == REFERENCE.name:
            continue
        ratio = part[r_col].to_numpy(float)
        right.plot(n, ratio, enc.style[batch], color=c, lw=enc.width[layers])
        _points(right, n, ratio, est, m, c)
        if batch == enc.batches[0] and layers == enc.depths[0]:
            passes = (part["forward_passes"] + part["backward_passes"]).to_numpy(float)
            right.plot(n, passes / 2, color=c, lw=3, alpha=0.25)  # backprop does 2 passes


def _decorate(left: Axes, right: Axes, memory: Axes, enc: Encoding, show_counts: bool) -> None:
    """Log-log axes, the 10x/100x/1000x guides, titles and the two legends."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import NullFormatter

    for level in (10, 100, 1000):
        right.axhline(level, color="grey", lw=0.6, ls=":")
        right.annotate(f"{level}x", (1, level), xycoords=("axes fraction", "data"), xytext=(-4, 2),
                       textcoords="offset points", ha="right", va="bottom", color="grey", fontsize=8)  # fmt: skip
    for ax in (left, right, memory):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())  # 2x10^1, 3x10^1, ... collide on narrow decades
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("N, parameters")
        ax.grid(True, which="major", alpha=0.3)
    left.set_ylabel("FLOPs per gradient" if show_counts else "time per gradient (s)")
    left.set_title("cost of one gradient; colour: method", fontsize=11)
    left.legend(fontsize=8, loc="upper left")
    right.set_ylabel(f"FLOPs / {REFERENCE.name}'s FLOPs" if show_counts else f"time / {REFERENCE.name}'s time")
    right.set_title(f"ratio to {REFERENCE.name}: measured (points) and passes/2 predicted (thick)", fontsize=11)
    handles = [Line2D([], [], color="grey", marker=enc.marker[b], ls=enc.style[b], label=f"B = {b}")
               for b in enc.batches]  # fmt: skip
    if len(enc.depths) > 1:
        handles += [Line2D([], [], color="grey", lw=enc.width[d], label=f"L = {d}") for d in enc.depths]
    handles += [
        Line2D([], [], color="grey", marker="o", markerfacecolor="none", ls="", label="estimated (sampled)"),
        Line2D([], [], color="grey", lw=3, alpha=0.25, label="predicted: passes / 2"),
    ]
    right.legend(handles=handles, fontsize=8, loc="upper left")
    memory.set_ylabel("peak memory of one gradient (MiB)")
    memory.set_title("memory: measured (points), closed form (thick)", fontsize=11)


def caption(summary: dict[str, Any]) -> str:
    """The fitted log-log slopes of cost and of peak memory, one clause per method (a one-size series
    has none to fit)."""
    parts = []
    for title, slopes in (("cost", summary["slopes"]), ("peak memory", summary["memory_slopes"])):
        by_method: dict[str, list[str]] = {}
        for key, slope in slopes.items():
            method, rest = key.split(" ", 1)
            if np.isfinite(slope):
                by_method.setdefault(method, []).append(f"{slope:.2f} ({rest})")
        if by_method:
            clauses = "; ".join(f"{label(m)} {', '.join(v)}" for m, v in by_method.items())
            parts.append(f"log-log slope of {title} against N, on the larger half of N: {clauses}")
    return ". ".join(parts) if parts else "one model size per series: no slope to fit"


@np.errstate(all="ignore")  # huge or tiny times: their logs and fits are drawn or reported, not warned about
def plot_sweep(csv: Path, out: Path, show_counts: bool = False) -> dict[str, Any]:
    """Write out (PNG) and its SVG twin; returns the fitted slopes and crossings."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table, on = frame(read_sweep(csv)), machine(csv)
    enc = Encoding.of(table)
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    fig, (left, right, memory) = plt.subplots(1, 3, figsize=(21, 7))
    fig.set_layout_engine(ConstrainedLayoutEngine(rect=(0, 0.09, 1, 0.91)))  # room for the caption below
    summary = summarize(table, show_counts)
    _draw(left, right, table, enc, show_counts)
    _draw_memory(memory, table, enc)
    _decorate(left, right, memory, enc, show_counts)
    what = "FLOPs" if show_counts else "time"
    fig.suptitle(f"gradbench sweep: {what} per gradient against N, on {on}", fontsize=12)
    fig.text(0.01, 0.005, caption(summary), fontsize=8, va="bottom", ha="left", wrap=True)
    _save(fig, out)
    plt.close(fig)
    return summary


def _save(fig: Figure, out: Path) -> None:
    """PNG and SVG, each written whole or not at all (files.write_with)."""
    for path, fmt in ((out, "png"), (out.with_suffix(".svg"), "svg")):
        write_with(path, partial(_savefig, fig, fmt))


def _savefig(fig: Figure, fmt: str, path: str) -> None:
    fig.savefig(path, format=fmt, dpi=110)


@np.errstate(all="ignore")
def plot_accuracy(points: list[Point], summaries: list[Summary], out: Path, title: str) -> None:
    """The V-curves: log-log error against step, one panel per dtype, each method's default step starred
    and the steps that may straddle a ReLU kink shaded. Written as PNG and SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    dtypes = list(dict.fromkeys(p.dtype for p in points))
    fig, axes = plt.subplots(1, len(dtypes), figsize=(7 * len(dtypes), 5.5), layout="constrained", squeeze=False)
    for ax, dtype in zip(axes[0], dtypes):
        for s in (s for s in summaries if s.dtype == dtype):
            curve = [p for p in points if p.method == s.method and p.dtype == dtype and np.isfinite(p.rel_error)]
            h = np.array([p.step for p in curve])
            err = np.maximum([p.rel_error for p in curve], 1e-18)  # exact zeros drawn at the floor
            ax.plot(h, err, "-o", ms=3, color=color(s.method), label=label(s.method))
            ax.plot([s.default_step], [max(s.default_error, 1e-18)], "*", ms=14, color=color(s.method), mec="k")
            if s.kink_step is not None:
                ax.axvspan(s.kink_step, h.max() * 10, color="grey", alpha=0.04, lw=0)
        tail = [p for p in points if p.dtype == dtype and p.step < 1e-20 and np.isfinite(p.rel_error)]
        if tail:  # the complex step's flat tail, to 1e-200, said rather than drawn across 180 decades
            last = min(tail, key=lambda p: p.step)
            ax.annotate(f"{label(last.method)} at h = {last.step:.0e}, past this axis: {last.rel_error:.1e}",
                        (0.98, 0.97), xycoords="axes fraction", ha="right", va="top", fontsize=8,
                        color=color(last.method))  # fmt: skip
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(2.0, 1e-21)  # steps shrink to the right, as one tries them
        ax.set_xlabel("step h (absolute)")
        ax.set_ylabel("relative error against the float64 gradient")
        ax.set_title(f"{dtype}: ε = {np.finfo(dtype).eps:.1e}", fontsize=11)
        ax.grid(True, which="major", alpha=0.3)
    handles = [Line2D([], [], ls="", marker="*", ms=12, color="grey", mec="k", label="default step")]
    if any(s.kink_step is not None for s in summaries):
        handles.append(Line2D([], [], lw=8, color="grey", alpha=0.2, label="may straddle a ReLU kink"))
    first = axes[0][0]
    first.legend(handles=[*first.get_legend_handles_labels()[0], *handles], fontsize=8, loc="best")
    fig.suptitle(title, fontsize=12)
    _save(fig, out)
    plt.close(fig)


def plot_taylor(result: TaylorResult, out: Path, title: str) -> None:
    """r(t) against t on log-log axes, with slopes 1 and 2 through the first point: a right gradient
    follows 2 down to round-off, a wrong one bends to 1."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t, r = np.array(result.steps), np.array(result.remainders)
    fig, ax = plt.subplots(figsize=(6, 4.2))
    ax.loglog(t, np.maximum(r, 1e-300), "o-", color="k", label="r(t), measured")
    for order, style in ((2, "--"), (1, ":")):
        ax.loglog(t, r[0] * (t / t[0]) ** order, style, color="C0" if order == 2 else "C3", label=f"slope {order}")
    ax.axhline(result.noise, color="0.6", lw=0.8, label="round-off floor")
    ax.set(xlabel="t", ylabel="|f(x + t d) - f(x) - t g·d|", title=title)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    _save(fig, out)
    plt.close(fig)
