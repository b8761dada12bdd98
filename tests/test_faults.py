"""Faults injected into real `gradbench` processes: kill -9, Ctrl-C, two writers at once, a full disk
(RLIMIT_FSIZE), torn and foreign files, bad input. Each asserts what a user would check afterwards:
the exit status, one line on stderr and no traceback, and the data on disk intact."""

import io
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradbench.measure.records import KEY

GRID = ["--layers", "2", "--hidden", "2..50+2", "--batch", "1", "--methods", "forward,backprop", "--budget", "0.04"]
SMALL = ["--layers", "1,2", "--hidden", "2..4", "--batch", "1", "--methods", "forward,backprop", "--budget", "0.02"]


def gradbench(*args: str, limit_bytes: int | None = None, timeout: float = 60, env: dict[str, str] | None = None,
              cwd: Path | None = None) -> subprocess.CompletedProcess:  # fmt: skip
    """Run the installed command in a fresh process; with limit_bytes, under a file-size limit (a full disk);
    `env`: variables set on top of this process's."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, "-m", "gradbench", *args], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit if limit_bytes else None, check=False,
                          env={**os.environ, **(env or {})}, cwd=cwd)  # fmt: skip


STARTED: list[subprocess.Popen] = []


def start(*args: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "gradbench", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    STARTED.append(proc)
    return proc


@pytest.fixture(autouse=True)
def no_process_outlives_its_test():
    """A test that fails mid-way must not leave a run of 100,000 epochs loading the machine."""
    yield
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def one_clean_line(err: str) -> str:
    """stderr holds exactly one line, and it is not a traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def wait_for_rows(path: Path, rows: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if path.exists() and path.read_bytes().count(b"\n") > rows:
            return
        time.sleep(0.02)
    raise AssertionError(f"{path} never reached {rows} rows (process exit {proc.poll()})")


def keys(path: Path) -> list[tuple]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return sorted(map(tuple, frame[list(KEY)].itertuples(index=False)))


@pytest.fixture(scope="module")
def complete(tmp_path_factory) -> Path:
    """A finished small sweep, the reference for what an interrupted one must end up as."""
    path = tmp_path_factory.mktemp("ref") / "full.csv"
    assert gradbench("sweep", *SMALL, "--csv", str(path)).returncode == 0
    return path


# --- kill -9 and Ctrl-C -----------------------------------------------------------------------------


def test_kill_during_a_forced_sweep_leaves_the_old_file_whole(tmp_path, complete):
    out = tmp_path / "s.csv"
    out.write_bytes(complete.read_bytes())
    Path(f"{out}.meta.json").write_bytes(Path(f"{complete}.meta.json").read_bytes())
    proc = start("sweep", *GRID, "--csv", str(out), "--force")
    wait_for_rows(Path(f"{out}.partial"), 4, proc)
    proc.kill()
    proc.wait()
    assert out.read_bytes() == complete.read_bytes()  # not truncated, not appended to
    assert keys(Path(f"{out}.partial"))  # the new run's finished points, readable, beside it


def test_ctrl_c_keeps_the_finished_points_and_says_how_to_continue(tmp_path):
    out = tmp_path / "s.csv"
    proc = start("sweep", *GRID, "--csv", str(out))
    wait_for_rows(out, 4, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    line = one_clean_line(err)
    assert line.startswith("gradbench: interrupted: ") and f"points kept in {out}; --resume continues" in line
    kept = int(line.split("interrupted: ")[1].split(" of ")[0])
    assert len(keys(out)) == 2 * kept  # every kept point whole, both methods; nothing half-written
    assert gradbench("sweep", *GRID, "--csv", str(out), "--resume").returncode == 0


def test_ctrl_c_during_training_writes_the_finished_epochs(tmp_path):
    csv = tmp_path / "curve.csv"
    proc = start("train", "--gradient", "central", "--epochs", "100000", "--budget", "100000", "--csv", str(csv))
    time.sleep(2.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted after" in one_clean_line(err) and str(csv) in err
    curve = pd.read_csv(csv)
    assert len(curve) >= 1 and list(curve["epoch"]) == list(range(1, len(curve) + 1))


# --- two writers, a full disk, torn and foreign files ------------------------------------------------


def test_a_second_sweep_on_the_same_file_is_refused_and_the_first_finishes(tmp_path):
    out = tmp_path / "s.csv"
    first = start("sweep", *GRID, "--csv", str(out))
    wait_for_rows(out, 2, first)
    second = gradbench("sweep", *GRID, "--csv", str(out), "--resume")
    assert second.returncode == 2
    assert f"another sweep (pid {first.pid}) holds {out}" in one_clean_line(second.stderr)
    assert first.wait(timeout=60) == 0
    text = out.read_text()
    assert text.count("method,layers") == 1 and len(keys(out)) == 2 * 25


def test_a_full_disk_is_one_line_and_the_file_ends_on_a_whole_row(tmp_path, complete):
    out = tmp_path / "s.csv"
    meta, rows = Path(f"{complete}.meta.json").stat().st_size, complete.stat().st_size
    limit = (meta + rows) // 2  # room for the metadata, not for every row: the disk fills mid-sweep
    assert meta + 200 < limit < rows - 200
    result = gradbench("sweep", *SMALL, "--csv", str(out), limit_bytes=limit)
    assert result.returncode == 2
    assert "cannot write" in one_clean_line(result.stderr) and "File too large" in result.stderr
    assert out.read_bytes().endswith(b"\n") and out.stat().st_size <= limit
    assert gradbench("sweep", *SMALL, "--csv", str(out), "--resume").returncode == 0
    assert keys(out) == keys(complete)


def test_a_full_disk_leaves_an_existing_json_as_it_was(tmp_path):
    out = tmp_path / "r.json"
    out.write_text("precious")
    result = gradbench("compare", "--hidden", "3", "--budget", "0.02", "--json", str(out), "--force",
                       limit_bytes=1000)  # fmt: skip
    assert result.returncode == 2 and "was left as it was" in one_clean_line(result.stderr)
    assert out.read_text() == "precious" and sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_a_torn_last_line_is_dropped_reported_and_measured_again(tmp_path, complete):
    out = tmp_path / "s.csv"
    lines = complete.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:-2]) + lines[-2][:25])  # the last point lost, the one before torn
    Path(f"{out}.meta.json").write_bytes(Path(f"{complete}.meta.json").read_bytes())
    result = gradbench("sweep", *SMALL, "--csv", str(out), "--resume")
    assert result.returncode == 0, result.stderr
    assert "dropped a torn last line (25 bytes)" in result.stderr
    assert keys(out) == keys(complete)


