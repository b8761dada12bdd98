"""Gradient methods: short functions (model, options) -> GradientResult, and the one registry that
holds everything about each of them.

A registry entry (Method) carries the function, its public name (the --methods value and the `method`
column of every output), its table label, whether it can be sampled, its closed-form cost, the
tolerance the tests hold it to per dtype, and its plot colour. The CLI, the report, the plots, the
tests and the benchmarks all read it from here: adding a method is one function and one `register`.

Every sampleable method can be asked for a subset of the gradient (`Options.indices`), which is how
the timing samples a method too slow to run in full; backprop always computes everything (that is its
point).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from . import costs, footprint, numeric
from .batched import perturbed_losses
from .mlp import MLP
from .ops import Counter, add, dot, func, matmul, multiply, subtract
from .options import SegmentChoice
from .passes import backward, forward, jvp, layer_backward
from .spec import DTYPES, GradbenchError, Spec

DEFAULT_MEMORY = 2**30  # bytes a batched method may use for its stacked perturbations


@dataclass(frozen=True)
class Options:
    """eps: an absolute finite-difference step overriding the default relative one.
    indices: compute only these gradient entries (the rest are NaN). memory: the bytes a method may
    allocate (the batched methods size their chunks to it). segments: how many segments checkpointed
    backprop cuts the layers into (None: about sqrt(L); 'auto': the most that fit `memory`)."""

    eps: float | None = None
    indices: np.ndarray | None = None
    memory: int = DEFAULT_MEMORY
    segments: SegmentChoice = None


class GradientResult(NamedTuple):
    """A flat gradient (N,) laid out like theta, and the Counter of every operation that computed it."""

    gradient: np.ndarray
    counts: Counter


Compute = Callable[[MLP, Options], GradientResult]
# (spec, the sorted entries computed or None for all, options) -> the counts the method performs
Cost = Callable[[Spec, Sequence[int] | None, "Options"], Counter]
# (spec, how many entries it computes, options) -> the bytes of the arrays alive at its peak
Peak = Callable[[Spec, int, "Options"], int]


@dataclass(frozen=True)
class Method:
    """Everything about one gradient method. `rtol`: the relative error against backprop the tests
    hold it to, per dtype, with smooth activations."""

    name: str  # the --methods / --gradient value and the `method` column of every output
    compute: Compute
    cost: Cost
    description: str
    rtol: Mapping[str, float]
    color: str  # matplotlib colour in the plots
    sampleable: bool = True  # computes entry by entry and honours Options.indices
    label: str = ""  # table label: the name (default), or a longer label that contains it
    peak: Peak = lambda spec, entries, o: footprint.loop(spec, entries)
    rule: numeric.Rule | None = None  # the numeric rule it applies to the loss (for any f: accuracy, userfn)
    order: int | None = None  # its truncation error is O(h^order)

    def predicted_peak(self, spec: Spec, opts: Options | None = None, indices: Sequence[int] | None = None) -> int:
        """The closed-form peak bytes of one gradient (footprint.py); the measured peak is within
        footprint.tolerance of it."""
        return self.peak(spec, costs.entries(spec, indices), opts or Options())


METHODS: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Add a method to the registry; its name must be new and its label must show the name."""
    if method.name in METHODS:
        raise ValueError(f"a method named {method.name!r} is already registered")
    if set(method.rtol) != set(DTYPES):
        raise ValueError(f"rtol must give a tolerance for each dtype ({', '.join(DTYPES)}), got {dict(method.rtol)}")
    method = replace(method, label=method.label or method.name)
    if method.name not in method.label:
        raise ValueError(f"label {method.label!r} must contain the method's name {method.name!r}")
    METHODS[method.name] = method
    return method


@contextmanager
def registered(method: Method) -> Iterator[Method]:
    """A method registered for the duration of a `with` block (plug-ins, tests)."""
    method = register(method)
    try:
        yield method
    finally:
        del METHODS[method.name]


