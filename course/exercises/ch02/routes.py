"""Chapter 2: other routes to each exercise's answer, for the specs' ``shortcuts`` and ``variants``.

*Shortcuts* get the right numbers by measuring instead of deriving: the learner's own
exercise-1 loop of central differences (:func:`own_jacobian`), ``np.gradient`` along each input
(:func:`gradient_jacobian`), or a directional difference for a vector-Jacobian product. An analytic
exercise must score them 0. *Variants* are honest answers in other styles (loops, ``np.einsum``,
in-place updates, recomputing the function's value) that must keep full marks.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from course.reference.functions import sigmoid, softmax

__all__ = ["own_jacobian", "gradient_jacobian", "SHORTCUTS", "VARIANTS"]


def own_jacobian(f: Callable[[np.ndarray], Any], x: Any, h: float = 1e-6) -> np.ndarray:
    """What a learner's exercise-1 ``finite_difference_jacobian`` computes, (outputs, inputs)."""
    x = np.array(x, dtype=np.float64)
    cols = []
    for j in range(x.size):
        step = np.zeros_like(x)
        step.flat[j] = h
        cols.append((np.ravel(f(x + step)) - np.ravel(f(x - step))) / (2 * h))
    return np.stack(cols, axis=1)


def gradient_jacobian(f: Callable[[np.ndarray], Any], x: Any, h: float = 1e-6) -> np.ndarray:
    """The Jacobian by ``np.gradient`` over the points ``x - h e_j, x, x + h e_j``, input by input."""
    x = np.array(x, dtype=np.float64)
    cols = []
    for j in range(x.size):
        step = np.zeros_like(x)
        step.flat[j] = h
        values = np.stack([np.ravel(f(x + d * step)) for d in (-1.0, 0.0, 1.0)])
        cols.append(np.gradient(values, h, axis=0)[1])
    return np.stack(cols, axis=1)


def _col(v: Any) -> np.ndarray:
    return np.asarray(v, dtype=np.float64).reshape(-1, 1)


# ----------------------------------------------------------------------------
# shortcuts: measured, not derived
# ----------------------------------------------------------------------------


def sigmoid_jacobian_measured(z):
    return own_jacobian(sigmoid, z)


def sigmoid_jacobian_gradient(z):
    return gradient_jacobian(sigmoid, z)


def affine_x_measured(W, x, b):
    return own_jacobian(lambda v: W @ _col(v) + b, x)


def affine_x_gradient(W, x, b):
    return gradient_jacobian(lambda v: W @ _col(v) + b, x)


def layer_measured(W, x, b):
    return own_jacobian(lambda v: sigmoid(W @ _col(v) + b), x)


def layer_gradient(W, x, b):
    return gradient_jacobian(lambda v: sigmoid(W @ _col(v) + b), x)


def softmax_measured(z):
    return own_jacobian(lambda v: softmax(_col(v)), z)


def softmax_gradient(z):
    return gradient_jacobian(lambda v: softmax(_col(v)), z)


def normalize_measured(z):
    return own_jacobian(lambda v: v / np.linalg.norm(v), z)


def normalize_gradient(z):
    return gradient_jacobian(lambda v: v / np.linalg.norm(v), z)


def affine_W_measured(W, x, b):
    return own_jacobian(lambda V: V @ x + b, W)


def affine_W_gradient(W, x, b):
    return gradient_jacobian(lambda V: V @ x + b, W)


def sigmoid_vjp_measured(z, g):
    """σ' by central differences, times g."""
    h = 1e-6
    return (sigmoid(z + h) - sigmoid(z - h)) / (2 * h) * g


def sigmoid_vjp_directional(z, g):
    """One directional difference along g (the Jacobian is diagonal, so J g = Jᵀ g)."""
    h = 1e-6
    return (sigmoid(z + h * g) - sigmoid(z - h * g)) / (2 * h)


def affine_vjp_x_measured(W, x, b, g):
    """The gradient of C = gᵀ (W x + b) with respect to x, measured entry by entry."""
    return own_jacobian(lambda v: np.sum(g * (W @ _col(v) + b)), x).reshape(np.shape(x))


def affine_vjp_x_gradient(W, x, b, g):
    return gradient_jacobian(lambda v: np.sum(g * (W @ _col(v) + b)), x).reshape(np.shape(x))


def affine_vjp_W_measured(W, x, b, g):
    return own_jacobian(lambda V: np.sum(g * (V @ x + b)), W).reshape(np.shape(W))


def affine_vjp_W_gradient(W, x, b, g):
    return gradient_jacobian(lambda V: np.sum(g * (V @ x + b)), W).reshape(np.shape(W))


# ----------------------------------------------------------------------------
# variants: honest answers in other styles
# ----------------------------------------------------------------------------


