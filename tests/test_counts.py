"""Counted operations equal the closed-form cost model, for every method and many shapes."""

from hypothesis import given
from hypothesis import strategies as st
from shapes import mlp_specs

from gradbench import METHODS, MLP, Spec
from gradbench.costs import backward_pass, forward_pass, predict

specs = mlp_specs(layers=5, hidden=7, inputs=5, batch=4,
                  activations=("sigmoid", "tanh", "relu"), bias=(True, False))


@given(spec=specs)
def test_counted_equals_predicted_for_every_method(spec):
    model = MLP.build(spec)
    for method in METHODS:
        _, counted = model.gradient(method)
        assert counted == predict(method, spec), method


def test_seed_network_pass_counts():
    """L=3, H=10: N = 330; forward difference 331 passes; central 660; backprop 1 + 1."""
    spec = Spec(layers=3, hidden=10)
    assert spec.n_params == 330
    model = MLP.build(spec)
    assert model.gradient("forward")[1].forward_passes == 331
    assert model.gradient("central")[1].forward_passes == 660
    bp = model.gradient("backprop")[1]
    assert (bp.forward_passes, bp.backward_passes) == (1, 1)


def test_backprop_matmuls_three_forward_five_backward():
    """dW for every layer, dX for all but the first: 3 + 5 matmuls for L = 3."""
    spec = Spec(layers=3, hidden=10)
    assert forward_pass(spec).matmuls == 3
    assert backward_pass(spec).matmuls == 5
    assert MLP.build(spec).gradient("forward")[1].matmuls == 331 * 3


def test_matmul_flops_are_2mkn():
    spec = Spec(layers=2, hidden=7, inputs=3, outputs=2, batch=5)
    _, c = MLP.build(spec).gradient("backprop")
    fwd = 2 * 5 * (3 * 7 + 7 * 2)
    bwd = 2 * 5 * (3 * 7 + 7 * 2) + 2 * 5 * 7 * 2  # dW for both layers, dX for the second
    assert c.matmul_flops == fwd + bwd


def test_backprop_flop_ratio_large_layers_tends_to_eleven_quarters():
    """L=4, H=512, B=256: forward+backward matmul FLOPs / forward's = (4 + 7) / 4."""
    spec = Spec(layers=4, hidden=512, batch=256)
    f, b = forward_pass(spec), backward_pass(spec)
    assert (f.matmul_flops + b.matmul_flops) / f.matmul_flops == 11 / 4


@given(spec=specs, memory=st.sampled_from([1, 2_000, 2**30]))
def test_batched_counts_equal_the_model_for_any_chunking(spec, memory):
    model = MLP.build(spec)
    for method in ("forward-batched", "central-batched"):
        _, counted = model.gradient(method, memory=memory)
        assert counted == predict(method, spec, memory=memory), method


def test_batched_does_the_same_loss_evaluations_with_fewer_matmuls():
    spec = Spec(layers=3, hidden=10)
    model = MLP.build(spec)
    loop, batched = model.gradient("forward")[1], model.gradient("forward-batched")[1]
    assert batched.forward_passes == loop.forward_passes == 331
    assert batched.matmuls < loop.matmuls / 100
    assert batched.matmul_flops < loop.matmul_flops / 2  # the unperturbed prefix is shared
