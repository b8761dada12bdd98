"""How cost grows with depth, width and batch, each apart: cost ∝ L^a · H^b · B^c fitted per method to a
sweep's grid, by least squares of log cost on log L, log H and log B (only the axes the grid varies), for
the counted FLOPs and for the median time, each exponent with a 95% interval (a studentized residual
bootstrap).

Beside them, the exponents the closed-form cost model predicts (methods/costs.py, with D = K = H as a sweep
builds its models): its leading order, the log-slopes of its FLOPs as each size doubles, read at L = 8,
H = 32, B = 8 and at twice that and extrapolated past the 1/size terms (forward difference L²·H⁴·B,
backprop L·H²·B); and the same regression run on the cost model's own FLOPs at the grid's points, which
is what the measured FLOPs must give (the counters equal the cost model) and which differs from the
leading order only by the lower-order terms.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..errors import GradbenchError
from ..measure.records import Measurement
from ..measure.stats import LEVEL, RESAMPLES, SEED

AXES = {"layers": "a", "hidden": "b", "batch": "c"}  # each axis and its exponent's symbol
QUANTITIES = {"flops": "FLOPs", "time": "time"}
BASE = {"layers": 8, "hidden": 32, "batch": 8}  # the cost model's log-slopes are read here and at twice it
ROUND_WITHIN = 0.1  # a log-slope this close to a whole number is that number: the leading order


@dataclass(frozen=True)
class Exponent:
    value: float
    low: float  # its 95% interval (NaN: too few points for one)
    high: float


@dataclass(frozen=True)
class Fit:
    """cost ∝ L^a · H^b · B^c for one method and one quantity, over the grid points it has."""

    method: str
    quantity: str  # "flops" or "time"
    points: int
    exponents: dict[str, Exponent]  # by axis; an axis the grid does not vary has none
    rms: float  # root-mean-square residual of log cost (natural log): how far from a power law
    estimated: int  # points whose time was extrapolated from a sample (0 for FLOPs)
    intercept: float  # log cost at L = H = B = 1: the fitted surface is exp(intercept) L^a H^b B^c

    def at(self, sizes: dict[str, float]) -> float:
        """The fitted surface at these sizes (of the axes fitted)."""
        return math.exp(self.intercept + sum(e.value * math.log(sizes[a]) for a, e in self.exponents.items()))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Theory:
    """What the closed-form cost model says of one method's FLOPs."""

    method: str
    leading: dict[str, float]  # the exponents as the sizes grow (whole numbers where they are within 0.1)
    on_grid: dict[str, float]  # the model's FLOPs at the grid's points, fitted as the measurements are


