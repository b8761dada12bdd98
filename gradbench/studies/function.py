"""The user's own f: R^N -> R: the numeric methods timed and checked against the user's gradient (and
torch.autograd when f is written for torch tensors and torch is installed), in the table compare uses.

As on the MLP, a method whose full gradient would not fit the budget is run on a random sample of the
entries (the same sample for every method), timed there and extrapolated to all N (marked estimated);
errors are over the sampled entries. x keeps its dtype. f that drops an imaginary part is named as not
complex-safe and the complex step is skipped, rather than reported as a wrong gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from ..measure.stats import median_interval, ratio_interval
from ..measure.timing import measure, once
from ..methods import CENTRAL, COMPLEX, numeric
from ..methods.registry import METHODS, Method, relative_error
from .user_code import as_scalar, as_vector, complex_safe, output_to_stderr, user_call

YOURS = "your gradient"


@dataclass(frozen=True)
class FunctionRow:
    """One way of computing the gradient of the user's f at x: its calls of f, its time, its error."""

    method: str
    evaluations: int | None  # calls of f (None: not a count of f's calls, e.g. autograd); for all N entries
    time_s: float  # median per gradient (extrapolated to all N when estimated)
    time_ratio: float  # against the reference (your gradient, or the central difference)
    rel_error: float  # against the reference, over the entries computed
    reference: bool = False  # the row the others are measured against
    estimated: bool = False  # timed on `entries` sampled entries and extrapolated to all N
    entries: int = 0  # entries computed
    time_low_s: float = math.nan  # 95% intervals of the time and the ratio (measure/stats.py; NaN: < 6 rounds)
    time_high_s: float = math.nan
    time_ratio_low: float = math.nan
    time_ratio_high: float = math.nan

    def as_dict(self) -> dict[str, Any]:
        return vars(self).copy()


class FunctionRows(list[FunctionRow]):
    """The rows, and notes on how they were made (what was skipped or sampled, and why)."""

    notes: list[str]


def _torch_gradient(f: Callable[[Any], Any], x: np.ndarray) -> Callable[[], np.ndarray] | None:
    """torch.autograd's gradient of f, when torch is installed and f computes on torch tensors."""
    try:
        import torch
    except ImportError:
        return None

    def grad() -> np.ndarray:
        t = torch.tensor(x, requires_grad=True)
        (g,) = torch.autograd.grad(f(t), t)
        return g.detach().numpy()

    try:
        grad()
    except Exception:  # f is NumPy code: no autograd through it
        return None
    return grad


def _rule_gradient(f: Callable[[np.ndarray], Any], x0: np.ndarray, m: Method, idx: np.ndarray | None) -> np.ndarray:
    """m's rule applied to f at x0, for the entries idx (None: all); the rest NaN."""
    shape, flat = x0.shape, x0.ravel()
    out = np.full(flat.size, np.nan)
    if m is COMPLEX:
        z = flat.astype(np.result_type(flat.dtype, np.complex64))
        g = numeric.complex_step(lambda: f(z.reshape(shape)), z, numeric.COMPLEX_STEP, idx)
    else:
        v = flat.copy()
        h = numeric.default_steps(v if idx is None else v[idx], m.rule)  # type: ignore[arg-type]
        g = m.rule(lambda: f(v.reshape(shape)), v, h, idx)  # type: ignore[misc]
    chosen = slice(None) if idx is None else idx
    out[chosen] = np.asarray(g, dtype=np.float64)[chosen]
    return out.reshape(shape)


