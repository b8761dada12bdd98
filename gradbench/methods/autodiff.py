"""The exact methods by automatic differentiation: forward mode (one tangent pass per entry), backprop
(one forward and one backward pass) and checkpointed backprop (O(sqrt L) activations kept)."""

from __future__ import annotations

import numpy as np

from ..model.mlp import MLP
from ..model.ops import Counter, add, dot, func, matmul, multiply, subtract
from ..model.passes import backward, forward, jvp, layer_backward
from ..model.plans import backprop_plan
from ..model.spec import Spec
from . import footprint
from .registry import GradientResult, Options, empty_gradient, sorted_indices
from .segments import segments


def forward_mode(model: MLP, opts: Options) -> GradientResult:
    """One JVP per unit direction e_i, dual numbers through the layers: exact, N tangent passes."""
    c, g = Counter(), empty_gradient(model, opts)
    v = np.zeros(model.n_params, model.dtype)
    dW, db = model.views(v)
    idx = sorted_indices(opts)
    for i in range(model.n_params) if idx is None else idx:
        v[i] = 1.0
        g[i] = jvp(model, dW, db, c)[1]
        v[i] = 0.0
    return GradientResult(g, c)


def backprop(model: MLP, opts: Options) -> GradientResult:
    """One forward pass keeping activations, one backward pass: the whole gradient."""
    plan, g = backprop_plan(model), np.empty(model.n_params, model.dtype)  # the plan first: it runs the passes
    forward(model, model.W, model.b, None)
    backward(model, *model.views(g), None)
    return GradientResult(g, plan.copy())


def backprop_checkpoint(model: MLP, opts: Options) -> GradientResult:
    """Backprop keeping only each segment's input (costs.segments: about sqrt(L) of them), recomputing a
    segment's activations on the way back: O(sqrt L) activations for about one extra forward pass."""
    c, L = Counter(), len(model.W)
    parts = segments(L, checkpoint_segments(model.spec, opts))
    starts = {start for start, _ in parts}
    kept, A = {0: model.X}, model.X
    for l in range(L):  # forward: every layer's output is dropped but the segments' inputs
        A = _layer(model, l, A, c)
        if l + 1 in starts:
            kept[l + 1] = A
    c.forward_passes += 1
    R = subtract(c, A, model.Y)
    multiply(c, dot(c, R.reshape(-1), R.reshape(-1)), 1.0 / R.size)  # the loss, as a forward pass has it
    dZ, g = multiply(c, R, 2.0 / R.size), np.empty(model.n_params, model.dtype)
    gW, gb = model.views(g)
    for start, end in reversed(parts):
        acts = [kept[start]]
        for l in range(start, end - 1):  # the segment again, from its kept input
            acts.append(_layer(model, l, acts[-1], c))
        for l in range(end - 1, start - 1, -1):
            dZ = layer_backward(model, l, acts[l - start], dZ, gW, gb, c)
    c.backward_passes += 1
    return GradientResult(g, c)


def checkpoint_segments(spec: Spec, opts: Options) -> int | None:
    """The count of segments `opts` asks for, 'auto' resolved against its memory."""
    return footprint.checkpoint_segments(spec, opts.memory, opts.segments)


def _layer(model: MLP, l: int, A: np.ndarray, c: Counter) -> np.ndarray:
    """A[l] = f(A[l-1] W[l] + b[l]), no activation after the last layer; newly allocated."""
    Z = matmul(c, A, model.W[l])
    if model.b[l] is not None:
        add(c, Z, model.b[l], out=Z)
    return func(c, model.act, Z, out=Z) if l < len(model.W) - 1 else Z
