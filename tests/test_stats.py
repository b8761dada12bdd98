"""The intervals and the rank test: exact on hand-picked samples, and their coverage run, not assumed, on
synthetic rounds with known noise (lognormal, as timing noise is: positive and skewed)."""

import math

import numpy as np
import pytest

from gradbench.measure import stats

REPLICATIONS = 200
COVERAGE_BAND = (0.90, 0.99)  # about the nominal 95%, with room for 200 replications' own noise (±3%)
NOISE = 0.05  # lognormal sigma: a round is 5% off the median, typically


def rounds(rng, n, median=1.0, sigma=NOISE):
    return median * np.exp(rng.normal(0.0, sigma, n))


def test_the_median_interval_is_the_order_statistics_the_binomial_gives():
    """n = 6: (x(1), x(6)), 1 - 2/64 = 96.9%; n = 15: (x(4), x(12)), 96.5%; 5 rounds: none (93.75% at most)."""
    assert stats.order_statistic_rank(5) == 0 and stats.order_statistic_rank(6) == 1
    assert stats.order_statistic_rank(15) == 4 and stats.order_statistic_rank(100) == 40
    assert stats.median_interval([6.0, 1.0, 5.0, 2.0, 4.0, 3.0]) == (1.0, 6.0)
    assert stats.median_interval([float(v) for v in range(1, 16)]) == (4.0, 12.0)
    assert all(math.isnan(x) for x in stats.median_interval([1.0, 2.0, 3.0, 4.0, 5.0]))


def test_a_ratio_interval_needs_its_rounds_and_a_pairing_of_equal_lengths():
    a = [1.0, 1.1, 0.9, 1.0, 1.05, 0.95]
    assert all(math.isnan(x) for x in stats.ratio_interval(a[:5], a[:5], paired=False))
    assert all(math.isnan(x) for x in stats.ratio_interval(a, [*a, 1.0], paired=True))
    low, high = stats.ratio_interval([2 * x for x in a], a, paired=True)
    assert low == high == 2.0  # each resample's medians keep the exact ratio 2
    assert stats.ratio_interval(a, a[::-1], paired=False) == stats.ratio_interval(a, a[::-1], paired=False)


@pytest.mark.parametrize(("paired", "sizes"), [(False, (6, 6)), (False, (15, 7)), (True, (6, 6)), (True, (9, 9))])
def test_the_ratio_interval_is_scipys_percentile_bootstrap(paired, sizes):
    """Written out to spare every command scipy.stats' import: the same draws, the same quantiles."""
    from scipy.stats import bootstrap

    rng = np.random.default_rng(sum(sizes))
    a, b = rounds(rng, sizes[0], 3.0), rounds(rng, sizes[1], 1.0)

    def ratio(x, y, axis=-1):
        return np.median(x, axis=axis) / np.median(y, axis=axis)

    theirs = bootstrap((a, b), ratio, paired=paired, vectorized=True, n_resamples=stats.RESAMPLES,
                       confidence_level=stats.LEVEL, method="percentile",
                       rng=np.random.default_rng(stats.SEED)).confidence_interval  # fmt: skip
    assert stats.ratio_interval(list(a), list(b), paired=paired) == pytest.approx((theirs.low, theirs.high), rel=1e-14)


@pytest.mark.parametrize("n", [6, 15])
def test_the_median_interval_covers_the_true_median_at_about_95_percent(n):
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(REPLICATIONS):
        low, high = stats.median_interval(list(rounds(rng, n)))
        hits += low <= 1.0 <= high
    assert COVERAGE_BAND[0] <= hits / REPLICATIONS <= COVERAGE_BAND[1]


@pytest.mark.parametrize("paired", [False, True])
def test_the_ratio_interval_covers_the_true_ratio_at_about_95_percent(paired):
    """Method a is truly 3x method b. Paired rounds share a machine-wide disturbance (the reason to
    interleave): the paired interval covers and is narrower than the unpaired one would be."""
    rng = np.random.default_rng(2)
    hits, widths = 0, []
    for _ in range(REPLICATIONS):
        shared = rng.normal(0.0, 2 * NOISE, 9) if paired else 0.0
        a, b = rounds(rng, 9, 3.0) * np.exp(shared), rounds(rng, 9, 1.0) * np.exp(shared)
        low, high = stats.ratio_interval(list(a), list(b), paired=paired)
        hits += low <= 3.0 <= high
        if paired:
            unpaired = stats.ratio_interval(list(a), list(b), paired=False)
            widths.append(math.log(high / low) / math.log(unpaired[1] / unpaired[0]))
    assert COVERAGE_BAND[0] <= hits / REPLICATIONS <= COVERAGE_BAND[1]
    if paired:
        assert np.median(widths) < 0.7  # pairing cancels the shared noise (√(1/5) of the width, ideally)


def test_the_rank_test_sees_a_shift_and_not_a_rerun():
    rng = np.random.default_rng(3)
    old = list(rounds(rng, 15))
    assert stats.rank_test(old, list(rounds(rng, 15, 1.10))) < 0.01
    assert stats.rank_test(old, list(rounds(rng, 15))) > 0.05
    assert math.isnan(stats.rank_test([], old))


def test_a_rate_from_a_time_swaps_the_interval_ends():
    assert stats.scaled((2.0, 4.0), 8.0) == (2.0, 4.0) and stats.scaled((1.0, 4.0), 8.0) == (2.0, 8.0)
