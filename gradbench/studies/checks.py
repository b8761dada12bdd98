"""Is this gradient right, and how much of it was looked at? Checks as torch.autograd.gradcheck and
numpy's allclose make them, entry by entry, against central differences of f:

- directional: one random direction v; (f(x + h v) - f(x - h v)) / 2 against g . (h v). Two
  evaluations of f look at every entry at once, but only find an error larger than its allowance.
- sampled: k random entries, 2k evaluations; a single wrong entry is found with probability k/N.
- full: every entry, 2N evaluations.

An entry fails when |g_i - D_i| > atol + rtol |D_i| + its difference's own error: the round-off
eps |f(x)| / h_i, and, for an entry that fails at first, the truncation error seen by a second
difference at 2h (|D(2h) - D(h)|, three times the estimate, two more evaluations). So a correct entry
where f is curved or noisy is not flagged, and a wrong entry is judged on its own size, not the size of
the gradient's largest entry. The default rtol is the central difference's own error, eps^(2/3) (the
bottom of its V-curve in `gradbench accuracy`), times RTOL_MARGIN.

Works for any f: R^N -> R in NumPy (`check(f, grad, x)`), and for the model's registered methods.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import GradbenchError
from ..methods import numeric
from .check_result import WORST, CheckResult, Entry, Outcome
from .check_result import index as entry_name
from .user_code import as_scalar, as_vector, output_to_stderr, user_call, working_dtype

RTOL_MARGIN = 100  # over the central difference's error eps^(2/3): curvature the second look does not see
RTOL = {d: RTOL_MARGIN * float(np.finfo(d).eps) ** (2 / 3) for d in ("float64", "float32")}  # 3.7e-9, 2.4e-3
ROUNDOFF = 1  # f(x)'s own round-off, in eps |f(x)|, that a difference divides by its step; a noisier f
# is seen by the second look
SAMPLED = 10  # entries sampled when even they do not fit the budget
LIMIT_S = 600.0  # a full check of a model predicted to take longer is refused


def tolerances(x: np.ndarray, rtol: float | None, atol: float) -> tuple[np.dtype, float]:
    """x's working dtype and the relative tolerance (the given one, or the dtype's default), for every
    check: an rtol or atol that is not finite and non-negative is refused (an infinite atol passes all)."""
    dtype = working_dtype(x)
    rtol = RTOL[dtype.name] if rtol is None else rtol
    if not (math.isfinite(rtol) and rtol >= 0 and math.isfinite(atol) and atol >= 0):
        raise GradbenchError(f"rtol and atol must be finite and non-negative, got rtol={rtol}, atol={atol}")
    return dtype, rtol


def check(
    f: Callable[[np.ndarray], Any],
    grad: Callable[[np.ndarray], Any],
    x: Any,
    *,
    rtol: float | None = None,
    atol: float = 0.0,
    entries: int | None = None,
    full: bool = False,
    seed: int = 0,
    budget: float = 1.0,
) -> CheckResult:
    """Check grad(x) against central differences of f at x, keeping x's dtype: a random direction always;
    then every entry when `full`, `entries` sampled ones when given, or by default every entry when the
    full check is predicted to take under `budget` seconds and as many sampled entries as fit otherwise.
    Neither f nor grad may change x. What they print goes to stderr."""
    x = np.asarray(x)
    dtype, rtol = tolerances(x, rtol, atol)
    x0, shape, start = x.astype(dtype).ravel(), x.shape, time.perf_counter()
    with output_to_stderr():
        g = as_vector(user_call("your gradient", grad, x0.reshape(shape).copy()), x0.size).astype(np.float64)
        clock = [0, 0.0]  # calls of f, seconds in them

        def value(point: np.ndarray) -> float:
            t = time.perf_counter()
            y = float(np.asarray(as_scalar(user_call("your function", f, point.reshape(shape)))).real.reshape(()))
            clock[0], clock[1] = clock[0] + 1, clock[1] + time.perf_counter() - t
            return y

        rng = np.random.default_rng(seed)
        directional, fx, detectable = _directional(value, x0, g, rng, rtol, atol)
        outcomes = [directional]
        idx = _chosen(x0.size, entries, full, budget, clock[1] / clock[0], rng)
        if idx is not None:
            name = "full" if len(idx) == x0.size else "sampled"
            outcomes.append(_entrywise(name, value, x0, g, idx, rtol, atol, fx, shape))
    return CheckResult(tuple(outcomes), dtype.name, shape, rtol, atol, clock[1] / clock[0],
                       time.perf_counter() - start, detectable)  # fmt: skip


def _chosen(n: int, entries: int | None, full: bool, budget: float, f_seconds: float,
            rng: np.random.Generator, what: str = "entries") -> np.ndarray | None:  # fmt: skip
    """The entries (a Jacobian's columns) to check one by one (None: none): all when asked or when they
    fit the budget, else `entries` or as many as fit (at least SAMPLED) drawn at random."""
    if entries is not None and entries < 0:
        raise GradbenchError(f"{what} must be 0 or more, got {entries}")
    if full or (entries is None and 2 * n * f_seconds <= budget):
        return np.arange(n)
    k = entries if entries is not None else max(SAMPLED, int(budget / max(2 * f_seconds, 1e-9)))
    if k == 0:
        return None
    return np.sort(rng.choice(n, size=min(k, n), replace=False))


def _directional(value: Callable[[np.ndarray], float], x0: np.ndarray, g: np.ndarray, rng: np.random.Generator,
                 rtol: float, atol: float) -> tuple[Outcome, float, float]:  # fmt: skip
    """g . d against the central difference of f along d_i = h_i v_i (v a random unit vector, h_i each
    entry's own step), d being what the two points really differ by after rounding. Allowed: what every
    entry's own allowance adds up to along d, atol sum|d_i| + rtol sum|g_i d_i|, plus f's round-off.
    Returns the outcome, f(x) (about the two values' mean) and the smallest single-entry error this
    direction finds at a typical entry."""
    v = rng.standard_normal(x0.size)
    v /= np.linalg.norm(v) or 1.0
    h = numeric.default_steps(x0, numeric.central_difference).astype(np.float64)

    def allowance(d: np.ndarray, fx: float) -> float:
        return atol * float(np.abs(d).sum()) + rtol * float(np.abs(g * d).sum()) + _roundoff(x0.dtype, fx)

    entry, evaluations, d, fx = probe(value, x0, h * v, lambda d: float(g @ d), allowance)
    detectable = entry.allowed / max(float(np.median(np.abs(d))), 1e-300)
    return (
        Outcome("directional", evaluations, 1, int(not entry.excess <= 1), (entry,)),  # a NaN excess fails
        fx,
        detectable,
    )


def straddle(x0: np.ndarray, step: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x0 + step and x0 - step rounded into x0's dtype, and half of what the two really differ by."""
    up = (x0.astype(np.float64) + step).astype(x0.dtype)
    down = (x0.astype(np.float64) - step).astype(x0.dtype)
    return up, down, (up.astype(np.float64) - down.astype(np.float64)) / 2


def probe(value: Callable[[np.ndarray], float], x0: np.ndarray, step: np.ndarray, got: Callable[[np.ndarray], float],
          allowance: Callable[[np.ndarray, float], float]) -> tuple[Entry, int, np.ndarray, float]:  # fmt: skip
    """One look along a direction: (value(x0 + step) - value(x0 - step)) / 2 against got(d), d the half-step
    really taken, allowed allowance(d, the two values' mean). When it fails at first, a second look at
    twice the step adds three times the truncation error it shows (two more evaluations). Returns the
    entry, the evaluations, d and the two values' mean."""

    def along(scale: float) -> tuple[float, np.ndarray, float]:
        up, down, d = straddle(x0, scale * step)
        v_up, v_down = value(up), value(down)
        return (v_up - v_down) / 2, d, (v_up + v_down) / 2

    expected, d, mid = along(1.0)
    mine, allowed, evaluations = got(d), allowance(d, mid), 2
    if not abs(mine - expected) <= allowed:  # a second look at 2h: is it the difference's own truncation?
        expected2, d2, _ = along(2.0)
        allowed += 3 * abs(expected2 * float(np.linalg.norm(d) / np.linalg.norm(d2)) - expected)  # 3x the 3T seen
        evaluations = 4
    return Entry((), mine, expected, abs(mine - expected), _rel(mine, expected), allowed), evaluations, d, mid


def _entrywise(name: str, value: Callable[[np.ndarray], float], x0: np.ndarray, g: np.ndarray, idx: np.ndarray,
               rtol: float, atol: float, fx: float, shape: tuple[int, ...]) -> Outcome:  # fmt: skip
    """Central differences of the entries idx (2 evaluations each, 2 more for each that fails at first)
    against g there, each entry judged by its own allowance."""
    x = x0.copy()
    h = numeric.default_steps(x0[idx], numeric.central_difference)
    D = numeric.central_difference(lambda: value(x), x, h, idx)[idx].astype(np.float64)
    base = _roundoff(x0.dtype, fx) / h.astype(np.float64)

    def second(flagged: np.ndarray) -> tuple[np.ndarray, int]:  # the same entries' differences at twice the step
        again = idx[flagged]
        return numeric.central_difference(lambda: value(x), x, 2 * h[flagged], again)[again], 2 * len(again)

    return judged(name, g[idx], D, base, second, [np.unravel_index(idx, shape)], rtol, atol, 2 * len(idx))


Second = Callable[[np.ndarray], tuple[np.ndarray, int]]  # flagged mask -> (D at 2h there, evaluations it took)


def judged(name: str, got: np.ndarray, D: np.ndarray, roundoff: np.ndarray, second: Second,
           where: list[tuple[np.ndarray, ...]], rtol: float, atol: float, evaluations: int) -> Outcome:  # fmt: skip
    """Entries `got` against differences D, each allowed atol + rtol |D| + its round-off; an entry that fails
    at first gets a second difference at twice the step (`second(mask)`), and three times the truncation
    error it shows, 3|D(2h) - D(h)|, is allowed it too. `where`: each entry's multi-index, as index
    arrays (flattened in got's order)."""
    roundoff = np.broadcast_to(roundoff, np.shape(D)).astype(np.float64).ravel()
    got, D = got.ravel(), D.ravel()
    allowed = atol + rtol * np.abs(D) + roundoff
    diff = np.abs(got - D)
    flagged = ~(diff <= allowed) & np.isfinite(D)
    if flagged.any():
        D2, more = second(flagged)
        allowed[flagged] += 3 * np.abs(np.ravel(D2).astype(np.float64) - D[flagged])
        evaluations += more
    bad = ~(diff <= allowed)
    excess = np.where(allowed > 0, diff / np.where(allowed > 0, allowed, 1), np.where(diff > 0, np.inf, 0))
    order = np.argsort(-np.nan_to_num(excess, nan=np.inf))[:WORST]
    index = np.stack([np.ravel(w) for part in where for w in part], axis=1) if where else np.zeros((len(D), 0), int)
    worst = tuple(Entry(tuple(int(k) for k in index[i]), float(got[i]), float(D[i]), float(diff[i]),
                        _rel(float(got[i]), float(D[i])), float(allowed[i])) for i in order)  # fmt: skip
    return Outcome(name, evaluations, len(D), int(bad.sum()), worst)


def _roundoff(dtype: np.dtype, fx: Any) -> Any:
    return ROUNDOFF * float(np.finfo(dtype).eps) * abs(fx)


def _rel(got: float, expected: float) -> float:
    return abs(got - expected) / abs(expected) if expected else (0.0 if got == expected else math.inf)


def of_model(spec: Any, method: str | None, entries: int | None, full: bool, seed: int, budget: float = 1.0,
             rtol: float | None = None, atol: float = 0.0) -> CheckResult:  # fmt: skip
    """Check a registered method's gradient (default: the reference, backprop) of the model's loss, as
    a function of theta; rtol no stricter than the method promises."""
    from ..methods.registry import lookup

    f, grad, theta, name = model_functions(spec, method)
    if full:
        from ..measure.estimate import pass_seconds, refuse_past

        refuse_past(2 * spec.n_params * pass_seconds(spec), LIMIT_S, f"a full check of N = {spec.n_params:,} entries",
                    "check --entries K of them instead, or a smaller model")  # fmt: skip
    rtol = max(RTOL[spec.dtype], lookup(name).rtol[spec.dtype]) if rtol is None else rtol
    return check(f, grad, theta, entries=entries, full=full, seed=seed, rtol=rtol, atol=atol, budget=budget)


def taylor_of_model(spec: Any, method: str | None, seed: int) -> Any:
    """The Taylor remainder test of a registered method's gradient of the model's loss."""
    from .taylor import taylor_test

    f, grad, theta, _ = model_functions(spec, method)
    return taylor_test(f, grad, theta, seed=seed)


Function = Callable[[np.ndarray], Any]


def model_functions(spec: Any, method: str | None) -> tuple[Function, Function, np.ndarray, str]:
    """The model's loss and a method's gradient of it, as functions of theta, and theta itself."""
    from ..methods import REFERENCE, gradient
    from ..methods.registry import lookup
    from ..model.mlp import MLP
    from ..model.passes import loss

    name = lookup(method or REFERENCE.name).name
    model = MLP.build(spec)

    def f(theta: np.ndarray) -> float:
        model.set_params(theta)
        return loss(model)

    def grad(theta: np.ndarray) -> np.ndarray:
        model.set_params(theta)
        return gradient(model, name).gradient

    return f, grad, model.theta.copy(), name


def require(result: Any, what: str = "the gradient") -> None:
    """Fail (exit 1) unless every check passed, naming the failed checks and the worst entry (or, for the
    Taylor test, the order it observed)."""
    from ..errors import CheckFailed

    if result:
        return
    if not hasattr(result, "outcomes"):  # the Taylor test
        raise CheckFailed(f"{what} is wrong: observed order {result.order:.2f} where a right gradient gives 2")
    failed = [f"{o.check} ({o.failed:,} of {o.checked:,})" for o in result.outcomes if not o.passed]
    worst = [e for o in result.outcomes if not o.passed for e in o.worst if e.index]
    where = f"; worst entry {entry_name(worst[0].index)}" if worst else ""
    raise CheckFailed(f"{what} is wrong: {', '.join(failed)} failed{where}")