@pytest.mark.parametrize(
    "meta, message",
    [
        ("{not json", "is not a gradbench sweep's metadata"),
        (None, "so its conditions are unknown"),
        ('{"metadata": {}, "rows": []}', "is not a gradbench sweep's metadata"),  # a compare --json
    ],
)
def test_resume_refuses_a_file_whose_metadata_is_missing_or_foreign(tmp_path, complete, meta, message):
    out = tmp_path / "s.csv"
    out.write_bytes(complete.read_bytes())
    if meta is not None:
        Path(f"{out}.meta.json").write_text(meta)
    result = gradbench("sweep", *SMALL, "--csv", str(out), "--resume")
    assert result.returncode == 2 and message in one_clean_line(result.stderr)
    assert out.read_bytes() == complete.read_bytes()


def test_resume_names_the_conditions_that_differ_and_keeps_every_runs_conditions(tmp_path, complete):
    out = tmp_path / "s.csv"
    out.write_bytes(complete.read_bytes())
    Path(f"{out}.meta.json").write_bytes(Path(f"{complete}.meta.json").read_bytes())
    other = [a if a != "0.02" else "0.03" for a in SMALL]
    result = gradbench("sweep", *other, "--eps", "1e-6", "--csv", str(out), "--resume")
    assert result.returncode == 2
    line = one_clean_line(result.stderr)
    assert "eps None, budget_s 0.02 (this run: 1e-06, 0.03)" in line
    assert gradbench("sweep", *SMALL, "--csv", str(out), "--resume").returncode == 0
    runs = json.loads(Path(f"{out}.meta.json").read_text())["runs"]
    assert len(runs) == 2 and runs[0]["date"] <= runs[1]["date"]  # the first run's conditions kept
    assert runs[1]["command"].endswith("--resume")


def test_a_compare_csv_is_not_resumed_as_a_sweep(tmp_path):
    out = tmp_path / "c.csv"
    assert gradbench("compare", "--hidden", "2", "--budget", "0.02", "--csv", str(out)).returncode == 0
    result = gradbench("sweep", *SMALL, "--csv", str(out), "--resume")
    assert result.returncode == 2 and "not a gradbench sweep's metadata" in one_clean_line(result.stderr)


# --- outputs -------------------------------------------------------------------------------------


def test_outputs_are_refused_before_any_work(tmp_path):
    existing = tmp_path / "old.json"
    existing.write_text("keep")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    cases = {
        ("--json", str(existing)): "exists: pass --force to replace it",
        ("--csv", str(tmp_path / "a"), "--json", str(tmp_path / "a")): "--csv and --json name the same file",
        ("--json", str(fifo)): "not a regular file",
        ("--json", "/dev/stdout"): "not a regular file",
    }
    for args, message in cases.items():
        result = gradbench("compare", "--hidden", "2", "--budget", "0.02", *args)
        assert result.returncode == 2 and message in one_clean_line(result.stderr), args
    assert existing.read_text() == "keep" and sorted(p.name for p in tmp_path.iterdir()) == ["old.json", "pipe"]


def test_a_symlinked_output_is_written_through_the_link(tmp_path):
    target, link = tmp_path / "target.json", tmp_path / "link.json"
    target.write_text("old")
    link.symlink_to(target)
    result = gradbench("compare", "--hidden", "2", "--budget", "0.02", "--json", str(link), "--force")
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and json.loads(target.read_text())["rows"]


