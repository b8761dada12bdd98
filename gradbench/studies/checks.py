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

from ..errors import GradbenchError, UserCodeError
from ..methods import numeric

# Relative error a correct gradient stays under, by dtype: central differences are good to about
# eps^(2/3) (4e-11 in float64, 2e-5 in float32); the margin covers curvature and cancellation. A bug
# is an O(1) error.
TOLERANCE = {"float64": 1e-6, "float32": 1e-3}
WORST = 5  # entries named in a report
LIMIT_S = 600.0  # a full check of a model predicted to take longer is refused


@dataclass(frozen=True)
class Entry:
    index: int
    got: float  # the gradient under test
    expected: float  # central difference
    error: float  # |got - expected| / max(|got|, |expected|, the gradient's largest entry, round-off / tol)


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


def user_call(which: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Call the user's code; an exception in it is theirs (UserCodeError keeps it and its traceback)."""
    try:
        return fn(*args)
    except GradbenchError:
        raise
    except Exception as e:
        raise UserCodeError(which, e) from e


def as_scalar(value: Any) -> Any:
    """The user's f(x), refused (one line) when it is not a scalar: a gradient is of f: R^N -> R."""
    size = value.numel() if hasattr(value, "numel") else np.size(value)  # a torch tensor, or anything NumPy
    if size != 1:
        raise GradbenchError(f"your function must return a scalar; it returned shape {tuple(np.shape(value))}")
    return value


def as_vector(value: Any, n: int) -> np.ndarray:
    """The user's gradient as n float64s, refused (one line) when it is not that."""
    try:
        g = np.asarray(value, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise GradbenchError(f"your gradient must return {n} numbers; it returned {type(value).__name__}") from None
    if g.size != n:
        raise GradbenchError(f"your gradient has {g.size} entries, x has {n}: they must match")
    return g


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
    sampled entries (0 for none), and every entry when `full`. Neither f nor grad may change x.

    A check passes when |gradient - difference| <= tolerance x max(|gradient|, |difference|), or is
    within the difference's own round-off, 10 eps |f(x)| / h (as gradcheck's atol allows)."""
    x0 = np.array(x, dtype=np.result_type(np.asarray(x).dtype, np.float32)).ravel()
    dtype = "float32" if x0.dtype == np.float32 else "float64"
    x0, shape = x0.astype(dtype), np.shape(x)
    g = as_vector(user_call("your gradient", grad, x0.reshape(shape).copy()), x0.size)
    tol = TOLERANCE[dtype] if tolerance is None else tolerance
    rng = np.random.default_rng(seed)

    def value(point: np.ndarray) -> float:
        return float(np.asarray(as_scalar(user_call("your function", f, point.reshape(shape)))).real.reshape(()))

    directional, fx = _directional(value, x0, g, rng, tol)
    outcomes = [directional]
    if entries > 0 and not full:
        idx = np.sort(rng.choice(x0.size, size=min(entries, x0.size), replace=False))
        outcomes.append(_entrywise("sampled", value, x0, g, idx, tol, fx))
    if full:
        outcomes.append(_entrywise("full", value, x0, g, np.arange(x0.size), tol, fx))
    return CheckResult(tuple(outcomes), dtype)


def _directional(value: Callable[[np.ndarray], float], x0: np.ndarray, g: np.ndarray, rng: np.random.Generator,
                 tol: float) -> tuple[Outcome, float]:  # fmt: skip
    """g . d against the central difference of f along d_i = h_i v_i (v a random unit vector, h_i each
    entry's own step): two evaluations. d is what the two points really differ by, after rounding.
    Also returns f(x), about the two values' mean, for the entrywise checks' round-off allowance."""
    v = rng.standard_normal(x0.size)
    v /= np.linalg.norm(v) or 1.0
    h = numeric.default_steps(x0, numeric.central_difference).astype(np.float64)
    up = (x0.astype(np.float64) + h * v).astype(x0.dtype)
    down = (x0.astype(np.float64) - h * v).astype(x0.dtype)
    d = (up.astype(np.float64) - down.astype(np.float64)) / 2
    f_up, f_down = value(up), value(down)
    expected, got, fx = (f_up - f_down) / 2, float(g @ d), (f_up + f_down) / 2
    roundoff = 10 * float(np.finfo(x0.dtype).eps) * abs(fx)  # the difference's own error, in f's units
    floor = max(1e-3 * float(np.linalg.norm(g) * np.linalg.norm(d)), roundoff / tol, 1e-300)
    error = abs(got - expected) / max(abs(got), abs(expected), floor)
    return Outcome("directional", 2, error, tol), fx


def _entrywise(name: str, value: Callable[[np.ndarray], float], x0: np.ndarray, g: np.ndarray, idx: np.ndarray,
               tol: float, fx: float) -> Outcome:  # fmt: skip
    """Central differences of the entries idx (2 evaluations each) against g there, each error relative
    to the whole gradient's largest entry, or to the difference's round-off 10 eps |f| / h_i if larger."""
    x = x0.copy()
    h = numeric.default_steps(x0[idx], numeric.central_difference)
    fd = numeric.central_difference(lambda: value(x), x, h, idx)[idx].astype(np.float64)
    got = g[idx]
    roundoff = 10 * float(np.finfo(x0.dtype).eps) * abs(fx) / h.astype(np.float64)
    scale = np.maximum(max(float(np.max(np.abs(g))), 1e-300), roundoff / tol)
    errors = np.abs(got - fd) / np.maximum(np.maximum(np.abs(got), np.abs(fd)), scale)
    order = np.argsort(-np.nan_to_num(errors, nan=np.inf))[:WORST]
    worst = tuple(Entry(int(idx[i]), float(got[i]), float(fd[i]), float(errors[i])) for i in order)
    error = float(np.max(errors)) if np.all(np.isfinite(fd)) else math.nan
    return Outcome(name, 2 * len(idx), error, tol, worst)


def load_callable(ref: str, option: str) -> Callable[[np.ndarray], Any]:
    """'package.module:name' -> the function; refused with one line if it cannot be found."""
    from importlib import import_module

    module, colon, name = ref.partition(":")
    if not colon or not module or not name:
        raise GradbenchError(f"{option} must be module:function, such as mypkg.model:loss, got {ref!r}")
    try:
        loaded = import_module(module)
    except ModuleNotFoundError as e:
        if e.name and module.startswith(e.name):  # the module itself is missing, not one it imports
            raise GradbenchError(f"{option}: no module {e.name!r} (is it on PYTHONPATH?)") from None
        raise UserCodeError(f"importing {module}", e) from e
    except Exception as e:  # an error in their module: theirs, with its traceback
        raise UserCodeError(f"importing {module}", e) from e
    obj = getattr(loaded, name, None)
    if obj is None:
        raise GradbenchError(f"{option}: module {module!r} has no {name!r}")
    if not callable(obj):
        raise GradbenchError(f"{option}: {ref} is not a function")
    return obj


def load_point(path: str) -> np.ndarray:
    """x0 from a .npy file (or a text file of numbers)."""
    try:
        x = np.load(path) if path.endswith(".npy") else np.loadtxt(path, ndmin=1)
    except (OSError, ValueError, EOFError) as e:
        raise GradbenchError(f"--x0: cannot read {path}: {e or 'it is empty'}") from None
    if np.size(x) == 0:
        raise GradbenchError(f"--x0: {path} holds no numbers")
    if not np.issubdtype(np.asarray(x).dtype, np.floating) or not np.all(np.isfinite(x)):
        raise GradbenchError(f"--x0: {path} must hold finite floating-point numbers")
    return np.asarray(x)


def of_model(spec: Any, method: str | None, entries: int, full: bool, seed: int) -> CheckResult:
    """Check a registered method's gradient (default: the reference, backprop) of the model's loss, as
    a function of theta."""
    from ..methods import REFERENCE, gradient
    from ..methods.registry import lookup
    from ..model.mlp import MLP
    from ..model.passes import loss

    method = lookup(method or REFERENCE.name).name
    if full:
        from ..measure.estimate import pass_seconds, refuse_past

        refuse_past(2 * spec.n_params * pass_seconds(spec), LIMIT_S, f"a full check of N = {spec.n_params:,} entries",
                    "check --entries K of them instead, or a smaller model")  # fmt: skip
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
    from ..errors import CheckFailed

    failed = [f"{o.check} ({o.error:.1e} > {o.tolerance:.0e})" for o in result.outcomes if not o.passed]
    if failed:
        entries = [e for o in result.outcomes if not o.passed for e in o.worst]
        worst = f"; worst entry {max(entries, key=lambda e: e.error).index}" if entries else ""
        raise CheckFailed(f"the gradient is wrong: {', '.join(failed)}{worst}")
