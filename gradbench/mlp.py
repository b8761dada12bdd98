"""The model: one flat parameter vector theta, per-layer views W[l] (n_in, n_out) and b[l] (n_out,).

Layout of theta: W[0] row-major, b[0], W[1], b[1], ... A finite-difference step writes one element
of theta in place; the views see it at once, so no perturbation copies the parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS
from .methods import gradient
from .ops import Counter
from .passes import forward
from .spec import Spec


@dataclass
class Workspace:
    """Preallocated per-layer buffers of one dtype, so a pass allocates nothing per layer.

    A[l] holds layer l's output (B, w[l+1]); T[l], U[l] hold gradients or tangents of the same shape;
    diff holds the loss residual (B, K) and flat, a 1-D view of it for inner products.
    """

    A: list[np.ndarray]
    T: list[np.ndarray]
    U: list[np.ndarray]
    diff: np.ndarray
    flat: np.ndarray


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
        self.W, self.b = self.views(self.theta)
        self.act, self.act_grad = ACTIVATIONS[spec.activation]
        self._workspaces: dict[tuple[np.dtype, int], Workspace] = {}

    @classmethod
    def build(cls, spec: Spec) -> MLP:
        """A seeded model: W ~ N(0, 1/n_in) (Xavier), b ~ N(0, 0.1^2), X ~ N(0, 1), Y ~ N(0, 1)."""
        spec.check_fits()
        rng = np.random.default_rng(spec.seed)
        theta = np.empty(spec.n_params)
        W, b = _views(theta, spec)
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

    def views(self, vec: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """W and b views into any flat vector laid out like theta (a gradient, a tangent, a copy)."""
        return _views(vec, self.spec)

    def set_params(self, theta: np.ndarray) -> None:
        """Copy new values into theta in place (the views stay valid)."""
        self.theta[...] = theta

    def set_data(self, X: np.ndarray, Y: np.ndarray) -> None:
        """Swap the batch (for training); each batch size gets its own buffers, kept for reuse."""
        self.X = np.ascontiguousarray(X, dtype=self.dtype)
        self.Y = np.ascontiguousarray(Y, dtype=self.dtype)

    def layer_slices(self) -> list[tuple[slice, slice | None]]:
        """Where each layer's W and b live in theta: [(W slice, b slice or None), ...]."""
        out, start, w = [], 0, self.spec.widths
        for l in range(self.spec.layers):
            n_w = w[l] * w[l + 1]
            n_b = w[l + 1] if self.spec.bias else 0
            out.append((slice(start, start + n_w), slice(start + n_w, start + n_w + n_b) if n_b else None))
            start += n_w + n_b
        return out

    def workspace(self, dtype: np.dtype) -> Workspace:
        B = self.X.shape[0]
        ws = self._workspaces.get((dtype, B))
        if ws is None:
            dtype, w = np.dtype(dtype), self.spec.widths
            shapes = [(B, n) for n in w[1:]]
            diff = np.empty(shapes[-1], dtype)
            ws = Workspace(
                A=[np.empty(s, dtype) for s in shapes],
                T=[np.empty(s, dtype) for s in shapes],
                U=[np.empty(s, dtype) for s in shapes],
                diff=diff,
                flat=diff.reshape(-1),
            )
            self._workspaces[dtype, B] = ws
        return ws

    def outputs(self) -> np.ndarray:
        """The network's outputs (B, K) from the last forward pass."""
        return self.workspace(self.dtype).A[-1].copy()

    def loss(self, counter: Counter | None = None) -> float:
        """The MSE loss at the current theta."""
        return float(forward(self, self.W, self.b, counter or Counter()))

    def gradient(self, method: str = "backprop", **options) -> tuple[np.ndarray, Counter]:
        """The gradient by a named method: (flat gradient, Counter of what ran)."""
        return gradient(self, method, **options)


def _views(vec: np.ndarray, spec: Spec):
    W, b, start, w = [], [], 0, spec.widths
    for l in range(spec.layers):
        n_w = w[l] * w[l + 1]
        W.append(vec[start : start + n_w].reshape(w[l], w[l + 1]))
        start += n_w
        if spec.bias:
            b.append(vec[start : start + w[l + 1]])
            start += w[l + 1]
        else:
            b.append(None)
    return W, b
