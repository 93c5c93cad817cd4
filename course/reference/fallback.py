"""The chapter-4 layer functions chapter 5 trains with when the learner's own are missing.

Chapter 5 builds its networks from seven functions the learner writes in chapter 4 (the names
are fixed, see :data:`NAMES`). :mod:`course.carryover` uses the learner's version of each one
that passes its chapter-4 check and falls back, function by function, on the one-line
definitions below, which say what chapter 4's exercises ask in terms of the chapter 1-4
reference (:mod:`course.reference.functions`, :mod:`course.reference.losses`).

Examples are columns (``A`` is ``(n, m)``); the loss functions divide by the batch size ``m``,
nothing else does::

    linear_forward(W, b, A_prev)        Z = W A_prev + b
    linear_backward(dZ, A_prev, W)      (dA_prev, dW, db) = (Wᵀ dZ, dZ A_prevᵀ, dZ summed over the batch)
    sigmoid_backward(dA, Z)             dZ = dA ⊙ σ'(Z)
    tanh_backward(dA, Z)                dZ = dA ⊙ (1 − tanh²(Z))
    relu_backward(dA, Z)                dZ = dA ⊙ [Z > 0]
    mse_backward(A, Y)                  dA = (A − Y) / m        for C = (1/m) Σ_t ½ ‖A_t − Y_t‖²
    softmax_cross_entropy_backward(Z, Y)  dZ = (softmax(Z) − Y) / m, Y one-hot or labels
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from course import mse_loss, relu_prime, sigmoid_prime, softmax_cross_entropy, tanh_prime

__all__ = ["NAMES", "DEFINITIONS"]

#: the chapter-4 functions chapter 5 uses, in the order chapter 4 teaches them
NAMES: tuple[str, ...] = ("linear_forward", "linear_backward", "sigmoid_backward", "tanh_backward",
                          "relu_backward", "mse_backward", "softmax_cross_entropy_backward")


def linear_forward(W: np.ndarray, b: np.ndarray, A_prev: np.ndarray) -> np.ndarray:
    """``Z = W A_prev + b``: ``W`` (n_out, n_in), ``b`` (n_out, 1), ``A_prev`` (n_in, m) -> (n_out, m)."""
    return W @ A_prev + b


def linear_backward(dZ: np.ndarray, A_prev: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dA_prev, dW, db)`` of ``Z = W A_prev + b`` given ``dZ`` (n_out, m); each has its variable's shape."""
    return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)


def sigmoid_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """``dZ = dA ⊙ σ'(Z)`` for ``A = σ(Z)``."""
    return dA * sigmoid_prime(Z)


def tanh_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """``dZ = dA ⊙ (1 − tanh²(Z))`` for ``A = tanh(Z)``."""
    return dA * tanh_prime(Z)


def relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """``dZ = dA ⊙ [Z > 0]`` for ``A = max(Z, 0)``."""
    return dA * relu_prime(Z)


def mse_backward(A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``dA = (A − Y) / m``, the gradient of ``course.mse_loss``."""
    return mse_loss(A, Y)[1]


def softmax_cross_entropy_backward(Z: np.ndarray, Y: Any) -> np.ndarray:
    """``dZ = (softmax(Z) − Y) / m``, the gradient of ``course.softmax_cross_entropy``."""
    return softmax_cross_entropy(Z, Y)[1]


#: name -> the definition above
DEFINITIONS: dict[str, Callable[..., Any]] = {name: globals()[name] for name in NAMES}
