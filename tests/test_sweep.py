"""Sweeps: grids as users write them, rows on disk as they finish, resume after a kill, and plots."""

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from gradbench.errors import GradbenchError
from gradbench.io.values import int_list
from gradbench.measure.records import COLUMNS, KEY
from gradbench.render.plot import crossings, fit_slope

TINY = ["--layers", "1,2", "--hidden", "2..6", "--batch", "1,2", "--methods", "forward,backprop", "--budget", "0.02"]


@pytest.mark.parametrize(
    "text, values",
    [
        ("1,2,3", [1, 2, 3]),
        ("4..256x2", [4, 8, 16, 32, 64, 128, 256]),
        ("1..4", [1, 2, 3, 4]),
        ("8..32+8", [8, 16, 24, 32]),
        ("1, 4..16x2, 4", [1, 4, 8, 16]),
    ],
)
def test_lists_and_ranges(text, values):
    assert int_list(text, "--hidden") == values


@pytest.mark.parametrize("text", ["", ",", "4..2", "1..8x1", "a,b", "4...8", "0..4", "2..8x-2"])
def test_malformed_lists_are_refused(text):
    with pytest.raises(GradbenchError):
        int_list(text, "--hidden")


def keys(path):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return sorted(map(tuple, frame[list(KEY)].itertuples(index=False)))


def test_sweep_writes_rows_and_metadata(cli, tmp_path):
    out = tmp_path / "s.csv"
    code, stdout, err = cli("sweep", *TINY, "--csv", str(out))
    assert code == 0, err
    frame = pd.read_csv(out)
    assert len(frame) == 2 * 5 * 2 * 2  # layers x hidden x batch x methods
    fd = frame[frame.method == "forward"]
    assert (fd.forward_passes == fd.n_params + 1).all()
    assert (tmp_path / "s.csv.meta.json").is_file()
    assert "rows written" in stdout


def test_existing_file_is_not_overwritten_without_resume_or_force(cli, tmp_path):
    out = tmp_path / "s.csv"
    out.write_text("keep me")
    code, _, err = cli("sweep", *TINY, "--csv", str(out))
    assert code == 2 and "--resume" in err
    assert out.read_text() == "keep me"


def test_resume_refuses_a_file_that_is_not_a_sweep(cli, tmp_path):
    out = tmp_path / "s.csv"
    out.write_text("a,b\n1,2\n")
    code, _, err = cli("sweep", *TINY, "--csv", str(out), "--resume")
    assert code == 2 and "columns" in err
    assert out.read_text() == "a,b\n1,2\n"


def test_resume_refuses_a_sweep_of_another_activation(cli, tmp_path):
    out = tmp_path / "s.csv"
    assert cli("sweep", *TINY, "--csv", str(out))[0] == 0
    before = out.read_text()
    code, _, err = cli("sweep", *TINY, "--csv", str(out), "--resume", "--activation", "tanh")
    assert code == 2 and "activation" in err
    assert out.read_text() == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["--hidden", "4..2"], "empty"),
        (["--layers", "x"], "cannot read"),
        (["--batch", ","], "--batch: an empty item"),
        (["--methods", "forward,magic"], "unknown method"),
    ],
)
def test_sweep_bad_input(cli, tmp_path, args, message):
    code, _, err = cli("sweep", *args, "--csv", str(tmp_path / "s.csv"))
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "s.csv").exists()


def test_killed_sweep_resumes_to_the_same_rows(cli, tmp_path):
    """SIGKILL a real sweep midway; --resume completes it to the rows of an uninterrupted sweep."""
    grid = ["--layers", "2", "--hidden", "2..40+2", "--batch", "1", "--methods", "forward,backprop", "--budget", "0.05"]
    full = tmp_path / "full.csv"
    assert cli("sweep", *grid, "--csv", str(full))[0] == 0

    cut = tmp_path / "cut.csv"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gradbench", "sweep", *grid, "--csv", str(cut)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline and (not cut.exists() or cut.read_text().count("\n") < 5):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = keys(cut)
    assert 4 <= len(partial) < len(keys(full))  # killed midway, the finished rows readable
    code, stdout, _ = cli("sweep", *grid, "--csv", str(cut), "--resume")
    assert code == 0
    assert keys(cut) == keys(full)
    assert "points already there" in stdout


