"""`gradbench fit`: cost ∝ L^a·H^b·B^c recovered from synthetic grids with known exponents (exactly without
noise, within its intervals at about the nominal rate with noise), and on a real grid the counted FLOPs'
exponents equal the cost model's there, which approach the leading order as the sizes grow."""

import itertools
import json
import math

import numpy as np
import pytest

from gradbench import MLP, Spec, gradient
from gradbench.measure.records import Measurement
from gradbench.studies.fit import AXES, fit_rows, fit_sweep, power_law, theory

REPLICATIONS = 200
COVERAGE_BAND = (0.90, 0.99)
TRUE = {"layers": 1.3, "hidden": 2.2, "batch": 0.7}  # not whole: nothing can be guessed


def row(method, layers, hidden, batch, flops=1, time_s=1.0, estimated=False):
    """A sweep row with what a fit reads; the rest are placeholders."""
    spec = {"layers": layers, "hidden": hidden, "inputs": hidden, "outputs": hidden, "batch": batch,
            "activation": "sigmoid", "dtype": "float64", "seed": 0}  # fmt: skip
    return Measurement(method=method, **spec, n_params=1, forward_passes=1, backward_passes=0, matmuls=1, adds=1,
                       multiplies=1, funcs=1, matmul_flops=flops, flops=flops, counts_from="run", time_s=time_s,
                       time_q1_s=time_s, time_q3_s=time_s, time_min_s=time_s, time_max_s=time_s, time_mean_s=time_s,
                       time_stdev_s=0.0, rounds=9, estimated=estimated, sampled=1, time_ratio=1.0,
                       predicted_ratio=1.0, rel_error=0.0)  # fmt: skip


GRID = list(itertools.product([2, 4, 8], [16, 32, 64], [1, 8]))  # the grid: 18 points


def synthetic(rng=None, sigma=0.0):
    """time = 3e-6 L^1.3 H^2.2 B^0.7, times lognormal noise of `sigma`."""
    rows = []
    for L, H, B in GRID:
        noise = math.exp(rng.normal(0.0, sigma)) if sigma else 1.0
        t = 3e-6 * L ** TRUE["layers"] * H ** TRUE["hidden"] * B ** TRUE["batch"] * noise
        rows.append(row("forward", L, H, B, time_s=t))
    return rows


def test_an_exact_power_law_is_recovered_exactly():
    f = fit_rows(synthetic(), "time")
    for axis, true in TRUE.items():
        e = f.exponents[axis]
        assert e.value == pytest.approx(true, abs=1e-9)
        assert e.low == pytest.approx(true, abs=1e-9) and e.high == pytest.approx(true, abs=1e-9)
    assert f.rms == pytest.approx(0.0, abs=1e-9) and f.at({"layers": 1, "hidden": 1, "batch": 1}) == pytest.approx(3e-6)


def test_with_noise_each_interval_covers_its_true_exponent_at_about_95_percent():
    rng = np.random.default_rng(4)
    hits = dict.fromkeys(AXES, 0)
    for _ in range(REPLICATIONS):
        f = fit_rows(synthetic(rng, sigma=0.05), "time")
        for axis, true in TRUE.items():
            hits[axis] += f.exponents[axis].low <= true <= f.exponents[axis].high
    for axis, count in hits.items():
        assert COVERAGE_BAND[0] <= count / REPLICATIONS <= COVERAGE_BAND[1], (axis, count)


def test_only_the_axes_the_grid_varies_are_fitted_and_too_few_points_give_no_interval():
    rows = [r for r in synthetic() if r.batch == 1]
    assert set(fit_rows(rows, "time").exponents) == {"layers", "hidden"}
    slopes, low, high, _, _ = power_law(np.log([[2.0], [4.0], [8.0]]), np.log([1.0, 2.1, 3.9]))
    assert math.isfinite(slopes[0]) and math.isnan(low[0]) and math.isnan(high[0])  # 3 points, 2 parameters


REAL = list(itertools.product([2, 3, 4], [4, 8, 16], [1, 2]))


