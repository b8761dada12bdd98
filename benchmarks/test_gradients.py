"""pytest-benchmark suite: every method at a small and a large size, grouped so that
`pytest benchmarks --benchmark-group-by=group` shows each size's methods side by side.

Benchmarks report times; they fail only when a gradient is wrong.
"""

import pytest

from gradbench import METHODS, MLP, Spec, relative_error
from gradbench.methods import Options
from gradbench.ops import Counter
from gradbench.passes import forward

SIZES = {
    "small": Spec(layers=3, hidden=10, batch=1),
    "large": Spec(layers=3, hidden=32, batch=32),
}
BOUND = Spec(layers=4, hidden=512, batch=256)  # backprop's FLOP-bound and the torch target size
TOL = {"forward": 1e-5, "forward-batched": 1e-5, "central": 1e-8, "central-batched": 1e-8,
       "complex": 1e-13, "forward-mode": 1e-13, "backprop": 0.0}


def group(name: str, spec: Spec) -> str:
    return f"{name}: L={spec.layers} H={spec.hidden} B={spec.batch} N={spec.n_params:,}"


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("method", list(METHODS))
def test_gradient(benchmark, size, method):
    spec = SIZES[size]
    model = MLP.build(spec)
    reference, _ = model.gradient("backprop")
    benchmark.group = group(size, spec)
    g, counts = benchmark(METHODS[method], model, Options())
    benchmark.extra_info.update(counts.as_dict())
    assert relative_error(g, reference) <= TOL[method]


@pytest.mark.parametrize("size", list(SIZES))
def test_forward_pass(benchmark, size):
    spec = SIZES[size]
    model = MLP.build(spec)
    benchmark.group = group(size, spec)
    loss = benchmark(forward, model, model.W, model.b, Counter())
    assert loss == pytest.approx(model.loss())


def test_bound_forward(benchmark):
    model = MLP.build(BOUND)
    benchmark.group = group("bound", BOUND)
    benchmark(forward, model, model.W, model.b, Counter())


def test_bound_backprop(benchmark):
    model = MLP.build(BOUND)
    benchmark.group = group("bound", BOUND)
    g, _ = benchmark(model.gradient, "backprop")
    assert g.shape == (BOUND.n_params,)


@pytest.mark.parametrize("size", [*SIZES, "bound"])
def test_torch_peer(benchmark, size):
    pytest.importorskip("torch", reason="torch is optional: pip install -e '.[torch]'")
    from gradbench.peer_torch import torch_gradient_fn

    spec = SIZES.get(size, BOUND)
    model = MLP.build(spec)
    reference, _ = model.gradient("backprop")
    benchmark.group = group(size, spec)
    g = benchmark(torch_gradient_fn(model, threads=1))
    assert relative_error(g, reference) < 1e-10
