"""Measure every method on one model: exact counts, calibrated timing, error against backprop ->
Measurements.

A method predicted to take longer than its budget is timed on a random sample of its perturbations
and extrapolated: t_full = t_base + N * (t_sample - t_base) / k. Such a measurement is marked estimated
and its counts come from the cost model (which the tests hold equal to the counters).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import GradbenchError
from ..io.machine import available_memory
from ..io.units import sizes
from ..io.values import positive_finite
from ..methods import BACKPROP_CHECKPOINT, REFERENCE
from ..methods.registry import DEFAULT_MEMORY, METHODS, GradientResult, Method, Options, relative_error
from ..methods.segments import SegmentChoice, segments
from ..model.mlp import MLP
from ..model.ops import Counter
from ..model.spec import Spec
from .records import Measurement
from .timing import MIN_ROUNDS, Timing, measure, once

PROBE = 8  # perturbations timed once to predict a method's full time


@dataclass(frozen=True)
class Settings:
    """How to measure: seconds of timing per method, the finite-difference step, the batched methods'
    buffer budget, and an optional outside peer."""

    budget_s: float = 10.0
    eps: float | None = None
    memory: int = DEFAULT_MEMORY
    peer: str | None = None
    threads: int = 1
    warmup: int = 1  # calls discarded before timing
    runs: int | None = None  # rounds timed; None: as many as the budget allows (6 to 15)
    segments: SegmentChoice = None  # of checkpointed backprop; None: about sqrt(L); 'auto': to --memory

    def __post_init__(self) -> None:
        positive_finite("--eps", self.eps)
        positive_finite("--budget", self.budget_s)
        have = available_memory()
        if self.memory > have:
            asked, available = sizes(self.memory, have)
            raise GradbenchError(f"--memory {asked} is more than the {available} available")

    def check(self, spec: Spec, methods: list[str]) -> None:
        """Everything to refuse before measuring: memory for the model and each method, the reference's
        time against the budget, and the peer's package."""
        spec.check_fits()
        if self.segments is not None and BACKPROP_CHECKPOINT.name not in methods:
            raise GradbenchError(f"--segments is for {BACKPROP_CHECKPOINT.name}, which --methods does not include")
        if isinstance(self.segments, int):
            segments(spec.layers, self.segments)  # refuses a count that does not fit the layers
        self.check_memory(spec, methods)
        self.check_time(spec)
        if self.peer is not None:
            from ..peers import load

            load(self.peer)

    def check_time(self, spec: Spec) -> None:
        """Every method but the reference is sampled to fit the budget; the reference (backprop) cannot be,
        and is timed at least twice: refuse, before any work, a model whose gradient alone would overrun
        the budget threefold (its time from the cost model and one timed forward pass)."""
        from .estimate import duration, gradient_seconds, pass_seconds

        one = gradient_seconds(REFERENCE.name, spec, pass_seconds(spec))
        if 2 * one > 3 * self.budget_s:
            raise GradbenchError(f"one {REFERENCE.name} gradient of this model is predicted to take {duration(one)}, "
                                 f"and it is timed at least twice: pass --budget {2 * one:.3g} or more")  # fmt: skip

    def segments_used(self, spec: Spec) -> int:
        """The segments backprop-checkpoint runs with on `spec`: --segments, 'auto' resolved against
        --memory, or about sqrt(L)."""
        from ..methods.footprint import checkpoint_segments

        return len(segments(spec.layers, checkpoint_segments(spec, self.memory, self.segments)))

    def options(self) -> Options:
        """What every method is asked with (the entries to compute aside)."""
        return Options(eps=self.eps, memory=self.memory, segments=self.segments)

    def check_memory(self, spec: Spec, methods: list[str]) -> None:
        """Refuse, before any work, a method whose predicted peak (with its tolerance) would not fit in
        --memory (a batched method shrinks its chunks first, and is refused when one perturbation does
        not fit)."""
        from ..methods.footprint import bound

        for name in methods:
            need = bound(METHODS[name].predicted_peak(spec, self.options()))
            if need > self.memory:
                have, needs = sizes(self.memory, need)
                raise GradbenchError(f"--memory {have} is too small for {name} at N = {spec.n_params:,}: "
                                     f"it needs {needs}")  # fmt: skip


