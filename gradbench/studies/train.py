"""Training: mini-batch gradient descent with any gradient method and any optimizer, counting every
operation the gradients perform. The per-epoch losses are evaluated outside the counters, so the
totals are the cost of the gradients alone (what the seeds count)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import GradbenchError, Interrupted
from ..io.values import named_with_values, positive_finite
from ..measure.estimate import gradient_seconds, pass_seconds, refuse_past
from ..methods import REFERENCE, gradient
from ..methods.registry import lookup
from ..model.data import Dataset
from ..model.mlp import MLP
from ..model.ops import Counter
from ..model.passes import loss, outputs
from ..model.spec import Spec
from .optim import DEFAULT_LR, HYPER_RANGES, OPTIMIZERS, READS, Hyper


@dataclass(frozen=True)
class TrainConfig:
    """How to train: the gradient method, the update rule and its hyper-parameters, the schedule."""

    method: str = REFERENCE.name
    optimizer: str = "adam"
    hyper: Hyper = field(default_factory=Hyper)
    epochs: int = 300
    batch: int = 32
    eps: float | None = None  # absolute finite-difference step

    def __post_init__(self) -> None:
        positive_finite("--lr", self.hyper.lr)
        positive_finite("--eps", self.eps)

    @classmethod
    def create(cls, method: str | None, optimizer: str, lr: float | None, epochs: int, batch: int,
               eps: float | None) -> TrainConfig:  # fmt: skip
        """From the command line's values: the method (default backprop), the optimizer with its settings
        ('adam:beta2=0.99'), and its default learning rate (one that trains XOR) when lr is None."""
        name = lookup(REFERENCE.name if method is None else method).name
        rule, hyper = named_with_values(optimizer, READS, HYPER_RANGES, "--optimizer")
        hp = Hyper(lr=DEFAULT_LR[rule] if lr is None else lr, **hyper)
        return cls(name, rule, hp, epochs, batch, eps)

    def as_dict(self) -> dict[str, Any]:
        """For the metadata: the gradient method, the optimizer and its hyper-parameters, the schedule."""
        return {"gradient": self.method, "optimizer": self.optimizer, "hyper": asdict(self.hyper),
                "epochs": self.epochs, "batch": self.batch, "eps": self.eps}  # fmt: skip


@dataclass(frozen=True)
class Epoch:
    epoch: int
    train_loss: float
    test_loss: float
    train_accuracy: float | None
    test_accuracy: float | None
    elapsed_s: float


@dataclass
class TrainResult:
    spec: Spec
    config: TrainConfig
    history: list[Epoch] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    steps: int = 0
    wall_s: float = 0.0
    gradient_s: float = 0.0
    diverged_at: int | None = None
    cause: str | None = None  # why it stopped early: divergence, a non-finite gradient, Ctrl-C
    interrupted: bool = False

    def totals(self) -> dict[str, Any]:
        last = self.history[-1] if self.history else None
        return {
            "epochs": len(self.history),
            "steps": self.steps,
            "wall_s": self.wall_s,
            "gradient_s": self.gradient_s,
            "diverged_at": self.diverged_at,
            **(asdict(last) if last else {}),
            **self.counts.as_dict(),
        }


def evaluate(model: MLP, X: np.ndarray, Y: np.ndarray, classification: bool) -> tuple[float, float | None]:
    """(MSE loss, accuracy or None) on a whole set; uncounted."""
    model.set_data(X, Y)
    value = loss(model)
    if not classification:
        return value, None
    return value, float(np.mean((outputs(model) > 0.5) == (Y > 0.5)))


def model_for(spec: Spec, data: Dataset, batch: int) -> MLP:
    """The spec's MLP with the data set's input and output widths."""
    return MLP.build(replace(spec, inputs=data.inputs, outputs=data.outputs, batch=batch))


def batches(n: int, batch: int, rng: np.random.Generator) -> list[np.ndarray]:
    order = rng.permutation(n) if batch < n else np.arange(n)
    return [order[i : i + batch] for i in range(0, n, batch)]


def predict_seconds(spec: Spec, data: Dataset, config: TrainConfig) -> float:
    """Wall time of the run, predicted from the cost model and one timed forward pass at the training batch
    size (estimate.py): the gradients of every step, and the two evaluations of every epoch."""
    n = len(data.X_train)
    batch = min(config.batch, n)
    at_batch = replace(spec, inputs=data.inputs, outputs=data.outputs, batch=batch)
    t_pass = pass_seconds(at_batch)
    steps = math.ceil(n / batch) * config.epochs
    evaluations = config.epochs * t_pass * (len(data.X_train) + len(data.X_test)) / batch
    return steps * gradient_seconds(config.method, at_batch, t_pass) + evaluations


def check_budget(spec: Spec, data: Dataset, config: TrainConfig, budget_s: float) -> None:
    """Refuse, before training, a run predicted to take longer than budget_s (without running it)."""
    positive_finite("--budget", budget_s)
    predicted = predict_seconds(spec, data, config)
    override = f"pass --budget {math.ceil(1.5 * predicted)} to run it, or use fewer --epochs or a smaller model"
    refuse_past(predicted, budget_s, f"training with {config.method} gradients", override)


def train(
    spec: Spec, data: Dataset, config: TrainConfig, on_epoch: Callable[[Epoch], None] | None = None
) -> TrainResult:
    """Train from the spec's seeded initial parameters; stops early when the loss is not finite."""
    lookup(config.method)
    if config.optimizer not in OPTIMIZERS:
        raise GradbenchError(f"unknown optimizer {config.optimizer!r}: choose from {', '.join(OPTIMIZERS)}")
    n = len(data.X_train)
    batch = min(config.batch, n)
    model = model_for(spec, data, batch)
    rng = np.random.default_rng(spec.seed)
    state: dict[str, Any] = {}
    result = TrainResult(model.spec, config)
    start = time.perf_counter()
    try:
        for epoch in range(1, config.epochs + 1):
            bad_gradient = _epoch(model, data, config, rng, state, result)
            train_loss, train_acc = evaluate(model, data.X_train, data.Y_train, data.classification)
            test_loss, test_acc = evaluate(model, data.X_test, data.Y_test, data.classification)
            record = Epoch(epoch, train_loss, test_loss, train_acc, test_acc, time.perf_counter() - start)
            result.history.append(record)
            if on_epoch:
                on_epoch(record)
            if bad_gradient or not (math.isfinite(train_loss) and math.isfinite(test_loss)):
                # a non-finite gradient from a finite loss is the method's; a non-finite loss, the rate's
                result.diverged_at, result.cause = epoch, _cause(config, bad_gradient, model.dtype)
                break
    except KeyboardInterrupt:  # the finished epochs are the result; the caller writes them
        result.interrupted = True
        result.cause = f"interrupted after {len(result.history)} of {config.epochs} epochs"
    result.wall_s = time.perf_counter() - start
    return result


