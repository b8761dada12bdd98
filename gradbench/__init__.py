"""gradbench: measure why backpropagation replaced numerical differentiation.

    >>> from gradbench import Spec, MLP
    >>> model = MLP.build(Spec(layers=3, hidden=10))
    >>> g, counts = model.gradient("central")

Names are imported on first use, so `gradbench --help` does not pay for NumPy.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "Spec": ".spec",
    "GradbenchError": ".spec",
    "MLP": ".mlp",
    "Counter": ".ops",
    "METHODS": ".methods",
    "gradient": ".methods",
    "relative_error": ".methods",
    "predict": ".costs",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module 'gradbench' has no attribute {name!r}")
