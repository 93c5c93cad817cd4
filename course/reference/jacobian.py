"""Jacobians of the pieces of a layer, and vector-Jacobian products (chapter 2).

Convention: a single vector is a column, stored as an array of shape ``(n, 1)`` (a 1-D array of
shape ``(n,)`` is accepted too). For ``y = f(x)`` with ``x`` of size n and ``y`` of size m the
Jacobian is the ``(m, n)`` matrix ``J[i, j] = dy_i / dx_j`` (outputs x inputs), so that

    Δy ≈ J Δx.

The affine map is ``z = W x + b`` with ``W`` of shape ``(n_out, n_in)``. When a Jacobian is taken
with respect to the matrix ``W``, ``W`` is flattened row by row (NumPy's default, C order):
entry ``W[j, k]`` becomes entry ``j * n_in + k`` of the flat vector.

A vector-Jacobian product (VJP) takes the gradient ``g = dC/dy`` of a scalar ``C`` with respect to
the output and returns the gradient with respect to the input, ``Jᵀ g`` (the notes write the same
thing with row vectors as ``∇_y C · J``). The VJP functions here never build ``J``.

The Jacobians of the sigmoid and the softmax themselves live in :mod:`course.reference.functions`.
"""
from __future__ import annotations

import numpy as np

from course.validation import as_float_array

from course.reference.functions import sigmoid_prime

__all__ = [
    "affine_jacobian_wrt_x",
    "affine_jacobian_wrt_W",
    "sigmoid_layer_jacobian",
    "sigmoid_vjp",
    "affine_vjp_wrt_x",
    "affine_vjp_wrt_W",
]


def _vector(value: object, name: str, size: int, what: str) -> np.ndarray:
    """A float64 column (size, 1) or flat (size,) vector, returned in its own shape."""
    arr = as_float_array(value, name, ndim=(1, 2), shape_text=f"({what}, 1)")
    if (arr.ndim == 2 and arr.shape[1] != 1) or arr.shape[0] != size:
        raise ValueError(
            f"{name}: expected a column vector of shape ({what}={size}, 1) or ({what}={size},), got shape {arr.shape}"
        )
    return arr


