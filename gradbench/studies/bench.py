"""The performance targets, each measured as a ratio within one run and checked against its bound.

Ratios, not absolute times: the machine is shared and noisy, and a ratio of two interleaved timings
cancels most of that. Each ratio has its 95% interval over the run's rounds (measure/stats.py): paired
where the two sides were interleaved round by round. Used by `gradbench bench`; the figures go in the docs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from functools import cache, partial

import numpy as np

from ..errors import CheckFailed
from ..io.units import seconds, sizes
from ..measure.run import time_method
from ..measure.stats import median_interval, ratio_interval, scaled
from ..measure.timing import Timing, interleaved
from ..methods import BACKPROP, BACKPROP_CHECKPOINT, FORWARD, FORWARD_BATCHED, gradient, predict
from ..methods.registry import METHODS, Options
from ..model.mlp import MLP
from ..model.ops import Counter
from ..model.passes import forward
from ..model.spec import Spec
from . import limits
from .targets import FULL, Effort, Target, label, paired, unpaired

LARGE = Spec(layers=4, hidden=512, batch=256)  # the size of the FLOP-bound and torch targets
MID = Spec(layers=3, hidden=100, batch=32)  # forward-batched's: GEMMs of (chunk x 100) @ (100 x 100)


def backprop_near_flop_bound(spec: Spec = LARGE, rounds: int = 9) -> Target:
    """time(forward + backward) / time(forward) against 1.1x their matmul-FLOP ratio."""
    model = MLP.build(spec)
    fwd = Counter()
    forward(model, model.W, model.b, fwd)
    _, bp = gradient(model, BACKPROP.name)
    flop_ratio = bp.matmul_flops / fwd.matmul_flops
    t = interleaved(
        {
            "pass": lambda: forward(model, model.W, model.b, None),  # plain, as the gradient's passes run
            "gradient": lambda: gradient(model, BACKPROP.name),
        },
        rounds=rounds,
    )
    return Target.of(
        f"{BACKPROP.name} / forward pass time, {label(spec)}",
        bound=1.1 * flop_ratio,
        kind="max",
        detail=f"matmul FLOP ratio {flop_ratio:.4g}; forward pass {seconds(t['pass'].median)}, "
        f"{BACKPROP.name} {seconds(t['gradient'].median)}",
        ratio=paired(t, "gradient", "pass"),
    )


def loop_costs_its_passes(spec: Spec, rounds: int, sample: int | None = None) -> Target:
    """time(forward-difference gradient) / ((k+1) x time(one forward pass)), both timed interleaved: k = N,
    or a `sample` of entries spread over theta (what the loop costs per entry does not depend on how many
    it takes, and a large N's whole gradient would take most of bench's time)."""
    model = MLP.build(spec)
    N, W, b = model.n_params, model.W, model.b
    indices = None if sample is None or sample >= N else spread(N, sample)
    k = N if indices is None else len(indices)

    def passes() -> None:  # plain, as the loop's passes run (their plan counts them: plans.py)
        for _ in range(k + 1):
            forward(model, W, b, None)

    loop = partial(gradient, model, FORWARD.name, indices=indices)
    t = interleaved({"loop": loop, "passes": passes}, rounds=rounds)
    entries = "N" if indices is None else "k"
    taken = "" if indices is None else f", k = {k:,} entries spread over theta"
    return Target.of(
        f"{FORWARD.name} / (({entries}+1) forward passes), {label(spec)}",
        bound=1.10,
        kind="max",
        detail=f"N = {N:,}{taken}; one pass {seconds(t['passes'].median / (k + 1))}",
        ratio=paired(t, "loop", "passes"),
    )


def batched_speedup(spec: Spec, bound: float | None, budget_s: float) -> list[Target]:
    """time(forward difference, loop) / time(forward-batched), and backprop's lead over the batched."""
    model = MLP.build(spec)
    rng = np.random.default_rng(0)
    loop, fast, bp = (
        time_method(model, m, Options(), budget_s, rng).timing for m in (FORWARD, FORWARD_BATCHED, BACKPROP)
    )
    est = loop.estimated or fast.estimated
    return [
        Target.of(
            f"{FORWARD.name} / {FORWARD_BATCHED.name} time, {label(spec)}",
            bound=bound,
            kind="min",
            detail=f"N = {model.n_params:,}; loop {seconds(loop.median)}"
            f"{' (estimated)' if loop.estimated else ''}, batched {seconds(fast.median)}; timed one after the other",
            estimated=est,
            ratio=unpaired(loop, fast),
        ),
        Target.of(
            f"{FORWARD_BATCHED.name} / {BACKPROP.name} time, {label(spec)}",
            bound=None,
            kind="max",
            detail="the batched finite difference is still N+1 loss evaluations",
            estimated=fast.estimated,
            ratio=unpaired(fast, bp),
        ),
    ]


