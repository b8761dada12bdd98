"""Peak memory: each method's is predicted in closed form (footprint.py) and equals the traced peak of
a real gradient (tracemalloc sees NumPy's allocations) within footprint.tolerance, for many shapes;
--memory is a cap on that peak, its N-sized arrays included."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapes import mlp_specs

from gradbench import METHODS, MLP, GradbenchError, Spec, gradient
from gradbench.measure.run import Settings, cold_peak
from gradbench.methods import CENTRAL_BATCHED, FORWARD_BATCHED
from gradbench.methods.footprint import bound, memory_for_chunk, tolerance
from gradbench.methods.registry import Options

specs = mlp_specs(layers=8, hidden=24, inputs=24, outputs=12, batch=48, activations=("sigmoid", "tanh", "relu"),
                  bias=(True, False), dtypes=("float64", "float32"))  # fmt: skip


def traced_peak(model: MLP, name: str, memory: int) -> int:
    """The traced peak of one gradient by `name` under `memory`, its buffers allocated anew."""
    return cold_peak(model, METHODS[name], Options(memory=memory))


def memory_for(name: str, spec: Spec, chunk: int) -> int:
    """A --memory that gives the batched methods `chunk` perturbations per chunk; ample for the others."""
    if name in (FORWARD_BATCHED.name, CENTRAL_BATCHED.name):
        return memory_for_chunk(spec, name == CENTRAL_BATCHED.name, spec.n_params, chunk)
    return 2**30


@settings(max_examples=25, deadline=None)
@given(spec=specs, chunk=st.integers(1, 64))
def test_every_methods_peak_is_its_closed_form_within_the_stated_tolerance(spec, chunk):
    model = MLP.build(spec)
    for name, method in METHODS.items():
        memory = memory_for(name, spec, chunk)
        predicted = method.predicted_peak(spec, Options(memory=memory))
        measured = traced_peak(model, name, memory)
        assert abs(measured - predicted) <= tolerance(predicted), (name, measured, predicted)
        assert measured <= memory, (name, measured, memory)


ONE_PASS_AND_BATCHED = ["backprop", "backprop-checkpoint", FORWARD_BATCHED.name, CENTRAL_BATCHED.name]


@pytest.mark.parametrize(
    "spec, names",
    [
        (Spec(layers=3, hidden=256), ONE_PASS_AND_BATCHED),  # N = 197,376: N-sized arrays of megabytes
        (Spec(layers=16, hidden=32, batch=128), ONE_PASS_AND_BATCHED),  # deep: activations of megabytes
        (Spec(layers=4, hidden=16, batch=1024), list(METHODS)),  # every method's workspace in megabytes
    ],
    ids=lambda v: str(v) if isinstance(v, Spec) else "",
)
def test_large_models_match_to_a_few_percent(spec, names):
    """Where the arrays are megabytes, the closed form is within 3% (the tolerance allows 5% + 16 KiB)."""
    model = MLP.build(spec)
    for name in names:
        predicted = METHODS[name].predicted_peak(spec)
        assert traced_peak(model, name, 2**30) == pytest.approx(predicted, rel=0.03), name


def test_backprop_keeps_every_activation_and_checkpointing_keeps_about_sqrt_L():
    """H = 32, B = 256: backprop's peak grows in proportion to L past a fixed part (every layer adds its
    activations and its parameters' gradient), the checkpointed one's with about sqrt(L)."""
    deep, shallow = Spec(layers=64, hidden=32, batch=256), Spec(layers=16, hidden=32, batch=256)
    bp, ck = METHODS["backprop"], METHODS["backprop-checkpoint"]
    peak = {L: bp.predicted_peak(Spec(layers=L, hidden=32, batch=256)) for L in (16, 32, 64)}
    assert peak[64] - peak[32] == 2 * (peak[32] - peak[16])
    assert peak[64] / peak[16] > 3
    kept = deep.batch * sum(deep.widths[1:]) * deep.itemsize  # one activation per layer, B * sum(w)
    measured = cold_peak(MLP.build(deep), bp, Options())
    assert measured < deep.n_params * deep.itemsize + 1.25 * kept  # three per layer would be 3 * kept
    assert ck.predicted_peak(deep) / ck.predicted_peak(shallow) == pytest.approx(2, rel=0.25)


@pytest.mark.parametrize("name", [FORWARD_BATCHED.name, CENTRAL_BATCHED.name])
def test_a_batched_method_shrinks_its_chunks_to_any_memory_that_holds_one(name):
    spec = Spec(layers=3, hidden=64, batch=32)
    model = MLP.build(spec)
    one = memory_for_chunk(spec, name == CENTRAL_BATCHED.name, spec.n_params, 1)
    for memory in (one, one + 10_000, 2 * one):
        assert traced_peak(model, name, memory) <= memory


def test_a_cap_too_small_is_refused_before_any_work():
    spec = Spec(layers=3, hidden=64)
    need = bound(METHODS["forward"].predicted_peak(spec))
    Settings(memory=need).check_memory(spec, ["forward", "backprop"])
    with pytest.raises(
        GradbenchError, match=rf"too small for forward at N = {spec.n_params:,}: it needs \S+ .iB \({need:,} bytes\)"
    ):
        Settings(memory=need - 1).check_memory(spec, ["forward", "backprop"])
    one = memory_for_chunk(spec, False, spec.n_params, 1)
    with pytest.raises(GradbenchError, match="too small for a batched method"):
        gradient(MLP.build(spec), FORWARD_BATCHED.name, memory=one - 1)


def test_compare_reports_each_full_runs_peak_memory(cli):
    """The peak column: measured for methods run in full (backprop's activations above the checkpoint's
    segment inputs on a deep net), predicted for sampled ones, whose full run was not made."""
    import json

    code, out, err = cli("compare", "--layers", "16", "--hidden", "16", "--batch", "64", "--budget", "0.05",
                         "--methods", "backprop,backprop-checkpoint,forward", "--json", "-")  # fmt: skip
    assert code == 0, err
    rows = {r["method"]: r for r in json.loads(out)["rows"]}
    assert 0 < rows["backprop-checkpoint"]["peak_bytes"] < rows["backprop"]["peak_bytes"]
    assert rows["forward"]["estimated"] and rows["forward"]["peak_bytes"] is None
    for row in rows.values():
        assert row["peak_predicted_bytes"] > 0
        if row["peak_bytes"] is not None:
            assert abs(row["peak_bytes"] - row["peak_predicted_bytes"]) <= tolerance(row["peak_predicted_bytes"])
