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

from ..measure.timing import measure
from ..methods import CENTRAL, numeric
from ..methods.registry import METHODS, relative_error
from .checks import as_scalar, as_vector, user_call

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
    """Time every registered numeric rule's gradient of f at x (forward, central, richardson, complex) and
    torch.autograd when f is written for torch, against `grad` when given (else the central difference),
    with errors; the calls of f each made are counted as they ran."""
    x0 = np.asarray(x, dtype=np.float64)
    calls = {0: 0}

    def counted(point: np.ndarray) -> Any:
        calls[0] += 1
        return as_scalar(user_call("your function", f, point))

    ways: dict[str, Callable[[], Any]] = {}
    if grad is not None:
        ways[YOURS] = lambda: as_vector(user_call("your gradient", grad, x0.copy()), x0.size)
    for m in (m for m in METHODS.values() if m.rule is not None):
        ways[m.name] = partial(numeric.gradient, counted, x0, m.rule)
    torch_grad = _torch_gradient(f, x0)
    if torch_grad is not None:
        ways["torch.autograd"] = torch_grad
    results, evaluations = {}, {}
    for name, way in ways.items():
        calls[0] = 0
        results[name] = np.asarray(way(), dtype=np.float64).reshape(x0.shape)
        evaluations[name] = calls[0] if name in METHODS else None
    reference = YOURS if grad is not None else CENTRAL.name
    timings = {name: measure(way, budget_s).median for name, way in ways.items()}
    return [FunctionRow(name, evaluations[name], timings[name],
                        timings[name] / timings[reference] if timings[reference] > 0 else math.nan,
                        relative_error(results[name], results[reference]), name == reference)
            for name in ways]  # fmt: skip
