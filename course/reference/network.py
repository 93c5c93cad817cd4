"""A network built from the chapter-4 layer functions, its parameters in one dict (chapter 5).

Chapter 5 trains networks whose parameters are plain arrays in a dict, so that one gradient
step, the notes' per-sample loop and the mini-batch loop are written on ``params`` and ``grads``
with the same keys::

    params = {"W1": (n_1, n_0), "b1": (n_1, 1), ..., "WL": (n_L, n_{L-1}), "bL": (n_L, 1)}

Forward (examples are columns, ``X`` is ``(n_0, m)``)::

    A^0 = X,   Z^l = W^l A^{l-1} + b^l,   A^l = f(Z^l)  (l < L),   output Z^L  (no activation)

and the loss of the output: ``"mse"``, ``C = (1/m) Σ_t ½ ‖Z^L_t − Y_t‖²`` for targets ``Y``
``(n_L, m)``, or ``"softmax"``, ``C = −(1/m) Σ_t log P(y_t | x_t)`` with
``P(· | x) = softmax(Z^L)`` for integer labels ``y`` ``(m,)``: a softmax classifier
``softmax(W φ + b)`` on the learned features ``φ(x) = A^{L-1}``.

Backward, from the loss's gradient ``dZ^L`` down::

    (dA^{l-1}, dW^l, db^l) = linear_backward(dZ^l, A^{l-1}, W^l)
    dZ^{l-1} = f_backward(dA^{l-1}, Z^{l-1})

Which versions of ``linear_forward``, ``linear_backward``, ``<f>_backward`` and the loss's
backward are used is the ``functions`` mapping: the learner's own chapter-4 functions
(:mod:`course.carryover`) or the course's, the answers of chapter 4's exercises
(:mod:`course.reference.backprop`, :data:`CHAPTER4`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from course import mse_loss, one_hot, relu, sigmoid, softmax_cross_entropy
from course.reference import backprop as chapter4

__all__ = ["NAMES", "CHAPTER4", "HIDDEN", "LOSSES", "Network", "init_params", "n_layers", "backprop_mse",
           "backprop_softmax"]

#: the chapter-4 functions a network is built from, in the order chapter 4 teaches them
NAMES: tuple[str, ...] = ("linear_forward", "linear_backward", "sigmoid_backward", "tanh_backward",
                          "relu_backward", "mse_backward", "softmax_cross_entropy_backward")
#: name -> the course's version (the answer of chapter 4's exercise of that name)
CHAPTER4: dict[str, Callable[..., Any]] = {name: getattr(chapter4, name) for name in NAMES}

#: hidden activations: name -> forward function (its backward is ``<name>_backward``)
HIDDEN: dict[str, Callable[[np.ndarray], np.ndarray]] = {"tanh": np.tanh, "sigmoid": sigmoid, "relu": relu}
#: losses of the output: name -> (value function, name of its chapter-4 backward)
LOSSES: dict[str, tuple[Callable[..., Any], str]] = {
    "mse": (mse_loss, "mse_backward"),
    "softmax": (softmax_cross_entropy, "softmax_cross_entropy_backward"),
}


def init_params(sizes: list[int], *, rng: np.random.Generator, scale: str = "xavier") -> dict[str, np.ndarray]:
    """Random weights and zero biases for layer sizes ``[n_0, n_1, ..., n_L]``.

    ``W^l`` is drawn from ``N(0, s²)`` with ``s = sqrt(1 / n_{l-1})`` (``"xavier"``, for tanh and
    sigmoid) or ``sqrt(2 / n_{l-1})`` (``"he"``, for ReLU); ``b^l = 0``.

    Returns
    -------
    dict
        ``{"W1": (n_1, n_0), "b1": (n_1, 1), ..., "bL": (n_L, 1)}``.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    if len(sizes) < 2 or not all(isinstance(n, (int, np.integer)) and n > 0 for n in sizes):
        raise ValueError(f"sizes: expected at least two positive ints [n_0, ..., n_L], got {sizes!r}")
    gain = {"xavier": 1.0, "he": 2.0}.get(scale)
    if gain is None:
        raise ValueError(f"scale: expected 'xavier' or 'he', got {scale!r}")
    params: dict[str, np.ndarray] = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.normal(0.0, np.sqrt(gain / sizes[l - 1]), size=(sizes[l], sizes[l - 1]))
        params[f"b{l}"] = np.zeros((sizes[l], 1))
    return params


