"""The catalogue of gradient methods: one `register` per method (its function, closed-form cost, peak
memory, tolerance and colour), the reference every other is measured against, and the public way to
compute and predict a gradient."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..model.mlp import MLP
from ..model.ops import Counter
from ..model.spec import Spec
from . import costs, footprint, numeric
from .autodiff import backprop, backprop_checkpoint, checkpoint_segments, forward_mode
from .differences import (
    central_batched,
    central_difference,
    complex_step,
    forward_batched,
    forward_difference,
    richardson,
)
from .registry import DEFAULT_MEMORY, GradientResult, Method, Options, lookup, register
from .segments import SegmentChoice

# --- the registry: one entry per method ----------------------------------------------------------
# rtol: float64 bounds from the error analysis (forward O(sqrt eps), central O(eps^(2/3)), exact methods
# to round-off); float32 bounds measured over the property tests' shapes with a margin.

FORWARD = register(
    Method(
        "forward",
        forward_difference,
        cost=lambda spec, idx, o: costs.forward_pass(spec) * (costs.entries(spec, idx) + 1),
        description="forward difference (L(θ+h eᵢ) − L(θ)) / h: N+1 passes, O(h)",
        rtol={"float64": 1e-5, "float32": 5e-2},
        color="C0",
        rule=numeric.forward_difference,
        order=1,
    )
)
CENTRAL = register(
    Method(
        "central",
        central_difference,
        cost=lambda spec, idx, o: costs.forward_pass(spec) * (2 * costs.entries(spec, idx)),
        description="central difference (L(θ+h eᵢ) − L(θ−h eᵢ)) / 2h: 2N passes, O(h²)",
        rtol={"float64": 1e-8, "float32": 1e-2},
        color="C1",
        rule=numeric.central_difference,
        order=2,
    )
)
RICHARDSON = register(
    Method(
        "richardson",
        richardson,
        cost=lambda spec, idx, o: costs.forward_pass(spec) * (4 * costs.entries(spec, idx)),
        description="central differences at h and h/2, extrapolated (4 D(h/2) − D(h)) / 3: 4N passes, O(h⁴)",
        rtol={"float64": 1e-9, "float32": 1e-3},
        color="C6",
        rule=numeric.richardson,
        order=4,
    )
)
COMPLEX = register(
    Method(
        "complex",
        complex_step,
        cost=lambda spec, idx, o: costs.forward_pass(spec, complex_=True) * costs.entries(spec, idx),
        description="complex step Im L(θ + i h eᵢ) / h: N complex passes, exact",
        rtol={"float64": 1e-13, "float32": 5e-5},
        color="C2",
        rule=numeric.complex_step,
        order=2,
        peak=lambda spec, entries, o: footprint.complex_step(spec, entries),
    )
)
FORWARD_MODE = register(
    Method(
        "forward-mode",
        forward_mode,
        cost=lambda spec, idx, o: costs.tangent_pass(spec) * costs.entries(spec, idx),
        description="forward-mode AD: one dual-number pass per direction eᵢ, exact",
        rtol={"float64": 1e-13, "float32": 1e-5},
        color="C3",
        peak=lambda spec, entries, o: footprint.forward_mode(spec, entries),
    )
)
BACKPROP = register(
    Method(
        "backprop",
        backprop,
        cost=lambda spec, idx, o: costs.forward_pass(spec) + costs.backward_pass(spec),
        description="backprop: one forward pass keeping activations, one backward pass",
        rtol={"float64": 0.0, "float32": 0.0},
        color="k",
        peak=lambda spec, entries, o: footprint.backprop(spec, entries),
        sampleable=False,
    )
)
BACKPROP_CHECKPOINT = register(
    Method(
        "backprop-checkpoint",
        backprop_checkpoint,
        cost=lambda spec, idx, o: (
            costs.forward_pass(spec) + costs.backward_pass(spec) + costs.recompute(spec, checkpoint_segments(spec, o))
        ),
        description="backprop keeping only √L segment inputs, recomputing each segment backwards (Chen 2016)",
        rtol={"float64": 1e-13, "float32": 1e-5},
        color="C9",
        peak=lambda spec, entries, o: footprint.checkpoint(spec, checkpoint_segments(spec, o)),
        sampleable=False,
    )
)
FORWARD_BATCHED = register(
    Method(
        "forward-batched",
        forward_batched,
        cost=lambda spec, idx, o: costs.batched(spec, o.memory, central=False, indices=idx),
        description="forward difference, each layer's perturbations in tall matmuls",
        rtol={"float64": 1e-5, "float32": 5e-2},
        color="C4",
        peak=lambda spec, entries, o: footprint.batched(spec, o.memory, False, entries),
    )
)
CENTRAL_BATCHED = register(
    Method(
        "central-batched",
        central_batched,
        cost=lambda spec, idx, o: costs.batched(spec, o.memory, central=True, indices=idx),
        description="central difference, each layer's perturbations in tall matmuls",
        rtol={"float64": 1e-8, "float32": 1e-2},
        color="C5",
        peak=lambda spec, entries, o: footprint.batched(spec, o.memory, True, entries),
    )
)

REFERENCE = BACKPROP  # what every other method's error and time ratio are measured against
DEFAULT_OPTIONS = Options()  # made once: a small gradient takes tens of microseconds


# --- the public way to compute and predict a gradient ------------------------------------------


def gradient(
    model: MLP,
    method: str = REFERENCE.name,
    *,
    eps: float | None = None,
    indices: np.ndarray | None = None,
    memory: int = DEFAULT_MEMORY,
    segments: SegmentChoice = None,
) -> GradientResult:
    """The gradient of `model`'s loss by `method`, with a Counter of every operation that ran."""
    plain = eps is None and indices is None and memory == DEFAULT_MEMORY and segments is None
    opts = DEFAULT_OPTIONS if plain else Options(eps, indices, memory, segments)
    return lookup(method).compute(model, opts)


def predict(
    method: str, spec: Spec, indices: Sequence[int] | None = None, memory: int = DEFAULT_MEMORY,
    segments: SegmentChoice = None,
) -> Counter:  # fmt: skip
    """The counts `method` performs for the gradient of `spec`, or for the sorted entries `indices` of it
    (the batched methods' chunking depends on `memory`, their buffer budget in bytes)."""
    opts = Options(memory=memory, segments=segments)
    return lookup(method).cost(spec, None if indices is None else sorted(indices), opts)
