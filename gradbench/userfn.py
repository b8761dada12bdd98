"""The user's own f: R^N -> R: the numeric methods timed and checked against the user's gradient (and
torch.autograd when f is written for torch tensors and torch is installed), in the table compare uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from . import numeric
from .methods import CENTRAL, COMPLEX, FORWARD, RICHARDSON, relative_error
from .spec import GradbenchError, UserCodeError
from .timing import measure

RULES: dict[str, numeric.Rule] = {
    FORWARD.name: numeric.forward_difference,
    CENTRAL.name: numeric.central_difference,
    RICHARDSON.name: numeric.richardson,
    COMPLEX.name: numeric.complex_step,
}
# Calls of f per gradient of N entries: the forward difference's N+1, the central's 2N, ...
PER_ENTRY = {FORWARD.name: (1, 1), CENTRAL.name: (2, 0), RICHARDSON.name: (4, 0), COMPLEX.name: (1, 0)}
YOURS = "your gradient"


@dataclass(frozen=True)
class FunctionRow:
    """One way of computing the gradient of the user's f at x: its calls of f, its time, its error."""

    method: str
    evaluations: int | None  # calls of f (None: not a count of f's calls, e.g. autograd)
    time_s: float  # median per gradient
    time_ratio: float  # against the reference (your gradient, or the central difference)
    rel_error: float  # against the reference
    reference: bool = False  # the row the others are measured against

    def as_dict(self) -> dict[str, Any]:
        return vars(self).copy()


def scalar(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """f, refusing (one line) a value that is not a scalar: a gradient is of f: R^N -> R."""

    def checked(x: Any) -> Any:
        value = f(x)
        if getattr(value, "size", 1) != 1:
            raise GradbenchError(f"your function must return a scalar; it returned shape {np.shape(value)}")
        return value

    return checked


def _guarded(which: str, fn: Callable[[], Any]) -> Callable[[], Any]:
    def call() -> Any:
        try:
            return fn()
        except GradbenchError:  # our own finding about their function (not a scalar): one line
            raise
        except Exception as e:  # the user's code: their traceback, never ours
            raise UserCodeError(which, e) from e

    return call


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


def compare_function(
    f: Callable[[np.ndarray], Any], x: Any, grad: Callable[[np.ndarray], Any] | None = None, budget_s: float = 1.0
) -> list[FunctionRow]:
    """Time forward, central, Richardson and complex-step gradients of f at x (and torch.autograd when f
    is written for torch), against `grad` when given (else the central difference), with errors."""
    x0 = np.asarray(x, dtype=np.float64)
    f = scalar(f)
    calls: dict[str, Callable[[], Any]] = {}
    if grad is not None:
        calls[YOURS] = _guarded("your gradient", lambda: np.asarray(grad(x0.copy()), dtype=np.float64))
    for name, rule in RULES.items():
        calls[name] = _guarded("your function", partial(numeric.gradient, f, x0, rule))
    torch_grad = _torch_gradient(f, x0)
    if torch_grad is not None:
        calls["torch.autograd"] = torch_grad
    results = {name: np.asarray(call(), dtype=np.float64).reshape(x0.shape) for name, call in calls.items()}
    reference = YOURS if grad is not None else CENTRAL.name
    timings = {name: measure(call, budget_s).median for name, call in calls.items()}
    n = x0.size
    per = {name: a * n + b for name, (a, b) in PER_ENTRY.items()}
    return [FunctionRow(name, per.get(name), timings[name],
                        timings[name] / timings[reference] if timings[reference] > 0 else math.nan,
                        relative_error(results[name], results[reference]), name == reference)
            for name in calls]  # fmt: skip
