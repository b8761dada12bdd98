"""The closed-form peak memory of each method: the bytes of the arrays alive at its peak, from L, the
widths, B, N, the dtype and --memory. Each method's registry entry (catalogue.py) states its peak in these
terms; tests hold the prediction to the peak tracemalloc measures, within TOLERANCE, over many shapes,
and --memory is checked against it before any work.

s is the dtype's itemsize, W the sum of the layer widths past the input, K the outputs.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..errors import GradbenchError
from ..io.units import sizes
from ..model.mlp import layout
from ..model.spec import Spec
from .segments import SegmentChoice, segments

# Measured minus predicted stays within this: Python objects (lists, counters, array headers) and
# NumPy's small scratch, which no closed form of the arrays sees.
TOLERANCE_REL, TOLERANCE_BYTES = 0.05, 2**14


def tolerance(predicted: int) -> int:
    """How far the measured peak may stand from the prediction."""
    return int(TOLERANCE_REL * predicted) + TOLERANCE_BYTES


def ufunc_buffer(spec: Spec, rows: int, itemsize: int) -> int:
    """NumPy's scratch for a broadcast operation (a bias add, Y subtracted from stacked outputs): up to
    its buffer size in elements of the widest (rows, w) operand, the (rows, K) output without biases.
    (Measured: a broadcast copy takes none.)"""
    width = max(spec.widths[1:]) if spec.bias else spec.outputs
    return min(np.getbufsize(), rows * width) * itemsize


def workspace(spec: Spec, itemsize: int) -> int:
    """passes.Workspace: A, (B, w) per layer; T and U, one (B, widest) buffer each; the (B, K) residual;
    and the scratch of a real bias add into them (measured: a complex one takes none)."""
    scratch = ufunc_buffer(spec, spec.batch, itemsize) if spec.bias and itemsize == spec.itemsize else 0
    B, w = spec.batch, spec.widths[1:]
    return (B * sum(w) + 2 * B * max(w) + B * spec.outputs) * itemsize + scratch


def loop(spec: Spec, entries: int) -> int:
    """A finite difference in a loop: the gradient, one step per entry, the passes' workspace."""
    s = spec.itemsize
    return spec.n_params * s + entries * s + workspace(spec, s)


def complex_step(spec: Spec, entries: int) -> int:
    """The complex copy of theta, the gradient, a complex workspace, and X cast to complex by the first
    matmul (X is real, W[0] complex)."""
    s, z = spec.itemsize, 2 * spec.itemsize
    return spec.n_params * (z + s) + workspace(spec, z) + spec.batch * spec.inputs * z


def forward_mode(spec: Spec, entries: int) -> int:
    """The unit direction (N), the gradient and the workspace (its T and U hold two layers' tangents)."""
    return 2 * spec.n_params * spec.itemsize + workspace(spec, spec.itemsize)


def backprop(spec: Spec, entries: int) -> int:
    """The gradient and the workspace: every layer's activation A kept for the backward pass, and the two
    layers' gradients T and U it works on."""
    return spec.n_params * spec.itemsize + workspace(spec, spec.itemsize)


def checkpoint(spec: Spec, count: int | None = None) -> int:
    """The segments' inputs (X excluded: the model holds it), the output and its residual, then at the
    worst layer of the worst segment: the gradient, the segment's recomputed activations, dZ, and the
    layer's dA and f'(A) (B, w) each."""
    B, w, s = spec.batch, spec.widths, spec.itemsize
    parts = segments(spec.layers, count)
    kept = sum(B * w[start] for start, _ in parts[1:])
    forward = max(B * (w[l] * (l > 0) + w[l + 1]) for l in range(spec.layers))
    worst = 0
    for start, end in parts:
        acts = sum(B * w[l + 1] for l in range(start, end - 1))
        for l in range(start, end):
            worst = max(worst, acts + B * w[l + 1] + (2 * B * w[l] if l > 0 else 0))
    residual = 2 * B * spec.outputs  # the output A and R
    return kept * s + max(forward * s, (residual + worst) * s + spec.n_params * s)


