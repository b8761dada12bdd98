"""Counted operations equal the closed-form cost model, for every registered method and many shapes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapes import mlp_specs

from gradbench import METHODS, MLP, Spec, gradient, predict
from gradbench.methods import BACKPROP, CENTRAL, CENTRAL_BATCHED, FORWARD, FORWARD_BATCHED
from gradbench.methods.costs import backward_pass, forward_pass
from gradbench.methods.footprint import memory_for_chunk
from gradbench.studies.reproduce import SEED_SPEC

specs = mlp_specs(layers=5, hidden=7, inputs=5, batch=4, activations=("sigmoid", "tanh", "relu"), bias=(True, False))


@given(spec=specs, chunk=st.sampled_from([1, 3, 10**6]))
def test_every_registered_method_counts_what_its_registry_entry_predicts(spec, chunk):
    """For any chunking of the batched methods (a --memory that holds `chunk` perturbations)."""
    model = MLP.build(spec)
    for name in METHODS:
        memory = memory_for_chunk(spec, name == CENTRAL_BATCHED.name, spec.n_params, chunk)
        _, counted = gradient(model, name, memory=memory)
        assert counted == predict(name, spec, memory=memory), name


def test_seed_network_pass_counts():
    """Seed 000/004: a numerical gradient of N parameters needs N+1 (forward) or 2N (central) network
    evaluations, each of 3 matmuls for the 3-layer network; backprop one forward and one backward pass."""
    model = MLP.build(SEED_SPEC)
    N = model.n_params
    forward_counts = gradient(model, FORWARD.name).counts
    assert forward_counts.forward_passes == N + 1
    assert forward_counts.matmuls == (N + 1) * SEED_SPEC.layers
    assert gradient(model, CENTRAL.name).counts.forward_passes == 2 * N
    bp = gradient(model, BACKPROP.name).counts
    assert (bp.forward_passes, bp.backward_passes) == (1, 1)


def test_matmul_flops_are_2mkn():
    """An independent restatement of the convention for one small net: (m,k)@(k,n) costs 2mkn."""
    spec = Spec(layers=2, hidden=7, inputs=3, outputs=2, batch=5)
    _, c = gradient(MLP.build(spec), BACKPROP.name)
    fwd = 2 * 5 * (3 * 7 + 7 * 2)
    bwd = 2 * 5 * (3 * 7 + 7 * 2) + 2 * 5 * 7 * 2  # dW for both layers, dX for the second
    assert c.matmul_flops == fwd + bwd


def test_the_published_total_of_a_gradient_small_enough_to_count_by_hand():
    """One layer x (1, 2) -> (1, 1), with a bias: forward x W (4) + b (1), loss r = a - y (1), r.r (1),
    /n (1); backward dL/da = 2r/n (1), x.T dL/da (4), no bias sum over one row (0): 8 matmul FLOPs and
    5 others, 13 in all, in CSV, JSON and the repr alike."""
    _, c = gradient(MLP.build(Spec(layers=1, hidden=1, inputs=2, outputs=1, batch=1)), BACKPROP.name)
    assert (c.matmul_flops, c.other_flops, c.flops) == (8, 5, 13)
    assert c.as_dict()["flops"] == 13 and "other_flops" not in c.as_dict()
    assert repr(c).endswith("; flops=13)")


def test_backprop_flop_ratio_large_layers_tends_to_eleven_quarters():
    """L=4, H=512, B=256: forward+backward matmul FLOPs / forward's = (4 + 7) / 4."""
    spec = Spec(layers=4, hidden=512, batch=256)
    f, b = forward_pass(spec), backward_pass(spec)
    assert (f.matmul_flops + b.matmul_flops) / f.matmul_flops == 11 / 4


def test_batched_does_the_same_loss_evaluations_with_fewer_matmuls():
    model = MLP.build(SEED_SPEC)
    loop, batched = gradient(model, FORWARD.name).counts, gradient(model, FORWARD_BATCHED.name).counts
    assert batched.forward_passes == loop.forward_passes == model.n_params + 1
    assert batched.matmuls < loop.matmuls / 100
    assert batched.matmul_flops < loop.matmul_flops / 2  # the unperturbed prefix is shared