def lookup(name: str) -> Method:
    try:
        return METHODS[name]
    except KeyError:
        raise GradbenchError(f"unknown method {name!r}: choose from {', '.join(METHODS)}") from None


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max|a - b| / max(max|a|, max|b|) over the whole vector (0 when both are zero; NaN when either has
    a NaN or an infinity: that is never agreement)."""
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("nan")
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)))
    return float(np.max(np.abs(a - b)) / scale) if scale > 0 else 0.0


# --- helpers shared by the methods -------------------------------------------------------------


def _indices(opts: Options) -> np.ndarray | None:
    """The entries asked for, sorted (None: all of them, with no N-sized index array)."""
    return None if opts.indices is None else np.sort(opts.indices)


def _empty_gradient(model: MLP, opts: Options) -> np.ndarray:
    if opts.indices is None:
        return np.empty(model.n_params, model.dtype)
    return np.full(model.n_params, np.nan, model.dtype)


def steps(model: MLP, opts: Options, rule: numeric.Rule, idx: np.ndarray | None = None) -> np.ndarray:
    """The steps of a finite-difference `rule` (numeric.default_steps), or the user's absolute --eps;
    for the entries idx only, if given. One new array of len(idx) (of N when idx is None)."""
    theta = model.theta if idx is None else model.theta[idx]  # a copy when indexed: the steps go into it
    if opts.eps is not None:
        return np.full(theta.shape, opts.eps, model.dtype)
    return numeric.default_steps(theta, rule, out=None if idx is None else theta)


def _taken(theta: np.ndarray, h: np.ndarray, sign: int = 1) -> np.ndarray:
    """The step a finite difference really takes after rounding, written over h: fl(theta + h) - theta,
    or for sign -1, theta - fl(theta - h)."""
    if sign > 0:
        return np.subtract(np.add(theta, h, out=h), theta, out=h)
    return np.subtract(theta, np.subtract(theta, h, out=h), out=h)


# --- the methods ---------------------------------------------------------------------------------


def forward_difference(model: MLP, opts: Options) -> GradientResult:
    """(L(theta + h e_i) - L(theta)) / h: N+1 forward passes, error O(h)."""
    c, W, b, idx = Counter(), model.W, model.b, _indices(opts)
    h = steps(model, opts, numeric.forward_difference, idx)
    g = numeric.forward_difference(lambda: forward(model, W, b, c), model.theta, h, idx, _empty_gradient(model, opts))
    return GradientResult(g, c)


def central_difference(model: MLP, opts: Options) -> GradientResult:
    """(L(theta + h e_i) - L(theta - h e_i)) / 2h: 2N forward passes, error O(h^2)."""
    c, W, b, idx = Counter(), model.W, model.b, _indices(opts)
    h = steps(model, opts, numeric.central_difference, idx)
    g = numeric.central_difference(lambda: forward(model, W, b, c), model.theta, h, idx, _empty_gradient(model, opts))
    return GradientResult(g, c)


def richardson(model: MLP, opts: Options) -> GradientResult:
    """(4 D(h/2) - D(h)) / 3 of central differences D: 4N forward passes, error O(h^4)."""
    c, W, b, idx = Counter(), model.W, model.b, _indices(opts)
    h = steps(model, opts, numeric.richardson, idx)
    g = numeric.richardson(lambda: forward(model, W, b, c), model.theta, h, idx, _empty_gradient(model, opts))
    return GradientResult(g, c)


def complex_step(model: MLP, opts: Options) -> GradientResult:
    """Im L(theta + i h e_i) / h: N complex forward passes, exact to round-off (no cancellation)."""
    c = Counter()
    z = model.theta.astype(np.result_type(model.dtype, np.complex64))  # one copy per gradient
    W, b = model.views(z)
    h = numeric.COMPLEX_STEP if opts.eps is None else opts.eps
    g = numeric.complex_step(lambda: forward(model, W, b, c), z, h, _indices(opts), _empty_gradient(model, opts))
    return GradientResult(g, c)


def forward_mode(model: MLP, opts: Options) -> GradientResult:
    """One JVP per unit direction e_i, dual numbers through the layers: exact, N tangent passes."""
    c, g = Counter(), _empty_gradient(model, opts)
    v = np.zeros(model.n_params, model.dtype)
    dW, db = model.views(v)
    idx = _indices(opts)
    for i in range(model.n_params) if idx is None else idx:
        v[i] = 1.0
        g[i] = jvp(model, dW, db, c)[1]
        v[i] = 0.0
    return GradientResult(g, c)


def backprop(model: MLP, opts: Options) -> GradientResult:
    """One forward pass keeping activations, one backward pass: the whole gradient."""
    c, g = Counter(), np.empty(model.n_params, model.dtype)
    forward(model, model.W, model.b, c)
    backward(model, *model.views(g), c)
    return GradientResult(g, c)


def backprop_checkpoint(model: MLP, opts: Options) -> GradientResult:
    """Backprop keeping only each segment's input (costs.segments: about sqrt(L) of them), recomputing a
    segment's activations on the way back: O(sqrt L) activations for about one extra forward pass."""
    c, L = Counter(), len(model.W)
    parts = costs.segments(L, _segments(model.spec, opts))
    starts = {start for start, _ in parts}
    kept, A = {0: model.X}, model.X
    for l in range(L):  # forward: every layer's output is dropped but the segments' inputs
        A = _layer(model, l, A, c)
        if l + 1 in starts:
            kept[l + 1] = A
    c.forward_passes += 1
    R = subtract(c, A, model.Y)
    multiply(c, dot(c, R.reshape(-1), R.reshape(-1)), 1.0 / R.size)  # the loss, as a forward pass has it
    dZ, g = multiply(c, R, 2.0 / R.size), np.empty(model.n_params, model.dtype)
    gW, gb = model.views(g)
    for start, end in reversed(parts):
        acts = [kept[start]]
        for l in range(start, end - 1):  # the segment again, from its kept input
            acts.append(_layer(model, l, acts[-1], c))
        for l in range(end - 1, start - 1, -1):
            dZ = layer_backward(model, l, acts[l - start], dZ, gW, gb, c)
    c.backward_passes += 1
    return GradientResult(g, c)


