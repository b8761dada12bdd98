"""The six optimizers follow their published update rules: trajectories worked out by hand on
f(theta) = theta^2 (gradient 2 theta, theta_0 = 1), PyTorch's torch.optim on a quadratic, and XOR."""

import math

import numpy as np
import pytest

from gradbench import Spec
from gradbench.model.data import load
from gradbench.studies.optim import DEFAULT_LR, OPTIMIZERS, Hyper
from gradbench.studies.train import TrainConfig, train


def two_steps(name, hp):
    theta, state = np.array([1.0]), {}
    path = []
    for _ in range(2):
        OPTIMIZERS[name](theta, 2 * theta.copy(), state, hp)
        path.append(theta[0])
    return path


# theta_1 and theta_2 by hand; g_0 = 2, g_1 = 2 theta_1.
HAND = {
    # theta -= lr g
    "sgd": (Hyper(lr=0.1), [1 - 0.1 * 2, 0.8 - 0.1 * 1.6]),
    # b = 0.9 b + g (b_1 = 2, b_2 = 1.8 + 1.6); theta -= lr b
    "momentum": (Hyper(lr=0.1), [0.8, 0.8 - 0.1 * (0.9 * 2 + 1.6)]),
    # theta -= lr (g + 0.9 b): theta_1 = 1 - 0.1 (2 + 1.8) = 0.62; g_1 = 1.24, b_2 = 1.8 + 1.24
    "nesterov": (Hyper(lr=0.1), [0.62, 0.62 - 0.1 * (1.24 + 0.9 * (1.8 + 1.24))]),
    # s = 4, then 4 + 1.8^2; theta -= lr g / sqrt(s)
    "adagrad": (Hyper(lr=0.1, eps=0.0), [0.9, 0.9 - 0.1 * 1.8 / math.sqrt(4 + 1.8**2)]),
    # v = 0.01 * 4 = 0.04, then 0.99 * 0.04 + 0.01 * 1.8^2
    "rmsprop": (Hyper(lr=0.01, eps=0.0), [0.9, 0.9 - 0.01 * 1.8 / math.sqrt(0.99 * 0.04 + 0.01 * 1.8**2)]),
    # step 1 moves by exactly lr; m_2 = 0.9*0.2 + 0.1*1.8 = 0.36, v_2 = 0.999*0.004 + 0.001*3.24
    "adam": (
        Hyper(lr=0.1, eps=0.0),
        [0.9, 0.9 - 0.1 * (0.36 / (1 - 0.9**2)) / math.sqrt((0.999 * 0.004 + 0.001 * 3.24) / (1 - 0.999**2))],
    ),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_update_rule_by_hand(name):
    hp, expected = HAND[name]
    assert two_steps(name, hp) == pytest.approx(expected, rel=1e-12)


def torch_optimizer(torch, name, params, hp):
    o = torch.optim
    return {
        "sgd": lambda: o.SGD(params, lr=hp.lr),
        "momentum": lambda: o.SGD(params, lr=hp.lr, momentum=hp.momentum),
        "nesterov": lambda: o.SGD(params, lr=hp.lr, momentum=hp.momentum, nesterov=True),
        "adagrad": lambda: o.Adagrad(params, lr=hp.lr, eps=hp.eps),
        "rmsprop": lambda: o.RMSprop(params, lr=hp.lr, alpha=hp.alpha, eps=hp.eps),
        "adam": lambda: o.Adam(params, lr=hp.lr, betas=(hp.beta1, hp.beta2), eps=hp.eps),
    }[name]()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_trajectory_matches_torch_optim(name):
    torch = pytest.importorskip("torch", reason="torch is the outside reference (pip install -e '.[torch]')")
    A = np.diag([1.0, 3.0, 0.5, 2.0])
    theta0 = np.array([1.0, -2.0, 0.5, 3.0])
    hp = Hyper(lr=0.05)
    theta, state = theta0.copy(), {}
    p = torch.tensor(theta0, requires_grad=True)
    opt = torch_optimizer(torch, name, [p], hp)
    for _ in range(25):
        OPTIMIZERS[name](theta, A @ theta, state, hp)
        opt.zero_grad()
        (0.5 * p @ torch.tensor(A) @ p).backward()
        opt.step()
    assert theta == pytest.approx(p.detach().numpy(), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_optimizer_trains_xor_with_its_defaults(name):
    config = TrainConfig("backprop", name, Hyper(lr=DEFAULT_LR[name]), epochs=300, batch=32)
    result = train(Spec(), load("xor"), config)
    last = result.history[-1]
    assert last.train_accuracy == 1.0
    assert last.test_accuracy == 1.0