@pytest.mark.parametrize("method", ["forward", "backprop", "forward-batched", "backprop-checkpoint"])
def test_on_a_real_grid_the_counted_flops_give_the_cost_models_exponents(method):
    """Each point's FLOPs counted while the gradient ran; fitted, they equal the cost model's fit at the same
    points, and differ from the leading order (forward L²·H⁴·B, backprop L·H²·B) by lower-order terms, which
    fade as the sizes grow: on a grid four to eight times larger each gap at least halves or is under 0.1
    (checkpointing's √L segments fade slowly), and for the forward difference and backprop is under 0.05.
    The batched methods' suffix has L - l - 2 matmuls, so at L = 2..4 their L-exponent on the grid is 3.1."""
    rows = [row(method, L, H, B, flops=gradient(MLP.build(Spec(layers=L, hidden=H, batch=B)), method).counts.flops)
            for L, H, B in REAL]  # fmt: skip
    fitted, model = fit_rows(rows, "flops"), theory(method, rows)
    leading = {"layers": 2.0, "hidden": 4.0, "batch": 1.0} if "forward" in method else dict.fromkeys(AXES, 1.0)
    leading["hidden"] = 4.0 if "forward" in method else 2.0
    assert model.leading == leading
    large = theory(method, [row(method, 4 * L, 8 * H, 4 * B) for L, H, B in REAL])
    for axis in AXES:
        assert fitted.exponents[axis].value == pytest.approx(model.on_grid[axis], abs=1e-9)
        small_gap, large_gap = abs(model.on_grid[axis] - leading[axis]), abs(large.on_grid[axis] - leading[axis])
        assert large_gap <= max(small_gap / 2, 0.1), (axis, small_gap, large_gap)
        if method in ("forward", "backprop"):
            assert large_gap <= 0.05, (axis, large_gap)


def test_every_registered_method_has_whole_leading_exponents():
    from gradbench.methods.registry import METHODS

    for method in METHODS:
        leading = theory(method, [row(method, L, H, B) for L, H, B in REAL]).leading
        assert all(e == round(e) for e in leading.values()), (method, leading)


def test_fit_prints_the_exponents_and_writes_json_and_plot_draws_the_slices(cli, tmp_path):
    out = tmp_path / "s.csv"
    grid = ["--layers", "1,2", "--hidden", "3,4,6", "--batch", "1,2", "--methods", "forward,backprop"]
    grid += ["--budget", "0.01"]
    assert cli("sweep", *grid, "--out", str(out))[0] == 0
    code, text, err = cli("fit", str(out), "--json", str(tmp_path / "f.json"))
    assert code == 0, err
    assert "L²·H⁴·B" in text and "L·H²·B" in text and "forward: time ∝ L^" in text
    doc = json.loads((tmp_path / "f.json").read_text())
    fits = {(f["method"], f["quantity"]): f for f in doc["fits"]}
    assert set(fits) == {(m, q) for m in ("forward", "backprop") for q in ("flops", "time")}
    assert set(fits["forward", "flops"]["exponents"]) == {"layers", "hidden", "batch"}
    assert fits["forward", "time"]["points"] == 12
    code, _, err = cli("plot", str(out), "--fit")
    assert code == 0, err
    assert (tmp_path / "s-fit.png").stat().st_size > 0 and (tmp_path / "s-fit.svg").is_file()


def test_fit_refuses_a_sweep_of_one_size(cli, tmp_path):
    out = tmp_path / "s.csv"
    assert cli("sweep", "--layers", "2", "--hidden", "3", "--batch", "1", "--methods", "forward", "--budget", "0.01",
               "--out", str(out))[0] == 0  # fmt: skip
    code, _, err = cli("fit", str(out))
    assert code == 2 and "one size" in err


def test_fit_sweep_gives_a_peer_no_cost_model():
    rows = synthetic() + [row("torch", L, H, B, time_s=L * H * 1e-6) for L, H, B in GRID]
    fits, theories = fit_sweep(rows)
    assert {f.method for f in fits} == {"forward", "torch"} and [t.method for t in theories] == ["forward"]