def _affine_args(W: object, x: object, b: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W = as_float_array(W, "W", ndim=2, shape_text="(n_out, n_in)")
    if W.size == 0:
        raise ValueError(f"W: expected a non-empty 2-D float array of shape (n_out, n_in), got shape {W.shape}")
    n_out, n_in = W.shape
    return W, _vector(x, "x", n_in, "n_in"), _vector(b, "b", n_out, "n_out")


def _affine_vjp_args(W: object, x: object, b: object, g: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``W``, ``x`` and ``g`` checked as for :func:`_affine_args`, ``g`` of size n_out."""
    W, x, _ = _affine_args(W, x, b)
    return W, x, _vector(g, "g", W.shape[0], "n_out")


def affine_jacobian_wrt_x(W: np.ndarray, x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jacobian of ``z = W x + b`` with respect to ``x``: it is ``W`` itself.

    ``z_i = Σ_k W[i, k] x_k + b_i``, so ``dz_i/dx_k = W[i, k]``; the Jacobian does not depend on
    ``x`` or ``b``.

    Parameters
    ----------
    W : (n_out, n_in) ndarray
    x : (n_in, 1) or (n_in,) ndarray
    b : (n_out, 1) or (n_out,) ndarray

    Returns
    -------
    J : (n_out, n_in) ndarray
        A new array equal to ``W``.
    """
    W, _, _ = _affine_args(W, x, b)
    return W.copy()


def affine_jacobian_wrt_W(W: np.ndarray, x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jacobian of ``z = W x + b`` with respect to ``W`` flattened row by row.

    ``dz_i / dW[j, k] = [i == j] x_k``: output ``i`` depends only on row ``i`` of ``W``. With
    ``W[j, k]`` at flat position ``j * n_in + k`` the Jacobian is block diagonal,
    ``J = I_{n_out} ⊗ xᵀ`` (a copy of the row ``xᵀ`` in each block row).

    Parameters
    ----------
    W : (n_out, n_in) ndarray
    x : (n_in, 1) or (n_in,) ndarray
    b : (n_out, 1) or (n_out,) ndarray

    Returns
    -------
    J : (n_out, n_out * n_in) ndarray
    """
    W, x, _ = _affine_args(W, x, b)
    n_out, n_in = W.shape
    J = np.zeros((n_out, n_out * n_in))
    for i in range(n_out):
        J[i, i * n_in:(i + 1) * n_in] = x.ravel()
    return J


def sigmoid_layer_jacobian(W: np.ndarray, x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jacobian of ``y = σ(W x + b)`` with respect to ``x``, by the chain rule.

    ``J_y(x) = J_σ(z) J_z(x) = diag(σ'(z)) W`` with ``z = W x + b``: the outer function's Jacobian
    on the left. Multiplying by a diagonal matrix on the left scales the rows, so this is
    ``σ'(z) * W`` row by row, without building the diagonal matrix.

    Parameters
    ----------
    W : (n_out, n_in) ndarray
    x : (n_in, 1) or (n_in,) ndarray
    b : (n_out, 1) or (n_out,) ndarray

    Returns
    -------
    J : (n_out, n_in) ndarray
    """
    W, x, b = _affine_args(W, x, b)
    z = W @ x.reshape(-1, 1) + b.reshape(-1, 1)
    return sigmoid_prime(z) * W


def sigmoid_vjp(z: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Gradient through an elementwise sigmoid, without building its Jacobian.

    ``y = σ(z)`` elementwise has the diagonal Jacobian ``diag(σ'(z))``, so
    ``dC/dz = J_σ(z)ᵀ g = σ'(z) ⊙ g``: n multiplications instead of an n x n matrix.

    Parameters
    ----------
    z : ndarray of any shape
        The input of the sigmoid.
    g : ndarray, same shape as ``z``
        ``dC/dy``, the gradient of a scalar ``C`` with respect to ``y = σ(z)``.

    Returns
    -------
    dz : ndarray, same shape as ``z``
    """
    z = as_float_array(z, "z")
    g = as_float_array(g, "g")
    if g.shape != z.shape:
        raise ValueError(f"g: expected the shape of z, {z.shape}, got shape {g.shape}")
    return g * sigmoid_prime(z)


def affine_vjp_wrt_x(W: np.ndarray, x: np.ndarray, b: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Gradient with respect to ``x`` through ``z = W x + b``: ``dC/dx = Wᵀ g``.

    Parameters
    ----------
    W : (n_out, n_in) ndarray
    x : (n_in, 1) or (n_in,) ndarray
    b : (n_out, 1) or (n_out,) ndarray
    g : (n_out, 1) or (n_out,) ndarray
        ``dC/dz``.

    Returns
    -------
    dx : ndarray, the shape of ``x``
    """
    W, x, g = _affine_vjp_args(W, x, b, g)
    return (W.T @ g.reshape(-1, 1)).reshape(x.shape)


def affine_vjp_wrt_W(W: np.ndarray, x: np.ndarray, b: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Gradient with respect to ``W`` through ``z = W x + b``: ``dC/dW = g xᵀ``.

    This is ``Jᵀ g`` for the flattened-``W`` Jacobian ``J = I ⊗ xᵀ``
    (see :func:`affine_jacobian_wrt_W`), reshaped back to the shape of ``W``: entry ``[j, k]`` is
    ``g_j x_k``. Computed as an outer product, so the ``n_out x (n_out * n_in)`` Jacobian is
    never built.

    Parameters
    ----------
    W : (n_out, n_in) ndarray
    x : (n_in, 1) or (n_in,) ndarray
    b : (n_out, 1) or (n_out,) ndarray
    g : (n_out, 1) or (n_out,) ndarray
        ``dC/dz``.

    Returns
    -------
    dW : (n_out, n_in) ndarray
    """
    W, x, g = _affine_vjp_args(W, x, b, g)
    return g.reshape(-1, 1) @ x.reshape(1, -1)