def test_plot_writes_png_and_svg(cli, tmp_path):
    out = tmp_path / "s.csv"
    assert cli("sweep", *TINY, "--csv", str(out))[0] == 0
    code, stdout, err = cli("plot", str(out))
    assert code == 0, err
    assert (tmp_path / "s.png").stat().st_size > 10_000
    assert (tmp_path / "s.svg").is_file()
    assert "log-log slope" in stdout
    assert cli("plot", str(out), "--show-counts", "--out", str(tmp_path / "c.png"))[0] == 0
    assert (tmp_path / "c.png").is_file()


def test_plot_refuses_what_is_not_a_sweep(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n")
    code, _, err = cli("plot", str(bad))
    assert code == 2 and "missing columns" in err and "not a sweep CSV" in err
    assert not (tmp_path / "bad.png").exists()


def test_plot_refuses_a_sweep_with_no_rows(cli, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(COLUMNS) + "\n")
    png = tmp_path / "empty.png"
    png.write_text("old picture")
    code, _, err = cli("plot", str(empty))
    assert code == 2 and "exists: pass --force" in err
    code, _, err = cli("plot", str(empty), "--force")
    assert code == 2 and "no rows" in err
    assert png.read_text() == "old picture"


def test_plot_of_a_missing_file(cli, tmp_path):
    code, _, err = cli("plot", str(tmp_path / "nope.csv"))
    assert code == 2 and "no such file" in err


def test_slope_is_fitted_on_the_larger_half():
    import numpy as np

    n = np.array([1, 2, 4, 8, 16, 32.0])
    y = np.where(n < 8, 5.0, n**2)  # flat for small N, quadratic for large
    assert fit_slope(n, y) == pytest.approx(2.0)


def test_crossings_interpolate_in_log_log():
    import numpy as np

    n = np.array([10, 100, 1000.0])
    assert crossings(n, n / 2) == pytest.approx({10: 20.0, 100: 200.0})


def test_a_sweep_states_its_full_grid_and_predicted_time_before_it_starts(cli, tmp_path):
    out = tmp_path / "s.csv"
    code, text, err = cli("sweep", *TINY, "--out", str(out))
    assert code == 0, err
    said = " ".join(text.split())
    assert "sweep of 20 points, every combination of layers 1, 2 × hidden 2, 3, 4, 5, 6 × batch 1, 2" in said
    assert "2 methods each: predicted about" in said and "every method taking its --budget" in said
    code, text, err = cli("sweep", *TINY, "--out", str(out), "--resume")
    assert code == 0 and "20 already in the file, 0 to measure: predicted about 0.0 s" in " ".join(text.split())


@pytest.mark.parametrize(
    "t, budget, sampleable, seconds",
    [
        (1e-3, 1.0, True, 2e-3 + 15 * 5e-3),  # 5 loops a round, 15 rounds
        (0.05, 1.0, True, 0.1 + 15 * 0.05),  # one call a round, 15 rounds within the budget
        (0.1, 1.0, False, 0.2 + 10 * 0.1),  # rounds as the budget allows
        (0.07, 1.0, False, 0.14 + 14 * 0.07),  # whole rounds, as timing.measure runs them (not 14.3)
        (0.5, 1.0, True, 1.0),  # six rounds would not fit: sampled, the whole budget
        (0.5, 1.0, False, 1.0 + 2 * 0.5),  # not sampleable: the rounds that fit
    ],
)
def test_the_predicted_time_follows_the_timing_rules(t, budget, sampleable, seconds):
    from gradbench.measure.estimate import measure_seconds

    assert measure_seconds(t, budget, sampleable) == pytest.approx(seconds)


def test_out_is_a_hidden_alias_of_csv_and_the_typo_suggestion_names_csv(cli, tmp_path):
    out = tmp_path / "s.csv"
    assert cli("sweep", *TINY, "--out", str(out))[0] == 0 and out.is_file()
    code, _, err = cli("sweep", *TINY, "--out", str(out), "--csv", str(tmp_path / "t.csv"))
    assert code == 2 and "--out is --csv's former name" in err
    code, _, err = cli("sweep", "--cvs", str(out))
    assert code == 2 and "Possible options: --csv" in err
    _, help_text, _ = cli("sweep", "--help")
    assert "--csv" in help_text and "--out" not in help_text
