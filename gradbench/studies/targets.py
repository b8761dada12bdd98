"""A performance target: what `gradbench bench` measured, as a ratio with its 95% interval, its bound and
whether the interval settles it; and how long the targets are measured (Effort)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import NamedTuple

from ..measure.stats import ratio_interval
from ..measure.timing import Timing
from ..model.spec import Spec


@dataclass(frozen=True)
class Target:
    name: str
    measured: float
    bound: float | None  # None: reported, not bounded
    kind: str  # "max": measured <= bound; "min": measured >= bound
    detail: str
    estimated: bool = False
    low: float = math.nan  # the 95% interval of `measured` (NaN: too few rounds)
    high: float = math.nan
    exact: bool = False  # not a timing (traced bytes): no noise, no interval

    @property
    def holds(self) -> bool | None:
        if self.bound is None:
            return None
        return self.measured <= self.bound if self.kind == "max" else self.measured >= self.bound

    @property
    def decided(self) -> bool | None:
        """Whether the whole interval lies on one side of the bound (None: no bound, or no interval)."""
        if self.bound is None or self.exact:
            return None if self.bound is None else True
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            return None
        return not (self.low <= self.bound <= self.high)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "holds": self.holds, "decided": self.decided}

    @classmethod
    def of(cls, name: str, *, ratio: Ratio, bound: float | None, kind: str, detail: str,
           estimated: bool = False) -> Target:  # fmt: skip
        """A target measured as a ratio with its interval."""
        return cls(name, ratio.value, bound, kind, detail, estimated, ratio.low, ratio.high)


class Ratio(NamedTuple):
    value: float
    low: float
    high: float


def paired(t: dict[str, Timing], num: str, den: str) -> Ratio:
    """median(num) / median(den) of interleaved timings, with its paired 95% interval."""
    return Ratio(t[num].median / t[den].median, *ratio_interval(t[num].per_round, t[den].per_round, paired=True))


def unpaired(a: Timing, b: Timing) -> Ratio:
    """median(a) / median(b) of two timings made one after the other, with its 95% interval."""
    return Ratio(a.median / b.median, *ratio_interval(a.per_round, b.per_round, paired=False))


@dataclass(frozen=True)
class Effort:
    """How long the targets are measured: in full, or `quick` (for CI: a quarter of each target's rounds,
    at least three, so that no verdict rests on one round, and a sixth of its timing budget): the same
    targets and bounds, noisier."""

    quick: bool = False

    def rounds(self, full: int) -> int:
        return min(full, max(3, full // 4)) if self.quick else full

    def budget(self, full_s: float) -> float:
        return full_s / 6 if self.quick else full_s


FULL = Effort()  # every target's rounds and budget in full, the default


def label(spec: Spec) -> str:
    """A target's shape: L, H, B, and the dtype when it is not float64."""
    return f"L={spec.layers} H={spec.hidden} B={spec.batch}" + ("" if spec.dtype == "float64" else f" {spec.dtype}")