@dataclass(frozen=True)
class Run:
    """One method timed on one model. `indices`: the entries computed when sampled (None: all)."""

    timing: Timing
    gradient: np.ndarray
    counts: Counter
    counts_from: str  # "run": counted while it ran; "model": the cost model (the run was sampled)
    indices: np.ndarray | None = None
    peak_bytes: int | None = None  # traced peak of one gradient (None: sampled, or a peer)
    peak_predicted: int | None = None  # its closed form (None: a peer)


Call = Callable[[Options], Callable[[], None]]


def probe(call: Call, base: Options, subset: Callable[[int], Options], N: int, budget_s: float) -> tuple[float, float]:
    """(fixed cost t0, cost per gradient entry), from single runs of growing random subsets until the
    entries' cost is resolved above t0's noise (or the subsets get too long to be a probe)."""
    t0, k = once(call(base)), PROBE
    while True:
        k = min(k, N)
        tp = once(call(subset(k)))
        if tp - t0 > 0.5 * t0 or k == N or tp > 0.1 * budget_s:
            # tp <= t0 is noise; tp / k is then an upper bound on the per-entry cost.
            return t0, max((tp - t0) if tp > t0 else tp, 1e-9) / k
        k *= 4


def time_method(
    model: MLP, method: Method, opts: Options, budget_s: float, rng: np.random.Generator, warmup: int = 1,
    runs: int | None = None,
) -> Run:  # fmt: skip
    """Time one method in full, or, when it would not fit the budget, on a sample of its entries."""
    N, predicted = model.n_params, method.predicted_peak(model.spec, opts)
    last: list[GradientResult] = []

    def call(o: Options) -> Callable[[], None]:
        def run() -> None:
            last[:] = [method.compute(model, o)]

        return run

    if method.sampleable:

        def subset(k: int) -> Options:
            return replace(opts, indices=np.sort(rng.choice(N, size=k, replace=False)))

        base = replace(opts, indices=np.empty(0, dtype=np.intp))
        once(call(base))  # warm-up: first-call allocations would otherwise inflate t0
        t0, per_entry = probe(call, base, subset, N, budget_s)
        if (t0 + N * per_entry) * MIN_ROUNDS > budget_s:
            # Enough entries that their cost stands well above the fixed cost t0, within the budget if possible.
            want = max((0.8 * budget_s / MIN_ROUNDS - t0) / per_entry, 2 * t0 / per_entry)
            sample_opts = subset(int(np.clip(want, 1, N - 1)))
            sample = measure(call(sample_opts), 0.8 * budget_s, warmup=warmup, runs=runs)
            g = last[0].gradient
            t_base = measure(call(base), 0.2 * budget_s).min  # the fixed cost, least disturbed
            k = len(sample_opts.indices)  # type: ignore[arg-type]  # subset() always sets indices
            counts = method.cost(model.spec, None, opts)
            timing = sample.extrapolated(t_base, N / k, sampled=k)
            return Run(timing, g, counts, "model", sample_opts.indices, peak_predicted=predicted)
    timing = measure(call(opts), budget_s, warmup=warmup, runs=runs)
    peak = cold_peak(model, method, opts)
    return Run(timing, last[0].gradient, last[0].counts, "run", peak_bytes=peak, peak_predicted=predicted)


