"""Vector backprop as plain functions (chapter 4): the reference answers of the chapter's exercises.

The notes' notation: layer ``l`` has weights ``W^l`` (``w^l_jk`` from neuron ``k`` of layer
``l-1`` to neuron ``j`` of layer ``l``), biases ``b^l``, weighted input ``z^l`` and activation
``a^l``. Examples are columns: a batch ``A`` of ``m`` examples has shape ``(n, m)``.

Forward and backward of one layer, for a batch::

    Z = W @ A_prev + b                      (j, m) = (j, k)(k, m) + (j, 1)
    dA_prev = W.T @ dZ                      (k, m), the gradient handed down
    dW = dZ @ A_prev.T                      (j, k), the shape of W
    db = dZ.sum(axis=1, keepdims=True)      (j, 1), summed over the examples
    dZ = dA * f'(Z)                         elementwise, for a = f(z)

The loss is the only function here that divides by the batch size ``m``.

These functions are what the notebook's exercises ask the learner to write, so :mod:`course`
does not export them; the exercise specs forbid calling them.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from numpy.typing import ArrayLike

from course.reference.functions import sigmoid, softmax
from course.validation import as_float_array

__all__ = [
    "linear_forward", "linear_backward",
    "sigmoid_backward", "tanh_backward", "relu_backward",
    "mse_backward", "softmax_cross_entropy_backward",
    "two_layer_forward", "two_layer_gradients",
    "mlp_forward", "mlp_backward",
]


def _batch(x: ArrayLike, name: str, rows: int | None = None, cols: int | None = None) -> np.ndarray:
    text = f"({'n' if rows is None else rows}, {'m' if cols is None else cols})"
    return as_float_array(x, name, ndim=2, shape=(rows, cols), shape_text=text)


def _like(x: ArrayLike, name: str, other: np.ndarray, other_name: str) -> np.ndarray:
    return as_float_array(x, name, shape=other.shape, shape_text=f"{other.shape}, the shape of {other_name}")


# ----------------------------------------------------------------------------
# one linear layer
# ----------------------------------------------------------------------------


def linear_forward(W: ArrayLike, b: ArrayLike, A_prev: ArrayLike) -> np.ndarray:
    """Weighted input of a batch: ``Z = W A_prev + b``, the bias added to every column.

    Parameters
    ----------
    W : (j, k) array_like
        ``W[j, k]`` is the notes' ``w^l_jk``.
    b : (j, 1) array_like
    A_prev : (k, m) array_like
        The previous layer's activations, one example per column.

    Returns
    -------
    Z : (j, m) ndarray
    """
    W = as_float_array(W, "W", ndim=2, shape_text="(j, k)")
    b = _batch(b, "b", W.shape[0], 1)
    A_prev = _batch(A_prev, "A_prev", W.shape[1])
    return W @ A_prev + b


def linear_backward(dZ: ArrayLike, A_prev: ArrayLike, W: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward of ``Z = W A_prev + b``: the gradient handed down and the parameter gradients.

    Parameters
    ----------
    dZ : (j, m) array_like
        ``dC/dZ``, the gradient of the cost with respect to this layer's weighted input.
    A_prev : (k, m) array_like
        The input of the forward pass.
    W : (j, k) array_like

    Returns
    -------
    dA_prev : (k, m) ndarray
        ``W.T @ dZ``.
    dW : (j, k) ndarray
        ``dZ @ A_prev.T``: each example's outer product ``dz a_prevᵀ``, summed over the batch.
    db : (j, 1) ndarray
        ``dZ`` summed over the examples (axis 1).
    """
    W = as_float_array(W, "W", ndim=2, shape_text="(j, k)")
    dZ = _batch(dZ, "dZ", W.shape[0])
    A_prev = _batch(A_prev, "A_prev", W.shape[1], dZ.shape[1])
    return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)


# ----------------------------------------------------------------------------
# elementwise activations a = f(z): dZ = dA * f'(Z)
# ----------------------------------------------------------------------------


def sigmoid_backward(dA: ArrayLike, Z: ArrayLike) -> np.ndarray:
    """``dZ = dA * σ'(Z)`` with ``σ'(z) = σ(z)(1 - σ(z))``; ``dA`` and ``Z`` have one shape."""
    Z = as_float_array(Z, "Z")
    s = sigmoid(Z)
    return _like(dA, "dA", Z, "Z") * s * (1.0 - s)


