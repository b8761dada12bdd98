"""The committed results as one markdown page (`gradbench report RESULTS_DIR`): the comparison, the sweep's
picture with its slopes and crossings, the seeds' accounting reproduced, and the performance targets,
each from its file in the directory, for a blog post or a pull-request comment."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import GradbenchError

COMPARE, SWEEP, ACCURACY, REPRODUCE, BENCH = "compare.json", "sweep.csv", "accuracy.csv", "reproduce.json", "bench.json"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right_from: int = 1) -> str:
    """A GitHub-flavoured table; columns from `right_from` on are right-aligned (numbers)."""
    align = ["---" if i < right_from else "---:" for i in range(len(headers))]
    lines = [headers, align, *rows]
    return "\n".join("| " + " | ".join(str(c).replace("|", "\\|") for c in line) + " |" for line in lines)


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise GradbenchError(f"cannot read {path}: {type(e).__name__}: {e}") from None
    if not isinstance(doc, dict):
        raise GradbenchError(f"{path} is not a gradbench result")
    return doc


def _compare(path: Path) -> list[str]:
    from ..studies.diff import load
    from .format import label, ratio, seconds

    rows = load(path)
    if not rows:
        raise GradbenchError(f"{path} has no rows")
    body = [[label(r.method), f"{r.forward_passes:,} + {r.backward_passes:,}", seconds(r.time_s), ratio(r.time_ratio),
             ratio(r.predicted_ratio), "ref" if r.time_ratio == 1 and r.rel_error == 0 else f"{r.rel_error:.1e}"]
            for r in rows]  # fmt: skip
    r0 = rows[0]
    return [f"## One gradient, every way (L={r0.layers}, H={r0.hidden}, B={r0.batch}, N={r0.n_params:,})", "",
            markdown_table(["method", "fwd + bwd passes", "time", "time/bp", "FLOPs/bp", "rel.err"], body)]  # fmt: skip


def _sweep(path: Path) -> list[str]:
    from ..measure.records import frame
    from ..studies.sweep import read_sweep
    from .plot import summarize
    from .sweep import plot_lines

    lines = ["## How the cost grows", ""]
    if path.with_suffix(".png").is_file():
        lines += [f"![time per gradient against N]({path.with_suffix('.png').name})", ""]
    return lines + [f"- {line}" for line in plot_lines(summarize(frame(read_sweep(path))))]


def _accuracy(path: Path) -> list[str]:
    import pandas as pd

    from .format import label

    points = pd.read_csv(path)
    best = points.loc[points.groupby(["method", "dtype"], sort=False)["rel_error"].idxmin()]
    rows = [[label(r.method), r.dtype, f"{r.step:.1e}", f"{r.rel_error:.1e}"] for r in best.itertuples()]
    lines = ["## Accuracy: error against step", ""]
    if path.with_suffix(".png").is_file():
        lines += [f"![V-curves]({path.with_suffix('.png').name})", ""]
    return [*lines, markdown_table(["method", "dtype", "best step", "best error"], rows, right_from=2)]


def _reproduce(path: Path) -> list[str]:
    from .format import label, ratio, seconds

    doc = _read(path)
    s, t, m = doc["seed_accounting"], doc["true_accounting"], doc["measured"]
    per_method = [k for k, v in t.items() if isinstance(v, dict)]
    measured = [k for k, v in m.items() if isinstance(v, dict)]
    return [
        "## The seeds' comparison, reproduced", "",
        f"The seeds' accounting: {s['numeric_evaluations']:,} network evaluations with numerical differentiation "
        f"against {s['backprop_evaluations']:,} with backprop ({s['numeric_matmuls']:,} matmuls; the seed's "
        f"{s['seed_written_numeric_matmuls']:,} counts each evaluation twice). Per scalar parameter (N = "
        f"{t['n_params']:,}):", "",
        markdown_table(["method", "per gradient", "passes", "matmuls"],
                       [[label(k), t[k]["per_gradient"], f"{t[k]['passes']:,}", f"{t[k]['matmuls']:,}"]
                        for k in per_method]),
        "", f"Measured ({m['epochs']:,} epochs on {m['samples']} samples, counted while they ran):", "",
        markdown_table(["method", "passes", "matmuls", "gradient time", "final loss"],
                       [[label(k), f"{m[k]['passes']:,}", f"{m[k]['matmuls']:,}", seconds(m[k]["gradient_s"]),
                         f"{m[k]['final_train_loss']:.6g}"] for k in measured]),
        "", f"Numerical differentiation took {ratio(m['time_ratio'])} the time of backprop for the same training.",
    ]  # fmt: skip


def _bench(path: Path) -> list[str]:
    doc = _read(path)

    def bound(x: dict[str, Any]) -> str:
        return "-" if x["bound"] is None else ("≤ " if x["kind"] == "max" else "≥ ") + f"{x['bound']:.3g}"

    def verdict(x: dict[str, Any]) -> str:
        return {True: "yes", False: "**no**", None: "-"}[x["holds"]]

    targets = [x for x in doc["targets"] if isinstance(x.get("measured"), float) and math.isfinite(x["measured"])]
    rows = [[x["name"], ("~" if x.get("estimated") else "") + f"{x['measured']:.3g}", bound(x), verdict(x)]
            for x in targets]  # fmt: skip
    return [
        "## Performance targets (ratios within one run)",
        "",
        markdown_table(["target", "measured", "bound", "holds"], rows),
    ]


SECTIONS = ((COMPARE, _compare), (SWEEP, _sweep), (ACCURACY, _accuracy), (REPRODUCE, _reproduce), (BENCH, _bench))


def page(results: Path) -> str:
    """The page for the results in `results`: a section for each file found there (at least one)."""
    if not results.is_dir():
        raise GradbenchError(f"{results} is not a directory of results")
    found = [(results / name, section) for name, section in SECTIONS if (results / name).is_file()]
    if not found:
        raise GradbenchError(f"{results} holds none of {', '.join(n for n, _ in SECTIONS)}")
    machine = _machine(found[0][0])
    lines = ["# gradbench results", "", f"Measured on {machine}." if machine else ""]
    for path, section in found:
        try:
            lines += ["", *section(path)]
        except (KeyError, TypeError, ValueError) as e:
            raise GradbenchError(f"{path} is not a gradbench result ({type(e).__name__}: {e})") from None
    return "\n".join(lines) + "\n"


def _machine(path: Path) -> str:
    meta_file = path if path.suffix == ".json" else Path(f"{path}.meta.json")
    try:
        doc = json.loads(meta_file.read_text(encoding="utf-8"))
        meta = doc.get("metadata") or doc
        threads = f"{meta['blas_threads']} BLAS thread(s)"
        return f"{meta['cpu']} ({meta['cpu_count']} cores), {threads}, gradbench {meta['gradbench']}"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ""
