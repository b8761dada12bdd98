"""What each mode of `check` can and cannot catch, stated and held: every injected bug class against the
directional check, sampled entries, the full check and the Taylor test, on third-party code (scipy's
Rosenbrock); a bug a mode misses by design is missed with the reason in the coverage it prints. No correct
gradient is flagged, over seeds, shapes and both dtypes. Jacobians and Hessian-vector products likewise."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy.optimize import rosen, rosen_der, rosen_hess_prod

from gradbench import check, check_hvp, check_jacobian, taylor_test
from gradbench.studies.checks import RTOL
from gradbench.testing import assert_gradient

N = 10_000
X = np.random.default_rng(0).standard_normal(N)
RELATIVE = 1e-4
SMALL_ENTRY = int(np.argmin(np.abs(np.abs(rosen_der(X)) - 18.16)))  # an entry of about the user's -18.16


def sign_flip(x):
    return -rosen_der(x)


def missing_factor(x):
    return rosen_der(x) / 2


def off_by_one(x):
    return np.roll(rosen_der(x), 1)


def one_small_entry(x):
    """The user's bug: one entry off by a relative 1e-4 (-18.1559 against -18.1577 in their report)."""
    g = rosen_der(x)
    g[SMALL_ENTRY] *= 1 + RELATIVE
    return g


# bug -> {mode: caught?}; False means missed by design, for the reason the coverage states.
MATRIX = {
    sign_flip: {"directional": True, "sampled": True, "full": True, "taylor": True},
    missing_factor: {"directional": True, "sampled": True, "full": True, "taylor": True},
    off_by_one: {"directional": True, "sampled": True, "full": True, "taylor": True},
    one_small_entry: {"directional": False, "sampled": False, "full": True, "taylor": False},
}


def verdict(mode, grad):
    if mode == "taylor":
        return bool(taylor_test(rosen, grad, X))
    kw = {"directional": {"entries": 0}, "sampled": {"entries": 10}, "full": {"full": True}}[mode]
    return check(rosen, grad, X, **kw)


@pytest.mark.parametrize("bug", MATRIX, ids=lambda b: b.__name__)
@pytest.mark.parametrize("mode", ["directional", "sampled", "full", "taylor"])
def test_each_bug_class_is_caught_by_the_modes_that_can_catch_it(bug, mode):
    result = verdict(mode, bug)
    caught = not result
    assert caught == MATRIX[bug][mode]
    if caught or mode == "taylor":
        return
    coverage = " ".join(result.coverage())
    if mode == "sampled":  # 10 of 10,000: found with probability 0.1%, and said so
        assert "10 of 10,000 entries (0.1%)" in coverage and "probability ≈ 0.1%" in coverage
    error = abs(one_small_entry(X)[SMALL_ENTRY] - rosen_der(X)[SMALL_ENTRY])
    assert result.detectable > error  # the direction's stated threshold is above this bug: why it missed
    assert "--full" in coverage


def test_a_transposed_matrix_is_caught_by_every_mode():
    A = np.random.default_rng(1).standard_normal((30, 30))
    x = np.random.default_rng(2).standard_normal(30)

    def f(x):
        return 0.5 * x @ A @ x

    def wrong(x):
        return A @ x  # the gradient is (A + A^T) x / 2; a transposed-only product is wrong

    assert check(f, lambda x: (A + A.T) @ x / 2, x, full=True)
    for kw in ({"entries": 0}, {"entries": 30}, {"full": True}):
        assert not check(f, wrong, x, **kw)
    assert not taylor_test(f, wrong, x)


