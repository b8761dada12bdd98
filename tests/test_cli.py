"""The command line as a user meets it: the seed comparison, files written whole, and every bad
input answered by one line on stderr and exit status 2."""

import json
import subprocess
import sys

import pandas as pd
import pytest

FAST = ["--budget", "0.2"]


def test_compare_table_shows_each_rows_data(cli, tmp_path):
    """The seed network: every measured row's counts, ratios and error appear on its lines, whatever the
    number of tables the width splits them into (the CLI's output is 140 columns into a pipe)."""
    from test_report import shows_column

    from gradbench.measure.records import Measurement
    from gradbench.render.compare import COMPARE_COLUMNS

    js = tmp_path / "r.json"
    code, out, err = cli("compare", "--layers", "3", "--hidden", "10", "--json", str(js), *FAST)
    assert code == 0, err
    assert "N=330" in out
    lines = out.splitlines()
    for record in json.loads(js.read_text())["rows"]:
        r = Measurement(**{**record, "rel_error": float("nan") if record["rel_error"] is None else record["rel_error"]})
        for c in COMPARE_COLUMNS:
            assert shows_column(lines, r, c), (r.method, c.header)
    assert "forward did 331 forward passes where backprop did 1 forward + 1 backward" in out


def test_json_and_csv_hold_the_same_rows(cli, tmp_path):
    j, c = tmp_path / "r.json", tmp_path / "r.csv"
    code, _, err = cli("compare", "--hidden", "4", "--json", str(j), "--csv", str(c), *FAST)
    assert code == 0, err
    doc = json.loads(j.read_text())
    assert {"python", "numpy", "blas", "blas_threads", "cpu", "seed", "date"} <= set(doc["metadata"])
    frame = pd.read_csv(c)
    assert list(frame["method"]) == [r["method"] for r in doc["rows"]]
    assert list(frame["forward_passes"]) == [r["forward_passes"] for r in doc["rows"]]
    meta = json.loads((tmp_path / "r.csv.meta.json").read_text())
    assert meta["seed"] == 0
    assert meta["command"].startswith("gradbench compare --hidden 4 --json")


