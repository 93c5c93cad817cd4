"""Chapter 4, where backprop starts: the specs of the two losses' gradients.

``mse_backward(A, Y)`` is ``∂C/∂A`` for the mean (over the batch) squared error with the notes'
½; ``softmax_cross_entropy_backward(Z, Y)`` is ``∂C/∂Z`` through softmax and cross-entropy
together, with one-hot (or any distribution) target columns. The loss is the only place that
divides by the batch size ``m``: the bugs divide never, twice, or by the wrong count.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

import numpy as np

from course.gradcheck import numeric
from course.exercises.ch04.inputs import batch, one_hot_targets
from course.exercises.spec import Bug, Case, Spec
from course.reference.functions import softmax, softmax_jacobian
from course.reference.losses import mse_loss, softmax_cross_entropy
from course.reference import backprop

__all__ = ["MSE_BACKWARD", "SOFTMAX_CROSS_ENTROPY_BACKWARD"]


def _batch_size(rng: np.random.Generator) -> int:
    return int(rng.integers(2, 9))


# ----------------------------------------------------------------------------
# 2. mean squared error
# ----------------------------------------------------------------------------


def _mse_case(rng: np.random.Generator) -> Case:
    n, m = int(rng.integers(2, 5)), _batch_size(rng)
    A, Y = batch(rng, n, m), batch(rng, n, m)
    return Case((A, Y), f"A and Y of shape {A.shape}")


def _mse_fixed() -> tuple[Case, ...]:
    A = np.array([[0.5, 1.0, -1.0, 2.0], [0.0, 0.25, 1.5, -0.5]])
    Y = np.array([[1.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0]])
    return (Case((A, Y), "two outputs, a batch of 4"),
            Case((np.array([[0.8, 0.1, 0.3]]), np.array([[1.0, 0.0, 0.0]])), "one output, a batch of 3"))


def _mse_loops(A, Y):
    n, m = A.shape
    dA = np.empty((n, m))
    for i in range(n):
        for t in range(m):
            dA[i, t] = (A[i, t] - Y[i, t]) / m
    return dA


def _mse_in_place(A, Y):
    dA = A.copy()
    dA -= Y
    dA *= 1.0 / A.shape[1]
    return dA


def _mse_numerical_gradient(A, Y):
    m = A.shape[1]
    return numeric.numerical_gradient(lambda V: float(np.sum((V - Y) ** 2)) / (2 * m), A)


def _mse_own_cost(V, Y):
    """The learner's own MSE cost (nothing forbidden: only the differencing below gives it away)."""
    return 0.5 * float(np.sum((V - Y) ** 2)) / V.shape[1]


def _mse_differences(A, Y, h=1e-6):
    dA = np.zeros_like(A)
    for i in np.ndindex(A.shape):
        up, down = A.copy(), A.copy()
        up[i] += h
        down[i] -= h
        dA[i] = (_mse_own_cost(up, Y) - _mse_own_cost(down, Y)) / (2 * h)
    return dA


def _mse_course_loss(A, Y):
    return mse_loss(A, Y)[1]


MSE_BACKWARD = Spec(
    name="ch04.mse_backward",
    title="the gradient of the mean squared error with respect to the outputs",
    reference=backprop.mse_backward,
    make_case=_mse_case,
    points=1.0,
    fixed_cases=_mse_fixed(),
    bugs=(
        Bug("never divided by m", "C is the mean of the per-example costs: every example's share "
            "of it is weighted by one over the batch size.", lambda A, Y: A - Y),
        Bug("divided by m twice", "Count the divisions by the batch size between C and your "
            "result: there is one.", lambda A, Y: (A - Y) / A.shape[1] ** 2),
        Bug("sign flipped", "Raising an output that is above its target raises the cost: that "
            "entry of the gradient is positive.", lambda A, Y: (Y - A) / A.shape[1]),
        Bug("lost the ½", "The notes' squared error has a ½ in front; the derivative of the square "
            "brings a 2 that it cancels.", lambda A, Y: 2 * (A - Y) / A.shape[1]),
        Bug("divided by the number of entries", "The mean runs over the m examples (columns); each "
            "example's cost already sums over its outputs.", lambda A, Y: (A - Y) / A.size),
    ),
    forbidden=(backprop.mse_backward, mse_loss),
    analytic=True,
    shortcuts=(_mse_numerical_gradient, _mse_differences, _mse_course_loss),
    variants=(_mse_loops, _mse_in_place, lambda A, Y: np.subtract(A, Y) * (1 / A.shape[1])),
)