def tanh_backward(dA: ArrayLike, Z: ArrayLike) -> np.ndarray:
    """``dZ = dA * (1 - tanh(Z)²)``; ``dA`` and ``Z`` have one shape."""
    Z = as_float_array(Z, "Z")
    t = np.tanh(Z)
    return _like(dA, "dA", Z, "Z") * (1.0 - t**2)


def relu_backward(dA: ArrayLike, Z: ArrayLike) -> np.ndarray:
    """``dZ = dA`` where ``Z > 0``, else 0 (the subgradient 0 at the kink ``Z == 0``)."""
    Z = as_float_array(Z, "Z")
    return _like(dA, "dA", Z, "Z") * (Z > 0)


# ----------------------------------------------------------------------------
# losses: where backprop starts, and the only place that divides by m
# ----------------------------------------------------------------------------


def mse_backward(A: ArrayLike, Y: ArrayLike) -> np.ndarray:
    """Gradient of ``C = (1/m) Σ_t ½ ||a_t - y_t||²`` with respect to the outputs ``A``.

    Parameters
    ----------
    A : (n, m) array_like
        Network outputs ``a^L``, one example per column.
    Y : (n, m) array_like
        Targets.

    Returns
    -------
    dA : (n, m) ndarray
        ``(A - Y) / m``.
    """
    A = _batch(A, "A")
    Y = _like(Y, "Y", A, "A")
    return (A - Y) / A.shape[1]


def softmax_cross_entropy_backward(Z: ArrayLike, Y: ArrayLike) -> np.ndarray:
    """Gradient of ``C = -(1/m) Σ_t Σ_i Y_it log p_it``, ``p = softmax(Z)`` per column, w.r.t. ``Z``.

    Parameters
    ----------
    Z : (k, m) array_like
        Scores (logits), one example per column.
    Y : (k, m) array_like
        Target distributions, one per column (one-hot for class labels: ``course.one_hot(y, k)``;
        a vector of labels is refused, as chapter 4's exercise never sees one).

    Returns
    -------
    dZ : (k, m) ndarray
        ``(softmax(Z) - Y) / m``.
    """
    Z = _batch(Z, "Z")
    if np.ndim(Y) == 1:
        raise ValueError(f"Y: expected {Z.shape} targets, one column per example, got a vector of shape "
                         f"{np.shape(Y)}; turn integer labels into columns with course.one_hot(y, {Z.shape[0]})")
    Y = _like(Y, "Y", Z, "Z")
    return (softmax(Z) - Y) / Z.shape[1]


# ----------------------------------------------------------------------------
# the notes' two-layer network: y = tanh(V x), o = σ(W y), MSE
# ----------------------------------------------------------------------------


