"""Assertions for your test suite: a gradient, a Jacobian or a Hessian-vector product checked entry by
entry against central differences, failing with the worst entries named by index.

    from gradbench.testing import assert_gradient

    def test_my_gradient():
        assert_gradient(my_loss, my_grad, x0)  # rtol=, atol=, entries=, full=, seed= as in gradbench.check
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..studies.checks import check
from ..studies.jacobians import check_hvp, check_jacobian

__all__ = ["assert_gradient", "assert_hvp", "assert_jacobian"]


def assert_gradient(f: Callable[..., Any], grad: Callable[..., Any], x: Any, **kw: Any) -> None:
    """Raise AssertionError, its message the verdict, the coverage and the worst entries, unless grad(x)
    is the gradient of f at x (every entry within atol + rtol |numeric|). Keywords as gradbench.check."""
    result = check(f, grad, x, **kw)
    if not result:
        raise AssertionError("\n" + str(result))


def assert_jacobian(f: Callable[..., Any], jac: Callable[..., Any], x: Any, **kw: Any) -> None:
    """As assert_gradient, for a vector f and its m x n Jacobian (gradbench.check_jacobian)."""
    result = check_jacobian(f, jac, x, **kw)
    if not result:
        raise AssertionError("\n" + str(result))


def assert_hvp(grad: Callable[..., Any], hvp: Callable[..., Any], x: Any, **kw: Any) -> None:
    """As assert_gradient, for hvp(x, v) = H v against differences of grad (gradbench.check_hvp)."""
    result = check_hvp(grad, hvp, x, **kw)
    if not result:
        raise AssertionError("\n" + str(result))
