"""Seeded data sets with a real train/test split: the seeds' XOR, two moons, and a regression.

Targets are real numbers for the MSE loss; for the two classification sets they are 0/1 labels and a
prediction counts as correct when it rounds to the label (threshold 0.5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import GradbenchError
from ..io.machine import available_memory
from ..io.units import size

Generated = tuple[np.ndarray, np.ndarray, bool]  # X (n, D), Y (n, K), is it a classification


@dataclass(frozen=True)
class Dataset:
    name: str
    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    classification: bool

    @property
    def inputs(self) -> int:
        return self.X_train.shape[1]

    @property
    def outputs(self) -> int:
        return self.Y_train.shape[1]


def xor(rng: np.random.Generator, n: int) -> Generated:
    """The four XOR corners (0,0)->0, (0,1)->1, (1,0)->1, (1,1)->0, each sampled with N(0, 0.1^2) noise."""
    corners = rng.integers(0, 2, size=(n, 2))
    X = corners + 0.1 * rng.standard_normal((n, 2))
    return X, (corners[:, 0] ^ corners[:, 1]).astype(float)[:, None], True


def two_moons(rng: np.random.Generator, n: int) -> Generated:
    """Two interleaved half circles (as sklearn's make_moons), noise 0.1, centred and scaled."""
    label = rng.integers(0, 2, size=n)
    angle = rng.uniform(0, np.pi, size=n)
    X = np.where(
        label[:, None] == 0,
        np.column_stack([np.cos(angle), np.sin(angle)]),
        np.column_stack([1 - np.cos(angle), 0.5 - np.sin(angle)]),
    )
    X = X + 0.1 * rng.standard_normal((n, 2))
    return (X - [0.5, 0.25]) / [1.0, 0.5], label.astype(float)[:, None], True


def regression(rng: np.random.Generator, n: int) -> Generated:
    """y = sin(2x) + x/2 + N(0, 0.05^2) for x uniform in [-2, 2]."""
    x = rng.uniform(-2, 2, size=(n, 1))
    return x, np.sin(2 * x) + x / 2 + 0.05 * rng.standard_normal((n, 1)), False


GENERATORS = {"xor": xor, "two-moons": two_moons, "regression": regression}


def load(name: str, n: int = 200, test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    """`n` seeded samples of data set `name`, split into train and test sets."""
    if name not in GENERATORS:
        raise GradbenchError(f"unknown data set {name!r}: choose from {', '.join(GENERATORS)}")
    if n < 4:
        raise GradbenchError(f"--samples must be at least 4, got {n}")
    need = 8 * n * 16  # inputs, targets, noise and the split's copies: a few float64 words per sample
    if need > available_memory():
        raise GradbenchError(f"--samples {n:,} needs about {size(need)}: more than is available")
    rng = np.random.default_rng(seed)
    X, Y, classification = GENERATORS[name](rng, n)
    n_test = max(1, round(n * test_fraction))
    order = rng.permutation(n)
    test, train = order[:n_test], order[n_test:]
    return Dataset(name, X[train], Y[train], X[test], Y[test], classification)