# ----------------------------------------------------------------------------
# 7. softmax and cross-entropy together
# ----------------------------------------------------------------------------


def _ce_case(rng: np.random.Generator) -> Case:
    k, m = int(rng.integers(2, 6)), _batch_size(rng)
    Z = batch(rng, k, m, scale=2.0)
    return Case((Z, one_hot_targets(rng, k, m)), f"{k} classes, a batch of {m}")


def _ce_fixed() -> tuple[Case, ...]:
    Z = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, 0.5], [-1.0, 0.5, 0.5]])
    Y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    big = np.array([[1000.0, -5.0], [990.0, 4.0]])      # the columns' score gaps differ (10 and 9)
    return (Case((Z, Y), "3 classes, a batch of 3"),
            Case((big, np.array([[0.0, 1.0], [1.0, 0.0]])), "2 classes, scores up to 1000"))


def _stable_softmax(Z):
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _ce_columns(Z, Y):
    """One example at a time, ``Jᵀ g`` through the softmax with ``g = -y / p`` (chain rule by hand).

    The probabilities are computed for the whole batch first."""
    P = _stable_softmax(Z)
    dZ = np.empty_like(Z)
    for t in range(Z.shape[1]):
        p, y = P[:, t:t + 1], Y[:, t:t + 1]
        g = -y / p
        dZ[:, t:t + 1] = p * g - p * (p.T @ g).item()
    return dZ / Z.shape[1]


def _ce_softmax_per_column(Z, Y):
    """As :func:`_ce_columns`, with each column's softmax computed on its own: with two classes
    any two probability columns differ by ``(δ, −δ)``, honest all the same."""
    dZ = np.empty_like(Z)
    for t in range(Z.shape[1]):
        p, y = _stable_softmax(Z[:, t:t + 1]), Y[:, t:t + 1]
        g = -y / p
        dZ[:, t:t + 1] = p * g - p * (p.T @ g).item()
    return dZ / Z.shape[1]


def _ce_log_space(Z, Y):
    shifted = Z - Z.max(axis=0)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=0))
    return (np.exp(log_p) - Y) / Z.shape[1]


def _ce_own_cost(Z, Y):
    """The learner's own softmax + cross-entropy cost (nothing forbidden in it)."""
    return -float(np.sum(Y * np.log(_stable_softmax(Z)))) / Z.shape[1]


def _ce_numerical_gradient(Z, Y):
    return numeric.numerical_gradient(lambda V: _ce_own_cost(V, Y), Z)


def _ce_jacobian(Z, Y):
    m = Z.shape[1]
    cols = [softmax_jacobian(Z[:, t:t + 1]).T @ (-Y[:, t:t + 1] / softmax(Z[:, t:t + 1])) for t in range(m)]
    return np.hstack(cols) / m


def _ce_course_loss(Z, Y):
    return softmax_cross_entropy(Z, Y)[1]


SOFTMAX_CROSS_ENTROPY_BACKWARD = Spec(
    name="ch04.softmax_cross_entropy_backward",
    title="the gradient of softmax + cross-entropy with respect to the scores",
    reference=backprop.softmax_cross_entropy_backward,
    make_case=_ce_case,
    points=2.0,
    fixed_cases=_ce_fixed(),
    bugs=(
        Bug("softmax over the batch", "Examples are columns: each example's probabilities are one "
            "column and add up to 1 down that column.",
            lambda Z, Y: (_stable_softmax(Z.T).T - Y) / Z.shape[1]),
        Bug("never divided by m", "C is the mean over the batch: one factor of one over m, in the "
            "loss and nowhere else.", lambda Z, Y: softmax(Z) - Y),
        Bug("sign flipped", "Raising the score of the right class lowers the cost: that entry of "
            "the gradient is negative.", lambda Z, Y: (Y - softmax(Z)) / Z.shape[1]),
        Bug("forgot the softmax", "The cost is computed from the probabilities, not from the raw "
            "scores: the chain goes through the softmax.", lambda Z, Y: (Z - Y) / Z.shape[1]),
    ),
    forbidden=(backprop.softmax_cross_entropy_backward, softmax_cross_entropy, softmax_jacobian),
    analytic=True,
    shortcuts=(_ce_numerical_gradient, _ce_jacobian, _ce_course_loss),
    variants=(_ce_log_space, _ce_columns, _ce_softmax_per_column,
              lambda Z, Y: (_stable_softmax(Z) - Y) * (1.0 / Z.shape[1])),
)
