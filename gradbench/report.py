"""Showing measurements: rich tables with a one-line reading, and CSV/JSON written with pandas.

Every label and colour comes from the registries (methods.METHODS, peers.PEERS).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from .files import STDOUT, meta_path, write_json, write_text
from .methods import BACKPROP_CHECKPOINT, METHODS, REFERENCE
from .peers import PEERS
from .results import Measurement, frame
from .tables import Column, fit

if TYPE_CHECKING:
    from pathlib import Path

    from rich.progress import Progress

    from .accuracy import Point, Summary
    from .baseline import Change
    from .bench import Target
    from .checks import CheckResult
    from .sweep import SweepResult
    from .train import TrainResult
    from .userfn import FunctionRow


def console(stderr: bool = False) -> Console:
    """A rich console: the terminal's width, or into a file or a pipe $COLUMNS (140 if unset); rich
    respects NO_COLOR and writes no colour codes where there is no terminal."""
    import os

    out = Console(stderr=stderr)
    if out.is_terminal or "COLUMNS" in os.environ:
        return out
    return Console(stderr=stderr, width=140)


def label(name: str) -> str:
    """The table label of a method or peer (it contains the name); an unknown name is shown as is."""
    entry = METHODS.get(name) or PEERS.get(name)
    return entry.label if entry else name


def color(name: str) -> str:
    """The plot colour of a method or peer."""
    entry = METHODS.get(name) or PEERS.get(name)
    return entry.color if entry else "C9"


def _in_unit(x: float, units: tuple[tuple[str, float], ...]) -> str:
    """x in the largest of `units` (name, size; largest first) it reaches, to three significant figures:
    1.00 ms, 33.0 µs, 150 ms; below the last unit, in it."""
    unit, size = next(((u, z) for u, z in units if x >= z), units[-1])
    return f"{x / size:#.3g} {unit}".replace(". ", " ")


def seconds(t: float) -> str:
    """A time in the unit that keeps three significant figures readable."""
    return _in_unit(t, (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9))) if math.isfinite(t) else "-"


def ratio(x: float) -> str:
    return f"{x:,.0f}x" if x >= 100 else f"{x:.3g}x"


def compact(n: float | None) -> str:
    if n is None or (isinstance(n, float) and math.isnan(n)):  # not counted (None, or NaN from a CSV)
        return "-"
    return f"{n:,}" if n < 10**7 else f"{n:.3g}"


UNSTABLE = 0.10  # half-IQR above this fraction of the median gets a warning, as pyperf warns


def spread(r: Measurement) -> str:
    """Half the interquartile range, as a percentage of the median."""
    return f"±{100 * r.spread:.1f}%" if r.time_s > 0 else "-"


def show_compare(
    out: Console, rows: list[Measurement], threads: int, eps: float | None = None, wide: bool = False,
    notes: list[str] | None = None,
) -> None:  # fmt: skip
    """The comparison tables, the legend, then what it means, a line per method, and the caller's notes."""
    for t in tables(rows, compare_title(rows, threads), out.width, wide):
        out.print(t)
    out.print(LEGEND, highlight=False, style="dim")
    for line in [*reading(rows, eps), *(notes or [])]:
        out.print(line, highlight=False)


def segments_note(layers: int, segments: int, memory: int | None = None) -> str:
    """What checkpointed backprop kept and redid; `memory`: the budget --segments auto filled."""
    fit = "" if memory is None else f", the most that --memory {memory:,} bytes holds"
    return (f"{BACKPROP_CHECKPOINT.name} kept the inputs of {segments} segments{fit}, recomputing "
            f"{layers - segments} of {layers} layers on the way back.")  # fmt: skip


def non_finite(rows: list[Measurement], eps: float | None) -> list[str]:
    """A warning per method whose gradient held a NaN or an infinity, with the likely cause."""
    import numpy as np

    lines = []
    for r in rows:
        if math.isfinite(r.rel_error):
            continue
        resolution = float(np.finfo(r.dtype).eps)
        cause = (f"--eps {eps:g} is below {r.dtype}'s resolution ({resolution:.1e} relative to |θ|): θ + h "
                 "rounds to θ, so the step is zero" if eps is not None and eps < resolution else
                 "a loss overflowed in a perturbed pass, or the step is too large")  # fmt: skip
        lines.append(f"! {r.method}: its gradient has NaN or infinite entries (rel.err nan): {cause}.")
    return lines


