"""What to build: the shape of the MLP, its data and its arithmetic, validated once at the boundary."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any

from ..errors import GradbenchError
from ..io.machine import available_memory
from ..io.units import sizes

ACTIVATIONS = ("sigmoid", "tanh", "relu")
DTYPES = ("float64", "float32")


MAX_LAYERS = 10_000  # deeper is a typo: the widths alone would fill memory before any check


@dataclass(frozen=True)
class Spec:
    """An MLP of `layers` affine layers; `inputs`/`outputs` default to `hidden`.

    The seeds' "3-layer network" is layers=3: three weight matrices and three bias vectors.
    """

    layers: int = 3
    hidden: int = 10
    inputs: int = 0  # 0 (or None): the hidden width
    outputs: int = 0
    batch: int = 1
    activation: str = "sigmoid"
    dtype: str = "float64"
    seed: int = 0
    bias: bool = True
    widths: tuple[int, ...] = field(init=False, repr=False, compare=False)
    n_params: int = field(init=False, repr=False, compare=False)  # N: every weight and bias entry

    def __post_init__(self) -> None:
        for name in ("layers", "hidden", "batch"):
            _positive(name, getattr(self, name))
        if self.layers > MAX_LAYERS:  # before a tuple of that many widths is built
            raise GradbenchError(f"--layers must be at most {MAX_LAYERS:,}, got {self.layers:,}")
        for name in ("inputs", "outputs"):
            value = getattr(self, name)
            if not value:  # 0 or None
                object.__setattr__(self, name, self.hidden)
            else:
                _positive(name, value)
        if self.activation not in ACTIVATIONS:
            raise GradbenchError(f"unknown activation {self.activation!r}: choose one of {', '.join(ACTIVATIONS)}")
        if self.dtype not in DTYPES:
            raise GradbenchError(f"unknown dtype {self.dtype!r}: choose one of {', '.join(DTYPES)}")
        widths = (self.inputs,) + (self.hidden,) * (self.layers - 1) + (self.outputs,)
        object.__setattr__(self, "widths", widths)
        bias = sum(widths[1:]) if self.bias else 0  # stored, not a property: read on every gradient
        object.__setattr__(self, "n_params", sum(a * b for a, b in pairwise(widths)) + bias)

    @property
    def itemsize(self) -> int:
        return 8 if self.dtype == "float64" else 4

    def memory_bytes(self) -> int:
        """Peak bytes the engine allocates for this model, for the refuse-before-allocating check.

        Parameters: theta, its gradient, a tangent direction and a complex copy (2 words each) = 5N.
        Activations: inputs, targets and per layer Z, A and a backward/tangent buffer, in complex = 2x.
        """
        acts = self.batch * sum(self.widths) * 3 * 2
        return self.itemsize * (5 * self.n_params + acts + 2 * self.batch * (self.inputs + self.outputs))

    def check_fits(self, available: int | None = None) -> None:
        """Refuse a model that would not fit, before a single array is allocated."""
        need = self.memory_bytes()
        have = available_memory() if available is None else available
        if need > have:
            needs, free = sizes(need, have)
            raise GradbenchError(
                f"model needs about {needs} of memory (N = {self.n_params:,} parameters) "
                f"but only {free} is available: use fewer layers, a smaller --hidden or --batch"
            )

    def __str__(self) -> str:
        """The short form progress lines use: L=3 H=10 B=1 N=330."""
        return f"L={self.layers} H={self.hidden} B={self.batch} N={self.n_params:,}"

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("widths")
        d.pop("n_params")
        return d


def _positive(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise GradbenchError(f"--{name} must be a positive integer, got {value!r}")
