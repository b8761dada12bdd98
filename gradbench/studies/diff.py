"""Comparing a run with a stored baseline, as pytest-benchmark's --benchmark-compare does: per method
and model, the change of the median time with its noise band, and a verdict a CI job can fail on.

The noise band of a change is the two runs' half-IQRs (relative to their medians) added in quadrature:
a change inside it is not told apart from the machine's noise.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import CheckFailed, GradbenchError
from ..measure.records import KEY, Measurement, from_record


@dataclass(frozen=True)
class Change:
    old: Measurement
    new: Measurement

    @property
    def change(self) -> float:
        """new / old - 1 of the median time per gradient."""
        return self.new.time_s / self.old.time_s - 1 if self.old.time_s > 0 else math.nan

    @property
    def noise(self) -> float:
        return math.hypot(self.old.spread, self.new.spread)

    def slower_than(self, threshold: float) -> bool:
        """Slower by more than `threshold` and by more than the noise band (a change that is not a number
        or noise that is not a number is not let through)."""
        return not math.isfinite(self.change + self.noise) or self.change > max(threshold, self.noise)

    @property
    def verdict(self) -> str:
        if not math.isfinite(self.change + self.noise):
            return "no verdict"
        if abs(self.change) <= self.noise:
            return "within noise"
        return "slower" if self.change > 0 else "faster"


def load(path: Path) -> list[Measurement]:
    """The rows of a `compare --json` file (or any file with its "rows"), every row's shape checked once
    here (records.from_record): a file that is not such a result is refused in one line naming the row."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GradbenchError(f"cannot read {path}: no such file") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise GradbenchError(f"cannot read {path}: {type(e).__name__}: {e}") from None
    records = doc.get("rows") if isinstance(doc, dict) else None
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
    pairs = [Change(before[key(r)], r) for r in new if key(r) in before]
    if not pairs:

        def models(rows: list[Measurement]) -> str:
            return ", ".join(sorted({f"L={r.layers} H={r.hidden} B={r.batch} {r.dtype}" for r in rows})[:3])

        raise GradbenchError(f"no row to compare: the old result has {models(old)}, the new one {models(new)}")
    return pairs


def unmatched(old: list[Measurement], new: list[Measurement]) -> tuple[list[Measurement], list[Measurement]]:
    """(the rows only in old, the rows only in new): what diff() leaves out, to be said, not dropped."""
    before, after = {key(r) for r in old}, {key(r) for r in new}
    return [r for r in old if key(r) not in after], [r for r in new if key(r) not in before]


def check(changes: list[Change], fail_on: str | None, threshold: float | None) -> None:
    """Fail (exit 1) when a method is slower than the baseline past the threshold and the noise band."""
    slower = [c for c in changes if threshold is not None and c.slower_than(threshold)]
    if slower:
        worst = ", ".join(f"{c.new.method} {100 * c.change:+.0f}% (±{100 * c.noise:.0f}%)" for c in slower)
        raise CheckFailed(f"slower than the baseline by more than {fail_on} and the noise: {worst}")
