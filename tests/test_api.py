"""The Python API as the README shows it, and the registry as a plug-in point."""

import json
from dataclasses import replace

import numpy as np
import pytest

from gradbench import MLP, Counter, GradientResult, Method, Spec, gradient, loss, predict, registered, relative_error
from gradbench.methods import FORWARD, costs
from gradbench.methods.costs import forward_pass
from gradbench.methods.numeric import central_difference
from gradbench.methods.numeric import gradient as numeric_gradient


def test_readme_api_example():
    model = MLP.build(Spec(layers=3, hidden=10, batch=4, activation="tanh", seed=1))
    assert model.theta.shape == (330,)
    assert np.shares_memory(model.W[2], model.theta)
    before = loss(model)
    g_bp, counts = gradient(model, "backprop")
    result = gradient(model, "central")
    assert relative_error(result.gradient, g_bp) < 1e-8
    assert result.counts.forward_passes == 2 * model.n_params
    assert predict("central", model.spec) == result.counts
    assert (counts.forward_passes, counts.backward_passes) == (1, 1)
    model.set_params(model.theta - 0.1 * g_bp)
    assert loss(model) < before
    g = numeric_gradient(lambda v: (v[0] + v[1]) * v[2], [-2.0, 5.0, -4.0], central_difference)
    assert g == pytest.approx([-4, -4, 3], rel=1e-8)


def test_same_seed_same_model_different_seed_different_model():
    a, b, c = (MLP.build(Spec(seed=s)) for s in (3, 3, 4))
    assert np.array_equal(a.theta, b.theta) and np.array_equal(a.X, b.X)
    assert not np.array_equal(a.theta, c.theta)


def test_unknown_attribute_of_the_package():
    import gradbench

    with pytest.raises(AttributeError):
        gradbench.nonexistent  # noqa: B018


def test_spec_knows_exactly_the_registered_activations():
    """spec.py lists the names itself (so the CLI need not import NumPy); they must match the registry."""
    from gradbench.model.activations import ACTIVATIONS as REGISTERED
    from gradbench.model.spec import ACTIVATIONS

    assert set(ACTIVATIONS) == set(REGISTERED)


def test_cli_choices_are_the_registries_names():
    from gradbench.cli import arguments as cli
    from gradbench.model.data import GENERATORS
    from gradbench.studies.optim import OPTIMIZERS

    assert set(cli.OPTIMIZERS) == set(OPTIMIZERS)
    assert set(cli.DATASETS) == set(GENERATORS)


def half_difference(model, opts):
    """A toy method: the forward difference with an absolute step of 5e-9 (half of --eps when given),
    counted through the real passes."""
    eps = opts.eps / 2 if opts.eps is not None else 5e-9
    return FORWARD.compute(model, replace(opts, eps=eps))


TOY = Method(
    "toy-half",
    half_difference,
    cost=lambda spec, indices, memory: forward_pass(spec) * (costs.entries(spec, indices) + 1),
    description="forward difference with half the step",
    rtol={"float64": 1e-5, "float32": 5e-2},
    color="C8",
)


def test_a_method_registered_at_run_time_is_computed_counted_predicted_and_reported(cli):
    """One `register` and nothing else: the CLI accepts it, its counts equal its prediction, the table
    and the JSON show it, the plot colours it, and it is listed by `gradbench methods`."""
    from gradbench.render.format import color, label

    with registered(TOY):
        model = MLP.build(Spec(layers=2, hidden=4))
        result = gradient(model, "toy-half")
        assert isinstance(result, GradientResult) and isinstance(result.counts, Counter)
        assert result.counts == predict("toy-half", model.spec)
        assert relative_error(result.gradient, gradient(model).gradient) < TOY.rtol["float64"]
        assert (label("toy-half"), color("toy-half")) == ("toy-half", "C8")

        code, out, err = cli(
            "compare", "--layers", "2", "--hidden", "4", "--methods", "toy-half", "--budget", "0.05", "--json", "-"
        )
        assert code == 0, err
        (row,) = json.loads(out)["rows"]
        assert row["method"] == "toy-half"
        assert row["forward_passes"] == model.n_params + 1 and row["rel_error"] < 1e-5
        assert "toy-half" in err  # the table went to stderr beside the JSON

        code, out, _ = cli("methods")
        assert code == 0 and "toy-half" in out
    code, _, err = cli("compare", "--methods", "toy-half")
    assert code == 2 and "unknown method 'toy-half'" in err  # gone once unregistered


def test_registering_a_name_twice_a_label_without_the_name_or_a_dtype_without_tolerance_is_refused():
    from gradbench.methods.registry import register

    with registered(TOY), pytest.raises(ValueError, match="already registered"):
        register(TOY)
    with pytest.raises(ValueError, match="must contain"):
        register(replace(TOY, name="toy-2", label="something else"))
    with pytest.raises(ValueError, match="a tolerance for each dtype"):
        register(replace(TOY, name="toy-3", rtol={"float64": 1e-5}))


def test_each_method_name_is_spelled_once_in_the_package():
    """The registry is the one place a method's name is written (docs and docstrings aside)."""
    import ast
    from pathlib import Path

    import gradbench
    from gradbench import METHODS

    literals: dict[str, int] = {}
    for path in Path(gradbench.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in METHODS:
                literals[node.value] = literals.get(node.value, 0) + 1
    assert literals == dict.fromkeys(METHODS, 1)


def test_dir_shows_the_api_for_tab_completion():
    """The names are imported on first use; dir() must list them anyway, and only them."""
    import subprocess
    import sys

    code = "import gradbench; print(' '.join(dir(gradbench)))"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    import gradbench

    assert shown == sorted([*gradbench.__all__, "__version__"])
    assert {"MLP", "Spec", "gradient", "check"} <= set(shown) and "import_module" not in shown
    assert all(hasattr(gradbench, name) for name in shown)
