"""The numerical methods on the MLP: forward, central and Richardson differences and the complex step,
entry by entry (numeric.py applies each rule) or batched (batched.py stacks each layer's perturbations)."""

from __future__ import annotations

import numpy as np

from ..model.mlp import MLP
from ..model.ops import Counter
from ..model.passes import forward
from ..model.plans import forward_plan
from . import numeric
from .batched import perturbed_losses
from .registry import GradientResult, Options, empty_gradient, sorted_indices


def steps(model: MLP, opts: Options, rule: numeric.Rule, idx: np.ndarray | None = None) -> np.ndarray:
    """The steps of a finite-difference `rule` (numeric.default_steps), or the user's absolute --eps;
    for the entries idx only, if given. One new array of len(idx) (of N when idx is None)."""
    theta = model.theta if idx is None else model.theta[idx]  # a copy when indexed: the steps go into it
    if opts.eps is not None:
        return np.full(theta.shape, opts.eps, model.dtype)
    return numeric.default_steps(theta, rule, out=None if idx is None else theta)


def _taken(theta: np.ndarray, h: np.ndarray, sign: int = 1) -> np.ndarray:
    """The step a finite difference really takes after rounding, written over h: fl(theta + h) - theta,
    or for sign -1, theta - fl(theta - h)."""
    if sign > 0:
        return np.subtract(np.add(theta, h, out=h), theta, out=h)
    return np.subtract(theta, np.subtract(theta, h, out=h), out=h)


def _entry_by_entry(model: MLP, opts: Options, rule: numeric.Rule, x: np.ndarray | None = None,
                    h: float | None = None) -> GradientResult:  # fmt: skip
    """`rule` applied to the loss entry by entry, perturbing x (theta, or a complex copy of it) with steps h
    (the rule's default steps, or --eps). The passes run plain; their counts are the forward pass's plan
    (plans.py) times the passes that really ran."""
    idx = sorted_indices(opts)
    x = model.theta if x is None else x
    W, b = (model.W, model.b) if x is model.theta else model.views(x)
    steps_ = steps(model, opts, rule, idx) if h is None else h
    plan, passes = forward_plan(model, W, b), [0]  # the plan first: recorded outside any difference

    def loss() -> np.ndarray:
        passes[0] += 1
        return forward(model, W, b, None)

    g = rule(loss, x, steps_, idx, empty_gradient(model, opts))
    return GradientResult(g, plan * passes[0])


def forward_difference(model: MLP, opts: Options) -> GradientResult:
    """(L(theta + h e_i) - L(theta)) / h: N+1 forward passes, error O(h)."""
    return _entry_by_entry(model, opts, numeric.forward_difference)


def central_difference(model: MLP, opts: Options) -> GradientResult:
    """(L(theta + h e_i) - L(theta - h e_i)) / 2h: 2N forward passes, error O(h^2)."""
    return _entry_by_entry(model, opts, numeric.central_difference)


def richardson(model: MLP, opts: Options) -> GradientResult:
    """(4 D(h/2) - D(h)) / 3 of central differences D: 4N forward passes, error O(h^4)."""
    return _entry_by_entry(model, opts, numeric.richardson)


def complex_step(model: MLP, opts: Options) -> GradientResult:
    """Im L(theta + i h e_i) / h: N complex forward passes, exact to round-off (no cancellation)."""
    z = model.theta.astype(np.result_type(model.dtype, np.complex64))  # one copy per gradient
    h = numeric.COMPLEX_STEP if opts.eps is None else opts.eps
    return _entry_by_entry(model, opts, numeric.complex_step, z, h)


def forward_batched(model: MLP, opts: Options) -> GradientResult:
    """The forward difference with every perturbed loss of a layer in a few tall matmuls (batched.py)."""
    c, idx, g = Counter(), sorted_indices(opts), empty_gradient(model, opts)
    theta = model.theta if idx is None else model.theta[idx]
    up = _taken(theta, steps(model, opts, numeric.forward_difference, idx))
    L0, (d,) = perturbed_losses(model, idx, [up], c, opts.memory, base_loss=True)
    assert L0 is not None  # asked for with base_loss
    np.subtract(d, L0, out=d)
    g[... if idx is None else idx] = np.divide(d, up, out=d)
    return GradientResult(g, c)


def central_batched(model: MLP, opts: Options) -> GradientResult:
    """The central difference, batched: 2N losses, the shared prefix computed once."""
    c, idx, g = Counter(), sorted_indices(opts), empty_gradient(model, opts)
    theta = model.theta if idx is None else model.theta[idx]
    h = steps(model, opts, numeric.central_difference, idx)
    up, down = _taken(theta, h.copy()), np.negative(_taken(theta, h, sign=-1), out=h)  # down: -(step taken)
    _, (d, L_down) = perturbed_losses(model, idx, [up, down], c, opts.memory, base_loss=False)
    np.subtract(d, L_down, out=d)
    g[... if idx is None else idx] = np.divide(d, np.subtract(up, down, out=up), out=d)
    return GradientResult(g, c)
