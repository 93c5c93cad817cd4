"""Chapter 1, the chain rule: the reference functions the chapter's exercises are checked against.

A derivative is the factor of the local linear change, ``Δy ≈ f'(x) Δx``. Measured with a
finite step ``h`` from both sides it is the central difference

    f'(x) ≈ (f(x + h) - f(x - h)) / (2 h)                       (error ~ h², plus round-off)

and from one side the forward difference ``(f(x + h) - f(x)) / h`` (error ~ h). For a
composite ``y = f(g(x))`` the chain rule multiplies the local factors,

    dy/dx = f'(g(x)) · g'(x)       because  Δz = g'(x) Δx  and  Δy = f'(z) Δz,

and when ``x`` reaches ``y`` along several paths, the contributions of the paths add. The
chapter's two-path function is ``u = x², v = sin x, y = u · v``:

    dy/dx = (∂y/∂u)(du/dx) + (∂y/∂v)(dv/dx) = v · 2x + u · cos x.

All functions work elementwise on a float or an array ``x`` of any shape (``f`` and ``g``
must be elementwise too) and return float64 of ``x``'s shape.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike
from course.validation import check_callable

__all__ = [
    "central_difference",
    "forward_difference",
    "chain_rule_derivative",
    "two_path_function",
    "two_path_derivative",
]

Elementwise = Callable[[Any], Any]


def central_difference(f: Elementwise, x: ArrayLike, h: float) -> np.ndarray:
    """Slope of ``f`` at ``x`` from one step ``h`` on each side: ``(f(x+h) - f(x-h)) / (2h)``.

    Parameters
    ----------
    f : callable
        An elementwise function, ``f(x)`` of ``x``'s shape.
    x : float or ndarray, any shape
        Where to measure the slope.
    h : float > 0
        The step.

    Returns
    -------
    slope : float64 ndarray of ``x``'s shape (0-d for a number)
    """
    f, x, h = check_callable(f, "f"), _real_array(x, "x"), _step(h)
    return (_values(f, x + h) - _values(f, x - h)) / (2 * h)


def forward_difference(f: Elementwise, x: ArrayLike, h: float) -> np.ndarray:
    """Slope of ``f`` at ``x`` from one step ``h`` forward: ``(f(x+h) - f(x)) / h``.

    Parameters and return value as in :func:`central_difference`.
    """
    f, x, h = check_callable(f, "f"), _real_array(x, "x"), _step(h)
    return (_values(f, x + h) - _values(f, x)) / h


def chain_rule_derivative(f_prime: Elementwise, g: Elementwise, g_prime: Elementwise,
                          x: ArrayLike) -> np.ndarray:
    """Derivative of ``y = f(g(x))`` by the chain rule: ``dy/dx = f'(g(x)) · g'(x)``.

    Parameters
    ----------
    f_prime : callable
        The derivative ``f'`` of the outer function (elementwise).
    g, g_prime : callable
        The inner function and its derivative (elementwise).
    x : float or ndarray, any shape

    Returns
    -------
    dy_dx : float64 ndarray of ``x``'s shape
    """
    f_prime, g, g_prime = check_callable(f_prime, "f_prime"), check_callable(g, "g"), check_callable(g_prime, "g_prime")
    x = _real_array(x, "x")
    z = _values(g, x)                               # z = g(x): where the outer slope is taken
    return _values(f_prime, z) * _values(g_prime, x)


def two_path_function(x: ArrayLike) -> np.ndarray:
    """``y = u · v`` with ``u = x²`` and ``v = sin x``: ``x`` reaches ``y`` along two paths.

    Parameters
    ----------
    x : float or ndarray, any shape

    Returns
    -------
    y : float64 ndarray of ``x``'s shape
    """
    _, u, v = _two_path_nodes(x)
    return u * v


def two_path_derivative(x: ArrayLike) -> np.ndarray:
    """``dy/dx`` of :func:`two_path_function` as the sum over both paths.

    ``dy/dx = (∂y/∂u)(du/dx) + (∂y/∂v)(dv/dx) = v · 2x + u · cos x``.

    Parameters
    ----------
    x : float or ndarray, any shape

    Returns
    -------
    dy_dx : float64 ndarray of ``x``'s shape
    """
    x, u, v = _two_path_nodes(x)
    path_u = v * (2 * x)          # ∂y/∂u = v,  du/dx = 2x
    path_v = u * np.cos(x)        # ∂y/∂v = u,  dv/dx = cos x
    return path_u + path_v


def _two_path_nodes(x: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x`` as float64, and the intermediate nodes ``u = x²`` and ``v = sin x``."""
    x = _real_array(x, "x")
    return x, x**2, np.sin(x)


# ----------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------


def _real_array(x: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name}: expected a float or a float array, got {type(x).__name__} ({exc})") from None
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{name}: expected a float or a real float array, got {type(x).__name__} "
                        f"with dtype {arr.dtype}")
    return arr.astype(np.float64)


def _step(h: Any) -> float:
    if isinstance(h, bool) or not isinstance(h, numbers.Real):
        raise TypeError(f"h: expected a positive float, got {type(h).__name__} {h!r}")
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"h: expected a finite step > 0, got {h!r}")
    return float(h)


def _values(f: Elementwise, x: np.ndarray) -> np.ndarray:
    return np.asarray(f(x), dtype=np.float64)
