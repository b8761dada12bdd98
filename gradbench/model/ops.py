"""Counted operations: the only way a pass touches NumPy's matmul, add, multiply and functions.

Every pass of every gradient method goes through these few functions, so the counts are what ran.

Conventions (also in the README):
  matmul (m,k)@(k,n)     1 matmul,   2*m*k*n FLOPs (torch.utils.flop_counter's convention)
  add / subtract         1 add,      1 FLOP per output element
  reduction (sum)        1 add,      (inputs - outputs) FLOPs
  multiply               1 multiply, 1 FLOP per output element
  elementwise function   1 func,     1 FLOP per element (sigmoid, tanh, relu and their derivatives)
In complex arithmetic (complex step) a multiply-add costs 4x, an add 2x and a multiply 6x the real FLOPs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Protocol, cast

import numpy as np

MATMUL_COMPLEX, ADD_COMPLEX, MUL_COMPLEX = 4, 2, 6
# Most counted results are float64: they are told from complex ones by identity first. A dtype.kind test
# on every counted op cost 1.8 µs of a 28 µs gradient at 3x10x1 (24 ops); the identity test is 10 ns.
_FLOAT64 = np.dtype(np.float64)


@dataclass(slots=True, repr=False)
class Counter:
    """What a gradient computation really did. Adds up with `+` and scales with `*`."""

    forward_passes: int = 0
    backward_passes: int = 0
    matmuls: int = 0
    adds: int = 0
    multiplies: int = 0
    funcs: int = 0
    matmul_flops: int = 0
    other_flops: int = 0  # adds, multiplies, reductions and functions: every FLOP outside a matmul

    @property
    def flops(self) -> int:
        """All FLOPs. A sum, not a field: each op adds to one tally only (a third increment per matmul
        was 0.5 µs of a 28 µs gradient), and the total cannot disagree with its parts."""
        return self.matmul_flops + self.other_flops

    def copy(self) -> Counter:
        return Counter(self.forward_passes, self.backward_passes, self.matmuls, self.adds, self.multiplies,
                       self.funcs, self.matmul_flops, self.other_flops)  # fmt: skip

    def __add__(self, other: Counter) -> Counter:
        return Counter(*(getattr(self, f) + getattr(other, f) for f in COUNT_FIELDS))

    def __mul__(self, k: int) -> Counter:
        return Counter(*(getattr(self, f) * k for f in COUNT_FIELDS))

    __rmul__ = __mul__

    def __repr__(self) -> str:
        """The tallies, then their total FLOPs (shown, though not a field)."""
        tallies = ", ".join(f"{f}={getattr(self, f)}" for f in COUNT_FIELDS)
        return f"Counter({tallies}; flops={self.flops})"

    def as_dict(self) -> dict[str, int]:
        """The published counts: every tally but other_flops, and the total FLOPs."""
        return {f: getattr(self, f) for f in REPORTED}


COUNT_FIELDS = tuple(f.name for f in fields(Counter))
REPORTED = (*(f for f in COUNT_FIELDS if f != "other_flops"), "flops")  # what CSV, JSON and tables show


def matmul(c: Counter, a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """a (m, k) @ b (k, n)."""
    r = np.dot(a, b, out)  # np.dot on 2-D arrays is matmul, with less call overhead
    f = 2 * a.shape[1] * r.size  # counted from the result: a complex operand gives a complex result
    if r.dtype is not _FLOAT64 and r.dtype.kind == "c":
        f *= MATMUL_COMPLEX
    c.matmuls += 1
    c.matmul_flops += f
    return r


def add(c: Counter, a: Any, b: Any, out: np.ndarray | None = None) -> np.ndarray:
    """a + b, broadcasting (a bias add is (B, n) + (1, n))."""
    r = np.add(a, b, out)
    c.adds += 1
    c.other_flops += r.size if r.dtype is _FLOAT64 or r.dtype.kind != "c" else r.size * ADD_COMPLEX
    return r


def subtract(c: Counter, a: Any, b: Any, out: np.ndarray | None = None) -> np.ndarray:
    """a - b, counted as an add."""
    r = np.subtract(a, b, out)
    c.adds += 1
    c.other_flops += r.size if r.dtype is _FLOAT64 or r.dtype.kind != "c" else r.size * ADD_COMPLEX
    return r


def multiply(c: Counter, a: Any, b: Any, out: np.ndarray | None = None) -> np.ndarray:
    """a * b elementwise, broadcasting."""
    r = a * b if out is None else np.multiply(a, b, out)
    c.multiplies += 1
    c.other_flops += r.size if r.dtype is _FLOAT64 or r.dtype.kind != "c" else r.size * MUL_COMPLEX
    return r


def total(
    c: Counter, a: np.ndarray, axis: int | None = None, out: np.ndarray | None = None, keepdims: bool = False
) -> Any:
    """Sum over `axis` (all axes when None): a reduction, counted as an add."""
    r = np.add.reduce(a, axis, None, out, keepdims)  # type: ignore[call-overload]  # the stub wants out= by name
    c.adds += 1
    n = a.size - r.size
    c.other_flops += n if a.dtype is _FLOAT64 or a.dtype.kind != "c" else n * ADD_COMPLEX
    return r


def dot(c: Counter, a: np.ndarray, b: np.ndarray) -> Any:
    """sum(a * b) over 1-D a, b of length n, unconjugated: n multiplies and n-1 adds in one call,
    counted as one multiply and one add."""
    r = np.dot(a, b)
    n = a.size
    c.multiplies += 1
    c.adds += 1
    real = r.dtype is _FLOAT64 or r.dtype.kind != "c"
    c.other_flops += 2 * n - 1 if real else n * MUL_COMPLEX + (n - 1) * ADD_COMPLEX
    return r


def sum_of_squares(c: Counter, a: np.ndarray) -> np.ndarray:
    """Each row's sum of squares of a real (P, n): P inner products in one call, counted like `dot`
    (one multiply and one add, 2n-1 FLOPs per row)."""
    r = np.vecdot(a, a)
    c.multiplies += 1
    c.adds += 1
    c.other_flops += a.shape[0] * (2 * a.shape[1] - 1)
    return r


def outer(c: Counter, u: np.ndarray, v: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out[p] = u[p] (x) v[p] for u (P, B), v (P, n): P outer products, B n multiplies each, in one call
    counted as one multiply (einsum: no scratch, where a broadcast multiply buffers both operands)."""
    r = np.einsum("pb,pn->pbn", u, v, out=out)
    c.multiplies += 1
    c.other_flops += r.size if r.dtype is _FLOAT64 or r.dtype.kind != "c" else r.size * MUL_COMPLEX
    return r