def _segments(spec: Spec, opts: Options) -> int | None:
    """The count of segments `opts` asks for, 'auto' resolved against its memory."""
    return footprint.checkpoint_segments(spec, opts.memory, opts.segments)


def _layer(model: MLP, l: int, A: np.ndarray, c: Counter) -> np.ndarray:
    """A[l] = f(A[l-1] W[l] + b[l]), no activation after the last layer; newly allocated."""
    Z = matmul(c, A, model.W[l])
    if model.b[l] is not None:
        add(c, Z, model.b[l], out=Z)
    return func(c, model.act, Z, out=Z) if l < len(model.W) - 1 else Z


def forward_batched(model: MLP, opts: Options) -> GradientResult:
    """The forward difference with every perturbed loss of a layer in a few tall matmuls (batched.py)."""
    c, idx, g = Counter(), _indices(opts), _empty_gradient(model, opts)
    theta = model.theta if idx is None else model.theta[idx]
    up = _taken(theta, steps(model, opts, numeric.forward_difference, idx))
    L0, (d,) = perturbed_losses(model, idx, [up], c, opts.memory, base_loss=True)
    assert L0 is not None  # asked for with base_loss
    np.subtract(d, L0, out=d)
    g[... if idx is None else idx] = np.divide(d, up, out=d)
    return GradientResult(g, c)


def central_batched(model: MLP, opts: Options) -> GradientResult:
    """The central difference, batched: 2N losses, the shared prefix computed once."""
    c, idx, g = Counter(), _indices(opts), _empty_gradient(model, opts)
    theta = model.theta if idx is None else model.theta[idx]
    h = steps(model, opts, numeric.central_difference, idx)
    up, down = _taken(theta, h.copy()), np.negative(_taken(theta, h, sign=-1), out=h)  # down: -(step taken)
    _, (d, L_down) = perturbed_losses(model, idx, [up, down], c, opts.memory, base_loss=False)
    np.subtract(d, L_down, out=d)
    g[... if idx is None else idx] = np.divide(d, np.subtract(up, down, out=up), out=d)
    return GradientResult(g, c)


# --- the registry: one entry per method ----------------------------------------------------------
# rtol: float64 bounds from the error analysis (forward O(sqrt eps), central O(eps^(2/3)), exact methods
# to round-off); float32 bounds measured over the property tests' shapes with a margin.

