"""The committed results as one markdown page (`gradbench report RESULTS_DIR`): the comparison, the sweep's
picture with its slopes and crossings, the seeds' accounting reproduced, and the performance targets,
each from its file in the directory, for a blog post or a pull-request comment."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import GradbenchError
from ..io.files import read_json_object

COMPARE, SWEEP, ACCURACY, REPRODUCE, BENCH = "compare.json", "sweep.csv", "accuracy.csv", "reproduce.json", "bench.json"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right_from: int = 1) -> str:
    """A GitHub-flavoured table; columns from `right_from` on are right-aligned (numbers)."""
    align = ["---" if i < right_from else "---:" for i in range(len(headers))]
    lines = [headers, align, *rows]
    return "\n".join("| " + " | ".join(str(c).replace("|", "\\|") for c in line) + " |" for line in lines)


def _read(path: Path) -> dict[str, Any]:
    return read_json_object(path, "a gradbench result")


def _picture(path: Path, alt: str, base: Path) -> list[str]:
    """The PNG beside `path`, linked relative to `base` (the directory the page is written to), if there is one."""
    png = path.with_suffix(".png")
    if not png.is_file():
        return []
    return [f"![{alt}]({Path(os.path.relpath(os.path.abspath(png), os.path.abspath(base))).as_posix()})", ""]


def _compare(path: Path, base: Path) -> list[str]:
    from ..studies.diff import load
    from .compare import ratio_interval, time_interval
    from .format import label, ratio, seconds

    rows = load(path)
    if not rows:
        raise GradbenchError(f"{path} has no rows")
    body = [[label(r.method), f"{r.forward_passes:,} + {r.backward_passes:,}",
             f"{seconds(r.time_s)} {time_interval(r, unit=False)}".removesuffix(" -"),
             f"{ratio(r.time_ratio)} {ratio_interval(r)}".strip().removesuffix(" -"), ratio(r.predicted_ratio),
             "ref" if r.time_ratio == 1 and r.rel_error == 0 else f"{r.rel_error:.1e}"]
            for r in rows]  # fmt: skip
    r0 = rows[0]
    return [f"## One gradient, every way (L={r0.layers}, H={r0.hidden}, B={r0.batch}, N={r0.n_params:,})", "",
            markdown_table(["method", "fwd + bwd passes", "time (95% CI)", "time/bp (95% CI)", "FLOPs/bp", "rel.err"],
                           body), "", "(a–b): the 95% interval over the run's rounds, not over reruns."]  # fmt: skip


def _sweep(path: Path, base: Path) -> list[str]:
    from ..measure.records import frame
    from ..studies.sweep import read_sweep
    from .plot import summarize
    from .sweep import plot_lines

    lines = ["## How the cost grows", "", *_picture(path, "time per gradient against N", base)]
    return lines + [f"- {line}" for line in plot_lines(summarize(frame(read_sweep(path))))]


def _accuracy(path: Path, base: Path) -> list[str]:
    import pandas as pd

    from .format import label

    points = pd.read_csv(path)
    if points.empty:
        raise GradbenchError(f"{path} has no rows")
    points = points.dropna(subset=["rel_error"])  # a step below the resolution: no error to rank
    best = points.loc[points.groupby(["method", "dtype"], sort=False)["rel_error"].idxmin()]
    rows = [[label(r.method), r.dtype, f"{r.step:.1e}", f"{r.rel_error:.1e}"] for r in best.itertuples()]
    lines = ["## Accuracy: error against step", "", *_picture(path, "V-curves", base)]
    return [*lines, markdown_table(["method", "dtype", "best step", "best error"], rows, right_from=2)]


def _methods(block: dict[str, Any], path: Path, name: str) -> list[str]:
    """The per-method entries of a reproduce block (the others are its scalars): at least one."""
    from .reproduce import per_method

    found = list(per_method(block))
    if not found:
        raise GradbenchError(f"{path} is not a gradbench result: its {name} names no method")
    return found


def _reproduce(path: Path, base: Path) -> list[str]:
    from .format import label, ratio, seconds

    doc = _read(path)
    s, t, m = doc["seed_accounting"], doc["true_accounting"], doc["measured"]
    in_true, measured = _methods(t, path, "true_accounting"), _methods(m, path, "measured")
    return [
        "## The seeds' comparison, reproduced", "",
        f"The seeds' accounting: {s['numeric_evaluations']:,} network evaluations with numerical differentiation "
        f"against {s['backprop_evaluations']:,} with backprop ({s['numeric_matmuls']:,} matmuls; the seed's "
        f"{s['seed_written_numeric_matmuls']:,} counts each evaluation twice). Per scalar parameter (N = "
        f"{t['n_params']:,}):", "",
        markdown_table(["method", "per gradient", "passes", "matmuls"],
                       [[label(k), t[k]["per_gradient"], f"{t[k]['passes']:,}", f"{t[k]['matmuls']:,}"]
                        for k in in_true]),
        "", f"Measured ({m['epochs']:,} epochs on {m['samples']} samples, counted while they ran):", "",
        markdown_table(["method", "passes", "matmuls", "gradient time", "final loss"],
                       [[label(k), f"{m[k]['passes']:,}", f"{m[k]['matmuls']:,}", seconds(m[k]["gradient_s"]),
                         f"{m[k]['final_train_loss']:.6g}"] for k in measured]),
        "", f"Numerical differentiation took {ratio(m['time_ratio'])} the time of backprop for the same training.",
    ]  # fmt: skip


def _bench(path: Path, base: Path) -> list[str]:
    """The targets as the terminal shows them (render/bench.py's figures and intervals)."""
    from dataclasses import fields

    from ..io.units import figures
    from ..studies.targets import Target
    from .bench import measured

    doc = _read(path)
    if not (isinstance(doc["targets"], list) and doc["targets"] and all(isinstance(x, dict) for x in doc["targets"])):
        raise GradbenchError(f"{path} is not a gradbench result: its targets are not a list of objects")

    def bound(x: Target) -> str:
        return "-" if x.bound is None else ("≤ " if x.kind == "max" else "≥ ") + figures(x.bound)

    def verdict(x: Target) -> str:
        return {True: "yes", False: "**no**", None: "-"}[x.holds] + ("*" if x.decided is False else "")

    targets = [Target(**{f.name: x[f.name] for f in fields(Target) if f.name in x}) for x in doc["targets"]
               if isinstance(x.get("measured"), float) and math.isfinite(x["measured"])]  # fmt: skip
    rows = [[x.name, ("~" if x.estimated else "") + measured(x), bound(x), verdict(x)] for x in targets]
    measured_header = "measured (95% CI)" if any("(" in r[1] for r in rows) else "measured"
    return [
        "## Performance targets (ratios within one run)",
        "",
        markdown_table(["target", measured_header, "bound", "holds"], rows),
    ]


Section = Callable[[Path, Path], list[str]]  # (the result's file, the page's directory) -> markdown lines
SECTIONS: tuple[tuple[str, Section], ...] = (
    (COMPARE, _compare), (SWEEP, _sweep), (ACCURACY, _accuracy), (REPRODUCE, _reproduce), (BENCH, _bench)
)  # fmt: skip


def inputs(results: Path) -> tuple[Path, ...]:
    """Every file the page of `results` reads or links: each result, a CSV's metadata, their pictures."""
    files = [results / name for name, _ in SECTIONS]
    return (*files, *(Path(f"{f}.meta.json") for f in files if f.suffix == ".csv"),
            *(f.with_suffix(e) for f in files for e in (".png", ".svg")))  # fmt: skip


def page(results: Path, base: Path | None = None) -> str:
    """The page for the results in `results`: a section for each file found there (at least one), its
    pictures linked relative to `base`, the directory the page is written to (default: `results`)."""
    if not results.is_dir():
        raise GradbenchError(f"{results} is not a directory of results")
    found = [(results / name, section) for name, section in SECTIONS if (results / name).is_file()]
    if not found:
        raise GradbenchError(f"{results} holds none of {', '.join(n for n, _ in SECTIONS)}")
    machines = {path: _machine(path) for path, _ in found}
    one = len(set(machines.values())) == 1  # else each section names its own: results from two machines
    machine = machines[found[0][0]]
    lines = ["# gradbench results", *(["", f"Measured on {machine}."] if one and machine else [])]
    for path, section in found:
        try:
            heading, *body = section(path, results if base is None else base)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:  # a file of another shape
            raise GradbenchError(f"{path} is not a gradbench result ({type(e).__name__}: {e})") from None
        own = [] if one or not machines[path] else ["", f"Measured on {machines[path]}."]
        lines += ["", heading, *own, *body]
    return "\n".join(lines) + "\n"


def _machine(path: Path) -> str:
    from .format import conditions

    meta_file = path if path.suffix == ".json" else Path(f"{path}.meta.json")
    try:
        doc = json.loads(meta_file.read_text(encoding="utf-8"))
        meta = doc.get("metadata") or doc
        return f"{conditions(meta)}, gradbench {meta['gradbench']}"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ""
