"""The passes: forward (loss), backward (backprop) and tangent (forward-mode), in counted operations.

Shapes: X (B, D); W[l] (w[l], w[l+1]); b[l] (1, w[l+1]); A[l] = f(A[l-1] @ W[l] + b[l]) (B, w[l+1]),
no activation after the last layer; loss = mean((A[L-1] - Y)^2) over the B*K entries.

The passes own their buffers (a Workspace per model, dtype and batch size), so a pass allocates
nothing per layer and the model holds parameters and data only.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from .mlp import MLP
from .ops import PLAIN, Counter, Counting, Kernel, add, dot, func, matmul, multiply, total


@dataclass
class Workspace:
    """Preallocated buffers of one dtype and batch size B.

    A[l] holds layer l's output (B, w[l+1]), kept for a backward pass. T[l] and U[l], the same shape,
    hold a layer's gradients or tangents only while the next layer is worked on: every T[l] is a view of
    one flat buffer and every U[l] of another, so a pass holds B * sum(w) activations plus two layers'
    worth, not three times every layer. A pass must be done with T[l] (U[l]) before it writes T[l-1]
    or T[l+1] (likewise U): backward and jvp order their steps so.
    diff holds the loss residual (B, K) and flat, a 1-D view of it for inner products; scale is dL/dA's
    2/(B K), a 0-d array of the dtype (NumPy converts a Python float operand anew on every call).
    """

    A: list[np.ndarray]
    T: list[np.ndarray]
    U: list[np.ndarray]
    diff: np.ndarray
    flat: np.ndarray
    scale: np.ndarray
    inverse: np.ndarray  # 1/(B K): the mean's factor, a 0-d array like scale

    @classmethod
    def allocate(cls, widths: tuple[int, ...], batch: int, dtype: np.dtype) -> Workspace:
        shapes = [(batch, n) for n in widths[1:]]
        t, u = (np.empty(batch * max(widths[1:]), dtype) for _ in range(2))
        diff = np.empty(shapes[-1], dtype)
        return cls(
            A=[np.empty(s, dtype) for s in shapes],
            T=[t[: s[0] * s[1]].reshape(s) for s in shapes],
            U=[u[: s[0] * s[1]].reshape(s) for s in shapes],
            diff=diff,
            flat=diff.reshape(-1),
            scale=np.full((), 2.0 / diff.size, dtype),
            inverse=np.full((), 1.0 / diff.size, dtype),
        )


# Buffers live as long as their model: weak keys, so a dropped model frees its workspaces.
_WORKSPACES: weakref.WeakKeyDictionary[MLP, dict[tuple[np.dtype, int], Workspace]] = weakref.WeakKeyDictionary()


def forget_workspaces(model: MLP) -> None:
    """Drop the model's buffers: the next pass allocates them again (to measure what a gradient needs)."""
    _WORKSPACES.pop(model, None)


def workspace(model: MLP, dtype: np.dtype) -> Workspace:
    """The model's buffers for `dtype` at its current batch size, allocated on first use."""
    key = (dtype, model.X.shape[0])  # a lookup per pass: dictionary reads only (0.25 µs)
    spaces = _WORKSPACES.get(model)
    if spaces is None:
        spaces = _WORKSPACES[model] = {}
    if key not in spaces:
        spaces[key] = Workspace.allocate(model.spec.widths, key[1], np.dtype(dtype))
    return spaces[key]


def forward(model: MLP, W: list[np.ndarray], b: list[np.ndarray | None], c: Counter | None) -> np.ndarray:
    """One forward pass with parameters (W, b) (views of theta or of a complex copy of it); leaves every
    layer's output in the workspace for a backward pass. Returns the loss as a 0-d array. Counted into c,
    or run plain (uncounted: its plan counts it, plans.py) when c is None."""
    ws = workspace(model, W[0].dtype)
    k: Kernel = PLAIN if c is None else Counting(c)
    A = model.X
    last = len(W) - 1
    for l, (Wl, bl) in enumerate(zip(W, b)):
        Z = k.matmul(A, Wl, ws.A[l])
        if bl is not None:
            k.add(Z, bl, Z)
        if l < last:
            k.func(model.act, Z, Z)
        A = Z
    if c is not None:
        c.forward_passes += 1
    return _mse(model, A, ws, k)


def _mse(model: MLP, A: np.ndarray, ws: Workspace, k: Kernel) -> np.ndarray:
    k.subtract(A, model.Y, ws.diff)
    return k.multiply(k.dot(ws.flat, ws.flat), ws.inverse)


