"""The model: one flat parameter vector theta, per-layer views W[l] (n_in, n_out) and b[l] (1, n_out).

A bias is a row, the shape of one sample's layer output: adding it to a single sample's (1, n_out)
is then a same-shape add, which NumPy does in a third of the time of a broadcast one (0.3 vs 0.8 µs).

Layout of theta: W[0] row-major, b[0], W[1], b[1], ... A finite-difference step writes one element
of theta in place; the views see it at once, so no perturbation copies the parameters. The model holds
parameters and data only: the passes (passes.py) own their buffers, the methods (methods/) their loops.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .activations import ACTIVATIONS, Activation
from .spec import Spec

Views = tuple[list[np.ndarray], list[np.ndarray | None]]


class MLP:
    """An MLP with its data: inputs X (B, D), targets Y (B, K), mean-squared-error loss."""

    def __init__(self, spec: Spec, theta: np.ndarray, X: np.ndarray, Y: np.ndarray):
        self.spec = spec
        self.n_params = spec.n_params
        self.dtype = np.dtype(spec.dtype)
        if theta.shape != (spec.n_params,):
            raise ValueError(f"theta has shape {theta.shape}, expected ({spec.n_params},)")
        self.theta = np.ascontiguousarray(theta, dtype=self.dtype)
        self.X = np.ascontiguousarray(X, dtype=self.dtype)
        self.Y = np.ascontiguousarray(Y, dtype=self.dtype)
        self.layout = layout(spec)  # looked up once: views are made on every gradient
        self.W, self.b = self.views(self.theta)
        self.act: Activation
        self.act_grad: Activation
        self.act, self.act_grad = ACTIVATIONS[spec.activation]

    @classmethod
    def build(cls, spec: Spec) -> MLP:
        """A seeded model: W ~ N(0, 1/n_in) (Xavier), b ~ N(0, 0.1^2), X ~ N(0, 1), Y ~ N(0, 1). The machine's
        tuning is put in force first (tuning.py: cached, or calibrated once)."""
        from .tuning import current

        current()
        spec.check_fits()
        rng = np.random.default_rng(spec.seed)
        theta = np.empty(spec.n_params)
        W, b = views(theta, spec)
        for l, Wl in enumerate(W):
            Wl[...] = rng.standard_normal(Wl.shape) / np.sqrt(spec.widths[l])
        for bl in b:
            if bl is not None:
                bl[...] = 0.1 * rng.standard_normal(bl.shape)
        X = rng.standard_normal((spec.batch, spec.inputs))
        Y = rng.standard_normal((spec.batch, spec.outputs))
        return cls(spec, theta, X, Y)

    @property
    def batch(self) -> int:
        """Rows of the current data (training swaps batches of different sizes)."""
        return self.X.shape[0]

    def views(self, vec: np.ndarray) -> Views:
        """W and b views into any flat vector laid out like theta (a gradient, a tangent, a copy)."""
        return views(vec, self.spec, self.layout)

    def set_params(self, theta: np.ndarray) -> None:
        """Copy new values into theta in place (the views stay valid)."""
        self.theta[...] = theta

    def set_data(self, X: np.ndarray, Y: np.ndarray) -> None:
        """Swap the batch (for training)."""
        self.X = np.ascontiguousarray(X, dtype=self.dtype)
        self.Y = np.ascontiguousarray(Y, dtype=self.dtype)


class Layer(NamedTuple):
    """Where one layer lives in theta."""

    weight_slice: slice  # W[l], row-major
    shape: tuple[int, int]  # (w[l], w[l+1])
    bias_index: tuple[None, slice] | None  # gives b[l] as a (1, w[l+1]) row; None without biases
    stop: int  # one past the layer's last parameter


Layout = tuple[Layer, ...]


@lru_cache(maxsize=64)  # computed once per spec
def layout(spec: Spec) -> Layout:
    """Each layer's place in theta, in order."""
    out, start, w = [], 0, spec.widths
    for l in range(spec.layers):
        n_w, n_b = w[l] * w[l + 1], w[l + 1] if spec.bias else 0
        bias = (None, slice(start + n_w, start + n_w + n_b)) if n_b else None
        out.append(Layer(slice(start, start + n_w), (w[l], w[l + 1]), bias, start + n_w + n_b))
        start += n_w + n_b
    return tuple(out)


def views(vec: np.ndarray, spec: Spec, places: Layout | None = None) -> Views:
    """W[l] (w[l], w[l+1]) and b[l] (1, w[l+1]) views into a flat vector of length N (`places`: the
    spec's layout, when the caller holds it). A plain loop: views are made on every gradient (1.2 µs)."""
    W: list[np.ndarray] = []
    b: list[np.ndarray | None] = []
    for weight_slice, shape, bias_index, _ in places or layout(spec):
        W.append(vec[weight_slice].reshape(shape))
        b.append(None if bias_index is None else vec[bias_index])
    return W, b