def test_plot_never_overwrites_its_input(tmp_path, complete):
    csv = tmp_path / "s.png"  # a CSV whose name ends in .png: the default output would be itself
    csv.write_bytes(complete.read_bytes())
    result = gradbench("plot", str(csv), "--force")
    assert result.returncode == 2 and "it is an input of this command" in one_clean_line(result.stderr)
    assert csv.read_bytes() == complete.read_bytes()


# --- inputs and predicted work -------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["compare", "--seed", "-1"], "Invalid value for '--seed'"),
        (["compare", "--seed", str(2**32)], "Invalid value for '--seed'"),
        (["sweep", "--hidden", "1..100000000"], "100,000,000 values"),
        (["sweep", "--hidden", "1..1000", "--batch", "1..30"], "pass --yes to run it"),
        (["train", "--samples", "1e11"], "Invalid value for '--samples'"),
        (["train", "--samples", "100000000000"], "needs about"),
        (["train", "--hidden", "2000", "--gradient", "forward"], "is predicted to take about"),
        (["reproduce", "--epochs", "100000000"], "pass --yes to run it"),
        (["compare", "--memory", "100000GiB"], "GiB available"),
        (["compare", "--lr", "1"], "No such option: --lr"),
        (["compare", "--layers", "1" + "0" * 30], "--layers must be at most"),
        (["compare", "--layers", "200000000", "--hidden", "1"], "--layers must be at most"),
        (["reproduce", "--samples", "1000000000", "--yes"], "of memory"),
        (["compare", "--csv", ""], "an output path is empty"),
        (["compare", "--csv", "/sys/x.csv"], "not a regular file"),
        (["compare", "--threads", "100", "--csv", "/sys/x.csv"], "not a regular file"),
        (["train", "--optimizer", "sgd:momentum=0.5"], "sgd reads none"),
        (["train", "--optimizer", "adam:beta1=0.9,beta1=0.1"], "beta1 is given twice"),
        (["train", "--gradient", ""], "unknown method ''"),
        (["sweep", "--hidden", "3,,4"], "an empty item"),
        (["sweep", "--hidden", "١٢"], "cannot read"),
        (["sweep", "--csv", "-"], "give --csv a path"),
        (["plot", ""], "an empty path names no file"),
    ],
)
def test_bad_input_and_runaway_work_are_refused_at_once(args, message):
    began = time.perf_counter()
    result = gradbench(*args, timeout=30)
    assert result.returncode == 2 and message in one_clean_line(result.stderr)
    assert time.perf_counter() - began < 15  # refused from the prediction, not after running


@pytest.mark.parametrize("content", ["", "method,layers\n", "x,y\n1,2\n"])
def test_plot_refuses_an_empty_header_only_or_foreign_csv(tmp_path, content):
    csv = tmp_path / "s.csv"
    csv.write_text(content)
    result = gradbench("plot", str(csv))
    assert result.returncode == 2 and "sweep CSV" in one_clean_line(result.stderr)
    assert not (tmp_path / "s.png").exists()


def test_plot_names_a_cell_that_is_not_a_number(tmp_path, complete):
    csv = tmp_path / "s.csv"
    lines = complete.read_text().splitlines()
    cells = lines[3].split(",")
    cells[1] = "three"
    csv.write_text("\n".join([*lines[:3], ",".join(cells), *lines[4:]]) + "\n")
    result = gradbench("plot", str(csv))
    assert result.returncode == 2 and "line 4: layers is 'three'" in one_clean_line(result.stderr)


def test_threads_beyond_the_cores_are_capped_and_recorded_as_used(tmp_path):
    out = tmp_path / "r.json"
    result = gradbench("compare", "--hidden", "2", "--budget", "0.02", "--threads", "1000", "--json", str(out))
    assert result.returncode == 0
    cores = os.cpu_count()
    assert f"--threads 1000: {cores} cores here; used {cores}" in result.stderr
    assert json.loads(out.read_text())["metadata"]["blas_threads"] == cores


def test_a_step_below_the_resolution_is_nan_with_its_cause_never_agreement():
    result = gradbench("compare", "--hidden", "3", "--budget", "0.02", "--methods", "central", "--eps", "1e-320",
                       "--json", "-")  # fmt: skip
    assert result.returncode == 0
    (row,) = json.loads(result.stdout)["rows"]
    assert row["rel_error"] is None  # NaN in JSON
    assert "central: its gradient has NaN or infinite entries" in result.stderr
    assert "below float64's resolution" in result.stderr


def test_dev_stdout_redirected_to_a_file_is_refused_and_the_file_kept(tmp_path):
    log = tmp_path / "log.txt"
    log.write_text("important\n")
    with open(log, "a") as out:
        result = subprocess.run([sys.executable, "-m", "gradbench", "compare", "--hidden", "2", "--budget", "0.02",
                                 "--csv", "/dev/stdout", "--force"], stdout=out, stderr=subprocess.PIPE, text=True,
                                check=False)  # fmt: skip
    assert result.returncode == 2 and "use '-' for stdout" in one_clean_line(result.stderr)
    assert log.read_text() == "important\n"


def test_a_forced_sweep_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path, complete):
    target, link = tmp_path / "real.csv", tmp_path / "link.csv"
    target.write_text("old")
    link.symlink_to(target)
    assert gradbench("sweep", *SMALL, "--csv", str(link), "--force").returncode == 0
    assert link.is_symlink() and keys(target) == keys(complete)


