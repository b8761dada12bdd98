"""The six optimizers of the seeds, as update rules on a flat parameter vector (in place).

Each rule is `step(theta, g, state, hp)`; `state` is a dict the rule fills on first use and `hp` the
hyper-parameters. The rules and their defaults are PyTorch's (torch.optim), so they can be checked
against it:
  sgd       theta -= lr g
  momentum  b = mu b + g;                  theta -= lr b
  nesterov  b = mu b + g;                  theta -= lr (g + mu b)     (the look-ahead gradient,
                                                                        in shifted variables)
  adagrad   s += g^2;                      theta -= lr g / (sqrt(s) + eps)
  rmsprop   v = alpha v + (1-alpha) g^2;   theta -= lr g / (sqrt(v) + eps)
  adam      m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
            theta -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

State = dict[str, Any]  # what a rule keeps between steps (moments, step count), filled on first use


@dataclass(frozen=True)
class Hyper:
    lr: float = 0.1
    momentum: float = 0.9
    alpha: float = 0.99  # RMSProp's decay
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8


def sgd(theta: np.ndarray, g: np.ndarray, state: State, hp: Hyper) -> None:
    theta -= hp.lr * g


def momentum(theta: np.ndarray, g: np.ndarray, state: State, hp: Hyper) -> None:
    b = state.get("b")
    state["b"] = b = g.copy() if b is None else np.add(hp.momentum * b, g, out=b)
    theta -= hp.lr * b


def nesterov(theta: np.ndarray, g: np.ndarray, state: State, hp: Hyper) -> None:
    b = state.get("b")
    state["b"] = b = g.copy() if b is None else np.add(hp.momentum * b, g, out=b)
    theta -= hp.lr * (g + hp.momentum * b)


def adagrad(theta: np.ndarray, g: np.ndarray, state: State, hp: Hyper) -> None:
    s = state.setdefault("s", np.zeros_like(theta))
    s += g * g
    theta -= hp.lr * g / (np.sqrt(s) + hp.eps)


def rmsprop(theta: np.ndarray, g: np.ndarray, state: State, hp: Hyper) -> None:
    v = state.setdefault("v", np.zeros_like(theta))
    v *= hp.alpha
    v += (1 - hp.alpha) * g * g
    theta -= hp.lr * g / (np.sqrt(v) + hp.eps)


def adam(theta: np.ndarray, g: np.ndarray, state: State, hp: Hyper) -> None:
    m = state.setdefault("m", np.zeros_like(theta))
    v = state.setdefault("v", np.zeros_like(theta))
    t = state["t"] = state.get("t", 0) + 1
    m *= hp.beta1
    m += (1 - hp.beta1) * g
    v *= hp.beta2
    v += (1 - hp.beta2) * g * g
    m_hat, v_hat = m / (1 - hp.beta1**t), v / (1 - hp.beta2**t)
    theta -= hp.lr * m_hat / (np.sqrt(v_hat) + hp.eps)


Rule = Callable[[np.ndarray, np.ndarray, State, Hyper], None]

OPTIMIZERS: dict[str, Rule] = {
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
}

# The hyper-parameters other than lr, with their valid [low, high) ranges, and which rule reads which
# (`--optimizer adam:beta2=0.99`): a setting a rule does not read is refused, not recorded as if used.
READS: dict[str, tuple[str, ...]] = {
    "sgd": (),
    "momentum": ("momentum",),
    "nesterov": ("momentum",),
    "adagrad": ("eps",),
    "rmsprop": ("alpha", "eps"),
    "adam": ("beta1", "beta2", "eps"),
}
HYPER_RANGES = {
    "momentum": (0.0, 1.0),
    "alpha": (0.0, 1.0),
    "beta1": (0.0, 1.0),
    "beta2": (0.0, 1.0),
    "eps": (1e-300, float("inf")),
}

# Learning rates that train the seeds' XOR network with each rule (tests hold this).
DEFAULT_LR = {"sgd": 0.2, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.1, "rmsprop": 0.01, "adam": 0.01}
