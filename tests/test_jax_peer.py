"""JAX as a second outside reference: our backprop equals jax.grad (jit-compiled) for many shapes and
every activation; the compare row reports its compile time apart from its per-gradient time."""

import json

import pytest
from hypothesis import given, settings
from shapes import mlp_specs

from gradbench import MLP, gradient, relative_error
from gradbench.peers import JAX

pytest.importorskip("jax", reason="jax is optional: pip install -e '.[jax]'")

from gradbench.peers.jax import gradient_fn

specs = mlp_specs(hidden=8, outputs=4, batch=5, activations=("sigmoid", "tanh", "relu"), bias=(True, False))


@settings(max_examples=10)  # each example compiles: keep it short
@given(spec=specs)
def test_backprop_equals_jax_grad(spec):
    model = MLP.build(spec)
    assert relative_error(gradient(model, "backprop").gradient, gradient_fn(model)()) < JAX.rtol


def test_compare_adds_a_jax_row_with_its_compile_time(cli):
    code, out, err = cli("compare", "--hidden", "4", "--methods", "backprop", "--peer", "jax", "--budget", "0.1",
                         "--json", "-")  # fmt: skip
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert [r["method"] for r in rows] == ["backprop", "jax"]
    assert rows[1]["rel_error"] < JAX.rtol and "compiled in" in rows[1]["counts_from"]
