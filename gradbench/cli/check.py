"""The commands on the user's own code: `check` (a gradient, a Jacobian, a Hessian-vector product, the
Taylor test) and `compare --function`. Thin as the others: load, call the study, render, exit. The check
command is registered in inspect_commands.py, in its place in the command list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from . import arguments as a


def check_command(
    ctx: typer.Context, layers: a.Layers = 3, hidden: a.Hidden = 10, batch: a.Batch = 1, activation: a.Act = "sigmoid",
    dtype: a.Dtype = "float64", seed: a.Seed = 0, method: a.CheckMethod = None, function: a.Function = None,
    gradient: a.GradientFn = None, jacobian: a.JacobianFn = None, hessian_vector: a.HvpFn = None, x0: a.X0 = None,
    entries: a.Entries = None, full: a.Full = False, rtol: a.Rtol = None, atol: a.Atol = 0.0,
    budget: a.CheckBudget = 2.0, taylor: a.Taylor = False, plot: a.TaylorPlot = None, json: a.CheckJson = None,
    force: a.Force = False,
) -> None:  # fmt: skip
    """Is a gradient right? Exit 1 if not.

    Entry by entry against central differences, with the coverage stated: a random direction, then all
    entries if they fit --budget, else a sample. Your own f with --function, or the model's method.
    """
    from ..errors import GradbenchError
    from ..io.files import check_outputs, write_json
    from ..io.values import positive_finite
    from ..render.check import show_check, show_taylor
    from ..render.console import beside
    from ..studies.checks import require

    positive_finite("--budget", budget)
    if plot and not taylor:
        raise GradbenchError("--plot draws the Taylor test: add --taylor")
    if plot and not plot.lower().endswith(".png"):
        raise GradbenchError(f"--plot must end in .png (an .svg is written beside it), got {plot}")
    svg = plot[:-4] + ".svg" if plot else None
    check_outputs({"--json": json, "--plot": plot, "the SVG beside --plot": svg}, force, inputs=(x0,) if x0 else ())
    tol: dict[str, Any] = {"rtol": rtol, "atol": atol}
    if function or gradient or x0 or jacobian or hessian_vector:
        refuse_model_options(ctx, "check")
        results, what = yours(
            function, gradient, jacobian, hessian_vector, x0, tol, entries, full, seed, budget, taylor
        )
    else:
        results, what = of_model(layers, hidden, batch, activation, dtype, seed, method, tol, entries, full, budget,
                                 taylor)  # fmt: skip
    out = beside(json)
    for name, result in results.items():
        if name == "taylor":
            show_taylor(out, result)
        else:
            show_check(out, result, what if name == "gradient" else f"{name} of {what}")
    if plot:
        from ..render.plot import plot_taylor

        plot_taylor(results["taylor"], Path(plot), f"Taylor test: {what}")
    if json:
        passed = all(bool(r) for r in results.values())
        write_json(json, {"what": what, "passed": passed, **{k: r.as_dict() for k, r in results.items()}})
    for name, result in results.items():
        require(result, {"gradient": "the gradient", "jacobian": "the Jacobian", "taylor": "the gradient (Taylor test)",
                         "hessian-vector": "the Hessian-vector product"}[name])  # fmt: skip


def yours(function: str | None, gradient: str | None, jacobian: str | None, hvp: str | None, x0: str | None,
          tol: dict[str, Any], entries: int | None, full: bool, seed: int, budget: float,
          taylor: bool) -> tuple[dict[str, Any], str]:  # fmt: skip
    """Each check asked for on the user's code, by name."""
    from ..errors import GradbenchError
    from ..studies.checks import check
    from ..studies.jacobians import check_hvp, check_jacobian
    from ..studies.taylor import taylor_test
    from ..studies.user_code import load_callable, load_point

    if not (function and x0 and (gradient or jacobian)) or (gradient and jacobian):
        raise GradbenchError("checking your own code needs --function, --x0, and one of --gradient or --jacobian")
    if hvp and not gradient:
        raise GradbenchError("--hessian-vector is checked against differences of --gradient: give --gradient too")
    if jacobian and taylor:
        raise GradbenchError("--taylor tests a scalar f's gradient: not with --jacobian")
    f, x = load_callable(function, "--function"), load_point(x0)
    results: dict[str, Any] = {}
    if jacobian:
        J = load_callable(jacobian, "--jacobian")
        results["jacobian"] = check_jacobian(f, J, x, columns=entries, full=full, seed=seed, budget=budget, **tol)
        return results, f"{jacobian} of {function}"
    g = load_callable(gradient or "", "--gradient")
    results["gradient"] = check(f, g, x, entries=entries, full=full, seed=seed, budget=budget, **tol)
    if hvp:
        results["hessian-vector"] = check_hvp(g, load_callable(hvp, "--hessian-vector"), x, seed=seed, **tol)
    if taylor:
        results["taylor"] = taylor_test(f, g, x, seed=seed)
    return results, f"{gradient} of {function}"