@given(spec=mlp_specs(layers=4, hidden=6, inputs=4, batch=3, activations=("sigmoid", "relu"), bias=(True, False),
                      dtypes=("float64", "float32")))  # fmt: skip
def test_a_plain_pass_is_the_counted_pass_bit_for_bit_and_its_plan_is_what_the_counted_run_counted(spec):
    """Counting per plan (model/plans.py): the plain pass runs the very operations the counted one does
    (identical bits, real and complex), and the plan holds what a counted run of it counts."""
    import numpy as np

    from gradbench.model.ops import Counter
    from gradbench.model.passes import backward, forward, workspace
    from gradbench.model.plans import backprop_plan, forward_plan

    model = MLP.build(spec)
    for W, b in ((model.W, model.b), model.views(model.theta.astype(np.complex128) + 1e-3j)):
        counted = Counter()
        loss_counted = forward(model, W, b, counted)
        outputs_counted = workspace(model, W[0].dtype).A[-1].copy()
        loss_plain = forward(model, W, b, None)
        assert loss_plain.tobytes() == loss_counted.tobytes()
        assert workspace(model, W[0].dtype).A[-1].tobytes() == outputs_counted.tobytes()
        assert forward_plan(model, W, b) == counted
    g_counted, g_plain, both = np.empty(spec.n_params, model.dtype), np.empty(spec.n_params, model.dtype), Counter()
    forward(model, model.W, model.b, both)
    backward(model, *model.views(g_counted), both)
    forward(model, model.W, model.b, None)
    backward(model, *model.views(g_plain), None)
    assert g_plain.tobytes() == g_counted.tobytes() and backprop_plan(model) == both
    assert gradient(model, BACKPROP.name).counts == forward_pass(spec) + backward_pass(spec)


@pytest.mark.parametrize("rows", [256, 512, 2048])
def test_every_tuned_chunk_size_gives_the_same_gradients_and_the_counts_it_predicts(rows):
    """The machine's tuning (model/tuning.py) only changes speed: the batched methods' gradients agree
    to round-off under every calibrated chunk size, and their counts are the cost model's for it (FLOPs
    the same for all: only the number of matmul calls follows the chunking)."""
    import numpy as np

    from gradbench.model import tuning

    spec = Spec(layers=3, hidden=20, batch=4)
    model = MLP.build(spec)
    before = tuning.current()
    reference = {m: gradient(model, m) for m in (FORWARD_BATCHED.name, CENTRAL_BATCHED.name)}
    try:
        tuning.with_chunk_rows(rows)
        for name, (g0, c0) in reference.items():
            g, c = gradient(model, name)
            assert np.allclose(g, g0, rtol=1e-12, atol=1e-15) and c == predict(name, spec) and c.flops == c0.flops
    finally:
        tuning.use(before)


@pytest.mark.parametrize("small", [1, 10**9])
def test_both_sigmoid_routes_give_the_same_gradient(small):
    import numpy as np

    from gradbench.model import tuning

    model = MLP.build(Spec(layers=3, hidden=64, batch=128))
    before = tuning.current()
    g0 = gradient(model, BACKPROP.name).gradient
    try:
        tuning.use(tuning.Tuning(small, before.chunk_rows))
        assert np.allclose(gradient(model, BACKPROP.name).gradient, g0, rtol=1e-13, atol=1e-16)
    finally:
        tuning.use(before)


def test_the_tuning_is_cached_per_machine_and_recorded(tmp_path, monkeypatch):
    """Calibrated once (well under a second), written to the user cache, read back; the metadata says it."""
    import json

    from gradbench.measure.conditions import Conditions, metadata
    from gradbench.model import tuning

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    before = tuning.current()
    try:
        fresh = tuning.recalibrate()
        assert fresh.source == "calibrated" and fresh.seconds < 1.0
        assert fresh.sigmoid_small in (*tuning.SIZES, tuning.SIZES[-1] * 4) and fresh.chunk_rows in tuning.ROWS
        cached = json.loads(tuning.cache_path().read_text())
        assert tuning.cache_path().is_relative_to(tmp_path) and cached["chunk_rows"] == fresh.chunk_rows
        assert tuning._cached().source == "cached"
        assert metadata(Conditions())["tuning"]["chunk_rows"] == fresh.chunk_rows
    finally:
        tuning.use(before)


