"""Timing statistics, exactly, on tiny hand-picked samples."""

import numpy as np
import pytest

from gradbench.measure.timing import MIN_ROUNDS, interleaved, measure, quantile, summarize


def test_quantiles_match_numpy_linear_interpolation():
    values = [1.0, 2.0, 4.0, 8.0, 16.0]
    for q in (0.0, 0.25, 0.5, 0.75, 1.0):
        assert quantile(values, q) == pytest.approx(np.quantile(values, q))


def test_summary_of_four_values():
    t = summarize([4.0, 1.0, 3.0, 2.0], loops=7)
    assert (t.median, t.q1, t.q3, t.min, t.max) == (2.5, 1.75, 3.25, 1.0, 4.0)
    assert (t.rounds, t.loops, t.estimated) == (4, 7, False)


def test_extrapolation_scales_the_per_entry_part_only():
    """Sampled k = 10 of N = 1000 entries: t = base + 100 (t_sample - base), never below base."""
    t = summarize([1.5, 2.0, 3.0]).extrapolated(base=1.0, factor=100, sampled=10)
    assert (t.min, t.median, t.max) == (51.0, 101.0, 201.0)
    assert t.estimated and t.sampled == 10
    assert summarize([0.5]).extrapolated(base=1.0, factor=100, sampled=1).median == 1.0


def test_measure_runs_warm_up_plus_at_least_min_rounds():
    calls = []
    t = measure(lambda: calls.append(1), budget_s=0.05)
    assert t.rounds >= MIN_ROUNDS
    assert len(calls) == 1 + t.rounds * t.loops
    assert 0 < t.min <= t.median <= t.max


def test_interleaved_times_every_function_the_same_number_of_rounds():
    counts = {"a": 0, "b": 0}

    def bump(name):
        counts[name] += 1

    t = interleaved({"a": lambda: bump("a"), "b": lambda: bump("b")}, rounds=3)
    assert set(t) == {"a", "b"} and t["a"].rounds == t["b"].rounds == 3
    assert counts["a"] == 1 + 3 * t["a"].loops


def test_a_thread_slowdown_on_a_busy_machine_is_flagged_not_reported():
    """bench reads the load average around its thread rounds; above half a job per core, a 'speed-up'
    below 1 is marked as not a result (other jobs took the cores), and one above 1 is left as measured."""
    from gradbench.studies.bench import BUSY, flag_busy
    from gradbench.studies.targets import Target

    rows = [Target("a speed-up", 0.4, None, "min", "1 ms -> 2.5 ms"), Target("b speed-up", 1.6, None, "min", "x")]
    quiet, busy = flag_busy(rows, 0.3, 2), flag_busy(rows, 2 * BUSY * 2, 2)
    assert quiet == rows
    assert busy[0].estimated and "not a result" in busy[0].detail and busy[1] == rows[1]


def test_each_method_times_its_threads_on_a_sample_of_about_equal_flops():
    """bench's thread rows take entries spread over theta, as many as cost `sample` forward-difference
    entries: richardson's four passes an entry get a quarter of them, so no method's rows dominate."""
    from gradbench.methods import FORWARD, METHODS, RICHARDSON, predict
    from gradbench.studies.bench import LARGE, matched_sample

    sizes = {}
    for m in (m for m in METHODS.values() if m.sampleable):
        taken = matched_sample(m.name, LARGE, 4)
        assert 1 <= len(taken) <= 4 and list(taken) == sorted(set(taken))
        sizes[m.name] = predict(m.name, LARGE, taken.tolist()).flops
    assert len(matched_sample(FORWARD.name, LARGE, 4)) == 4 and len(matched_sample(RICHARDSON.name, LARGE, 4)) == 1
    assert max(sizes.values()) <= 1.5 * sizes[FORWARD.name]


def test_quick_takes_a_quarter_of_the_rounds_but_never_rests_on_one():
    from gradbench.studies.targets import FULL, Effort

    quick = Effort(quick=True)
    assert [quick.rounds(n) for n in (4, 7, 9, 21)] == [3, 3, 3, 5]
    assert all(FULL.rounds(n) == n and quick.rounds(n) <= n for n in range(1, 30))
    assert quick.budget(3.0) == 0.5 and FULL.budget(3.0) == 3.0
