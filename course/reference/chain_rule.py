"""Chapter 1, the chain rule: the reference functions the chapter's exercises are checked against.

A derivative is the factor of the local linear change, ``Δy ≈ f'(x) Δx``. Measured with a
finite step ``h`` from both sides it is the central difference

    f'(x) ≈ (f(x + h) - f(x - h)) / (2 h)                       (error ~ h², plus round-off)

and from one side the forward difference ``(f(x + h) - f(x)) / h`` (error ~ h). For a
composite ``y = f(g(x))`` the chain rule multiplies the local factors,

    dy/dx = f'(g(x)) · g'(x)       because  Δz ≈ g'(x) Δx  and  Δy ≈ f'(z) Δz,

and when ``x`` reaches ``y`` along several paths, the contributions of the paths add. For
``y = u(x) · v(x)`` the two paths give

    dy/dx = (∂y/∂u)(du/dx) + (∂y/∂v)(dv/dx) = v · u'(x) + u · v'(x).

The sigmoid's and tanh's slopes are written through their own outputs, ``s = σ(z)`` and
``t = tanh(z)``: ``σ'(z) = s (1 - s)`` and ``tanh'(z) = 1 - t²``. The three-link chain
``y = σ(w · tanh(x))`` multiplies one factor per link.

All functions work elementwise on a float or an array ``x`` of any shape (``f``, ``g``, ``u``
and ``v`` must be elementwise too) and return float64 of ``x``'s shape.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike
from course.reference.functions import sigmoid
from course.validation import check_callable

__all__ = [
    "central_difference",
    "forward_difference",
    "chain_rule_derivative",
    "two_path_derivative",
    "sigmoid_slope",
    "tanh_slope",
    "three_link_function",
    "three_link_derivative",
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


def two_path_derivative(u: Elementwise, u_prime: Elementwise, v: Elementwise, v_prime: Elementwise,
                        x: ArrayLike) -> np.ndarray:
    """``dy/dx`` of ``y = u(x) · v(x)`` as the sum over the two paths, through ``u`` and through ``v``.

    ``dy/dx = (∂y/∂u)(du/dx) + (∂y/∂v)(dv/dx) = v(x) · u'(x) + u(x) · v'(x)``.

    Parameters
    ----------
    u, u_prime, v, v_prime : callable
        The two inner functions and their derivatives (elementwise).
    x : float or ndarray, any shape

    Returns
    -------
    dy_dx : float64 ndarray of ``x``'s shape
    """
    u, u_prime = check_callable(u, "u"), check_callable(u_prime, "u_prime")
    v, v_prime = check_callable(v, "v"), check_callable(v_prime, "v_prime")
    x = _real_array(x, "x")
    path_u = _values(v, x) * _values(u_prime, x)      # ∂y/∂u = v,  du/dx = u'(x)
    path_v = _values(u, x) * _values(v_prime, x)      # ∂y/∂v = u,  dv/dx = v'(x)
    return path_u + path_v


def sigmoid_slope(s: ArrayLike) -> np.ndarray:
    """``σ'(z)`` from the sigmoid's own output ``s = σ(z)``: ``s (1 - s)``.

    Parameters
    ----------
    s : float or ndarray, any shape, values in [0, 1]
        The stored output of the forward pass.

    Returns
    -------
    ds : float64 ndarray of ``s``'s shape, values in [0, 1/4]
    """
    s = _real_array(s, "s")
    return s * (1.0 - s)


def tanh_slope(t: ArrayLike) -> np.ndarray:
    """``tanh'(z)`` from tanh's own output ``t = tanh(z)``: ``1 - t²``.

    Parameters
    ----------
    t : float or ndarray, any shape, values in [-1, 1]
        The stored output of the forward pass.

    Returns
    -------
    dt : float64 ndarray of ``t``'s shape, values in [0, 1]
    """
    t = _real_array(t, "t")
    return 1.0 - t**2


def three_link_function(w: float, x: ArrayLike) -> np.ndarray:
    """``y = σ(w · tanh(x))``, elementwise in ``x``: a chain of three links.

    Parameters
    ----------
    w : float
    x : float or ndarray, any shape

    Returns
    -------
    y : float64 ndarray of ``x``'s shape
    """
    w, x = _weight(w), _real_array(x, "x")
    return sigmoid(w * np.tanh(x))


def three_link_derivative(w: float, x: ArrayLike) -> np.ndarray:
    """``dy/dx`` of :func:`three_link_function`: one local factor per link, multiplied.

    With ``t = tanh(x)``, ``z = w t`` and ``y = σ(z)``:
    ``dy/dx = σ'(z) · w · tanh'(x) = y (1 - y) · w · (1 - t²)``.

    Parameters
    ----------
    w : float
    x : float or ndarray, any shape

    Returns
    -------
    dy_dx : float64 ndarray of ``x``'s shape
    """
    w, x = _weight(w), _real_array(x, "x")
    t = np.tanh(x)
    y = sigmoid(w * t)
    return sigmoid_slope(y) * w * tanh_slope(t)


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


def _weight(w: Any) -> float:
    if isinstance(w, bool) or not isinstance(w, numbers.Real) or not np.isfinite(w):
        raise TypeError(f"w: expected a finite float, got {type(w).__name__} {w!r}")
    return float(w)


def _step(h: Any) -> float:
    if isinstance(h, bool) or not isinstance(h, numbers.Real):
        raise TypeError(f"h: expected a positive float, got {type(h).__name__} {h!r}")
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"h: expected a finite step > 0, got {h!r}")
    return float(h)


def _values(f: Elementwise, x: np.ndarray) -> np.ndarray:
    return np.asarray(f(x), dtype=np.float64)
