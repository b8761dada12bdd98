"""Reading the command line's values that are more than a number: sizes (1GiB), method lists, grids
(4..1024x2) and hyper-parameters (beta2=0.99). Each refuses bad text with a GradbenchError naming the
option, so the CLI stays declarative. No NumPy here: --help must stay fast.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from ..errors import GradbenchError

UNITS = {"": 1, "k": 2**10, "kib": 2**10, "m": 2**20, "mib": 2**20, "g": 2**30, "gib": 2**30}
_SIZE = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*")
MAX_VALUES = 1000  # values in one grid list: more is a typo, not a sweep
_RANGE = re.compile(r"^([0-9]+)\.\.([0-9]+)(?:([x+])([0-9]+))?$")


def memory_bytes(text: str, option: str = "--memory") -> int:
    """'1GiB', '512M', '100000' -> bytes."""
    m = _SIZE.fullmatch(text)
    suffix = m[2].lower() if m else ""
    unit = UNITS.get(suffix, UNITS.get(suffix.removesuffix("b")))  # 1GB reads as 1G
    if not m or unit is None or float(m[1]) * unit < 1:
        raise GradbenchError(f"{option} must be a positive size such as 512MiB or 1GiB, got {text!r}")
    return int(float(m[1]) * unit)


def method_list(text: str, known: Iterable[str], option: str = "--methods") -> list[str]:
    """'central,backprop' -> the names, in order, each known, none twice."""
    known = list(known)
    names = [m.strip() for m in text.split(",")]
    if not any(names):
        raise GradbenchError(f"{option} is empty: name at least one method")
    if not all(names):
        raise GradbenchError(f"{option}: an empty item in {text!r}: write names between the commas")
    for m in names:
        if m not in known:
            raise GradbenchError(f"unknown method {m!r}: choose from {', '.join(known)}")
    return list(dict.fromkeys(names))


def int_list(text: str, option: str) -> list[int]:
    """'1,2,3', '4..256x2' (geometric), '1..4' or '8..64+8' (arithmetic), or a mix: '1,4..16x2'."""
    values: list[int] = []
    parts = [p.strip() for p in text.split(",")]
    if any(not p for p in parts) and text.strip():
        raise GradbenchError(f"{option}: an empty item in {text!r}: write values between the commas")
    for part in parts:
        if not part:
            continue
        if re.fullmatch(r"[0-9]+", part):
            values.append(int(part))
            if len(values) > MAX_VALUES:
                raise GradbenchError(f"{option}: more than {MAX_VALUES:,} values in one list")
            continue
        m = _RANGE.match(part)
        if not m:
            raise GradbenchError(f"{option}: cannot read {part!r}: use a list like 1,2,3 or a range like 4..256x2")
        lo, hi, op, step = int(m[1]), int(m[2]), m[3] or "+", int(m[4] or 1)
        if lo > hi or (op == "x" and (step < 2 or lo < 1)) or (op == "+" and step < 1):
            raise GradbenchError(f"{option}: range {part!r} is empty or never ends")
        count = (hi - lo) // step + 1 if op == "+" else math.floor(math.log(hi / lo, step) + 1e-9) + 1
        if len(values) + count > MAX_VALUES:  # counted before a single value is built
            raise GradbenchError(f"{option}: {part!r} has {count:,} values; at most {MAX_VALUES:,} per list")
        v = lo
        while v <= hi:
            values.append(v)
            v = v * step if op == "x" else v + step
    if not values:
        raise GradbenchError(f"{option} is empty: give at least one value")
    if min(values) < 1:
        raise GradbenchError(f"{option}: sizes must be positive, got {min(values)}")
    return list(dict.fromkeys(values))


def named_with_values(
    text: str, reads: dict[str, tuple[str, ...]], ranges: dict[str, tuple[float, float]], option: str
) -> tuple[str, dict[str, float]]:
    """'adam:beta2=0.99,eps=1e-7' -> ('adam', {'beta2': 0.99, 'eps': 1e-7}): a known name, then, after a
    colon, KEY=VALUE settings for the keys that name reads (see key_values)."""
    name, colon, rest = text.partition(":")
    if name not in reads:
        raise GradbenchError(f"{option}: {name!r} is not one of {', '.join(reads)}")
    if colon and not rest:
        raise GradbenchError(f"{option}: nothing after the colon in {text!r}: give KEY=VALUE settings or none")
    allowed = {k: ranges[k] for k in reads[name]}
    return name, key_values(rest.split(",") if colon else [], allowed, option, what=f"{name} reads")


def key_values(
    items: list[str], allowed: dict[str, tuple[float, float]], option: str, what: str = "KEY is"
) -> dict[str, float]:
    """['beta2=0.99', 'eps=1e-7'] -> {'beta2': 0.99, 'eps': 1e-7}, each key allowed, given once, and each
    value a finite number in its [low, high) range."""
    out: dict[str, float] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or key not in allowed:
            keys = ", ".join(allowed) or "none"
            raise GradbenchError(f"{option}: cannot read {item!r}: use KEY=VALUE, where {what} {keys}")
        if key in out:
            raise GradbenchError(f"{option}: {key} is given twice")
        try:
            value = float(text)
        except ValueError:
            raise GradbenchError(f"{option}: {key} must be a number, got {text.strip()!r}") from None
        low, high = allowed[key]
        if not (math.isfinite(value) and low <= value < high):
            raise GradbenchError(f"{option}: {key} must be in [{low:g}, {high:g}), got {text.strip()}")
        out[key] = value
    return out


def positive_finite(option: str, value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise GradbenchError(f"{option} must be a positive finite number, got {value}")


def fraction(text: str, option: str) -> float:
    """'10%' or '0.1' -> 0.1: a non-negative finite fraction."""
    number = text.strip().removesuffix("%")
    try:
        value = float(number) / (100 if text.strip().endswith("%") else 1)
    except ValueError:
        raise GradbenchError(f"{option} must be a fraction such as 10% or 0.1, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise GradbenchError(f"{option} must be a fraction such as 10% or 0.1, got {text!r}")
    if value >= 1 and not text.strip().endswith("%"):
        raise GradbenchError(f"{option} {text} would be {value:.0%}: write {text}% or {value / 100:g}")
    return value