FORWARD = register(
    Method(
        "forward",
        forward_difference,
        cost=lambda spec, idx, o: costs.forward_pass(spec) * (costs.entries(spec, idx) + 1),
        description="forward difference (L(θ+h eᵢ) − L(θ)) / h: N+1 passes, O(h)",
        rtol={"float64": 1e-5, "float32": 5e-2},
        color="C0",
        rule=numeric.forward_difference,
        order=1,
    )
)
CENTRAL = register(
    Method(
        "central",
        central_difference,
        cost=lambda spec, idx, o: costs.forward_pass(spec) * (2 * costs.entries(spec, idx)),
        description="central difference (L(θ+h eᵢ) − L(θ−h eᵢ)) / 2h: 2N passes, O(h²)",
        rtol={"float64": 1e-8, "float32": 1e-2},
        color="C1",
        rule=numeric.central_difference,
        order=2,
    )
)
RICHARDSON = register(
    Method(
        "richardson",
        richardson,
        cost=lambda spec, idx, o: costs.forward_pass(spec) * (4 * costs.entries(spec, idx)),
        description="central differences at h and h/2, extrapolated (4 D(h/2) − D(h)) / 3: 4N passes, O(h⁴)",
        rtol={"float64": 1e-9, "float32": 1e-3},
        color="C6",
        rule=numeric.richardson,
        order=4,
    )
)
COMPLEX = register(
    Method(
        "complex",
        complex_step,
        cost=lambda spec, idx, o: costs.forward_pass(spec, complex_=True) * costs.entries(spec, idx),
        description="complex step Im L(θ + i h eᵢ) / h: N complex passes, exact",
        rtol={"float64": 1e-13, "float32": 5e-5},
        color="C2",
        rule=numeric.complex_step,
        order=2,
        peak=lambda spec, entries, o: footprint.complex_step(spec, entries),
    )
)
FORWARD_MODE = register(
    Method(
        "forward-mode",
        forward_mode,
        cost=lambda spec, idx, o: costs.tangent_pass(spec) * costs.entries(spec, idx),
        description="forward-mode AD: one dual-number pass per direction eᵢ, exact",
        rtol={"float64": 1e-13, "float32": 1e-5},
        color="C3",
        peak=lambda spec, entries, o: footprint.forward_mode(spec, entries),
    )
)
BACKPROP = register(
    Method(
        "backprop",
        backprop,
        cost=lambda spec, idx, o: costs.forward_pass(spec) + costs.backward_pass(spec),
        description="backprop: one forward pass keeping activations, one backward pass",
        rtol={"float64": 0.0, "float32": 0.0},
        color="k",
        peak=lambda spec, entries, o: footprint.backprop(spec, entries),
        sampleable=False,
    )
)
BACKPROP_CHECKPOINT = register(
    Method(
        "backprop-checkpoint",
        backprop_checkpoint,
        cost=lambda spec, idx, o: (
            costs.forward_pass(spec) + costs.backward_pass(spec) + costs.recompute(spec, _segments(spec, o))
        ),
        description="backprop keeping only √L segment inputs, recomputing each segment backwards (Chen 2016)",
        rtol={"float64": 1e-13, "float32": 1e-5},
        color="C9",
        peak=lambda spec, entries, o: footprint.checkpoint(spec, _segments(spec, o)),
        sampleable=False,
    )
)
FORWARD_BATCHED = register(
    Method(
        "forward-batched",
        forward_batched,
        cost=lambda spec, idx, o: costs.batched(spec, o.memory, central=False, indices=idx),
        description="forward difference, each layer's perturbations in tall matmuls",
        rtol={"float64": 1e-5, "float32": 5e-2},
        color="C4",
        peak=lambda spec, entries, o: footprint.batched(spec, o.memory, False, entries),
    )
)
CENTRAL_BATCHED = register(
    Method(
        "central-batched",
        central_batched,
        cost=lambda spec, idx, o: costs.batched(spec, o.memory, central=True, indices=idx),
        description="central difference, each layer's perturbations in tall matmuls",
        rtol={"float64": 1e-8, "float32": 1e-2},
        color="C5",
        peak=lambda spec, entries, o: footprint.batched(spec, o.memory, True, entries),
    )
)

REFERENCE = BACKPROP  # what every other method's error and time ratio are measured against
DEFAULT_OPTIONS = Options()  # made once: a small gradient takes tens of microseconds


# --- the public way to compute and predict a gradient ------------------------------------------


def gradient(
    model: MLP,
    method: str = REFERENCE.name,
    *,
    eps: float | None = None,
    indices: np.ndarray | None = None,
    memory: int = DEFAULT_MEMORY,
    segments: SegmentChoice = None,
) -> GradientResult:
    """The gradient of `model`'s loss by `method`, with a Counter of every operation that ran."""
    plain = eps is None and indices is None and memory == DEFAULT_MEMORY and segments is None
    opts = DEFAULT_OPTIONS if plain else Options(eps, indices, memory, segments)
    return lookup(method).compute(model, opts)


def predict(
    method: str, spec: Spec, indices: Sequence[int] | None = None, memory: int = DEFAULT_MEMORY,
    segments: SegmentChoice = None,
) -> Counter:  # fmt: skip
    """The counts `method` performs for the gradient of `spec`, or for the sorted entries `indices` of it
    (the batched methods' chunking depends on `memory`, their buffer budget in bytes)."""
    opts = Options(memory=memory, segments=segments)
    return lookup(method).cost(spec, None if indices is None else sorted(indices), opts)
