"""Constants that depend on the machine, decided on it: a short calibration (well under a second), cached
per machine and NumPy/BLAS build in the user's cache directory, and recorded in every result's metadata.

- sigmoid_small: the array size below which sigmoid takes its clip-and-reciprocal route (each NumPy call's
  fixed cost decides) and above which its overflow-and-divide route (the cost per element decides).
- chunk_rows: the rows of a batched method's stacked chunk, the fewest at which its GEMMs run as fast as any here.

Every choice gives the same gradients (to round-off) and counts that equal the cost model's for it (the
tests hold both); only the speed depends on it. `gradbench bench --recalibrate` redoes the calibration.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

SIZES = (256, 1024, 4096, 16384)  # sigmoid sizes tried
ROWS = (256, 512, 1024, 2048)  # chunk rows tried (at least 256: a small model's layer stays one chunk)
WIDTH = 100  # the width the chunk's GEMMs are timed at
DEFAULT = {"sigmoid_small": 4096, "chunk_rows": 1024}  # where no calibration is possible (and the tests' start)


@dataclass(frozen=True)
class Tuning:
    sigmoid_small: int
    chunk_rows: int
    source: str = "default"  # "calibrated", "cached" or "default"
    seconds: float = 0.0  # what the calibration took

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_CURRENT: list[Tuning] = []


def current() -> Tuning:
    """The machine's tuning: this process's, else the cached one, else calibrated now (and cached)."""
    if not _CURRENT:
        use(_cached() or _calibrate_and_cache())
    return _CURRENT[0]


def use(t: Tuning) -> Tuning:
    """Make `t` the tuning in force (the tests try every choice)."""
    from . import activations

    _CURRENT[:] = [t]
    activations.SMALL = t.sigmoid_small
    return t


def recalibrate() -> Tuning:
    """Calibrate again, replacing the cached choice."""
    return use(_calibrate_and_cache())


def cache_path() -> Path:
    """The cache file of this machine and NumPy/BLAS build, in the user's cache directory."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("gradbench")) / f"tuning-{_build_key()}.json"


def _build_key() -> str:
    from threadpoolctl import threadpool_info

    from ..io.machine import cpu

    blas = [(i.get("internal_api"), i.get("version"), i.get("architecture")) for i in threadpool_info()]
    text = json.dumps([platform.machine(), cpu(), np.__version__, blas], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _cached() -> Tuning | None:
    try:
        doc = json.loads(cache_path().read_text())
        return Tuning(int(doc["sigmoid_small"]), int(doc["chunk_rows"]), "cached", float(doc.get("seconds", 0.0)))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none yet, or torn or foreign: calibrate again


def _calibrate_and_cache() -> Tuning:
    t = calibrate()
    try:  # whole or not at all: a temporary file beside it, renamed over it (two calibrations agree to noise)
        path = cache_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(t.as_dict()))
        os.replace(tmp, path)
    except OSError:  # a read-only home: the tuning holds for this process only
        pass
    return t


def calibrate() -> Tuning:
    """Time sigmoid's two routes at a few sizes and the chunk's GEMMs at a few row counts: the smallest
    size where the per-element route wins, and the fewest rows within 5% of the most FLOP/s."""
    start = time.perf_counter()
    small = next((n for n in SIZES if _best(_large_route, n) < _best(_small_route, n)), SIZES[-1] * 4)
    rates = {}
    W = np.random.default_rng(0).standard_normal((WIDTH, WIDTH))
    for rows in ROWS:
        A, out = np.random.default_rng(1).standard_normal((rows, WIDTH)), np.empty((rows, WIDTH))
        rates[rows] = rows / _best(lambda A=A, out=out: np.dot(A, W, out), repeats=5)
    return Tuning(small, fewest_fast(rates), "calibrated", time.perf_counter() - start)


CLOSE = 0.05  # rates within 5% are one rate: 512 to 2,048 rows ran within 4% here, and the fastest changed


def fewest_fast(rates: dict[int, float]) -> int:
    """The fewest rows whose rate is within CLOSE of the best: the fastest to timing noise, the least
    memory, and the same choice from one calibration to the next (the fastest alone flipped between 512
    and 2,048 rows here)."""
    best = max(rates.values())
    return min(rows for rows, rate in rates.items() if rate >= (1 - CLOSE) * best)


def _small_route(z: np.ndarray, out: np.ndarray) -> None:
    np.negative(z, out)
    np.minimum(out, 709.0, out=out)
    np.exp(out, out)
    np.add(out, 1.0, out)
    np.reciprocal(out, out)


def _large_route(z: np.ndarray, out: np.ndarray) -> None:
    np.negative(z, out)
    with np.errstate(over="ignore"):
        np.exp(out, out)
    np.add(out, 1.0, out)
    np.divide(1.0, out, out)


def _best(f: Any, n: int | None = None, repeats: int = 7) -> float:
    """The fastest of `repeats` timings of f (on n elements when n is given), each of enough calls to
    take about 2 ms."""
    if n is not None:
        z, out = np.random.default_rng(2).standard_normal(n), np.empty(n)
        g = f
        f = lambda: g(z, out)  # noqa: E731
    f()
    t0 = time.perf_counter()
    f()
    loops = max(1, int(2e-3 / max(time.perf_counter() - t0, 1e-7)))
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(loops):
            f()
        best = min(best, (time.perf_counter() - t0) / loops)
    return best


def with_chunk_rows(rows: int) -> Tuning:
    """The tuning in force with another chunk size (the tests try every choice)."""
    return use(replace(current(), chunk_rows=rows))