def two_layer_forward(V: ArrayLike, W: ArrayLike, X: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Hidden ``Yh = tanh(V X)`` and output ``O = σ(W Yh)`` of the notes' network (no biases).

    Parameters
    ----------
    V : (h, n) array_like
        First-layer weights.
    W : (k, h) array_like
        Second-layer weights.
    X : (n, m) array_like

    Returns
    -------
    Yh : (h, m) ndarray
    O : (k, m) ndarray
    """
    V = as_float_array(V, "V", ndim=2, shape_text="(h, n)")
    W = _batch(W, "W", None, V.shape[0])
    X = _batch(X, "X", V.shape[1])
    Yh = np.tanh(V @ X)
    return Yh, sigmoid(W @ Yh)


def two_layer_gradients(V: ArrayLike, W: ArrayLike, X: ArrayLike, T: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``(dC/dW, dC/dV)`` of the notes' network with ``C = (1/m) Σ_t ½ ||o_t - t_t||²``.

    The second layer first: ``dO = (O - T)/m``, ``dNet2 = dO * O(1 - O)``, ``dW = dNet2 Yhᵀ``;
    then the first: ``dYh = Wᵀ dNet2``, ``dNet1 = dYh * (1 - Yh²)``, ``dV = dNet1 Xᵀ``.

    Parameters
    ----------
    V : (h, n) array_like
    W : (k, h) array_like
    X : (n, m) array_like
    T : (k, m) array_like
        Targets.

    Returns
    -------
    dW : (k, h) ndarray
    dV : (h, n) ndarray
    """
    Yh, O = two_layer_forward(V, W, X)
    T = _like(T, "T", O, "the output O = σ(W tanh(V X))")
    W = np.asarray(W, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    d_net2 = (O - T) / X.shape[1] * O * (1.0 - O)
    d_net1 = (W.T @ d_net2) * (1.0 - Yh**2)
    return d_net2 @ Yh.T, d_net1 @ X.T


# ----------------------------------------------------------------------------
# a sigmoid MLP with MSE: the four equations
# ----------------------------------------------------------------------------


def _layers(Ws: Sequence[ArrayLike], bs: Sequence[ArrayLike], X: ArrayLike) -> tuple[list, list, np.ndarray]:
    if not isinstance(Ws, (list, tuple)) or not isinstance(bs, (list, tuple)) or len(Ws) != len(bs) or not Ws:
        raise ValueError(f"Ws, bs: expected two lists of the same non-zero length (one W and one b per "
                         f"layer), got {type(Ws).__name__} and {type(bs).__name__}")
    X = _batch(X, "X")
    Ws_, bs_, rows = [], [], X.shape[0]
    for l, (W, b) in enumerate(zip(Ws, bs), start=1):
        W = _batch(W, f"Ws[{l - 1}] (W^{l})", None, rows)
        Ws_.append(W)
        bs_.append(_batch(b, f"bs[{l - 1}] (b^{l})", W.shape[0], 1))
        rows = W.shape[0]
    return Ws_, bs_, X


def mlp_forward(Ws: Sequence[ArrayLike], bs: Sequence[ArrayLike], X: ArrayLike) -> tuple[list, list]:
    """Forward pass ``a^l = σ(W^l a^{l-1} + b^l)``, ``a^0 = X``, keeping what backward needs.

    Parameters
    ----------
    Ws, bs : lists of L arrays
        ``Ws[l-1]`` is ``W^l`` of shape ``(n_l, n_{l-1})``, ``bs[l-1]`` is ``b^l`` ``(n_l, 1)``.
    X : (n_0, m) array_like

    Returns
    -------
    Zs : list of L ndarrays
        ``Zs[l-1] = z^l``, shape ``(n_l, m)``.
    As : list of L + 1 ndarrays
        ``As[l] = a^l``; ``As[0]`` is ``X`` and ``As[L]`` the output.
    """
    Ws, bs, X = _layers(Ws, bs, X)
    Zs, As = [], [X]
    for W, b in zip(Ws, bs):
        Zs.append(W @ As[-1] + b)
        As.append(sigmoid(Zs[-1]))
    return Zs, As


def mlp_backward(Ws: Sequence[ArrayLike], bs: Sequence[ArrayLike], X: ArrayLike, Y: ArrayLike) -> dict[str, np.ndarray]:
    """Every parameter gradient of a sigmoid MLP with ``C = (1/m) Σ_t ½ ||a^L_t - y_t||²``.

    The four equations, for a batch: ``δ^L = dC/da^L ⊙ σ'(z^L)``;
    ``δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ'(z^l)``; ``dC/db^l = Σ_t δ^l_t``; ``dC/dW^l = δ^l (a^{l-1})ᵀ``.

    Parameters
    ----------
    Ws, bs, X
        As for :func:`mlp_forward`.
    Y : (n_L, m) array_like
        Targets.

    Returns
    -------
    dict
        ``{"dW1": dC/dW^1, "db1": dC/db^1, ..., "dWL": ..., "dbL": ...}``, each the shape of its
        parameter.
    """
    Zs, As = mlp_forward(Ws, bs, X)
    Ws = [np.asarray(W, dtype=np.float64) for W in Ws]
    Y = _like(Y, "Y", As[-1], "the network's output")
    grads: dict[str, np.ndarray] = {}
    dA = mse_backward(As[-1], Y)
    for l in range(len(Ws), 0, -1):
        dZ = sigmoid_backward(dA, Zs[l - 1])
        dA, grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, As[l - 1], Ws[l - 1])
    return {key: grads[key] for l in range(1, len(Ws) + 1) for key in (f"dW{l}", f"db{l}")}
