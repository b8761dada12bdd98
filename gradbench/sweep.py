"""Sweeps: every grid point measured like `compare`, each finished point's rows appended to the CSV
and flushed before the next point starts, so an interrupted sweep leaves a valid file of finished
rows that `--resume` continues."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

from .results import SPEC_COLUMNS, Row
from .spec import GradbenchError, Spec

COLUMNS = [f.name for f in fields(Row)]
KEY = [*SPEC_COLUMNS, "method"]  # what identifies a row of a sweep
_RANGE = re.compile(r"^(\d+)\.\.(\d+)(?:([x+])(\d+))?$")


def parse_list(text: str, option: str) -> list[int]:
    """'1,2,3', '4..256x2' (geometric), '1..4' or '8..64+8' (arithmetic), or a mix: '1,4..16x2'."""
    values: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part.isdigit():
            values.append(int(part))
            continue
        m = _RANGE.match(part)
        if not m:
            raise GradbenchError(f"{option}: cannot read {part!r}: use a list like 1,2,3 or a range like 4..256x2")
        lo, hi, op, step = int(m[1]), int(m[2]), m[3] or "+", int(m[4] or 1)
        if lo > hi or (op == "x" and (step < 2 or lo < 1)) or (op == "+" and step < 1):
            raise GradbenchError(f"{option}: range {part!r} is empty or never ends")
        v = lo
        while v <= hi:
            values.append(v)
            v = v * step if op == "x" else v + step
    if not values:
        raise GradbenchError(f"{option} is empty: give at least one value")
    if min(values) < 1:
        raise GradbenchError(f"{option}: sizes must be positive, got {min(values)}")
    return list(dict.fromkeys(values))


def grid(layers: list[int], hidden: list[int], batch: list[int], activation: str, dtype: str,
         seed: int) -> list[Spec]:
    """Every combination, ordered by model size so an interrupted sweep has the small points done."""
    specs = [Spec(layers=L, hidden=H, batch=B, activation=activation, dtype=dtype, seed=seed)
             for L, H, B in itertools.product(layers, hidden, batch)]
    return sorted(specs, key=lambda s: (s.n_params * s.batch, s.layers, s.hidden, s.batch))


def row_key(values) -> tuple:
    return tuple(str(v) for v in values)


def done_keys(path: Path, activation: str, dtype: str, seed: int) -> set[tuple]:
    """The (spec, method) keys already in a sweep CSV, refusing a file that is not this sweep's."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise GradbenchError(f"cannot resume {path}: not a readable sweep CSV ({str(e).splitlines()[0]})") from None
    if list(frame.columns) != COLUMNS:
        raise GradbenchError(f"cannot resume {path}: its columns are not those of a gradbench sweep")
    for column, value in (("activation", activation), ("dtype", dtype), ("seed", str(seed))):
        found = set(frame[column])
        if found - {value}:
            raise GradbenchError(
                f"cannot resume {path}: it was swept with {column} {', '.join(sorted(found))}, not {value}")
    return {row_key(r) for r in frame[KEY].itertuples(index=False)}


def append_rows(fd: int, rows: list[Row], header: bool) -> None:
    """One write() of whole CSV lines, then fsync: a kill leaves the file ending on a full row."""
    from .report import frame

    text = frame(rows)[COLUMNS].to_csv(index=False, header=header)
    os.write(fd, text.encode())
    os.fsync(fd)


def run_sweep(path: Path, specs: list[Spec], methods: list[str], budget_s: float, eps: float | None,
              memory: int, resume: bool, on_point: Callable[[Spec, str], None] | None = None,
              on_done: Callable[[Spec, list[Row]], None] | None = None) -> tuple[list[Row], int]:
    """Measure every point not already in `path`; returns (the new rows, points skipped)."""
    from .compare import measure_methods

    done = done_keys(path, specs[0].activation, specs[0].dtype, specs[0].seed) if resume and path.exists() else set()
    header = not (resume and path.exists() and path.stat().st_size > 0)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | (0 if resume else os.O_TRUNC), 0o644)
    new_rows, skipped = [], 0
    try:
        for spec in specs:
            spec_values = [getattr(spec, c) for c in SPEC_COLUMNS]
            todo = [m for m in methods if row_key([*spec_values, m]) not in done]
            if not todo:
                skipped += 1
                continue
            spec.check_fits()
            rows = measure_methods(spec, todo, budget_s, eps, memory=memory,
                                   on_method=(lambda m, s=spec: on_point(s, m)) if on_point else None)
            append_rows(fd, rows, header)
            header = False
            new_rows += rows
            if on_done:
                on_done(spec, rows)
    finally:
        os.close(fd)
    return new_rows, skipped
