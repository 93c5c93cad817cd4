"""Chapter 2, the Jacobian: the spec of the Jacobian by central differences.

The learner's ``finite_difference_jacobian(f, x, h)`` is tried on the small functions of
:mod:`course.exercises.ch02.inputs` (R^n -> R^m, columns in and out); its answer has the shape
``(outputs, inputs)``. :mod:`course.exercises.ch02` lists it first among the chapter's exercises.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from course.gradcheck import numeric
from course.exercises.answer_free import agrees_with, close_to
from course.exercises.ch02.inputs import LinearMap, SinTimesLinear, TanhAffine, layer_shape
from course.exercises.spec import Bug, Case, Spec

__all__ = ["NUMERICAL_JACOBIAN"]

_H = 1e-4  # the step every case uses: big enough that a forward difference is visibly worse


def _fd_reference(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float) -> np.ndarray:
    return numeric.numerical_jacobian(f, x, h=h)


def _fd_case(rng: np.random.Generator) -> Case:
    """A random function, point and step: the step varies (1e-4 to 3e-2), so the answer depends on it."""
    h = float(10 ** rng.uniform(-4.0, -1.5))
    n_out, n_in = layer_shape(rng)
    if rng.random() < 0.5:
        f: Any = TanhAffine(rng.normal(size=(n_out, n_in)), rng.normal(size=(n_out, 1)))
    else:
        f = SinTimesLinear(rng.normal(size=(n_out, n_in)), rng.normal(size=(n_out, n_in)))
    x = rng.normal(size=(n_in, 1))
    return Case((f, x, h), f"{f!r} at a random x, h = {h:.1e}")


def _fd_fixed() -> tuple[Case, ...]:
    rng = np.random.default_rng(2020)
    square = SinTimesLinear(rng.normal(size=(3, 3)), rng.normal(size=(3, 3)))
    to_scalar = TanhAffine(rng.normal(size=(1, 4)), rng.normal(size=(1, 1)))
    from_scalar = TanhAffine(rng.normal(size=(3, 1)), rng.normal(size=(3, 1)))
    return (
        Case((square, rng.normal(size=(3, 1)), _H), f"{square!r}: square, so a transpose keeps the shape"),
        Case((to_scalar, rng.normal(size=(4, 1)), _H), f"{to_scalar!r}: one output, J is a 1 x 4 row"),
        Case((from_scalar, rng.normal(size=(1, 1)), _H), f"{from_scalar!r}: one input, J is a 3 x 1 column"),
    )


def _fd_transposed(f, x, h):
    return _fd_reference(f, x, h).T


def _fd_forward(f, x, h):
    x = np.asarray(x, dtype=np.float64)
    y0 = np.asarray(f(x)).ravel()
    J = np.empty((y0.size, x.size))
    for j in range(x.size):
        xp = x.copy()
        xp.flat[j] += h
        J[:, j] = (np.asarray(f(xp)).ravel() - y0) / h
    return J


def _fd_forward_transposed(f, x, h):
    return _fd_forward(f, x, h).T


def _fd_fixed_step(f, x, h):
    return _fd_reference(f, x, 1e-4)


def _fd_inplace(f, x, h):
    """Honest: one copy of x, moved in place to each side and back."""
    x = np.array(x, dtype=np.float64)
    m = np.size(f(x))
    J = np.empty((m, x.size))
    for j in range(x.size):
        x.flat[j] += h
        ahead = np.ravel(f(x)).copy()
        x.flat[j] -= 2 * h
        J[:, j] = (ahead - np.ravel(f(x))) / (2 * h)
        x.flat[j] += h
    return J


def _fd_rows_of_eye(f, x, h):
    """Honest: the steps are the columns of h times the identity, the Jacobian built by stacking."""
    x = np.asarray(x, dtype=np.float64)
    steps = h * np.eye(x.size)
    return np.column_stack([(np.ravel(f(x + e.reshape(x.shape))) - np.ravel(f(x - e.reshape(x.shape)))) / (2 * h)
                            for e in steps])


def _fd_over_h(f, x, h):
    return 2.0 * _fd_reference(f, x, h)


def _linear_map_inputs() -> tuple[LinearMap, np.ndarray, float]:
    """x -> A x with A 2 x 5 (seed 7), at five points in [-1, 1]."""
    A = np.random.default_rng(7).normal(size=(2, 5))
    return LinearMap(A), np.linspace(-1.0, 1.0, 5).reshape(5, 1), _H


NUMERICAL_JACOBIAN = Spec(
    name="ch02.finite_difference_jacobian",
    title="the Jacobian by central differences",
    reference=_fd_reference,
    make_case=_fd_case,
    points=2,
    fixed_cases=_fd_fixed(),
    bugs=(
        Bug("transposed (inputs x outputs)",
            "Row i of the Jacobian belongs to output i and column j to input j: the shape is "
            "(number of outputs, number of inputs).", _fd_transposed),
        Bug("forward difference",
            "A one-sided step is off by about h/2 times the second derivative: step to both sides of "
            "x, as chapter 1's central difference does.", _fd_forward),
        Bug("forward difference, transposed",
            "Two things: step to both sides of x (chapter 1's central difference), and give row i to "
            "output i and column j to input j.", _fd_forward_transposed),
        Bug("ignored h", "The step is an argument: the checks try several, and the answer depends on it.",
            _fd_fixed_step),
        Bug("divided by h instead of 2h",
            "The two points x + h e_j and x - h e_j are 2h apart.", _fd_over_h),
    ),
    forbidden=(numeric.numerical_jacobian, numeric.numerical_gradient),
    variants=(_fd_inplace, _fd_rows_of_eye),
    answer_free=(agrees_with("Exact on a linear map x -> A x.",
                             "on the linear map x -> A x (A is 2 x 5), where central differences are exact "
                             "up to round-off, the answer should equal A's exact partial derivatives",
                             inputs=_linear_map_inputs, expected=lambda: _linear_map_inputs()[0].A,
                             compare=close_to),),
)
