"""`gradbench reproduce`: the seeds' figures, the true ones from the cost model, and real runs whose
counters match the model's prediction for exactly those runs."""

import json
from dataclasses import replace

import pytest

from gradbench import predict
from gradbench.methods import BACKPROP, CENTRAL, FORWARD
from gradbench.studies.reproduce import SEED_EPOCHS, SEED_SPEC, measured, seed_004, seed_accounting, true_accounting

# The seeds' own numbers (000 and 004).
SEED_NUMERIC_EVALUATIONS, SEED_BACKPROP_EVALUATIONS = 12_000, 2_000
SEED_WRITTEN_MATMULS = 72_000  # 000's figure, which counts each evaluation twice
SEED_004_PARAMS, SEED_004_ORDER = 100_000, 10**10


def test_seed_accounting_reproduces_the_seeds_figures():
    s = seed_accounting(layers=SEED_SPEC.layers, epochs=SEED_EPOCHS)
    assert (s["numeric_evaluations"], s["backprop_evaluations"]) == (
        SEED_NUMERIC_EVALUATIONS,
        SEED_BACKPROP_EVALUATIONS,
    )
    assert s["seed_written_numeric_matmuls"] == SEED_WRITTEN_MATMULS
    assert s["numeric_matmuls"] == SEED_WRITTEN_MATMULS // 2  # each evaluation counted once


def test_true_accounting_is_the_cost_model_times_the_epochs():
    t = true_accounting(SEED_SPEC, epochs=SEED_EPOCHS)
    assert t["n_params"] == SEED_SPEC.n_params
    for method in (FORWARD, CENTRAL, BACKPROP):
        one = predict(method.name, SEED_SPEC)
        assert t[method.name]["passes"] == (one.forward_passes + one.backward_passes) * SEED_EPOCHS
        assert t[method.name]["matmuls"] == one.matmuls * SEED_EPOCHS
    assert t[FORWARD.name]["per_gradient"] == f"N+1 = {SEED_SPEC.n_params + 1:,}"
    assert t[CENTRAL.name]["per_gradient"] == f"2N = {2 * SEED_SPEC.n_params:,}"
    # backprop does the seeds' 2 evaluations per epoch
    assert t[BACKPROP.name]["passes"] == SEED_BACKPROP_EVALUATIONS


def test_measured_runs_count_what_the_model_predicts_for_that_batch():
    epochs, samples = 7, 5
    run = measured(SEED_SPEC, epochs, samples=samples, lr=0.1)
    predicted = true_accounting(replace(SEED_SPEC, batch=samples), epochs)
    for method in (FORWARD.name, BACKPROP.name):
        for field in ("passes", "matmuls", "flops"):
            assert run[method][field] == predicted[method][field], (method, field)
    assert run[FORWARD.name]["final_train_loss"] == pytest.approx(run[BACKPROP.name]["final_train_loss"], rel=1e-6)


def test_seed_004_counts_n_times_n_plus_one_multiplications():
    s = seed_004(target=SEED_004_PARAMS)
    N = s["small_n_params"]
    assert s["small_forward_multiplications"] == N
    assert s["small_step_multiplications"] == s["small_cost_model"] == N * (N + 1)  # counted, modelled, seed
    assert s["holds"]
    assert s["target_step_multiplications"] == pytest.approx(SEED_004_ORDER, rel=1e-4)


def test_cli_reproduce_prints_the_seed_figures(cli, tmp_path):
    out_json = tmp_path / "r.json"
    code, out, err = cli("reproduce", "--epochs", "3", "--json", str(out_json))
    assert code == 0, err
    for figure in (SEED_NUMERIC_EVALUATIONS, SEED_BACKPROP_EVALUATIONS, SEED_WRITTEN_MATMULS // 2,
                   SEED_WRITTEN_MATMULS, SEED_004_PARAMS * (SEED_004_PARAMS + 1)):  # fmt: skip
        assert f"{figure:,}" in out
    assert f"N+1 = {SEED_SPEC.n_params + 1}" in out
    assert "= model at 3 epochs" in out and " NO " not in out
    doc = json.loads(out_json.read_text())
    assert doc["measured"][FORWARD.name]["passes"] == doc["measured_predicted"][FORWARD.name]["passes"]
    assert doc["measured"][FORWARD.name]["flops"] == doc["measured_predicted"][FORWARD.name]["flops"]
    assert doc["seed_accounting"]["numeric_evaluations"] == SEED_NUMERIC_EVALUATIONS
