"""Chapter 4's inputs: random batches of the shapes the exercises must handle.

Every case is plain data (float64 arrays, lists of arrays), so it can be copied, pickled and
labelled. Shapes vary from case to case (``m = 1`` single examples among them) and layers are
rarely square, so a missing transpose shows up as a wrong shape; the fixed cases add the square
layers on which a transposed answer has the right shape and wrong numbers, so it can be named.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

import numpy as np

from course.gradcheck import numeric

__all__ = ["NUMERIC", "sizes", "batch", "one_hot_targets", "square_sizes"]

#: the course's finite-difference functions: forbidden in every exercise that asks for a derivative
NUMERIC = (numeric.numerical_derivative, numeric.numerical_gradient, numeric.numerical_jacobian)


def sizes(rng: np.random.Generator) -> tuple[int, int, int]:
    """``(j, k, m)``: a layer from ``k`` to ``j`` neurons (never square) and a batch of ``m``."""
    j = int(rng.integers(1, 7))
    k = int(rng.integers(1, 7))
    while k == j:
        k = int(rng.integers(1, 7))
    m = 1 if rng.random() < 0.25 else int(rng.integers(2, 8))
    return j, k, m


def square_sizes(n: int = 3, m: int = 4) -> tuple[int, int, int]:
    """``(n, n, m)``: a square layer, for the fixed cases that name a transposed answer."""
    return n, n, m


def batch(rng: np.random.Generator, rows: int, m: int, scale: float = 1.0) -> np.ndarray:
    """A ``(rows, m)`` batch of normal entries times ``scale`` (a random spread of it)."""
    return rng.normal(scale=scale * float(rng.uniform(0.5, 1.5)), size=(rows, m))


def one_hot_targets(rng: np.random.Generator, k: int, m: int) -> np.ndarray:
    """``(k, m)`` one-hot columns of random classes."""
    Y = np.zeros((k, m))
    Y[rng.integers(0, k, size=m), np.arange(m)] = 1.0
    return Y
