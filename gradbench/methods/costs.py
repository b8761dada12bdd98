"""The closed-form cost model: what each method must count, as functions of L, widths, B.

Each method's registry entry (catalogue.py) states its cost in these terms; tests hold the two equal to
the counters of real runs for many shapes, and the sampled timings use them for the accounting columns
of a method too slow to run in full.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence

from ..model.ops import ADD_COMPLEX, MATMUL_COMPLEX, MUL_COMPLEX, Counter
from ..model.spec import Spec
from .segments import segments


def _layers(spec: Spec) -> list[tuple[int, int]]:
    """(w_in, w_out) per layer."""
    w = spec.widths
    return [(w[l], w[l + 1]) for l in range(spec.layers)]


def _loss(spec: Spec, fa: int = 1, fmu: int = 1) -> Counter:
    """mean((A - Y)^2): subtract, square, sum, scale."""
    n = spec.batch * spec.outputs
    return Counter(adds=2, multiplies=2, other_flops=fa * (n + n - 1) + fmu * (n + 1))


def layers_pass(spec: Spec, complex_: bool = False) -> Counter:
    """Through the layers, no loss: L matmuls, L bias adds, L-1 activations."""
    fm, fa = (MATMUL_COMPLEX, ADD_COMPLEX) if complex_ else (1, 1)
    B, L, layers = spec.batch, spec.layers, _layers(spec)
    mm = fm * sum(2 * B * i * o for i, o in layers)
    bias = fa * sum(B * o for _, o in layers) if spec.bias else 0
    act = sum(B * o for _, o in layers[:-1])
    return Counter(matmuls=L, adds=L if spec.bias else 0, funcs=L - 1, matmul_flops=mm, other_flops=bias + act)


def forward_pass(spec: Spec, complex_: bool = False) -> Counter:
    """One forward pass and its loss."""
    fa, fmu = (ADD_COMPLEX, MUL_COMPLEX) if complex_ else (1, 1)
    return layers_pass(spec, complex_) + _loss(spec, fa, fmu) + Counter(forward_passes=1)


def backward_pass(spec: Spec) -> Counter:
    """dL/dA, then per layer dW (all L) and dX (all but the first): 2L-1 matmuls."""
    B, L, layers = spec.batch, spec.layers, _layers(spec)
    mm = sum(2 * B * i * o for i, o in layers) + sum(2 * B * i * o for i, o in layers[1:])
    db = sum((B - 1) * o for _, o in layers) if spec.bias else 0
    act = sum(B * i for i, _ in layers[1:])  # f'(A) and its product with dA, per hidden layer
    return Counter(
        backward_passes=1,
        matmuls=2 * L - 1,
        adds=L if spec.bias else 0,
        multiplies=1 + (L - 1),
        funcs=L - 1,
        matmul_flops=mm,
        other_flops=db + 2 * act + B * spec.outputs,
    )


def tangent_pass(spec: Spec) -> Counter:
    """A dual-number pass: value and tangent, 3L-1 matmuls (A W, A dW, and dA W past layer 1)."""
    B, L, layers = spec.batch, spec.layers, _layers(spec)
    n = B * spec.outputs
    mm = sum(2 * B * i * o for i, o in layers) * 2 + sum(2 * B * i * o for i, o in layers[1:])
    bias = 2 * sum(B * o for _, o in layers) if spec.bias else 0
    hidden = sum(B * o for _, o in layers[:-1])
    c = Counter(
        forward_passes=1,
        matmuls=3 * L - 1,
        adds=(2 * L if spec.bias else 0) + (L - 1) + 1,
        multiplies=(L - 1) + 2,
        funcs=2 * (L - 1),
        matmul_flops=mm,
        other_flops=bias + sum(B * o for _, o in layers[1:]) + 3 * hidden + n + (n - 1) + 1,
    )
    return c + _loss(spec)


def recompute(spec: Spec, count: int | None = None) -> Counter:
    """What checkpointed backprop does again on the way back: in each segment, the layers whose outputs it
    needs (all but the segment's last), from the segment's stored input. Every one is a hidden layer."""
    B, w, c = spec.batch, spec.widths, Counter()
    for start, end in segments(spec.layers, count):
        for l in range(start, end - 1):
            mm = 2 * B * w[l] * w[l + 1]
            bias = B * w[l + 1] if spec.bias else 0
            c = c + Counter(matmuls=1, adds=int(spec.bias), funcs=1, matmul_flops=mm, other_flops=bias + B * w[l + 1])
    return c


def _suffix_chunk(spec: Spec, l: int, p: int) -> Counter:
    """p perturbations of layer l stacked: each one's column of Z[l] (scale, add), then for a hidden
    layer its activation, its change u, the rank-1 update of layer l+1's pre-activation (multiply, add)
    and layers l+2..; for the last layer the outputs; then the loss, per perturbation."""
    B, L, w, K = spec.batch, spec.layers, spec.widths, spec.outputs
    c = Counter(forward_passes=p, multiplies=1, adds=1, other_flops=2 * p * B)  # the perturbed column
    if l < L - 1:
        rank1 = p * B * w[l + 2]
        c += Counter(funcs=1, adds=2, multiplies=1, other_flops=p * B + p * B + 2 * rank1)  # f, u, u (x) W[l+1][k]
        if l + 1 < L - 1:
            c += Counter(funcs=1, other_flops=rank1)
    for m in range(l + 2, L):
        mm = 2 * p * B * w[m] * w[m + 1]
        c += Counter(matmuls=1, matmul_flops=mm)
        if spec.bias:
            c += Counter(adds=1, other_flops=p * B * w[m + 1])
        if m < L - 1:
            c += Counter(funcs=1, other_flops=p * B * w[m + 1])
    n = B * K  # the loss: residual, each row's sum of squares, 1/n
    return c + Counter(adds=2, multiplies=2, other_flops=p * n + p * (2 * n - 1) + p)


def batched(spec: Spec, memory: int, central: bool, indices: Sequence[int] | None = None) -> Counter:
    """The batched finite differences: the shared prefix once (a whole forward pass with its loss for the
    forward difference), then each layer's perturbations in chunks, twice (+h, -h) for the central.
    With `indices` (sorted entries of theta), only those perturbations: each layer chunks its own share."""
    from .footprint import batched_chunk

    chunk = batched_chunk(spec, memory, central, entries(spec, indices))
    total = layers_pass(spec) if central else forward_pass(spec)
    for l, p in batched_chunks(spec, chunk, indices):
        total = total + _suffix_chunk(spec, l, p) * (2 if central else 1)
    return total


def batched_chunks(spec: Spec, chunk: int, indices: Sequence[int] | None = None) -> Iterator[tuple[int, int]]:
    """(layer, perturbations) of each chunk a batched method stacks: each layer's parameters (or its
    share of the sorted `indices`) in chunks of at most `chunk`."""
    start = 0
    for l, (i, o) in enumerate(_layers(spec)):
        size = i * o + (o if spec.bias else 0)
        P = size if indices is None else bisect_left(indices, start + size) - bisect_left(indices, start)
        start += size
        for first in range(0, P, chunk):
            yield l, min(chunk, P - first)


def entries(spec: Spec, indices: Sequence[int] | None) -> int:
    """How many gradient entries a method computes: all N, or those asked for."""
    return spec.n_params if indices is None else len(indices)


# --- the GEMMs each computation performs, by shape: the list a shape-matched limit times ---------------
# (m, k, n, a_transposed): an (m, k) @ (k, n) product, its left operand a transposed view when flagged
# (backprop's A[l-1].T @ dZ[l]). Held equal to the counted matmuls by the tests (count and FLOPs).
Gemm = tuple[int, int, int, bool]


def forward_gemms(spec: Spec) -> list[Gemm]:
    """One forward pass: X W[0], then A[l-1] W[l]."""
    return [(spec.batch, i, o, False) for i, o in _layers(spec)]


def backward_gemms(spec: Spec) -> list[Gemm]:
    """One backward pass: dW[l] = A[l-1].T dZ[l] for every layer, dA[l-1] = dZ[l] W[l].T but the first's."""
    B, layers = spec.batch, _layers(spec)
    out: list[Gemm] = []
    for l in range(len(layers) - 1, -1, -1):
        i, o = layers[l]
        out.append((i, B, o, True))
        if l > 0:
            out.append((B, o, i, False))
    return out


def batched_gemms(spec: Spec, memory: int, central: bool) -> list[Gemm]:
    """A batched method: its prefix's forward pass, then per chunk of layer l the layers l+2.. stacked
    (layer l+1 is its rank-1 update, no GEMM); twice for the central difference."""
    from .footprint import batched_chunk

    chunk, w = batched_chunk(spec, memory, central, spec.n_params), spec.widths
    out = forward_gemms(spec)
    for l, p in batched_chunks(spec, chunk):
        out += [(p * spec.batch, w[m], w[m + 1], False) for m in range(l + 2, spec.layers)] * (2 if central else 1)
    return out
