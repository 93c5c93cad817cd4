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
these matrices (see ``course.layers``): for an elementwise activation the
Jacobian is diagonal and ``J.T @ da`` is just ``f'(z) * da``.

The private helpers at the bottom validate arguments for the reference modules
(``layers``, ``losses``, ``mlp``, ``training``) so that every bad input gets the
same kind of message: the argument, what was expected, what was given.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

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
    z = _as_float_array(z, "z")
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
    t = np.tanh(_as_float_array(z, "z"))
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
    return np.maximum(_as_float_array(z, "z"), 0.0)


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
    return (_as_float_array(z, "z") > 0).astype(np.float64)


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
    z = _as_float_array(z, "z", ndim=(1, 2), shape_text="(k,) or (k, m)")
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
    z = _as_column(z, "z")
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
    z = _as_column(z, "z")
    p = softmax(z)  # (n, 1)
    return np.diag(p.ravel()) - p @ p.T


# ----------------------------------------------------------------------------
# argument validation shared by the reference modules (private)
# ----------------------------------------------------------------------------


class _NonFiniteError(ValueError):
    """A NaN or inf where finite values are required (``training`` reports it as divergence)."""


def _as_float_array(
    x: Any,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    shape: tuple[int | None, ...] | None = None,
    shape_text: str | None = None,
) -> np.ndarray:
    """Return ``x`` as a finite float64 array or raise naming ``name``.

    ``ndim`` is the allowed number of dimensions (an int or a tuple of ints);
    ``shape`` gives required sizes, ``None`` for "any"; ``shape_text`` is how
    the expected shape is written in messages, e.g. ``"(n_in=3, m)"``.
    Integers are converted to float64; booleans, complex numbers, strings and
    objects raise ``TypeError``; wrong dimensions or sizes and NaN or inf
    raise ``ValueError``.
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # e.g. ragged nested lists
        raise TypeError(f"{name}: expected a float array, got {type(x).__name__} ({exc})") from None
    if arr.dtype.kind not in "fiu":  # float, signed or unsigned int; not bool, complex, str, object
        raise TypeError(
            f"{name}: expected a real-valued float array, got {type(x).__name__} "
            f"with dtype {arr.dtype}"
        )
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if allowed is not None and arr.ndim not in allowed:
        dims = " or ".join(f"{d}-D" for d in allowed)
        where = f" of shape {shape_text}" if shape_text else ""
        raise ValueError(f"{name}: expected a {dims} float array{where}, got shape {arr.shape}")
    if shape is not None:
        if len(shape) != arr.ndim or any(s is not None and s != g for s, g in zip(shape, arr.shape)):
            text = shape_text or str(shape)
            raise ValueError(f"{name}: expected shape {text}, got shape {arr.shape}")
    arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        finite = np.isfinite(arr)
        bad = np.argwhere(~finite)[0]
        index = tuple(int(i) for i in bad)
        raise _NonFiniteError(
            f"{name}: expected finite values, got {int((~finite).sum())} NaN/inf "
            f"entries (first at index {index}: {arr[index]})"
        )
    return arr


def _as_column(z: Any, name: str) -> np.ndarray:
    """Validate one example: ``(n, 1)`` or ``(n,)``, returned as ``(n, 1)``."""
    z = _as_float_array(z, name, ndim=(1, 2), shape_text="(n, 1)")
    if (z.ndim == 2 and z.shape[1] != 1) or z.shape[0] == 0:
        raise ValueError(f"{name}: expected a column vector of shape (n, 1) with n >= 1, got shape {z.shape}")
    return z.reshape(-1, 1)


def _as_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int >= 1 or raise naming ``name`` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected a positive int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name}: expected a positive int (>= 1), got {value}")
    return int(value)
