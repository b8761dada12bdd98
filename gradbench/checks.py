"""Is this gradient right, and what did checking it cost? Three checks, as torch.autograd.gradcheck and
HIPS/autograd's check_grads make them, each against central differences of f:

- directional: one random unit direction v; (f(x + h v) - f(x - h v)) / 2h against g . v. Two
  evaluations of f check the whole vector: a wrong entry moves g . v unless v is orthogonal to the
  error, which a random v almost never is.
- sampled: k random entries, 2k evaluations; names the worst.
- full: every entry, 2N evaluations (the Jacobian of a scalar f is its gradient).

Works for any f: R^N -> R in NumPy (`check(f, grad, x)`), and for the model's registered methods.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import numeric
from .spec import GradbenchError, UserCodeError

# Relative error a correct gradient stays under, by dtype: central differences are good to about
# eps^(2/3) (4e-11 in float64, 2e-5 in float32); the margin covers curvature and cancellation. A bug
# is an O(1) error.
TOLERANCE = {"float64": 1e-6, "float32": 1e-3}
WORST = 5  # entries named in a report


@dataclass(frozen=True)
class Entry:
    index: int
    got: float  # the gradient under test
    expected: float  # central difference
    error: float  # |got - expected| / max(|got|, |expected|, scale)


@dataclass(frozen=True)
class Outcome:
    check: str  # "directional", "sampled", "full"
    evaluations: int  # calls of f the check made
    error: float
    tolerance: float
    worst: tuple[Entry, ...] = ()

    @property
    def passed(self) -> bool:
        return self.error <= self.tolerance  # NaN never passes


@dataclass(frozen=True)
class CheckResult:
    """Each check's outcome; true when every check passed."""

    outcomes: tuple[Outcome, ...]
    dtype: str

    def __bool__(self) -> bool:
        return all(o.passed for o in self.outcomes)

    @property
    def evaluations(self) -> int:
        return sum(o.evaluations for o in self.outcomes)

    @property
    def worst(self) -> tuple[Entry, ...]:
        entries = {e.index: e for o in self.outcomes for e in o.worst}
        return tuple(sorted(entries.values(), key=lambda e: -e.error if math.isfinite(e.error) else -math.inf)[:WORST])


def _call(which: str, fn: Callable[[np.ndarray], Any], x: np.ndarray) -> Any:
    try:
        return fn(x)
    except Exception as e:  # the user's code: reported with its own traceback, never as ours
        raise UserCodeError(which, e) from e


def check(
    f: Callable[[np.ndarray], Any],
    grad: Callable[[np.ndarray], Any],
    x: Any,
    *,
    entries: int = 10,
    full: bool = False,
    seed: int = 0,
    tolerance: float | None = None,
) -> CheckResult:
    """Check grad(x) against central differences of f at x: the directional check always, `entries`
    sampled entries (0 for none), and every entry when `full`. Neither f nor grad may change x."""
    x0 = np.array(x, dtype=np.result_type(np.asarray(x).dtype, np.float32)).ravel()
    dtype = "float32" if x0.dtype == np.float32 else "float64"
    x0 = x0.astype(dtype)
    shape = np.shape(x)
    g = np.asarray(_call("your gradient", grad, x0.reshape(shape).copy()), dtype=np.float64).ravel()
    if g.shape != x0.shape:
        raise GradbenchError(f"the gradient has {g.size} entries, x has {x0.size}: they must match")
    tol = TOLERANCE[dtype] if tolerance is None else tolerance
    rng = np.random.default_rng(seed)
    scale = max(float(np.max(np.abs(g))) if g.size else 0.0, float(np.finfo(dtype).tiny))

    def value(point: np.ndarray) -> float:
        result = np.asarray(_call("your function", f, point.reshape(shape)))
        if result.size != 1:
            raise GradbenchError(f"your function must return a scalar; it returned shape {result.shape}")
        return float(result.real.reshape(()))

    outcomes = [_directional(value, x0, g, rng, tol)]
    if entries > 0 and not full:
        idx = np.sort(rng.choice(x0.size, size=min(entries, x0.size), replace=False))
        outcomes.append(_entrywise("sampled", value, x0, g, idx, tol, scale))
    if full:
        outcomes.append(_entrywise("full", value, x0, g, np.arange(x0.size), tol, scale))
    return CheckResult(tuple(outcomes), dtype)


