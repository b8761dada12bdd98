"""Numerical gradients of any scalar function, by perturbing its argument in place.

`f` is a function of no arguments that reads `x`; each method changes one entry of `x`, calls `f`,
and puts the entry back, so no perturbation copies `x`. The MLP methods pass their (counted) forward
pass as `f`; `gradient(fn, x, rule)` wraps an ordinary fn(x) -> scalar.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

Loss = Callable[[], Any]  # no arguments, reads x; returns a scalar (float, complex or a 0-d array)
Indices = Sequence[int] | np.ndarray | None
Steps = float | np.ndarray  # one step for all entries, or one per entry computed

COMPLEX_STEP = 1e-20  # exact to round-off for any h this small: no subtraction, no cancellation


def _prepare(
    x: np.ndarray, h: Steps, indices: Indices, out: np.ndarray | None
) -> tuple[Sequence[int] | np.ndarray, np.ndarray, np.ndarray]:
    """(indices, gradient array, steps aligned with the indices); h is a scalar or one step per index."""
    idx = range(x.size) if indices is None else indices
    g = np.empty(x.shape, x.real.dtype) if out is None else out
    return idx, g, np.broadcast_to(h, (len(idx),))


def forward_difference(
    f: Loss, x: np.ndarray, h: Steps, indices: Indices = None, out: np.ndarray | None = None
) -> np.ndarray:
    """g_i = (f(x + h_i e_i) - f(x)) / h_i: 1 + len(indices) evaluations, error O(h).
    h: a scalar, or one step per entry of `indices` (of x when indices is None)."""
    idx, g, h = _prepare(x, h, indices, out)
    f0 = f()
    for i, hi in zip(idx, h):
        t = x[i]
        x[i] = t + hi
        g[i] = (f() - f0) / (x[i] - t)  # divide by the step actually taken, after rounding
        x[i] = t
    return g


def central_difference(
    f: Loss, x: np.ndarray, h: Steps, indices: Indices = None, out: np.ndarray | None = None
) -> np.ndarray:
    """g_i = (f(x + h_i e_i) - f(x - h_i e_i)) / 2h_i: 2 len(indices) evaluations, error O(h^2)."""
    idx, g, h = _prepare(x, h, indices, out)
    for i, hi in zip(idx, h):
        g[i] = _central_at(f, x, i, hi)
    return g


def _central_at(f: Loss, x: np.ndarray, i: int, h: Any) -> Any:
    """One central difference of f along e_i with step h, divided by the steps actually taken after
    rounding; x[i] is put back."""
    t = x[i]
    x[i] = t + h
    up, step_up = f(), x[i] - t
    x[i] = t - h
    down, step_down = f(), t - x[i]
    x[i] = t
    return (up - down) / (step_up + step_down)


def richardson(f: Loss, x: np.ndarray, h: Steps, indices: Indices = None, out: np.ndarray | None = None) -> np.ndarray:
    """Richardson extrapolation of the central difference: with D(h) = f'(x) + c h^2 + O(h^4),
    g_i = (4 D(h_i / 2) - D(h_i)) / 3 cancels the h^2 term: 4 len(indices) evaluations, error O(h^4)."""
    idx, g, h = _prepare(x, h, indices, out)
    for i, hi in zip(idx, h):
        g[i] = (4 * _central_at(f, x, i, hi / 2) - _central_at(f, x, i, hi)) / 3
    return g


def complex_step(
    f: Loss, z: np.ndarray, h: float = COMPLEX_STEP, indices: Indices = None, out: np.ndarray | None = None
) -> np.ndarray:
    """g_i = Im f(x + i h e_i) / h for complex z holding x: len(indices) evaluations, no cancellation."""
    idx, g, _ = _prepare(z, h, indices, out)
    for i in idx:
        z.imag[i] = h
        g[i] = f().imag / h
        z.imag[i] = 0.0
    return g


Rule = Callable[..., np.ndarray]
STEP_POWER: dict[Rule, float] = {}  # filled below: the default step is eps^power * max(1, |x_i|)


def default_steps(x: np.ndarray, rule: Rule, out: np.ndarray | None = None) -> np.ndarray:
    """h_i = eps^p max(1, |x_i|) in x's precision: p = 1/2 balances a forward difference's O(h)
    truncation against its eps/h round-off, p = 1/3 a central difference's O(h^2), p = 1/5 Richardson's
    O(h^4). Computed in one array (`out`, which may be x itself)."""
    h = np.abs(x, out=out)
    np.maximum(h, 1.0, out=h)
    h *= np.finfo(x.dtype).eps ** STEP_POWER[rule]
    return h


def gradient(
    fn: Callable[[np.ndarray], Any], x: ArrayLike, rule: Rule | None = None, h: float | None = None
) -> np.ndarray:
    """The gradient of fn at x by `rule` (forward_difference, central_difference (default) or
    complex_step); h defaults to default_steps (eps^(1/2) or eps^(1/3) times max(1, |x_i|)) or 1e-20."""
    rule = rule or central_difference
    shape = np.shape(x)
    if rule is complex_step:
        z = np.array(x, dtype=complex).ravel()
        return complex_step(lambda: fn(z.reshape(shape)), z, h or COMPLEX_STEP).reshape(shape)
    v = np.array(x, dtype=float).ravel()
    step = h if h is not None else default_steps(v, rule)
    return rule(lambda: fn(v.reshape(shape)), v, step).reshape(shape)


# Each rule's step balances its truncation error O(h^p) against round-off eps/h: h ~ eps^(1/(p+1)).
STEP_POWER.update({forward_difference: 1 / 2, central_difference: 1 / 3, richardson: 1 / 5})
