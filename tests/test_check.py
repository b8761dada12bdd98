"""`check` catches real bugs in a backward pass with the two-evaluation directional check, and passes a
correct one in float64 and float32; it works on any NumPy f(x) and names the worst entries."""

import numpy as np
import pytest

from gradbench import MLP, Spec
from gradbench.errors import UserCodeError
from gradbench.studies.checks import check

SQUARE = Spec(layers=3, hidden=6, batch=4, activation="tanh")  # square layers: a transposed dW still fits


def sigmoid_free_net(spec: Spec):
    """(f, grad, theta) for a tanh MLP with MSE loss, written here in plain NumPy: the model under test."""
    model = MLP.build(spec)
    X, Y, L = model.X, model.Y, spec.layers

    def unpack(theta):
        return model.views(np.asarray(theta, dtype=model.dtype))

    def f(theta):
        W, b = unpack(theta)
        A = X
        for l in range(L):
            A = A @ W[l] + b[l]
            A = np.tanh(A) if l < L - 1 else A
        return np.mean((A - Y) ** 2)

    def grad(theta, bug=None):
        W, b = unpack(theta)
        acts = [X]
        for l in range(L):
            Z = acts[-1] @ W[l] + b[l]
            acts.append(np.tanh(Z) if l < L - 1 else Z)
        g = np.zeros_like(theta, dtype=model.dtype)
        gW, gb = model.views(g)
        dZ = 2 * (acts[-1] - Y) / Y.size
        for l in range(L - 1, -1, -1):
            A_prev = acts[l + 1] if bug == "off-by-one layer" and l > 0 else acts[l]
            gW[l][...] = (A_prev.T @ dZ).T if bug == "transposed dW" else A_prev.T @ dZ
            gb[l][...] = dZ[0] if bug == "bias not summed over the batch" else dZ.sum(0)
            if l > 0:
                dA = dZ @ W[l].T
                dZ = dA if bug == "missing activation derivative" else dA * (1 - acts[l] ** 2)
        return g

    return f, grad, model.theta.copy()


BUGS = ["transposed dW", "missing activation derivative", "bias not summed over the batch", "off-by-one layer"]


@pytest.mark.parametrize("bug", BUGS)
def test_each_bug_is_caught_by_the_two_evaluation_directional_check(bug):
    """Over 20 random directions, the directional check alone fails every time (probability ~1): two
    evaluations, and two more for its second look at 2h when the first fails."""
    f, grad, theta = sigmoid_free_net(SQUARE)
    caught = 0
    for seed in range(20):
        result = check(f, lambda t: grad(t, bug), theta, entries=0, seed=seed)
        (directional,) = result.outcomes
        assert directional.evaluations == 4 and directional.failed == 1
        caught += not result
    assert caught == 20


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_correct_backward_pass_passes_every_check(dtype):
    from dataclasses import replace

    f, grad, theta = sigmoid_free_net(replace(SQUARE, dtype=dtype))
    result = check(f, grad, theta, entries=20, full=False, seed=3)
    assert result, str(result)
    full = check(f, grad, theta, full=True)
    assert full and full.outcomes[-1].evaluations >= 2 * theta.size and full.entries_checked == theta.size


def test_the_sampled_and_full_checks_name_the_wrong_entries():
    f, grad, theta = sigmoid_free_net(SQUARE)
    n_out = SQUARE.outputs

    def one_wrong(t):
        g = grad(t)
        g[7] += 0.5
        return g

    result = check(f, one_wrong, theta, full=True)
    assert not result and result.worst[0].index == (7,)
    assert result.outcomes[-1].failed == 1 and result.outcomes[-1].evaluations == 2 * theta.size + 2  # + its 2nd look
    assert n_out > 0


def test_any_numpy_function_the_seeds_example():
    """Seed 001: f = (x + y) z at (-2, 5, -4); its gradient (z, z, x + y) passes, a wrong one fails."""

    def f(v):
        return (v[0] + v[1]) * v[2]

    assert check(f, lambda v: np.array([v[2], v[2], v[0] + v[1]]), [-2.0, 5.0, -4.0], full=True)
    assert not check(f, lambda v: np.array([v[2], v[0], v[0] + v[1]]), [-2.0, 5.0, -4.0])


def test_an_error_in_the_users_function_is_theirs():
    def f(v):
        raise ValueError("bad input in my model")

    with pytest.raises(UserCodeError, match="your function raised ValueError: bad input in my model") as info:
        check(f, lambda v: v, [1.0, 2.0])
    assert isinstance(info.value.error, ValueError)


USER_MODULE = """
import numpy as np

def f(x):
    return np.sum(np.sin(x) * x)

def grad(x):
    return np.sin(x) + x * np.cos(x)

def wrong(x):
    return np.sin(x) + np.cos(x)

def broken(x):
    return undefined_name * x
"""


def run_check(tmp_path, *args):
    import os
    import subprocess
    import sys

    (tmp_path / "mymodel.py").write_text(USER_MODULE)
    np.save(tmp_path / "x.npy", np.linspace(-1, 2, 7))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "gradbench", "check", *args, "--x0", str(tmp_path / "x.npy")],
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip


def test_cli_checks_a_users_function_exit_0_right_1_wrong(tmp_path):
    right = run_check(tmp_path, "--function", "mymodel:f", "--gradient", "mymodel:grad", "--full")
    assert right.returncode == 0 and "the gradient passes" in right.stdout
    wrong = run_check(tmp_path, "--function", "mymodel:f", "--gradient", "mymodel:wrong")
    assert wrong.returncode == 1 and wrong.stderr.startswith("gradbench: check failed: the gradient is wrong")


