"""95% confidence intervals and a rank test over timing rounds: what a median, a ratio of medians or a
change between two runs can claim.

- The median's interval is the distribution-free one from order statistics (x(k), x(n+1-k)), k the
  largest with 2 P(Binomial(n, 1/2) < k) <= 5%: exact for any continuous distribution of independent
  rounds, and conservative. A bootstrap of a median is not used: with 7 rounds it covered the true
  median 87% of the time in our simulation (the resampled medians take only a few values).
- A ratio of two medians gets a percentile bootstrap (scipy.stats.bootstrap's, 9999 resamples, a fixed
  seed so the same rounds give the same interval), paired (rounds resampled together) when the two were
  timed round-robin (`timing.interleaved`), unpaired when they were timed one after the other.
- Two runs' rounds are compared with the Mann-Whitney U test (two-sided).

Below MIN_ROUNDS rounds there is no interval: five rounds cannot bracket a median at 95% (min...max of
5 covers it 93.75% of the time). What the intervals mean, and what they do not: docs/statistics.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .timing import MIN_ROUNDS  # the fewest rounds whose min...max brackets a median at 95% (1 - 2/64 = 96.9%)

LEVEL = 0.95
RESAMPLES = 9999
SEED = 0  # the bootstrap's resampling, fixed: an interval is a function of the rounds
NONE = (math.nan, math.nan)  # no interval: too few rounds
DESCRIPTION = (  # recorded in the metadata of every result with intervals
    f"{LEVEL:.0%} intervals over the rounds of one run: a median's from order statistics (none below "
    f"{MIN_ROUNDS} rounds), a ratio's by percentile bootstrap ({RESAMPLES} resamples, seed {SEED}; paired where "
    "interleaved); they do not cover the variation between runs or machines"
)


def enough(*samples: Sequence[float]) -> bool:
    """Every sample has the rounds an interval needs, and all are finite."""
    return all(len(s) >= MIN_ROUNDS and all(math.isfinite(v) for v in s) for s in samples)


def order_statistic_rank(n: int, level: float = LEVEL) -> int:
    """k (1-based): the largest with 2 P(Bin(n, 1/2) <= k - 1) <= 1 - level, so that (x(k), x(n+1-k))
    covers the median at least `level`; 0 when n is too small for any such interval."""
    k, tail = 0, 0.0
    while k < n // 2:
        tail += math.comb(n, k) / 2**n  # P(Bin(n, 1/2) = k)
        if 2 * tail > 1 - level:
            break
        k += 1
    return k


def median_interval(values: Sequence[float]) -> tuple[float, float]:
    """95% interval of the median of the distribution the rounds are drawn from (order statistics)."""
    if not enough(values):
        return NONE
    v = sorted(values)
    k = order_statistic_rank(len(v))
    return v[k - 1], v[len(v) - k]


def ratio_interval(a: Sequence[float], b: Sequence[float], paired: bool) -> tuple[float, float]:
    """95% percentile-bootstrap interval of median(a) / median(b); `paired`: round i of a was timed beside
    round i of b (interleaved), so rounds are resampled together and shared noise cancels.

    The resampling is scipy.stats.bootstrap's percentile method step for step (the same draws from the same
    seed, the same linear quantiles; tests/test_stats.py holds the two equal), written out here because
    importing scipy.stats costs 0.4 s, a quarter of a `compare`."""
    if not enough(a, b) or (paired and len(a) != len(b)):
        return NONE
    x, y = np.asarray(a, float), np.asarray(b, float)
    if np.median(y) <= 0:
        return NONE
    rng = np.random.default_rng(SEED)
    if paired:
        i = rng.integers(0, len(x), (RESAMPLES, len(x)))
        xs, ys = x[i], y[i]
    else:
        xs = x[rng.integers(0, len(x), (RESAMPLES, len(x)))]
        ys = y[rng.integers(0, len(y), (RESAMPLES, len(y)))]
    ratios = np.median(xs, axis=-1) / np.median(ys, axis=-1)
    low, high = np.quantile(ratios, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    return float(low), float(high)


def change_interval(old: Sequence[float], new: Sequence[float]) -> tuple[float, float]:
    """95% interval of median(new) / median(old) - 1, the two runs' rounds resampled independently."""
    low, high = ratio_interval(new, old, paired=False)
    return low - 1, high - 1


def rank_test(old: Sequence[float], new: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test: are the new rounds drawn from the old rounds'
    distribution? NaN without rounds."""
    if not (len(old) and len(new)):
        return math.nan
    from scipy import stats

    return float(stats.mannwhitneyu(new, old, alternative="two-sided").pvalue)


def scaled(interval: tuple[float, float], factor: float) -> tuple[float, float]:
    """An interval of x mapped to one of factor / x (a rate from a time): the ends swap."""
    low, high = interval
    return (factor / high, factor / low) if low > 0 else NONE