def test_the_small_entry_fails_per_entry_where_the_old_scale_passed_it():
    """Judged by its own size: |g - D| of about 1.8e-3 against its own allowance; relative to the
    gradient's largest entry (the old scale) it is under 1e-7, which the old tolerance of 1e-6 passed."""
    result = check(rosen, one_small_entry, X, full=True)
    (worst,) = [e for e in result.worst if e.index == (SMALL_ENTRY,)]
    assert worst.abs_error > worst.allowed and worst.rel_error == pytest.approx(RELATIVE, rel=0.05)
    assert worst.abs_error / np.max(np.abs(rosen_der(X))) < 1e-7


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("seed", range(6))
def test_no_correct_gradient_is_flagged(dtype, seed):
    """Third-party gradients at random points and sizes, both dtypes, every mode."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(int(rng.integers(2, 400))) * rng.choice([0.1, 1, 3])).astype(dtype)
    assert check(rosen, rosen_der, x, full=True, seed=seed), dtype
    assert check(lambda v: np.sum(np.sin(v) * v), lambda v: np.sin(v) + v * np.cos(v), x, full=True, seed=seed)
    assert taylor_test(rosen, rosen_der, x, seed=seed)
    assert check_hvp(rosen_der, rosen_hess_prod, x, seed=seed)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("hidden", [3, 8])
def test_no_correct_model_gradient_is_flagged(cli, dtype, hidden):
    for seed in range(3):
        code, out, err = cli("check", "--hidden", str(hidden), "--dtype", dtype, "--seed", str(seed), "--full",
                             "--taylor")  # fmt: skip
        assert code == 0, out + err


def test_the_default_checks_all_entries_when_they_fit_the_budget_and_samples_otherwise():
    slow_n = 50_000
    x = np.random.default_rng(3).standard_normal(slow_n)
    fits = check(rosen, rosen_der, x[:100], budget=10.0)
    assert fits.entries_checked == 100 and len(fits.coverage()) == 1  # all of them: nothing to warn of
    sampled = check(rosen, rosen_der, x, budget=0.05)
    assert 10 <= sampled.entries_checked < slow_n
    assert f"of {slow_n:,} entries" in sampled.coverage()[0] and "--full (≈" in sampled.coverage()[-1]
    assert check(rosen, rosen_der, x, entries=7).entries_checked == 7


def test_rtol_and_atol_follow_allclose_semantics():
    """An entry fails when |a - n| > atol + rtol |n| (+ the difference's own error): a loose atol passes
    the small-entry bug, the default does not; the defaults are 100 eps^(2/3) of x's dtype."""
    assert RTOL["float64"] == pytest.approx(100 * np.finfo(np.float64).eps ** (2 / 3))
    assert RTOL["float32"] == pytest.approx(100 * np.finfo(np.float32).eps ** (2 / 3))
    x = X[:2000]
    assert not check(rosen, one_small_entry, x, full=True)
    assert check(rosen, one_small_entry, x, full=True, atol=1.0)
    assert check(rosen, one_small_entry, x, full=True, rtol=1e-3)


def test_worst_entries_are_named_by_multi_index_for_an_nd_input():
    x = X[:600].reshape(20, 30)

    def g(x):
        d = rosen_der(x.ravel()).reshape(x.shape)
        d[7, 11] += 1.0
        return d

    result = check(lambda x: rosen(x.ravel()), g, x, full=True)
    assert not result and result.worst[0].index == (7, 11) and "(7, 11)" in str(result)


def test_x_keeps_its_dtype_everywhere():
    seen = set()

    def f(x):
        seen.add(x.dtype)
        return float(np.sum(x * x))

    x = np.linspace(-1, 1, 20, dtype=np.float32)
    result = check(f, lambda x: 2 * x, x, full=True)
    taylor_test(f, lambda x: 2 * x, x)
    assert result.dtype == "float32" and seen == {np.dtype(np.float32)}


def test_the_jacobian_check_finds_a_wrong_entry_by_probe_and_by_column():
    A = np.random.default_rng(4).standard_normal((7, 40))
    x = np.random.default_rng(5).standard_normal(40)

    def f(x):
        return np.sin(A @ x)

    def J(x):
        return np.cos(A @ x)[:, None] * A

    def wrong(x):
        j = J(x)
        j[3, 17] *= -1
        return j

    assert check_jacobian(f, J, x, full=True)
    full = check_jacobian(f, wrong, x, full=True, probes=0)
    assert not full and full.worst[0].index == (3, 17)
    assert not check_jacobian(f, wrong, x, columns=0, probes=3)  # the probes alone, 6 evaluations
    assert check_jacobian(f, J, x, columns=0).evaluations == 6


@pytest.mark.parametrize("tolerance", [{"rtol": float("nan")}, {"rtol": -1.0}, {"atol": float("inf")}])
def test_every_check_refuses_a_tolerance_that_is_not_finite_and_non_negative(tolerance):
    """An infinite atol would pass a wrong Jacobian: check, check_jacobian and check_hvp refuse it alike."""
    from gradbench import GradbenchError

    x = np.ones(3)
    with pytest.raises(GradbenchError, match="rtol and atol must be finite and non-negative"):
        check(rosen, rosen_der, x, **tolerance)
    with pytest.raises(GradbenchError, match="rtol and atol must be finite and non-negative"):
        check_jacobian(rosen_der, lambda x: 5 * np.eye(3), x, **tolerance)
    with pytest.raises(GradbenchError, match="rtol and atol must be finite and non-negative"):
        check_hvp(rosen_der, lambda x, v: 7 * v, x, **tolerance)


def test_a_negative_count_of_entries_or_columns_is_refused_in_one_line():
    from gradbench import GradbenchError

    with pytest.raises(GradbenchError, match="entries must be 0 or more, got -1"):
        check(rosen, rosen_der, np.ones(3), entries=-1)
    with pytest.raises(GradbenchError, match="columns must be 0 or more, got -1"):
        check_jacobian(rosen_der, lambda x: 5 * np.eye(3), np.ones(3), columns=-1)


def test_a_scaled_hvp_is_caught_and_its_cost_is_two_gradients_per_direction():
    x = X[:500]
    right = check_hvp(rosen_der, rosen_hess_prod, x, directions=3)
    assert right and right.evaluations == 6 and "6 gradient calls" in str(right)
    assert not check_hvp(rosen_der, lambda x, v: 1.01 * rosen_hess_prod(x, v), x)


def test_str_is_a_readable_report_and_assert_gradient_names_the_failing_index():
    assert str(check(rosen, rosen_der, X[:50])).startswith("the gradient passes")
    with pytest.raises(AssertionError, match=rf"(?s)FAILS.*worst entries.*\b{SMALL_ENTRY}\b"):
        assert_gradient(rosen, one_small_entry, X, full=True)
    assert_gradient(rosen, rosen_der, X[:2000])


USER = """
import numpy as np
from scipy.optimize import rosen, rosen_der
def f(x):
    print("chatty f")
    return rosen(x)
def g(x):
    return rosen_der(x)
def real_only(x):
    return float(np.sum(x ** 2))
def real_grad(x):
    return 2 * x
"""


def run(tmp_path, *args, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-m", "gradbench", *args], capture_output=True, text=True, env=env,
                          cwd=cwd or tmp_path, check=False, timeout=300)  # fmt: skip


@pytest.fixture
def user_dir(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "model.py").write_text(USER)
    np.save(tmp_path / "x.npy", X[:300])
    return tmp_path


def test_your_module_is_found_from_its_directory_and_by_path(user_dir):
    by_name = run(user_dir, "check", "--function", "pkg.model:f", "--gradient", "pkg.model:g", "--x0", "x.npy")
    assert by_name.returncode == 0, by_name.stderr
    sub = user_dir / "elsewhere"
    sub.mkdir()
    by_path = run(user_dir, "check", "--function", "../pkg/model.py:f", "--gradient", "../pkg/model.py:g",
                  "--x0", "../x.npy", cwd=sub)  # fmt: skip
    assert by_path.returncode == 0, by_path.stderr


def test_check_json_on_stdout_stays_json_when_f_prints(user_dir):
    result = run(user_dir, "check", "--function", "pkg.model:f", "--gradient", "pkg.model:g", "--x0", "x.npy",
                 "--taylor", "--json", "-")  # fmt: skip
    doc = json.loads(result.stdout)  # "chatty f" went to stderr
    assert result.returncode == 0 and doc["passed"] and doc["taylor"]["passed"]
    assert doc["gradient"]["coverage"][0].startswith("checked 1 random direction and all 300 entries")
    assert "chatty f" in result.stderr


def test_compare_function_names_a_function_that_is_not_complex_safe(user_dir):
    result = run(user_dir, "compare", "--function", "pkg.model:real_only", "--gradient", "pkg.model:real_grad",
                 "--x0", "x.npy", "--budget", "0.05")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "not complex-safe: the complex step is skipped" in result.stdout and "ComplexWarning" not in result.stderr
    assert "\n│ complex " not in result.stdout


def test_compare_function_honours_the_budget_by_sampling_entries(user_dir):
    """300,000 inputs at --budget 0.1: it samples, says so, and returns (it ran for minutes before)."""
    np.save(user_dir / "big.npy", np.random.default_rng(0).standard_normal(300_000))
    result = run(user_dir, "compare", "--function", "pkg.model:real_only", "--gradient", "pkg.model:real_grad",
                 "--x0", "big.npy", "--budget", "0.1", "--json", "-")  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = {r["method"]: r for r in json.loads(result.stdout)["rows"]}
    assert rows["central"]["estimated"] and rows["central"]["entries"] < 300_000
    assert rows["central"]["evaluations"] == 600_000  # 2N, extrapolated from the entries that ran


@pytest.mark.parametrize("value, message", [
    ("None", "your function must return a number; it returned NoneType"),
    ("'text'", "your function must return a number; it returned str"),
])  # fmt: skip
def test_a_function_returning_the_wrong_kind_is_one_line(tmp_path, value, message):
    (tmp_path / "m.py").write_text(f"def f(x):\n    return {value}\ndef g(x):\n    return x\n")
    np.save(tmp_path / "x.npy", np.ones(3))
    result = run(tmp_path, "check", "--function", "m:f", "--gradient", "m:g", "--x0", "x.npy")
    assert result.returncode == 2 and result.stderr.strip() == f"gradbench: error: {message}"


def test_a_function_that_exits_is_an_error_not_a_pass(tmp_path):
    (tmp_path / "m.py").write_text("import sys\ndef f(x):\n    sys.exit(0)\ndef g(x):\n    return x\n")
    np.save(tmp_path / "x.npy", np.ones(3))
    result = run(tmp_path, "check", "--function", "m:f", "--gradient", "m:g", "--x0", "x.npy")
    assert result.returncode == 2 and "called sys.exit(0)" in result.stderr.splitlines()[-1]


@pytest.mark.parametrize("ref", ["..um:f", "m:", ":f", "m:1f", "a b:f"])
def test_a_malformed_function_name_is_one_line(tmp_path, ref):
    result = run(tmp_path, "check", "--function", ref, "--gradient", "m:g", "--x0", "x.npy")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_an_npy_that_claims_more_than_it_holds_is_refused_before_loading(tmp_path):
    with open(tmp_path / "huge.npy", "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
        f.write(b"\0" * 64)
    (tmp_path / "m.py").write_text("def f(x):\n    return 0.0\ndef g(x):\n    return x\n")
    result = run(tmp_path, "check", "--function", "m:f", "--gradient", "m:g", "--x0", "huge.npy")
    assert result.returncode == 2 and "--x0: cannot read" in result.stderr and "MemoryError" not in result.stderr


@pytest.mark.parametrize("budget", ["nan", "-1", "0"])
def test_a_budget_that_is_not_a_positive_number_is_refused(user_dir, budget):
    for command in ("compare", "check"):
        result = run(user_dir, command, "--function", "pkg.model:f", "--gradient", "pkg.model:g", "--x0", "x.npy",
                     "--budget", budget)  # fmt: skip
        assert result.returncode == 2 and "--budget" in result.stderr, (command, result.stderr)


def test_the_taylor_plot_is_written(user_dir):
    result = run(user_dir, "check", "--function", "pkg.model:f", "--gradient", "pkg.model:g", "--x0", "x.npy",
                 "--taylor", "--plot", "taylor.png")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (user_dir / "taylor.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (user_dir / "taylor.svg").is_file()
