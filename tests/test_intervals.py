"""Raw rounds kept and an interval on every time and ratio: in the JSON every round, in the CSV the
summary, in the tables `141x (138–145)` where it fits and in a later table where it does not."""

import io
import json
import math
import re
import statistics

import pandas as pd
import pytest
from rich.console import Console

from gradbench import Spec
from gradbench.measure import stats
from gradbench.measure.records import ADDED, COLUMNS
from gradbench.measure.run import Settings, measure_methods
from gradbench.render.compare import tables
from gradbench.studies.sweep import read_sweep

FAST = ["--budget", "0.2"]


@pytest.fixture(scope="module")
def rows():
    return measure_methods(Spec(layers=2, hidden=8), ["forward", "backprop"], Settings(budget_s=0.1, runs=9))


def test_each_row_keeps_its_rounds_and_its_intervals_are_drawn_from_them(rows):
    bp, fd = rows
    for r in rows:
        assert len(r.round_times_s) == r.rounds == 9
        assert r.time_s == statistics.median(r.round_times_s)
        assert (r.time_low_s, r.time_high_s) == stats.median_interval(r.round_times_s)
        assert r.time_low_s <= r.time_s <= r.time_high_s
    assert (bp.time_ratio_low, bp.time_ratio_high) == (1.0, 1.0)  # the reference against itself
    assert (fd.time_ratio_low, fd.time_ratio_high) == stats.ratio_interval(fd.round_times_s, bp.round_times_s, False)
    assert fd.time_ratio_low <= fd.time_ratio <= fd.time_ratio_high


def test_the_json_holds_every_round_and_the_csv_the_summary(cli, tmp_path):
    j, c = tmp_path / "r.json", tmp_path / "r.csv"
    code, _, err = cli("compare", "--hidden", "4", "--runs", "7", "--json", str(j), "--csv", str(c), *FAST)
    assert code == 0, err
    records = json.loads(j.read_text())["rows"]
    assert all(len(r["round_times_s"]) == r["rounds"] == 7 for r in records)
    frame = pd.read_csv(c)
    assert list(frame.columns) == list(COLUMNS) and "round_times_s" not in frame.columns
    assert list(frame["time_low_s"]) == pytest.approx([r["time_low_s"] for r in records], rel=1e-12)


def test_too_few_rounds_give_no_interval_and_say_so(cli):
    code, out, err = cli("compare", "--hidden", "3", "--methods", "forward", "--runs", "5", *FAST)
    assert code == 0, err
    assert "no 95% interval for forward: fewer than 6 runs" in out
    assert not re.search(r"\(95% CI \d", out) and "16.3x -" not in out


def text(rows, width):
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    for t in tables(rows, "title", width):
        console.print(t)
    return out.getvalue()


def first_table(text):
    return next(part for part in re.split(r"\n\s*\n", text) if " method " in part)


def test_the_ratio_interval_sits_beside_the_ratio_at_80_columns_and_moves_out_when_narrow(rows):
    fd = rows[1]
    low, high = (f"{x:#.3g}".rstrip(".") if x < 100 else f"{x:,.0f}" for x in (fd.time_ratio_low, fd.time_ratio_high))
    at_80, at_narrow = text(rows, 80), text(rows, 40)  # 40: the short names of two methods
    first_80 = first_table(at_80)
    assert "time/bp (95% CI)" in first_80 and f"({low}–{high})" in first_80
    first_narrow = first_table(at_narrow)
    assert "95% CI" not in first_narrow and "time/bp 95% CI" in at_narrow and f"({low}–{high})" in at_narrow


def test_a_sweep_csv_from_before_the_intervals_is_read_but_not_resumed(cli, tmp_path):
    out = tmp_path / "s.csv"
    grid = ["--layers", "1", "--hidden", "2,3", "--batch", "1", "--methods", "forward", "--budget", "0.02"]
    assert cli("sweep", *grid, "--out", str(out))[0] == 0
    pd.read_csv(out).drop(columns=list(ADDED)).to_csv(out, index=False)  # as 0.2.0 wrote it
    assert all(math.isnan(r.time_low_s) for r in read_sweep(out))
    before = out.read_text()
    code, _, err = cli("sweep", *grid, "--out", str(out), "--resume")
    assert code == 2 and "not a sweep CSV to resume: missing columns time_low_s" in err
    assert out.read_text() == before


def test_a_bench_target_says_whether_its_interval_settles_its_bound():
    from gradbench.render.bench import measured
    from gradbench.studies.targets import Ratio, Target

    def target(low, high, bound=1.10):
        return Target.of("t", ratio=Ratio(1.04, low, high), bound=bound, kind="max", detail="")

    assert target(1.02, 1.06).holds and target(1.02, 1.06).decided
    assert target(1.02, 1.12).holds and target(1.02, 1.12).decided is False  # 1.10 inside: not settled
    assert target(1.02, 1.06, bound=None).decided is None and target(math.nan, math.nan).decided is None
    assert measured(target(1.02, 1.06)) == "1.04 (1.02–1.06)" and measured(target(math.nan, math.nan)) == "1.04"
    memory = Target("m", 0.359, 0.5, "max", "", exact=True)
    assert memory.decided and measured(memory) == "0.359 (exact)"


def test_paired_bench_ratios_come_from_interleaved_rounds():
    from gradbench.measure.timing import interleaved
    from gradbench.studies.targets import paired

    t = interleaved({"a": lambda: sum(range(2000)), "b": lambda: sum(range(1000))}, rounds=9)
    r = paired(t, "a", "b")
    assert r.value == t["a"].median / t["b"].median and r.low <= r.value <= r.high
    assert (r.low, r.high) == stats.ratio_interval(t["a"].per_round, t["b"].per_round, paired=True)