def sigmoid_jacobian_loop(z):
    z = np.asarray(z, dtype=np.float64).ravel()
    J = np.zeros((z.size, z.size))
    for i in range(z.size):
        s = 1 / (1 + np.exp(-z[i]))
        J[i, i] = s * (1 - s)
    return J


def sigmoid_jacobian_einsum(z):
    e = np.exp(-np.abs(np.ravel(z)))             # the slope from exp, written stably
    d = e / (1 + e) ** 2
    return np.einsum("i,ij->ij", d, np.eye(d.size))


def affine_x_loop(W, x, b):
    n_out, n_in = np.shape(W)
    J = np.empty((n_out, n_in))
    for i in range(n_out):
        for k in range(n_in):
            J[i, k] = W[i, k]
    return J


def affine_x_einsum(W, x, b):
    return np.einsum("ik->ik", W)


def layer_broadcast(W, x, b):
    s = sigmoid(W @ x + b)
    return (s * (1 - s)) * W


def layer_einsum(W, x, b):
    s = sigmoid(W @ x + b).ravel()
    return np.einsum("i,ik->ik", s * (1 - s), W)


def softmax_loop(z):
    p = softmax(_col(z)).ravel()
    J = np.empty((p.size, p.size))
    for i in range(p.size):
        for j in range(p.size):
            J[i, j] = p[i] * ((i == j) - p[j])
    return J


def softmax_inplace(z):
    p = softmax(_col(z))
    J = -(p @ p.T)
    J[np.diag_indices_from(J)] += p.ravel()
    return J


def normalize_loop(z):
    z = np.asarray(z, dtype=np.float64).ravel()
    r = np.sqrt(np.sum(z**2))
    J = np.empty((z.size, z.size))
    for i in range(z.size):
        for j in range(z.size):
            J[i, j] = ((i == j) - z[i] * z[j] / r**2) / r
    return J


def normalize_outer(z):
    z = _col(z)
    r = np.linalg.norm(z)
    return np.eye(z.size) / r - (z @ z.T) / r**3


def affine_W_kron(W, x, b):
    return np.kron(np.eye(np.shape(W)[0]), np.ravel(x)[None, :])


def affine_W_einsum(W, x, b):
    n_out, n_in = np.shape(W)
    return np.einsum("ij,k->ijk", np.eye(n_out), np.ravel(x)).reshape(n_out, n_out * n_in)


def sigmoid_vjp_inplace(z, g):
    out = np.array(g, dtype=np.float64)
    s = sigmoid(z)
    out *= s
    out *= 1 - s
    return out


def sigmoid_vjp_exp(z, g):
    e = np.exp(-np.abs(np.asarray(z, dtype=np.float64)))
    return g * e / (1 + e) ** 2


def affine_vjp_x_einsum(W, x, b, g):
    return np.einsum("ik,il->kl", W, g).reshape(np.shape(x))


def affine_vjp_x_row(W, x, b, g):
    return (np.asarray(g).T @ W).T


def affine_vjp_W_outer(W, x, b, g):
    return np.outer(g, x)


def affine_vjp_W_loop(W, x, b, g):
    n_out, n_in = np.shape(W)
    dW = np.empty((n_out, n_in))
    for j in range(n_out):
        for k in range(n_in):
            dW[j, k] = g[j, 0] * x[k, 0]
    return dW


SHORTCUTS = {
    "sigmoid_jacobian": (sigmoid_jacobian_measured, sigmoid_jacobian_gradient),
    "affine_jacobian_wrt_x": (affine_x_measured, affine_x_gradient),
    "sigmoid_layer_jacobian": (layer_measured, layer_gradient),
    "softmax_jacobian": (softmax_measured, softmax_gradient),
    "normalize_jacobian": (normalize_measured, normalize_gradient),
    "affine_jacobian_wrt_W": (affine_W_measured, affine_W_gradient),
    "sigmoid_vjp": (sigmoid_vjp_measured, sigmoid_vjp_directional),
    "affine_vjp_wrt_x": (affine_vjp_x_measured, affine_vjp_x_gradient),
    "affine_vjp_wrt_W": (affine_vjp_W_measured, affine_vjp_W_gradient),
}
VARIANTS = {
    "sigmoid_jacobian": (sigmoid_jacobian_loop, sigmoid_jacobian_einsum),
    "affine_jacobian_wrt_x": (affine_x_loop, affine_x_einsum),
    "sigmoid_layer_jacobian": (layer_broadcast, layer_einsum),
    "softmax_jacobian": (softmax_loop, softmax_inplace),
    "normalize_jacobian": (normalize_loop, normalize_outer),
    "affine_jacobian_wrt_W": (affine_W_kron, affine_W_einsum),
    "sigmoid_vjp": (sigmoid_vjp_inplace, sigmoid_vjp_exp),
    "affine_vjp_wrt_x": (affine_vjp_x_einsum, affine_vjp_x_row),
    "affine_vjp_wrt_W": (affine_vjp_W_outer, affine_vjp_W_loop),
}
