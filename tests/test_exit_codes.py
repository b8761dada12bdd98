"""Exit status a script can rely on: 0 done, 1 a check failed (a bound, a regression past --fail-on),
2 bad input, 130 interrupted (tests/test_faults.py); -h on every command; files made with the umask."""

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from gradbench.cli.app import app
from gradbench.errors import CheckFailed
from gradbench.studies.bench import Target, check
from gradbench.studies.diff import Change, diff

FAST = ["--hidden", "3", "--budget", "0.02"]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    path = tmp_path_factory.mktemp("base") / "old.json"
    assert subprocess.run([sys.executable, "-m", "gradbench", "compare", *FAST, "--runs", "7", "--json", str(path)],
                          capture_output=True, check=False).returncode == 0  # fmt: skip
    return path


def slowed(baseline, tmp_path, factor, spread=0.01):
    """A copy of the baseline whose methods took `factor` times as long, every round too; with `spread`, a
    file without rounds (as gradbench 0.2 wrote them), judged by its half-IQR of `spread`."""
    doc = json.loads(baseline.read_text())
    for r in doc["rows"]:
        t = r["time_s"] * factor
        r.update(time_s=t, time_q1_s=t * (1 - spread), time_q3_s=t * (1 + spread))
        r["round_times_s"] = [x * factor for x in r["round_times_s"]] if spread == 0.01 else []
    path = tmp_path / "new.json"
    path.write_text(json.dumps(doc))
    return path


def test_diff_exits_1_past_fail_on_and_names_the_slower_methods(cli, baseline, tmp_path):
    code, out, err = cli("diff", str(baseline), str(slowed(baseline, tmp_path, 1.5)), "--fail-on", "10%")
    assert code == 1
    assert err.startswith("gradbench: check failed: slower than the baseline by more than 10%")
    assert "forward +" in err and "slower" in out


def test_diff_exits_0_when_the_change_is_within_the_threshold_or_the_noise(cli, baseline, tmp_path):
    assert cli("diff", str(baseline), str(slowed(baseline, tmp_path, 1.05)), "--fail-on", "10%")[0] == 0
    noisy = slowed(baseline, tmp_path, 1.5, spread=0.6)  # +50%, but the runs spread ±60%; no rounds: the band
    code, out, _ = cli("diff", str(baseline), str(noisy), "--fail-on", "10%")
    assert code == 0 and "within noise (band)" in out


def test_a_change_is_judged_against_both_runs_noise(baseline):
    from gradbench.studies.diff import load

    base = replace(load(baseline)[0], time_s=1.0, time_q1_s=0.97, time_q3_s=1.03, round_times_s=())
    new = replace(base, time_s=1.2, time_q1_s=1.2 * 0.96, time_q3_s=1.2 * 1.04)
    (c,) = diff([base], [new])  # no rounds: the noise band, the fallback
    assert c.change == pytest.approx(0.2) and c.noise == pytest.approx((0.03**2 + 0.04**2) ** 0.5)
    assert c.verdict() == "slower (band)" and c.slower_than(0.1) and not c.slower_than(0.25)
    assert isinstance(c, Change)


def test_bench_fails_when_a_bound_does_not_hold():
    holds = Target("a ratio", 0.9, 1.0, "max", "")
    check([holds, Target("unbounded", 5.0, None, "max", "")])
    with pytest.raises(CheckFailed, match="1 bound"):
        check([holds, Target("b ratio", 1.2, 1.0, "max", "")])


@pytest.mark.parametrize("args", [["diff", "nope.json", "nope.json"], ["diff", "a", "b", "--fail-on", "ten"]])
def test_diff_bad_input_is_exit_2(cli, args):
    code, _, err = cli(*args)
    assert code == 2 and err.startswith("gradbench: error:") and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("command", [c.name or c.callback.__name__ for c in app.registered_commands])
def test_every_command_answers_dash_h(cli, command):
    code, out, _ = cli(command, "-h")
    assert code == 0 and "Usage: gradbench" in out


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600)])
def test_output_files_get_the_permissions_the_umask_gives(tmp_path, umask, mode):
    out = tmp_path / "r.json"
    code = (f"import os, sys; os.umask({umask}); from gradbench.cli import main; "
            f"main(['compare', '--hidden', '2', '--budget', '0.02', '--json', {str(out)!r}])")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
    assert os.stat(out).st_mode & 0o777 == mode


def test_a_change_that_is_not_a_number_never_reads_as_faster_and_fails_fail_on(baseline):
    from gradbench.studies.diff import load

    base = load(baseline)[0]
    banded = replace(base, round_times_s=())  # no rounds: judged by the noise band, which an inf quartile breaks
    nan_round = replace(base, round_times_s=(float("nan"),) * base.rounds)  # no interval can be drawn
    for old, broken in ((base, replace(base, time_s=float("nan"))), (banded, replace(banded, time_q3_s=float("inf"))),
                        (base, nan_round)):  # fmt: skip
        (c,) = diff([old], [broken])
        assert c.verdict() == "no verdict" and c.slower_than(0.1)