def compare_title(rows: list[Measurement], threads: int) -> str:
    """What was measured, in one line: the shape, the arithmetic, N and the BLAS threads."""
    r = rows[0]
    widths = _widths((r.inputs, *([r.hidden] * (r.layers - 1)), r.outputs))
    return (
        f"gradient of an MLP: L={r.layers}, widths {widths}, B={r.batch}, {r.activation}, {r.dtype}, "
        f"N={r.n_params:,}, {threads} BLAS thread{'s' if threads > 1 else ''}"
    )


def _widths(w: tuple[int, ...]) -> str:
    """10-10-10-10; a deep net's repeats as a count, 10-32×63-10, so the title stays one line."""
    if len(w) <= 8:
        return "-".join(map(str, w))
    runs = [(v, len(list(g))) for v, g in itertools.groupby(w)]
    return "-".join(f"{v}×{n}" if n > 1 else str(v) for v, n in runs)


def _error(r: Measurement) -> str:
    """The relative error; marked ~ when it is over the sampled entries only."""
    return "ref" if r.method == REFERENCE.name else f"{_mark(r)}{r.rel_error:.1e}"


def _bytes(n: int) -> str:
    """A size in the unit that keeps it readable: 12.7 MiB, 340 KiB."""
    return _in_unit(n, (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10))) if n >= 2**10 else f"{n} B"


def _mean(r: Measurement) -> str:
    if not math.isfinite(r.time_stdev_s) or r.time_mean_s <= 0:
        return _mark(r) + seconds(r.time_mean_s)
    return f"{_mark(r)}{seconds(r.time_mean_s)} ±{100 * r.time_stdev_s / r.time_mean_s:.0f}%"


def _mark(r: Measurement) -> str:
    return "~" if r.estimated else ""


def _peak(r: Measurement) -> str:
    """The measured peak, or the predicted one (marked ~) for a method not run in full."""
    if r.peak_bytes is not None:
        return _bytes(r.peak_bytes)
    return "-" if r.peak_predicted_bytes is None else "~" + _bytes(r.peak_predicted_bytes)


# The comparison's columns, in display order, each with its priority: what must be on screen first.
COMPARE_KEY: list[Column[Measurement]] = [Column("method", lambda r: label(r.method), justify="left")]
COMPARE_COLUMNS: list[Column[Measurement]] = [
    Column("N", lambda r: f"{r.n_params:,}", 6),
    Column("fwd", lambda r: f"{r.forward_passes:,}", 2),
    Column("bwd", lambda r: f"{r.backward_passes:,}", 2),
    Column("matmuls", lambda r: compact(r.matmuls), 4),
    Column("adds", lambda r: compact(r.adds), 5),
    Column("mults", lambda r: compact(r.multiplies), 5),
    Column("FLOPs", lambda r: compact(r.flops), 3),
    Column("time", lambda r: _mark(r) + seconds(r.time_s), 1),
    Column("IQR", spread, 3),
    Column("mean ± σ", lambda r: _mean(r), 4),
    Column("peak", lambda r: _peak(r), 4),
    Column("runs", lambda r: str(r.rounds), 6),
    Column("time/bp", lambda r: _mark(r) + ratio(r.time_ratio), 1),
    Column("FLOPs/bp", lambda r: ratio(r.predicted_ratio), 2),
    Column("rel.err", _error, 1),
]
LEGEND = (
    "fwd/bwd: forward/backward passes; mults: multiplies; time: median per gradient over the runs, IQR: "
    "half its interquartile range, mean ± σ: mean and standard deviation; peak: the memory one gradient "
    "allocates, its buffers included (tracemalloc; ~: predicted in closed form, not run in full); "
    "/bp: ratio to backprop; "
    "rel.err: max|g-g_bp| / max(max|g|, max|g_bp|)"
)


def tables(rows: list[Measurement], title: str, width: int, wide: bool = False) -> list[Table]:
    """The comparison as tables that fit `width` (one table with `wide`)."""
    return fit(rows, COMPARE_KEY, COMPARE_COLUMNS, width, title, wide)


