"""Numbers as a person reads them: a time or a size in the unit that keeps three significant figures
(1.55 s, not 1.55e+03 ms; 5.02 MiB, not 5,263,360). The one formatter of units, for every layer that
words a number (the tables, bench's details, the refusals)."""

from __future__ import annotations

import math

TIME_UNITS = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9))
SIZE_UNITS = (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10))


def unit(x: float, units: tuple[tuple[str, float], ...]) -> tuple[str, float]:
    """The largest of `units` (name, size; largest first) in which x, rounded to three figures, is at least
    1 (0.9996 s is 1.00 s, not 1.00e+03 ms); below the last unit, the last."""
    return next(((u, z) for u, z in units if float(f"{x / z:.3g}") >= 1), units[-1])


def in_unit(x: float, units: tuple[tuple[str, float], ...]) -> str:
    """x in its unit (`unit`) to three significant figures: 1.00 ms, 33.0 µs, 150 ms, 1,550 s."""
    name, size = unit(x, units)
    value = x / size
    return (f"{value:,.0f} {name}" if value >= 999.5 else f"{value:#.3g} {name}").replace(". ", " ")


def seconds(t: float) -> str:
    """A time in the unit that keeps three significant figures readable ('-' for none)."""
    return in_unit(t, TIME_UNITS) if math.isfinite(t) else "-"


def size(n: float) -> str:
    """A size in bytes in the unit that keeps it readable: 12.7 MiB, 340 KiB, 512 B."""
    return in_unit(n, SIZE_UNITS) if n >= 2**10 else f"{n:,.0f} B"


def sizes(*ns: float) -> list[str]:
    """Sizes in units, each with its bytes where three figures would make two different sizes read alike
    (a budget one byte short of a need)."""
    shown = [size(n) for n in ns]
    if len(set(shown)) < len(set(ns)):
        return [f"{text} ({n:,.0f} bytes)" for text, n in zip(shown, ns)]
    return shown


def figures(x: float) -> str:
    """A plain number (a ratio, a fraction) to three significant figures, from a thousand on in full with
    separators: 0.259, 1.05, 2,130 (never 2.13e+03)."""
    return f"{x:,.0f}" if abs(x) >= 999.5 else f"{x:.3g}"  # 999.6 to three figures is 1e+03