def checkpoint_trade(spec: Spec, bounded: bool, rounds: int = 7) -> list[Target]:
    """Checkpointed backprop against backprop on a deep narrow net: the peak memory of a gradient
    (traced, buffers included) and the time of the next ones, interleaved; beside them, the closed
    forms (footprint.py, costs.recompute). Chen et al. 2016 claim O(sqrt L) memory for at most one
    extra forward pass, and a forward pass is about a third of a forward-backward's FLOPs here."""
    from ..measure.run import cold_peak
    from ..methods.costs import backward_pass, forward_pass, recompute

    model = MLP.build(spec)
    peaks = {m.name: cold_peak(model, m, Options()) for m in (BACKPROP, BACKPROP_CHECKPOINT)}
    t = interleaved({m.name: partial(gradient, model, m.name) for m in (BACKPROP, BACKPROP_CHECKPOINT)}, rounds=rounds)
    memory = peaks[BACKPROP_CHECKPOINT.name] / peaks[BACKPROP.name]
    predicted = BACKPROP_CHECKPOINT.predicted_peak(spec) / BACKPROP.predicted_peak(spec)
    extra = recompute(spec).flops / (forward_pass(spec) + backward_pass(spec)).flops
    mib = " -> ".join(sizes(peaks[BACKPROP.name], peaks[BACKPROP_CHECKPOINT.name]))
    name = f"{BACKPROP_CHECKPOINT.name} / {BACKPROP.name}"
    return [
        Target(f"{name} peak memory, {label(spec)}", memory, 0.5 if bounded else None, "max",
               f"{mib}; closed form {predicted:.3f}", exact=True),
        Target.of(f"{name} time, {label(spec)}", bound=1.5 if bounded else None, kind="max",
                  detail=f"recomputed FLOPs: +{extra:.1%} of a forward-backward's (at most one forward pass)",
                  ratio=paired(t, BACKPROP_CHECKPOINT.name, BACKPROP.name)),
    ]  # fmt: skip


def gemm_share(spec: Spec, peak: float, rounds: int = 7) -> list[Target]:
    """forward-batched against its shape-matched limit (its share of time in GEMMs; the rest is elementwise
    work: the rank-1 updates, activations, the bias adds and the loss) and, from the same rounds, its FLOP
    rate as a fraction of the square GEMM's `peak`, reported: the rank-1 updates moved two thirds of its
    FLOPs out of GEMMs and halved its time, so that rate no longer says how near its limit it runs (its
    former 0.60 bound is replaced by the rank-1 saving's, limits.rank1_saving)."""
    t = limits.with_gemms(FORWARD_BATCHED.name, spec, rounds)
    return [limits.shape_matched(FORWARD_BATCHED.name, spec, None, t=t),
            of_peak(FORWARD_BATCHED.name, spec, t["method"], peak, None)]  # fmt: skip


GEMM = (256, 512, 512)  # m, k, n: a matmul large enough for the BLAS to reach its peak, small enough to time


