"""The seeds' cost claims, recomputed: their per-tensor accounting, the true per-parameter accounting
from the cost model, the same training actually run both ways with counters on, and seed 004's
N(N+1) multiplications checked on a small bias-free network."""

from __future__ import annotations

import numpy as np

from .costs import predict
from .data import Dataset
from .methods import METHODS, Options
from .mlp import MLP
from .ops import Counter
from .optim import Hyper
from .passes import forward
from .spec import Spec
from .train import train

SEED_EPOCHS = 1000  # 000_7023484e46ef20b9.txt: a 3-layer network trained 1000 epochs


def seed_accounting(layers: int, epochs: int) -> dict:
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


def true_accounting(spec: Spec, epochs: int) -> dict:
    """Per scalar parameter, from the cost model: N+1 (forward) and 2N (central) passes per gradient."""
    out = {"n_params": spec.n_params}
    for method in ("forward", "central", "backprop"):
        c = predict(method, spec) * epochs
        out[method] = {"passes": c.forward_passes + c.backward_passes, "forward_passes": c.forward_passes,
                       "backward_passes": c.backward_passes, "matmuls": c.matmuls, "flops": c.flops}
    return out


def fixed_data(spec: Spec, samples: int) -> Dataset:
    """A fixed regression set for the seed network: X ~ N(0, 1) (samples, D), Y = tanh(X R) (samples, K)."""
    rng = np.random.default_rng(spec.seed + 1)
    X = rng.standard_normal((samples + 4, spec.inputs))
    Y = np.tanh(X @ rng.standard_normal((spec.inputs, spec.outputs)) / np.sqrt(spec.inputs))
    return Dataset("fixed", X[:samples], Y[:samples], X[samples:], Y[samples:], classification=False)


def measured(spec: Spec, epochs: int, samples: int, lr: float, methods=("forward", "backprop"),
             on_epoch=None) -> dict:
    """The seeds' scenario actually run: `epochs` full-batch epochs, one SGD step each, per method."""
    data = fixed_data(spec, samples)
    out = {"samples": samples, "epochs": epochs, "lr": lr}
    for method in methods:
        r = train(spec, data, method, "sgd", Hyper(lr=lr), epochs, batch=samples,
                  on_epoch=(lambda e, m=method: on_epoch(m, e)) if on_epoch else None)
        c = r.counts
        out[method] = {"passes": c.forward_passes + c.backward_passes, "forward_passes": c.forward_passes,
                       "backward_passes": c.backward_passes, "matmuls": c.matmuls, "flops": c.flops,
                       "wall_s": r.wall_s, "gradient_s": r.gradient_s,
                       "final_train_loss": r.history[-1].train_loss}
    if "forward" in out and "backprop" in out:
        out["time_ratio"] = out["forward"]["gradient_s"] / out["backprop"]["gradient_s"]
    return out


def seed_004(hidden: int = 6, layers: int = 2, target: int = 100_000) -> dict:
    """Seed 004: a network whose forward pass does N multiplications (batch 1, no biases) needs
    N(N+1) multiplications for one forward-difference gradient. Counted on a small network, then the
    same formula evaluated at N = target."""
    spec = Spec(layers=layers, hidden=hidden, batch=1, bias=False)
    model = MLP.build(spec)
    one_pass = Counter()
    forward(model, model.W, model.b, one_pass)
    forward_mults = one_pass.matmul_flops // 2  # a matmul (m,k)@(k,n) multiplies m*k*n times
    _, step = METHODS["forward"](model, Options())
    _, one = METHODS["backprop"](model, Options())
    N = spec.n_params
    return {
        "small_n_params": N,
        "small_forward_multiplications": forward_mults,
        "small_step_multiplications": step.matmul_flops // 2,
        "small_predicted": N * (N + 1),
        "holds": forward_mults == N and step.matmul_flops // 2 == N * (N + 1),
        "backprop_step_multiplications": one.matmul_flops // 2,
        "target_n_params": target,
        "target_step_multiplications": target * (target + 1),
    }
