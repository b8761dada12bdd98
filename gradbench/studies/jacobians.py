"""Checks beyond a scalar's gradient, with the same per-entry allowances as `check` (checks.py):

- check_jacobian(f, jac, x): f: R^n -> R^m, jac(x) its m x n Jacobian. Random probes u . J v against the
  central difference of u . f along v (2 evaluations each: gradcheck's fast mode), then columns by
  central differences (2 evaluations each), all of them or a sample as the budget allows.
- check_hvp(grad, hvp, x): hvp(x, v) = H v, against the central difference of the gradient along v
  (2 gradient calls per direction): a NumPy gradgradcheck, costing 2 gradients per direction where the
  Hessian would cost 2n.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import GradbenchError
from ..methods import numeric
from .check_result import CheckResult, Outcome, _worst_first
from .checks import _chosen, _roundoff, judged, probe, straddle, tolerances
from .user_code import as_array, output_to_stderr, user_call

F64 = np.dtype(np.float64)


def check_jacobian(
    f: Callable[[np.ndarray], Any],
    jac: Callable[[np.ndarray], Any],
    x: Any,
    *,
    rtol: float | None = None,
    atol: float = 0.0,
    columns: int | None = None,
    full: bool = False,
    probes: int = 3,
    seed: int = 0,
    budget: float = 1.0,
) -> CheckResult:
    """Check jac(x) (m x n) against central differences of f: R^n -> R^m at x: `probes` random u . J v,
    then every column when `full` or when they fit `budget` seconds, else `columns` (or as many as fit)."""
    x, start = np.asarray(x), time.perf_counter()
    dtype, rtol = tolerances(x, rtol, atol)
    x0 = x.astype(dtype).ravel()
    clock = [0, 0.0]
    with output_to_stderr():

        def F(point: np.ndarray) -> np.ndarray:
            t = time.perf_counter()
            y = np.asarray(user_call("your function", f, point.reshape(x.shape)))
            clock[0], clock[1] = clock[0] + 1, clock[1] + time.perf_counter() - t
            if y.dtype.kind not in "biuf" or y.ndim > 1:
                raise GradbenchError(f"your function must return a vector of numbers; it returned {y.dtype} {y.shape}")
            return y.astype(np.float64).ravel()

        fx = F(x0)
        m, n = fx.size, x0.size
        J = as_array(user_call("your Jacobian", jac, x0.reshape(x.shape).copy()), (m, n), "your Jacobian", F64)
        rng = np.random.default_rng(seed)
        h = numeric.default_steps(x0, numeric.central_difference).astype(np.float64)
        outcomes = [_probes(F, x0, J, fx, h, probes, rng, rtol, atol)]
        idx = _chosen(n, columns, full, budget, clock[1] / clock[0], rng, "columns")
        if idx is not None:
            outcomes.append(_columns("full" if len(idx) == n else "sampled", F, x0, J, fx, h, idx, rtol, atol))
    return CheckResult(tuple(outcomes), dtype.name, (m, n), rtol, atol, clock[1] / clock[0],
                       time.perf_counter() - start, math.nan, kind="jacobian")  # fmt: skip


def _columns(name: str, F: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, J: np.ndarray, fx: np.ndarray,
             h: np.ndarray, idx: np.ndarray, rtol: float, atol: float) -> Outcome:  # fmt: skip
    def differences(cols: np.ndarray, scale: float) -> np.ndarray:
        out = np.empty((fx.size, len(cols)))
        for k, j in enumerate(cols):
            up, down = x0.copy(), x0.copy()
            up[j] += scale * h[j]
            down[j] -= scale * h[j]
            out[:, k] = (F(up) - F(down)) / (float(up[j]) - float(down[j]))
        return out

    D = differences(idx, 1.0)
    roundoff = _roundoff(x0.dtype, np.abs(fx))[:, None] / h[idx][None, :]
    rows, cols = np.meshgrid(np.arange(fx.size), idx, indexing="ij")

    def second(flagged: np.ndarray) -> tuple[np.ndarray, int]:
        again = np.unique(cols.ravel()[flagged])
        D2 = differences(again, 2.0)
        return D2[rows.ravel()[flagged], np.searchsorted(again, cols.ravel()[flagged])], 2 * len(again)

    return judged(name, J[:, idx], D, roundoff, second, [(rows, cols)], rtol, atol, 2 * len(idx))


def _probes(F: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, J: np.ndarray, fx: np.ndarray, h: np.ndarray,
            count: int, rng: np.random.Generator, rtol: float, atol: float) -> Outcome:  # fmt: skip
    """u . J d against u . (f(x + d) - f(x - d)) / 2 for random unit u and d = h v (v a random unit
    vector): 2 evaluations each. Allowed: every entry's allowance summed along u and d."""
    entries, evaluations = [], 0
    for _ in range(count):
        u, v = rng.standard_normal(fx.size), rng.standard_normal(x0.size)
        u, v = u / (np.linalg.norm(u) or 1.0), v / (np.linalg.norm(v) or 1.0)
        fu = _roundoff(x0.dtype, float(np.abs(u) @ np.abs(fx)))  # f's round-off along u

        def value(p: np.ndarray, u: np.ndarray = u) -> float:
            return float(u @ F(p))

        def got(d: np.ndarray, u: np.ndarray = u) -> float:
            return float(u @ J @ d)

        def allowance(d: np.ndarray, _: float, u: np.ndarray = u, fu: float = fu) -> float:
            return float(np.abs(u) @ (atol + rtol * np.abs(J)) @ np.abs(d)) + fu

        entry, taken, _, _ = probe(value, x0, h * v, got, allowance)
        entries.append(entry)
        evaluations += taken
    failed = sum(not e.abs_error <= e.allowed for e in entries)
    worst = tuple(sorted(entries, key=_worst_first))
    return Outcome("probes", evaluations, count, failed, worst)


