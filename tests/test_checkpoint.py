"""Checkpointed backprop (Chen et al. 2016): the same gradient as backprop, about one extra forward pass
of work (counted, and equal to the cost model through the registry), and far less memory on deep nets."""

import itertools
import json
import math

import pytest

from gradbench import METHODS, MLP, Spec, gradient, predict, relative_error
from gradbench.measure.run import cold_peak
from gradbench.methods.costs import forward_pass
from gradbench.methods.registry import Options
from gradbench.methods.segments import segments


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


def test_deep_narrow_nets_keep_a_fraction_of_the_memory_that_shrinks_with_depth():
    """H = 32, B = 256: beside the gradient both hold, backprop keeps L layers' activations and the
    checkpointed one about 2 sqrt(L): the share it needs falls with depth, under 0.4 at L = 64."""
    ratios = []
    for layers in (16, 64):
        model = MLP.build(Spec(layers=layers, hidden=32, batch=256))
        peaks = {m: cold_peak(model, METHODS[m], Options()) for m in ("backprop", "backprop-checkpoint")}
        ratios.append(peaks["backprop-checkpoint"] / peaks["backprop"])
    assert ratios[1] < 0.4 and ratios[1] < 0.7 * ratios[0]


def test_the_straight_line_floor_computes_the_same_gradient():
    """bench's floor is backprop written plainly in NumPy: it must be the same arithmetic to be a floor."""
    from gradbench.studies.bench import straight_line

    model = MLP.build(Spec(layers=3, hidden=10, batch=2))
    assert relative_error(straight_line(model)(), gradient(model, "backprop").gradient) < 1e-14


@pytest.mark.parametrize("layers", [1, 3, 8, 17])
def test_any_number_of_segments_gives_the_gradient_for_the_work_and_memory_its_closed_forms_predict(layers):
    """--segments k: k segments as even as can be; one segment recomputes L-1 layers, L segments none."""
    from gradbench.methods.footprint import tolerance

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


@pytest.mark.parametrize("share", [0.0, 0.3, 0.7, 1.0])
def test_auto_segments_are_the_most_the_memory_holds_and_stay_within_it(share):
    """--segments auto: the least recomputation whose predicted peak, with its tolerance, fits --memory
    (a budget between sqrt(L) segments' and L segments' needs); the measured peak stays within it."""
    from gradbench.methods.footprint import bound, checkpoint, checkpoint_segments

    spec = Spec(layers=16, hidden=24, batch=64)
    least, most = bound(checkpoint(spec, len(segments(16)))), bound(checkpoint(spec, 16))
    memory = int(least + share * (most - least))
    k = checkpoint_segments(spec, memory, "auto")
    assert bound(checkpoint(spec, k)) <= memory
    assert k == 16 or bound(checkpoint(spec, k + 1)) > memory
    model = MLP.build(spec)
    reference, bp = gradient(model, "backprop")
    g, counts = gradient(model, "backprop-checkpoint", segments="auto", memory=memory)
    assert relative_error(g, reference) == 0.0
    assert counts.matmuls - bp.matmuls == 16 - k
    assert counts == predict("backprop-checkpoint", spec, segments="auto", memory=memory)
    assert cold_peak(model, METHODS["backprop-checkpoint"], Options(memory=memory, segments="auto")) <= memory


def test_auto_segments_use_more_of_a_larger_budget():
    from gradbench.methods.footprint import checkpoint_segments

    spec = Spec(layers=16, hidden=24, batch=64)
    counts = [checkpoint_segments(spec, m, "auto") for m in (240_000, 270_000, 300_000, 2**30)]
    assert counts == sorted(counts) and counts[0] < counts[-1] == 16


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--segments", "auto", "--memory", "64KiB"], "--memory 64.0 KiB is too small for backprop-checkpoint"),
        (["--segments", "some"], "--segments must be a positive whole number or auto, got 'some'"),
        (["--segments", "²"], "--segments must be a positive whole number or auto, got '²'"),
    ],
)
def test_auto_segments_that_cannot_fit_or_a_bad_count_are_refused_in_one_line(cli, args, message):
    code, _, err = cli("compare", "--layers", "16", "--batch", "64", "--methods", "backprop-checkpoint", *args)
    assert code == 2 and err.count("\n") == 1 and message in err, err


def test_segments_without_the_checkpointed_method_are_refused_not_ignored(cli):
    code, _, err = cli("compare", "--layers", "3", "--methods", "backprop,forward", "--segments", "auto")
    assert code == 2 and err.count("\n") == 1 and "--segments" in err, err


def test_compare_says_and_records_the_segments_it_used(cli, tmp_path):
    out = tmp_path / "c.json"
    args = ["--layers", "16", "--hidden", "24", "--batch", "64", "--methods", "backprop-checkpoint", "--budget", "0.05"]
    code, text, _ = cli("compare", *args, "--segments", "auto", "--memory", "270000", "--json", str(out))
    k = json.loads(out.read_text())["metadata"]["segments"]
    assert code == 0 and 4 < k < 16
    said = " ".join(text.split())  # as one line, wherever the terminal's width broke it
    assert f"kept the inputs of {k} segments" in said and f"recomputing {16 - k} of 16 layers" in said
