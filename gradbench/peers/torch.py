"""PyTorch as the outside reference: the same MLP, the same parameters and data, gradient by
torch.autograd, FLOPs by torch.utils.flop_counter. Imported only through peers.load (torch is optional)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from ..model.mlp import MLP


def _graph(model: MLP) -> tuple[Callable[[], Any], list[Any]]:
    """(loss function, parameter leaves) of the model rebuilt in torch."""
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[model.spec.activation]
    W = [torch.tensor(w, requires_grad=True) for w in model.W]
    b = [torch.tensor(v, requires_grad=True) if v is not None else None for v in model.b]
    params = [p for pair in zip(W, b) for p in pair if p is not None]
    X, Y = torch.tensor(model.X), torch.tensor(model.Y)
    last = len(W) - 1

    def loss() -> Any:
        A = X
        for l in range(last + 1):
            bl = b[l]
            A = torch.addmm(bl, A, W[l]) if bl is not None else A @ W[l]
            if l < last:
                A = act(A)
        return torch.nn.functional.mse_loss(A, Y)

    return loss, params


def gradient_fn(model: MLP, threads: int | None = None) -> Callable[[], np.ndarray]:
    """A function computing model's loss gradient with torch.autograd, as a flat vector in theta's layout.

    The parameters are torch leaf tensors copied from the model's views; the activation and the loss
    are torch's own (torch.sigmoid/tanh/relu, mean-squared error).
    """
    if threads:
        torch.set_num_threads(threads)
    loss, params = _graph(model)

    def gradient() -> np.ndarray:
        grads = torch.autograd.grad(loss(), params)
        return torch.cat([g.reshape(-1) for g in grads]).numpy()

    return gradient


def flops(model: MLP) -> tuple[int, int]:
    """(forward, forward + backward) FLOPs by torch.utils.flop_counter.FlopCounterMode."""
    loss, params = _graph(model)
    with FlopCounterMode(display=False) as forward_only:
        loss()
    with FlopCounterMode(display=False) as both:
        torch.autograd.grad(loss(), params)
    return forward_only.get_total_flops(), both.get_total_flops()