def _directional(value: Callable[[np.ndarray], float], x0: np.ndarray, g: np.ndarray, rng: np.random.Generator,
                 tol: float) -> Outcome:  # fmt: skip
    """g . d against the central difference of f along d = h v, v a random unit vector: two evaluations.
    d is the step the two points really differ by, after rounding to x's dtype."""
    v = rng.standard_normal(x0.size)
    v /= np.linalg.norm(v) or 1.0
    h = float(np.finfo(x0.dtype).eps) ** (1 / 3) * max(1.0, float(np.max(np.abs(x0))) if x0.size else 1.0)
    up = (x0.astype(np.float64) + h * v).astype(x0.dtype)
    down = (x0.astype(np.float64) - h * v).astype(x0.dtype)
    d = (up.astype(np.float64) - down.astype(np.float64)) / 2
    expected, got = (value(up) - value(down)) / 2, float(g @ d)
    floor = 1e-3 * float(np.linalg.norm(g) * np.linalg.norm(d))  # a direction nearly orthogonal to g
    error = abs(got - expected) / max(abs(got), abs(expected), floor, 1e-300)
    return Outcome("directional", 2, error, tol)


def _entrywise(name: str, value: Callable[[np.ndarray], float], x0: np.ndarray, g: np.ndarray, idx: np.ndarray,
               tol: float, scale: float) -> Outcome:  # fmt: skip
    """Central differences of the entries idx (2 evaluations each) against g there."""
    x = x0.copy()
    fd = numeric.central_difference(lambda: value(x), x, numeric.default_steps(x0[idx], numeric.central_difference),
                                    idx)[idx].astype(np.float64)  # fmt: skip
    got = g[idx]
    errors = np.abs(got - fd) / np.maximum(np.maximum(np.abs(got), np.abs(fd)), scale * 1e-3)
    order = np.argsort(-np.nan_to_num(errors, nan=np.inf))[:WORST]
    worst = tuple(Entry(int(idx[i]), float(got[i]), float(fd[i]), float(errors[i])) for i in order)
    error = float(np.max(np.abs(got - fd)) / max(float(np.max(np.abs(got))), float(np.max(np.abs(fd))), scale * 1e-3))
    return Outcome(name, 2 * len(idx), error if np.all(np.isfinite(fd)) else math.nan, tol, worst)


def load_callable(ref: str, option: str) -> Callable[[np.ndarray], Any]:
    """'package.module:name' -> the function; refused with one line if it cannot be found."""
    from importlib import import_module

    module, colon, name = ref.partition(":")
    if not colon or not module or not name:
        raise GradbenchError(f"{option} must be module:function, such as mypkg.model:loss, got {ref!r}")
    try:
        obj = getattr(import_module(module), name)
    except ModuleNotFoundError as e:
        raise GradbenchError(f"{option}: no module {e.name!r} (is it on PYTHONPATH?)") from None
    except AttributeError:
        raise GradbenchError(f"{option}: module {module!r} has no {name!r}") from None
    if not callable(obj):
        raise GradbenchError(f"{option}: {ref} is not a function")
    return obj


def load_point(path: str) -> np.ndarray:
    """x0 from a .npy file (or a text file of numbers)."""
    try:
        x = np.load(path) if path.endswith(".npy") else np.loadtxt(path, ndmin=1)
    except (OSError, ValueError) as e:
        raise GradbenchError(f"--x0: cannot read {path}: {e}") from None
    if not np.issubdtype(np.asarray(x).dtype, np.floating) or not np.all(np.isfinite(x)):
        raise GradbenchError(f"--x0: {path} must hold finite floating-point numbers")
    return np.asarray(x)


def of_model(spec: Any, method: str | None, entries: int, full: bool, seed: int) -> CheckResult:
    """Check a registered method's gradient (default: the reference, backprop) of the model's loss, as
    a function of theta."""
    from .methods import REFERENCE, gradient, lookup
    from .mlp import MLP
    from .passes import loss

    method = lookup(method or REFERENCE.name).name
    model = MLP.build(spec)

    def f(theta: np.ndarray) -> float:
        model.set_params(theta)
        return loss(model)

    def grad(theta: np.ndarray) -> np.ndarray:
        model.set_params(theta)
        return gradient(model, method).gradient

    rtol = max(TOLERANCE[spec.dtype], lookup(method).rtol[spec.dtype])  # no stricter than the method promises
    return check(f, grad, model.theta.copy(), entries=entries, full=full, seed=seed, tolerance=rtol)


def require(result: CheckResult) -> None:
    """Fail (exit 1) unless every check passed, naming the failed checks and the worst entry."""
    from .spec import CheckFailed

    failed = [f"{o.check} ({o.error:.1e} > {o.tolerance:.0e})" for o in result.outcomes if not o.passed]
    if failed:
        worst = f"; worst entry {result.worst[0].index}" if result.worst else ""
        raise CheckFailed(f"the gradient is wrong: {', '.join(failed)}{worst}")
