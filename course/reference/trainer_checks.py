"""The trainers' argument checks, run once per training run (never per batch).

``check_data`` turns ``X`` and ``Y`` into arrays of the documented shapes, ``check_training_args``
validates the model (the Layer protocol, live parameter arrays), the loss, ``lr``, ``epochs`` and
the callback, and ``checked_gradients`` reads a model's gradients checked name by name and shape
by shape against its parameters. Each error names what was expected and what was given.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from course.validation import as_float_array, as_positive_int

__all__ = ["all_finite", "check_data", "check_training_args", "checked_gradients"]


def all_finite(a: np.ndarray) -> bool:
    """Whether every entry of the float array ``a`` is finite, without an entrywise temporary.

    A sum is finite only if every term is (a NaN or an inf makes it NaN or inf), so a finite
    ``a.sum()`` proves it in one pass; a sum that is not finite (a NaN or inf, or finite entries
    whose sum overflows) is decided by the entrywise test.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = a.sum()
    return bool(np.isfinite(total)) or bool(np.isfinite(a).all())


def check_data(X: Any, Y: Any, model: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """X as a finite float (n_in, T) array; Y as (k, T) floats or (T,) integer labels."""
    if isinstance(X, np.ndarray) and X.dtype in (np.float32, np.float64) and X.ndim == 2 and all_finite(X):
        pass  # float data is used as it is (float32 stays float32: no float64 copy of a large data set)
    else:  # anything else is converted, or rejected with a message naming the first bad entry
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


def check_training_args(model: Any, loss: Any, lr: Any, epochs: Any, callback: Any) -> dict[str, np.ndarray]:
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


def checked_gradients(model: Any, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
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
