"""The one record of a measured method: it feeds every output (table, CSV, JSON, plot), so they can
never disagree. Its fields are the JSON keys, in this order, and the CSV columns but for the rounds (the
CSV keeps the summary)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import MISSING, asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Measurement:
    """One gradient method measured on one model: the spec, what it counted, its timing, its ratios."""

    method: str
    layers: int
    hidden: int
    inputs: int
    outputs: int
    batch: int
    activation: str
    dtype: str
    seed: int
    n_params: int
    forward_passes: int
    backward_passes: int
    matmuls: int | None  # None: not counted (the torch peer's counter sees only FLOPs)
    adds: int | None
    multiplies: int | None
    funcs: int | None
    matmul_flops: int
    flops: int
    counts_from: str  # "run": counted while it ran; "model": the cost model (the run was sampled);
    # "torch.utils.flop_counter": the peer's own counter (matmul FLOPs only)
    time_s: float  # median seconds per full gradient
    time_q1_s: float
    time_q3_s: float
    time_min_s: float
    time_max_s: float
    time_mean_s: float
    time_stdev_s: float  # sample standard deviation over the rounds (NaN for one round)
    rounds: int  # the runs timed (each a loop of calls), after the warm-up
    estimated: bool  # time extrapolated from a random sample of the perturbations
    sampled: int  # gradient entries timed (= n_params unless estimated)
    time_ratio: float  # time / backprop's time
    predicted_ratio: float  # FLOPs / backprop's FLOPs (matmul FLOPs for the torch peer)
    rel_error: float  # max|g - g_bp| / max(max|g|, max|g_bp|), over the entries computed
    peak_bytes: int | None = None  # peak bytes one gradient allocated, buffers included (tracemalloc); None:
    # not measured (a sampled method, whose full run was not made, or a peer)
    peak_predicted_bytes: int | None = None  # the closed form of footprint.py (None: a peer)
    # 95% intervals (measure/stats.py): of the median time, from order statistics; of time_ratio, a bootstrap
    # over this method's and backprop's rounds. NaN: fewer than 6 rounds (or a file from before they were kept).
    time_low_s: float = math.nan
    time_high_s: float = math.nan
    time_ratio_low: float = math.nan
    time_ratio_high: float = math.nan
    round_times_s: tuple[float, ...] = ()  # seconds per gradient of each round, in the order timed (JSON only)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def spread(self) -> float:
        """Half the interquartile range of the time, as a fraction of the median (NaN for a zero time)."""
        return (self.time_q3_s - self.time_q1_s) / 2 / self.time_s if self.time_s > 0 else float("nan")


JSON_ONLY = ("round_times_s",)
COLUMNS = tuple(f.name for f in fields(Measurement) if f.name not in JSON_ONLY)  # the CSV's, in order
ADDED = ("time_low_s", "time_high_s", "time_ratio_low", "time_ratio_high")  # a CSV from before them lacks them
SPEC_COLUMNS = ("layers", "hidden", "inputs", "outputs", "batch", "activation", "dtype", "seed")
KEY = (*SPEC_COLUMNS, "method")  # what identifies a row of a sweep

# Column kinds, from the record's declared types: what a valid cell of each column holds.
_TYPES = {f.name: str(f.type) for f in fields(Measurement)}
NUMERIC = tuple(c for c, t in _TYPES.items() if t.startswith(("int", "float")))
INTEGER = tuple(c for c, t in _TYPES.items() if t.startswith("int"))
OPTIONAL = frozenset(c for c, t in _TYPES.items() if "None" in t)
BOOLEAN = tuple(c for c, t in _TYPES.items() if t == "bool")
_DEFAULTED = frozenset(f.name for f in fields(Measurement) if f.default is not MISSING)
_KINDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "str": (str, "text"),
    "int": (int, "a whole number"),
    "float": ((int, float), "a number"),
    "bool": (bool, "true or false"),
    "tuple[float, ...]": (list, "a list of numbers"),
}
POSITIVE = ("layers", "hidden", "inputs", "outputs", "batch", "n_params", "rounds", "sampled")
TIMES = ("time_s", "time_q1_s", "time_q3_s", "time_min_s", "time_max_s", "time_ratio")


def impossible(r: Measurement) -> str | None:
    """What makes a well-formed row impossible: a size below 1, a time that is not positive and finite."""
    for column in POSITIVE:
        if getattr(r, column) < 1:
            return f"{column} is {getattr(r, column)}, not a positive size"
    for column in TIMES:
        value = getattr(r, column)
        if not (math.isfinite(value) and value > 0):
            return f"{column} is {value}, not a positive finite time"
    if r.round_times_s and len(r.round_times_s) != r.rounds:
        return f"round_times_s holds {len(r.round_times_s)} times for {r.rounds} rounds"
    if not all(math.isfinite(t) and t > 0 for t in r.round_times_s):
        return "round_times_s holds a time that is not positive and finite"
    return None


def from_record(record: object) -> Measurement:
    """A row of a JSON result (`compare --json`) read back into the record: an object holding every field,
    each of its declared kind (JSON writes NaN as null), and none impossible. Anything else is refused
    with a ValueError that names the field."""
    if not isinstance(record, dict):
        raise ValueError(f"it is {record!r:.40}, not an object with a measurement's fields")
    values: dict[str, Any] = {}
    for name, kind in _TYPES.items():
        if name not in record:
            if name in _DEFAULTED:
                continue
            raise ValueError(f"it has no {name}")
        values[name] = _cell(name, kind, record[name])
    r = Measurement(**values)
    problem = impossible(r)
    if problem:
        raise ValueError(problem)
    return r


def _cell(name: str, kind: str, value: object) -> object:
    """One field's value, checked against its declared kind: None where the kind allows it, NaN for a
    float written as null; a bool is not a number here."""
    base = kind.split(" | ")[0]
    if value is None and ("None" in kind or base == "float"):
        return None if "None" in kind else math.nan
    types, what = _KINDS[base]
    if not isinstance(value, types) or (base != "bool" and isinstance(value, bool)):
        raise ValueError(f"{name} is {value!r:.40}, not {what}")
    if isinstance(value, list):  # the rounds: numbers, read as floats
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            raise ValueError(f"{name} is {value!r:.40}, not {what}")
        return tuple(float(v) for v in value)
    return float(value) if isinstance(value, int | float) and base == "float" else value


def frame(rows: Iterable[Measurement]) -> pd.DataFrame:
    """The rows as a DataFrame with the record's columns, in order (what CSV, JSON and plots are made of)."""
    import pandas as pd

    table = pd.DataFrame([r.as_dict() for r in rows], columns=list(COLUMNS))
    for column in INTEGER:  # whole numbers stay whole (12, not 12.0) beside a missing value
        table[column] = table[column].astype("Int64")
    return table
