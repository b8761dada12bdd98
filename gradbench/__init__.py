"""gradbench: measure why backpropagation replaced numerical differentiation.

    >>> from gradbench import Spec, MLP
    >>> model = MLP.build(Spec(layers=3, hidden=10))
    >>> g, counts = model.gradient("central")
"""

from .methods import METHODS, gradient, relative_error
from .mlp import MLP
from .ops import Counter
from .spec import GradbenchError, Spec

__all__ = ["METHODS", "MLP", "Counter", "GradbenchError", "Spec", "gradient", "relative_error"]
__version__ = "0.1.0"
