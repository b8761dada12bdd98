"""Limits measured per shape, in the same run: each method against its own GEMMs timed bare at their
shapes (measure/limits.py), and our backprop against torch's split into what is the BLAS's and what is
ours. A limit measured at the method's shapes moves with the CPU: where (1024 x 100) @ (100 x 100) runs
at 0.45 of the square GEMM's peak, no method of those shapes can do better, and a bound judged against
the square peak fails for the BLAS, not for us.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from ..io.units import seconds
from ..measure.limits import numpy_gemms, torch_gemms
from ..measure.timing import Timing, interleaved
from ..methods import BACKPROP, FORWARD_BATCHED, gradient, predict
from ..methods.costs import backward_gemms, batched_gemms, forward_gemms
from ..methods.registry import Options
from ..model.mlp import MLP
from ..model.spec import Spec
from .targets import Ratio, Target, label, paired


def gemms_of(name: str, spec: Spec) -> list[Any]:
    """The GEMMs the method runs for one gradient of `spec`, by shape (the cost model's list)."""
    if name == FORWARD_BATCHED.name:
        return batched_gemms(spec, Options().memory, central=False)
    return forward_gemms(spec) + backward_gemms(spec)


def with_gemms(method: str, spec: Spec, rounds: int = 7) -> dict[str, Timing]:
    """The method's gradient ("method") and its GEMMs alone at its shapes ("gemms": bare np.dot into
    reused arrays), interleaved."""
    model = MLP.build(spec)
    runs: dict[str, Callable[[], object]] = {
        "method": partial(gradient, model, method),
        "gemms": numpy_gemms(gemms_of(method, spec), spec.dtype),
    }
    return interleaved(runs, rounds=rounds)


def shape_matched(method: str, spec: Spec, bound: float | None, rounds: int = 7,
                  t: dict[str, Timing] | None = None) -> Target:  # fmt: skip
    """Its GEMMs alone over the method's time (`with_gemms`, or its timings `t` where taken already): the
    fraction of the shape-matched limit it reaches (1: nothing but its GEMMs' own time; the rest is
    elementwise work and Python)."""
    t = t or with_gemms(method, spec, rounds)
    detail = f"its GEMMs alone {seconds(t['gemms'].median)} of {seconds(t['method'].median)}"
    return Target.of(f"{method}: shape-matched GEMM limit / time, {label(spec)}", bound=bound, kind="min",
                     detail=detail, ratio=paired(t, "gemms", "method"))  # fmt: skip


def rank1_saving(spec: Spec, bound: float) -> Target:
    """forward-batched's FLOPs against the same method recomputing layer l+1 by a full matmul instead of
    the rank-1 update (the cost model's closed forms; exact, no timing)."""
    ours = predict(FORWARD_BATCHED.name, spec).flops
    w, B, L = spec.widths, spec.batch, spec.layers
    per_layer = [w[l] * w[l + 1] + (w[l + 1] if spec.bias else 0) for l in range(L)]  # perturbations of layer l
    bias = 1 if spec.bias else 0
    recompute = sum(per_layer[l] * B * w[l + 2] * (2 * w[l + 1] + bias) for l in range(L - 1))  # matmul and bias add
    rank1 = sum(per_layer[l] * B * (2 * w[l + 2] + 1) for l in range(L - 1))  # u, u (x) W[l+1][k] and its add
    full = ours - rank1 + recompute
    return Target(f"{FORWARD_BATCHED.name} FLOPs / with layer l+1 recomputed, {label(spec)}", ours / full, bound,
                  "max", f"{ours:.3g} against {full:.3g} FLOPs (cost model)", exact=True)  # fmt: skip


def torch_split(spec: Spec, threads: int, bound: float | None, rounds: int = 9) -> list[Target]:
    """ours / torch.autograd, and its two factors: the BLAS difference (NumPy's GEMMs / torch's at the same
    shapes, not ours to choose: reported) and our overhead ((ours / our GEMMs) / (torch / its GEMMs):
    bounded)."""
    from .. import peers

    model = MLP.build(spec)
    gemms = gemms_of(BACKPROP.name, spec)
    peer = peers.load(peers.TORCH.name).gradient_fn(model, threads)
    runs: dict[str, Callable[[], object]] = {
        "ours": partial(gradient, model, BACKPROP.name),
        "peer": peer,
        "np": numpy_gemms(gemms, spec.dtype),
        "torch": torch_gemms(gemms, spec.dtype),
    }
    t = interleaved(runs, rounds=rounds)
    whole, blas = paired(t, "ours", "peer"), paired(t, "np", "torch")
    overhead = Ratio(whole.value / blas.value, whole.low / blas.high, whole.high / blas.low)  # a conservative interval
    name = f"{BACKPROP.name} / {peers.TORCH.label}"
    return [
        Target.of(f"{name} time, {label(spec)}", bound=None, kind="max", ratio=whole,
                  detail=f"ours {seconds(t['ours'].median)}, peer {seconds(t['peer'].median)}"),
        Target.of(f"{name}: BLAS difference (NumPy's GEMMs / torch's), {label(spec)}", bound=None, kind="max",
                  ratio=blas, detail=f"NumPy {seconds(t['np'].median)}, torch {seconds(t['torch'].median)}"),
        Target.of(f"{name}: our overhead (ours / our GEMMs over torch's / its GEMMs), {label(spec)}", bound=bound,
                  kind="max", ratio=overhead, detail="the time ratio over the BLAS difference"),
    ]  # fmt: skip