def compare_function(
    f: Callable[[np.ndarray], Any], x: Any, grad: Callable[[np.ndarray], Any] | None = None, budget_s: float = 1.0,
    on_step: Callable[[str], None] = lambda name: None, seed: int = 0,
) -> FunctionRows:  # fmt: skip
    """Time every registered numeric rule's gradient of f at x (forward, central, richardson, complex) and
    torch.autograd when f is written for torch, against `grad` when given (else the central difference),
    with errors; the calls of f each made are counted as they ran. The rows carry notes (what was
    skipped or sampled, and why). What f prints goes to stderr."""
    x0 = np.asarray(x)
    x0 = x0 if x0.dtype in (np.float32, np.float64) else x0.astype(np.float64)
    n, calls, notes = x0.size, [0], []

    def counted(point: np.ndarray) -> Any:
        calls[0] += 1
        return as_scalar(user_call("your function", f, point))

    with output_to_stderr():
        on_step("one call of your function")
        f_seconds = min(once(lambda: counted(x0.copy())) for _ in range(3))
        rules = [m for m in METHODS.values() if m.rule is not None]
        unsafe = complex_safe(f, x0)
        if unsafe:
            rules.remove(COMPLEX)
            notes.append(f"f is not complex-safe: the complex step is skipped ({unsafe})")
        per_entry = {m.name: _calls_per_entry(m) for m in rules}
        most = max(per_entry.values())
        k = n if most * n * f_seconds <= budget_s else max(1, min(n, int(budget_s / (most * f_seconds))))
        idx = None if k == n else np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))
        if idx is not None:
            notes.append(f"~ estimated: each numeric method ran on {k:,} of {n:,} entries (at random, the same "
                         f"for all) and its time was extrapolated to all N; errors over those entries")  # fmt: skip
        rows = FunctionRows(_rows(counted, calls, x0, grad, rules, per_entry, idx, f, budget_s, on_step))
    rows.notes = notes
    return rows


def _calls_per_entry(m: Method) -> int:
    """The evaluations one more entry costs m, read from its closed-form cost (on the smallest model)."""
    from ..methods.registry import Options
    from ..model.spec import Spec

    spec, opts = Spec(layers=1, hidden=2), Options()
    return m.cost(spec, [0, 1], opts).forward_passes - m.cost(spec, [0], opts).forward_passes


def _rows(counted: Callable[[np.ndarray], Any], calls: list[int], x0: np.ndarray, grad: Callable[..., Any] | None,
          rules: list[Method], per_entry: dict[str, int], idx: np.ndarray | None, f: Callable[..., Any],
          budget_s: float, on_step: Callable[[str], None]) -> list[FunctionRow]:  # fmt: skip
    n, k = x0.size, x0.size if idx is None else len(idx)
    ways: dict[str, Callable[[], Any]] = {}
    if grad is not None:
        ways[YOURS] = lambda: as_vector(user_call("your gradient", grad, x0.copy()), n).reshape(x0.shape)
    for m in rules:
        ways[m.name] = partial(_rule_gradient, counted, x0, m, idx)
    torch_grad = _torch_gradient(f, x0)
    if torch_grad is not None:
        ways["torch.autograd"] = torch_grad
    results, evaluations, timings, rounds = {}, {}, {}, {}
    for name, way in ways.items():
        on_step(name)
        calls[0] = 0
        results[name] = np.asarray(way(), dtype=np.float64).reshape(x0.shape)
        sampled = name in METHODS and idx is not None
        evaluations[name] = calls[0] + (n - k) * per_entry[name] if name in METHODS else None  # k's + the rest
        timing, scale = measure(way, budget_s, warmup=0 if sampled else 1), (n / k if sampled else 1)
        timings[name], rounds[name] = timing.median * scale, [t * scale for t in timing.per_round]
    reference = YOURS if grad is not None else CENTRAL.name
    chosen = slice(None) if idx is None else idx

    def intervals(name: str) -> tuple[float, float, float, float]:
        ratio = (1.0, 1.0) if name == reference else ratio_interval(rounds[name], rounds[reference], paired=False)
        return (*median_interval(rounds[name]), *ratio)

    return [FunctionRow(name, evaluations[name], timings[name],
                        timings[name] / timings[reference] if timings[reference] > 0 else math.nan,
                        relative_error(results[name].ravel()[chosen], results[reference].ravel()[chosen]),
                        name == reference, name in METHODS and idx is not None, k if name in METHODS else n,
                        *intervals(name))
            for name in ways]  # fmt: skip
