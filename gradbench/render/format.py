"""How a number reads in a table: times and sizes in a unit with three significant figures (io/units.py),
ratios, counts, and the label and colour of a method or peer (from the registries)."""

from __future__ import annotations

import math
from collections.abc import Callable

from ..io.units import TIME_UNITS, unit
from ..io.units import seconds as seconds
from ..io.units import size as size
from ..methods.registry import METHODS
from ..peers import PEERS


def label(name: str) -> str:
    """The table label of a method or peer (it contains the name); an unknown name is shown as is."""
    entry = METHODS.get(name) or PEERS.get(name)
    return entry.label if entry else name


def color(name: str) -> str:
    """The plot colour of a method or peer."""
    entry = METHODS.get(name) or PEERS.get(name)
    return entry.color if entry else "C9"


def ratio(x: float) -> str:
    return f"{x:,.0f}x" if x >= 100 else f"{x:.3g}x"


def interval(low: float | None, high: float | None, number: Callable[[float], str]) -> str:
    """A 95% interval, `(138–145)`; `-` where there is none (too few rounds, or a file without them)."""
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return "-"
    return f"({number(low)}–{number(high)})"


def time_interval(t: float, low: float | None, high: float | None, unit: bool = True) -> str:
    """A median time t's 95% interval in t's unit: `(3.40–3.52 ms)`, or `(3.40–3.52)` to stand beside t."""
    name, scale = unit_of(t)
    text = interval(low, high, lambda x: figure(x / scale))
    return f"{text[:-1]} {name})" if unit and text != "-" else text


def figure(x: float) -> str:
    """A figure of an interval, three significant figures kept: 141, 4.40, 1.28."""
    return f"{x:,.0f}" if x >= 100 else f"{x:#.3g}".rstrip(".")


def unit_of(t: float) -> tuple[str, float]:
    """The unit `seconds` writes t in, and its size."""
    return unit(t, TIME_UNITS)


def compact(n: float | None) -> str:
    if n is None or (isinstance(n, float) and math.isnan(n)):  # not counted (None, or NaN from a CSV)
        return "-"
    return f"{n:,}" if n < 10**7 else f"{n:.3g}"


WIDEST = (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("sve", "SVE"), ("asimd", "NEON"))


def threads(n: object) -> str:
    return f"{n} BLAS thread{'' if n == 1 else 's'}"


def conditions(meta: dict[str, object]) -> str:
    """Where a result was measured, as a title or a page says it: the CPU, its cores, the BLAS threads."""
    return f"{machine(meta)}, {meta.get('cpu_count', '?')} cores, {threads(meta.get('blas_threads', '?'))}"


def machine(meta: dict[str, object]) -> str:
    """The CPU a result came from, as a title names it: its name, and where the metadata has them
    (since cpu_id), its family, model and widest vector unit, which a generic virtual-machine name hides."""
    name, cpu = str(meta.get("cpu", "")), meta.get("cpu_id")
    if not isinstance(cpu, dict):
        return name
    units = set(cpu.get("simd") or ())
    widest = next((shown for unit, shown in WIDEST if unit in units), None)
    parts = [f"family {cpu['family']} model {cpu['model']}" if cpu.get("family") else None, widest]
    detail = ", ".join(p for p in parts if p)
    return f"{name} ({detail})" if detail else name