def func(c: Counter, f: Callable[..., np.ndarray], z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """An elementwise function f(z, out) such as an activation or its derivative."""
    c.funcs += 1
    c.other_flops += z.size
    return f(z, out)


# --- kernels: the same pass, counted or not ------------------------------------------------------------
# A pass is written once against a kernel `k`: Counting(c) counts every operation into c as it runs (the
# functions above); PLAIN calls NumPy directly, with no Python frame between the pass and NumPy. A pass's
# counts are fixed by its shapes, so a method runs a pass counted once per shape (its plan, see plans.py)
# and plain after that, adding the plan's counts once per pass; tests hold the two runs to the same bits
# and the plan to the counts of the counted run.


def _apply(f: Callable[..., np.ndarray], z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    return f(z, out)


class Plain:
    """NumPy itself, in the kernels' signatures (np.add.reduce's: array, axis, dtype, out, keepdims)."""

    matmul = staticmethod(np.dot)
    add = staticmethod(np.add)
    subtract = staticmethod(np.subtract)
    multiply = staticmethod(np.multiply)
    total = staticmethod(np.add.reduce)
    dot = staticmethod(np.dot)
    func = staticmethod(_apply)


class Counting:
    """The counted operations above, bound to one Counter, in the kernels' signatures."""

    __slots__ = ("c",)

    def __init__(self, c: Counter):
        self.c = c

    def matmul(self, a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return matmul(self.c, a, b, out)

    def add(self, a: Any, b: Any, out: np.ndarray | None = None) -> np.ndarray:
        return add(self.c, a, b, out)

    def subtract(self, a: Any, b: Any, out: np.ndarray | None = None) -> np.ndarray:
        return subtract(self.c, a, b, out)

    def multiply(self, a: Any, b: Any, out: np.ndarray | None = None) -> np.ndarray:
        return multiply(self.c, a, b, out)

    def total(self, a: np.ndarray, axis: int | None = None, dtype: None = None, out: np.ndarray | None = None,
              keepdims: bool = False) -> Any:  # fmt: skip
        return total(self.c, a, axis, out, keepdims)

    def dot(self, a: np.ndarray, b: np.ndarray) -> Any:
        return dot(self.c, a, b)

    def func(self, f: Callable[..., np.ndarray], z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return func(self.c, f, z, out)


class Kernel(Protocol):
    """What a pass calls: Counting's signatures (Plain has the same, NumPy's own)."""

    def matmul(self, a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None, /) -> np.ndarray: ...
    def add(self, a: Any, b: Any, out: np.ndarray | None = None, /) -> np.ndarray: ...
    def subtract(self, a: Any, b: Any, out: np.ndarray | None = None, /) -> np.ndarray: ...
    def multiply(self, a: Any, b: Any, out: np.ndarray | None = None, /) -> np.ndarray: ...
    def total(self, a: np.ndarray, axis: int | None = None, dtype: None = None, out: np.ndarray | None = None,
              keepdims: bool = False, /) -> Any: ...  # fmt: skip
    def dot(self, a: np.ndarray, b: np.ndarray, /) -> Any: ...
    def func(self, f: Callable[..., np.ndarray], z: np.ndarray, out: np.ndarray | None = None, /) -> np.ndarray: ...


PLAIN = cast(Kernel, Plain())  # NumPy's overloads are wider than the Protocol: the cast says they fit
