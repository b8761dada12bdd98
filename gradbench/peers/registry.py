"""Outside references: other autodiff libraries computing the same model's gradient, imported only when
asked for (they are optional and heavy). A peer module provides `gradient_fn(model, threads)` (a function
returning the flat gradient) and `flops(model)` ((forward, forward + backward) FLOPs by its own counter).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from types import ModuleType

from ..errors import GradbenchError


@dataclass(frozen=True)
class Peer:
    name: str  # the --peer value and the `method` column of its row
    label: str  # table label, containing the name
    color: str  # plot colour
    counter: str  # what counts its FLOPs (the `counts_from` of its row)
    module: str  # the module implementing it, imported on use
    package: str  # what must be importable
    install: str  # how to get it
    rtol: float  # the relative error against our backprop the tests hold it to (float64)


PEERS: dict[str, Peer] = {}


def register_peer(peer: Peer) -> Peer:
    PEERS[peer.name] = peer
    return peer


TORCH = register_peer(
    Peer(
        "torch",
        "torch.autograd (peer)",
        "C7",
        "torch.utils.flop_counter",
        "gradbench.peers.torch",
        "torch",
        "pip install -e '.[torch]'",
        1e-10,
    )
)


JAX = register_peer(
    Peer(
        "jax",
        "jax.grad (peer)",
        "C8",
        "XLA cost analysis",
        "gradbench.peers.jax",
        "jax",
        "pip install -e '.[jax]'",
        1e-10,
    )
)


def load(name: str) -> ModuleType:
    """The peer's module, refusing with the install line when its package is missing."""
    peer = PEERS.get(name)
    if peer is None:
        raise GradbenchError(f"unknown peer {name!r}: choose from {', '.join(PEERS)}")
    try:
        import_module(peer.package)
    except ImportError:
        raise GradbenchError(f"--peer {name} needs {peer.package}: {peer.install}") from None
    return import_module(peer.module)
