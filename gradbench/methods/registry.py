"""The registry of gradient methods: the Method record that holds everything about one of them, the
Options a method reads, and the GradientResult it returns.

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

from ..errors import GradbenchError
from ..model.mlp import MLP
from ..model.ops import Counter
from ..model.spec import DTYPES, Spec
from . import costs, footprint, numeric
from .segments import SegmentChoice

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
    rule: numeric.Rule | None = None  # the numeric rule it applies to the loss (on any f: accuracy, your function)
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


# --- what every method needs of its Options -------------------------------------------------


def sorted_indices(opts: Options) -> np.ndarray | None:
    """The entries asked for, sorted (None: all of them, with no N-sized index array)."""
    return None if opts.indices is None else np.sort(opts.indices)


def empty_gradient(model: MLP, opts: Options) -> np.ndarray:
    if opts.indices is None:
        return np.empty(model.n_params, model.dtype)
    return np.full(model.n_params, np.nan, model.dtype)