def check_hvp(
    grad: Callable[[np.ndarray], Any],
    hvp: Callable[[np.ndarray, np.ndarray], Any],
    x: Any,
    *,
    rtol: float | None = None,
    atol: float = 0.0,
    directions: int = 3,
    seed: int = 0,
) -> CheckResult:
    """Check hvp(x, v) = H v against (grad(x + h v) - grad(x - h v)) / 2h along `directions` random unit
    v, entry by entry: 2 gradient calls and 1 hvp call per direction (2 more gradient calls for a
    direction with an entry that fails at first)."""
    x, start = np.asarray(x), time.perf_counter()
    dtype, rtol = tolerances(x, rtol, atol)
    x0, n = x.astype(dtype).ravel(), x.size
    clock = [0, 0.0]
    with output_to_stderr():

        def G(point: np.ndarray) -> np.ndarray:
            t = time.perf_counter()
            g = as_array(user_call("your gradient", grad, point.reshape(x.shape)), (n,), "your gradient", F64)
            clock[0], clock[1] = clock[0] + 1, clock[1] + time.perf_counter() - t
            return g

        gx = G(x0)
        rng = np.random.default_rng(seed)
        h = float(np.finfo(dtype).eps) ** (1 / 3) * max(1.0, float(np.max(np.abs(x0))))
        outcomes = []
        for k in range(directions):
            v = rng.standard_normal(n)
            v = (v / (np.linalg.norm(v) or 1.0)).astype(dtype)
            which = "your Hessian-vector product"
            Hv = as_array(user_call(which, hvp, x0.reshape(x.shape).copy(), v.reshape(x.shape).copy()), (n,), which,
                          F64)  # fmt: skip

            def difference(scale: float, v: np.ndarray = v) -> np.ndarray:
                up, down, _ = straddle(x0, scale * h * v)
                return (G(up) - G(down)) / (2 * scale * h)

            D = difference(1.0)
            roundoff = _roundoff(dtype, np.max(np.abs(gx))) / h  # the gradient's noise scales with its largest entry
            where = [np.unravel_index(np.arange(n), x.shape)]
            again = lambda flagged, d=difference: (d(2.0)[flagged], 2)  # noqa: E731
            outcomes.append(judged(f"direction {k + 1}", Hv, D, roundoff, again, where, rtol, atol, 2))
    result = CheckResult(tuple(outcomes), dtype.name, (n,), rtol, atol, clock[1] / max(clock[0], 1),
                         time.perf_counter() - start, math.nan, kind="hvp")  # fmt: skip
    return result