def power_law(log_x: np.ndarray, log_y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """Least squares of log_y (n,) on [1, log_x] (log_x: (n, k)): the k slopes, their 95% intervals (low,
    high; NaN with fewer than k + 3 points), the rms residual and the intercept.

    The interval is a studentized residual bootstrap (bootstrap-t; Efron and Tibshirani 1993, ch. 12): the
    grid is a designed experiment, its points fixed, so the leverage-adjusted, centred residuals are
    resampled onto the fit, and each resample's slope is studentized by its own standard error. A percentile
    bootstrap covered 91% on the 18-point grid of tests/test_fit.py (4 parameters): it ignores that the residuals'
    spread is itself estimated."""
    X = np.column_stack([np.ones(len(log_y)), log_x])
    n, p = X.shape
    H = np.linalg.pinv(X)  # (p, n): the fit's coefficients are H @ y
    coef = H @ log_y
    residual = log_y - X @ coef
    rms = float(np.sqrt(residual @ residual / (n - p))) if n > p else math.nan
    none = np.full(p - 1, math.nan)
    if n - p < 2:
        return coef[1:], none, none, rms, float(coef[0])
    unit = np.sqrt(np.diag(np.linalg.pinv(X.T @ X)))[1:]  # standard error per unit of residual spread
    if rms <= 1e-12 * max(1.0, float(np.abs(log_y).max())):  # an exact power law: nothing to resample
        return coef[1:], coef[1:].copy(), coef[1:].copy(), rms, float(coef[0])
    room = 1 - np.einsum("ij,ji->i", X, H)  # 1 - leverage of each point
    e = np.where(room > 1e-9, residual / np.sqrt(np.maximum(room, 1e-9)), residual)
    e_star = (e - e.mean())[np.random.default_rng(SEED).integers(0, n, (RESAMPLES, n))]
    shift = e_star @ H[1:].T  # each resample's slopes minus the fit's
    residual_star = e_star @ (np.eye(n) - X @ H).T  # each resample's residuals about its own fit
    spread = np.sqrt((residual_star**2).sum(axis=1) / (n - p))
    with np.errstate(divide="ignore", invalid="ignore"):  # a resample of one residual repeated has no spread
        t = shift / (spread[:, None] * unit)
    t[~np.isfinite(t)] = np.nan
    se, tail = rms * unit, (1 - LEVEL) / 2
    low = coef[1:] - np.nanquantile(t, 1 - tail, axis=0) * se
    high = coef[1:] - np.nanquantile(t, tail, axis=0) * se
    return coef[1:], low, high, rms, float(coef[0])


def design(rows: list[Measurement]) -> tuple[list[str], np.ndarray]:
    """The axes the rows vary, and the log of each row's size on them: (n, k)."""
    axes = [a for a in AXES if len({getattr(r, a) for r in rows}) > 1]
    return axes, np.log(np.array([[getattr(r, a) for a in axes] for r in rows], float).reshape(len(rows), len(axes)))


def fit_rows(rows: list[Measurement], quantity: str) -> Fit:
    """One method's rows fitted on the axes they vary."""
    cost = np.array([r.flops if quantity == "flops" else r.time_s for r in rows], float)
    axes, log_x = design(rows)
    value, low, high, rms, intercept = power_law(log_x, np.log(cost))
    exponents = {a: Exponent(float(v), float(lo), float(hi)) for a, v, lo, hi in zip(axes, value, low, high)}
    estimated = sum(r.estimated for r in rows) if quantity == "time" else 0
    return Fit(rows[0].method, quantity, len(rows), exponents, rms, estimated, intercept)


def theory(method: str, rows: list[Measurement]) -> Theory:
    """The cost model's exponents for `method`: leading order, and fitted at the points of `rows`."""
    from ..methods import predict
    from ..model.spec import Spec

    def flops(layers: int, hidden: int, batch: int) -> float:
        return float(predict(method, Spec(layers=layers, hidden=hidden, batch=batch)).flops)

    def slope(at: dict[str, int], axis: str) -> float:  # d log FLOPs / d log size, from `at` to twice it
        return math.log2(flops(**{**at, axis: 2 * at[axis]}) / flops(**at))

    leading = {}
    for axis in AXES:
        # the slope is d + c/size + O(1/size²): twice the slope at 2x the base less the slope at the base is d
        # to the second order (Richardson); the batched methods' L-slope is 2.14 at L = 16, 2.07 at 32
        d = 2 * slope({a: 2 * v for a, v in BASE.items()}, axis) - slope(BASE, axis)
        leading[axis] = float(round(d)) if abs(d - round(d)) <= ROUND_WITHIN else round(d, 2)
    axes, log_x = design(rows)
    model = np.log([flops(r.layers, r.hidden, r.batch) for r in rows])
    X = np.column_stack([np.ones(len(rows)), log_x])
    on_grid = np.linalg.lstsq(X, model, rcond=None)[0][1:]
    return Theory(method, leading, {a: float(v) for a, v in zip(axes, on_grid)})


def checked(rows: list[Measurement]) -> dict[str, list[Measurement]]:
    """The rows by method, refusing what a fit of L, H and B cannot describe."""
    if not rows:
        raise GradbenchError("the sweep has no rows to fit")
    for column in ("activation", "dtype"):
        if len({getattr(r, column) for r in rows}) > 1:
            raise GradbenchError(f"the sweep mixes {column}s: fit one {column} at a time")
    if any(r.inputs != r.hidden or r.outputs != r.hidden for r in rows):
        raise GradbenchError("fit models D = K = H (as sweep builds its models); this file has other widths")
    by_method: dict[str, list[Measurement]] = {}
    for r in rows:
        by_method.setdefault(r.method, []).append(r)
    if not any(len({getattr(r, a) for r in rows}) > 1 for a in AXES):
        raise GradbenchError("the sweep has one size: vary --layers, --hidden or --batch to fit how cost grows")
    return by_method


def fit_sweep(rows: list[Measurement]) -> tuple[list[Fit], list[Theory]]:
    """Per method, the FLOPs' and the time's fitted exponents, and the cost model's (a peer has none)."""
    from ..methods.registry import METHODS

    fits, theories = [], []
    for method, part in checked(rows).items():
        if len(part) < 2:
            continue
        fits += [fit_rows(part, quantity) for quantity in QUANTITIES]
        if method in METHODS:
            theories.append(theory(method, part))
    return fits, theories