def _passes(r: Measurement) -> str:
    if r.matmuls is not None and r.matmuls < r.forward_passes:  # stacked: several losses per matmul
        return f"{r.forward_passes:,} loss evaluations in {r.matmuls:,} stacked matmuls"
    if r.backward_passes:
        return f"{r.forward_passes:,} forward + {r.backward_passes:,} backward"
    return f"{r.forward_passes:,} forward passes"


def reading(rows: list[Measurement], eps: float | None = None) -> list[str]:
    """What the numbers mean, one line per method measured against backprop, then the warnings."""
    bp = next((r for r in rows if r.method == REFERENCE.name), None)
    lines = []
    for r in rows:
        if bp is None or r.method == REFERENCE.name:
            continue  # the pass ratio needs the reference's row (the time ratio is in every row)
        passes = (r.forward_passes + r.backward_passes) / (bp.forward_passes + bp.backward_passes)
        est = " (estimated)" if r.estimated else ""
        lines.append(
            f"{label(r.method)} did {_passes(r)} where {label(bp.method)} did {_passes(bp)}: "
            f"{ratio(passes)} the passes, {ratio(r.time_ratio)} the time{est}; "
            f"FLOPs predict {ratio(r.predicted_ratio)}."
        )
    lines += non_finite(rows, eps)
    unstable = [f"{r.method} ({spread(r)})" for r in rows if r.spread > UNSTABLE]
    if unstable:
        lines.append(
            f"! unstable timing: {', '.join(unstable)} spread more than ±{UNSTABLE:.0%} around the "
            "median; the machine was busy: rerun, or raise --budget for more rounds."
        )
    if any(r.estimated for r in rows):
        lines.append(
            "~ estimated: timed on a random sample of the perturbations and extrapolated to all N; "
            "counts from the cost model; rel.err over the sampled entries."
        )
    return lines


def write_rows(rows: list[Measurement], meta: dict[str, Any], csv: str | None, json_path: str | None) -> None:
    """The rows to --csv (with PATH.meta.json) and --json, where asked for."""
    if csv:
        write_rows_csv(rows, meta, csv)
    if json_path:
        write_rows_json(rows, meta, json_path)


def write_rows_csv(rows: list[Measurement], meta: dict[str, Any], path: str) -> None:
    """Rows as CSV; the metadata beside it in PATH.meta.json (stdout gets the rows only)."""
    write_text(path, frame(rows).to_csv(index=False, na_rep="nan"))
    if path != STDOUT:
        write_json(meta_path(path), meta)


def write_rows_json(rows: list[Measurement], meta: dict[str, Any], path: str) -> None:
    """{"metadata": {...}, "rows": [...]}."""
    records = json.loads(frame(rows).to_json(orient="records", double_precision=15))
    write_json(path, {"metadata": meta, "rows": records})


def train_table(result: TrainResult) -> Table:
    """Final losses and accuracies, wall time, and the gradients' counts over the whole run."""
    t = Table(show_header=False)
    t.add_column("", style="bold")
    t.add_column("", justify="right")
    last = result.history[-1]

    def pct(a: float | None) -> str:
        return "-" if a is None else f"{100 * a:.1f}%"

    for name, value in [
        ("epochs run", f"{len(result.history):,}"),
        ("optimizer steps", f"{result.steps:,}"),
        ("train loss", f"{last.train_loss:.4g}"),
        ("test loss", f"{last.test_loss:.4g}"),
        ("train accuracy", pct(last.train_accuracy)),
        ("test accuracy", pct(last.test_accuracy)),
        ("wall time", seconds(result.wall_s)),
        ("time in gradients", seconds(result.gradient_s)),
        ("forward passes", f"{result.counts.forward_passes:,}"),
        ("backward passes", f"{result.counts.backward_passes:,}"),
        ("matmuls", f"{result.counts.matmuls:,}"),
        ("adds", f"{result.counts.adds:,}"),
        ("multiplies", f"{result.counts.multiplies:,}"),
        ("FLOPs", f"{result.counts.flops:,}"),
    ]:
        t.add_row(name, value)
    return t


