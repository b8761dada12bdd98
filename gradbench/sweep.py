"""Sweeps: every grid point measured like `compare`, each finished point's rows appended to the CSV
and flushed before the next point starts, so an interrupted sweep leaves a valid file of finished
rows that `--resume` continues. `read_sweep` is the one reader of such files (resume and plot).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .conditions import Conditions, metadata
from .files import check_writable, write_json
from .measure import Settings, measure_methods
from .results import BOOLEAN, COLUMNS, INTEGER, KEY, NUMERIC, OPTIONAL, SPEC_COLUMNS, Measurement, frame, meta_path
from .spec import GradbenchError, Spec

if TYPE_CHECKING:
    pass


def grid(layers: list[int], hidden: list[int], batch: list[int], activation: str, dtype: str, seed: int) -> list[Spec]:
    """Every combination, ordered by model size so an interrupted sweep has the small points done."""
    specs = [
        Spec(layers=L, hidden=H, batch=B, activation=activation, dtype=dtype, seed=seed)
        for L, H, B in itertools.product(layers, hidden, batch)
    ]
    return sorted(specs, key=lambda s: (s.n_params * s.batch, s.layers, s.hidden, s.batch))


def read_sweep(path: Path, need_rows: bool = True) -> list[Measurement]:
    """The one reader of sweep CSVs (resume and plot): exactly the Measurement columns, every cell of
    its column's kind, each row read back into the record. Anything else is refused with the reason."""
    import pandas as pd

    if not path.is_file():
        raise GradbenchError(f"cannot read {path}: no such file")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise GradbenchError(f"{path} is not a sweep CSV: it cannot be parsed ({reason})") from None
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing or len(table.columns) != len(COLUMNS):
        what = f"missing columns {', '.join(missing[:4])}" + ("..." if len(missing) > 4 else "")
        raise GradbenchError(f"{path} is not a sweep CSV: {what if missing else 'extra columns'}")
    if need_rows and table.empty:
        raise GradbenchError(f"{path} has no rows")
    for column in NUMERIC:
        text = table[column]
        values = pd.to_numeric(text, errors="coerce")
        bad = values.isna() & ~(text.eq("") & (column in OPTIONAL))
        if bad.any():
            line = int(bad.to_numpy().nonzero()[0][0]) + 2  # 1-based, after the header
            raise GradbenchError(f"{path}, line {line}: {column} is {text[bad].iloc[0]!r}, not a number")
        table[column] = values.astype(object).where(values.notna(), None)
    for column in INTEGER:
        table[column] = table[column].map(lambda v: None if v is None else int(v))
    for column in BOOLEAN:
        table[column] = table[column].str.lower().eq("true")
    return [Measurement(**record) for record in table[list(COLUMNS)].to_dict("records")]


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


def append_rows(fd: int, rows: list[Measurement], header: bool) -> None:
    """One write() of whole CSV lines, then fsync: a kill leaves the file ending on a full row."""
    text = frame(rows).to_csv(index=False, header=header)
    os.write(fd, text.encode())
    os.fsync(fd)


@dataclass(frozen=True)
class Sweep:
    """A grid to measure into one CSV, and how."""

    path: Path
    specs: list[Spec]
    methods: list[str]
    settings: Settings
    grid_text: dict[str, str]  # the grid as the user wrote it, for the metadata
    resume: bool = False


def check(sweep: Sweep, force: bool) -> None:
    """Refuse, before any work, an output that cannot be written or would be lost, or a point too big."""
    check_writable(sweep.path)
    if sweep.path.exists() and not (sweep.resume or force):
        raise GradbenchError(f"{sweep.path} exists: pass --resume to continue it or --force to replace it")
    for spec in sweep.specs:
        spec.check_fits()


def run_sweep(
    sweep: Sweep,
    conditions: Conditions,
    on_point: Callable[[Spec, str], None] | None = None,
    on_done: Callable[[Spec], None] | None = None,
) -> tuple[list[Measurement], int]:
    """Measure every point not already in the CSV; returns (the new rows, points skipped)."""
    path, resume = sweep.path, sweep.resume and sweep.path.exists()
    done = done_keys(read_sweep(path, need_rows=False), sweep.specs[0]) if resume else set()
    meta = metadata(conditions)
    meta["grid"] = {
        **sweep.grid_text,
        "methods": sweep.methods,
        "budget_s": sweep.settings.budget_s,
        "memory_bytes": sweep.settings.memory,
    }
    write_json(meta_path(path), meta)
    header = not (resume and path.stat().st_size > 0)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | (0 if resume else os.O_TRUNC), 0o666)
    new_rows: list[Measurement] = []
    skipped = 0
    try:
        for spec in sweep.specs:
            spec_values = [getattr(spec, c) for c in SPEC_COLUMNS]
            todo = [m for m in sweep.methods if row_key([*spec_values, m]) not in done]
            if not todo:
                skipped += 1
                continue
            rows = measure_methods(spec, todo, sweep.settings, on_method=partial(on_point, spec) if on_point else None)
            append_rows(fd, rows, header)
            header = False
            new_rows += rows
            if on_done:
                on_done(spec)
    finally:
        os.close(fd)
    return new_rows, skipped