def test_the_cpu_is_recorded_by_family_model_and_vector_units_not_its_name_alone(tmp_path, monkeypatch):
    """Two KVM guests both called "Intel(R) Xeon(R) Processor" are told apart by family, model and units;
    the tuning's cache is keyed by them, so a cache shared between the two (a network home) keeps both."""
    from gradbench.io import machine
    from gradbench.model import tuning

    def cpuinfo(name: str, model: int, flags: str) -> str:
        block = f"processor\t: {{}}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: {model}\n"
        block += f"model name\t: {name}\nflags\t\t: fpu {flags}\n\n"
        path = tmp_path / f"cpuinfo-{model}"
        path.write_text(block.format(0) + block.format(1).replace(flags, "sse2"))  # only the first block is read
        return str(path)

    avx512 = machine.cpu(cpuinfo("Intel(R) Xeon(R) Processor", 167, "avx avx2 fma avx512f amx_tile"))
    assert avx512 == {"name": "Intel(R) Xeon(R) Processor", "vendor": "GenuineIntel", "family": "6",
                      "model": "167", "simd": ["avx", "avx2", "fma", "avx512f", "amx_tile"]}  # fmt: skip
    avx2 = cpuinfo("Intel(R) Xeon(R) Processor", 85, "avx avx2 fma")
    assert machine.cpu(avx2)["simd"] == ["avx", "avx2", "fma"]
    assert machine.cpu(str(tmp_path / "absent"))["name"]  # no /proc: the platform's name, never empty

    from gradbench.render.format import machine as title

    assert (
        title({"cpu": avx512["name"], "cpu_id": avx512}) == "Intel(R) Xeon(R) Processor (family 6 model 167, AVX-512)"
    )
    assert title({"cpu": "AMD EPYC"}) == "AMD EPYC"  # a result from before cpu_id: its name

    keys, read = set(), machine.cpu
    for path in (cpuinfo("Intel(R) Xeon(R) Processor", 167, "avx avx2 fma avx512f amx_tile"), avx2):
        monkeypatch.setattr(machine, "cpu", lambda path=path: read(path))
        keys.add(tuning._build_key())
    assert len(keys) == 2


@given(spec=specs)
def test_the_gemm_lists_a_limit_times_are_the_matmuls_that_ran(spec):
    """The shapes the shape-matched limit times (costs.*_gemms) are, in number and FLOPs, the matmuls the
    counted backprop and batched differences ran."""
    from gradbench.methods import DEFAULT_MEMORY
    from gradbench.methods.costs import backward_gemms, batched_gemms, forward_gemms

    model = MLP.build(spec)
    for name, gemms in ((BACKPROP.name, forward_gemms(spec) + backward_gemms(spec)),
                        (FORWARD_BATCHED.name, batched_gemms(spec, DEFAULT_MEMORY, central=False)),
                        (CENTRAL_BATCHED.name, batched_gemms(spec, DEFAULT_MEMORY, central=True))):  # fmt: skip
        counts = gradient(model, name).counts
        assert counts.matmuls == len(gemms) and counts.matmul_flops == sum(2 * m * k * n for m, k, n, _ in gemms)


def test_the_chunk_rows_are_the_fewest_as_fast_as_the_fastest_to_noise():
    """Rates within 5% are one rate: the choice is the fewest such rows, so noise cannot flip it."""
    from gradbench.model.tuning import fewest_fast

    assert fewest_fast({256: 0.84, 512: 0.987, 1024: 1.0, 2048: 0.96}) == 512
    assert fewest_fast({256: 0.84, 512: 0.93, 1024: 1.0, 2048: 0.96}) == 1024
    assert fewest_fast({256: 1.0, 512: 0.5}) == 256 and fewest_fast({256: 0.5, 2048: 1.0}) == 2048