def _epoch(model: MLP, data: Dataset, config: TrainConfig, rng: np.random.Generator, state: dict[str, Any],
           result: TrainResult) -> bool:  # fmt: skip
    """One pass over the training set in mini-batches. True if a gradient came back non-finite while the
    loss was finite (the step is then not taken; the epoch's evaluation shows a diverged loss)."""
    n = len(data.X_train)
    step = OPTIMIZERS[config.optimizer]
    for idx in batches(n, min(config.batch, n), rng):
        model.set_data(data.X_train[idx], data.Y_train[idx])
        t = time.perf_counter()
        g, c = gradient(model, config.method, eps=config.eps)
        result.gradient_s += time.perf_counter() - t
        result.counts += c
        if not np.isfinite(g).all():
            return math.isfinite(loss(model))  # a finite loss: the method's step is to blame; else the lr
        step(model.theta, g, state, config.hyper)
        result.steps += 1
    return False


def _cause(config: TrainConfig, bad_gradient: bool, dtype: np.dtype) -> str:
    """Why a run stopped: a gradient that was not finite while the loss was (the method's step), or a
    loss that grew without bound (the learning rate)."""
    if bad_gradient:  # only a finite-difference step can make a finite loss's gradient NaN
        eps = f"--eps {config.eps:g}" if config.eps is not None else "its default step"
        small = config.eps is not None and config.eps < float(np.finfo(dtype).eps)
        why = f"{eps} is below {dtype}'s resolution" if small else f"check {eps}"
        return f"the {config.method} gradient has NaN or infinite entries ({why}); the loss was still finite"
    return f"the loss is not finite: lower --lr (was {config.hyper.lr:g})"


def stopped(result: TrainResult, written: list[str]) -> None:
    """After the curve is written (`written`: the --csv and --json given, '-' for stdout): a run that
    diverged or was interrupted ends with its cause, saying what was kept (exit status 2 or 130)."""
    if result.cause is None:
        return
    n, places = len(result.history), " and ".join("stdout" if w == "-" else w for w in written)
    if n == 0:
        kept = "no epoch finished, so nothing was written"
    else:
        kept = f"the {n} finished epochs were written to {places}" if written else (
            f"{n} epochs finished (pass --csv or --json to keep them)")  # fmt: skip
    if result.interrupted:
        raise Interrupted(f"{result.cause}: {kept}")
    raise GradbenchError(f"training diverged at epoch {result.diverged_at}: {result.cause}; {kept}")
