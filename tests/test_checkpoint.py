"""Checkpointed backprop (Chen et al. 2016): the same gradient as backprop, about one extra forward pass
of work (counted, and equal to the cost model through the registry), and far less memory on deep nets."""

import itertools
import math

import pytest

from gradbench import MLP, Spec, gradient, predict, relative_error
from gradbench.bench import traced_peak
from gradbench.costs import forward_pass, segments


@pytest.mark.parametrize("layers", [1, 2, 3, 4, 9, 10, 64])
def test_segments_cover_the_layers_in_about_sqrt_l_pieces(layers):
    parts = segments(layers)
    assert parts[0][0] == 0 and parts[-1][1] == layers
    assert all(a[1] == b[0] for a, b in itertools.pairwise(parts))
    assert len(parts) <= math.isqrt(layers) + 2 and max(e - s for s, e in parts) <= math.isqrt(layers) + 1


@pytest.mark.parametrize("layers", [2, 5, 16])
def test_the_same_gradient_for_less_than_one_extra_forward_pass(layers):
    spec = Spec(layers=layers, hidden=6, batch=4)
    model = MLP.build(spec)
    g, counts = gradient(model, "backprop-checkpoint")
    reference, bp = gradient(model, "backprop")
    assert relative_error(g, reference) == 0.0  # the same arithmetic, in the same order
    extra = counts.matmul_flops - bp.matmul_flops
    assert 0 < extra < forward_pass(spec).matmul_flops
    assert counts == predict("backprop-checkpoint", spec)


def test_deep_narrow_nets_keep_a_fraction_of_the_memory():
    spec = Spec(layers=64, hidden=32, batch=256)
    peaks = {m: traced_peak(lambda m=m: gradient(MLP.build(spec), m)) for m in ("backprop", "backprop-checkpoint")}
    assert peaks["backprop-checkpoint"] < 0.3 * peaks["backprop"]


def test_the_straight_line_floor_computes_the_same_gradient():
    """bench's floor is backprop written plainly in NumPy: it must be the same arithmetic to be a floor."""
    from gradbench.bench import straight_line

    model = MLP.build(Spec(layers=3, hidden=10, batch=2))
    assert relative_error(straight_line(model)(), gradient(model, "backprop").gradient) < 1e-14
