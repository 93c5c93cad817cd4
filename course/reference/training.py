"""The training algorithm (chapter 5): per-sample as in the notes, and in mini-batches.

The notes' algorithm (001), in the course's column convention::

    initialise every W_k, b_k
    repeat
        Loss = 0
        for every k:  nabla_{W_k} Loss = 0,  nabla_{b_k} Loss = 0
        for t = 1 .. T
            forward X_t to the output Y_t;   Div = Div(Y_t, d_t);   Loss += Div
            backward: nabla_{W_k} Div, nabla_{b_k} Div for every k
            nabla_{W_k} Loss += nabla_{W_k} Div;   nabla_{b_k} Loss += nabla_{b_k} Div
        for every k
            W_k <- W_k - (eta / T) nabla_{W_k} Loss
            b_k <- b_k - (eta / T) nabla_{b_k} Loss
    until Loss has converged

``train_per_sample`` is that loop line by line. ``train_minibatch`` is the
vectorised form: a batch of columns goes through the network at once, the loss
divides by the batch size, and ``W <- W - eta dW`` after every batch. With one
batch of all ``T`` examples in order, one epoch of each gives the same weights.

Any model with the ``Layer`` protocol works (an ``MLP``, or a single
``Linear`` for a softmax classifier on features): ``forward``, ``backward``,
``parameters()`` returning the live arrays, and ``gradients()``.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course.reference.history import History
from course.reference.layers import Linear, unchecked
from course.reference.losses import mse_loss
from course.reference.mlp import MLP
from course.validation import NonFiniteError, as_float_array, as_generator, as_positive_int

__all__ = ["History", "train_per_sample", "train_minibatch"]

#: a loss: (output, targets) -> (mean loss over the batch, gradient w.r.t. the output)
LossFn = Callable[[np.ndarray, np.ndarray], "tuple[float, np.ndarray]"]
#: called after every epoch as callback(epoch, model, history); a true result stops training
Callback = Callable[[int, Any, History], Any]
#: one epoch's pass over the data: updates the parameters, returns (Loss, gradient sums) over all T examples
EpochFn = Callable[[], "tuple[float, dict[str, np.ndarray]]"]


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
    X, Y, T = _check_data(X, Y, model)
    params = _check_training_args(model, loss, lr, epochs, callback)

    def one_epoch() -> tuple[float, dict[str, np.ndarray]]:  # one pass of the notes' "repeat"
        Loss = 0.0
        # nabla_{W_k} Loss = 0 and nabla_{b_k} Loss = 0 for every k
        grad_sums = {name: np.zeros_like(p) for name, p in params.items()}
        for t in range(T):
            Y_t = model.forward(X[:, t:t + 1])  # forward propagation: the output for X_t
            Div, dY_t = loss(Y_t, Y[..., t:t + 1])  # divergence Div(Y_t, d_t) and nabla_Y Div
            Loss += Div
            model.backward(dY_t)  # backward propagation: nabla_{W_k} Div, nabla_{b_k} Div
            for name, grad in _gradients(model, params).items():
                grad_sums[name] += grad  # nabla_{W_k} Loss += nabla_{W_k} Div (and the same for b_k)
        for name, p in params.items():
            # W_k <- W_k - (eta/T) nabla_{W_k} Loss, and b_k with its *own* gradient nabla_{b_k} Loss
            p -= (lr / T) * grad_sums[name]
        _check_finite(params, Loss)
        return Loss, grad_sums

    return _repeat_epochs(one_epoch, model, T, lr=lr, epochs=epochs, callback=callback)


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
    X, Y, T = _check_data(X, Y, model)
    params = _check_training_args(model, loss, lr, epochs, callback)
    batch_size = as_positive_int(batch_size, "batch_size")
    if batch_size > T:
        raise ValueError(f"batch_size: expected at most T={T} (the number of examples), got {batch_size}")
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle: expected True or False, got {type(shuffle).__name__}")
    if shuffle or rng is not None:
        as_generator(rng, hint=" to shuffle with (or shuffle=False)")
    forward, backward, loss, X, Y = _fast_steps(model, loss, X, Y, params)
    first = [True]

    def one_epoch() -> tuple[float, dict[str, np.ndarray]]:
        order = rng.permutation(T) if shuffle else np.arange(T)
        Loss = 0.0
        full = {name: np.zeros_like(p) for name, p in params.items()}  # sum of the full batches' gradients
        last: dict[str, np.ndarray] = {}                                  # the short last batch's, weighted
        for start in range(0, T, batch_size):
            batch = order[start:start + batch_size]
            Y_hat = forward(X[:, batch])
            C, dY_hat = loss(Y_hat, Y[..., batch])  # C and dY_hat are already divided by len(batch)
            backward(dY_hat)
            grads = _gradients(model, params) if first[0] else model.gradients()
            first[0] = False
            for name, p in params.items():
                p -= lr * grads[name]  # W <- W - lr * dW
            if not math.isfinite(C):
                raise NonFiniteError(f"the loss is {C}")
            Loss += C * len(batch)
            if len(batch) == batch_size:
                for name, g in grads.items():
                    full[name] += g
            else:
                last = {name: g * len(batch) for name, g in grads.items()}
        _check_finite(params, Loss)
        return Loss, {name: s * batch_size + last[name] if last else s * batch_size for name, s in full.items()}

    return _repeat_epochs(one_epoch, model, T, lr=lr, epochs=epochs, callback=callback)


def _fast_steps(model: Any, loss: LossFn, X: np.ndarray, Y: np.ndarray, params: dict[str, np.ndarray]):
    """``(forward, backward, loss, X, Y)`` for the training loop: checked once here, not on every batch.

    For the reference ``MLP`` and layers (methods not replaced) the unchecked steps are used, and
    for the reference losses their unchecked form on targets converted once (one-hot for labels);
    ``X`` and ``Y`` are in the dtype of the parameters, so float32 data trains a float32 model in
    float32. Anything else (a learner's model or loss) is called as it is, checks included.
    """
    dtypes = {p.dtype for p in params.values()}
    dtype = dtypes.pop() if len(dtypes) == 1 else np.dtype(np.float64)
    X = X.astype(dtype, copy=False)
    forward, backward = _unchecked(model, "forward"), _unchecked(model, "backward")
    core, targets = getattr(loss, "unchecked", None), getattr(loss, "targets", None)
    if core is None or targets is None or forward == getattr(model, "forward", None) or \
            backward == getattr(model, "backward", None):
        return model.forward, model.backward, loss, X, Y
    n_out = getattr(model, "n_out", None)
    if n_out is None:
        return model.forward, model.backward, loss, X, Y
    Y = np.asarray(targets(Y, (n_out, X.shape[1])), dtype=dtype)
    return forward, backward, core, X, Y


def _unchecked(model: Any, method: str) -> Callable:
    """The unchecked step of a reference ``MLP`` or layer whose method is not replaced (else the method).

    For an ``MLP`` the layers' steps are looked up once, for the whole training run: the
    forward pass is then a plain loop over them, and the backward pass skips ``dX``, which a
    trainer never uses.
    """
    if not isinstance(model, MLP):
        return unchecked(model, method)
    if getattr(type(model), method) is not getattr(MLP, method) or method in vars(model):
        return getattr(model, method)
    layers = model.layers
    if method == "forward":
        steps = [unchecked(layer, "forward") for layer in layers]

        def forward(a: np.ndarray) -> np.ndarray:
            for step in steps:
                a = step(a)
            model._out_shape = a.shape
            return a
        return forward
    steps = [unchecked(layer, "backward") for layer in reversed(layers)]
    first = layers[0]
    if isinstance(first, Linear) and steps[-1] == first._backward:
        steps[-1] = lambda d: first._backward(d, need_dx=False)

    def backward(d: np.ndarray) -> None:
        for step in steps:
            d = step(d)
        model._has_gradients = True
    return backward


def _repeat_epochs(
    one_epoch: EpochFn, model: Any, T: int, *, lr: float, epochs: int, callback: Callback | None
) -> History:
    """The outer loop both trainers share: the notes' "repeat ... until converged".

    Runs ``one_epoch()`` up to ``epochs`` times, each under ``_stop_if_diverged``;
    records its ``Loss / T`` and mean gradients ``nabla Loss / T`` in the
    ``History``; stops early when ``callback(epoch, model, history)`` is true.
    """
    history = History()
    for epoch in range(epochs):
        with _stop_if_diverged(epoch, lr):
            Loss, grad_sums = one_epoch()
        history.record(Loss / T, {name: s / T for name, s in grad_sums.items()})
        if callback is not None and callback(epoch, model, history):
            break
    return history


# ----------------------------------------------------------------------------
# validation (private)
# ----------------------------------------------------------------------------


def _check_data(X: Any, Y: Any, model: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """X as a finite float (n_in, T) array; Y as (k, T) floats or (T,) integer labels."""
    X = as_float_array(X, "X", ndim=2, shape_text="(n_in, T)")
    n_in = getattr(model, "n_in", None)
    if isinstance(n_in, int) and X.shape[0] != n_in:
        raise ValueError(f"X: expected shape (n_in={n_in}, T) for this model, got shape {X.shape}")
    T = X.shape[1]
    if T == 0:
        raise ValueError(f"X: expected at least one example (column), got shape {X.shape}")
    Y_arr = np.asarray(Y)
    if Y_arr.dtype != bool and np.issubdtype(Y_arr.dtype, np.integer):
        Y = Y_arr  # integer labels or targets: keep the dtype (labels index classes)
        if Y.ndim not in (1, 2):
            raise ValueError(f"Y: expected shape (k, T={T}) or ({T},) labels, got shape {Y.shape}")
    else:
        Y = as_float_array(Y, "Y", ndim=(1, 2), shape_text=f"(k, T={T}) or ({T},) labels")
    if Y.shape[-1] != T:
        raise ValueError(
            f"Y: expected one target per column of X (T={T} columns), got shape {Y.shape}"
        )
    return X, Y, T


def _check_training_args(model: Any, loss: Any, lr: Any, epochs: Any, callback: Any) -> dict[str, np.ndarray]:
    """Validate the shared arguments; return the model's live parameter arrays."""
    missing = [m for m in ("forward", "backward", "parameters", "gradients") if not callable(getattr(model, m, None))]
    if missing:
        raise TypeError(
            "model: expected an object with forward, backward, parameters and gradients "
            f"(the Layer protocol), got {type(model).__name__} without {', '.join(missing)}"
        )
    params = model.parameters()
    if not isinstance(params, dict) or not params:
        raise TypeError(f"model: parameters() must return a non-empty dict of arrays, got {params!r}")
    again = model.parameters()
    for name, p in params.items():
        if not isinstance(p, np.ndarray) or again.get(name) is not p:
            raise TypeError(
                f"model: parameters() must return the live arrays (the same objects every call), "
                f"so that updating them in place updates the model; {name!r} is not"
            )
    if not callable(loss):
        raise TypeError(f"loss: expected a callable loss(y_hat, y) -> (loss, dy_hat), got {type(loss).__name__}")
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise TypeError(f"lr: expected a positive float, got {type(lr).__name__} {lr!r}")
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr: expected a positive finite float, got {lr}")
    as_positive_int(epochs, "epochs")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback: expected None or a callable(epoch, model, history), got {type(callback).__name__}")
    return params


def _gradients(model: Any, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The model's gradients, checked to match its parameters name by name and shape by shape."""
    grads = model.gradients()
    if grads.keys() != params.keys():
        raise ValueError(
            f"model: gradients() keys {sorted(grads)} do not match parameters() keys {sorted(params)}"
        )
    for name, g in grads.items():
        if np.shape(g) != params[name].shape:
            raise ValueError(
                f"model: gradient {name!r} has shape {np.shape(g)}, expected {params[name].shape} "
                "(the shape of the parameter)"
            )
    return grads


def _check_finite(params: dict[str, np.ndarray], loss_value: float) -> None:
    """Raise ``NonFiniteError`` when a parameter or the loss has become NaN or inf."""
    bad = [name for name, p in params.items() if not np.all(np.isfinite(p))]
    if bad:
        raise NonFiniteError(f"parameters {bad} are not finite")
    if not np.isfinite(loss_value):
        raise NonFiniteError(f"the loss is {loss_value}")


@contextmanager
def _stop_if_diverged(epoch: int, lr: float) -> Iterator[None]:
    """Turn overflowing numbers inside one epoch into one clear ``FloatingPointError``.

    Overflow warnings are silenced in here because the finiteness checks (the
    layers' checks of their inputs, ``_check_finite`` after each update) catch
    the result and say what happened.
    """
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            yield
    except NonFiniteError as exc:
        raise FloatingPointError(
            f"training diverged in epoch {epoch} ({exc}); try a smaller lr (got lr={lr:g})"
        ) from None
