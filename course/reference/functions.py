"""Activation functions, their derivatives, and the Jacobians of chapter 2.

Every function here is the reference the notebooks compare against. The
notation follows the notes: ``z`` is a weighted input, ``f(z)`` an activation,
``f'(z)`` its derivative taken elementwise.

Elementwise functions (``sigmoid``, ``tanh_prime``, ``relu``, ...) accept any
real array (or a Python number) and return a float64 array of the same shape.
``softmax`` works column by column: examples are columns, so the probabilities
of one example are one column and sum to 1 over axis 0.

The two Jacobians are for a single example, a column vector ``z`` of shape
``(n, 1)``; they return the ``(n, n)`` matrix ``J[i, j] = d out_i / d z_j``
(outputs x inputs), so that ``delta_out = J @ delta_z``. Layers never build
these matrices (see ``course.reference.layers``): for an elementwise activation the
Jacobian is diagonal and ``J.T @ da`` is just ``f'(z) * da``.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from course.validation import as_column, as_float_array


__all__ = [
    "sigmoid",
    "sigmoid_prime",
    "tanh_prime",
    "relu",
    "relu_prime",
    "softmax",
    "sigmoid_jacobian",
    "softmax_jacobian",
]


# ----------------------------------------------------------------------------
# elementwise activations
# ----------------------------------------------------------------------------


def sigmoid(z: ArrayLike) -> np.ndarray:
    """The logistic sigmoid, elementwise: ``sigma(z) = 1 / (1 + exp(-z))``.

    Parameters
    ----------
    z : array_like of real numbers, any shape

    Returns
    -------
    s : ndarray, float64, same shape as ``z``, values in [0, 1]

    Notes
    -----
    Written so that ``exp`` only ever sees a non-positive argument: for
    ``z >= 0`` it computes ``1 / (1 + exp(-z))`` and for ``z < 0`` the equal
    ``exp(z) / (1 + exp(z))``. So ``sigmoid(-1000.0)`` is 0.0 and
    ``sigmoid(1000.0)`` is 1.0, with no overflow warning.
    """
    z = as_float_array(z, "z")
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z: ArrayLike) -> np.ndarray:
    """Derivative of the sigmoid, elementwise: ``sigma'(z) = sigma(z) (1 - sigma(z))``.

    Parameters
    ----------
    z : array_like of real numbers, any shape

    Returns
    -------
    ds : ndarray, float64, same shape as ``z``, values in [0, 1/4]
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh_prime(z: ArrayLike) -> np.ndarray:
    """Derivative of tanh, elementwise: ``tanh'(z) = 1 - tanh(z)**2``.

    Parameters
    ----------
    z : array_like of real numbers, any shape

    Returns
    -------
    dt : ndarray, float64, same shape as ``z``, values in [0, 1]
    """
    t = np.tanh(as_float_array(z, "z"))
    return 1.0 - t**2


def relu(z: ArrayLike) -> np.ndarray:
    """Rectified linear unit, elementwise: ``relu(z) = max(z, 0)``.

    Parameters
    ----------
    z : array_like of real numbers, any shape

    Returns
    -------
    r : ndarray, float64, same shape as ``z``
    """
    return np.maximum(as_float_array(z, "z"), 0.0)


def relu_prime(z: ArrayLike) -> np.ndarray:
    """Derivative of ReLU, elementwise: 1 where ``z > 0``, else 0.

    Parameters
    ----------
    z : array_like of real numbers, any shape

    Returns
    -------
    dr : ndarray, float64, same shape as ``z``, values 0.0 or 1.0

    Notes
    -----
    ReLU has a kink at 0 and no derivative there; like every mainstream
    library we use the subgradient 0 at ``z == 0``. A finite-difference check
    at exactly 0 sees 1/2, which is not a bug (``course.gradcheck`` knows).
    """
    return (as_float_array(z, "z") > 0).astype(np.float64)


# ----------------------------------------------------------------------------
# softmax
# ----------------------------------------------------------------------------


def softmax(z: ArrayLike) -> np.ndarray:
    """Softmax over axis 0, one column (example) at a time.

    ``p_i = exp(z_i) / sum_j exp(z_j)`` for each column of ``z``.

    Parameters
    ----------
    z : (k,) or (k, m) array_like
        Logits; a 2-D array holds one example per column.

    Returns
    -------
    p : ndarray, float64, same shape as ``z``
        Non-negative, each column sums to 1.

    Notes
    -----
    Softmax does not change when a constant is added to a column, so we
    subtract the column's maximum first: the largest exponent is then
    ``exp(0) = 1`` and logits of size 1e4 neither overflow nor give NaN.
    """
    z = as_float_array(z, "z", ndim=(1, 2), shape_text="(k,) or (k, m)")
    if z.shape[0] == 0:
        raise ValueError("z: expected at least one class (k >= 1), got shape " f"{z.shape}")
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


# ----------------------------------------------------------------------------
# Jacobians of one example (chapter 2)
# ----------------------------------------------------------------------------


def sigmoid_jacobian(z: ArrayLike) -> np.ndarray:
    """Jacobian of the elementwise sigmoid at one column vector ``z``.

    ``J[i, j] = d sigma(z_i) / d z_j`` is ``sigma'(z_i)`` on the diagonal
    and 0 elsewhere, because output ``i`` depends on input ``i`` only:
    ``J = diag(sigma'(z))``.

    Parameters
    ----------
    z : (n, 1) array_like
        One example as a column (a flat ``(n,)`` vector is accepted too).

    Returns
    -------
    J : (n, n) ndarray, float64, diagonal

    Notes
    -----
    This builds the whole n x n matrix to show what it is. Backprop never
    does: ``J.T @ da`` equals ``sigmoid_prime(z) * da``.
    """
    z = as_column(z, "z")
    return np.diag(sigmoid_prime(z).ravel())


def softmax_jacobian(z: ArrayLike) -> np.ndarray:
    """Jacobian of softmax at one column vector ``z``.

    With ``p = softmax(z)``, ``J[i, j] = d p_i / d z_j = p_i (delta_ij - p_j)``,
    that is ``J = diag(p) - p p^T``. Every output depends on every input, so
    unlike an elementwise activation this Jacobian is a full matrix.

    Parameters
    ----------
    z : (n, 1) array_like
        One example's logits as a column (a flat ``(n,)`` vector is accepted too).

    Returns
    -------
    J : (n, n) ndarray, float64, symmetric, each row and column sums to 0
    """
    z = as_column(z, "z")
    p = softmax(z)  # (n, 1)
    return np.diag(p.ravel()) - p @ p.T
