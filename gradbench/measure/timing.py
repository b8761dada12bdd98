"""Calibrated wall-clock measurement: warm-up, loops grown until a round is long enough, many rounds,
median with its spread, and every round's time kept (measure/stats.py draws the intervals from them).
The garbage collector is off while timing; BLAS threads are pinned by the caller.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

MIN_ROUND_S = 0.005  # a round shorter than this is dominated by timer and loop overhead
MIN_ROUNDS, MAX_ROUNDS = 6, 15  # 6: the fewest whose min...max brackets the median at 95%


@dataclass(frozen=True)
class Timing:
    """Seconds per call: median and spread over rounds. `estimated` marks an extrapolated figure."""

    median: float
    q1: float
    q3: float
    min: float
    max: float
    rounds: int
    loops: int
    mean: float = math.nan
    stdev: float = math.nan  # the sample standard deviation over rounds (NaN for one round)
    estimated: bool = False
    sampled: int | None = None  # gradient entries actually timed, when extrapolated
    per_round: tuple[float, ...] = ()  # seconds per call of each round, in the order timed

    def extrapolated(self, base: float, factor: float, sampled: int) -> Timing:
        """A sample's timing scaled to the full run, base + factor * (t - base) for every statistic t:
        the fixed cost `base` once, the per-entry part `factor` times (never below zero)."""

        def f(t: float) -> float:
            return base + factor * max(t - base, 0.0)

        return replace(
            self,
            median=f(self.median),
            q1=f(self.q1),
            q3=f(self.q3),
            min=f(self.min),
            max=f(self.max),
            mean=f(self.mean),
            stdev=factor * self.stdev,
            per_round=tuple(f(t) for t in self.per_round),
            estimated=True,
            sampled=sampled,
        )


@contextmanager
def gc_off() -> Iterator[None]:
    """The garbage collector off for the block (a collection mid-round is noise, not the method's cost)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def quantile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolation quantile (numpy's default), on an already sorted list."""
    pos = (len(sorted_values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summarize(per_call: list[float], loops: int = 1) -> Timing:
    """The statistics of rounds given in the order they were timed (kept so, for pairing)."""
    v = sorted(per_call)
    mean = statistics.fmean(v)
    stdev = statistics.stdev(v, mean) if len(v) > 1 else math.nan
    q = (quantile(v, 0.5), quantile(v, 0.25), quantile(v, 0.75))
    return Timing(*q, v[0], v[-1], len(v), loops, mean, stdev, per_round=tuple(per_call))


def once(fn: Callable[[], object]) -> float:
    """Seconds for a single call, garbage collector off."""
    with gc_off():
        t = time.perf_counter_ns()
        fn()
        return (time.perf_counter_ns() - t) * 1e-9


def plan(first: float, budget_s: float, max_rounds: int = MAX_ROUNDS) -> tuple[int, int]:
    """(calls per round, rounds) for a call of `first` seconds: rounds of at least MIN_ROUND_S, MIN_ROUNDS
    to max_rounds of them within the budget (fewer, down to one, where MIN_ROUNDS would overrun it)."""
    loops = max(1, math.ceil(MIN_ROUND_S / max(first, 1e-9)))
    fit = budget_s / max(first * loops, 1e-9)
    rounds = int(min(max_rounds, max(MIN_ROUNDS, fit)))
    if first * loops * MIN_ROUNDS > budget_s:
        rounds = max(1, min(rounds, int(fit)))
    return loops, rounds


def measure(
    fn: Callable[[], object], budget_s: float = 1.0, max_rounds: int = MAX_ROUNDS, warmup: int = 1,
    runs: int | None = None,
) -> Timing:  # fmt: skip
    """Time fn: `warmup` calls discarded, then rounds of `loops` calls each until the budget is spent
    (or exactly `runs` rounds)."""
    first = min(once(fn) for _ in range(max(1, warmup)))  # caches, lazy allocations, BLAS thread start
    loops, rounds = plan(first, budget_s, max_rounds)
    rounds = runs or rounds
    per_call = []
    with gc_off():
        for _ in range(rounds):
            t = time.perf_counter_ns()
            for _ in range(loops):
                fn()
            per_call.append((time.perf_counter_ns() - t) * 1e-9 / loops)
    return summarize(per_call, loops)


def interleaved(
    fns: dict[str, Callable[[], object]], rounds: int = 7, min_round_s: float = MIN_ROUND_S
) -> dict[str, Timing]:
    """Time several functions round-robin, so machine noise (another process, a frequency change)
    falls on all of them alike; their ratio is then a fair comparison within one run."""
    loops: dict[str, int] = {}
    for name, fn in fns.items():
        first = once(fn)  # warm-up and calibration
        loops[name] = max(1, math.ceil(min_round_s / max(first, 1e-9)))
    per_call: dict[str, list[float]] = {name: [] for name in fns}
    with gc_off():
        for _ in range(rounds):
            for name, fn in fns.items():
                t = time.perf_counter_ns()
                for _ in range(loops[name]):
                    fn()
                per_call[name].append((time.perf_counter_ns() - t) * 1e-9 / loops[name])
    return {name: summarize(v, loops[name]) for name, v in per_call.items()}
