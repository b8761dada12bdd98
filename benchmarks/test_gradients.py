"""pytest-benchmark suite: every method at a small and a large size, grouped so that
`pytest benchmarks --benchmark-group-by=group` shows each size's methods side by side.

Benchmarks report times; they fail only when a result is wrong (a gradient, a loss or a count), never
on a time.
"""

import numpy as np
import pytest

from gradbench import METHODS, MLP, Spec, gradient, loss, predict, relative_error
from gradbench.methods import REFERENCE
from gradbench.methods.registry import Options
from gradbench.model.ops import Counter
from gradbench.model.passes import forward
from gradbench.peers import TORCH

SIZES = {
    "small": Spec(layers=3, hidden=10, batch=1),
    "large": Spec(layers=3, hidden=32, batch=32),
}
BOUND = Spec(layers=4, hidden=512, batch=256)  # backprop's FLOP-bound and the torch target size


def group(name: str, spec: Spec) -> str:
    return f"{name}: L={spec.layers} H={spec.hidden} B={spec.batch} N={spec.n_params:,}"


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("method", list(METHODS.values()), ids=lambda m: m.name)
def test_gradient(benchmark, size, method):
    spec = SIZES[size]
    model = MLP.build(spec)
    reference, _ = gradient(model, REFERENCE.name)
    benchmark.group = group(size, spec)
    g, counts = benchmark(method.compute, model, Options())
    benchmark.extra_info.update(counts.as_dict())
    assert relative_error(g, reference) <= method.rtol[spec.dtype]


@pytest.mark.parametrize("size", [*SIZES, "bound"])
def test_forward_pass(benchmark, size):
    spec = SIZES.get(size, BOUND)
    model = MLP.build(spec)
    benchmark.group = group(size, spec)
    value = benchmark(forward, model, model.W, model.b, Counter())
    assert value == pytest.approx(loss(model), rel=1e-12)


def test_bound_backprop(benchmark):
    model = MLP.build(BOUND)
    benchmark.group = group("bound", BOUND)
    g, counts = benchmark(REFERENCE.compute, model, Options())
    assert counts == predict(REFERENCE.name, BOUND)
    assert np.isfinite(g).all() and g.shape == (BOUND.n_params,)


@pytest.mark.parametrize("size", [*SIZES, "bound"])
def test_torch_peer(benchmark, size):
    pytest.importorskip("torch", reason="torch is optional: pip install -e '.[torch]'")
    from gradbench.peers.torch import gradient_fn as torch_gradient_fn

    spec = SIZES.get(size, BOUND)
    model = MLP.build(spec)
    reference, _ = gradient(model, REFERENCE.name)
    benchmark.group = group(size, spec)
    g = benchmark(torch_gradient_fn(model, threads=1))
    assert relative_error(g, reference) < TORCH.rtol
