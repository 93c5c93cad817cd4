"""Losses: the cost of a batch and its gradient with respect to the network output.

Each loss takes the network output for a batch of ``m`` examples (one per
column) and the targets, and returns ``(loss, d_output)``:

* ``loss`` is a Python float, the *mean* over the batch of the per-example
  cost (the notes' ``C = (1/n) sum_x C_x``; per example the notes call it the
  divergence ``Div``);
* ``d_output`` is the gradient of ``loss`` with respect to the output, with the
  output's shape. It is where backprop starts (``nabla_Y Div`` in the notes).

The loss is the only place in the course that divides by the batch size ``m``:
every layer below only sums over examples.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course.validation import as_float_array


__all__ = ["mse_loss", "softmax_cross_entropy"]


def mse_loss(y_hat: ArrayLike, y: ArrayLike) -> tuple[float, np.ndarray]:
    """Mean squared error with the notes' 1/2: ``C = (1/m) sum_t 1/2 ||y_hat_t - y_t||^2``.

    Parameters
    ----------
    y_hat : (k, m) array_like
        Network outputs, one example per column.
    y : (k, m) array_like
        Targets, the same shape (a label vector ``(m,)`` must be reshaped to
        ``(1, m)`` first; broadcasting ``(1, m) - (m,)`` would silently give an
        ``(m, m)`` array).

    Returns
    -------
    loss : float
        ``C``, the mean over the ``m`` examples.
    dy_hat : (k, m) ndarray
        ``dC/dy_hat = (y_hat - y) / m``.
    """
    y_hat = as_float_array(y_hat, "y_hat", ndim=2, shape_text="(k, m)")
    _require_examples(y_hat, "y_hat")
    k, m = y_hat.shape
    try:
        y = as_float_array(y, "y", ndim=2, shape=(k, m), shape_text=f"{(k, m)} like y_hat")
    except ValueError as exc:
        hint = "; reshape a label vector with y.reshape(1, -1)" if np.ndim(y) == 1 else ""
        raise ValueError(f"{exc}{hint}") from None
    return _mse(y_hat, y)


def _mse(y_hat: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """``mse_loss`` of arguments already checked (``(k, m)`` arrays of one float dtype)."""
    m = y_hat.shape[1]
    diff = y_hat - y
    loss = 0.5 * float(np.sum(diff**2)) / m
    dy_hat = diff / m
    return loss, dy_hat


def softmax_cross_entropy(logits: ArrayLike, y: ArrayLike) -> tuple[float, np.ndarray]:
    """Softmax followed by cross-entropy: ``C = -(1/m) sum_t log p_{y_t, t}``, ``p = softmax(logits)``.

    Parameters
    ----------
    logits : (k, m) array_like
        Unnormalised class scores ``z``, one example per column.
    y : (m,) int array_like or (k, m) array_like
        Either integer class labels in ``0 .. k-1``, or one target
        distribution per column (one-hot, or any non-negative column
        summing to 1), in which case ``C = -(1/m) sum_t sum_i Y_it log p_it``.

    Returns
    -------
    loss : float
        ``C``, the mean over the ``m`` examples.
    dlogits : (k, m) ndarray
        ``dC/dz = (p - Y) / m`` with ``Y`` the one-hot targets.

    Notes
    -----
    Computed through log-sum-exp, ``log p_i = (z_i - c) - log sum_j exp(z_j - c)``
    with ``c`` the column maximum, so logits of size 1e4 give finite
    results without overflow warnings. Softmax and cross-entropy are taken
    together because their combined gradient ``p - Y`` is simple and stable.
    """
    z = as_float_array(logits, "logits", ndim=2, shape_text="(k, m)")
    _require_examples(z, "logits")
    Y = _targets_as_matrix(y, z.shape)
    return _softmax_ce(z, Y)


def _softmax_ce(z: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """``softmax_cross_entropy`` of logits and a ``(k, m)`` target matrix already checked."""
    m = z.shape[1]
    shifted = z - z.max(axis=0, keepdims=True)   # z_i - c, at most 0: exp cannot overflow
    e = np.exp(shifted)
    total = e.sum(axis=0, keepdims=True)           # sum_j exp(z_j - c), at least 1
    loss = -float(np.sum(Y * (shifted - np.log(total)))) / m
    dlogits = (e / total - Y) / m                  # p = e / total
    return loss, dlogits


def _require_examples(a: np.ndarray, name: str) -> None:
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"{name}: expected at least one output and one example, got shape {a.shape}")


def _targets_as_matrix(y: Any, shape: tuple[int, int]) -> np.ndarray:
    """Integer labels ``(m,)`` -> one-hot ``(k, m)``; validate a ``(k, m)`` target matrix."""
    k, m = shape
    y_arr = np.asarray(y)
    if y_arr.ndim == 1:
        if y_arr.dtype == bool or not np.issubdtype(y_arr.dtype, np.integer):
            raise TypeError(
                f"y: expected integer class labels of shape ({m},) or a ({k}, {m}) target array, "
                f"got a 1-D array with dtype {y_arr.dtype}"
            )
        if y_arr.shape != (m,):
            raise ValueError(f"y: expected {m} labels (one per column of logits), got shape {y_arr.shape}")
        if y_arr.min() < 0 or y_arr.max() >= k:
            raise ValueError(
                f"y: expected labels in 0..{k - 1} (logits has {k} rows), "
                f"got values from {y_arr.min()} to {y_arr.max()}"
            )
        Y = np.zeros((k, m))
        Y[y_arr, np.arange(m)] = 1.0
        return Y
    Y = as_float_array(y, "y", ndim=(1, 2), shape=(k, m), shape_text=f"({m},) labels or {(k, m)} targets")
    if np.any(Y < 0) or not np.allclose(Y.sum(axis=0), 1.0, rtol=0, atol=1e-9):
        raise ValueError(
            "y: expected each column to be a distribution over the classes "
            "(non-negative, summing to 1, e.g. one-hot)"
        )
    return Y


# The losses without their argument checks, for a trainer that checked its data once at the start:
# ``loss.unchecked(y_hat, Y)`` takes arrays of one float dtype, and ``loss.targets(y, shape)``
# turns the targets into the ``(k, m)`` matrix it expects (one-hot for integer labels).
mse_loss.unchecked = _mse
mse_loss.targets = lambda y, shape: as_float_array(y, "y", ndim=2, shape=shape, shape_text=f"{shape} like y_hat")
softmax_cross_entropy.unchecked = _softmax_ce
softmax_cross_entropy.targets = _targets_as_matrix
