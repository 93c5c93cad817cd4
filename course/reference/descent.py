"""Gradient descent on a dict of parameters: one step, the notes' per-sample loop, mini-batches.

These are the answers to chapter 5's first three exercises, written on plain dicts
(``params`` and ``grads`` with the keys ``W1, b1, ..., WL, bL``) and a ``backprop`` function::

    backprop(params, X_batch, Y_batch) -> (C, grads)

where ``C`` is the loss of the batch (the mean of its examples' divergences; for one column it
is the notes' ``Div``) and ``grads[k]`` the gradient of ``C`` with respect to ``params[k]``
(:class:`course.reference.network.Network` is one). The model-object trainers the rest of the
course uses are :func:`course.train_per_sample` and :func:`course.train_minibatch`.

The notes' algorithm (001), in the course's column convention::

    repeat
        Loss = 0;  for every k: nabla_{W_k} Loss = 0, nabla_{b_k} Loss = 0
        for t = 1 .. T:   Div, grads = backprop(params, x_t, d_t)
                          Loss += Div;   nabla_{W_k} Loss += nabla_{W_k} Div  (and b_k)
        for every k:      W_k <- W_k - (eta / T) nabla_{W_k} Loss
                          b_k <- b_k - (eta / T) nabla_{b_k} Loss     (the notes print nabla_{W_k}: an erratum)
    until Loss has converged
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

import numpy as np

__all__ = ["gradient_step", "train_per_sample_loop", "train_minibatch_loop"]

#: backprop(params, X_batch, Y_batch) -> (mean loss of the batch, gradients with params' keys)
Backprop = Callable[[dict, np.ndarray, Any], "tuple[float, dict[str, np.ndarray]]"]


def gradient_step(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], lr: float) -> dict[str, np.ndarray]:
    """One step of gradient descent, ``θ ← θ − η ∇_θ L``, for every parameter ``θ``.

    Parameters
    ----------
    params : dict of str -> ndarray
        The parameters (not modified).
    grads : dict of str -> ndarray
        The same keys; ``grads[k]`` has the shape of ``params[k]``.
    lr : float
        The learning rate ``η``.

    Returns
    -------
    dict of str -> ndarray
        New arrays ``params[k] − lr · grads[k]``.
    """
    return {k: params[k] - lr * grads[k] for k in params}


def train_per_sample_loop(params: Mapping[str, np.ndarray], X: np.ndarray, Y: Any, lr: float, epochs: int,
                          backprop: Backprop) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The notes' algorithm: every epoch, accumulate over all ``T`` examples, then update once.

    Parameters
    ----------
    params : dict of str -> ndarray
        Initial parameters (not modified).
    X : (n_0, T) ndarray
        The examples ``x_t``, one per column.
    Y : (n_L, T) ndarray or (T,) int ndarray
        Their targets ``d_t``.
    lr : float
        ``η``.
    epochs : int
        Passes of the notes' ``repeat`` loop.
    backprop : callable
        ``backprop(params, X[:, t:t+1], Y[..., t:t+1]) -> (Div, grads)`` for one example.

    Returns
    -------
    params : dict of str -> ndarray
        After ``epochs`` updates.
    losses : (epochs,) ndarray
        ``Loss`` of each epoch, the *sum* of the ``T`` divergences, measured with the
        parameters the epoch started with.
    """
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    T = X.shape[1]
    losses = []
    for _ in range(epochs):
        Loss = 0.0
        sums = {k: np.zeros_like(p) for k, p in params.items()}
        for t in range(T):
            Div, grads = backprop(params, X[:, t:t + 1], Y[..., t:t + 1])
            Loss += Div
            for k in sums:
                sums[k] += grads[k]
        params = {k: params[k] - (lr / T) * sums[k] for k in params}
        losses.append(Loss)
    return params, np.array(losses)


def train_minibatch_loop(params: Mapping[str, np.ndarray], X: np.ndarray, Y: Any, lr: float, epochs: int,
                         batch_size: int, backprop: Backprop) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Mini-batch gradient descent: one step ``θ ← θ − η ∇_θ C_batch`` after every batch.

    Each epoch visits the columns in order, in batches of ``batch_size`` (the last one holds
    what is left, ``T mod batch_size`` columns, when that is not zero). ``C_batch`` is already
    the mean over the batch, so the step has no ``1 / m`` of its own.

    Parameters
    ----------
    params, X, Y, lr, epochs
        As for :func:`train_per_sample_loop`.
    batch_size : int
        Columns per batch, ``1 <= batch_size <= T``.
    backprop : callable
        ``backprop(params, X_batch, Y_batch) -> (C_batch, grads)``.

    Returns
    -------
    params : dict of str -> ndarray
        After the last batch of the last epoch.
    losses : (epochs,) ndarray
        ``Loss`` of each epoch: the sum of the divergences of its ``T`` examples, each batch
        measured before its own step (``Σ_batches m_batch · C_batch``).
    """
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    T = X.shape[1]
    losses = []
    for _ in range(epochs):
        Loss = 0.0
        for start in range(0, T, batch_size):
            cols = slice(start, start + batch_size)
            C, grads = backprop(params, X[:, cols], Y[..., cols])
            Loss += C * X[:, cols].shape[1]
            params = gradient_step(params, grads, lr)
        losses.append(Loss)
    return params, np.array(losses)