@pytest.mark.parametrize("bad", [5, [], "x", None])
def test_resume_refuses_metadata_of_the_wrong_shape(tmp_path, complete, bad):
    out = tmp_path / "s.csv"
    out.write_bytes(complete.read_bytes())
    meta = json.loads(Path(f"{complete}.meta.json").read_text())
    Path(f"{out}.meta.json").write_text(json.dumps({**meta, "sweep": bad}))
    result = gradbench("sweep", *SMALL, "--csv", str(out), "--resume")
    assert result.returncode == 2 and "not a gradbench sweep's metadata" in one_clean_line(result.stderr)


def test_a_refused_resume_leaves_the_file_byte_for_byte(tmp_path, complete):
    out = tmp_path / "s.csv"
    lines = complete.read_text().splitlines(keepends=True)
    broken = "".join([*lines[:3], "garbage,,\n", *lines[3:]])[:-5]  # a bad row and a torn last line
    out.write_text(broken)
    Path(f"{out}.meta.json").write_bytes(Path(f"{complete}.meta.json").read_bytes())
    result = gradbench("sweep", *SMALL, "--csv", str(out), "--resume")
    assert result.returncode == 2 and "line 4" in one_clean_line(result.stderr)
    assert out.read_text() == broken


def test_a_sweep_stopped_before_its_first_point_resumes(tmp_path, complete):
    out = tmp_path / "s.csv"
    out.write_bytes(b"")  # what a kill between creating the file and the first point leaves
    Path(f"{out}.meta.json").write_bytes(Path(f"{complete}.meta.json").read_bytes())
    result = gradbench("sweep", *SMALL, "--csv", str(out), "--resume")
    assert result.returncode == 0, result.stderr
    assert keys(out) == keys(complete)


def test_ctrl_c_during_compare_is_one_line_and_130():
    proc = start("compare", "--hidden", "64", "--budget", "5")
    time.sleep(2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and one_clean_line(err) == "gradbench: interrupted; nothing was written"


def test_a_full_stdout_is_one_line_and_exit_2():
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "gradbench", "methods"], stdout=full, stderr=subprocess.PIPE,
                                text=True, check=False)  # fmt: skip
    assert result.returncode == 2 and "cannot write the output" in one_clean_line(result.stderr)


@pytest.mark.parametrize("column, value, message", [
    ("time_s", "nan", "time_s is nan, not a positive finite time"),
    ("time_s", "0", "time_s is 0.0, not a positive finite time"),
    ("n_params", "-1", "n_params is -1, not a positive size"),
    ("estimated", "maybe", "estimated is 'maybe', not True or False"),
])  # fmt: skip
def test_plot_refuses_an_impossible_value_naming_its_line(tmp_path, complete, column, value, message):
    from gradbench.measure.records import COLUMNS

    csv = tmp_path / "s.csv"
    lines = complete.read_text().splitlines()
    cells = lines[2].split(",")
    cells[COLUMNS.index(column)] = value
    csv.write_text("\n".join([*lines[:2], ",".join(cells), *lines[3:]]) + "\n")
    result = gradbench("plot", str(csv))
    assert result.returncode == 2 and f"line 3: {message}" in one_clean_line(result.stderr)


# --- streams: an ASCII-only one, a closed stdout, a nonsense width, a pipe -----------------------------

COMPARE = ["compare", "--hidden", "3", "--budget", "0.02"]


@pytest.fixture(scope="module")
def results(tmp_path_factory, complete) -> Path:
    """A results directory as a user has one: a comparison, a sweep (with its metadata) and its plot."""
    directory = tmp_path_factory.mktemp("results")
    assert gradbench(*COMPARE, "--json", str(directory / "compare.json")).returncode == 0
    (directory / "sweep.csv").write_bytes(complete.read_bytes())
    (directory / "sweep.csv.meta.json").write_bytes(Path(f"{complete}.meta.json").read_bytes())
    assert gradbench("plot", str(directory / "sweep.csv")).returncode == 0
    return directory


