"""The notes' training algorithm (chapter 5), line by line: one example at a time, one update per epoch.

See :mod:`course.reference.training` for the pseudocode and the vectorised form.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course.reference.divergence import check_finite
from course.reference.epochs import Callback, LossFn, repeat_epochs
from course.reference.history import History
from course.reference.losses import mse_loss
from course.reference.trainer_checks import check_data, check_training_args, checked_gradients

__all__ = ["train_per_sample"]


def train_per_sample(
    model: Any,
    X: ArrayLike,
    Y: ArrayLike,
    *,
    loss: LossFn = mse_loss,
    lr: float,
    epochs: int,
    callback: Callback | None = None,
) -> History:
    """Train ``model`` with the notes' algorithm: one example at a time, one update per epoch.

    Each epoch sets ``Loss = 0`` and the gradient sums to zero, then for every
    example ``t`` forwards the single column ``X[:, t:t+1]``, adds its
    divergence to ``Loss``, backpropagates, and adds every ``dW_k`` and ``db_k``
    to its sum. After all ``T`` examples it updates every parameter once:
    ``W_k <- W_k - (lr / T) sum_t dW_k`` and ``b_k <- b_k - (lr / T) sum_t db_k``.

    Parameters
    ----------
    model : Layer
        E.g. an ``MLP``; updated in place.
    X : (n_in, T) array_like
        The ``T`` training inputs, one per column.
    Y : (k, T) array_like or (T,) int array_like
        The targets ``d_t``, one per column (or integer labels for
        ``softmax_cross_entropy``).
    loss : callable, default ``mse_loss``
        ``loss(y_hat, y) -> (Div, dy_hat)``. Called on one example, so its
        division by the batch size is a division by 1: ``Div`` is the notes'
        per-example divergence and the ``1 / T`` lives in the update.
    lr : float > 0
        The learning rate ``eta``.
    epochs : int >= 1
        Number of passes over the data (the notes' "until converged").
    callback : callable, optional
        ``callback(epoch, model, history)`` after every epoch's update;
        returning a true value stops training (a convergence test).

    Returns
    -------
    History
        ``loss[e]`` is ``Loss / T`` of epoch ``e``, measured with the weights
        the epoch started with.

    Notes
    -----
    Two differences from the notes' pseudocode, both deliberate:

    * **Erratum.** The notes update the bias with the *weight* gradient,
      ``b_k = b_k - (eta/T) (nabla_{W_k} Loss)^T``. That is a typo (the
      shapes do not even match): each bias is updated with its own
      accumulated gradient ``nabla_{b_k} Loss``, as here.
    * **No transpose.** The notes write gradients as rows, so their update
      transposes ``(nabla_{W_k} Loss)^T``. In the course's column convention
      ``dW = dz @ a.T`` already has ``W``'s shape.
    """
    X, Y, T = check_data(X, Y, model)
    params = check_training_args(model, loss, lr, epochs, callback)

    def one_epoch() -> tuple[float, dict[str, np.ndarray]]:  # one pass of the notes' "repeat"
        Loss = 0.0
        # nabla_{W_k} Loss = 0 and nabla_{b_k} Loss = 0 for every k
        grad_sums = {name: np.zeros_like(p) for name, p in params.items()}
        for t in range(T):
            Y_t = model.forward(X[:, t:t + 1])  # forward propagation: the output for X_t
            Div, dY_t = loss(Y_t, Y[..., t:t + 1])  # divergence Div(Y_t, d_t) and nabla_Y Div
            Loss += Div
            model.backward(dY_t)  # backward propagation: nabla_{W_k} Div, nabla_{b_k} Div
            for name, grad in checked_gradients(model, params).items():
                grad_sums[name] += grad  # nabla_{W_k} Loss += nabla_{W_k} Div (and the same for b_k)
        for name, p in params.items():
            # W_k <- W_k - (eta/T) nabla_{W_k} Loss, and b_k with its *own* gradient nabla_{b_k} Loss
            p -= (lr / T) * grad_sums[name]
        check_finite(params, Loss)
        return Loss, grad_sums

    return repeat_epochs(one_epoch, model, T, lr=lr, epochs=epochs, callback=callback)