def show_train(out: Console, result: TrainResult, dataset: str) -> None:
    """A one-line heading, then the final losses, accuracies and the gradients' counts."""
    hp = result.config.hyper
    out.print(f"{dataset}: {result.config.method} gradients, {result.config.optimizer} (lr {hp.lr:g}), batch "
              f"{result.config.batch}, N = {result.spec.n_params:,}", highlight=False)  # fmt: skip
    out.print(train_table(result))


def write_history(result: TrainResult, meta: dict[str, Any], csv: str | None, json_path: str | None) -> None:
    """The per-epoch curve as CSV (totals and metadata beside it) and everything as JSON."""
    import pandas as pd

    curve = pd.DataFrame([vars(e) for e in result.history])
    doc = {"metadata": meta, "spec": result.spec.as_dict(), "totals": result.totals()}
    if csv:
        write_text(csv, curve.to_csv(index=False))
        if csv != STDOUT:
            write_json(meta_path(csv), doc)
    if json_path:
        doc["history"] = json.loads(curve.to_json(orient="records", double_precision=15))
        write_json(json_path, doc)


def _methods(block: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The per-method entries of a reproduce block (the others are its scalars)."""
    return {k: v for k, v in block.items() if isinstance(v, dict)}


def reproduce_report(console: Console, doc: dict[str, Any]) -> None:
    """The three blocks of `gradbench reproduce`, then seed 004's count."""
    s = doc["seed_accounting"]
    epochs = s["numeric_evaluations"] // s["evaluations_per_epoch_numeric"]
    _seed_block(console, s, doc["spec"]["layers"], epochs)
    _true_block(console, doc["true_accounting"], epochs)
    _measured_block(console, doc["measured"], doc["measured_predicted"], epochs)
    _seed_004_block(console, doc["seed_004"])


def _seed_block(console: Console, s: dict[str, Any], L: int, E: int) -> None:
    console.rule("1. The seed's accounting: per weight tensor")
    console.print(
        f"{s['tensors']} tensors ({L} W, {L} b) x 2 evaluations = {s['evaluations_per_epoch_numeric']} "
        f"evaluations per epoch; x {E:,} epochs = [bold]{s['numeric_evaluations']:,}[/] evaluations, "
        f"against 2 per epoch = [bold]{s['backprop_evaluations']:,}[/] for backprop.\n"
        f"Matmuls: {s['numeric_evaluations']:,} evaluations x {L} matmuls = "
        f"[bold]{s['numeric_matmuls']:,}[/]. The seed writes {s['seed_written_numeric_matmuls']:,}: its "
        f"figure counts each evaluation twice (it multiplies the {s['numeric_evaluations']:,} evaluations "
        f"by the {2 * L} matmuls of a tensor's 2 evaluations).",
        highlight=False,
    )


def _true_block(console: Console, t: dict[str, Any], E: int) -> None:
    console.rule("2. The true accounting: per scalar parameter")
    t2 = Table(show_edge=False)
    for col in ("method", "per gradient", f"over {E:,} epochs", "matmuls"):
        t2.add_column(col, justify="left" if col == "method" else "right", no_wrap=True)
    for method, r in _methods(t).items():
        t2.add_row(label(method), r["per_gradient"], f"{r['passes']:,}", f"{r['matmuls']:,}")
    console.print(f"N = {t['n_params']:,} parameters: a numerical gradient perturbs each one, not each tensor; "
                  "passes per gradient and over the epochs.", highlight=False)  # fmt: skip
    console.print(t2)


def _measured_block(console: Console, m: dict[str, Any], predicted: dict[str, Any], E: int) -> None:
    console.rule(f"3. Measured: {m['epochs']:,} full-batch epochs, one SGD step each, on {m['samples']} fixed samples")
    t3 = Table(show_edge=False)
    check = "= block 2" if m["epochs"] == E else f"= model at {m['epochs']:,} epochs"
    for col in ("method", "passes", "matmuls", check, "gradient time", "final loss"):
        t3.add_column(col, justify="left" if col == "method" else "right", no_wrap=True)
    for method, r in _methods(m).items():
        p = predicted[method]
        same = r["passes"] == p["passes"] and r["matmuls"] == p["matmuls"]
        t3.add_row(label(method), f"{r['passes']:,}", f"{r['matmuls']:,}", "yes" if same else "NO",
                   seconds(r["gradient_s"]), f"{r['final_train_loss']:.6g}")  # fmt: skip
    console.print(t3)
    console.print("passes and matmuls are counted while the runs ran; gradient time is the time spent in them.",
                  style="dim", highlight=False)  # fmt: skip
    slow, fast = list(_methods(m))
    console.print(f"{label(slow)} took [bold]{ratio(m['time_ratio'])}[/] the time of {label(fast)} for the "
                  "same training (the losses agree because the gradients do).", highlight=False)  # fmt: skip


def _seed_004_block(console: Console, s4: dict[str, Any]) -> None:
    console.rule("Seed 004: N(N+1) multiplications per numerical-gradient step")
    n = s4["small_n_params"]
    console.print(
        f"Counted on a bias-free network at batch 1 (N = {n}): one forward pass does "
        f"{s4['small_forward_multiplications']:,} multiplications (= N), one forward-difference step "
        f"{s4['small_step_multiplications']:,} (N(N+1) = {s4['small_predicted']:,}: "
        f"{'holds' if s4['holds'] else 'DOES NOT HOLD'}); backprop's step {s4['backprop_step_multiplications']:,}.\n"
        f"At N = {s4['target_n_params']:,}: N(N+1) = [bold]{s4['target_step_multiplications']:,}[/] "
        f"multiplications per step, about 10^{len(str(s4['target_step_multiplications'])) - 1}.",
        highlight=False,
    )


GridPoint = dict[str, Measurement]  # one grid point's rows, by method


def sweep_tables(rows: list[Measurement], width: int, wide: bool = False) -> list[Table]:
    """One line per grid point: N, backprop's time, and every other method's time ratio to it, in as
    many tables as the width needs (each keyed by L, H, B)."""
    ref = REFERENCE.name
    points: dict[tuple[int, int, int], GridPoint] = {}
    for r in rows:
        points.setdefault((r.layers, r.hidden, r.batch), {})[r.method] = r
    methods = list(dict.fromkeys(r.method for r in rows if r.method != ref))

    def first(p: GridPoint) -> Measurement:
        return next(iter(p.values()))

    def time_ratio(m: str) -> Callable[[GridPoint], str]:
        return lambda p: _mark(p[m]) + ratio(p[m].time_ratio) if m in p else "-"

    keys: list[Column[GridPoint]] = [
        Column("L", lambda p: str(first(p).layers)),
        Column("H", lambda p: str(first(p).hidden)),
        Column("B", lambda p: str(first(p).batch)),
    ]
    columns: list[Column[GridPoint]] = [
        Column("N", lambda p: f"{first(p).n_params:,}", 1),
        Column(ref, lambda p: seconds(p[ref].time_s) if ref in p else "-", 1),
        *(Column(label(m), time_ratio(m), 2) for m in methods),
    ]
    title = f"time per gradient relative to {ref} (~ estimated)"
    return fit(list(points.values()), keys, columns, width, title, wide)


def progress_bar(console: Console) -> Progress:
    """A transient bar with a count, a free-text field `info` and the time remaining."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,  # no animation into a log or a pipe
    )


def show_sweep(out: Console, result: SweepResult) -> None:
    if result.dropped_bytes:
        console(stderr=True).print(f"dropped a torn last line ({result.dropped_bytes} bytes) from {result.path}: "
                                   "its point is measured again", highlight=False)  # fmt: skip
    for t in sweep_tables(result.rows, out.width) if result.rows else []:
        out.print(t)
    out.print(f"{len(result.rows)} rows written to {result.path} ({result.skipped} points already there); "
              f"metadata in {meta_path(result.path)}", highlight=False)  # fmt: skip


def show_plot(out: Console, paths: tuple[Path, Path], summary: dict[str, Any]) -> None:
    out.print(f"wrote {paths[0]} and {paths[1]}", highlight=False)
    for line in plot_lines(summary):
        out.print(line, highlight=False)


def plot_lines(summary: dict[str, Any]) -> list[str]:
    """One line per plotted series: its log-log slope and where its ratio to backprop crosses 10x, 100x..."""
    lines = []
    for key, slope in summary["slopes"].items():
        method, rest = key.split(" ", 1)
        cross = summary["crossings"].get(key, {})
        where = ", ".join(f"{level}x at N ≈ {n:,.0f}" for level, n in cross.items())
        memory = summary["memory_slopes"][key]
        lines.append(
            f"{label(method)} ({rest}): "
            + (f"log-log slope {slope:.2f}" if math.isfinite(slope) else "one size: no slope")
            + (f", of peak memory {memory:.2f}" if math.isfinite(memory) else "")
            + (f"; ratio to {REFERENCE.name} reaches {where}" if where else "")
        )
    return lines


def show_changes(out: Console, changes: list[Change], threshold: float | None) -> None:
    for t in change_tables(changes, out.width):
        out.print(t)
    if threshold is not None and not any(c.slower_than(threshold) for c in changes):
        out.print(f"no method is slower than the baseline by more than {threshold:.0%} and its noise",
                  highlight=False)  # fmt: skip


def change_tables(changes: list[Change], width: int) -> list[Table]:
    """Per model and method: the old and new median times, the change and its noise band, a verdict."""

    def shape(c: Change) -> str:
        return f"L={c.new.layers} H={c.new.hidden} B={c.new.batch} {c.new.dtype}"

    keys: list[Column[Change]] = [Column("method", lambda c: label(c.new.method), justify="left")]
    columns: list[Column[Change]] = [
        Column("old", lambda c: _mark(c.old) + seconds(c.old.time_s), 1),
        Column("new", lambda c: _mark(c.new) + seconds(c.new.time_s), 1),
        Column("change", lambda c: f"{100 * c.change:+.1f}%", 1),
        Column("noise", lambda c: f"±{100 * c.noise:.1f}%", 1),
        Column("verdict", lambda c: c.verdict, 1, justify="left"),
    ]
    if len({shape(c) for c in changes}) > 1:  # several models: say which row is which
        columns.append(Column("model", shape, 2, justify="left"))
    return fit(changes, keys, columns, width, "median time per gradient, new against old")


def methods_table() -> Table:
    """The registry as a table: the name to pass, what it does, whether it samples, its tolerances."""
    t = Table(title="gradient methods (names for --methods; train's --gradient; check's --method)",
              title_justify="left")  # fmt: skip
    for col in ("name", "what it does", "sampled", "rtol f64", "rtol f32"):
        t.add_column(col, no_wrap=col != "what it does")
    for m in METHODS.values():
        tolerances = ("ref", "ref") if m is REFERENCE else (f"{m.rtol['float64']:.0e}", f"{m.rtol['float32']:.0e}")
        t.add_row(m.name, m.description, "yes" if m.sampleable else "no", *tolerances)
    return t


def show_bench(out: Console, targets: list[Target], meta: dict[str, Any], has_torch: bool) -> None:
    title = f"gradbench targets on {meta['cpu']}, {meta['blas_threads']} BLAS thread(s) (~ estimated)"
    out.print(bench_table(targets, title))
    if not has_torch:
        out.print("torch is not installed: the peer ratios were skipped (pip install -e '.[torch]').")


def bench_table(targets: list[Target], title: str) -> Table:
    """One line per performance target: what was measured, its bound, whether it holds."""
    t = Table(title=title, title_justify="left")
    for col in ("target", "measured", "bound", "holds", "detail"):
        text = col in ("target", "detail")  # text wraps; numbers and verdicts never do
        t.add_column(col, justify="left" if text else "right", no_wrap=not text)
    verdict = {True: "[green]yes[/]", False: "[red]NO[/]", None: "-"}
    for x in targets:
        bound = "-" if x.bound is None else ("<= " if x.kind == "max" else ">= ") + f"{x.bound:.3g}"
        t.add_row(x.name, ("~" if x.estimated else "") + f"{x.measured:.3g}", bound, verdict[x.holds], x.detail)
    return t


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


def write_points(points: list[Point], path: str | None, meta: dict[str, Any]) -> None:
    """The V-curves' points as CSV ('-': stdout), the model and the run's conditions in PATH.meta.json."""
    import pandas as pd

    if path:
        write_text(path, pd.DataFrame([vars(p) for p in points]).to_csv(index=False, na_rep="nan"))
        if path != STDOUT:
            write_json(meta_path(path), meta)


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
