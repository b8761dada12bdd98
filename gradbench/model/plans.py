"""Plans: what a pass counts, recorded once per shape. A pass's operations are fixed by the widths, the
batch, the biases and the dtype, so the first pass of each shape runs counted (ops.Counting) and every
later one runs plain (ops.PLAIN, no counting in the loop) and adds the recorded counts. The counts are
still those of operations that ran: the recording is a run of the very same pass function, and the
tests hold the plain pass to the counted one bit for bit and the plan to the cost model's closed form.

At 3x10x1 a gradient is mostly Python call overhead; counting each of its ~25 operations as it ran was
that overhead's largest part.
"""

from __future__ import annotations

import numpy as np

from .mlp import MLP
from .ops import Counter
from .passes import backward, forward

Key = tuple[str, tuple[int, ...], bool, int, np.dtype]
_PLANS: dict[Key, Counter] = {}


def _key(kind: str, model: MLP, dtype: np.dtype) -> Key:
    return (kind, model.spec.widths, model.spec.bias, model.X.shape[0], dtype)


def forward_plan(model: MLP, W: list[np.ndarray], b: list[np.ndarray | None]) -> Counter:
    """The counts of one forward pass with parameters like (W, b) (their dtype decides: complex counts
    more), recorded by running one counted. Not to be changed: multiply or add it into a new Counter."""
    key = _key("a forward pass", model, W[0].dtype)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = Counter()
        forward(model, W, b, plan)
    return plan


def backprop_plan(model: MLP) -> Counter:
    """The counts of one forward and one backward pass of backprop, recorded by running them counted."""
    key = _key("a forward and a backward pass", model, model.dtype)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = Counter()
        forward(model, model.W, model.b, plan)
        backward(model, *model.views(np.empty(model.n_params, model.dtype)), plan)
    return plan


def record(model: MLP) -> None:
    """Record every plan the model's methods use (real and complex forward passes, backprop) now, so that
    a traced gradient's peak is the gradient's, not a one-time recording's (a growing plan table)."""
    forward_plan(model, model.W, model.b)
    forward_plan(model, *model.views(model.theta.astype(np.result_type(model.dtype, np.complex64))))
    backprop_plan(model)
