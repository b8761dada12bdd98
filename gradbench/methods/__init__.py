"""The gradient methods: the registry (registry.py), the methods themselves (differences.py, autodiff.py,
batched.py, numeric.py for the rules on any function), their closed-form costs and peak memory
(costs.py, footprint.py), and the catalogue that registers each (catalogue.py).

Importing this package registers every built-in method, so `METHODS` is complete wherever it is read.
"""

from .catalogue import (
    BACKPROP,
    BACKPROP_CHECKPOINT,
    CENTRAL,
    CENTRAL_BATCHED,
    COMPLEX,
    FORWARD,
    FORWARD_BATCHED,
    FORWARD_MODE,
    REFERENCE,
    RICHARDSON,
    gradient,
    predict,
)
from .registry import (
    DEFAULT_MEMORY,
    METHODS,
    GradientResult,
    Method,
    Options,
    lookup,
    register,
    registered,
    relative_error,
)

__all__ = [
    "BACKPROP",
    "BACKPROP_CHECKPOINT",
    "CENTRAL",
    "CENTRAL_BATCHED",
    "COMPLEX",
    "DEFAULT_MEMORY",
    "FORWARD",
    "FORWARD_BATCHED",
    "FORWARD_MODE",
    "METHODS",
    "REFERENCE",
    "RICHARDSON",
    "GradientResult",
    "Method",
    "Options",
    "gradient",
    "lookup",
    "predict",
    "register",
    "registered",
    "relative_error",
]
