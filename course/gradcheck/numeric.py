"""Finite differences: derivatives, gradients and Jacobians by evaluating a function.

The central difference

    f'(x) ~ (f(x + h) - f(x - h)) / (2 h)

has a truncation error of about ``h**2 |f'''(x)| / 6`` and a rounding error of
about ``eps |f(x)| / h`` (``eps`` the machine epsilon: the two evaluations of
``f`` are each rounded, and their difference is divided by ``h``). The sum is
smallest for ``h ~ cbrt(3 eps |f| / |f'''|)``; taking ``|f| / |f'''|`` of the
order of ``max(1, |x|)**3`` (the only length scale we know) gives

    h = cbrt(eps) * max(1, |x|)        (about 6e-6 for |x| <= 1 in float64)

so both errors are of order ``eps**(2/3) ~ 4e-11`` relative: the agreement of
"about 1e-6 relative" a gradient check can promise, with room to spare.
The one-sided difference ``(f(x + h) - f(x)) / h`` has a truncation error of
order ``h`` instead, so its best step is ``sqrt(eps) * max(1, |x|)``.

All arithmetic is in float64, whatever the dtype of ``x``. The caller's ``x``
is never modified: ``f`` receives a fresh float64 copy at every call, and an
``f`` that changes its argument in place is reported with an
:class:`InputModifiedError`, because its results cannot be trusted.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike
from course.validation import check_callable

__all__ = [
    "InputModifiedError",
    "default_step",
    "numerical_derivative",
    "numerical_gradient",
    "numerical_jacobian",
    "one_sided_differences",
]


class InputModifiedError(ValueError):
    """The function being differentiated changed its input array in place."""


def default_step(x: ArrayLike, *, dtype: Any = np.float64) -> np.ndarray | float:
    """Central-difference step for each entry of ``x``: ``cbrt(eps) * max(1, |x|)``.

    Parameters
    ----------
    x : array_like or float
        The point at which derivatives will be taken.
    dtype : numpy float dtype
        The precision the function computes in (``eps`` is its machine
        epsilon); float64 unless the function can only compute in float32.

    Returns
    -------
    float or ndarray
        ``h`` with the shape of ``x`` (a float for a scalar ``x``).

    Notes
    -----
    The step balances the truncation error ``h**2 |f'''| / 6`` against the
    rounding error ``eps |f| / h`` (see the module docstring); scaling with
    ``max(1, |x|)`` keeps ``x + h`` distinguishable from ``x`` for large
    ``|x|`` and keeps ``h`` from vanishing at ``x = 0``.
    """
    arr = as_point(x, "x")
    h = np.cbrt(np.finfo(dtype).eps) * np.maximum(1.0, np.abs(arr))
    return float(h) if h.ndim == 0 else h


def numerical_derivative(f: Callable[[float], Any], x: float, h: float | None = None) -> float:
    """Central-difference derivative ``(f(x + h) - f(x - h)) / (2 h)`` of a scalar function.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` for a float ``x``.
    x : float
        Where to take the derivative (finite).
    h : float, optional
        Step; default :func:`default_step` ``(x)``.

    Returns
    -------
    float
        The estimate of ``f'(x)``.
    """
    check_callable(f, "f")
    x0 = as_point(x, "x")
    if x0.size != 1:
        raise ValueError(
            f"x: expected a single number, got an array of shape {x0.shape} "
            f"(use numerical_gradient or numerical_jacobian for arrays)"
        )
    x0 = float(x0.reshape(()))
    step = _steps(h, np.asarray(x0), "h")
    step = float(step)
    xp, xm = x0 + step, x0 - step
    fp = _scalar(f(xp), "f", "x + h")
    fm = _scalar(f(xm), "f", "x - h")
    return (fp - fm) / (xp - xm)


def numerical_gradient(f: Callable[[np.ndarray], Any], x: ArrayLike, h: ArrayLike | None = None) -> np.ndarray:
    """Gradient of a scalar function of an array by central differences, entry by entry.

    ``grad[i] = (f(x + h_i e_i) - f(x - h_i e_i)) / (2 h_i)``: ``2 x.size``
    evaluations of ``f``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` for an array ``x`` of the given shape.
    x : array_like
        The point (finite numbers; any real dtype, converted to float64).
    h : float or array_like, optional
        Step, one for all entries or one per entry; default :func:`default_step`.

    Returns
    -------
    ndarray
        float64, the shape of ``x``.
    """
    check_callable(f, "f")
    x0 = as_point(x, "x")
    steps = np.broadcast_to(_steps(h, x0, "h"), x0.shape)
    grad = np.empty(x0.shape)
    for i in np.ndindex(*x0.shape):
        fp, fm, width = _probe_entry(f, x0, i, steps[i])
        grad[i] = (_scalar(fp, "f", f"x + h e_{_idx(i)}") - _scalar(fm, "f", f"x - h e_{_idx(i)}")) / width
    return grad


def numerical_jacobian(f: Callable[[np.ndarray], Any], x: ArrayLike, h: ArrayLike | None = None) -> np.ndarray:
    """Jacobian ``J[i, j] = d f_i / d x_j`` by central differences (outputs x inputs).

    Column ``j`` is ``(f(x + h_j e_j) - f(x - h_j e_j)) / (2 h_j)`` flattened;
    ``2 x.size`` evaluations of ``f``. Both ``f(x)`` and ``x`` are flattened
    in C order, so ``J`` has shape ``(f(x).size, x.size)``.

    Parameters
    ----------
    f : callable
        ``f(x) -> array`` (or float).
    x : array_like
        The point (finite numbers; converted to float64).
    h : float or array_like, optional
        Step, one for all entries or one per entry; default :func:`default_step`.

    Returns
    -------
    (f(x).size, x.size) ndarray
        float64.
    """
    check_callable(f, "f")
    x0 = as_point(x, "x")
    steps = np.broadcast_to(_steps(h, x0, "h"), x0.shape)
    n_out = as_output(f(x0.copy()), "f", "x").size
    jac = np.empty((n_out, x0.size))
    for j, i in enumerate(np.ndindex(*x0.shape)):
        fp, fm, width = _probe_entry(f, x0, i, steps[i])
        yp = as_output(fp, "f", f"x + h e_{_idx(i)}").ravel()
        ym = as_output(fm, "f", f"x - h e_{_idx(i)}").ravel()
        if yp.size != n_out or ym.size != n_out:
            raise ValueError(
                f"f: returned {yp.size} values at x + h but {n_out} at x; its output size must not depend on x"
            )
        jac[:, j] = (yp - ym) / width
    return jac


def one_sided_differences(
    f: Callable[[np.ndarray], Any], x: ArrayLike, h: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Left and right one-sided derivatives of a scalar function, entry by entry.

    ``left[i] = (f(x) - f(x - h_i e_i)) / h_i`` and
    ``right[i] = (f(x + h_i e_i) - f(x)) / h_i``. Where ``f`` is smooth both
    approximate the derivative; at a kink (``relu`` at 0, ``|x|`` at 0, a tie
    in ``max``) they differ, and any value between them is a valid
    (sub)gradient.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    x : array_like
        The point (finite numbers; converted to float64).
    h : float or array_like, optional
        Step; default ``sqrt(eps) * max(1, |x|)``, the best step for a
        one-sided difference (its truncation error is of order ``h``).

    Returns
    -------
    left, right : ndarray
        float64, each the shape of ``x``.
    """
    check_callable(f, "f")
    x0 = as_point(x, "x")
    if h is None:
        h = np.sqrt(np.finfo(np.float64).eps) * np.maximum(1.0, np.abs(x0))
    steps = np.broadcast_to(_steps(h, x0, "h"), x0.shape)
    f0 = _scalar(call_checked(f, x0), "f", "x")
    left, right = np.empty(x0.shape), np.empty(x0.shape)
    for i in np.ndindex(*x0.shape):
        xp = x0.copy()
        xp[i] = x0[i] + steps[i]
        xm = x0.copy()
        xm[i] = x0[i] - steps[i]
        right[i] = (_scalar(call_checked(f, xp), "f", "x + h") - f0) / (xp[i] - x0[i])
        left[i] = (f0 - _scalar(call_checked(f, xm), "f", "x - h")) / (x0[i] - xm[i])
    return left, right


# ----------------------------------------------------------------------------
# validation and evaluation helpers (shared with course.gradcheck)
# ----------------------------------------------------------------------------

def as_point(x: Any, name: str) -> np.ndarray:
    """``x`` as a finite float64 array (always a new array)."""
    try:
        arr = np.array(x)
    except Exception as exc:
        raise TypeError(f"{name}: expected a real number or numeric array, got {type(x).__name__}") from exc
    if arr.dtype.kind not in "iuf" or arr.dtype == object:
        raise TypeError(
            f"{name}: expected a real number or numeric array, got "
            f"{type(x).__name__} of dtype {arr.dtype}"
        )
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr)).sum())
        raise ValueError(f"{name}: expected finite numbers, got {bad} NaN or inf entries")
    return arr


def _steps(h: Any, x0: np.ndarray, name: str) -> np.ndarray:
    if h is None:
        return np.cbrt(np.finfo(np.float64).eps) * np.maximum(1.0, np.abs(x0))
    steps = as_point(h, name)
    if not (steps > 0).all():
        raise ValueError(f"{name}: expected positive step sizes, got min {float(steps.min())!r}")
    try:
        np.broadcast_to(steps, x0.shape)
    except ValueError:
        raise ValueError(
            f"{name}: expected a number or an array of shape {x0.shape} (the shape of x), got shape {steps.shape}"
        ) from None
    return steps


def _idx(i: tuple[int, ...]) -> str:
    return str(i[0]) if len(i) == 1 else str(i)


def call_checked(f: Callable, arg: np.ndarray, name: str = "f", argname: str = "x") -> Any:
    """``f(copy of arg)``, raising InputModifiedError if ``f`` changes its argument."""
    given = arg.copy()
    out = f(given)
    if given.shape != arg.shape or not np.array_equal(given, arg, equal_nan=True):
        where = ""
        if given.shape == arg.shape and given.ndim > 0:
            i = tuple(int(k) for k in np.argwhere(~np.isclose(given, arg, rtol=0, atol=0, equal_nan=True))[0])
            where = f" (entry {_idx(i)} changed from {float(arg[i])!r} to {float(given[i])!r})"
        raise InputModifiedError(
            f"{name}: modified its input {argname} in place{where}; a function being "
            f"differentiated must leave its argument unchanged (work on a copy, e.g. "
            f"{argname} = {argname}.copy(), or avoid in-place operations such as +=)"
        )
    return out


def _probe_entry(f: Callable, x0: np.ndarray, i: tuple[int, ...], h: float) -> tuple[Any, Any, float]:
    """``f`` at ``x0 +- h e_i`` and the exact distance between the two points."""
    xp = x0.copy()
    xp[i] = x0[i] + h
    xm = x0.copy()
    xm[i] = x0[i] - h
    width = float(xp[i] - xm[i])  # the step actually taken, after rounding
    return call_checked(f, xp), call_checked(f, xm), width


def as_output(value: Any, name: str, where: str) -> np.ndarray:
    """A function's output as a float64 array; TypeError if not numeric."""
    try:
        arr = np.asarray(value)
    except Exception:
        arr = np.asarray(None)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name}: expected it to return a number or numeric array, got {type(value).__name__} at {where}"
        )
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: returned NaN or inf at {where}; finite differences need finite values")
    return arr


def _scalar(value: Any, name: str, where: str) -> float:
    """A scalar function's output as a float; TypeError/ValueError naming the function."""
    arr = as_output(value, name, where)
    if arr.size != 1:
        raise ValueError(
            f"{name}: expected a scalar output (a single number), got an array of shape {arr.shape} at {where}"
            f" (use numerical_jacobian for vector-valued functions)"
        )
    return float(arr.reshape(()))