def test_an_error_in_the_users_code_shows_their_traceback_not_ours(tmp_path):
    result = run_check(tmp_path, "--function", "mymodel:f", "--gradient", "mymodel:broken")
    assert result.returncode == 2
    assert "mymodel.py" in result.stderr and "NameError" in result.stderr
    assert "gradbench/checks.py" not in result.stderr and "gradbench/cli" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("gradbench: error: your gradient raised NameError")


@pytest.mark.parametrize("args, message", [
    (["--function", "mymodel:f"], "needs --function, --x0, and one of --gradient or --jacobian"),
    (["--function", "nomodule:f", "--gradient", "mymodel:grad"], "no module 'nomodule'"),
    (["--function", "mymodel:nothing", "--gradient", "mymodel:grad"], "has no 'nothing'"),
    (["--function", "mymodel", "--gradient", "mymodel:grad"], "must be module:function"),
])  # fmt: skip
def test_bad_references_are_one_line(tmp_path, args, message):
    result = run_check(tmp_path, *args)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_compare_function_times_every_method_against_your_gradient():
    from gradbench import compare_function

    def f(x):
        return (x * x * x - 2 * x).sum()  # works on NumPy arrays and on torch tensors

    x = np.linspace(-1, 2, 40)
    rows = {r.method: r for r in compare_function(f, x, lambda x: 3 * x * x - 2, budget_s=0.05)}
    assert rows["your gradient"].time_ratio == 1 and rows["your gradient"].rel_error == 0
    assert (rows["forward"].evaluations, rows["central"].evaluations, rows["complex"].evaluations) == (41, 80, 40)
    assert rows["central"].rel_error < 1e-8 and rows["complex"].rel_error < 1e-14
    try:
        import torch  # noqa: F401
    except ImportError:  # without the torch extra there is no autograd row
        assert "torch.autograd" not in rows
    else:  # f is written with operators only, so torch differentiates it too
        assert rows["torch.autograd"].rel_error < 1e-14 and rows["torch.autograd"].evaluations is None


def test_cli_compare_on_your_function_exits_1_when_your_gradient_is_wrong(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "mymodel.py").write_text(USER_MODULE)
    np.save(tmp_path / "x.npy", np.linspace(-1, 2, 7))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    base = [sys.executable, "-m", "gradbench", "compare", "--function", "mymodel:f", "--x0", str(tmp_path / "x.npy"),
            "--budget", "0.05"]  # fmt: skip
    right = subprocess.run([*base, "--gradient", "mymodel:grad"], capture_output=True, text=True, env=env, check=False)
    assert right.returncode == 0 and "your gradient" in right.stdout and "central" in right.stdout
    wrong = subprocess.run([*base, "--gradient", "mymodel:wrong"], capture_output=True, text=True, env=env, check=False)
    assert wrong.returncode == 1 and "the gradient is wrong" in wrong.stderr


@pytest.mark.parametrize("hidden, seed", [(50, 1), (100, 1), (200, 0), (200, 2)])
def test_a_correct_float32_backprop_passes_on_wider_models(cli, hidden, seed):
    """The float32 differences carry round-off of about eps |f| / h: allowed for, as gradcheck's atol."""
    code, _, err = cli("check", "--dtype", "float32", "--hidden", str(hidden), "--seed", str(seed))
    assert code == 0, err


def test_a_large_coordinate_does_not_spoil_the_directional_step():
    """Each entry gets its own step: one coordinate of 1e6 leaves the others' differences accurate."""
    x = np.concatenate([[1e6], np.linspace(-1, 1, 9)])

    def f(v):
        return 1e-3 * v[0] + np.sum(np.sin(v[1:]))

    def grad(v):
        return np.concatenate([[1e-3], np.cos(v[1:])])

    assert check(f, grad, x, full=True)


USER_MODULE_FAULTS = {
    "importfails.py": "raise RuntimeError('boom at import')\n",
    "shortgrad.py": "import numpy as np\ndef f(x): return float(np.sum(x * x))\ndef g(x): return 2 * x[:-1]\n",
}


@pytest.mark.parametrize("args, message", [
    (["--function", "importfails:f", "--gradient", "importfails:g"], "importing importfails raised RuntimeError"),
    (["--function", "shortgrad:f", "--gradient", "shortgrad:g"], "your gradient has 6 entries, x has 7"),
    (["--function", "shortgrad:f", "--gradient", "shortgrad:g", "--hidden", "5"], "--hidden: not for check --function"),
])  # fmt: skip
def test_faults_in_the_users_module_are_one_line_and_exit_2(tmp_path, args, message):
    for name, text in USER_MODULE_FAULTS.items():
        (tmp_path / name).write_text(text)
    result = run_check(tmp_path, *args)
    assert result.returncode == 2 and message in result.stderr.strip().splitlines()[-1]
    assert "gradbench/" not in result.stderr


def test_an_empty_x0_is_refused(tmp_path):
    (tmp_path / "mymodel.py").write_text(USER_MODULE)
    np.save(tmp_path / "empty.npy", np.array([]))
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "gradbench", "check", "--function", "mymodel:f", "--gradient",
                             "mymodel:grad", "--x0", str(tmp_path / "empty.npy")], capture_output=True, text=True,
                            env=env, check=False)  # fmt: skip
    assert result.returncode == 2 and "holds no numbers" in result.stderr
