"""`gradbench methods`: the registry as a table."""

from __future__ import annotations

from rich.table import Table

from ..methods import REFERENCE
from ..methods.registry import METHODS


def methods_table() -> Table:
    """The registry as a table: the name to pass, what it does, whether it samples, its tolerances."""
    t = Table(title="gradient methods (names for --methods; train's --gradient; check's --method)",
              title_justify="left")  # fmt: skip
    for col in ("name", "what it does", "sampled", "rtol f64", "rtol f32"):
        t.add_column(col, no_wrap=col != "what it does")
    for m in METHODS.values():
        tolerances = ("ref", "ref") if m is REFERENCE else (f"{m.rtol['float64']:.0e}", f"{m.rtol['float32']:.0e}")
        t.add_row(m.name, m.description, "yes" if m.sampleable else "no", *tolerances)
    return t
