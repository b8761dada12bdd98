"""Batched finite differences: every perturbed loss of a layer evaluated in a few tall matmuls.

Perturbing W[l][j, k] by h leaves layers 0..l-1 unchanged and adds h * A[l-1][:, j] to column k of
layer l's pre-activation Z[l] (perturbing b[l][k] adds h to that column). So the unperturbed prefix
is computed once, and P perturbations of layer l are stacked into a (P*B, w) matrix pushed through
layers l+1..L-1 together, in chunks whose buffers fit the memory budget. The losses are those the
loop evaluates (to round-off); the work is fewer matmuls and no Python loop over parameters.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .costs import chunk_size, entry_bytes
from .mlp import MLP, layer_slices
from .ops import Counter, add, dot, func, matmul, multiply, scatter_add, subtract, total
from .spec import Spec


@lru_cache(maxsize=16)
def coordinates(spec: Spec) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per layer, (row j, column k) of each of its parameters in theta's order; a bias gets row n_in,
    which points at a column of ones. Depends only on the spec, so it is computed once."""
    out = []
    for l in range(spec.layers):
        n_in, n_out = spec.widths[l], spec.widths[l + 1]
        j, k = np.divmod(np.arange(n_in * n_out), n_out)
        if spec.bias:
            j = np.concatenate([j, np.full(n_out, n_in)])
            k = np.concatenate([k, np.arange(n_out)])
        out.append((j, k))
    return out


def _suffix_losses(
    model: MLP, l: int, Z: np.ndarray, k: np.ndarray, cols: np.ndarray, delta: np.ndarray, c: Counter
) -> np.ndarray:
    """Losses with Z[:, k_p] += delta_p cols_p for each p: Z (B, n), k (P,), cols (P, B), delta (P,)."""
    W, b, L, Y = model.W, model.b, len(model.W), model.Y
    P, (B, n) = len(k), Z.shape
    Zp = np.repeat(Z[None], P, axis=0)  # (P, B, n): the shared prefix, copied once per perturbation
    scatter_add(c, Zp, k, multiply(c, cols, delta[:, None]))
    A = Zp.reshape(P * B, n)
    if l < L - 1:
        func(c, model.act, A, out=A)
    for m in range(l + 1, L):
        A = matmul(c, A, W[m])
        if b[m] is not None:
            add(c, A, b[m], out=A)
        if m < L - 1:
            func(c, model.act, A, out=A)
    R = subtract(c, A.reshape(P, B, -1), Y, out=A.reshape(P, B, -1))
    s = total(c, multiply(c, R, R, out=R).reshape(P, -1), axis=1)
    c.forward_passes += P
    return multiply(c, s, 1.0 / Y.size)


def perturbed_losses(
    model: MLP, idx: np.ndarray, deltas: list[np.ndarray], c: Counter, memory: int, base_loss: bool
) -> tuple[np.ndarray | None, list[np.ndarray]]:
    """L(theta + delta_i e_i) for sorted indices idx and each step vector in deltas (aligned with idx);
    with base_loss, also L(theta) (the prefix is then a whole forward pass)."""
    W, b, L, X = model.W, model.b, len(model.W), model.X
    kind = "stacked-twice" if len(deltas) > 1 else "stacked"
    chunk = chunk_size(model.spec, memory, entry_bytes(model.spec, len(idx), kind))
    losses = [np.empty(len(idx), model.dtype) for _ in deltas]
    A, pos = X, 0
    for l, ((w_slice, b_slice), (j, k)) in enumerate(zip(layer_slices(model.spec), coordinates(model.spec))):
        Z = matmul(c, A, W[l])
        if b[l] is not None:
            add(c, Z, b[l], out=Z)
        end = np.searchsorted(idx, (b_slice or w_slice).stop)
        if end - pos < len(j):  # a subset of the layer's parameters
            local = idx[pos:end] - w_slice.start
            j, k = j[local], k[local]
        A_ext = np.concatenate([A, np.ones((A.shape[0], 1), A.dtype)], axis=1)  # ones: the bias column
        for start in range(0, end - pos, chunk):
            sl = slice(start, min(start + chunk, end - pos))
            cols = A_ext[:, j[sl]].T
            for out, delta in zip(losses, deltas):
                out[pos + sl.start : pos + sl.stop] = _suffix_losses(
                    model, l, Z, k[sl], cols, delta[pos + sl.start : pos + sl.stop], c
                )
        pos = end
        if l < L - 1:
            func(c, model.act, Z, out=Z)
        A = Z
    if not base_loss:
        return None, losses
    R = subtract(c, A, model.Y)
    c.forward_passes += 1
    return multiply(c, dot(c, R.reshape(-1), R.reshape(-1)), 1.0 / R.size), losses
