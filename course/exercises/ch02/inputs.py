"""Chapter 2's exercise inputs: small functions R^n -> R^m, and seeded data for z = W x + b.

Every vector is one example, a column of shape ``(n, 1)``. The functions handed to
``finite_difference_jacobian`` are small callable classes defined at module level (not
lambdas), so a case is plain data that can be copied and pickled; the notebook imports two of
them (through :mod:`course.exercises.ch02`) for its demos.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np

__all__ = ["TanhAffine", "SinTimesLinear", "LinearMap", "column", "layer_shape", "affine_data",
           "fixed_affine"]


def column(x: Any) -> np.ndarray:
    """``x`` as a float64 column of shape ``(x.size, 1)``."""
    return np.asarray(x, dtype=np.float64).reshape(-1, 1)


# ----------------------------------------------------------------------------
# functions R^n -> R^m used as inputs of the finite-difference exercise
# ----------------------------------------------------------------------------


class _ColumnMap:
    """A function from R^n to R^m on columns; its repr names the formula and the two spaces.

    The first field is the matrix whose shape ``(m, n)`` gives the spaces.
    """

    formula: ClassVar[str]

    def __repr__(self) -> str:
        m, n = getattr(self, fields(self)[0].name).shape
        return f"<x -> {self.formula}, R^{n} -> R^{m}>"


@dataclass(frozen=True, eq=False, repr=False)
class TanhAffine(_ColumnMap):
    """``x -> tanh(W x + b)``, from R^n_in to R^n_out; takes and returns columns."""

    W: np.ndarray
    b: np.ndarray
    formula: ClassVar[str] = "tanh(W x + b)"

    def __call__(self, x: Any) -> np.ndarray:
        return np.tanh(self.W @ column(x) + self.b)


@dataclass(frozen=True, eq=False, repr=False)
class SinTimesLinear(_ColumnMap):
    """``x -> sin(A x) * (B x)`` elementwise, from R^n to R^m; takes and returns columns."""

    A: np.ndarray
    B: np.ndarray
    formula: ClassVar[str] = "sin(A x) * (B x)"

    def __call__(self, x: Any) -> np.ndarray:
        x = column(x)
        return np.sin(self.A @ x) * (self.B @ x)


@dataclass(frozen=True, eq=False, repr=False)
class LinearMap(_ColumnMap):
    """``x -> A x``, whose Jacobian is exactly ``A``; takes and returns columns."""

    A: np.ndarray
    formula: ClassVar[str] = "A x"

    def __call__(self, x: Any) -> np.ndarray:
        return self.A @ column(x)


# ----------------------------------------------------------------------------
# seeded data for z = W x + b
# ----------------------------------------------------------------------------


def layer_shape(rng: np.random.Generator, low: int = 2, high: int = 6) -> tuple[int, int]:
    """(n_out, n_in) with n_out != n_in, so a transposed answer has the wrong shape."""
    n_in = int(rng.integers(low, high + 1))
    n_out = int(rng.integers(low, high))
    if n_out >= n_in:
        n_out += 1
    return n_out, n_in


def affine_data(rng: np.random.Generator, n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``W`` (n_out, n_in), ``x`` (n_in, 1), ``b`` (n_out, 1), standard normal, drawn in that order."""
    W = rng.normal(size=(n_out, n_in))
    x = rng.normal(size=(n_in, 1))
    b = rng.normal(size=(n_out, 1))
    return W, x, b


def fixed_affine(n_out: int, n_in: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`affine_data` from ``np.random.default_rng(seed)``: the same arrays on every call."""
    return affine_data(np.random.default_rng(seed), n_out, n_in)
