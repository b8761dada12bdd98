"""Training: the gradient method changes the cost, not the result; counts add up over the run;
divergence and over-budget runs are refused cleanly."""

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from gradbench import Spec, predict
from gradbench.model.data import GENERATORS, load
from gradbench.studies.optim import Hyper
from gradbench.studies.train import TrainConfig, train

RTOL_CURVE = 1e-6


def test_backprop_and_central_difference_give_the_same_loss_curve():
    data = load("two-moons", 120, seed=4)
    spec = Spec(layers=2, hidden=6, seed=4)
    curves = {
        m: [e.train_loss for e in train(spec, data, TrainConfig(m, "momentum", Hyper(lr=0.05), 25, 30)).history]
        for m in ("backprop", "central")
    }
    assert np.allclose(curves["central"], curves["backprop"], rtol=RTOL_CURVE, atol=0)
    assert curves["backprop"][-1] < curves["backprop"][0]  # it did learn


def test_run_counts_are_the_sum_of_its_steps():
    data = load("regression", 40, seed=2)  # 30 train samples: batches of 8, 8, 8, 6
    result = train(Spec(layers=2, hidden=5), data, TrainConfig("forward", "sgd", Hyper(lr=0.01), epochs=3, batch=8))
    spec = result.spec
    per_epoch = predict("forward", replace(spec, batch=8)) * 3 + predict("forward", replace(spec, batch=6))
    assert result.steps == 12
    assert result.counts == per_epoch * 3
    assert result.counts.forward_passes == 12 * (spec.n_params + 1)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_datasets_are_seeded_and_split(name):
    a, b = load(name, 100, seed=5), load(name, 100, seed=5)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.Y_test, b.Y_test)
    assert len(a.X_train) == 75 and len(a.X_test) == 25
    assert not np.array_equal(load(name, 100, seed=6).X_train, a.X_train)


def test_cli_train_writes_curve_and_totals(cli, tmp_path):
    csv, js = tmp_path / "curve.csv", tmp_path / "run.json"
    code, out, err = cli("train", "--epochs", "5", "--hidden", "4", "--csv", str(csv), "--json", str(js))
    assert code == 0, err
    assert "test accuracy" in out and "matmuls" in out
    curve = pd.read_csv(csv)
    assert list(curve["epoch"]) == [1, 2, 3, 4, 5]
    doc = json.loads(js.read_text())
    assert doc["totals"]["forward_passes"] == doc["totals"]["steps"] == 5 * 5
    assert len(doc["history"]) == 5


def test_divergence_stops_with_the_epoch_and_keeps_the_curve(cli, tmp_path):
    csv = tmp_path / "curve.csv"
    code, _, err = cli("train", "--optimizer", "sgd", "--lr", "1e6", "--epochs", "50", "--csv", str(csv))
    assert code == 2
    assert "diverged at epoch" in err and len(err.strip().splitlines()) == 1
    curve = pd.read_csv(csv)
    assert 1 <= len(curve) < 50
    assert not np.isfinite(curve["train_loss"].iloc[-1])


def test_over_budget_numeric_training_is_refused_with_the_override(cli):
    code, _, err = cli("train", "--gradient", "central", "--epochs", "100000", "--budget", "1")
    assert code == 2
    assert "predicted to take" in err and "--budget" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--optimizer", "lbfgs"], "--optimizer: 'lbfgs' is not one of sgd"),
        (["--dataset", "mnist"], "Invalid value for '--dataset'"),
        (["--gradient", "symbolic"], "unknown method 'symbolic'"),
        (["--optimizer", "adam:beta2=1.5"], "--optimizer: beta2 must be in [0, 1)"),
        (["--optimizer", "adam:gamma=0.5"], "--optimizer: cannot read 'gamma=0.5'"),
        (["--optimizer", "momentum:momentum=abc"], "--optimizer: momentum must be a number"),
        (["--lr", "0"], "--lr must be a positive finite number"),
        (["--lr", "-0.1"], "--lr must be a positive finite number"),
        (["--epochs", "0"], "Invalid value for '--epochs'"),
    ],
)
def test_train_bad_input(cli, args, message):
    code, _, err = cli("train", *args)
    assert code == 2 and message in err and "Traceback" not in err
