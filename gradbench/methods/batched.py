"""Batched finite differences: every perturbed loss of a layer evaluated in a few tall matmuls.

Perturbing W[l][j, k] by h leaves layers 0..l-1 unchanged and adds h * A[l-1][:, j] to column k of
layer l's pre-activation Z[l] (perturbing b[l][k] adds h to that column). So the unperturbed prefix is
computed once, and of layer l's output only column k changes: layer l+1's pre-activation changes by the
rank-1 (change of that column) x W[l+1][k, :], O(B w) per perturbation instead of a (B x w) @ (w x w')
matmul. P perturbations' layer l+1 pre-activations are stacked into a (P*B, w') matrix and pushed
through layers l+2..L-1 together (for the last layer's parameters, the outputs themselves, one column
changed). The chunks are sized to stay in cache (rows tuned on the machine, tuning.py) and within --memory,
and reuse two buffers, so the matmuls run near the machine's GEMM rate. The losses are those the loop
evaluates (to round-off); the work is fewer matmuls and no Python loop over parameters.
"""

from __future__ import annotations

import numpy as np

from ..model.mlp import MLP
from ..model.ops import Counter, add, func, matmul, multiply, outer, subtract, sum_of_squares
from .footprint import batched_chunk


class Buffers:
    """Two flat buffers of `chunk` perturbations' (B, widest layer) activations, used in turn."""

    def __init__(self, chunk: int, batch: int, width: int, dtype: np.dtype) -> None:
        self.flat = [np.empty(chunk * batch * width, dtype) for _ in range(2)]
        self.turn = 0

    def next(self, rows: int, cols: int) -> np.ndarray:
        """The other buffer, as a C-contiguous (rows, cols) matrix."""
        self.turn ^= 1
        return self.flat[self.turn][: rows * cols].reshape(rows, cols)


def _suffix_losses(
    model: MLP, l: int, Z: np.ndarray, F: np.ndarray, Znext: np.ndarray | None, j: np.ndarray, k: np.ndarray,
    delta: np.ndarray, A: np.ndarray, bufs: Buffers, c: Counter,
) -> np.ndarray:  # fmt: skip
    """Losses with Z[:, k_p] += delta_p A[:, j_p] for each p (A's column j = n_in: ones, for a bias): Z,
    F = f(Z) (B, n), Znext = F W[l+1] + b[l+1] (B, n') the next layer's unperturbed pre-activation (None
    for the last layer), the layer's input A (B, n_in), j, k, delta (P,).

    Only column k_p of F changes, by u_p = f(Z[:, k_p] + delta_p A[:, j_p]) - F[:, k_p]: the next layer's
    pre-activation changes by the rank-1 u_p W[l+1][k_p, :], B n' multiply-adds per perturbation instead
    of the (B x n) @ (n x n') matmul that recomputing it takes."""
    W, b, L, Y = model.W, model.b, len(model.W), model.Y
    P, (B, n) = len(k), Z.shape
    bias = j == A.shape[1]
    cols = A[:, np.minimum(j, A.shape[1] - 1)].T  # (P, B): the input column each weight multiplies
    cols[bias] = 1.0  # a bias multiplies ones
    column = add(c, Z[:, k].T, multiply(c, cols, delta[:, None], out=cols))  # (P, B): each perturbed column
    del cols
    if Znext is None:  # the last layer: its outputs are the network's; one column of them changes
        stacked = bufs.next(P * B, n)
        S = stacked.reshape(P, B, n)
        np.copyto(S, F[None])  # the unperturbed output, once per perturbation (a copy: no arithmetic)
        S[np.arange(P), :, k] = column
        A = stacked
    else:
        func(c, model.act, column, out=column)
        u = subtract(c, column, F[:, k].T, out=column)  # (P, B): how column k_p of F changes
        n_next = Znext.shape[1]
        A = bufs.next(P * B, n_next)
        S = A.reshape(P, B, n_next)
        outer(c, u, W[l + 1][k], out=S)  # each u_p (x) W[l+1][k_p, :]
        add(c, S, Znext[None], out=S)  # Znext + the rank-1 change: layer l+1's pre-activation, bias included
        if l + 1 < L - 1:
            func(c, model.act, A, out=A)
    for m in range(l + 2 if Znext is not None else L, L):
        A = matmul(c, A, W[m], out=bufs.next(P * B, W[m].shape[1]))
        if b[m] is not None:
            add(c, A, b[m], out=A)
        if m < L - 1:
            func(c, model.act, A, out=A)
    R = subtract(c, A.reshape(P, B, -1), Y, out=A.reshape(P, B, -1))
    c.forward_passes += P
    return multiply(c, sum_of_squares(c, R.reshape(P, -1)), 1.0 / Y.size)


def _coordinates(n_in: int, n_out: int, local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row j, column k) of a layer's parameters at positions `local` in its slice of theta; a bias gets
    row n_in (the ones a bias multiplies)."""
    j, k = np.divmod(local, n_out)
    bias = local >= n_in * n_out
    j[bias], k[bias] = n_in, local[bias] - n_in * n_out
    return j, k


def _pre_activation(model: MLP, l: int, A: np.ndarray, c: Counter) -> np.ndarray:
    """Z[l] = A W[l] + b[l], newly allocated."""
    Z = matmul(c, A, model.W[l])
    if model.b[l] is not None:
        add(c, Z, model.b[l], out=Z)
    return Z


def perturbed_losses(
    model: MLP, idx: np.ndarray | None, deltas: list[np.ndarray], c: Counter, memory: int, base_loss: bool
) -> tuple[np.ndarray | None, list[np.ndarray]]:
    """L(theta + delta_i e_i) for the sorted indices idx (None: every entry) and each step vector in
    deltas (aligned with idx); with base_loss, also L(theta) (the prefix is then a whole forward pass)."""
    W, L, spec = model.W, len(model.W), model.spec
    entries = spec.n_params if idx is None else len(idx)
    chunk = batched_chunk(spec, memory, len(deltas) > 1, entries)
    bufs = Buffers(chunk, spec.batch, max(spec.widths[1:]), model.dtype)
    losses = [np.empty(entries, model.dtype) for _ in deltas]
    A, pos = model.X, 0
    Z = _pre_activation(model, 0, A, c)
    for l, layer in enumerate(model.layout):
        F = func(c, model.act, Z) if l < L - 1 else Z
        Znext = _pre_activation(model, l + 1, F, c) if l < L - 1 else None  # what the rank-1 updates change
        end = layer.stop if idx is None else int(np.searchsorted(idx, layer.stop))
        for first in range(pos, end, chunk):
            where = slice(first, min(first + chunk, end))
            entries_at = np.arange(where.start, where.stop) if idx is None else idx[where]  # positions in theta
            j, k = _coordinates(W[l].shape[0], W[l].shape[1], entries_at - layer.weight_slice.start)
            for out, delta in zip(losses, deltas):
                out[where] = _suffix_losses(model, l, Z, F, Znext, j, k, delta[where], A, bufs, c)
        pos, A = end, F
        if Znext is not None:
            Z = Znext
    if not base_loss:
        return None, losses
    R = subtract(c, A, model.Y)
    c.forward_passes += 1
    return multiply(c, sum_of_squares(c, R.reshape(1, -1))[0], 1.0 / R.size), losses