def gemm_peak(dtype: str = "float64", rounds: int = 9) -> float:
    """FLOP/s of this machine's BLAS on one GEMM (m, k) @ (k, n) at the pinned threads: the limit."""
    m, k, n = GEMM
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    out = np.empty((m, n), dtype)
    t = interleaved({"gemm": partial(np.dot, a, b, out)}, rounds=rounds)["gemm"]
    return 2 * m * k * n / t.min


def distance_to_peak(peak: float, spec: Spec = LARGE, bound: float = 0.80, rounds: int = 7) -> Target:
    """Achieved FLOP/s of backprop at 4x512x256 as a fraction of the square GEMM's peak (bound 0.80). It
    is also judged against its own shapes (limits.py), a limit that moves with the CPU."""
    t = interleaved({"m": partial(gradient, MLP.build(spec), BACKPROP.name)}, rounds=rounds)["m"]
    return of_peak(BACKPROP.name, spec, t, peak, bound)


def of_peak(method: str, spec: Spec, t: Timing, peak: float, bound: float | None) -> Target:
    """A method's FLOP rate (the cost model's FLOPs, equal to the counters: test_counts.py) over its median
    time, as a fraction of `peak`. The interval is the method's rounds'; the peak is taken as measured."""
    flops = predict(method, spec).flops
    low, high = scaled(median_interval(t.per_round), flops / peak)
    detail = f"{flops / t.median / 1e9:.1f} of {peak / 1e9:.1f} GFLOP/s"
    return Target(f"{method} GFLOP/s / GEMM peak, {label(spec)}", flops / t.median / peak, bound, "min", detail,
                  low=low, high=high)  # fmt: skip


def straight_line(model: MLP) -> Callable[[], np.ndarray]:
    """The same backprop arithmetic written straight in NumPy, nothing counted or reused: the floor of
    what any gradient code pays in NumPy calls for a small model. Like a training step (and like our
    forward pass, whose count includes it) it computes the loss on the way."""
    W, b, X, Y, L = model.W, model.b, model.X, model.Y, len(model.W)

    def grad() -> np.ndarray:
        acts = [X]
        for l in range(L):
            z = acts[-1] @ W[l] + b[l]
            acts.append(1 / (1 + np.exp(-z)) if l < L - 1 else z)
        r = acts[-1] - Y
        loss = r.ravel() @ r.ravel() / r.size  # noqa: F841  # computed, as every training step does
        dz = r * (2 / r.size)
        parts = []
        for l in range(L - 1, -1, -1):
            parts.append((dz.sum(0), acts[l].T @ dz))
            if l:
                a = acts[l]
                dz = (dz @ W[l].T) * a * (1 - a)
        return np.concatenate([p.ravel() for pair in reversed(parts) for p in reversed(pair)])

    return grad


def versus_floor(spec: Spec, bound: float = 1.15, rounds: int = 21) -> Target:
    """Our counted backprop's time / the straight-line NumPy floor's, same model (sigmoid, with biases):
    what counting every operation costs where a gradient is all call overhead."""
    model = MLP.build(spec)
    floor = straight_line(model)
    assert np.allclose(floor(), gradient(model, BACKPROP.name).gradient, rtol=1e-12, atol=1e-15)
    t = interleaved({"ours": partial(gradient, model, BACKPROP.name), "floor": floor}, rounds=rounds)
    detail = f"ours {seconds(t['ours'].median)}, floor {seconds(t['floor'].median)}"
    return Target.of(f"{BACKPROP.name} / straight-line NumPy floor time, {label(spec)}", bound=bound, kind="max",
                     detail=detail, ratio=paired(t, "ours", "floor"))  # fmt: skip


