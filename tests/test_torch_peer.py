"""PyTorch as the outside reference: our backprop equals torch.autograd, and our matmul FLOPs equal
torch.utils.flop_counter's, for many shapes and every activation."""

import pytest
from hypothesis import given
from shapes import mlp_specs

from gradbench import MLP, Spec, gradient, relative_error
from gradbench.methods.costs import backward_pass, forward_pass
from gradbench.peers import TORCH

torch = pytest.importorskip("torch", reason="torch is optional: pip install -e '.[torch]' (CI installs it)")

from gradbench.peers.torch import flops as torch_flops
from gradbench.peers.torch import gradient_fn as torch_gradient_fn

RTOL_TORCH = TORCH.rtol

specs = mlp_specs(hidden=12, outputs=5, batch=6, activations=("sigmoid", "tanh", "relu"), bias=(True, False))


@given(spec=specs)
def test_backprop_equals_torch_autograd(spec):
    model = MLP.build(spec)
    ours, _ = gradient(model, "backprop")
    assert relative_error(ours, torch_gradient_fn(model)()) < RTOL_TORCH


@given(spec=specs)
def test_matmul_flops_equal_torch_flop_counter(spec):
    model = MLP.build(spec)
    torch_forward, torch_both = torch_flops(model)
    _, counted = gradient(model, "backprop")
    assert forward_pass(spec).matmul_flops == torch_forward
    assert counted.matmul_flops == torch_both
    assert torch_both - torch_forward == backward_pass(spec).matmul_flops


def test_float32_gradient_matches_torch_in_single_precision():
    model = MLP.build(Spec(layers=3, hidden=16, batch=8, dtype="float32"))
    ours, _ = gradient(model, "backprop")
    theirs = torch_gradient_fn(model)()
    assert theirs.dtype == ours.dtype
    assert relative_error(ours, theirs) < 1e-5


def test_compare_adds_a_torch_row(capsys):
    from gradbench.cli import main

    with pytest.raises(SystemExit) as e:
        main(["compare", "--methods", "backprop", "--peer", "torch", "--budget", "0.2", "--json", "-"])
    import json

    rows = json.loads(capsys.readouterr().out)["rows"]
    assert e.value.code == 0
    assert [r["method"] for r in rows] == ["backprop", "torch"]
    assert rows[1]["rel_error"] < RTOL_TORCH
    assert rows[1]["matmul_flops"] == rows[0]["matmul_flops"]
