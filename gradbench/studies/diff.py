"""Comparing a run with a stored baseline, as pytest-benchmark's --benchmark-compare does, decided by a
test: per method and model, the change of the median time with its 95% interval (a bootstrap over both
runs' rounds, resampled apart) and the p-value of a Mann-Whitney U test over the rounds. A change is
"slower" only when its interval lies above zero and it exceeds --fail-on; with too few rounds to test,
diff says so, and --fail-on fails rather than pass what it cannot judge.

A file written before the rounds were kept (gradbench 0.2) has none: its changes fall back to the old
noise band, the two runs' half-IQRs (relative to their medians) added in quadrature, a heuristic, not a
test, and said to be one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import CheckFailed, GradbenchError
from ..io.files import read_json_object
from ..measure.records import KEY, Measurement, from_record
from ..measure.stats import MIN_ROUNDS, change_interval, rank_test

TEST, FEW, BAND = "test", "too few rounds", "noise band"  # what a change is judged by


@dataclass(frozen=True)
class Change:
    old: Measurement
    new: Measurement
    low: float = math.nan  # the 95% interval of `change` (NaN: no rounds, or too few)
    high: float = math.nan
    p: float = math.nan  # two-sided Mann-Whitney U p-value over the two runs' rounds

    @classmethod
    def of(cls, old: Measurement, new: Measurement) -> Change:
        """The change with its interval and p-value, where both runs kept their rounds."""
        a, b = old.round_times_s, new.round_times_s
        if not (a and b):
            return cls(old, new)
        low, high = change_interval(a, b)
        return cls(old, new, low, high, rank_test(a, b))

    @property
    def change(self) -> float:
        """new / old - 1 of the median time per gradient."""
        return self.new.time_s / self.old.time_s - 1 if self.old.time_s > 0 else math.nan

    @property
    def basis(self) -> str:
        """TEST: both runs' rounds, enough of them; FEW: rounds, too few to test; BAND: a file without them."""
        if not (self.old.round_times_s and self.new.round_times_s):
            return BAND
        return TEST if min(self.old.rounds, self.new.rounds) >= MIN_ROUNDS else FEW

    @property
    def noise(self) -> float:
        """The fallback's noise band: the two runs' half-IQRs, relative, in quadrature."""
        return math.hypot(self.old.spread, self.new.spread)

    def slower_than(self, threshold: float) -> bool:
        """What --fail-on fails: slower by more than `threshold` and shown to be slower (the interval above
        zero; in the fallback, past the noise band); a change that cannot be judged (too few rounds, not a
        number) is not let through."""
        if not math.isfinite(self.change) or self.basis == FEW:
            return True
        if self.basis == TEST:
            return not math.isfinite(self.low + self.high) or (self.low > 0 and self.change > threshold)
        return not math.isfinite(self.noise) or self.change > max(threshold, self.noise)

    def verdict(self, threshold: float = 0.0) -> str:
        """slower (shown, and past `threshold`), within THRESHOLD (shown slower, but by less), faster, no
        clear change; 'too few rounds'; in the fallback the band's verdicts, marked (band)."""
        if not math.isfinite(self.change):
            return "no verdict"
        if self.basis == FEW:
            return FEW
        if self.basis == BAND:
            if not math.isfinite(self.noise):
                return "no verdict"
            if abs(self.change) <= self.noise:
                return "within noise (band)"
            return ("slower" if self.change > 0 else "faster") + " (band)"
        if not math.isfinite(self.low + self.high):
            return "no verdict"
        if self.low > 0:
            return "slower" if self.change > threshold else f"within {threshold:.0%}"
        return "faster" if self.high < 0 else "no clear change"


def load(path: Path) -> list[Measurement]:
    """The rows of a `compare --json` file (or any file with its "rows"), every row's shape checked once
    here (records.from_record): a file that is not such a result is refused in one line naming the row."""
    records = read_json_object(path, "a gradbench result").get("rows")
    if not isinstance(records, list):
        raise GradbenchError(f"{path} is not a gradbench result: it has no list of rows")
    rows = []
    for i, record in enumerate(records, start=1):
        try:
            rows.append(from_record(record))
        except ValueError as e:
            raise GradbenchError(f"{path}, row {i}: {e}") from None
    return rows


def key(r: Measurement) -> tuple[object, ...]:
    return tuple(getattr(r, c) for c in KEY)


def diff(old: list[Measurement], new: list[Measurement]) -> list[Change]:
    """The rows of `new` matched with `old` by model and method (unmatched() names the rows left out)."""
    before = {key(r): r for r in old}
    pairs = [Change.of(before[key(r)], r) for r in new if key(r) in before]
    if not pairs:

        def models(rows: list[Measurement]) -> str:
            return ", ".join(sorted({f"L={r.layers} H={r.hidden} B={r.batch} {r.dtype}" for r in rows})[:3])

        raise GradbenchError(f"no row to compare: the old result has {models(old)}, the new one {models(new)}")
    return pairs


def unmatched(old: list[Measurement], new: list[Measurement]) -> tuple[list[Measurement], list[Measurement]]:
    """(the rows only in old, the rows only in new): what diff() leaves out, to be said, not dropped."""
    before, after = {key(r) for r in old}, {key(r) for r in new}
    return [r for r in old if key(r) not in after], [r for r in new if key(r) not in before]


def percent(x: float) -> str:
    return f"{100 * x:+.1f}%".replace("-", "−")


def evidence(c: Change) -> str:
    """`+12.1% (95% CI +8.0% to +15.2%, p = 0.0004)`; in the fallback `+12.1% (band ±5.0%)`."""
    if c.basis == BAND:
        return f"{percent(c.change)} (noise band ±{100 * c.noise:.1f}%)"
    if c.basis == FEW:
        return f"{percent(c.change)} ({c.old.rounds} and {c.new.rounds} rounds; {MIN_ROUNDS} each needed)"
    if not math.isfinite(c.change + c.low + c.high):
        return f"{percent(c.change)} (no interval: a time that is not a number)"
    return f"{percent(c.change)} (95% CI {percent(c.low)} to {percent(c.high)}, p = {c.p:.2g})"


def check(changes: list[Change], fail_on: str | None, threshold: float | None) -> None:
    """Fail (exit 1) when a method is shown slower than the baseline past the threshold, or cannot be
    judged (too few rounds, a change that is not a number)."""
    if threshold is None:
        return
    failed = [c for c in changes if c.slower_than(threshold)]
    unjudged = [c for c in failed if c.verdict(threshold) in (FEW, "no verdict")]
    slower = [c for c in failed if c not in unjudged]
    parts = []
    if slower:
        parts.append(f"slower than the baseline by more than {fail_on}: "
                     + ", ".join(f"{c.new.method} {evidence(c)}" for c in slower))  # fmt: skip
    if unjudged:
        parts.append("cannot be judged, so not passed: "
                     + ", ".join(f"{c.new.method} {evidence(c)}" for c in unjudged))  # fmt: skip
    if parts:
        raise CheckFailed("; ".join(parts))
