"""The shape-matched limit: what a computation's GEMMs cost on this machine at their own shapes, timed
bare (np.dot into preallocated arrays, a transposed view where the method uses one). A method is judged
against what this CPU can do at the shapes it runs, not against one square GEMM's peak: on a CPU where
(1024 x 100) @ (100 x 100) runs at 0.45 of the square peak, no method of those shapes can do better.
The same list timed with torch.mm splits a comparison with torch into its BLAS's share and ours.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Sequence

import numpy as np

from ..methods.costs import Gemm


def _operands(gemms: Sequence[Gemm], dtype: str) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, int]]:
    rng = np.random.default_rng(0)
    out = []
    for (m, k, n, transposed), count in Tally(gemms).items():
        a = rng.standard_normal((k, m) if transposed else (m, k)).astype(dtype)
        out.append(
            (a.T if transposed else a, rng.standard_normal((k, n)).astype(dtype), np.empty((m, n), dtype), count)
        )
    return out


def numpy_gemms(gemms: Sequence[Gemm], dtype: str = "float64") -> Callable[[], None]:
    """A function that runs the GEMMs once, bare, in NumPy."""
    ops = _operands(gemms, dtype)

    def run() -> None:
        for a, b, out, count in ops:
            for _ in range(count):
                np.dot(a, b, out)

    return run


def torch_gemms(gemms: Sequence[Gemm], dtype: str = "float64") -> Callable[[], None]:
    """The same GEMMs, bare, in torch (its own BLAS): torch.mm into preallocated tensors."""
    import torch

    def tensor(a: np.ndarray) -> torch.Tensor:  # a transposed view stays one: torch.mm reads its strides
        return torch.from_numpy(a.T).T if not a.flags.c_contiguous else torch.from_numpy(a)

    ops = [
        (tensor(a), torch.from_numpy(b), torch.from_numpy(out), count) for a, b, out, count in _operands(gemms, dtype)
    ]

    def run() -> None:
        for a, b, out, count in ops:
            for _ in range(count):
                torch.mm(a, b, out=out)

    return run
