"""JAX as a second outside reference: the same MLP, parameters and data, gradient by jax.grad compiled
with jax.jit (the compile time is measured apart and kept out of the per-gradient time), FLOPs from the
compiled program's own cost analysis. Imported only through peers.load (jax is optional)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..model.mlp import MLP

jax.config.update("jax_enable_x64", True)  # float64 models stay float64

COMPILE_S: dict[int, float] = {}  # seconds the last gradient_fn spent compiling, by model id


def _loss(model: MLP) -> tuple[Callable[[list[Any]], Any], list[Any]]:
    """(loss of the parameter list, the parameters) of the model rebuilt in jax.numpy."""
    act = {"sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh, "relu": jax.nn.relu}[model.spec.activation]
    X, Y, L = jnp.asarray(model.X), jnp.asarray(model.Y), len(model.W)
    params = [jnp.asarray(p) for pair in zip(model.W, model.b) for p in pair if p is not None]
    bias = model.b[0] is not None

    def loss(ps: list[Any]) -> Any:
        A = X
        for l in range(L):
            W, b = (ps[2 * l], ps[2 * l + 1]) if bias else (ps[l], None)
            A = A @ W + b if b is not None else A @ W
            A = act(A) if l < L - 1 else A
        return jnp.mean((A - Y) ** 2)

    return loss, params


def gradient_fn(model: MLP, threads: int | None = None) -> Callable[[], np.ndarray]:
    """A function computing the model's loss gradient with a compiled jax.grad, flat in theta's layout.
    It is compiled here, once; the seconds that took are in COMPILE_S[id(model)]."""
    loss, params = _loss(model)
    compiled = jax.jit(jax.grad(loss))
    began = time.perf_counter()
    jax.block_until_ready(compiled(params))
    COMPILE_S[id(model)] = time.perf_counter() - began

    def gradient() -> np.ndarray:
        return np.concatenate([np.asarray(g).ravel() for g in jax.block_until_ready(compiled(params))])

    return gradient


def flops(model: MLP) -> tuple[int, int]:
    """(forward, forward + backward) FLOPs from XLA's cost analysis of the compiled programs."""
    loss, params = _loss(model)

    def counted(fn: Callable[[list[Any]], Any]) -> int:
        analysis = jax.jit(fn).lower(params).compile().cost_analysis()
        analysis = analysis[0] if isinstance(analysis, list) else analysis
        return int(analysis.get("flops", 0)) if analysis else 0

    return counted(loss), counted(jax.grad(loss))
