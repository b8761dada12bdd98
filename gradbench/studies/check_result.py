"""A check's result: each entry's error against what it was allowed, each check's outcome and cost, and
the whole in plain words (what was checked, how likely a wrong entry was to be found, the verdict, the
worst entries): `str(result)`, the CLI's lines and an AssertionError's message all come from here."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..io.units import seconds as _seconds

WORST = 5  # entries named in a report
PROBES = ("directional", "probes")  # the checks that look along random directions, not at entries


@dataclass(frozen=True)
class Entry:
    index: tuple[int, ...]  # the multi-index in x's shape
    got: float  # the gradient under test
    expected: float  # central difference
    abs_error: float  # |got - expected|
    rel_error: float  # abs_error / |expected|
    allowed: float  # atol + rtol |expected| + the difference's own error

    @property
    def excess(self) -> float:
        """abs_error over allowed: above 1 fails (NaN never passes)."""
        return self.abs_error / self.allowed if self.allowed > 0 else (math.inf if self.abs_error else 0.0)


@dataclass(frozen=True)
class Outcome:
    check: str  # "directional", "sampled", "full"
    evaluations: int  # calls of f the check made
    checked: int  # entries (or directions) it looked at
    failed: int  # of them, how many failed
    worst: tuple[Entry, ...] = ()

    @property
    def passed(self) -> bool:
        return self.failed == 0


@dataclass(frozen=True)
class CheckResult:
    """Each check's outcome, what it covered and what it cost; true when every check passed."""

    outcomes: tuple[Outcome, ...]
    dtype: str
    shape: tuple[int, ...]
    rtol: float
    atol: float
    f_seconds: float  # one evaluation of f, measured
    seconds: float  # the whole check
    detectable: float  # the smallest single-entry error the random direction finds at a typical entry
    notes: tuple[str, ...] = field(default=())
    kind: str = "gradient"  # "jacobian" (shape (m, n), its columns checked) or "hvp" (H v along directions)

    def __bool__(self) -> bool:
        return all(o.passed for o in self.outcomes)

    @property
    def n(self) -> int:
        return int(np.prod(self.shape))

    @property
    def evaluations(self) -> int:
        return sum(o.evaluations for o in self.outcomes)

    @property
    def entries_checked(self) -> int:
        return max((o.checked for o in self.outcomes if o.check not in PROBES), default=0)

    @property
    def worst(self) -> tuple[Entry, ...]:
        entries = {e.index: e for o in self.outcomes for e in o.worst}
        return tuple(sorted(entries.values(), key=_worst_first)[:WORST])

    def coverage(self) -> list[str]:
        """What was checked and how likely a wrong entry was to be found, in words."""
        return coverage(self)

    def __str__(self) -> str:
        return report(self)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(passed=bool(self), n=self.n, evaluations=self.evaluations, coverage=self.coverage())
        return d


def _worst_first(e: Entry) -> float:
    return -e.excess if math.isfinite(e.excess) else -math.inf


UNITS = {"gradient": "entries", "jacobian": "columns"}


def coverage(r: CheckResult) -> list[str]:
    """['checked 1 random direction and 10 of 10,000 entries (0.1%)', 'a single wrong entry is ...']"""
    if r.kind == "hvp":
        calls = sum(o.evaluations for o in r.outcomes)
        return [f"checked H·v along {len(r.outcomes)} random directions, every entry: {calls:,} gradient calls and "
                f"{len(r.outcomes)} Hessian-vector products, {_seconds(r.seconds)} (the full Hessian by differences "
                f"would take {2 * r.n:,} gradient calls)"]  # fmt: skip
    unit, first = UNITS[r.kind], r.outcomes[0]
    n = r.shape[-1]
    k = r.entries_checked // (r.shape[0] if r.kind == "jacobian" else 1)
    what = "all" if k == n else f"{k:,} of"
    probes = "1 random direction" if r.kind == "gradient" else f"{first.checked} random probes u·J·v"
    lines = [f"checked {probes} and {what} {n:,} {unit} ({k / n:.1%}): {r.evaluations:,} evaluations of f, "
             f"{_seconds(r.seconds)}"]  # fmt: skip
    if k < n:
        found = "" if math.isnan(r.detectable) else (
            f", and by the random direction when its error exceeds ≈ {r.detectable:.1e}")  # fmt: skip
        lines.append(f"a single wrong {unit[:-1] if unit == 'columns' else 'entry'} is found with probability "
                     f"≈ {k / n:.1%} by the sampled {unit}{found}")  # fmt: skip
        lines.append(f"run with full=True / --full (≈ {_seconds(2 * n * r.f_seconds)} here) to check all")
    return lines


def verdict(r: CheckResult, what: str = "") -> str:
    what = what or {"gradient": "the gradient", "jacobian": "the Jacobian", "hvp": "the Hessian-vector product"}[r.kind]
    failed = sum(o.failed for o in r.outcomes if o.check not in PROBES)
    probes = [o for o in r.outcomes if o.check in PROBES and not o.passed]
    rule = f"outside atol + rtol·|numeric| (rtol {r.rtol:.1e}, atol {r.atol:g})"
    if r:
        return f"{what} passes: every entry within atol + rtol·|numeric| (rtol {r.rtol:.1e}, atol {r.atol:g})"
    checked = sum(o.checked for o in r.outcomes if o.check not in PROBES)
    parts = [f"{failed:,} of {checked:,} entries"] if failed else []
    parts += [f"the random {'direction' if r.kind == 'gradient' else 'probes'}"] if probes else []
    return f"{what} FAILS: {' and '.join(parts)} {rule}"


def worst_table(entries: tuple[Entry, ...]) -> list[str]:
    """The worst entries as fixed-width lines: index, gradient, central difference, errors, allowance."""
    head = ("entry", "yours", "central diff.", "abs. error", "rel. error", "allowed")
    rows = [head] + [(index(e.index), f"{e.got:.7g}", f"{e.expected:.7g}", f"{e.abs_error:.1e}", f"{e.rel_error:.1e}",
                      f"{e.allowed:.1e}") for e in entries]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in rows]


def report(r: CheckResult, what: str = "") -> str:
    lines = [verdict(r, what), *coverage(r)]
    shown = tuple(e for e in r.worst if e.index)
    if shown:
        lines += ["worst entries:", *("  " + line for line in worst_table(shown))]
    lines += list(r.notes)
    return "\n".join(lines)


def index(i: tuple[int, ...]) -> str:
    return "direction" if not i else str(i[0]) if len(i) == 1 else "(" + ", ".join(map(str, i)) + ")"