def n_layers(params: Mapping[str, Any]) -> int:
    """``L`` for ``params`` with keys ``W1, b1, ..., WL, bL`` and shapes that chain (else a clear error).

    ``W^l`` must be ``(n_l, n_{l-1})`` with ``n_{l-1}`` the rows of ``W^{l-1}``, and ``b^l``
    ``(n_l, 1)``.
    """
    if not isinstance(params, Mapping):
        raise TypeError(f"params: expected a dict {{'W1': ..., 'b1': ..., ...}}, got {type(params).__name__}")
    L = len(params) // 2
    expected = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    if L == 0 or set(params) != expected:
        raise ValueError(f"params: expected the keys W1, b1, ..., WL, bL, got {sorted(params)}")
    for l in range(1, L + 1):
        W, b = np.shape(params[f"W{l}"]), np.shape(params[f"b{l}"])
        if len(W) != 2 or (l > 1 and W[1] != np.shape(params[f"W{l - 1}"])[0]):
            raise ValueError(f"params: W{l} has shape {W}, expected (n_{l}, n_{l - 1}) with n_{l - 1} "
                             f"the rows of W{l - 1}" if l > 1 else f"params: W1 has shape {W}, expected (n_1, n_0)")
        if b != (W[0], 1):
            raise ValueError(f"params: b{l} has shape {b}, expected ({W[0]}, 1): one bias per unit of layer {l}")
    return L


@dataclass(frozen=True)
class Network:
    """Forward, loss and backprop of the network that ``params`` describes.

    Parameters
    ----------
    hidden : {"tanh", "sigmoid", "relu"}
        The activation ``f`` of every hidden layer.
    loss : {"mse", "softmax"}
        The loss of the (linear) output ``Z^L``.
    functions : mapping of str -> callable, optional
        Chapter-4 functions by name (``linear_forward``, ``linear_backward``, ``<hidden>_backward``,
        the loss's backward); a missing name, or ``None``, uses the course's (:data:`CHAPTER4`).
    """

    hidden: str = "tanh"
    loss: str = "mse"
    functions: Mapping[str, Callable[..., Any]] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.hidden not in HIDDEN:
            raise ValueError(f"hidden: expected one of {sorted(HIDDEN)}, got {self.hidden!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss: expected one of {sorted(LOSSES)}, got {self.loss!r}")

    def resolved(self) -> dict[str, Callable[..., Any]]:
        """Every chapter-4 function by name: from ``functions`` where given, else the course's."""
        return {**CHAPTER4, **(self.functions or {})}

    def forward(self, params: Mapping[str, np.ndarray], X: np.ndarray) -> tuple[np.ndarray, list]:
        """The output ``Z^L`` ``(n_L, m)`` and the cache ``[(A^{l-1}, Z^l) for l = 1..L]``."""
        return self._forward(params, X, self.resolved())

    def _forward(self, params: Mapping[str, np.ndarray], X: np.ndarray,
                 fns: dict[str, Callable[..., Any]]) -> tuple[np.ndarray, list]:
        L = n_layers(params)
        linear_forward, f = fns["linear_forward"], HIDDEN[self.hidden]
        A, cache = np.asarray(X, dtype=np.float64), []
        for l in range(1, L + 1):
            Z = linear_forward(params[f"W{l}"], params[f"b{l}"], A)
            cache.append((A, Z))
            A = f(Z) if l < L else Z
        return A, cache

    def backprop(self, params: Mapping[str, np.ndarray], X: np.ndarray, Y: Any) -> tuple[float, dict[str, np.ndarray]]:
        """The loss ``C`` of the batch ``(X, Y)`` and ``{"W1": dC/dW1, "b1": dC/db1, ...}``.

        ``C`` is the mean over the batch's ``m`` columns (for one column, the notes' ``Div``), and
        so is every gradient; each has the shape of its parameter.
        """
        fns = self.resolved()
        out, cache = self._forward(params, X, fns)
        loss_value, backward_name = LOSSES[self.loss]
        C = loss_value(out, Y)[0]
        targets = one_hot(Y, out.shape[0]) if self.loss == "softmax" and np.ndim(Y) == 1 else Y
        dZ = fns[backward_name](out, targets)     # chapter 4's backward takes (k, m) target columns
        linear_backward, f_backward = fns["linear_backward"], fns[f"{self.hidden}_backward"]
        grads: dict[str, np.ndarray] = {}
        for l in range(len(cache), 0, -1):
            A_prev, _ = cache[l - 1]
            dA_prev, grads[f"W{l}"], grads[f"b{l}"] = linear_backward(dZ, A_prev, params[f"W{l}"])
            if l > 1:
                dZ = f_backward(dA_prev, cache[l - 2][1])
        return float(C), {k: grads[k] for k in params}

    __call__ = backprop

    def predict_labels(self, params: Mapping[str, np.ndarray], X: np.ndarray) -> np.ndarray:
        """``(m,)`` labels: the arg-max class (softmax), or ``output > 0.5`` for one 0/1 output (mse)."""
        out = self.forward(params, X)[0]
        return out.argmax(axis=0) if out.shape[0] > 1 else (out[0] > 0.5).astype(np.int64)

    def accuracy(self, params: Mapping[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
        """Fraction of the columns of ``X`` whose predicted label equals ``y`` ``(m,)``."""
        return float(np.mean(self.predict_labels(params, X) == np.asarray(y).reshape(-1)))


def backprop_mse(params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """``Network("tanh", "mse")`` with the course's functions: ``(C, grads)`` of a batch."""
    return Network("tanh", "mse").backprop(params, X, Y)


def backprop_softmax(params: Mapping[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """``Network("tanh", "softmax")`` with the course's functions: ``(C, grads)`` of a batch."""
    return Network("tanh", "softmax").backprop(params, X, y)
