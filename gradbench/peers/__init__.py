"""Outside references: other autodiff libraries computing the same model's gradient (torch.py, jax.py),
listed in registry.py and imported only when asked for."""

from .registry import JAX, PEERS, TORCH, Peer, load, register_peer

__all__ = ["JAX", "PEERS", "TORCH", "Peer", "load", "register_peer"]
