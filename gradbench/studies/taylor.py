"""The Taylor remainder test (dolfin-adjoint's taylor_test; Bottou's "tricks"): scale-free, no tolerance.

For a right gradient g, r(t) = |f(x + t d) - f(x) - t g . d| shrinks as t^2 (the first term left is the
curvature's); for a wrong one, as t (the gradient's error along d is left). Halving t down to round-off,
the observed order log2(r(t) / r(t/2)) is about 2 for a right gradient and about 1 for a wrong one.
Remainders at f's round-off say nothing and are left out; when all are, g . d is right to round-off.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .user_code import as_scalar, as_vector, output_to_stderr, user_call, working_dtype

MINIMUM_ORDER = 1.8  # below this, the gradient is wrong along d
START = {"float64": 1e-2, "float32": 1e-1}  # the first step, as a fraction of max(1, |x|)
NOISE = 100  # remainders under NOISE eps |f(x)| are round-off, not Taylor
LAST = 3  # orders at the smallest steps that decide
MIN_STEPS = 8  # halvings made even when the remainder reaches round-off sooner


@dataclass(frozen=True)
class TaylorResult:
    steps: tuple[float, ...]  # t, halving
    remainders: tuple[float, ...]  # r(t)
    orders: tuple[float, ...]  # log2(r(t) / r(t/2)) for each pair above the round-off floor
    noise: float  # the round-off floor of r
    dtype: str

    @property
    def order(self) -> float:
        """The observed order where t is smallest: the median of the last LAST orders above round-off
        (NaN when every remainder is at round-off). Larger t may still be in the curvature's regime even
        for a wrong gradient; the limit t -> 0 is what tells."""
        return float(np.median(self.orders[-LAST:])) if self.orders else math.nan

    def __bool__(self) -> bool:
        return not self.orders or self.order >= MINIMUM_ORDER

    def all_orders(self) -> list[float | None]:
        """log2(r(t) / r(t/2)) for each pair, None where either is at round-off."""
        r = self.remainders
        return [math.log2(a / b) if a > self.noise and b > self.noise else None for a, b in itertools.pairwise(r)]

    def __str__(self) -> str:
        if not self.orders:
            return f"the gradient passes the Taylor test: every remainder is at round-off ({self.noise:.1e})"
        verdict = "passes" if self else "FAILS"
        rows = [f"{t:10.3e}  {r:10.3e}" for t, r in zip(self.steps, self.remainders)]
        return "\n".join([
            f"the gradient {verdict} the Taylor test: observed order {self.order:.2f} at the smallest steps (a "
            f"right gradient gives 2, a wrong one 1; at least {MINIMUM_ORDER} passes)",
            "orders: " + " ".join(f"{o:.2f}" for o in self.orders),
            "         t         r(t)", *rows,
        ])  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "order": self.order, "passed": bool(self), "minimum_order": MINIMUM_ORDER}


def taylor_test(
    f: Callable[[np.ndarray], Any], grad: Callable[[np.ndarray], Any], x: Any, *, steps: int = 30, seed: int = 0
) -> TaylorResult:
    """The Taylor remainder test of grad against f at x along a random direction d of length max(1, |x|),
    t halving from START until the remainder reaches round-off (at most `steps` times, at least MIN_STEPS):
    at most steps + 2 evaluations of f, and one gradient. Halving down to round-off, not a fixed 8 times,
    reaches the limit t -> 0 where a small error in g shows as order 1."""
    x = np.asarray(x)
    dtype = working_dtype(x)
    x0 = x.astype(dtype).ravel()
    with output_to_stderr():

        def value(point: np.ndarray) -> float:
            return float(np.asarray(as_scalar(user_call("your function", f, point.reshape(x.shape)))).real.reshape(()))

        g = as_vector(user_call("your gradient", grad, x0.reshape(x.shape).copy()), x0.size).astype(np.float64)
        v = np.random.default_rng(seed).standard_normal(x0.size)
        d = v / (np.linalg.norm(v) or 1.0) * max(1.0, float(np.linalg.norm(x0.astype(np.float64))))
        fx = value(x0)
        noise = NOISE * float(np.finfo(dtype).eps) * max(abs(fx), 1e-300)
        ts: list[float] = []
        remainders: list[float] = []
        for k in range(steps + 1):
            t = START[dtype.name] / 2**k
            point = (x0.astype(np.float64) + t * d).astype(dtype)
            taken = point.astype(np.float64) - x0.astype(np.float64)  # the step after rounding into x's dtype
            ts.append(t)
            remainders.append(abs(value(point) - fx - float(g @ taken)))
            if k >= MIN_STEPS and remainders[-1] <= noise:
                break
    orders = tuple(math.log2(a / b) for a, b in itertools.pairwise(remainders) if b > noise and a > noise)
    return TaylorResult(tuple(ts), tuple(remainders), orders, noise, dtype.name)
