"""The closed-form cost model: what each method must count, as functions of L, widths, B.

Tests hold these equal to the counters of real runs for many shapes; the sampled timings use them
for the accounting columns of a method too slow to run in full.
"""

from __future__ import annotations

from .ops import ADD_COMPLEX, MATMUL_COMPLEX, MUL_COMPLEX, Counter
from .spec import Spec


def _layers(spec: Spec):
    """(w_in, w_out) per layer."""
    w = spec.widths
    return [(w[l], w[l + 1]) for l in range(spec.layers)]


def _loss(spec: Spec, fa: int = 1, fmu: int = 1) -> Counter:
    """mean((A - Y)^2): subtract, square, sum, scale."""
    n = spec.batch * spec.outputs
    return Counter(adds=2, multiplies=2, flops=fa * (n + n - 1) + fmu * (n + 1))


def forward_pass(spec: Spec, complex_: bool = False) -> Counter:
    """One forward pass and its loss: L matmuls, L bias adds, L-1 activations."""
    fm, fa, fmu = (MATMUL_COMPLEX, ADD_COMPLEX, MUL_COMPLEX) if complex_ else (1, 1, 1)
    B, L, layers = spec.batch, spec.layers, _layers(spec)
    mm = fm * sum(2 * B * i * o for i, o in layers)
    bias = fa * sum(B * o for _, o in layers) if spec.bias else 0
    act = sum(B * o for _, o in layers[:-1])
    c = Counter(forward_passes=1, matmuls=L, adds=L if spec.bias else 0, funcs=L - 1,
                matmul_flops=mm, flops=mm + bias + act)
    return c + _loss(spec, fa, fmu)


def backward_pass(spec: Spec) -> Counter:
    """dL/dA, then per layer dW (all L) and dX (all but the first): 2L-1 matmuls."""
    B, L, layers = spec.batch, spec.layers, _layers(spec)
    mm = sum(2 * B * i * o for i, o in layers) + sum(2 * B * i * o for i, o in layers[1:])
    db = sum((B - 1) * o for _, o in layers) if spec.bias else 0
    act = sum(B * i for i, _ in layers[1:])  # f'(A) and its product with dA, per hidden layer
    return Counter(backward_passes=1, matmuls=2 * L - 1, adds=L if spec.bias else 0,
                   multiplies=1 + (L - 1), funcs=L - 1, matmul_flops=mm,
                   flops=mm + db + 2 * act + B * spec.outputs)


def tangent_pass(spec: Spec) -> Counter:
    """A dual-number pass: value and tangent, 3L-1 matmuls (A W, A dW, and dA W past layer 1)."""
    B, L, layers = spec.batch, spec.layers, _layers(spec)
    n = B * spec.outputs
    mm = sum(2 * B * i * o for i, o in layers) * 2 + sum(2 * B * i * o for i, o in layers[1:])
    bias = 2 * sum(B * o for _, o in layers) if spec.bias else 0
    hidden = sum(B * o for _, o in layers[:-1])
    c = Counter(forward_passes=1, matmuls=3 * L - 1,
                adds=(2 * L if spec.bias else 0) + (L - 1) + 1, multiplies=(L - 1) + 2,
                funcs=2 * (L - 1), matmul_flops=mm,
                flops=mm + bias + sum(B * o for _, o in layers[1:]) + 3 * hidden + n + (n - 1) + 1)
    return c + _loss(spec)


def predict(method: str, spec: Spec, n: int | None = None) -> Counter:
    """The counts `method` performs for the gradient of `spec` (or `n` of its entries)."""
    N = spec.n_params if n is None else n
    if method == "forward":
        return forward_pass(spec) * (N + 1)
    if method == "central":
        return forward_pass(spec) * (2 * N)
    if method == "complex":
        return forward_pass(spec, complex_=True) * N
    if method == "forward-mode":
        return tangent_pass(spec) * N
    if method == "backprop":
        return forward_pass(spec) + backward_pass(spec)
    raise KeyError(method)
