"""Limits measured per shape, in the same run: each method against its own GEMMs timed bare at their
shapes (measure/limits.py), and our backprop against torch's split into what is the BLAS's and what is
ours. A bound judged here holds on any CPU whose BLAS is as fast at these shapes as at its square peak or
slower, because the limit moves with the CPU; a bound judged against one square GEMM's peak does not.

Each function returns (name, measured, bound, kind, detail, timing): the bench wraps it in its Target.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from ..measure.limits import numpy_gemms, torch_gemms
from ..measure.timing import Timing, interleaved
from ..methods import BACKPROP, FORWARD_BATCHED, gradient
from ..methods.costs import backward_gemms, batched_gemms, forward_gemms
from ..methods.registry import Options
from ..model.mlp import MLP
from ..model.spec import Spec

Result = tuple[str, float, float | None, str, str, dict[str, Timing]]


def gemms_of(name: str, spec: Spec) -> list[Any]:
    """The GEMMs the method runs for one gradient of `spec`, by shape (the cost model's list)."""
    if name == FORWARD_BATCHED.name:
        return batched_gemms(spec, Options().memory, central=False)
    return forward_gemms(spec) + backward_gemms(spec)


def shape_matched(method: str, spec: Spec, bound: float | None, rounds: int = 7) -> Result:
    """The method's time against its GEMMs alone at its shapes (bare np.dot into reused arrays): the
    fraction of the shape-matched limit it reaches (1: nothing but its GEMMs' own time)."""
    model = MLP.build(spec)
    t = interleaved({"method": partial(gradient, model, method), "gemms": numpy_gemms(gemms_of(method, spec),
                     spec.dtype)}, rounds=rounds)  # fmt: skip
    fraction = t["gemms"].median / t["method"].median
    detail = f"its GEMMs alone {t['gemms'].median * 1e3:.3g} ms of {t['method'].median * 1e3:.3g} ms"
    return (f"{method}: shape-matched GEMM limit / time, L={spec.layers} H={spec.hidden} B={spec.batch}", fraction,
            bound, "min", detail, t)  # fmt: skip


def torch_split(spec: Spec, threads: int, bound: float | None, rounds: int = 9) -> tuple[Result, Result]:
    """ours / torch.autograd, split: (NumPy's GEMMs / torch's GEMMs at the same shapes) is the BLAS
    difference, and (ours / NumPy's GEMMs) / (torch / torch's GEMMs) our overhead against torch's. The
    product of the two is the whole ratio. The overhead part is bounded: the BLAS is not ours to choose."""
    from .. import peers

    model = MLP.build(spec)
    gemms = gemms_of(BACKPROP.name, spec)
    peer_gradient = peers.load(peers.TORCH.name).gradient_fn(model, threads)
    runs = {
        "ours": partial(gradient, model, BACKPROP.name),
        "peer": peer_gradient,
        "np": numpy_gemms(gemms, spec.dtype),
        "torch": torch_gemms(gemms, spec.dtype),
    }
    t = interleaved(runs, rounds=rounds)
    ours, peer, np_gemms, torch_mm = (t[k].median for k in ("ours", "peer", "np", "torch"))
    where = f"L={spec.layers} H={spec.hidden} B={spec.batch}"
    blas = (
        f"{BACKPROP.name} vs torch: BLAS difference (NumPy's GEMMs / torch's, same shapes), {where}",
        np_gemms / torch_mm,
        None,
        "max",
        f"NumPy {np_gemms * 1e3:.3g} ms, torch {torch_mm * 1e3:.3g} ms",
        t,
    )
    overhead = (f"{BACKPROP.name} vs torch: our overhead (ours / our GEMMs over torch's / its GEMMs), {where}",
                (ours / np_gemms) / (peer / torch_mm), bound, "max",
                f"ours {ours * 1e3:.3g} ms on {np_gemms * 1e3:.3g} ms of GEMMs; torch {peer * 1e3:.3g} ms on "
                f"{torch_mm * 1e3:.3g} ms", t)  # fmt: skip
    return blas, overhead