def of_model(layers: int, hidden: int, batch: int, activation: str, dtype: str, seed: int, method: str | None,
             tol: dict[str, Any], entries: int | None, full: bool, budget: float,
             taylor: bool) -> tuple[dict[str, Any], str]:  # fmt: skip
    from ..methods import REFERENCE
    from ..model.spec import Spec
    from ..studies import checks

    spec = Spec(layers, hidden, 0, 0, batch, activation, dtype, seed)
    results: dict[str, Any] = {"gradient": checks.of_model(spec, method, entries, full, seed, budget, **tol)}
    if taylor:
        results["taylor"] = checks.taylor_of_model(spec, method, seed)
    return results, f"{method or REFERENCE.name} on {spec}"


MODEL_ONLY = ("layers", "hidden", "inputs", "outputs", "batch", "activation", "dtype", "methods", "eps", "memory",
              "peer", "warmup", "runs", "csv", "method", "segments")  # fmt: skip


def refuse_model_options(ctx: typer.Context, command: str) -> None:
    """With --function the model's options do not apply: refuse any that was given, rather than ignore it."""
    from ..errors import GradbenchError

    given = [
        f"--{n}"
        for n in MODEL_ONLY
        if n in ctx.params and getattr(ctx.get_parameter_source(n), "name", "") == "COMMANDLINE"
    ]
    if given:
        raise GradbenchError(f"{', '.join(given)}: not for {command} --function (your f at --x0, your --gradient)")


def compare_yours(ctx: typer.Context, function: str | None, gradient: str | None, x0: str | None, budget: float,
                  threads: int, json: str | None, force: bool) -> None:  # fmt: skip
    """compare --function: the numeric methods timed against your gradient; exit 1 if it is wrong."""
    from ..errors import GradbenchError
    from ..io.files import check_outputs, write_json
    from ..io.values import positive_finite
    from ..measure.conditions import metadata, pinned
    from ..render.check import show_function
    from ..render.console import beside, console
    from ..studies.checks import check, require
    from ..studies.function import compare_function
    from ..studies.user_code import load_callable, load_point
    from .app import conditions_of

    refuse_model_options(ctx, "compare")
    positive_finite("--budget", budget)
    if not (function and x0):
        raise GradbenchError("comparing on your own function needs --function and --x0 (and --gradient)")
    check_outputs({"--json": json}, force, inputs=(x0,))
    f, x = load_callable(function, "--function"), load_point(x0)
    g = load_callable(gradient, "--gradient") if gradient else None
    err = console(stderr=True)
    with pinned(threads), err.status("timing your function") as status:
        rows = compare_function(f, x, g, budget_s=budget, on_step=lambda name: status.update(f"timing: {name}"))
        meta = metadata(conditions_of(ctx, threads, None))
    show_function(beside(json), rows, function, rows.notes)
    if json:
        write_json(json, {"metadata": meta, "function": function, "gradient": gradient, "notes": rows.notes,
                          "rows": [r.as_dict() for r in rows]})  # fmt: skip
    if g is not None:
        require(check(f, g, x, budget=budget))
