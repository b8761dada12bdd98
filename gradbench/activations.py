"""Activation functions f(z) and their derivatives written in terms of the output a = f(z).

Each takes (input, out) and writes into `out` when given, so a pass allocates nothing per layer.
All work in complex arithmetic for the complex step: sigmoid and tanh are analytic, and relu
switches on the real part (its derivative there is 0 or 1, which the complex step reproduces).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

# f(input, out=None) -> output; `out` is written in place when given.
Activation = Callable[..., Any]

EXP_LIMIT = {np.dtype(np.float64): 709.0, np.dtype(np.float32): 88.0}  # exp() overflows just above these


def sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """1 / (1 + exp(-z)), with -z clipped where exp would overflow (sigmoid there is 0 to round-off).

    NumPy's exp is about twice as fast as its tanh, so this beats (1 + tanh(z/2)) / 2 on real arrays;
    complex arrays (no ordering for the clip) use the tanh form, which never overflows.
    """
    if z.dtype.kind == "c":
        out = np.multiply(z, 0.5, out)
        np.tanh(out, out)
        np.multiply(out, 0.5, out)
        return np.add(out, 0.5, out)
    out = np.negative(z, out)
    np.minimum(out, EXP_LIMIT[z.dtype], out=out)
    np.exp(out, out)
    np.add(out, 1.0, out)
    return np.reciprocal(out, out)


def sigmoid_grad(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """sigmoid'(z) = a (1 - a)."""
    out = np.subtract(1.0, a, out)
    return np.multiply(out, a, out)


def tanh(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    return np.tanh(z, out)


def tanh_grad(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """tanh'(z) = 1 - a^2."""
    out = np.multiply(a, a, out)
    return np.subtract(1.0, out, out)


def relu(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    if z.dtype.kind == "c":
        return np.multiply(z, z.real > 0, out)
    return np.maximum(z, 0.0, out=out)


def relu_grad(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """relu'(z) = 1 where z > 0 (equivalently a > 0), else 0."""
    mask = a.real > 0
    if out is None:
        return mask.astype(a.dtype)
    out[...] = mask
    return out


ACTIVATIONS: dict[str, tuple[Activation, Activation]] = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
}
