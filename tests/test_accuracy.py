"""The accuracy of the numeric methods, as the textbook has it (Martins, Sturdza & Alonso 2003): the
error falls as h^p on the truncation side (p = 1 forward, 2 central, 4 Richardson) and rises as 1/h on
the round-off side; the complex step stays at round-off down to h = 1e-200; the best steps sit near
eps^(1/(p+1)); and ReLU's kinks are named when a step straddles one."""

import math

import pandas as pd
import pytest

from gradbench import Spec
from gradbench.methods.registry import METHODS
from gradbench.studies.accuracy import measure, summarize

SPEC = Spec(layers=3, hidden=10)


@pytest.fixture(scope="module")
def smooth():
    points = measure(SPEC)
    return points, {(s.method, s.dtype): s for s in summarize(SPEC, points)}


@pytest.mark.parametrize("method", ["forward", "central", "richardson"])
def test_truncation_and_round_off_slopes_in_float64(smooth, method):
    s = smooth[1][(method, "float64")]
    assert s.truncation_slope == pytest.approx(METHODS[method].order, abs=0.15)
    assert s.roundoff_slope == pytest.approx(-1, abs=0.15)


@pytest.mark.parametrize("method", ["forward", "central", "richardson"])
def test_the_best_step_is_near_the_textbook_optimum_and_the_default_near_the_best(smooth, method):
    s = smooth[1][(method, "float64")]
    assert 1 / 30 < s.best_step / s.textbook_step < 30
    assert s.default_error < 10 * s.best_error and s.note == "default step near the optimum"


def test_the_complex_step_is_exact_down_to_the_smallest_steps(smooth):
    points, summaries = smooth
    tail = [p for p in points if p.method == "complex" and p.dtype == "float64" and p.step <= 1e-8]
    assert min(p.step for p in tail) <= 1e-200
    assert max(p.rel_error for p in tail) < 1e-14
    assert summaries[("complex", "float64")].truncation_slope == pytest.approx(2, abs=0.2)


def test_float32_is_judged_against_the_float64_gradient(smooth):
    """Its best errors are float32's round-off, far above float64's, and are reported as such."""
    s = smooth[1]
    for method in ("forward", "central", "richardson", "complex"):
        assert s[(method, "float32")].best_error > 100 * s[(method, "float64")].best_error
    assert 1e-8 < s[("complex", "float32")].best_error < 1e-5  # about float32's eps


def test_a_relu_kink_is_named_when_a_step_straddles_it():
    spec = Spec(layers=3, hidden=10, activation="relu")
    points = measure(spec)
    summaries = {(s.method, s.dtype): s for s in summarize(spec, points)}
    kink = summaries[("central", "float64")].kink_step
    assert kink is not None and 0 < kink < 1
    assert all(p.kink == (p.step >= kink) for p in points if p.dtype == "float64")
    straddled = summaries[("richardson", "float32")]  # its default step, 4.1e-2, is past this seed's kink
    assert straddled.default_step >= kink and "straddles a ReLU kink" in straddled.note
    assert all(s.kink_step is None for s in summarize(SPEC, measure(SPEC, dtypes=("float64",))))


def test_cli_accuracy_writes_the_table_the_csv_and_the_v_curves(cli, tmp_path):
    csv, png = tmp_path / "v.csv", tmp_path / "v.png"
    code, out, err = cli("accuracy", "--hidden", "4", "--csv", str(csv), "--plot", str(png))
    assert code == 0, err
    frame = pd.read_csv(csv)
    assert set(frame["method"]) == {"forward", "central", "richardson", "complex"}
    assert set(frame["dtype"]) == {"float64", "float32"} and frame["step"].min() <= 1e-200
    assert png.stat().st_size > 20_000 and png.with_suffix(".svg").is_file()
    assert "best h" in out and "richardson" in out and math.isfinite(frame["rel_error"].iloc[0])
