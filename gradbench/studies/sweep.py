"""Sweeps: every grid point measured like `compare`, each finished point's rows appended to the CSV
and flushed before the next point starts, so an interrupted sweep leaves a valid file of finished
rows that `--resume` continues. `read_sweep` is the one reader of such files (resume and plot).
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import GradbenchError, Interrupted
from ..io.files import append, check_writable, cut_to, locked, meta_path, real, whole_lines, write_json
from ..measure.conditions import Conditions, metadata
from ..measure.estimate import refuse_past
from ..measure.records import (
    ADDED,
    BOOLEAN,
    COLUMNS,
    INTEGER,
    KEY,
    NUMERIC,
    OPTIONAL,
    SPEC_COLUMNS,
    Measurement,
    frame,
    impossible,
)
from ..measure.run import Settings, measure_methods
from ..measure.stats import DESCRIPTION
from ..methods import REFERENCE
from ..model.spec import Spec


def grid(layers: list[int], hidden: list[int], batch: list[int], activation: str, dtype: str, seed: int) -> list[Spec]:
    """Every combination, ordered by model size so an interrupted sweep has the small points done."""
    specs = [
        Spec(layers=L, hidden=H, batch=B, activation=activation, dtype=dtype, seed=seed)
        for L, H, B in itertools.product(layers, hidden, batch)
    ]
    return sorted(specs, key=lambda s: (s.n_params * s.batch, s.layers, s.hidden, s.batch))


def read_sweep(path: Path, need_rows: bool = True) -> list[Measurement]:
    """The one reader of sweep CSVs (resume and plot): see parse_sweep."""
    if path.is_dir():
        raise GradbenchError(f"cannot read {path}: it is a directory, not a sweep CSV")
    if not path.is_file():
        raise GradbenchError(f"cannot read {path}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise GradbenchError(f"cannot read {path}: {e}") from None
    return parse_sweep(text, path, need_rows)


def parse_sweep(text: str, path: Path, need_rows: bool = True, resuming: bool = False) -> list[Measurement]:
    """Rows of a sweep CSV: exactly the Measurement columns (to read, a file from before the intervals may
    lack them; to resume, it must not: its rows would not line up), every cell of its column's kind and
    range, each row read back into the record. Anything else is refused with the reason. An empty text is
    a sweep stopped before its first point (no rows)."""
    import io

    import pandas as pd

    if not text.strip():
        if need_rows:
            raise GradbenchError(f"{path} is an empty sweep CSV: no rows")
        return []
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise GradbenchError(f"{path} is not a sweep CSV: it cannot be parsed ({reason})") from None
    missing = [c for c in COLUMNS if c not in table.columns]
    if not resuming and set(missing) <= set(ADDED) and len(table.columns) == len(COLUMNS) - len(missing):
        table = table.assign(**dict.fromkeys(missing, "nan"))  # a 0.2.0 sweep: no intervals, read as NaN
        missing = []
    if missing or len(table.columns) != len(COLUMNS):
        what = f"missing columns {', '.join(missing[:4])}" + ("..." if len(missing) > 4 else "")
        raise GradbenchError(f"{path} is not a sweep CSV{' to resume' if resuming else ''}: "
                             f"{what if missing else 'extra columns'}")  # fmt: skip
    if need_rows and table.empty:
        raise GradbenchError(f"{path} is a sweep CSV with no rows")
    for column in NUMERIC:
        cells = table[column]
        missing = cells.eq("") | cells.str.lower().eq("nan")
        if column in INTEGER:  # whole numbers, written as such: read exactly, not through a float
            ok = cells.str.fullmatch(r"-?[0-9]+") | (missing & (column in OPTIONAL))
            values = pd.Series([int(v) if re.fullmatch(r"-?[0-9]+", v) else None for v in cells], dtype=object)
        else:  # "nan" and "inf" read as themselves
            values = pd.to_numeric(cells, errors="coerce")
            ok = values.notna() | cells.str.lower().eq("nan") | (missing & (column in OPTIONAL))
        if not ok.all():
            line = int((~ok).to_numpy().nonzero()[0][0]) + 2  # 1-based, after the header
            raise GradbenchError(f"{path}, line {line}: {column} is {cells[~ok].iloc[0]!r}, not a number of its kind")
        table[column] = values.astype(object).where(~missing, None) if column in OPTIONAL else values
    for column in BOOLEAN:
        ok = table[column].str.lower().isin(["true", "false"])
        if not ok.all():
            line = int((~ok).to_numpy().nonzero()[0][0]) + 2
            raise GradbenchError(f"{path}, line {line}: {column} is {table[column][~ok].iloc[0]!r}, not True or False")
        table[column] = table[column].str.lower().eq("true")
    rows = [Measurement(**record) for record in table[list(COLUMNS)].to_dict("records")]
    for line, r in enumerate(rows, start=2):
        problem = impossible(r)
        if problem:
            raise GradbenchError(f"{path}, line {line}: {problem}")
    return rows


def done_keys(rows: list[Measurement], spec: Spec) -> set[tuple[str, ...]]:
    """The (spec, method) keys already in a sweep, refusing a sweep of other conditions."""
    for column in ("activation", "dtype", "seed"):
        value = str(getattr(spec, column))
        found = {str(getattr(r, column)) for r in rows}
        if found - {value}:
            raise GradbenchError(
                f"cannot resume: the file was swept with {column} {', '.join(sorted(found))}, not {value}"
            )
    return {row_key(getattr(r, c) for c in KEY) for r in rows}


def row_key(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


@dataclass(frozen=True)
class Sweep:
    """A grid to measure into one CSV, and how."""

    path: Path
    specs: list[Spec]
    methods: list[str]
    settings: Settings
    grid_text: dict[str, str]  # the grid as the user wrote it, for the metadata
    resume: bool = False
    force: bool = False

    def conditions(self, threads: int) -> dict[str, Any]:
        """What every row of the file must share: resume refuses a run that differs in any of these."""
        from ..version import __version__

        first = self.specs[0]
        return {
            **self.grid_text, "activation": first.activation, "dtype": first.dtype, "seed": first.seed,
            "eps": self.settings.eps, "budget_s": self.settings.budget_s, "memory_bytes": self.settings.memory,
            "threads": threads, "gradbench": __version__,
        }  # fmt: skip


@dataclass(frozen=True)
class SweepResult:
    rows: list[Measurement]  # measured by this run
    skipped: int  # points already in the file
    path: Path  # where the rows are (the CSV, or CSV.partial while a --force run is unfinished)
    dropped_bytes: int = 0  # a torn last line cut from the file before resuming


LIMIT_S = 3600.0  # a sweep that may take longer than this needs --yes


def predict_seconds(sweep: Sweep) -> float:
    """An upper bound on the sweep's time: every method of every point (and the reference, which is always
    measured) uses at most its budget, a method too slow for it being sampled; 30% for the probes."""
    per_point = (len(set(sweep.methods) | {REFERENCE.name}) + bool(sweep.settings.peer)) * sweep.settings.budget_s
    return 1.3 * len(sweep.specs) * per_point


@dataclass(frozen=True)
class Plan:
    """What a sweep is about to measure, stated before it starts."""

    axes: dict[str, list[int]]  # the grid's values of L, H and B: the sweep is every combination
    points: int  # in the grid
    todo: int  # not already in the file
    methods: int
    expected_s: float  # from the cost model and one timed forward pass per point (measure/estimate.py)
    bound_s: float  # every method of every point to measure taking its whole budget (predict_seconds)


def plan(sweep: Sweep, done: set[tuple[str, ...]]) -> Plan:
    """The grid, the points left to measure and how long they should take."""
    from ..measure.estimate import gradient_seconds, measure_seconds, pass_seconds
    from ..methods.registry import METHODS

    todo = [s for s in sweep.specs if any(row_key([*_values(s), m]) not in done for m in sweep.methods)]
    measured = set(sweep.methods) | {REFERENCE.name}  # the reference is measured at every point
    expected = 0.0
    for spec in todo:
        t_pass = pass_seconds(spec)
        expected += sum(measure_seconds(gradient_seconds(m, spec, t_pass), sweep.settings.budget_s,
                                        METHODS[m].sampleable) for m in measured)  # fmt: skip
    axes = {name: sorted({getattr(s, name) for s in sweep.specs}) for name in ("layers", "hidden", "batch")}
    bound = predict_seconds(sweep) * len(todo) / len(sweep.specs)
    return Plan(axes, len(sweep.specs), len(todo), len(sweep.methods), expected, bound)


def _values(spec: Spec) -> list[Any]:
    return [getattr(spec, c) for c in SPEC_COLUMNS]


def check(sweep: Sweep, yes: bool = False) -> None:
    """Refuse, before any work, an output that cannot be written or would be lost, a point too big for
    memory, or a grid predicted to run past LIMIT_S without --yes."""
    if not yes:
        points = f"a sweep of {len(sweep.specs):,} points x {len(sweep.methods)} methods"
        refuse_past(predict_seconds(sweep), LIMIT_S, points, "pass --yes to run it, or a smaller grid or --budget")
    if str(sweep.path) in ("-", ""):
        raise GradbenchError("sweep writes a file it can resume: give --csv a path (compare --csv - streams rows)")
    check_writable(sweep.path, force=True)
    if sweep.path.exists() and not (sweep.resume or sweep.force):
        raise GradbenchError(f"{sweep.path} exists: pass --resume to continue it or --force to replace it")
    if not (sweep.force or (sweep.resume and sweep.path.exists())):  # a fresh sweep: no metadata of another
        check_writable(meta_path(sweep.path))  # refuses a CSV.meta.json left without its CSV
    for spec in sweep.specs:
        spec.check_fits()
        sweep.settings.check_memory(spec, sweep.methods)


def _history(sweep: Sweep, path: Path, run: dict[str, Any], conditions: dict[str, Any]) -> dict[str, Any]:
    """The metadata to write: the file's fixed conditions, and every run's own metadata, kept in order.
    Resuming, the file's conditions must equal this run's (the differing fields are named)."""
    meta_file = Path(meta_path(path))
    runs: list[dict[str, Any]] = []
    if sweep.resume and path.exists():
        try:
            old = json.loads(meta_file.read_text(encoding="utf-8"))
            before, runs = old["sweep"], old["runs"]
            if not isinstance(before, dict) or not isinstance(runs, list):
                raise TypeError("sweep must be an object and runs a list")
        except FileNotFoundError:
            raise GradbenchError(f"cannot resume {path}: no {meta_file}, so its conditions are unknown") from None
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
            raise GradbenchError(f"cannot resume {path}: {meta_file} is not a gradbench sweep's metadata") from None
        differ = [k for k in conditions if before.get(k) != conditions[k]]
        if differ:
            was = ", ".join(f"{k} {before.get(k)}" for k in differ)
            now = ", ".join(f"{conditions[k]}" for k in differ)
            raise GradbenchError(f"cannot resume {path}: it was swept with {was} (this run: {now}); "
                                 "pass the same options, or write to a new --csv")  # fmt: skip
    runs.append({**run, "methods": sweep.methods})
    grid = {**sweep.grid_text, "methods": sweep.methods, "budget_s": sweep.settings.budget_s,
            "memory_bytes": sweep.settings.memory}  # fmt: skip
    return {**run, "grid": grid, "sweep": conditions, "runs": runs, "intervals": DESCRIPTION}


def run_sweep(
    sweep: Sweep,
    conditions: Conditions,
    on_point: Callable[[Spec, str], None] | None = None,
    on_done: Callable[[Spec], None] | None = None,
    on_plan: Callable[[Plan], None] | None = None,
) -> SweepResult:
    """Measure every point not already in the CSV, one writer at a time, saying first (on_plan) what it
    will measure and how long that should take. A --force run over an existing file writes CSV.partial and
    renames it onto the CSV only when complete: the old file is never cut short."""
    with locked(sweep.path, "sweep"):
        exists = sweep.path.exists()
        if exists and not (sweep.resume or sweep.force):  # made since check() by something else: keep it
            raise GradbenchError(f"{sweep.path} appeared while this sweep started: it was kept; pass --resume "
                                 "to continue it or --force to replace it")  # fmt: skip
        resume = sweep.resume and exists
        path = sweep.path if resume or not exists else Path(f"{sweep.path}.partial")
        done: set[tuple[str, ...]] = set()
        dropped = 0
        if resume:  # every check reads; the file is changed only once all of them pass
            text, dropped = whole_lines(path)  # its whole lines: columns and cells checked by parse_sweep
            done = done_keys(parse_sweep(text, path, need_rows=False, resuming=True), sweep.specs[0])
        meta = _history(sweep, path, metadata(conditions), sweep.conditions(conditions.threads))
        if on_plan:
            on_plan(plan(sweep, done))
        if dropped:
            cut_to(path, os.path.getsize(path) - dropped)
        write_json(meta_path(path), meta)
        fresh = 0 if resume else os.O_EXCL if path == sweep.path else os.O_TRUNC  # CSV.partial: this run's own
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | fresh, 0o666)
        except FileExistsError:
            raise GradbenchError(f"{path} appeared while this sweep started: it was kept") from None
        try:
            rows, skipped = _measure_points(sweep, fd, path, done, on_point, on_done)
        finally:
            os.close(fd)
        if path != sweep.path:  # onto what the CSV path names: through a symlink, its target
            os.replace(meta_path(path), real(meta_path(sweep.path)))
            os.replace(path, real(sweep.path))
    return SweepResult(rows, skipped, sweep.path, dropped)


def _measure_points(
    sweep: Sweep,
    fd: int,
    path: Path,
    done: set[tuple[str, ...]],
    on_point: Callable[[Spec, str], None] | None,
    on_done: Callable[[Spec], None] | None,
) -> tuple[list[Measurement], int]:
    """Each point's rows appended whole and fsynced before the next point starts. Ctrl-C at any moment
    leaves the file ending on a whole point and says how many are in it."""
    new_rows: list[Measurement] = []
    skipped, kept, header = 0, 0, os.fstat(fd).st_size == 0
    try:
        for spec in sweep.specs:
            todo = [m for m in sweep.methods if row_key([*_values(spec), m]) not in done]
            if todo:
                on_method = partial(on_point, spec) if on_point else None
                rows = measure_methods(spec, todo, sweep.settings, on_method=on_method)
                append(fd, frame(rows).to_csv(index=False, header=header, na_rep="nan").encode(), path)
                header, new_rows = False, new_rows + rows
            else:
                skipped += 1
            kept += 1
            if on_done and todo:
                on_done(spec)
    except KeyboardInterrupt:  # append is whole or undone, so the file holds exactly the kept points
        how = "--resume" if path == sweep.path else f"--resume --csv {path}"
        raise Interrupted(f"interrupted: {kept} of {len(sweep.specs)} points kept in {path}; {how} continues") from None
    return new_rows, skipped
