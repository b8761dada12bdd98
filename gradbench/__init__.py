"""gradbench: measure why backpropagation replaced numerical differentiation.

    >>> from gradbench import MLP, Spec, gradient
    >>> model = MLP.build(Spec(layers=3, hidden=10))
    >>> g, counts = gradient(model, "central")

Names are imported on first use, so `gradbench --help` does not pay for NumPy.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .version import __version__ as __version__

_EXPORTS = {
    "Spec": ".model.spec",
    "GradbenchError": ".errors",
    "MLP": ".model.mlp",
    "Counter": ".model.ops",
    "loss": ".model.passes",
    "METHODS": ".methods",
    "Method": ".methods",
    "GradientResult": ".methods",
    "register": ".methods",
    "registered": ".methods",
    "gradient": ".methods",
    "predict": ".methods",
    "relative_error": ".methods",
    "Measurement": ".measure.records",
    "check": ".studies.checks",
    "check_jacobian": ".studies.jacobians",
    "check_hvp": ".studies.jacobians",
    "taylor_test": ".studies.taylor",
    "compare_function": ".studies.function",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module 'gradbench' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The API, for dir() and tab completion (the names are imported on first use, so not yet globals)."""
    return sorted([*_EXPORTS, "__version__"])
