"""The seeds' cost claims, recomputed: their per-tensor accounting, the true per-parameter accounting
from the cost model, the same training actually run both ways with counters on, and seed 004's
N(N+1) multiplications checked on a small bias-free network."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np

from ..errors import GradbenchError, Interrupted
from ..io.values import positive_finite
from ..measure.conditions import Conditions, metadata
from ..measure.estimate import gradient_seconds, pass_seconds, refuse_past
from ..methods import BACKPROP, CENTRAL, FORWARD, gradient, predict
from ..model.data import Dataset
from ..model.mlp import MLP
from ..model.ops import Counter
from ..model.passes import forward
from ..model.spec import Spec
from .optim import Hyper
from .train import Epoch, TrainConfig, train

SEED_EPOCHS = 1000  # 000_7023484e46ef20b9.txt: a 3-layer network trained 1000 epochs
SEED_SPEC = Spec(layers=3, hidden=10)  # 000: "a 3-layer network" (3 W, 3 b), 10 hidden units


def seed_accounting(layers: int, epochs: int) -> dict[str, int]:
    """Seed 000: a numerical gradient perturbs each weight tensor with 2 evaluations (f(x+h), f(x-h)),
    each evaluation being `layers` matmuls; backprop is 2 evaluations (forward + backward) per epoch."""
    tensors = 2 * layers  # W and b per layer
    numeric = 2 * tensors * epochs
    backprop = 2 * epochs
    return {
        "tensors": tensors,
        "evaluations_per_epoch_numeric": 2 * tensors,
        "numeric_evaluations": numeric,
        "backprop_evaluations": backprop,
        "numeric_matmuls": numeric * layers,
        "backprop_matmuls": backprop * layers,
        "seed_written_numeric_matmuls": numeric * 2 * layers,
    }


def per_gradient(c: Counter, N: int) -> str:
    """A gradient's passes as a formula in N where there is one: N+1, 2N, or forward + backward."""
    if c.backward_passes:
        return f"{c.forward_passes} fwd + {c.backward_passes} bwd"
    formula = {N + 1: "N+1", 2 * N: "2N", N: "N"}.get(c.forward_passes)
    return f"{formula} = {c.forward_passes:,}" if formula else f"{c.forward_passes:,}"


def _passes(c: Counter) -> dict[str, int]:
    """The accounting both blocks report, predicted or counted: passes, matmuls, FLOPs."""
    return {"passes": c.forward_passes + c.backward_passes, "forward_passes": c.forward_passes,
            "backward_passes": c.backward_passes, "matmuls": c.matmuls, "flops": c.flops}  # fmt: skip


def true_accounting(
    spec: Spec, epochs: int, methods: tuple[str, ...] = (FORWARD.name, CENTRAL.name, BACKPROP.name)
) -> dict[str, Any]:
    """Per scalar parameter, from the cost model: N+1 (forward) and 2N (central) passes per gradient."""
    out: dict[str, Any] = {"n_params": spec.n_params}
    for method in methods:
        one = predict(method, spec)
        c = one * epochs
        out[method] = {**_passes(c), "per_gradient": per_gradient(one, spec.n_params)}
    return out


def fixed_data(spec: Spec, samples: int) -> Dataset:
    """A fixed regression set for the seed network: X ~ N(0, 1) (samples, D), Y = tanh(X R) (samples, K)."""
    rng = np.random.default_rng(spec.seed + 1)
    X = rng.standard_normal((samples + 4, spec.inputs))
    Y = np.tanh(X @ rng.standard_normal((spec.inputs, spec.outputs)) / np.sqrt(spec.inputs))
    return Dataset("fixed", X[:samples], Y[:samples], X[samples:], Y[samples:], classification=False)


MEASURED = (FORWARD.name, BACKPROP.name)  # the seeds' comparison: numerical differentiation vs backprop
OnEpoch = Callable[[str, Epoch], None]