def test_json_to_stdout_is_parseable_and_the_table_goes_to_stderr(cli):
    code, out, err = cli("compare", "--hidden", "3", "--methods", "central", "--json", "-", *FAST)
    assert code == 0
    rows = json.loads(out)["rows"]
    assert [r["method"] for r in rows] == ["central"]  # backprop is measured as the reference only
    assert "central" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--layers", "0"], "Invalid value for '--layers': Input should be greater than or equal to 1"),
        (["--hidden", "-3"], "Invalid value for '--hidden'"),
        (["--batch", "0"], "Invalid value for '--batch'"),
        (["--seed", "-1"], "Invalid value for '--seed'"),
        (["--threads", "0"], "Invalid value for '--threads'"),
        (["--activation", "softplus"], "softplus"),
        (["--methods", "forward,symbolic"], "unknown method 'symbolic'"),
        (["--methods", ","], "--methods is empty"),
        (["--eps", "0"], "--eps must be a positive finite number"),
        (["--eps", "nan"], "--eps must be a positive finite number"),
        (["--eps", "inf"], "--eps must be a positive finite number"),
        (["--budget", "-1"], "--budget must be a positive finite number"),
        (["--layers", "abc"], "Invalid value for '--layers'"),
        (["--layers", "50", "--hidden", "200000"], "model needs about"),
        (["--json", "/no/such/dir/out.json"], "does not exist"),
        (["--memory", "lots"], "--memory must be a positive size"),
        (["--memory", "0"], "--memory must be a positive size"),
        (["--memory", "4k"], "--memory 4.00 KiB is too small for forward at N = 330: it needs 22.0 KiB"),
        (["--memory", "100000GiB"], "GiB available"),
        (["--csv", "-", "--json", "-"], "cannot both go to stdout"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, args, message):
    code, _, err = cli("compare", *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_output_path_that_is_a_directory_is_refused(cli, tmp_path):
    code, _, err = cli("compare", "--csv", str(tmp_path))
    assert code == 2 and "is a directory" in err


def test_failed_run_leaves_an_existing_file_untouched(cli, tmp_path):
    target = tmp_path / "keep.json"
    target.write_text("precious")
    code, _, _ = cli("compare", "--eps", "-1", "--json", str(target))
    assert code == 2
    assert target.read_text() == "precious"
    assert list(tmp_path.iterdir()) == [target]  # no temporary left behind


def test_installed_command_reports_bad_input_without_traceback():
    p = subprocess.run(
        [sys.executable, "-m", "gradbench", "compare", "--layers", "0", "--hidden", "10"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert p.returncode == 2
    assert (
        p.stderr.strip() == "gradbench: error: Invalid value for '--layers': Input should be greater than or equal to 1"
    )
    assert p.stdout == ""


@pytest.mark.parametrize(
    "text, expected",
    [("1GiB", 2**30), ("512MiB", 2**29), ("2G", 2**31), ("1GB", 2**30), ("100000", 100_000), ("64k", 65536)],
)
def test_memory_sizes(text, expected):
    from gradbench.io.values import memory_bytes

    assert memory_bytes(text) == expected


def test_small_memory_budget_gives_the_same_batched_gradient(cli):
    code, out, err = cli("compare", "--methods", "forward-batched", "--memory", "60k", "--json", "-", *FAST)
    assert code == 0, err
    row = json.loads(out)["rows"][0]
    assert row["forward_passes"] == 331 and row["rel_error"] < 1e-5


def test_a_method_over_budget_is_sampled_and_marked_estimated(cli):
    """A 2-layer H=40 model (N = 3,280): the loop methods cannot run 5 rounds in 0.05 s, so they are
    timed on a sample, extrapolated, and their counts are the cost model's."""
    from gradbench import Spec, predict

    code, out, err = cli(
        "compare", "--layers", "2", "--hidden", "40", "--methods", "central,backprop", "--budget", "0.05", "--json", "-"
    )
    assert code == 0, err
    rows = {r["method"]: r for r in json.loads(out)["rows"]}
    central = rows["central"]
    assert central["estimated"] and central["counts_from"] == "model"
    assert 1 <= central["sampled"] < central["n_params"] == 3280
    assert central["forward_passes"] == predict("central", Spec(layers=2, hidden=40)).forward_passes == 6560
    assert central["rel_error"] < 1e-8  # over the sampled entries
    assert not rows["backprop"]["estimated"]
    assert "~" in err  # the table (on stderr, since the JSON went to stdout) marks the estimate


def test_reading_warns_about_unstable_timings():
    from dataclasses import replace

    from gradbench.measure.run import Settings, measure_methods
    from gradbench.model.spec import Spec
    from gradbench.render.compare import reading

    (bp,) = measure_methods(Spec(layers=1, hidden=2), ["backprop"], Settings(budget_s=0.05))
    steady = replace(bp, time_s=1.0, time_q1_s=0.95, time_q3_s=1.05)
    shaky = replace(steady, method="central", time_q1_s=0.7, time_q3_s=1.3)
    assert not any("unstable" in line for line in reading([steady]))
    assert any("unstable timing: central (±30.0%)" in line for line in reading([steady, shaky]))


def test_bare_command_prints_help(cli):
    code, out, err = cli()
    assert code == 0 and "compare" in out and "sweep" in out and err == ""


def test_a_deep_nets_title_counts_its_repeated_widths(cli):
    """64 layers of 32 read as 32×65 in the title, not 65 numbers that wrap mid-number."""
    shape = ["--layers", "12", "--hidden", "4", "--inputs", "3", "--outputs", "2"]
    code, out, _ = cli("compare", *shape, "--methods", "backprop", "--budget", "0.05")
    assert code == 0 and "widths 3-4×11-2," in out
