"""The activations equal their textbook formulas on small and large arrays alike (sigmoid takes a different
NumPy route past activations.SMALL elements), in both dtypes, out to where exp overflows, with no warning
(pytest turns a RuntimeWarning into an error), and their derivatives match a central difference."""

import numpy as np
import pytest

from gradbench.model.activations import ACTIVATIONS, SMALL

SIZES = [10, SMALL - 1, SMALL, 3 * SMALL]


def inputs(size: int, dtype: str) -> np.ndarray:
    """Normal values, and both ends past where exp(-z) or exp(z) overflows."""
    z = np.random.default_rng(size).normal(0.0, 5.0, size)
    z[:4] = [-1000.0, -710.0, 710.0, 1000.0]
    return z.astype(dtype).reshape(1, -1)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sigmoid_is_one_over_one_plus_exp_minus_z_on_either_route(size, dtype):
    z = inputs(size, dtype)
    with np.errstate(over="ignore"):  # the textbook formula overflows to inf where sigmoid is 0
        expected = 1.0 / (1.0 + np.exp(-z.astype(np.float64)))
    got = ACTIVATIONS["sigmoid"][0](z, np.empty_like(z))
    tiny = np.finfo(dtype).tiny  # the clipped route gives 1/(1 + exp(709)), a subnormal, for exact 0
    assert got.dtype == z.dtype
    assert np.allclose(got, expected, rtol=2 * np.finfo(dtype).eps, atol=tiny)
    assert 0.0 <= got[0, 0] <= tiny and got[0, 3] == 1.0


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("size", [10, 3 * SMALL])
def test_each_derivative_written_from_the_output_matches_a_central_difference(name, size):
    f, df = ACTIVATIONS[name]
    z = np.random.default_rng(1).normal(0.0, 2.0, (1, size))
    z[np.abs(z) < 1e-3] = 0.5  # relu's kink
    h = 1e-6
    numeric = (f(z + h) - f(z - h)) / (2 * h)
    assert np.allclose(df(f(z)), numeric, rtol=1e-6, atol=1e-9)
