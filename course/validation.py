"""Argument validation shared by the reference modules.

Every bad input to ``functions``, ``layers``, ``losses``, ``mlp``, ``training`` and ``jacobian``
gets the same kind of message: the argument, what was expected, what was given, e.g.
``"x: expected a 2-D float array of shape (n_in=3, m), got shape (3,)"``.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["NonFiniteError", "as_float_array", "as_column", "as_positive_int", "as_int", "as_generator",
           "check_callable"]


class NonFiniteError(ValueError):
    """A NaN or inf where finite values are required (``training`` reports it as divergence)."""


def as_float_array(
    x: Any,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    shape: tuple[int | None, ...] | None = None,
    shape_text: str | None = None,
) -> np.ndarray:
    """Return ``x`` as a finite float64 array or raise naming ``name``.

    ``ndim`` is the allowed number of dimensions (an int or a tuple of ints);
    ``shape`` gives required sizes, ``None`` for "any"; ``shape_text`` is how
    the expected shape is written in messages, e.g. ``"(n_in=3, m)"``.
    Integers are converted to float64; booleans, complex numbers, strings and
    objects raise ``TypeError``; wrong dimensions or sizes and NaN or inf
    raise ``ValueError``.
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # e.g. ragged nested lists
        raise TypeError(f"{name}: expected a float array, got {type(x).__name__} ({exc})") from None
    if arr.dtype.kind not in "fiu":  # float, signed or unsigned int; not bool, complex, str, object
        raise TypeError(
            f"{name}: expected a real-valued float array, got {type(x).__name__} "
            f"with dtype {arr.dtype}"
        )
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if allowed is not None and arr.ndim not in allowed:
        dims = " or ".join(f"{d}-D" for d in allowed)
        where = f" of shape {shape_text}" if shape_text else ""
        raise ValueError(f"{name}: expected a {dims} float array{where}, got shape {arr.shape}")
    if shape is not None:
        if len(shape) != arr.ndim or any(s is not None and s != g for s, g in zip(shape, arr.shape)):
            text = shape_text or str(shape)
            raise ValueError(f"{name}: expected shape {text}, got shape {arr.shape}")
    arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        finite = np.isfinite(arr)
        bad = np.argwhere(~finite)[0]
        index = tuple(int(i) for i in bad)
        raise NonFiniteError(
            f"{name}: expected finite values, got {int((~finite).sum())} NaN/inf "
            f"entries (first at index {index}: {arr[index]})"
        )
    return arr


def as_column(z: Any, name: str) -> np.ndarray:
    """Validate one example: ``(n, 1)`` or ``(n,)``, returned as ``(n, 1)``."""
    z = as_float_array(z, name, ndim=(1, 2), shape_text="(n, 1)")
    if (z.ndim == 2 and z.shape[1] != 1) or z.shape[0] == 0:
        raise ValueError(f"{name}: expected a column vector of shape (n, 1) with n >= 1, got shape {z.shape}")
    return z.reshape(-1, 1)


def as_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int >= 1 or raise naming ``name`` (bools are refused)."""
    return as_int(value, name, minimum=1)


def check_callable(value: Any, name: str) -> Any:
    """Return ``value`` if it is callable, else raise a ``TypeError`` naming ``name``."""
    if not callable(value):
        raise TypeError(f"{name}: expected a callable (a function), got {type(value).__name__}")
    return value


def as_generator(rng: Any, name: str = "rng", *, hint: str = "") -> np.random.Generator:
    """Return ``rng`` if it is a ``numpy.random.Generator``, else raise a ``TypeError``.

    ``hint`` is added to the message, e.g. ``" to shuffle with (or shuffle=False)"``.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name}: expected a numpy.random.Generator{hint}, e.g. np.random.default_rng(0), "
            f"got {type(rng).__name__}"
        )
    return rng


def as_int(value: Any, name: str, *, minimum: int) -> int:
    """Return ``value`` as an int >= ``minimum`` or raise naming ``name`` (bools are refused)."""
    what = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected {what}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: expected {what}{' (>= 1)' if minimum == 1 else ''}, got {value}")
    return int(value)
