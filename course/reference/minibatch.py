"""Mini-batch gradient descent (chapter 5): ``W <- W - lr * dW`` after every batch of columns.

The vectorised form of the notes' algorithm (see :mod:`course.reference.training`): a batch of
``B`` columns goes through the network at once, the loss divides by ``B``, and every parameter
is updated after every batch.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course.reference.divergence import check_finite
from course.reference.epochs import Callback, LossFn, repeat_epochs
from course.reference.fast_steps import fast_steps, gradient_reader, packed_steps
from course.reference.history import History
from course.reference.losses import mse_loss
from course.reference.packed import views_of
from course.reference.trainer_checks import check_data, check_training_args, checked_gradients
from course.validation import NonFiniteError, as_generator, as_positive_int

__all__ = ["train_minibatch"]


def train_minibatch(
    model: Any,
    X: ArrayLike,
    Y: ArrayLike,
    *,
    loss: LossFn = mse_loss,
    lr: float,
    epochs: int,
    batch_size: int,
    rng: np.random.Generator | None = None,
    shuffle: bool = True,
    callback: Callback | None = None,
) -> History:
    """Train ``model`` by mini-batch gradient descent: ``W <- W - lr * dW`` after every batch.

    Each epoch splits the ``T`` examples (shuffled with ``rng`` unless
    ``shuffle=False``) into batches of ``batch_size`` columns (the last one
    may be smaller), and for each batch runs forward, the loss (which divides
    by the batch's size), backward, and the update of every parameter.

    Parameters
    ----------
    model : Layer
        E.g. an ``MLP``; updated in place.
    X : (n_in, T) array_like
        Training inputs, one per column.
    Y : (k, T) array_like or (T,) int array_like
        Targets, one per column (or integer labels).
    loss : callable, default ``mse_loss``
        ``loss(y_hat, y) -> (mean loss over the batch, dy_hat)``.
    lr : float > 0
        Learning rate.
    epochs : int >= 1
        Number of passes over the data.
    batch_size : int, 1 <= batch_size <= T
        Columns per batch. ``batch_size=T`` with ``shuffle=False`` is
        full-batch gradient descent, and one epoch of it equals one epoch of
        ``train_per_sample``.
    rng : numpy.random.Generator
        Shuffles the examples every epoch; required when ``shuffle`` is True.
    shuffle : bool, default True
        Visit the examples in a new random order each epoch.
    callback : callable, optional
        ``callback(epoch, model, history)`` after every epoch; returning a
        true value stops training.

    Returns
    -------
    History
        ``loss[e]`` is the mean loss over the epoch's examples (each batch's
        loss weighted by its size, measured before that batch's update);
        ``grad_norms`` uses the epoch's size-weighted mean gradient.
    """
    X, Y, T = check_data(X, Y, model)
    params = check_training_args(model, loss, lr, epochs, callback)
    batch_size = as_positive_int(batch_size, "batch_size")
    if batch_size > T:
        raise ValueError(f"batch_size: expected at most T={T} (the number of examples), got {batch_size}")
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle: expected True or False, got {type(shuffle).__name__}")
    if shuffle or rng is not None:
        as_generator(rng, hint=" to shuffle with (or shuffle=False)")
    forward, backward, loss, X, Y = fast_steps(model, loss, X, Y, params)
    names, arrays = list(params), list(params.values())
    packed = packed_steps(model, params) if backward != model.backward else None
    if packed is not None:  # every parameter a view of theta: one update for all (course.reference.packed)
        backward, theta, grad = packed
        targets, gradients = [theta], lambda: [grad]
    else:
        targets, gradients = arrays, gradient_reader(model, params)
    first = [True]

    def by_name(sums: list[np.ndarray]) -> dict[str, np.ndarray]:
        """Sums laid out like ``targets`` (one flat vector, or one array per parameter) -> by name."""
        return dict(zip(names, views_of(sums[0], [p.shape for p in arrays]) if packed else sums))

    def one_epoch() -> tuple[float, dict[str, np.ndarray]]:
        order = rng.permutation(T) if shuffle else np.arange(T)
        Loss = 0.0
        sums = [np.zeros_like(p) for p in targets]  # sum of the full batches' gradients, laid out like targets
        last: list[np.ndarray] = []                 # the short last batch's, weighted by its size
        for start in range(0, T, batch_size):
            batch = order[start:start + batch_size]
            m = len(batch)
            # np.take gathers the batch's columns (the same values as X[:, batch], in 2/3 of the time for float64)
            Y_hat = forward(np.take(X, batch, axis=1))
            C, dY_hat = loss(Y_hat, np.take(Y, batch, axis=-1))  # C and dY_hat are already divided by m
            backward(dY_hat)
            if first[0]:  # the first batch checks the gradients' names and shapes once
                checked = checked_gradients(model, params)
                grads = gradients() if packed else [checked[name] for name in names]
                first[0] = False
            else:
                grads = gradients()
            for p, g in zip(targets, grads):
                p -= lr * g  # W <- W - lr * dW (for all parameters at once when they are packed)
            if not math.isfinite(C):
                raise NonFiniteError(f"the loss is {C}")
            Loss += C * m
            if m == batch_size:
                for s, g in zip(sums, grads):
                    s += g
            else:
                last = [g * m for g in grads]
        check_finite(params, Loss)
        if last:
            return Loss, by_name([s * batch_size + g for s, g in zip(sums, last)])
        return Loss, by_name([s * batch_size for s in sums])

    return repeat_epochs(one_epoch, model, T, lr=lr, epochs=epochs, callback=callback)
