"""--memory is a cap on what a method allocates, its N-sized arrays included: NumPy reports every
allocation to tracemalloc, so the traced peak of a gradient is held under the cap it was given."""

import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapes import mlp_specs

from gradbench import METHODS, MLP, GradbenchError, Spec, gradient
from gradbench.costs import LIVE_BUFFERS
from gradbench.measure import Settings


def chunk_bytes(spec: Spec) -> int:
    return LIVE_BUFFERS * spec.batch * max(spec.widths[1:]) * spec.itemsize


def traced_peak(model, name: str, memory: int) -> int:
    """The traced peak of one gradient by `name` under `memory`."""
    tracemalloc.start()
    try:
        gradient(model, name, memory=memory)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@given(spec=mlp_specs(layers=4, hidden=30, batch=40, dtypes=("float64", "float32")), chunks=st.integers(1, 50))
def test_every_method_stays_under_the_memory_it_is_given(spec, chunks):
    model = MLP.build(spec)
    for name, method in METHODS.items():
        cap = method.fixed_bytes(spec) + (chunks * chunk_bytes(spec) if "stacked" in method.memory_kind else 0)
        peak = traced_peak(model, name, cap)
        assert peak <= cap, (name, peak, cap)


def test_a_large_batched_gradient_fills_its_cap_and_no_more():
    """N = 197,376: the N-sized arrays are megabytes, the stacked chunks use what the cap leaves."""
    spec = Spec(layers=3, hidden=256)
    model = MLP.build(spec)
    for name in ("forward-batched", "central-batched"):
        cap = METHODS[name].fixed_bytes(spec) + 40 * chunk_bytes(spec)
        peak = traced_peak(model, name, cap)
        assert 0.5 * cap < peak <= cap


def test_a_cap_too_small_for_the_arrays_is_refused_before_any_work():
    spec = Spec(layers=3, hidden=64)
    with pytest.raises(GradbenchError, match=f"too small for forward at N = {spec.n_params:,}"):
        Settings(memory=2**16).check_memory(spec, ["forward", "backprop"])
    with pytest.raises(GradbenchError, match="too small for a batched method"):
        gradient(MLP.build(spec), "forward-batched", memory=METHODS["forward-batched"].fixed_bytes(spec))


def test_compare_reports_each_full_runs_peak_memory(cli):
    """The peak column: measured for methods run in full (backprop's activations above the checkpoint's
    segment inputs on a deep net), left empty for sampled ones, whose full run was not made."""
    import json

    code, out, err = cli("compare", "--layers", "16", "--hidden", "16", "--batch", "64", "--budget", "0.05",
                         "--methods", "backprop,backprop-checkpoint,forward", "--json", "-")  # fmt: skip
    assert code == 0, err
    rows = {r["method"]: r for r in json.loads(out)["rows"]}
    assert 0 < rows["backprop-checkpoint"]["peak_bytes"] < rows["backprop"]["peak_bytes"]
    assert rows["forward"]["estimated"] and rows["forward"]["peak_bytes"] is None
