"""`diff` decides with a test: on synthetic rounds of known noise it flags a planted 10% slowdown and does
not flag a rerun of the same code at more than the stated rate; too few rounds are said and fail
--fail-on; a file without rounds falls back to the noise band, said to be one."""

import math
from dataclasses import replace

import numpy as np
import pytest

from gradbench.errors import CheckFailed
from gradbench.measure.records import Measurement
from gradbench.studies.diff import BAND, FEW, TEST, Change, check

PAIRS = 400
NOISE = 0.05  # lognormal sigma of a round: 5%, about this machine's
FALSE_SLOWER = 0.025  # the stated rate: one side of a 95% interval


def run(rng, rounds=15, slower=1.0, median=1e-3):
    """A compare row whose rounds are lognormal about `median` x `slower`."""
    times = tuple(median * slower * np.exp(rng.normal(0.0, NOISE, rounds)))
    q1, t, q3 = np.quantile(times, [0.25, 0.5, 0.75])
    return Measurement(method="forward", layers=3, hidden=10, inputs=10, outputs=10, batch=1, activation="sigmoid",
                       dtype="float64", seed=0, n_params=330, forward_passes=331, backward_passes=0, matmuls=993,
                       adds=1655, multiplies=662, funcs=662, matmul_flops=1, flops=1, counts_from="run", time_s=t,
                       time_q1_s=q1, time_q3_s=q3, time_min_s=min(times), time_max_s=max(times), time_mean_s=t,
                       time_stdev_s=0.0, rounds=rounds, estimated=False, sampled=330, time_ratio=1.0,
                       predicted_ratio=1.0, rel_error=0.0, round_times_s=times)  # fmt: skip


def test_a_planted_ten_percent_slowdown_is_flagged_with_enough_rounds():
    """15 rounds a run, 5% noise: flagged slower past --fail-on 5% in 96.5% of 200 pairs, p < 0.05 in all."""
    rng = np.random.default_rng(5)
    flagged = 0
    for _ in range(PAIRS // 2):
        c = Change.of(run(rng), run(rng, slower=1.10))
        assert c.basis == TEST
        flagged += c.verdict(0.05) == "slower" and c.slower_than(0.05) and c.p < 0.05
    assert flagged / (PAIRS // 2) >= 0.95


def test_a_rerun_of_the_same_code_is_not_flagged_past_the_stated_rate():
    """A against A: called slower in about 2.5% of pairs (the upper side of a 95% interval; 1.25% of these
    400), at most twice that allowing for the pairs' own noise; --fail-on 5% fails fewer still (1%)."""
    rng = np.random.default_rng(6)
    changes = [Change.of(run(rng), run(rng)) for _ in range(PAIRS)]
    slower = sum(c.verdict() == "slower" for c in changes) / PAIRS
    assert slower <= 2 * FALSE_SLOWER
    assert sum(c.slower_than(0.05) for c in changes) / PAIRS <= slower
    assert sum(c.low <= 0 <= c.high for c in changes) / PAIRS >= 0.90  # the interval holds the true change, 0


def test_a_slower_verdict_needs_the_change_past_fail_on_as_well():
    rng = np.random.default_rng(7)
    c = Change.of(run(rng), run(rng, slower=1.10))
    assert c.low > 0 and c.verdict(0.05) == "slower" and c.verdict(0.25) == "within 25%"
    assert c.slower_than(0.05) and not c.slower_than(0.25)
    faster = Change.of(run(rng, slower=1.10), run(rng))
    assert faster.high < 0 and faster.verdict() == "faster" and not faster.slower_than(0.0)


def test_too_few_rounds_are_said_and_fail_fail_on_rather_than_pass():
    rng = np.random.default_rng(8)
    c = Change.of(run(rng, rounds=5), run(rng, rounds=5, slower=0.5))  # much faster, but untested
    assert c.basis == FEW and c.verdict() == "too few rounds" and math.isnan(c.low)
    assert c.slower_than(0.25)
    with pytest.raises(CheckFailed, match=r"cannot be judged, so not passed: forward .*5 and 5 rounds; 6 each"):
        check([c], "25%", 0.25)
    check([c], None, None)  # without --fail-on nothing is failed; the table says it


def test_a_file_without_rounds_falls_back_to_the_noise_band_and_says_so():
    rng = np.random.default_rng(9)
    old, new = (replace(run(rng, slower=s), round_times_s=()) for s in (1.0, 1.5))
    c = Change.of(old, new)
    assert c.basis == BAND and c.verdict().endswith("(band)") and math.isnan(c.p)
    assert c.slower_than(0.10) == (c.change > max(0.10, c.noise))


def test_diff_shows_the_interval_the_p_value_and_the_fallback(cli, tmp_path):
    import json

    base = tmp_path / "a.json"
    assert cli("compare", "--hidden", "3", "--methods", "forward", "--runs", "7", "--budget", "0.2",
               "--json", str(base))[0] == 0  # fmt: skip
    code, out, err = cli("diff", str(base), str(base), "--fail-on", "10%")
    assert code == 0, err
    assert "change (95% CI)" in out and "+0.0% (−" in out and "no clear change" in out
    assert "no method is shown slower than the baseline by more than 10%" in out
    doc = json.loads(base.read_text())
    for r in doc["rows"]:
        r.pop("round_times_s")
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc))
    code, out, err = cli("diff", str(old), str(base))
    assert code == 0 and "within noise (band)" in out and "a heuristic fallback, not a test" in " ".join(out.split())
