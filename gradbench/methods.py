"""Gradient methods: a registry of short functions (model, options) -> (flat gradient, Counter).

Adding a method is one function and one line in METHODS. Every method can be asked for a subset
of the gradient (`indices`), which is how the timing samples a method too slow to run in full;
backprop always computes everything (that is its point).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import numeric
from .batched import perturbed_losses
from .ops import Counter
from .passes import backward, forward, jvp
from .spec import GradbenchError


@dataclass(frozen=True)
class Options:
    """eps: an absolute finite-difference step overriding the default relative one.
    indices: compute only these gradient entries (the rest are NaN). memory: bytes a batched method
    may use for its stacked perturbations."""

    eps: float | None = None
    indices: np.ndarray | None = None
    memory: int = 2**30


def _indices(model, opts: Options) -> np.ndarray:
    return np.arange(model.n_params) if opts.indices is None else np.asarray(opts.indices)


def _empty_gradient(model, opts: Options) -> np.ndarray:
    return np.empty(model.n_params, model.dtype) if opts.indices is None else np.full(
        model.n_params, np.nan, model.dtype
    )


def steps(model, opts: Options, power: float, idx: np.ndarray | None = None) -> np.ndarray:
    """Steps h_i = eps^power * max(1, |theta_i|), or the user's absolute --eps; for idx only if given."""
    theta = model.theta if idx is None else model.theta[idx]
    if opts.eps is not None:
        return np.full(theta.shape, opts.eps, model.dtype)
    return np.finfo(model.dtype).eps ** power * np.maximum(1.0, np.abs(theta))


def forward_difference(model, opts: Options) -> tuple[np.ndarray, Counter]:
    """(L(theta + h e_i) - L(theta)) / h: N+1 forward passes, error O(h)."""
    c, W, b, idx = Counter(), model.W, model.b, _indices(model, opts)
    g = numeric.forward_difference(lambda: forward(model, W, b, c), model.theta, steps(model, opts, 1 / 2, idx),
                                   idx, _empty_gradient(model, opts))
    return g, c


def central_difference(model, opts: Options) -> tuple[np.ndarray, Counter]:
    """(L(theta + h e_i) - L(theta - h e_i)) / 2h: 2N forward passes, error O(h^2)."""
    c, W, b, idx = Counter(), model.W, model.b, _indices(model, opts)
    g = numeric.central_difference(lambda: forward(model, W, b, c), model.theta, steps(model, opts, 1 / 3, idx),
                                   idx, _empty_gradient(model, opts))
    return g, c


def complex_step(model, opts: Options) -> tuple[np.ndarray, Counter]:
    """Im L(theta + i h e_i) / h: N complex forward passes, exact to round-off (no cancellation)."""
    c = Counter()
    z = model.theta.astype(np.result_type(model.dtype, np.complex64))  # one copy per gradient
    W, b = model.views(z)
    g = numeric.complex_step(lambda: forward(model, W, b, c), z, numeric.COMPLEX_STEP,
                             _indices(model, opts), _empty_gradient(model, opts))
    return g, c


def forward_mode(model, opts: Options) -> tuple[np.ndarray, Counter]:
    """One JVP per unit direction e_i, dual numbers through the layers: exact, N tangent passes."""
    c, g = Counter(), _empty_gradient(model, opts)
    v = np.zeros(model.n_params, model.dtype)
    dW, db = model.views(v)
    for i in _indices(model, opts):
        v[i] = 1.0
        g[i] = jvp(model, dW, db, c)[1]
        v[i] = 0.0
    return g, c


def _taken(theta: np.ndarray, h: np.ndarray) -> np.ndarray:
    """The step a finite difference really takes after rounding: fl(theta + h) - theta."""
    return (theta + h) - theta


def forward_batched(model, opts: Options) -> tuple[np.ndarray, Counter]:
    """The forward difference with every perturbed loss of a layer in a few tall matmuls (batched.py)."""
    c, idx, g = Counter(), np.sort(_indices(model, opts)), _empty_gradient(model, opts)
    theta = model.theta[idx]
    up = _taken(theta, steps(model, opts, 1 / 2, idx))
    L0, (L_up,) = perturbed_losses(model, idx, [up], c, opts.memory, base_loss=True)
    g[idx] = (L_up - L0) / up
    return g, c


def central_batched(model, opts: Options) -> tuple[np.ndarray, Counter]:
    """The central difference, batched: 2N losses, the shared prefix computed once."""
    c, idx, g = Counter(), np.sort(_indices(model, opts)), _empty_gradient(model, opts)
    theta, h = model.theta[idx], steps(model, opts, 1 / 3, idx)
    up, down = _taken(theta, h), -_taken(theta, -h)
    _, (L_up, L_down) = perturbed_losses(model, idx, [up, -down], c, opts.memory, base_loss=False)
    g[idx] = (L_up - L_down) / (up + down)
    return g, c


def backprop(model, opts: Options) -> tuple[np.ndarray, Counter]:
    """One forward pass keeping activations, one backward pass: the whole gradient."""
    c, g = Counter(), np.empty(model.n_params, model.dtype)
    forward(model, model.W, model.b, c)
    backward(model, *model.views(g), c)
    return g, c


Method = Callable[[object, Options], tuple[np.ndarray, Counter]]

METHODS: dict[str, Method] = {
    "forward": forward_difference,
    "central": central_difference,
    "complex": complex_step,
    "forward-mode": forward_mode,
    "backprop": backprop,
    "forward-batched": forward_batched,
    "central-batched": central_batched,
}

# Methods that compute the gradient entry by entry, so a random subset can be timed and extrapolated.
SAMPLEABLE = {"forward", "central", "complex", "forward-mode", "forward-batched", "central-batched"}


def gradient(model, method: str = "backprop", **options) -> tuple[np.ndarray, Counter]:
    """The gradient of `model`'s loss by `method`, with a Counter of every operation that ran."""
    try:
        fn = METHODS[method]
    except KeyError:
        raise GradbenchError(f"unknown method {method!r}: choose from {', '.join(METHODS)}") from None
    return fn(model, Options(**options))


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max|a - b| / max(max|a|, max|b|) over the whole vector (0 when both are zero)."""
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)))
    return float(np.max(np.abs(a - b)) / scale) if scale > 0 else 0.0
