"""Pictures of ``Δy ≈ J Δz``: what a Jacobian predicts about a small disc of inputs, and how fast
the prediction's error shrinks.

For ``f: R² -> R²`` at a point ``z``, the circle ``z + r u`` (``u`` on the unit circle) is mapped by
``f`` to a closed curve around ``f(z)``; the Jacobian maps it to the ellipse ``f(z) + J r u``. For
small ``r`` the two are almost the same; the gap is of order ``r²`` (the Taylor remainder), so
the gap divided by the size of the change shrinks like ``r``. Every function takes ``ax=None``
(a new figure is made when it is None), draws on that Axes only and returns it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from course.plots.axes import COLORS, as_series, axes_or_new
from course.validation import check_callable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_linear_image", "plot_linearization_error", "linearization_error"]

_ANGLES = np.linspace(0.0, 2.0 * np.pi, 181)


def _point_and_jacobian(f: Callable[[np.ndarray], Any], J: Any, z: Any) -> tuple[np.ndarray, np.ndarray]:
    check_callable(f, "f")
    z = np.asarray(z, dtype=np.float64).reshape(-1, 1)
    J = np.asarray(J, dtype=np.float64)
    if z.shape != (2, 1):
        raise ValueError(f"z: expected a point of R^2, shape (2, 1) or (2,), got shape {np.shape(z)}")
    if J.shape != (2, 2) or not np.all(np.isfinite(J)):
        raise ValueError(f"J: expected a finite 2 x 2 Jacobian, got shape {J.shape}")
    return z, J


def _images(f: Callable[[np.ndarray], Any], J: np.ndarray, z: np.ndarray, r: float) -> tuple[np.ndarray, np.ndarray]:
    """``f(z + r u) - f(z)`` and ``J r u`` for ``u`` around the unit circle, each (2, 181)."""
    u = np.stack([np.cos(_ANGLES), np.sin(_ANGLES)])
    fz = np.asarray(f(z), dtype=np.float64).reshape(2, 1)
    actual = np.column_stack([np.asarray(f(z + r * u[:, [k]]), dtype=np.float64).reshape(2) for k in range(u.shape[1])])
    return actual - fz, J @ (r * u)


def linearization_error(f: Callable[[np.ndarray], Any], J: Any, z: Any, radii: Any) -> np.ndarray:
    """For each radius r: the largest ``‖f(z + Δz) - f(z) - J Δz‖`` over ``‖Δz‖ = r``.

    Returns
    -------
    errors : (len(radii),) ndarray
    """
    z, J = _point_and_jacobian(f, J, z)
    radii = as_series("radii", radii)
    out = []
    for r in radii:
        actual, predicted = _images(f, J, z, float(r))
        out.append(float(np.max(np.linalg.norm(actual - predicted, axis=0))))
    return np.array(out)


def plot_linear_image(f: Callable[[np.ndarray], Any], J: Any, z: Any, radii: Any = (0.1, 0.4, 0.8),
                      ax: Any = None) -> Axes:
    """The images of circles of inputs around ``z``: ``f`` (solid) against ``J`` (dashed ellipse).

    Each circle of radius r is drawn rescaled by 1/r, so all sizes share one picture: a small
    circle's image is almost exactly the ellipse, a large one's visibly is not.

    Parameters
    ----------
    f : callable, (2, 1) column -> 2 numbers
    J : (2, 2) ndarray, the Jacobian of f at z
    z : (2, 1) or (2,) ndarray
    radii : sequence of float > 0
    ax : matplotlib Axes, optional
    """
    z, J = _point_and_jacobian(f, J, z)
    radii = as_series("radii", radii)
    ax = axes_or_new(ax, (5.0, 5.0))
    ax.fill(np.cos(_ANGLES), np.sin(_ANGLES), color="0.85", zorder=0, label="the disc of inputs Δz, ÷ ‖Δz‖")
    for r, color in zip(radii, COLORS):
        actual, predicted = _images(f, J, z, float(r))
        ax.plot(*(actual / r), color=color, lw=2, label=f"f(z + Δz) − f(z), ‖Δz‖ = {r:g}")
        if r == radii[0]:
            ax.plot(*(predicted / r), "k--", lw=1.2, label="J Δz (an ellipse)")
    ax.plot([0], [0], "k+", ms=10)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("change of y₁, divided by ‖Δz‖")
    ax.set_ylabel("change of y₂, divided by ‖Δz‖")
    ax.set_title("Circles of inputs around z, mapped")
    ax.legend(fontsize=8, loc="best")
    ax.grid(True, alpha=0.3)
    return ax


def plot_linearization_error(f: Callable[[np.ndarray], Any], J: Any, z: Any, radii: Any = None,
                             ax: Any = None) -> Axes:
    """Log-log: the largest miss of ``J Δz`` over ``‖Δz‖ = r``, against r, with a slope-2 guide.

    Parameters as in :func:`plot_linear_image`; ``radii`` default ``np.logspace(-4, 0, 17)``.
    """
    radii = np.logspace(-4, 0, 17) if radii is None else as_series("radii", radii)
    errors = linearization_error(f, J, z, radii)
    ax = axes_or_new(ax, (5.0, 4.0))
    ax.loglog(radii, errors, "o-", color=COLORS[0], ms=4, lw=1.5, label="largest ‖f(z+Δz) − f(z) − J Δz‖")
    mid = len(radii) // 2
    ax.loglog(radii, errors[mid] * (radii / radii[mid]) ** 2, "--", color="0.4", lw=1, label="slope 2: ∝ ‖Δz‖²")
    ax.loglog(radii, radii * np.max(np.abs(np.asarray(J))), ":", color=COLORS[1], lw=1.2,
              label="size of the change itself, ∝ ‖Δz‖")
    ax.set_xlabel("‖Δz‖")
    ax.set_ylabel("error of the prediction J Δz")
    ax.set_title("The miss shrinks like ‖Δz‖²")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    return ax
