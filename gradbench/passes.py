"""The passes: forward (loss), backward (backprop) and tangent (forward-mode), in counted operations.

Shapes: X (B, D); W[l] (w[l], w[l+1]); b[l] (w[l+1],); A[l] = f(A[l-1] @ W[l] + b[l]) (B, w[l+1]),
no activation after the last layer; loss = mean((A[L-1] - Y)^2) over the B*K entries.
"""

from __future__ import annotations

from .ops import Counter, add, dot, func, matmul, multiply, subtract, total


def forward(model, W, b, c: Counter):
    """One forward pass; leaves every layer's output in the workspace for a backward pass."""
    ws = model.workspace(W[0].dtype)
    A = model.X
    last = len(W) - 1
    for l, (Wl, bl) in enumerate(zip(W, b)):
        Z = matmul(c, A, Wl, out=ws.A[l])
        if bl is not None:
            add(c, Z, bl, out=Z)
        if l < last:
            func(c, model.act, Z, out=Z)
        A = Z
    c.forward_passes += 1
    return _mse(model, A, ws, c)


def _mse(model, A, ws, c: Counter):
    subtract(c, A, model.Y, out=ws.diff)
    return multiply(c, dot(c, ws.flat, ws.flat), 1.0 / ws.flat.size)


def backward(model, gW, gb, c: Counter) -> None:
    """Backprop after `forward`: writes dL/dW[l], dL/db[l] into the gradient views gW, gb.

    dZ[L-1] = 2/n (A[L-1] - Y); dW[l] = A[l-1].T @ dZ[l]; db[l] = sum_rows dZ[l];
    dZ[l-1] = (dZ[l] @ W[l].T) * f'(A[l-1]). 2L-1 matmuls: no dX for the input layer.
    """
    ws = model.workspace(model.dtype)
    W, L = model.W, len(model.W)
    dZ = multiply(c, ws.diff, 2.0 / ws.diff.size, out=ws.T[L - 1])
    for l in range(L - 1, -1, -1):
        A_prev = ws.A[l - 1] if l > 0 else model.X
        matmul(c, A_prev.T, dZ, out=gW[l])
        if gb[l] is not None:
            total(c, dZ, axis=0, out=gb[l])
        if l > 0:
            dA = matmul(c, dZ, W[l].T, out=ws.U[l - 1])
            g = func(c, model.act_grad, A_prev, out=ws.T[l - 1])
            dZ = multiply(c, dA, g, out=g)
    c.backward_passes += 1


def jvp(model, dW, db, c: Counter):
    """Forward-mode AD: one pass of dual numbers (value, tangent) along the direction (dW, db).

    Returns (loss, directional derivative). Per layer: Z = A W + b and
    dZ = A dW + db + dA W (no dA W for the first layer: the inputs do not depend on theta).
    """
    ws = model.workspace(model.dtype)
    W, b = model.W, model.b
    A, dA = model.X, None
    last = len(W) - 1
    for l in range(last + 1):
        Z = matmul(c, A, W[l], out=ws.A[l])
        dZ = matmul(c, A, dW[l], out=ws.T[l])
        if b[l] is not None:
            add(c, Z, b[l], out=Z)
            add(c, dZ, db[l], out=dZ)
        if dA is not None:
            add(c, dZ, matmul(c, dA, W[l], out=ws.U[l]), out=dZ)
        if l < last:
            func(c, model.act, Z, out=Z)
            multiply(c, dZ, func(c, model.act_grad, Z, out=ws.U[l]), out=dZ)
        A, dA = Z, dZ
    c.forward_passes += 1
    loss = _mse(model, A, ws, c)
    tangent = multiply(c, dot(c, ws.flat, dA.reshape(-1)), 2.0 / dA.size)
    return loss, tangent
