"""The mini-batch trainer's inner steps, resolved once per run instead of checked on every batch.

For the reference ``MLP`` of reference layers and the reference losses, the trainer calls their
unchecked forms (``Linear._forward`` etc.): the inputs were validated once at the boundary
(:mod:`.trainer_checks`) and divergence is caught per epoch (:mod:`.divergence`), so checking
every layer call again would only cost time. Any other model or loss (a learner's, a subclass
that replaces a method) is called as it is, checks included.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from course.reference.epochs import LossFn
from course.reference.layers import Linear, unchecked
from course.reference.mlp import MLP
from course.reference.packed import flat_of, views_of

__all__ = ["fast_steps", "gradient_reader", "packed_steps", "unchecked_steps"]


def fast_steps(model: Any, loss: LossFn, X: np.ndarray, Y: np.ndarray, params: dict[str, np.ndarray]):
    """``(forward, backward, loss, X, Y)`` for the training loop: checked once here, not on every batch.

    For the reference ``MLP`` and layers (methods not replaced) the unchecked steps are used, and
    for the reference losses their unchecked form on targets converted once (one-hot for labels);
    ``X`` and ``Y`` are in the dtype of the parameters, so float32 data trains a float32 model in
    float32. Anything else (a learner's model or loss) is called as it is, checks included.
    """
    dtypes = {p.dtype for p in params.values()}
    dtype = dtypes.pop() if len(dtypes) == 1 else np.dtype(np.float64)
    X = X.astype(dtype, copy=False)
    forward, backward = unchecked_steps(model, "forward"), unchecked_steps(model, "backward")
    core, targets = getattr(loss, "unchecked", None), getattr(loss, "targets", None)
    if core is None or targets is None or forward == getattr(model, "forward", None) or \
            backward == getattr(model, "backward", None):
        return model.forward, model.backward, loss, X, Y
    n_out = getattr(model, "n_out", None)
    if n_out is None:
        return model.forward, model.backward, loss, X, Y
    Y = np.asarray(targets(Y, (n_out, X.shape[1])), dtype=dtype)
    return forward, backward, core, X, Y


def gradient_reader(model: Any, params: dict[str, np.ndarray]) -> Callable[[], list[np.ndarray]]:
    """A function returning the model's gradients as a list, in the order of ``params``.

    For an ``MLP`` of reference ``Linear`` layers (nothing replaced) it reads their ``dW`` and
    ``db`` directly; for any other model it calls ``model.gradients()``.
    """
    names = list(params)

    def from_model() -> list[np.ndarray]:
        grads = model.gradients()
        return [grads[name] for name in names]
    linears = _reference_linears(model, params)
    if linears is None:
        return from_model
    return lambda: [g for layer in linears for g in (layer.dW, layer.db)]


def packed_steps(model: Any, params: dict[str, np.ndarray]) -> tuple[Callable, np.ndarray, np.ndarray] | None:
    """``(backward, theta, grad)`` when the parameters are views of one flat vector, else ``None``.

    ``theta`` is the flat vector behind ``params`` (an ``MLP``'s, see
    :mod:`course.reference.packed`); ``backward(dY_hat)`` writes every layer's ``dW`` and ``db``
    into the views of one flat vector ``grad`` laid out like ``theta``, so that the update of all
    parameters is ``theta -= lr * grad``. ``None`` unless the model is a reference ``MLP`` whose
    parameterised layers are reference ``Linear`` layers (methods not replaced) and whose
    parameters are still packed.
    """
    linears = _reference_linears(model, params)
    if linears is None or unchecked_steps(model, "backward") == getattr(model, "backward", None):
        return None
    theta = flat_of(list(params.values()))
    if theta is None:
        return None
    grad = np.zeros_like(theta)
    views = iter(views_of(grad, [p.shape for p in params.values()]))
    out = {id(layer): (next(views), next(views)) for layer in linears}
    steps = _backward_steps(model, out)
    if steps is None:
        return None
    return _running(model, steps), theta, grad


def _reference_linears(model: Any, params: dict[str, np.ndarray]) -> list[Linear] | None:
    """The ``Linear`` layers of a reference ``MLP``, in the order of ``params``; ``None`` for any other model.

    ``None`` also when a method that reports gradients is replaced, or a parameterised layer is
    not a reference ``Linear``: the trainer then asks the model itself.
    """
    if not isinstance(model, MLP) or type(model).gradients is not MLP.gradients or "gradients" in vars(model):
        return None
    names, linears = [], []
    for i, layer in enumerate(model.layers):
        if not layer.parameters():
            continue
        if type(layer) is not Linear or "gradients" in vars(layer):
            return None
        names += [f"{i}.W", f"{i}.b"]
        linears.append(layer)
    return linears if names == list(params) else None


def unchecked_steps(model: Any, method: str) -> Callable:
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
    return _running(model, _backward_steps(model, {}))


def _running(model: MLP, steps: list[Callable]) -> Callable[[np.ndarray], None]:
    """The backward pass that runs ``steps`` (last layer first) and marks the model's gradients as set."""
    def backward(d: np.ndarray) -> None:
        for step in steps:
            d = step(d)
        model._has_gradients = True
    return backward


def _backward_steps(model: MLP, out: dict[int, tuple[np.ndarray, np.ndarray]]) -> list[Callable] | None:
    """The layers' unchecked backward steps, last layer first; the first skips ``dX`` if it is a ``Linear``.

    ``out`` maps ``id(layer)`` of a ``Linear`` to the arrays its ``dW`` and ``db`` are written
    into; ``None`` if such a layer's backward is replaced (it could not write there).
    """
    layers = model.layers
    steps = []
    for layer in reversed(layers):
        step = unchecked(layer, "backward")
        reference = isinstance(layer, Linear) and step == layer._backward
        if id(layer) in out and not reference:
            return None
        if reference and (layer is layers[0] or id(layer) in out):
            step = partial(layer._backward, need_dx=layer is not layers[0], out=out.get(id(layer)))
        steps.append(step)
    return steps