def cold_peak(model: MLP, method: Method, opts: Options) -> int:
    """Bytes a method allocates at its peak in one gradient, its buffers included: traced (tracemalloc sees
    NumPy's allocations) on a call whose workspaces are dropped first, so they are allocated again."""
    import tracemalloc

    from ..model.passes import forget_workspaces
    from ..model.plans import record

    record(model)  # the plans are recorded once per shape, not in every gradient
    forget_workspaces(model)
    tracemalloc.start()
    try:
        method.compute(model, opts)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measurement(
    spec: Spec, name: str, run: Run, counts: Mapping[str, int | None], reference: Run, predicted_ratio: float
) -> Measurement:
    """The record of one run, with its error and time ratio against the reference run, each time and ratio
    with its 95% interval (the ratio's unpaired: the methods were timed one after the other)."""
    from .stats import median_interval, ratio_interval

    idx = run.indices
    g, ref = (run.gradient, reference.gradient) if idx is None else (run.gradient[idx], reference.gradient[idx])
    t = run.timing
    low, high = median_interval(t.per_round)
    ratio_low, ratio_high = (
        (1.0, 1.0) if run is reference else ratio_interval(t.per_round, reference.timing.per_round, False)
    )
    spec_and_counts: dict[str, Any] = {k: v for k, v in spec.as_dict().items() if k != "bias"} | dict(counts)
    return Measurement(
        method=name,
        n_params=spec.n_params,
        **spec_and_counts,
        counts_from=run.counts_from,
        time_s=t.median,
        time_q1_s=t.q1,
        time_q3_s=t.q3,
        time_min_s=t.min,
        time_max_s=t.max,
        time_mean_s=t.mean,
        time_stdev_s=t.stdev,
        rounds=t.rounds,
        estimated=t.estimated,
        sampled=t.sampled or spec.n_params,
        time_ratio=t.median / reference.timing.median,
        predicted_ratio=predicted_ratio,
        rel_error=relative_error(g, ref),
        peak_bytes=run.peak_bytes,
        peak_predicted_bytes=run.peak_predicted,
        time_low_s=low,
        time_high_s=high,
        time_ratio_low=ratio_low,
        time_ratio_high=ratio_high,
        round_times_s=t.per_round,
    )


def peer_measurement(spec: Spec, model: MLP, settings: Settings, reference: Run) -> Measurement:
    """An outside peer on the same model, timed the same way, FLOPs by its own counter."""
    from .. import peers

    assert settings.peer is not None
    module = peers.load(settings.peer)
    fn = module.gradient_fn(model, settings.threads)
    g = fn()
    timing = measure(fn, settings.budget_s, warmup=settings.warmup, runs=settings.runs)
    compiled = getattr(module, "COMPILE_S", {}).get(id(model))  # a jit peer compiles once, apart from its time
    counter = peers.PEERS[settings.peer].counter + (f"; compiled in {compiled:.3g} s, not timed" if compiled else "")
    run = Run(timing, g, Counter(), counter)
    _, flops = module.flops(model)
    counts: Mapping[str, int | None] = {
        "forward_passes": 1,
        "backward_passes": 1,
        "matmuls": None,
        "adds": None,
        "multiplies": None,
        "funcs": None,
        "matmul_flops": flops,
        "flops": flops,
    }
    return measurement(spec, settings.peer, run, counts, reference, flops / reference.counts.matmul_flops)


def measure_methods(
    spec: Spec, methods: list[str], settings: Settings, on_method: Callable[[str], None] | None = None
) -> list[Measurement]:
    """One Measurement per method (and the peer's), backprop always run: it is the reference."""
    model = MLP.build(spec)
    opts = settings.options()
    rng = np.random.default_rng(spec.seed)
    order = [REFERENCE.name] + [m for m in methods if m != REFERENCE.name]
    runs: dict[str, Run] = {}
    for name in order:
        if on_method:
            on_method(name)
        runs[name] = time_method(model, METHODS[name], opts, settings.budget_s, rng, settings.warmup, settings.runs)
    ref = runs[REFERENCE.name]
    shown = order if REFERENCE.name in methods else order[1:]
    out = [
        measurement(spec, m, runs[m], runs[m].counts.as_dict(), ref, runs[m].counts.flops / ref.counts.flops)
        for m in shown
    ]
    if settings.peer:
        if on_method:
            on_method(settings.peer)
        out.append(peer_measurement(spec, model, settings, ref))
    return out
