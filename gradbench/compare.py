"""Measure every method on one model: exact counts, calibrated timing, error against backprop -> Rows.

A method predicted to take longer than its budget is timed on a random sample of its perturbations
and extrapolated: t_full = t_base + N * (t_sample - t_base) / k. Such a row is marked estimated and its
counts come from the cost model (which the tests hold equal to the counters).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .costs import predict
from .methods import METHODS, SAMPLEABLE, Options, relative_error
from .mlp import MLP
from .results import Row
from .spec import Spec
from .timing import MIN_ROUNDS, Timing, measure, once

PROBE = 8  # perturbations timed once to predict a method's full time


def probe(run, base: Options, subset, N: int, budget_s: float) -> tuple[float, float]:
    """(fixed cost t0, cost per gradient entry), from single runs of growing random subsets until the
    entries' cost is resolved above t0's noise (or the subsets get too long to be a probe)."""
    t0, k = once(run(base)), PROBE
    while True:
        k = min(k, N)
        tp = once(run(subset(k)))
        if tp - t0 > 0.5 * t0 or k == N or tp > 0.1 * budget_s:
            # tp <= t0 is noise; tp / k is then an upper bound on the per-entry cost.
            return t0, max((tp - t0) if tp > t0 else tp, 1e-9) / k
        k *= 4


def time_method(model: MLP, name: str, opts: Options, budget_s: float, rng: np.random.Generator):
    """(Timing, gradient, Counter, counts_from, indices computed or None for all)."""
    fn, N = METHODS[name], model.n_params
    result: dict = {}

    def run(o: Options = opts) -> Callable[[], None]:
        def call():
            result["g"], result["c"] = fn(model, o)

        return call

    if name in SAMPLEABLE:
        subset = lambda k: replace(opts, indices=np.sort(rng.choice(N, size=k, replace=False)))
        base = replace(opts, indices=np.empty(0, dtype=np.intp))
        once(run(base))  # warm-up: first-call allocations would otherwise inflate t0
        t0, per_entry = probe(run, base, subset, N, budget_s)
        if (t0 + N * per_entry) * MIN_ROUNDS > budget_s:
            # Enough entries that their cost stands well above the fixed cost t0, within the budget if possible.
            k = int(np.clip(max((0.8 * budget_s / MIN_ROUNDS - t0) / per_entry, 2 * t0 / per_entry), 1, N - 1))
            sample_opts = subset(k)
            sample = measure(run(sample_opts), 0.8 * budget_s)
            g = result["g"]
            t_base = measure(run(base), 0.2 * budget_s).min  # the fixed cost, least disturbed
            timing = sample.extrapolated(t_base, N / k, sampled=k)
            return timing, g, predict(name, model.spec, memory=opts.memory), "model", sample_opts.indices
    timing = measure(run(), budget_s)
    return timing, result["g"], result["c"], "run", None


def row(spec: Spec, name: str, timing: Timing, counts: dict, counts_from: str, error: float,
        bp_time: float, predicted_ratio: float) -> Row:
    return Row(
        method=name, **{k: v for k, v in spec.as_dict().items() if k != "bias"},
        n_params=spec.n_params, **counts, counts_from=counts_from,
        time_s=timing.median, time_q1_s=timing.q1, time_q3_s=timing.q3,
        time_min_s=timing.min, time_max_s=timing.max, rounds=timing.rounds,
        estimated=timing.estimated, sampled=timing.sampled or spec.n_params,
        time_ratio=timing.median / bp_time, predicted_ratio=predicted_ratio, rel_error=error,
    )


def torch_row(spec: Spec, model: MLP, budget_s: float, bp_grad: np.ndarray, bp_time: float, bp_counts,
              threads: int | None) -> Row:
    """The peer: torch.autograd on the same model, timed the same way, FLOPs by its own counter."""
    from .peer_torch import torch_flops, torch_gradient_fn

    fn = torch_gradient_fn(model, threads)
    g = fn()
    timing = measure(fn, budget_s)
    _, flops = torch_flops(model)
    counts = {"forward_passes": 1, "backward_passes": 1, "matmuls": None, "adds": None, "multiplies": None,
              "funcs": None, "matmul_flops": flops, "flops": flops}
    return row(spec, "torch", timing, counts, "torch.utils.flop_counter", relative_error(g, bp_grad),
               bp_time, flops / bp_counts.matmul_flops)


def measure_methods(
    spec: Spec,
    methods: list[str],
    budget_s: float = 10.0,
    eps: float | None = None,
    on_method: Callable[[str], None] | None = None,
    peer: str | None = None,
    threads: int | None = None,
    memory: int = 2**30,
) -> list[Row]:
    """One Row per method, backprop always included (it is the reference for errors and ratios)."""
    model = MLP.build(spec)
    opts = Options(eps=eps, memory=memory)
    rng = np.random.default_rng(spec.seed)
    order = ["backprop"] + [m for m in methods if m != "backprop"]
    measured: dict[str, tuple[Timing, np.ndarray, object, str, np.ndarray | None]] = {}
    for name in order:
        if on_method:
            on_method(name)
        measured[name] = time_method(model, name, opts, budget_s, rng)
    bp_time, bp_grad, bp_counts = measured["backprop"][:3]
    rows = []
    for name in order if "backprop" in methods else order[1:]:
        timing, g, counts, counts_from, idx = measured[name]
        error = relative_error(g, bp_grad) if idx is None else relative_error(g[idx], bp_grad[idx])
        rows.append(row(spec, name, timing, counts.as_dict(), counts_from, error, bp_time.median,
                        counts.flops / bp_counts.flops))
    if peer == "torch":
        if on_method:
            on_method("torch")
        rows.append(torch_row(spec, model, budget_s, bp_grad, bp_time.median, bp_counts, threads))
    return rows
