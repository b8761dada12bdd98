"""The seed documents' worked examples, reproduced with gradbench's own numeric gradient functions."""

import math

import numpy as np
import pytest

from gradbench.methods.numeric import central_difference, complex_step, forward_difference, gradient


def test_001_add_and_multiply_nodes():
    """f = (x + y) z at x=-2, y=5, z=-4, L = (target - f)^2 with target -10: the seed's backward pass
    gives dL/dx = dL/dy = 16, dL/dz = -12 (and, for f alone, the add node passes z to x and y, the
    multiply node passes x + y = 3 to z)."""

    def f(v):
        return (v[0] + v[1]) * v[2]

    def loss(v):
        return (-10 - f(v)) ** 2

    x = np.array([-2.0, 5.0, -4.0])
    for rule, tol in ((central_difference, 1e-8), (complex_step, 1e-15)):
        assert gradient(loss, x, rule) == pytest.approx([16, 16, -12], rel=tol)
    assert gradient(f, x, central_difference) == pytest.approx([-4, -4, 3], rel=1e-8)


def test_001_fruit_shopping():
    """Apples 100 x 2 and oranges 150 x 3, 1.1 tax: the seed's backward pass gives the partial derivatives
    2.2 (apple price), 110 (apples), 3.3 (orange price), 165 (oranges) and 650 (tax)."""

    def price(v):
        return (v[0] * v[1] + v[2] * v[3]) * v[4]

    v = np.array([100.0, 2.0, 150.0, 3.0, 1.1])
    expected = [2.2, 110, 3.3, 165, 650]
    assert gradient(price, v, central_difference) == pytest.approx(expected, rel=1e-9)
    assert gradient(price, v, complex_step) == pytest.approx(expected, rel=1e-15)


def test_001_linear_model_mse_matches_the_closed_form():
    """y = a x + b, MSE: dL/da = -2/n sum x (y - (a x + b)), dL/db = -2/n sum (y - (a x + b))."""
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal(20), rng.standard_normal(20)

    def mse(p):
        return np.mean((y - (p[0] * x + p[1])) ** 2)

    a, b = 0.7, -0.3
    r = y - (a * x + b)
    closed = [-2 / 20 * np.sum(x * r), -2 / 20 * np.sum(r)]
    assert gradient(mse, [a, b], central_difference) == pytest.approx(closed, rel=1e-8)
    assert gradient(mse, [a, b], forward_difference) == pytest.approx(closed, rel=1e-6)


def test_003_forward_difference_slope_of_cube():
    """The slope of x^3 at 2 with h = 0.01 is 12.0601 (the true slope is 12)."""
    x = np.array([2.0])
    slope = forward_difference(lambda: x[0] ** 3, x, 0.01)[0]
    assert slope == pytest.approx(12.0601, abs=1e-9)
    assert gradient(lambda v: v[0] ** 3, [2.0], forward_difference, h=1e-3)[0] == pytest.approx(12.006001, abs=1e-8)


def descend(fn, x0, lo, hi, step=1e-3, h=1e-3, tol=1e-2, max_steps=100_000):
    """Seed 003's descent: move against the sign of the forward-difference slope by a fixed step until
    the slope is below tol, clamped to [lo, hi]."""
    x = np.array([float(x0)])
    for _ in range(max_steps):
        slope = forward_difference(lambda: fn(x[0]), x, h)[0]
        if abs(slope) < tol:
            break
        x[0] = min(max(x[0] - step * np.sign(slope), lo), hi)
    return x[0]


def test_003_descent_on_cubic_finds_the_minimum_at_two():
    """x^3/3 - 4x on [-3, 3] from x0 = 0: f' = x^2 - 4, so the descent stops at x = 2."""
    assert descend(lambda x: x**3 / 3 - 4 * x, 0.0, -3, 3) == pytest.approx(2.0, abs=5e-3)


def test_003_sinc_descent_depends_on_the_start():
    """sin(x)/x from x0 = 1 and from x0 = 9 end in two different local minima (tan x = x)."""

    def sinc(x):
        return math.sin(x) / x

    from_1, from_9 = descend(sinc, 1.0, -15, 15), descend(sinc, 9.0, -15, 15)
    # The descent stops once |f'| < 0.01; with f'' = 0.22 (and 0.09) there, that is within 0.05 (0.12).
    assert from_1 == pytest.approx(4.4934, abs=0.05)  # first positive root of tan x = x
    assert from_9 == pytest.approx(10.9041, abs=0.12)  # the next one
    assert sinc(from_1) < sinc(from_9) < 0
