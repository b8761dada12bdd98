"""PyTorch as the outside reference: the same MLP, the same parameters and data, gradient by
torch.autograd, FLOPs by torch.utils.flop_counter. Imported only when asked for (torch is optional)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .spec import GradbenchError


def import_torch():
    try:
        import torch
    except ImportError:
        raise GradbenchError("--peer torch needs PyTorch: pip install -e '.[torch]'") from None
    return torch


def torch_gradient_fn(model, threads: int | None = None) -> Callable[[], np.ndarray]:
    """A function computing model's loss gradient with torch.autograd, as a flat vector in theta's layout.

    The parameters are torch leaf tensors copied from the model's views; the activation and the loss
    are torch's own (torch.sigmoid/tanh/relu, mean-squared error).
    """
    torch = import_torch()
    if threads:
        torch.set_num_threads(threads)
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[model.spec.activation]
    W = [torch.tensor(w, requires_grad=True) for w in model.W]
    b = [torch.tensor(v, requires_grad=True) if v is not None else None for v in model.b]
    params = [p for pair in zip(W, b) for p in pair if p is not None]
    X, Y = torch.tensor(model.X), torch.tensor(model.Y)
    last = len(W) - 1

    def loss():
        A = X
        for l in range(last + 1):
            A = torch.addmm(b[l], A, W[l]) if b[l] is not None else A @ W[l]
            if l < last:
                A = act(A)
        return torch.nn.functional.mse_loss(A, Y)

    def gradient() -> np.ndarray:
        grads = torch.autograd.grad(loss(), params)
        return torch.cat([g.reshape(-1) for g in grads]).numpy()

    gradient.loss = loss  # for the FLOP counter
    gradient.params = params
    return gradient


def torch_flops(model) -> tuple[int, int]:
    """(forward, forward + backward) FLOPs by torch.utils.flop_counter.FlopCounterMode."""
    torch = import_torch()
    from torch.utils.flop_counter import FlopCounterMode

    fn = torch_gradient_fn(model)
    with FlopCounterMode(display=False) as forward_only:
        fn.loss()
    with FlopCounterMode(display=False) as both:
        torch.autograd.grad(fn.loss(), fn.params)
    return forward_only.get_total_flops(), both.get_total_flops()
