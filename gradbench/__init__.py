"""gradbench: measure why backpropagation replaced numerical differentiation.

    >>> from gradbench import MLP, Spec, gradient
    >>> model = MLP.build(Spec(layers=3, hidden=10))
    >>> g, counts = gradient(model, "central")

Names are imported on first use, so `gradbench --help` does not pay for NumPy.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.2.0"

_EXPORTS = {
    "Spec": ".spec",
    "GradbenchError": ".spec",
    "MLP": ".mlp",
    "Counter": ".ops",
    "loss": ".passes",
    "METHODS": ".methods",
    "Method": ".methods",
    "GradientResult": ".methods",
    "register": ".methods",
    "registered": ".methods",
    "gradient": ".methods",
    "predict": ".methods",
    "relative_error": ".methods",
    "Measurement": ".results",
    "check": ".checks",
    "compare_function": ".userfn",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module 'gradbench' has no attribute {name!r}")