def thread_speedup(threads: int, spec: Spec = LARGE, sample: int = 4, rounds: int = 7) -> list[Target]:
    """Per method, the speed-up from 1 BLAS thread to `threads` at a large shape (and of the batched
    forward difference at 3x100x32, where its GEMMs are small). Each round times one call at each setting,
    the thread limit set outside the timed call (setting it costs 0.3-0.5 ms). A method that goes entry by
    entry computes a sample of entries spread over theta, its time per entry being what threads can speed
    up: at the large shape as many as cost the FLOPs of `sample` forward-difference entries (1 to `sample`:
    richardson's entries cost 4 passes, a forward difference's 1), at 3x100x32 a quarter of them (the
    chunks keep their shapes)."""
    from ..measure.conditions import pinned
    from ..measure.timing import once

    if threads < 2:
        return []  # one core: nothing to scale to
    cases = [(m, spec, matched_sample(m.name, spec, sample) if m.sampleable else None) for m in METHODS.values()]
    cases.append((FORWARD_BATCHED, MID, spread(MID.n_params, MID.n_params // 4)))
    out, before = [], load_average()
    for method, shape, indices in cases:
        fn = partial(gradient, MLP.build(shape), method.name, indices=indices)
        times: dict[int, list[float]] = {1: [], threads: []}
        for _ in range(rounds + 1):  # the first round warms up and is dropped
            for n, taken in times.items():
                with pinned(n):
                    taken.append(once(fn))
        one, many = (statistics.median(taken[1:]) for taken in times.values())
        low, high = ratio_interval(times[1][1:], times[threads][1:], paired=True)
        part = "" if indices is None else f"{len(indices):,} entr{'y' if len(indices) == 1 else 'ies'}, "
        detail = f"{part}{seconds(one)} -> {seconds(many)}"
        out.append(Target(f"{method.name} speed-up, 1 -> {threads} BLAS threads, {label(shape)}", one / many,
                          None, "min", detail, low=low, high=high))  # fmt: skip
    return flag_busy(out, max(before, load_average()), os.cpu_count() or 1)


def matched_sample(method: str, spec: Spec, sample: int) -> np.ndarray:
    """Entries spread over theta, as many (1 to `sample`) as cost about the FLOPs of `sample` forward-
    difference entries by the cost model: so each method's timed call takes about as long."""

    def flops(name: str) -> int:
        return predict(name, spec, spread(spec.n_params, sample).tolist()).flops

    return spread(spec.n_params, min(sample, max(1, round(sample * flops(FORWARD.name) / flops(method)))))


def spread(n: int, k: int) -> np.ndarray:
    """k entries (fewer where k > n) spread evenly over 0..n-1, sorted: a sample that touches every layer."""
    return np.unique(np.linspace(0, n - 1, k).astype(np.intp))


def flag_busy(speedups: list[Target], load: float, cores: int) -> list[Target]:
    """On a busy machine (load above BUSY per core) a thread 'speed-up' below 1 says that other jobs took
    the cores, not that threads slow us: it is marked, not reported as a result."""
    if load <= BUSY * cores:
        return speedups
    return [replace(x, detail=f"{x.detail}; load {load:.1f} on {cores} cores: not a result", estimated=True)
            if x.measured < 1 else x for x in speedups]  # fmt: skip


BUSY = 0.5  # load average per core above which the cores were shared while threads were timed


def load_average() -> float:
    """The 1-minute load average (0 where the OS does not say): read before and after the thread rounds."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def startup(argv: list[str], bound: float, runs: int) -> Target:
    """Median wall time of a fresh `gradbench ...` process."""
    import time

    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "gradbench", *argv], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    low, high = median_interval(times)
    return Target(
        f"wall time: gradbench {' '.join(argv)} (s)",
        statistics.median(times),
        bound,
        "max",
        f"median of {runs} runs; min {seconds(min(times))}",
        low=low,
        high=high,
    )


def versus_torch(spec: Spec, bound: float | None, threads: int, rounds: int = 9) -> Target:
    """Our NumPy backprop's time / torch.autograd's, same model, same BLAS thread count."""
    from .. import peers

    model = MLP.build(spec)
    peer = peers.load(peers.TORCH.name).gradient_fn(model, threads)
    t = interleaved({"ours": lambda: gradient(model, BACKPROP.name), "peer": peer}, rounds=rounds)
    return Target.of(
        f"{BACKPROP.name} / {peers.TORCH.label} time, {label(spec)}",
        bound=bound,
        kind="max",
        detail=f"ours {seconds(t['ours'].median)}, peer {seconds(t['peer'].median)}",
        ratio=paired(t, "ours", "peer"),
    )


def all_targets(threads: int = 1, on_step: Callable[[str], None] | None = None, torch: bool = True,
                effort: Effort = FULL) -> list[Target]:  # fmt: skip
    r, budget = effort.rounds, effort.budget
    peak = cache(partial(gemm_peak, "float64", r(9)))  # measured once, for the two steps that need it
    steps: list[tuple[str, Callable[[], list[Target] | Target]]] = [
        ("backprop near its FLOP bound", lambda: backprop_near_flop_bound(LARGE, r(9))),
        ("loop vs its passes (small)", lambda: loop_costs_its_passes(Spec(layers=3, hidden=10), r(21))),
        ("loop vs its passes (large)", lambda: loop_costs_its_passes(Spec(layers=3, hidden=64, batch=32), r(7), 1000)),
        ("batched speed-up H=10", lambda: batched_speedup(Spec(layers=3, hidden=10), 20.0, budget(3.0))),
        ("batched speed-up H=64", lambda: batched_speedup(Spec(layers=3, hidden=64), None, budget(2.0))),
        ("batched speed-up H=256", lambda: batched_speedup(Spec(layers=3, hidden=256), None, budget(2.0))),
        *(
            (
                f"checkpointed backprop, L={L}",
                partial(checkpoint_trade, Spec(layers=L, hidden=32, batch=256), L == 64, r(7)),
            )
            for L in (4, 8, 16, 32, 64)
        ),
        ("forward-batched: time in GEMMs", lambda: gemm_share(MID, peak(), r(7))),
        ("distance to the GEMM peak", lambda: distance_to_peak(peak(), rounds=r(7))),
        ("backprop: shape-matched limit", lambda: limits.shape_matched(BACKPROP.name, LARGE, 0.80, r(7))),
        ("forward-batched: the rank-1 saving", lambda: limits.rank1_saving(MID, 0.5)),
        ("backprop vs a straight-line floor", lambda: versus_floor(Spec(layers=3, hidden=10), rounds=r(21))),
        ("thread scaling", lambda: thread_speedup(os.cpu_count() or 1, sample=r(4), rounds=r(7))),
        ("start-up: --help", lambda: startup(["--help"], 0.5, r(7))),
        ("start-up: compare", lambda: startup(["compare", "--layers", "3", "--hidden", "10"], 3.0, r(6))),
    ]
    if torch:
        for dtype in ("float64", "float32"):
            bounded = dtype == "float64"  # float32 is reported, not bounded
            small, large = Spec(layers=3, hidden=10, dtype=dtype), Spec(layers=4, hidden=512, batch=256, dtype=dtype)
            steps.append(
                (f"vs torch, small {dtype}", partial(versus_torch, small, 0.5 if bounded else None, threads, r(9)))
            )
            split = partial(limits.torch_split, large, threads, 1.0 if bounded else None, r(9))  # overhead <= 1
            steps.append((f"vs torch, large {dtype}", split))
    out: list[Target] = []
    for name, step in steps:
        if on_step:
            on_step(name)
        result = step()
        out.extend(result if isinstance(result, list) else [result])
    return out


def check(targets: list[Target]) -> None:
    """Fail (exit 1) when a bound the benchmark checks does not hold."""
    failed = [x.name for x in targets if x.holds is False]
    if failed:
        raise CheckFailed(f"{len(failed)} bound(s) did not hold: {'; '.join(failed)}")
