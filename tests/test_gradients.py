"""Every method computes the same gradient: against backprop, against PyTorch-free closed forms,
and along random directions (two forward passes check the whole vector, as HIPS/autograd does)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapes import mlp_specs

from gradbench import METHODS, MLP, GradbenchError, Spec, gradient, relative_error
from gradbench.methods import SAMPLEABLE

# The agreement bounds with backprop, float64, smooth activations.
RTOL = {"central": 1e-8, "complex": 1e-13, "forward-mode": 1e-13, "forward": 1e-5}

specs = mlp_specs()


@given(spec=specs)
def test_every_method_agrees_with_backprop(spec):
    model = MLP.build(spec)
    reference, _ = model.gradient("backprop")
    for method, rtol in RTOL.items():
        g, _ = model.gradient(method)
        assert relative_error(g, reference) < rtol, method


@given(spec=specs, direction_seed=st.integers(0, 2**31))
def test_backprop_matches_directional_derivative(spec, direction_seed):
    """g . v equals a central difference of L along v (a check independent of the methods' loops)."""
    model = MLP.build(spec)
    g, _ = model.gradient("backprop")
    v = np.random.default_rng(direction_seed).standard_normal(model.n_params)
    theta, h = model.theta.copy(), 1e-5
    model.set_params(theta + h * v)
    up = model.loss()
    model.set_params(theta - h * v)
    down = model.loss()
    model.set_params(theta)
    assert np.isclose(g @ v, (up - down) / (2 * h), rtol=1e-6, atol=1e-9)


def test_single_layer_gradient_has_closed_form():
    """One affine layer, MSE: dL/dW = 2/n X^T (XW + b - Y), dL/db = 2/n sum(XW + b - Y)."""
    model = MLP.build(Spec(layers=1, hidden=3, inputs=4, outputs=3, batch=5, seed=7))
    (W,), (b,), X, Y = model.W, model.b, model.X, model.Y
    R = X @ W + b - Y
    expected = np.concatenate([(2 / R.size * X.T @ R).ravel(), 2 / R.size * R.sum(0)])
    g, _ = model.gradient("backprop")
    assert relative_error(g, expected) < 1e-14


@pytest.mark.parametrize("method", list(RTOL))
def test_relu_network_gradient(method):
    """Away from the kinks (this seed has no pre-activation within a step of 0) relu is smooth."""
    model = MLP.build(Spec(layers=3, hidden=8, batch=4, activation="relu", seed=3))
    reference, _ = model.gradient("backprop")
    g, _ = model.gradient(method)
    assert relative_error(g, reference) < RTOL[method]


@pytest.mark.parametrize("method", [m for m in METHODS if m != "backprop"])
def test_parameters_are_restored_after_every_perturbation(method):
    model = MLP.build(Spec(layers=2, hidden=5, batch=3))
    before = model.theta.copy()
    model.gradient(method)
    assert np.array_equal(model.theta, before)


def test_views_share_memory_with_the_flat_vector():
    model = MLP.build(Spec(layers=3, hidden=4))
    model.theta[0] = 123.0
    assert model.W[0][0, 0] == 123.0
    assert all(np.shares_memory(w, model.theta) for w in model.W)


def test_float32_gradients_agree_to_single_precision():
    model = MLP.build(Spec(layers=3, hidden=10, batch=4, dtype="float32", seed=1))
    reference, _ = model.gradient("backprop")
    assert reference.dtype == np.float32
    assert relative_error(model.gradient("central")[0], reference) < 1e-2
    assert relative_error(model.gradient("complex")[0], reference) < 1e-5


@pytest.mark.parametrize("method", sorted(SAMPLEABLE))
def test_sampled_indices_compute_only_those_entries(method):
    model = MLP.build(Spec(layers=2, hidden=6, batch=3))
    full, _ = model.gradient(method)
    idx = np.array([0, 5, 17, 40, model.n_params - 1])
    part, counts = model.gradient(method, indices=idx)
    assert relative_error(part[idx], full[idx]) < 1e-9
    assert np.isnan(np.delete(part, idx)).all()
    evaluations = {"central": 2, "central-batched": 2}.get(method, 1) * len(idx)
    assert counts.forward_passes == evaluations + (method in ("forward", "forward-batched"))


def test_user_step_is_used_absolutely():
    """--eps 1e-2 on a forward difference gives an O(h) error far larger than the default's."""
    model = MLP.build(Spec(layers=2, hidden=5, batch=2))
    reference, _ = model.gradient("backprop")
    coarse = relative_error(model.gradient("forward", eps=1e-2)[0], reference)
    fine = relative_error(model.gradient("forward")[0], reference)
    assert coarse > 100 * fine


def test_unknown_method_is_refused():
    with pytest.raises(GradbenchError, match="unknown method"):
        gradient(MLP.build(Spec(layers=1, hidden=2)), "symbolic")


def loop_losses(model, idx, delta):
    """L(theta + delta_i e_i) the plain way: perturb in place, evaluate, restore."""
    out = []
    for i, d in zip(idx, delta):
        t = model.theta[i]
        model.theta[i] = t + d
        out.append(model.loss())
        model.theta[i] = t
    return np.array(out)


@given(spec=specs, memory=st.sampled_from([1, 5_000, 2**30]))
def test_batched_evaluates_the_same_perturbed_losses_as_the_loop(spec, memory):
    from gradbench.batched import perturbed_losses
    from gradbench.ops import Counter

    model = MLP.build(spec)
    idx = np.arange(model.n_params)
    theta = model.theta.copy()
    delta = ((theta + 1e-3) - theta) * np.where(idx % 2, 1, -1)  # representable steps, both signs
    L0, (batched,) = perturbed_losses(model, idx, [delta], Counter(), memory, base_loss=True)
    assert np.allclose(batched, loop_losses(model, idx, delta), rtol=1e-12, atol=0)
    assert L0 == pytest.approx(model.loss(), rel=1e-14)
    assert np.array_equal(model.theta, theta)


@given(spec=specs)
def test_batched_gradients_agree_with_backprop(spec):
    model = MLP.build(spec)
    reference, _ = model.gradient("backprop")
    assert relative_error(model.gradient("forward-batched")[0], reference) < RTOL["forward"]
    assert relative_error(model.gradient("central-batched")[0], reference) < RTOL["central"]
    # and with their loops, to finite-difference round-off
    assert relative_error(model.gradient("forward-batched")[0], model.gradient("forward")[0]) < 1e-5
