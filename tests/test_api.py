"""The Python API as the README shows it."""

import numpy as np
import pytest

from gradbench import MLP, Spec, predict, relative_error
from gradbench.numeric import gradient as numeric_gradient


def test_readme_api_example():
    model = MLP.build(Spec(layers=3, hidden=10, batch=4, activation="tanh", seed=1))
    assert model.theta.shape == (330,)
    assert np.shares_memory(model.W[2], model.theta)
    before = model.loss()
    g_bp, counts = model.gradient("backprop")
    g_fd, fd_counts = model.gradient("central")
    assert relative_error(g_fd, g_bp) < 1e-8
    assert fd_counts.forward_passes == 660
    assert predict("central", model.spec) == fd_counts
    assert (counts.forward_passes, counts.backward_passes) == (1, 1)
    model.set_params(model.theta - 0.1 * g_bp)
    assert model.loss() < before
    assert numeric_gradient(lambda v: (v[0] + v[1]) * v[2], [-2.0, 5.0, -4.0], "central") == pytest.approx(
        [-4, -4, 3], rel=1e-8)


def test_same_seed_same_model_different_seed_different_model():
    a, b, c = (MLP.build(Spec(seed=s)) for s in (3, 3, 4))
    assert np.array_equal(a.theta, b.theta) and np.array_equal(a.X, b.X)
    assert not np.array_equal(a.theta, c.theta)


def test_unknown_attribute_of_the_package():
    import gradbench

    with pytest.raises(AttributeError):
        gradbench.nonexistent  # noqa: B018


def test_spec_knows_exactly_the_registered_activations():
    """spec.py lists the names itself (so the CLI need not import NumPy); they must match the registry."""
    from gradbench.activations import ACTIVATIONS as REGISTERED
    from gradbench.spec import ACTIVATIONS

    assert set(ACTIVATIONS) == set(REGISTERED)
