"""The model: one flat parameter vector theta, per-layer views W[l] (n_in, n_out) and b[l] (n_out,).

Layout of theta: W[0] row-major, b[0], W[1], b[1], ... A finite-difference step writes one element
of theta in place; the views see it at once, so no perturbation copies the parameters. The model holds
parameters and data only: the passes (passes.py) own their buffers, the methods (methods.py) their loops.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .activations import ACTIVATIONS, Activation
from .spec import Spec

Views = tuple[list[np.ndarray], list[np.ndarray | None]]


class MLP:
    """An MLP with its data: inputs X (B, D), targets Y (B, K), mean-squared-error loss."""

    def __init__(self, spec: Spec, theta: np.ndarray, X: np.ndarray, Y: np.ndarray):
        self.spec = spec
        self.dtype = np.dtype(spec.dtype)
        if theta.shape != (spec.n_params,):
            raise ValueError(f"theta has shape {theta.shape}, expected ({spec.n_params},)")
        self.theta = np.ascontiguousarray(theta, dtype=self.dtype)
        self.X = np.ascontiguousarray(X, dtype=self.dtype)
        self.Y = np.ascontiguousarray(Y, dtype=self.dtype)
        self.slices = layer_slices(spec)  # looked up once: views are made on every gradient
        self.W, self.b = self.views(self.theta)
        self.act: Activation
        self.act_grad: Activation
        self.act, self.act_grad = ACTIVATIONS[spec.activation]

    @classmethod
    def build(cls, spec: Spec) -> MLP:
        """A seeded model: W ~ N(0, 1/n_in) (Xavier), b ~ N(0, 0.1^2), X ~ N(0, 1), Y ~ N(0, 1)."""
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
    def n_params(self) -> int:
        return self.spec.n_params

    @property
    def batch(self) -> int:
        """Rows of the current data (training swaps batches of different sizes)."""
        return self.X.shape[0]

    def views(self, vec: np.ndarray) -> Views:
        """W and b views into any flat vector laid out like theta (a gradient, a tangent, a copy)."""
        return views(vec, self.spec, self.slices)

    def set_params(self, theta: np.ndarray) -> None:
        """Copy new values into theta in place (the views stay valid)."""
        self.theta[...] = theta

    def set_data(self, X: np.ndarray, Y: np.ndarray) -> None:
        """Swap the batch (for training)."""
        self.X = np.ascontiguousarray(X, dtype=self.dtype)
        self.Y = np.ascontiguousarray(Y, dtype=self.dtype)


@lru_cache(maxsize=64)  # computed once per spec
def layer_slices(spec: Spec) -> tuple[tuple[slice, slice | None], ...]:
    """Where each layer's W and b live in theta: ((W slice, b slice or None), ...)."""
    out, start, w = [], 0, spec.widths
    for l in range(spec.layers):
        n_w = w[l] * w[l + 1]
        n_b = w[l + 1] if spec.bias else 0
        out.append((slice(start, start + n_w), slice(start + n_w, start + n_w + n_b) if n_b else None))
        start += n_w + n_b
    return tuple(out)


def views(vec: np.ndarray, spec: Spec, slices: tuple[tuple[slice, slice | None], ...] | None = None) -> Views:
    """W[l] (w[l], w[l+1]) and b[l] (w[l+1],) views into a flat vector of length N (`slices`: the
    spec's layer_slices, when the caller holds them)."""
    w, slices = spec.widths, slices or layer_slices(spec)
    W = [vec[ws].reshape(w[l], w[l + 1]) for l, (ws, _) in enumerate(slices)]
    return W, [None if bs is None else vec[bs] for _, bs in slices]