def backward(model: MLP, gW: list[np.ndarray], gb: list[np.ndarray | None], c: Counter | None) -> None:
    """Backprop after `forward`: writes dL/dW[l], dL/db[l] into the gradient views gW, gb (counted into c,
    or plain when c is None).

    dZ[L-1] = 2/n (A[L-1] - Y); dW[l] = A[l-1].T @ dZ[l]; db[l] = sum_rows dZ[l];
    dZ[l-1] = (dZ[l] @ W[l].T) * f'(A[l-1]). 2L-1 matmuls: no dX for the input layer.
    """
    ws = workspace(model, model.dtype)
    k: Kernel = PLAIN if c is None else Counting(c)
    W, L = model.W, len(model.W)
    dZ = k.multiply(ws.diff, ws.scale, ws.T[L - 1])
    for l in range(L - 1, -1, -1):  # layer_backward's step, inline: a call per layer was 4% of a 3x10x1 gradient
        A_prev = ws.A[l - 1] if l > 0 else model.X
        k.matmul(A_prev.T, dZ, gW[l])
        gbl = gb[l]
        if gbl is not None:
            k.total(dZ, 0, None, gbl, True)
        if l > 0:
            dA = k.matmul(dZ, W[l].T, ws.U[l - 1])
            g = k.func(model.act_grad, A_prev, ws.T[l - 1])  # T[l]'s buffer: dZ is spent
            dZ = k.multiply(dA, g, g)
    if c is not None:
        c.backward_passes += 1


def layer_backward(
    model: MLP,
    l: int,
    A_prev: np.ndarray,
    dZ: np.ndarray,
    gW: list[np.ndarray],
    gb: list[np.ndarray | None],
    c: Counter,
) -> np.ndarray:
    """One layer of backprop: dW[l] = A_prev.T dZ, db[l] = sum_rows dZ into the gradient views, and the
    dZ of the layer below, (dZ W[l].T) * f'(A_prev) (nothing below the input layer: returns dZ)."""
    matmul(c, A_prev.T, dZ, out=gW[l])
    gbl = gb[l]
    if gbl is not None:
        total(c, dZ, axis=0, out=gbl, keepdims=True)
    if l == 0:
        return dZ
    dA = matmul(c, dZ, model.W[l].T)
    return multiply(c, dA, func(c, model.act_grad, A_prev), out=dA)


def jvp(model: MLP, dW: list[np.ndarray], db: list[np.ndarray | None], c: Counter) -> tuple[np.ndarray, np.ndarray]:
    """Forward-mode AD: one pass of dual numbers (value, tangent) along the direction (dW, db).

    Returns (loss, directional derivative). Per layer: Z = A W + b and
    dZ = A dW + db + dA W (no dA W for the first layer: the inputs do not depend on theta).
    """
    ws = workspace(model, model.dtype)
    W, b = model.W, model.b
    A, dA = model.X, None
    last = len(W) - 1
    for l in range(last + 1):
        Z = matmul(c, A, W[l], out=ws.A[l])
        carried = None if dA is None else matmul(c, dA, W[l], out=ws.U[l])  # before T[l] reuses dA's buffer
        dZ = matmul(c, A, dW[l], out=ws.T[l])
        if b[l] is not None:
            add(c, Z, b[l], out=Z)
            add(c, dZ, db[l], out=dZ)
        if carried is not None:
            add(c, dZ, carried, out=dZ)
        if l < last:
            func(c, model.act, Z, out=Z)
            multiply(c, dZ, func(c, model.act_grad, Z, out=ws.U[l]), out=dZ)
        A, dA = Z, dZ
    c.forward_passes += 1
    assert dA is not None  # the loop ran at least once: a Spec has layers >= 1
    loss = _mse(model, A, ws, Counting(c))
    tangent = multiply(c, dot(c, ws.flat, dA.reshape(-1)), 2.0 / dA.size)
    return loss, tangent


def loss(model: MLP, counter: Counter | None = None) -> float:
    """The MSE loss at the model's current parameters (counted into `counter` when given)."""
    return float(forward(model, model.W, model.b, counter or Counter()))


def outputs(model: MLP) -> np.ndarray:
    """The network's outputs (B, K) at the current parameters: one uncounted forward pass."""
    forward(model, model.W, model.b, Counter())
    return workspace(model, model.dtype).A[-1].copy()