def run_bytes(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run the command with its output as bytes (stdout and stderr captured unless given)."""
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
    return subprocess.run([sys.executable, "-m", "gradbench", *args], check=False, timeout=60,
                          env={**os.environ, **(env or {})}, **streams)  # fmt: skip


@pytest.mark.parametrize("args", [COMPARE, [*COMPARE, "--json", "-"], ["methods"], ["--help"], ["report"]])
def test_an_ascii_only_stream_gets_replacement_characters_never_an_error(args, results):
    args = [*args, str(results)] if args == ["report"] else args
    result = run_bytes(*args, env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    assert result.stdout.isascii() and result.stderr.isascii() and result.stdout.strip()
    if args == COMPARE:
        assert b"mean ? ?" in result.stdout  # 'mean ± σ', each character it cannot encode replaced
        assert b"+---" in result.stdout or b"---" in result.stdout  # rich's ASCII rules


@pytest.mark.parametrize("args", [["methods"], ["report"], [*COMPARE, "--json", "-"], [*COMPARE, "--csv", "-"]])
def test_a_closed_stdout_is_one_line_and_exit_2(args, results, tmp_path):
    args = [*args, str(results)] if args == ["report"] else args
    result = run_bytes(*args, stdout=None, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1), cwd=tmp_path)
    assert result.returncode == 2
    assert one_clean_line(result.stderr.decode()) == "gradbench: error: cannot write the output: stdout is closed"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("columns", ["0", "-3", "abc", "5", "", "9" * 15])
def test_a_nonsense_columns_falls_back_to_a_sane_width(columns):
    result = gradbench(*COMPARE, env={"COLUMNS": columns})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert sum(" backprop " in line for line in lines) >= 1 and any("rel.err" in line for line in lines)
    assert max(map(len, lines)) <= 140


NARROW = [{"COLUMNS": "80"}, {"COLUMNS": "80", "TERM": "dumb"}, {"COLUMNS": "80", "NO_COLOR": "1"}]


@pytest.mark.parametrize("env", NARROW)
@pytest.mark.parametrize("args", [COMPARE, ["methods"], ["train", "--epochs", "3"], ["reproduce", "--epochs", "2"],
                                  ["sweep", "--help"]])  # fmt: skip
def test_piped_output_fits_the_width_and_carries_no_trailing_spaces(args, env):
    result = gradbench(*args, env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines and max(map(len, lines)) <= 80, result.stdout
    assert not [line for line in lines if line.endswith(" ")] and "\x1b[" not in result.stdout


# --- diff: every row's shape checked once, every method accounted for ------------------------------


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("diff") / "old.json"
    assert gradbench(*COMPARE, "--json", str(path)).returncode == 0
    return path


def edited(baseline: Path, tmp_path: Path, edit) -> Path:
    doc = json.loads(baseline.read_text())
    doc["rows"] = edit(doc["rows"])
    path = tmp_path / "new.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda rows: [{**rows[0], "time_s": None}, *rows[1:]], "row 1: time_s is nan, not a positive finite time"),
    (lambda rows: [{**r, "time_s": 0.0} for r in rows], "row 1: time_s is 0.0, not a positive finite time"),
    (lambda rows: [*rows[:2], {**rows[2], "time_s": -1e-3}], "row 3: time_s is -0.001, not a positive finite"),
    (lambda rows: [{**r, "time_s": float("nan")} for r in rows], "row 1: time_s is nan"),
    (lambda rows: [1, 2], "row 1: it is 1, not an object"),
    (lambda rows: [{**rows[0], "method": ["backprop"]}], "row 1: method is ['backprop'], not text"),
    (lambda rows: [{**rows[0], "layers": "3"}], "row 1: layers is '3', not a whole number"),
    (lambda rows: [{**rows[0], "estimated": 1}], "row 1: estimated is 1, not true or false"),
    (lambda rows: [{k: v for k, v in rows[0].items() if k != "n_params"}], "row 1: it has no n_params"),
    (lambda rows: {"a": 1}, "is not a gradbench result: it has no list of rows"),
])  # fmt: skip
def test_diff_refuses_a_malformed_row_in_one_line_whichever_side_it_is_on(baseline, tmp_path, edit, message):
    bad = edited(baseline, tmp_path, edit)
    for old, new in ((baseline, bad), (bad, baseline)):
        result = gradbench("diff", str(old), str(new), "--fail-on", "10%")
        assert result.returncode == 2 and message in one_clean_line(result.stderr), result.stderr
        assert result.stdout == ""


def test_diff_names_the_methods_only_one_run_has(baseline, tmp_path):
    fewer = edited(baseline, tmp_path, lambda rows: [r for r in rows if r["method"] not in ("complex", "central")])
    result = gradbench("diff", str(baseline), str(fewer))
    assert result.returncode == 0, result.stderr
    assert f"! only in {baseline}, not compared: central, complex" in result.stdout
    assert "only in " + str(fewer) not in result.stdout
    result = gradbench("diff", str(fewer), str(baseline))
    assert f"! only in {baseline}, not compared: central, complex" in result.stdout


# --- report: files of the wrong shape, an empty accuracy, an --out that is an input, the links --------


@pytest.mark.parametrize("name, content, message", [
    ("compare.json", '{"rows": [1]}', "compare.json, row 1: it is 1, not an object"),
    ("compare.json", '{"rows": []}', "compare.json has no rows"),
    ("compare.json", "[1, 2]", "compare.json is not a gradbench result"),
    ("reproduce.json", '{"seed_accounting": [], "true_accounting": 1, "measured": {}}', "reproduce.json is not a"),
    ("reproduce.json", '{"seed_accounting": {}, "true_accounting": {"n_params": 3}, "measured": {}}', "no method"),
    ("reproduce.json", "[]", "reproduce.json is not a gradbench result"),
    ("bench.json", '{"targets": [1, {"measured": 1.0}]}', "its targets are not a list of objects"),
    ("bench.json", '{"targets": 5}', "its targets are not a list of objects"),
    ("bench.json", '{"targets": [{"name": "x", "measured": 1.0, "bound": "big", "kind": "max", "holds": true}]}',
     "bench.json is not a gradbench result"),
    ("accuracy.csv", "method,dtype,step,rel_error,kink\n", "accuracy.csv has no rows"),
    ("accuracy.csv", "", "accuracy.csv is not a gradbench result"),
    ("accuracy.csv", "x,y\n1,2\n", "accuracy.csv is not a gradbench result"),
])  # fmt: skip
def test_report_refuses_a_result_of_the_wrong_shape_in_one_line(tmp_path, name, content, message):
    (tmp_path / name).write_text(content)
    result = gradbench("report", str(tmp_path), "--out", str(tmp_path / "page.md"))
    assert result.returncode == 2 and message in one_clean_line(result.stderr), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


@pytest.mark.parametrize("name", ["sweep.csv", "sweep.csv.meta.json", "compare.json", "sweep.png", "sweep.svg"])
def test_report_never_writes_over_a_file_it_reads_or_links(results, name):
    before = (results / name).read_bytes()
    result = gradbench("report", str(results), "--out", str(results / name), "--force")
    assert result.returncode == 2 and "it is an input of this command" in one_clean_line(result.stderr)
    assert (results / name).read_bytes() == before


@pytest.mark.parametrize("page, link", [("report.md", "results/sweep.png"), ("results/README.md", "sweep.png"),
                                        ("docs/page.md", "../results/sweep.png")])  # fmt: skip
def test_report_links_the_pictures_relative_to_the_page(results, tmp_path, page, link):
    shutil.copytree(results, tmp_path / "results")
    (tmp_path / "docs").mkdir()
    result = gradbench("report", "results", "--out", page, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"![time per gradient against N]({link})" in (tmp_path / page).read_text()


# --- plot: its metadata sidecar, and what a crossing at the first point means ------------------------


@pytest.mark.parametrize("meta, message", [
    ("[1, 2]", "s.csv.meta.json is not a sweep's metadata (not a JSON object)"),
    ("{not json", "cannot read"),
    ('"a string"', "is not a sweep's metadata"),
])  # fmt: skip
def test_plot_refuses_a_malformed_metadata_sidecar_before_writing(tmp_path, complete, meta, message):
    csv = tmp_path / "s.csv"
    csv.write_bytes(complete.read_bytes())
    Path(f"{csv}.meta.json").write_text(meta)
    result = gradbench("plot", str(csv))
    assert result.returncode == 2 and message in one_clean_line(result.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.csv", "s.csv.meta.json"]


def test_plot_says_a_ratio_already_past_a_level_at_the_smallest_n_is_not_a_crossing(tmp_path, complete):
    table = pd.read_csv(complete, dtype=str, keep_default_na=False)
    table.loc[table["method"] == "forward", "time_ratio"] = "50.0"  # past 10x at every N
    csv = tmp_path / "s.csv"
    table.to_csv(csv, index=False)
    result = gradbench("plot", str(csv))
    assert result.returncode == 0, result.stderr
    smallest = table.loc[table["layers"] == "1", "n_params"].astype(int).min()
    line = next(line for line in result.stdout.splitlines() if line.startswith("forward (B=1 L=1)"))
    assert line.endswith(f"ratio to backprop is past 10x already at the smallest N measured ({smallest:,})"), line
    assert "10x at N ≈" not in line


# --- outputs: a file that appears meanwhile, an orphan sidecar, the default directory ---------------


def test_two_runs_writing_one_csv_without_force_never_both_succeed(tmp_path):
    runs = {seed: start("accuracy", "--seed", seed, "--csv", str(tmp_path / "same.csv")) for seed in ("1", "2")}
    ended = {seed: (proc.wait(timeout=120), proc.stderr.read()) for seed, proc in runs.items()}
    assert sorted(code for code, _ in ended.values()) == [0, 2], ended
    (winner,) = [seed for seed, (code, _) in ended.items() if code == 0]
    (loser_err,) = [err for code, err in ended.values() if code == 2]
    assert "appeared while this command ran" in one_clean_line(loser_err) or "exists" in loser_err
    meta = json.loads((tmp_path / "same.csv.meta.json").read_text())
    assert meta["spec"]["seed"] == int(winner) and len(pd.read_csv(tmp_path / "same.csv")) > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.csv", "same.csv.meta.json"]  # no temporary left


@pytest.mark.parametrize("force", [False, True])
def test_a_file_that_appears_after_the_check_is_kept_unless_forced(tmp_path, force):
    from gradbench.errors import GradbenchError
    from gradbench.io.files import check_writable, write_json

    out = tmp_path / "r.json"
    check_writable(out, force)
    out.write_text("someone else's")
    if force:
        write_json(out, {"mine": 1})
        assert json.loads(out.read_text()) == {"mine": 1}
    else:
        with pytest.raises(GradbenchError, match="appeared while this command ran: it was kept"):
            write_json(out, {"mine": 1})
        assert out.read_text() == "someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_without_hard_links_an_output_claims_its_name_exclusively(tmp_path, monkeypatch):
    from gradbench.errors import GradbenchError
    from gradbench.io import files

    def no_links(*args):
        raise PermissionError(1, "Operation not permitted")  # what a file system without hard links says

    monkeypatch.setattr(files.os, "link", no_links)
    mine, theirs = tmp_path / "mine.json", tmp_path / "theirs.json"
    files.check_writable(mine)
    files.write_json(mine, {"mine": 1})
    files.check_writable(theirs)
    theirs.write_text("someone else's")
    with pytest.raises(GradbenchError, match="appeared while this command ran"):
        files.write_json(theirs, {"mine": 1})
    assert json.loads(mine.read_text()) == {"mine": 1} and theirs.read_text() == "someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.json", "theirs.json"]


def test_a_sweep_csv_that_appears_after_the_check_is_kept(tmp_path):
    from gradbench.errors import GradbenchError
    from gradbench.measure.conditions import Conditions
    from gradbench.measure.run import Settings
    from gradbench.studies.sweep import Sweep, check, grid, run_sweep

    out = tmp_path / "s.csv"
    job = Sweep(out, grid([1], [2], [1], "sigmoid", "float64", 0), ["backprop"], Settings(0.02), {})
    check(job)
    out.write_text("someone else's")
    with pytest.raises(GradbenchError, match="appeared while this sweep started: it was kept"):
        run_sweep(job, Conditions.noted(1, 0, (), None))
    assert out.read_text() == "someone else's"


def test_a_fresh_sweep_refuses_an_orphan_metadata_file_like_every_command(tmp_path):
    orphan = tmp_path / "s.csv.meta.json"
    orphan.write_text('{"kept": true}')
    for args in (["sweep", *SMALL, "--csv"], ["sweep", *SMALL, "--resume", "--csv"], ["compare", "--csv"]):
        result = gradbench(*args, str(tmp_path / "s.csv"))
        assert result.returncode == 2 and "s.csv.meta.json exists: pass --force" in one_clean_line(result.stderr)
    assert orphan.read_text() == '{"kept": true}' and sorted(p.name for p in tmp_path.iterdir()) == [orphan.name]


@pytest.mark.parametrize("args, made", [
    (["sweep", "--layers", "1", "--hidden", "2,3", "--batch", "1", "--budget", "0.01"], "results/sweep.csv"),
    (["reproduce", "--epochs", "2", "--json", "results/reproduce.json"], "results/reproduce.json"),
    ([*COMPARE, "--csv", "results/c.csv"], "results/c.csv.meta.json"),
])  # fmt: skip
def test_the_default_results_directory_is_made_in_an_empty_directory(tmp_path, args, made):
    result = gradbench(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / made).is_file()


@pytest.mark.parametrize("path", ["out/r.json", "results/sub/r.json"])
def test_a_directory_the_user_typed_must_exist(tmp_path, path):
    result = gradbench(*COMPARE, "--json", path, cwd=tmp_path)
    assert result.returncode == 2 and "does not exist" in one_clean_line(result.stderr)
    assert list(tmp_path.iterdir()) == []


# --- train: stopped before its first epoch, or with its curve on stdout ------------------------------


def test_ctrl_c_before_the_first_epoch_ends_is_one_line_and_writes_nothing(tmp_path):
    """The interrupt is raised from the first gradient: Ctrl-C at that moment, without a race."""
    csv, js = tmp_path / "curve.csv", tmp_path / "curve.json"
    code = ("import gradbench.studies.train as t\n"
            "def interrupt(*args, **kwargs):\n    raise KeyboardInterrupt\n"
            "t.gradient = interrupt\n"
            "from gradbench.cli import main\n"
            f"main(['train', '--csv', {str(csv)!r}, '--json', {str(js)!r}])")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 130
    line = one_clean_line(result.stderr)
    assert line == "gradbench: interrupted after 0 of 300 epochs: no epoch finished, so nothing was written"
    assert re.search(r"epochs run\s+│\s+0 ", result.stdout) and re.search(r"train loss\s+│\s+- ", result.stdout)
    assert list(tmp_path.iterdir()) == []


def test_a_run_that_stops_with_its_curve_on_stdout_says_so():
    result = gradbench("train", "--optimizer", "sgd", "--lr", "1e6", "--csv", "-")
    assert result.returncode == 2 and "Traceback" not in result.stderr  # the table is on stderr, then the cause
    assert result.stderr.splitlines()[-1].endswith("the 5 finished epochs were written to stdout")
    assert list(pd.read_csv(io.StringIO(result.stdout))["epoch"]) == [1, 2, 3, 4, 5]


# --- numbers in units, a warning said once -----------------------------------------------------------


@given(st.floats(1e-10, 1e9))
def test_a_time_reads_in_a_unit_with_three_figures_never_in_e_notation(t):
    from gradbench.io.units import seconds

    assert re.fullmatch(r"[0-9,]+(\.[0-9]+)? (s|ms|µs|ns)", seconds(t)), seconds(t)


@given(st.integers(0, 2**50))
def test_a_size_reads_in_a_unit_never_as_a_bare_count(n):
    from gradbench.io.units import size

    assert re.fullmatch(r"[0-9,]+(\.[0-9]+)? (B|KiB|MiB|GiB)", size(n)), size(n)


def test_the_unit_formatter_reads_as_a_person_would():
    from gradbench.io.units import figures, seconds, size, sizes

    assert [seconds(1550.0), seconds(1.55), seconds(1.55e-3), seconds(33e-6)] == ["1,550 s", "1.55 s", "1.55 ms",
                                                                                  "33.0 µs"]  # fmt: skip
    assert [size(512), size(5_263_360), size(2**31)] == ["512 B", "5.02 MiB", "2.00 GiB"]
    assert sizes(229_810, 229_811) == ["224 KiB (229,810 bytes)", "224 KiB (229,811 bytes)"]  # never 'needs' itself
    assert sizes(2**20, 5_263_360) == ["1.00 MiB", "5.02 MiB"]
    assert [figures(2130.4), figures(1.054), figures(0.2591)] == ["2,130", "1.05", "0.259"]  # bench's ratios
    assert [figures(999.6), figures(999.4), figures(-1234.0)] == ["1,000", "999", "-1,234"]  # never 1e+03
    assert [seconds(999.7), seconds(0.9996), seconds(0.0009994), size(1023.9 * 2**20)] == [
        "1,000 s", "1.00 s", "999 µs", "1.00 GiB"]  # fmt: skip  # three figures that round up change unit


@pytest.mark.parametrize("args, message", [
    (["--memory", "4k"], "--memory 4.00 KiB is too small for forward at N = 330: it needs 22.0 KiB"),
    (["--methods", "forward-batched", "--hidden", "300", "--memory", "1MiB"], "--memory 1.00 MiB is too small"),
])  # fmt: skip
def test_a_memory_refusal_gives_both_sizes_in_units(args, message):
    result = gradbench("compare", *args)
    assert result.returncode == 2 and message in one_clean_line(result.stderr)
    assert re.search(r"needs (at least )?[0-9.,]+ (KiB|MiB|GiB)", result.stderr)


def test_a_step_below_the_resolution_is_warned_about_once_on_stderr():
    result = gradbench(*COMPARE, "--methods", "forward,central,complex", "--eps", "1e-30")
    assert result.returncode == 0, result.stderr
    assert "NaN" not in result.stdout and "rel.err" in result.stdout
    (warning,) = [line for line in result.stderr.splitlines() if "NaN or infinite" in line]
    assert warning.startswith("! forward, central: their gradients have NaN or infinite entries")
    assert "--eps 1e-30 is below float64's resolution" in warning


# --- bench --quick: the same targets and bounds as the full run, said to be quick -------------------


def test_bench_quick_measures_the_full_runs_targets_against_the_same_bounds(tmp_path):
    """Against the committed full run (results/bench.json, made on a machine with its core count and torch):
    the same targets, each with the same bound, in the same order; the verdicts may differ (noisier)."""
    from importlib.util import find_spec

    full = json.loads((Path(__file__).parents[1] / "results" / "bench.json").read_text())
    out = tmp_path / "quick.json"
    result = gradbench("bench", "--quick", "--json", str(out), timeout=300)
    assert result.returncode in (0, 1), result.stderr  # a bound may not hold on a busy machine
    assert "gradbench targets (--quick: a quarter of the rounds, at least three; noisier)" in result.stdout
    quick = json.loads(out.read_text())
    assert quick["metadata"]["quick"] is True and not full["metadata"].get("quick", False)

    def plan(doc: dict) -> list[tuple[str, float | None]]:
        cores = doc["metadata"]["cpu_count"]
        named = [(t["name"].replace(f"1 -> {cores} BLAS", "1 -> N BLAS"), t["bound"]) for t in doc["targets"]]
        torch, threads = find_spec("torch") is not None, (os.cpu_count() or 1) > 1  # else those are skipped
        return [(n, b) for n, b in named if (torch or "torch" not in n) and (threads or "BLAS threads" not in n)]

    assert plan(quick) == plan(full)


PLAIN = {"COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1", "PYTHONIOENCODING": "ascii"}


@pytest.mark.parametrize("args", [
    ["accuracy", "--hidden", "3"], ["sweep", *SMALL, "--csv", "{tmp}/s.csv"], ["plot", "{results}/sweep.csv", "--out",
    "{tmp}/p.png"], ["diff", "{baseline}", "{baseline}"], ["check"], ["report", "{results}"], ["methods"],
    ["fit", "{results}/sweep.csv"],
])  # fmt: skip
def test_every_command_reads_right_at_80_columns_in_a_pipe_to_an_ascii_only_dumb_terminal(args, results, baseline,
                                                                                         tmp_path):  # fmt: skip
    """(--help is click's, which writes UTF-8 to a stream declared ASCII: it is held to 80 columns above.)"""
    args = [a.format(tmp=tmp_path, results=results, baseline=baseline) for a in args]
    result = run_bytes(*args, env=PLAIN)
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    assert result.stdout.isascii() and result.stderr.isascii() and b"\x1b[" not in result.stdout + result.stderr
    lines = result.stdout.decode().splitlines()
    assert lines and not [line for line in lines if line.endswith(" ")]
    if args[0] != "report":  # markdown: its tables are not laid out to a terminal
        assert max(map(len, lines)) <= 80, result.stdout.decode()