def measured(spec: Spec, epochs: int, samples: int, lr: float, on_epoch: OnEpoch | None = None) -> dict[str, Any]:
    """The seeds' scenario actually run: `epochs` full-batch epochs, one SGD step each, per method."""
    data = fixed_data(spec, samples)
    out: dict[str, Any] = {"samples": samples, "epochs": epochs, "lr": lr}
    for method in MEASURED:
        config = TrainConfig(method=method, optimizer="sgd", hyper=Hyper(lr=lr), epochs=epochs, batch=samples)
        r = train(spec, data, config, on_epoch=partial(on_epoch, method) if on_epoch else None)
        if r.interrupted:
            raise Interrupted(f"interrupted while training with {method}; nothing was written")
        if r.diverged_at is not None:
            raise GradbenchError(f"training with {method} diverged at epoch {r.diverged_at}: {r.cause}")
        out[method] = {
            **_passes(r.counts),
            "wall_s": r.wall_s,
            "gradient_s": r.gradient_s,
            "final_train_loss": r.history[-1].train_loss,
        }
    slow, fast = MEASURED
    out["time_ratio"] = out[slow]["gradient_s"] / out[fast]["gradient_s"]
    return out


def seed_004(hidden: int = 6, layers: int = 2, target: int = 100_000) -> dict[str, Any]:
    """Seed 004: a network whose forward pass does N multiplications (batch 1, no biases) needs
    N(N+1) multiplications for one forward-difference gradient. Counted on a small network, then the
    same formula evaluated at N = target."""
    spec = Spec(layers=layers, hidden=hidden, batch=1, bias=False)
    model = MLP.build(spec)
    one_pass = Counter()
    forward(model, model.W, model.b, one_pass)
    forward_mults = one_pass.matmul_flops // 2  # a matmul (m,k)@(k,n) multiplies m*k*n times
    _, step = gradient(model, FORWARD.name)
    _, one = gradient(model, BACKPROP.name)
    N = spec.n_params
    return {
        "small_n_params": N,
        "small_forward_multiplications": forward_mults,
        "small_step_multiplications": step.matmul_flops // 2,
        "small_predicted": N * (N + 1),
        "small_cost_model": predict(FORWARD.name, spec).matmul_flops // 2,
        "holds": forward_mults == N and step.matmul_flops // 2 == N * (N + 1),
        "backprop_step_multiplications": one.matmul_flops // 2,
        "target_n_params": target,
        "target_step_multiplications": target * (target + 1),
    }


LIMIT_S = 600.0  # a reproduce predicted to take longer than this needs --yes


def predict_seconds(epochs: int, samples: int) -> float:
    """The measured runs' wall time from the cost model and one timed pass at the full batch."""
    spec = replace(SEED_SPEC, batch=samples)
    t_pass = pass_seconds(spec)
    per_epoch = sum(gradient_seconds(m, spec, t_pass) for m in MEASURED) + 2 * len(MEASURED) * t_pass
    return epochs * per_epoch


def check_budget(epochs: int, samples: int, lr: float, yes: bool) -> None:
    """Refuse, before any training, a bad --lr, or a reproduce predicted to run past LIMIT_S unless --yes."""
    positive_finite("--lr", lr)
    replace(SEED_SPEC, batch=samples).check_fits()  # the data and the model at a batch of all samples
    if not yes:
        refuse_past(predict_seconds(epochs, samples), LIMIT_S, f"reproduce with {epochs:,} epochs",
                    "pass --yes to run it, or fewer --epochs")  # fmt: skip


def reproduce(
    epochs: int, samples: int, lr: float, conditions: Conditions, on_epoch: OnEpoch | None = None
) -> dict[str, Any]:
    """The whole `gradbench reproduce` document: the seeds' accounting, the true one, the measured runs
    and the cost model's prediction for exactly those runs (`samples` rows per full batch), seed 004."""
    spec = SEED_SPEC
    run = measured(spec, epochs, samples, lr, on_epoch)
    return {
        "metadata": metadata(conditions),
        "spec": spec.as_dict(),
        "seed_accounting": seed_accounting(spec.layers, SEED_EPOCHS),
        "true_accounting": true_accounting(spec, SEED_EPOCHS),
        "measured": run,
        "measured_predicted": true_accounting(replace(spec, batch=samples), epochs, MEASURED),
        "seed_004": seed_004(),
    }