@lru_cache(maxsize=256)  # resolved on every checkpointed gradient: once per shape and budget
def checkpoint_segments(spec: Spec, memory: int, choice: SegmentChoice) -> int | None:
    """The segments checkpointed backprop runs with: `choice` when it is a count or None (about sqrt(L),
    the fewest bytes); for AUTO, the most segments, so the least recomputation, whose predicted peak
    with its tolerance fits `memory`. Above sqrt(L) the kept inputs make the peak grow with the count,
    so a bisection finds it; refused when not even sqrt(L) segments fit."""
    if choice is None or isinstance(choice, int):
        return choice
    low = len(segments(spec.layers))
    if (need := bound(checkpoint(spec, low))) > memory:
        have, needs = sizes(memory, need)
        raise GradbenchError(f"--memory {have} is too small for backprop-checkpoint here: even its "
                             f"{low} segments of least memory need {needs} (N = {spec.n_params:,})")  # fmt: skip
    high = spec.layers
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if bound(checkpoint(spec, mid)) <= memory else (low, mid - 1)
    return low


def batched_fixed(spec: Spec, central: bool, entries: int) -> int:
    """A batched method's memory outside its chunks: the gradient; the steps and losses (up, L_up for
    the forward difference; up, down and two losses for the central); and the prefix at its widest
    layer l: its input, Z, f(Z) and the next layer's Z (what the rank-1 updates change) while its
    perturbations run, or its input, the previous Z and the new one while Z is computed."""
    B, w, s, L = spec.batch, spec.widths, spec.itemsize, spec.layers
    running = [w[l] * (l > 0) + w[l + 1] * (1 + (l < L - 1)) + (w[l + 2] if l < L - 1 else 0) for l in range(L)]
    computing = [2 * w[l] * (l > 0) + w[l + 1] for l in range(L)]
    prefix = B * max(running + computing)
    return spec.n_params * s + (4 if central else 2) * entries * s + prefix * s


def per_perturbation(spec: Spec) -> int:
    """Bytes of one perturbation in a chunk: its share of the two (B, widest) buffers, its column
    (gathered, scaled, summed, and the unperturbed one gathered to subtract: four (B,) vectors), the row
    of the next layer's weights its rank-1 update multiplies (at most the widest) and its indices."""
    widest = max(spec.widths[1:])
    return ((2 * widest + 4) * spec.batch + widest) * spec.itemsize + 64


def bound(predicted: int) -> int:
    """The most a method predicted to need `predicted` bytes may allocate: what --memory must hold."""
    return predicted + tolerance(predicted)


def batched_chunk(spec: Spec, memory: int, central: bool, entries: int) -> int:
    """Perturbations per chunk: the machine's chunk rows (tuning.py) and no more than the largest layer
    has, fewer if --memory would not hold their bound (refused when not even one fits)."""
    from ..model.tuning import current

    return _batched_chunk(spec, memory, central, entries, current().chunk_rows)


@lru_cache(maxsize=256)  # searched once per shape: a small batched gradient takes a hundred microseconds
def _batched_chunk(spec: Spec, memory: int, central: bool, entries: int, rows: int) -> int:
    need = bound(_batched_at(spec, central, entries, 1))
    if need > memory:
        have, needs = sizes(memory, need)
        raise GradbenchError(f"--memory {have} is too small for a batched method here: it needs "
                             f"at least {needs} (N = {spec.n_params:,})")  # fmt: skip
    largest = max(layer.stop - layer.weight_slice.start for layer in layout(spec))  # parameters of the largest layer
    low, high = 1, max(1, min(rows // spec.batch, entries, largest))
    while low < high:  # the largest chunk whose bound fits: the prediction grows with the chunk
        mid = (low + high + 1) // 2
        low, high = (mid, high) if bound(_batched_at(spec, central, entries, mid)) <= memory else (low, mid - 1)
    return low


def memory_for_chunk(spec: Spec, central: bool, entries: int, chunk: int) -> int:
    """The --memory that gives a batched method chunks of `chunk` perturbations (fewer if the tuned rows
    or the layers cap them)."""
    return bound(_batched_at(spec, central, entries, chunk))


def _batched_at(spec: Spec, central: bool, entries: int, chunk: int) -> int:
    """The fixed part, `chunk` perturbations' buffers, and NumPy's scratch broadcasting over a chunk
    (the bias adds, and Y subtracted from every perturbation's outputs)."""
    scratch = ufunc_buffer(spec, chunk * spec.batch, spec.itemsize)
    return batched_fixed(spec, central, entries) + chunk * per_perturbation(spec) + scratch


def batched(spec: Spec, memory: int, central: bool, entries: int) -> int:
    """Its peak at the chunk --memory gives it."""
    return _batched_at(spec, central, entries, batched_chunk(spec, memory, central, entries))
