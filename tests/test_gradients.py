"""Every method computes the same gradient: against backprop, against PyTorch-free closed forms,
and along random directions (two forward passes check the whole vector, as HIPS/autograd does)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapes import mlp_specs

from gradbench import METHODS, MLP, GradbenchError, Spec, gradient, loss, predict, relative_error
from gradbench.methods import BACKPROP, FORWARD, FORWARD_BATCHED, REFERENCE
from gradbench.methods.footprint import memory_for_chunk

specs = mlp_specs()
NUMERIC = [m for m in METHODS.values() if m is not REFERENCE]


@given(spec=mlp_specs(dtypes=("float64", "float32")))
def test_every_registered_method_agrees_with_backprop_within_its_tolerance(spec):
    model = MLP.build(spec)
    reference, _ = gradient(model, REFERENCE.name)
    for m in NUMERIC:
        g, _ = gradient(model, m.name)
        assert g.dtype == reference.dtype == np.dtype(spec.dtype)
        assert relative_error(g, reference) < m.rtol[spec.dtype], m.name


@given(spec=specs, direction_seed=st.integers(0, 2**31))
def test_backprop_matches_directional_derivative(spec, direction_seed):
    """g . v equals a central difference of L along v (a check independent of the methods' loops)."""
    model = MLP.build(spec)
    g, _ = gradient(model, BACKPROP.name)
    v = np.random.default_rng(direction_seed).standard_normal(model.n_params)
    theta, h = model.theta.copy(), 1e-5
    model.set_params(theta + h * v)
    up = loss(model)
    model.set_params(theta - h * v)
    down = loss(model)
    model.set_params(theta)
    assert np.isclose(g @ v, (up - down) / (2 * h), rtol=1e-6, atol=1e-9)


def test_single_layer_gradient_has_closed_form():
    """One affine layer, MSE: dL/dW = 2/n X^T (XW + b - Y), dL/db = 2/n sum(XW + b - Y)."""
    model = MLP.build(Spec(layers=1, hidden=3, inputs=4, outputs=3, batch=5, seed=7))
    (W,), (b,), X, Y = model.W, model.b, model.X, model.Y
    R = X @ W + b - Y
    expected = np.concatenate([(2 / R.size * X.T @ R).ravel(), 2 / R.size * R.sum(0)])
    g, _ = gradient(model, BACKPROP.name)
    assert relative_error(g, expected) < 1e-14


@pytest.mark.parametrize("method", NUMERIC, ids=lambda m: m.name)
def test_relu_network_gradient(method):
    """Away from the kinks (this seed has no pre-activation within a step of 0) relu is smooth."""
    model = MLP.build(Spec(layers=3, hidden=8, batch=4, activation="relu", seed=3))
    reference, _ = gradient(model, REFERENCE.name)
    g, _ = gradient(model, method.name)
    assert relative_error(g, reference) < method.rtol["float64"]


@pytest.mark.parametrize("method", [m.name for m in NUMERIC])
def test_parameters_are_restored_after_every_perturbation(method):
    model = MLP.build(Spec(layers=2, hidden=5, batch=3))
    before = model.theta.copy()
    gradient(model, method)
    assert np.array_equal(model.theta, before)


def test_views_share_memory_with_the_flat_vector():
    model = MLP.build(Spec(layers=3, hidden=4))
    model.theta[0] = 123.0
    assert model.W[0][0, 0] == 123.0
    assert all(np.shares_memory(w, model.theta) for w in model.W)


@pytest.mark.parametrize("method", [m for m in METHODS.values() if m.sampleable], ids=lambda m: m.name)
def test_sampled_indices_compute_only_those_entries_at_the_predicted_cost(method):
    spec = Spec(layers=2, hidden=6, batch=3)
    model = MLP.build(spec)
    full, _ = gradient(model, method.name)
    idx = np.array([0, 5, 17, 40, model.n_params - 1])
    part, counts = gradient(model, method.name, indices=idx)
    assert relative_error(part[idx], full[idx]) < 1e-9
    assert np.isnan(np.delete(part, idx)).all()
    assert counts == predict(method.name, spec, indices=idx)  # what the cost model says for these entries
    assert counts.forward_passes < full.size


def test_user_step_is_used_absolutely():
    """--eps 1e-2 on a forward difference gives an O(h) error far larger than the default's."""
    model = MLP.build(Spec(layers=2, hidden=5, batch=2))
    reference, _ = gradient(model, BACKPROP.name)
    coarse = relative_error(gradient(model, FORWARD.name, eps=1e-2)[0], reference)
    fine = relative_error(gradient(model, FORWARD.name)[0], reference)
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
        out.append(loss(model))
        model.theta[i] = t
    return np.array(out)


@given(spec=specs, chunk=st.sampled_from([1, 5, 10**6]))
def test_batched_evaluates_the_same_perturbed_losses_as_the_loop(spec, chunk):
    from gradbench.methods.batched import perturbed_losses
    from gradbench.model.ops import Counter

    model = MLP.build(spec)
    idx = np.arange(model.n_params)
    theta = model.theta.copy()
    delta = ((theta + 1e-3) - theta) * np.where(idx % 2, 1, -1)  # representable steps, both signs
    memory = memory_for_chunk(spec, False, model.n_params, chunk)
    L0, (batched,) = perturbed_losses(model, idx, [delta], Counter(), memory, base_loss=True)
    assert np.allclose(batched, loop_losses(model, idx, delta), rtol=1e-12, atol=0)
    assert pytest.approx(loss(model), rel=1e-14) == L0
    assert np.array_equal(model.theta, theta)


@given(spec=mlp_specs())
def test_batched_forward_difference_agrees_with_its_loop(spec):
    """The same perturbed losses, so the same gradient to finite-difference round-off."""
    model = MLP.build(spec)
    assert relative_error(gradient(model, FORWARD_BATCHED.name)[0], gradient(model, FORWARD.name)[0]) < 1e-5
