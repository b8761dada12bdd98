"""`gradbench reproduce`: the seeds' figures, the true ones, and real runs whose counters match."""

import json

import pytest

from gradbench import Spec
from gradbench.cli import main
from gradbench.reproduce import measured, seed_004, seed_accounting, true_accounting


def test_seed_accounting_is_12000_against_2000():
    s = seed_accounting(layers=3, epochs=1000)
    assert (s["numeric_evaluations"], s["backprop_evaluations"]) == (12_000, 2_000)
    assert s["numeric_matmuls"] == 36_000
    assert s["seed_written_numeric_matmuls"] == 72_000  # the seed's double count


def test_true_accounting_per_parameter():
    t = true_accounting(Spec(layers=3, hidden=10), epochs=1000)
    assert t["n_params"] == 330
    assert t["forward"]["passes"] == 331_000
    assert t["central"]["passes"] == 660_000
    assert t["backprop"]["passes"] == 2_000
    assert t["forward"]["matmuls"] == 331_000 * 3
    assert t["backprop"]["matmuls"] == 1000 * (3 + 5)


def test_measured_runs_count_what_the_model_predicts():
    spec, epochs = Spec(layers=3, hidden=10), 7
    run, predicted = measured(spec, epochs, samples=5, lr=0.1), true_accounting(spec, epochs)
    for method in ("forward", "backprop"):
        assert run[method]["passes"] == predicted[method]["passes"]
        assert run[method]["matmuls"] == predicted[method]["matmuls"]
    assert run["forward"]["final_train_loss"] == pytest.approx(run["backprop"]["final_train_loss"], rel=1e-6)


def test_seed_004_counts_n_times_n_plus_one_multiplications():
    s = seed_004()
    N = s["small_n_params"]
    assert s["small_forward_multiplications"] == N
    assert s["small_step_multiplications"] == N * (N + 1)
    assert s["target_step_multiplications"] == 10_000_100_000


def test_cli_reproduce_prints_the_seed_figures(capsys, tmp_path):
    out_json = tmp_path / "r.json"
    with pytest.raises(SystemExit) as e:
        main(["reproduce", "--epochs", "3", "--json", str(out_json)])
    out, _ = capsys.readouterr()
    assert e.value.code == 0
    for figure in ("12,000", "2,000", "36,000", "72,000", "10,000,100,000", "N+1 = 331"):
        assert figure in out
    assert "= model at 3 epochs" in out and " NO " not in out
    doc = json.loads(out_json.read_text())
    assert doc["measured"]["forward"]["passes"] == doc["measured_predicted"]["forward"]["passes"] == 3 * 331
    assert doc["seed_accounting"]["numeric_evaluations"] == 12_000
