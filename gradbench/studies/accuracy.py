"""How wrong each numeric method is, at which step, in which precision: the relative error against the
true gradient (float64 backprop of the same parameters) over a log grid of steps, the V-curve of
Martins, Sturdza & Alonso (2003): truncation O(h^p) on the right, round-off ~eps/h on the left, and
the complex step flat down to tiny steps.

ReLU has kinks: a step that carries a pre-activation across zero measures the kink, not the method.
Steps above the smallest |pre-activation| (scaled by the largest input to a layer) are flagged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..errors import GradbenchError
from ..methods import CENTRAL, COMPLEX, FORWARD, REFERENCE, RICHARDSON, gradient, numeric
from ..methods.registry import METHODS, Method, Options, relative_error
from ..model.mlp import MLP
from ..model.spec import Spec

SWEPT = (FORWARD, CENTRAL, RICHARDSON, COMPLEX)
LIMIT_S = 600.0  # an accuracy run predicted to take longer is refused
DTYPES = ("float64", "float32")


def steps(method: Method, dtype: str) -> np.ndarray:
    """1e-1 ... 1e-16 by half decades; the complex step on to 1e-200 (the smallest the dtype holds)."""
    grid = 10.0 ** np.arange(-1, -16.25, -0.5)
    if method is COMPLEX:
        grid = np.concatenate([grid, 10.0 ** np.arange(-20.0, -201.0, -10.0)])
    return grid[grid > 1e3 * float(np.finfo(dtype).tiny)]


@dataclass(frozen=True)
class Point:
    """One gradient by `method` at absolute step `step`: its relative error against the true gradient."""

    method: str
    dtype: str
    step: float
    rel_error: float
    kink: bool  # the step may carry a ReLU pre-activation across zero


@dataclass(frozen=True)
class Summary:
    """One method in one dtype: where its error is least, against the textbook and the default step."""

    method: str
    dtype: str
    best_step: float
    best_error: float
    textbook_step: float  # eps^(1/(p+1)) for a truncation O(h^p); none (NaN) for the complex step
    default_step: float  # the step the method takes without --eps, for |theta| <= 1
    default_error: float
    truncation_slope: float  # fitted on the steps above the best: expect p
    roundoff_slope: float  # on the steps below it: expect -1 (none for the complex step)
    kink_step: float | None  # steps at or above this may straddle a kink (ReLU only)

    @property
    def note(self) -> str:
        """What a reader should know about this row: a kink, or a default step far from the best."""
        kink = self.kink_step
        if kink is not None and self.default_step >= kink:
            return f"the default step straddles a ReLU kink (h >= {kink:.1e}): its error is the kink's"
        if kink is not None and self.best_step >= kink:
            return f"the best step straddles a ReLU kink (h >= {kink:.1e}): its error is the kink's"
        if kink is not None and self.method in (CENTRAL.name, RICHARDSON.name):  # exact on a quadratic
            return f"ReLU: the loss is piecewise quadratic, so the error falls with h up to the kink at {kink:.1e}"
        floor = 1e3 * float(np.finfo(self.dtype).eps)  # below this every step is as good as exact
        if not math.isfinite(self.default_error) or self.default_error > max(10 * self.best_error, floor):
            return f"the default step is off the optimum: {self.default_error:.1e}, over 10x the best"
        return "default step near the optimum"


def check_outputs(spec: Spec, csv: str | None, png: str | None, force: bool) -> None:
    """Refuse, before any work, a model too big or outputs that cannot be written (the PNG's SVG too)."""
    from pathlib import Path

    from ..io import files

    svg = str(Path(png).with_suffix(".svg")) if png else None
    if png and not png.lower().endswith(".png"):
        raise GradbenchError(f"--plot must end in .png (an .svg is written beside it), got {png}")
    files.check_outputs({"--csv": csv, "--plot": png, "the SVG beside --plot": svg}, force, sidecars=("--csv",))
    spec.check_fits()
    from ..measure.estimate import pass_seconds, refuse_past

    per_entry = sum(
        METHODS[m.name].cost(spec, [0], Options()).forward_passes * len(steps(m, d)) for m in SWEPT for d in DTYPES
    )
    refuse_past(pass_seconds(spec) * per_entry * spec.n_params, LIMIT_S, f"accuracy on N = {spec.n_params:,}",
                "use a smaller model (the V-curves do not change their shape with N)")  # fmt: skip


def kink_step(model: MLP) -> float | None:
    """For ReLU: the smallest step that may carry a pre-activation across zero, min|z| / max|input|
    over the hidden layers (a step h in theta moves z by at most h times its layer's largest input)."""
    if model.spec.activation != "relu":
        return None
    A, bound = model.X.astype(np.float64), math.inf
    for l, (W, b) in enumerate(zip(model.W, model.b)):
        Z = A @ W.astype(np.float64) + (0.0 if b is None else b.astype(np.float64))
        if l < len(model.W) - 1:
            bound = min(bound, float(np.min(np.abs(Z))) / max(1.0, float(np.max(np.abs(A)))))
        A = np.maximum(Z, 0.0)
    return bound


@np.errstate(all="ignore")  # a step below the resolution gives 0/0: recorded as a NaN error, not warned
def measure(spec: Spec, methods: tuple[Method, ...] = SWEPT, dtypes: tuple[str, ...] = DTYPES) -> list[Point]:
    """Every method at every step of its grid, in each dtype, against the float64 backprop gradient."""
    truth_model = MLP.build(replace(spec, dtype="float64"))
    truth = gradient(truth_model, REFERENCE.name).gradient
    points = []
    for dtype in dtypes:
        model = MLP.build(replace(spec, dtype=dtype))  # the same seed: the same parameters, rounded
        kink = kink_step(model)
        for m in methods:
            for h in steps(m, dtype):
                g = gradient(model, m.name, eps=float(h)).gradient.astype(np.float64)
                points.append(Point(m.name, dtype, float(h), relative_error(g, truth), kink is not None and h >= kink))
    return points


def _sides(curve: list[Point], best: Point) -> tuple[list[Point], list[Point]]:
    """The truncation side (steps above the best, from the largest down while the error stays above 10x
    the best, kinks left out) and the round-off side (below the best, where the error is over 10x)."""
    above: list[Point] = []
    for p in sorted((p for p in curve if p.step > best.step), key=lambda p: -p.step):
        if p.rel_error <= 10 * best.rel_error:
            break
        if not p.kink:
            above.append(p)
    below = [p for p in curve if p.step < best.step and p.rel_error > 10 * best.rel_error]
    return above, below


def slope(points: list[Point]) -> float:
    """Least-squares slope of log error against log step (NaN for fewer than two finite points)."""
    pts = [(p.step, p.rel_error) for p in points if math.isfinite(p.rel_error) and p.rel_error > 0]
    if len(pts) < 2:
        return math.nan
    h, e = np.log10(np.array(pts)).T
    return float(np.polyfit(h, e, 1)[0])


@np.errstate(all="ignore")
def summarize(spec: Spec, points: list[Point]) -> list[Summary]:
    """Per method and dtype: the best step and error, the slopes either side, the default's error."""
    truth = gradient(MLP.build(replace(spec, dtype="float64")), REFERENCE.name).gradient
    out = []
    for dtype in dict.fromkeys(p.dtype for p in points):
        model = MLP.build(replace(spec, dtype=dtype))
        eps = float(np.finfo(dtype).eps)
        for name in dict.fromkeys(p.method for p in points if p.dtype == dtype):
            curve = [p for p in points if p.method == name and p.dtype == dtype]
            finite = [p for p in curve if math.isfinite(p.rel_error)] or curve
            best = min(finite, key=lambda p: p.rel_error)
            method = METHODS[name]
            assert method.rule is not None and method.order is not None  # the swept methods have both
            textbook = eps ** (1 / (method.order + 1)) if method is not COMPLEX else math.nan  # no optimum
            default = eps ** numeric.STEP_POWER[method.rule] if method is not COMPLEX else numeric.COMPLEX_STEP
            default_error = relative_error(gradient(model, name).gradient.astype(np.float64), truth)
            above, below = _sides(finite, best)
            out.append(Summary(name, dtype, best.step, best.rel_error, textbook, default, default_error,
                               slope(above), slope(below) if name != COMPLEX.name else math.nan,
                               kink_step(model)))  # fmt: skip
    return out
