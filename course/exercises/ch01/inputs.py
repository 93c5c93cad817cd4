"""Chapter 1's exercise inputs: small elementwise functions with their derivatives, and points.

The functions handed to the exercises are named module-level functions (not lambdas), so a case
is plain data that can be copied, pickled and labelled. The answer-free checks compare slopes on
one grid of [-3, 3]; :func:`own_central_difference` and :func:`gradient_slope` are two ways a
learner could *measure* a slope instead of deriving it, used by the specs' ``shortcuts``.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from course.reference import chain_rule
from course.exercises.answer_free import AnswerFreeCheck, Compare, agrees_with
from course.reference.functions import sigmoid, tanh_prime

__all__ = ["cubic", "cubic_prime", "affine", "affine_prime", "square", "square_prime", "SMOOTH", "OUTER",
           "INNER", "points", "grid", "within", "numeric_slope", "matches_numeric", "own_central_difference",
           "gradient_slope"]

Elementwise = Callable[[Any], Any]


def cubic(x: Any) -> Any:
    """``x³ - 2x``."""
    return x**3 - 2 * x


def cubic_prime(x: Any) -> Any:
    """``3x² - 2``."""
    return 3 * x**2 - 2


def affine(x: Any) -> Any:
    """``3x - 1``."""
    return 3 * x - 1


def affine_prime(x: Any) -> Any:
    """``3`` everywhere (an array of ``x``'s shape)."""
    return np.full_like(np.asarray(x, dtype=np.float64), 3.0)


def square(x: Any) -> Any:
    """``x²``."""
    return x**2


def square_prime(x: Any) -> Any:
    """``2x``."""
    return 2 * x


def sigmoid_prime_of(x: Any) -> Any:
    """``σ'(x)`` (an input of the chain-rule exercise, whose learners are given f')."""
    s = sigmoid(x)
    return s * (1 - s)


SMOOTH = (("sin", np.sin, np.cos), ("exp", np.exp, np.exp), ("tanh", np.tanh, tanh_prime),
          ("x³ - 2x", cubic, cubic_prime))
OUTER = SMOOTH + (("sigmoid", sigmoid, sigmoid_prime_of), ("x²", square, square_prime))
INNER = (("sin", np.sin, np.cos), ("3x - 1", affine, affine_prime), ("x³ - 2x", cubic, cubic_prime),
         ("tanh", np.tanh, tanh_prime), ("x²", square, square_prime), ("exp", np.exp, np.exp))


def points(rng: np.random.Generator, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    """A few points, as a 1-D or 2-D array (the functions are elementwise: any shape works)."""
    shape = (int(rng.integers(3, 7)),) if rng.random() < 0.5 else (int(rng.integers(2, 4)), int(rng.integers(2, 4)))
    return rng.uniform(low, high, size=shape)


# ----------------------------------------------------------------------------
# answer-free checks: agreement with a measured slope on a grid of [-3, 3]
# ----------------------------------------------------------------------------


def grid() -> np.ndarray:
    """Where the answer-free checks compare slopes: 13 points from -3 to 3."""
    return np.linspace(-3.0, 3.0, 13)


def within(tol: float) -> Compare:
    """``compare(actual, expected)``: what is wrong when ``actual`` is not within ``tol`` of it."""
    def compare(actual: Any, expected: np.ndarray) -> str | None:
        arr = np.asarray(actual, dtype=np.float64)
        if arr.shape != expected.shape:
            return f"returned shape {arr.shape} for an input of shape {expected.shape}"
        err = np.abs(arr - expected)
        if not np.all(err <= tol):
            i = int(np.nanargmax(np.where(np.isfinite(err), err, np.inf)))
            return f"off by {float(err.flat[i]):.2g} (more than {tol:.0e})"
        return None
    return compare


def numeric_slope(f: Elementwise) -> Callable[[], np.ndarray]:
    """The central-difference slope of ``f`` on the grid, with a small step (h = 1e-5)."""
    return lambda: chain_rule.central_difference(f, grid(), 1e-5)


def matches_numeric(f: Elementwise, what: str, inputs: Callable[[], tuple], tol: float = 1e-8) -> AnswerFreeCheck:
    """``fn(*inputs())`` agrees with the finite-difference slope of ``f`` on the grid."""
    return agrees_with(f"Agrees with the measured slope of {what}", f"vs the measured slope of {what} on [-3, 3]",
                       inputs=inputs, expected=numeric_slope(f), compare=within(tol))


# ----------------------------------------------------------------------------
# two ways to measure a slope instead of deriving it (the specs' shortcuts)
# ----------------------------------------------------------------------------


def own_central_difference(f: Elementwise, x: Any, h: float = 1e-5) -> Any:
    """What a learner's exercise-1 ``central_difference`` computes."""
    return (f(x + h) - f(x - h)) / (2 * h)


def gradient_slope(f: Elementwise, x: Any, h: float = 1e-5) -> np.ndarray:
    """The slope of ``f`` at ``x`` by ``np.gradient`` over the three points ``x - h, x, x + h``."""
    x = np.asarray(x, dtype=np.float64)
    values = np.stack([np.asarray(f(x + d), dtype=np.float64) for d in (-h, 0.0, h)])
    return np.gradient(values, h, axis=0)[1]
