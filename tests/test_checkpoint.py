"""Checkpointed backprop (Chen et al. 2016): the same gradient as backprop, about one extra forward pass
of work (counted, and equal to the cost model through the registry), and far less memory on deep nets."""

import itertools
import math

import pytest

from gradbench import METHODS, MLP, Spec, gradient, predict, relative_error
from gradbench.costs import forward_pass, segments
from gradbench.measure import cold_peak
from gradbench.methods import Options


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
    model = MLP.build(spec)
    peaks = {m: cold_peak(model, METHODS[m], Options()) for m in ("backprop", "backprop-checkpoint")}
    assert peaks["backprop-checkpoint"] < 0.3 * peaks["backprop"]


def test_the_straight_line_floor_computes_the_same_gradient():
    """bench's floor is backprop written plainly in NumPy: it must be the same arithmetic to be a floor."""
    from gradbench.bench import straight_line

    model = MLP.build(Spec(layers=3, hidden=10, batch=2))
    assert relative_error(straight_line(model)(), gradient(model, "backprop").gradient) < 1e-14


@pytest.mark.parametrize("layers", [1, 3, 8, 17])
def test_any_number_of_segments_gives_the_gradient_for_the_work_and_memory_its_closed_forms_predict(layers):
    """--segments k: k segments as even as can be; one segment recomputes L-1 layers, L segments none."""
    from gradbench.footprint import tolerance

    spec = Spec(layers=layers, hidden=12, batch=16)
    model = MLP.build(spec)
    reference, bp = gradient(model, "backprop")
    method = METHODS["backprop-checkpoint"]
    for k in range(1, layers + 1):
        sizes = [e - s for s, e in segments(layers, k)]
        assert len(sizes) == k and sum(sizes) == layers and max(sizes) - min(sizes) <= 1
        g, counts = gradient(model, method.name, segments=k)
        assert relative_error(g, reference) == 0.0
        assert counts == predict(method.name, spec, segments=k)
        assert counts.forward_passes == 1 and counts.matmuls - bp.matmuls == layers - k
        opts = Options(segments=k)
        predicted = method.predicted_peak(spec, opts)
        assert abs(cold_peak(model, method, opts) - predicted) <= tolerance(predicted), k


@pytest.mark.parametrize("k", ["0", "4"])
def test_a_number_of_segments_the_layers_cannot_hold_is_refused(cli, k):
    code, _, err = cli("compare", "--layers", "3", "--methods", "backprop-checkpoint", "--segments", k)
    assert code == 2 and err.count("\n") == 1 and "--segments" in err, err
