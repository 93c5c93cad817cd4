"""Pictures of derivatives: the error of finite differences against the step h
(the "V" curve) and the heatmap of a Jacobian.

Every function takes ``ax=None`` (a new figure is made when it is None), draws
on that Axes only and returns it; both are re-exported by :mod:`course.plots`.
"""
from __future__ import annotations

from collections.abc import Callable
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np

from course.plots.axes import COLORS, as_series, axes_or_new, integer_ticks
from course.validation import check_callable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_step_error", "plot_jacobian"]


def _scalar(name: str, value: object) -> float:
    """A function's result as a float, or a TypeError naming the function."""
    if np.ndim(value) != 0 or not np.issubdtype(np.asarray(value).dtype, np.number) or np.iscomplexobj(value):
        raise TypeError(f"{name}: expected a function of one float returning one real number, "
                        f"got {type(value).__name__} of shape {np.shape(value)}")
    return float(value)


def plot_step_error(f: Callable[[float], float], df: Callable[[float], float], x: float,
                    ax: Any = None, *, steps: Any = None) -> Axes:
    """Error of forward and central differences against the step h (the "V" curve).

    For each h plots ``|(f(x+h) - f(x))/h - f'(x)|`` (truncation error
    ~ |f''| h / 2, slope 1) and ``|(f(x+h) - f(x-h))/(2h) - f'(x)|``
    (~ |f'''| h^2 / 6, slope 2) on log-log axes, with dashed guides of the
    slope measured on the large-h side. For small h round-off takes over
    (error ~ eps |f(x)| / h, slope -1, dotted). A star marks each method's
    best step: the h whose error, taken as the worst within half a decade
    around it, is smallest (single lucky points in the noisy round-off zone
    are not the bottom of the V). Typically h* ~ 1e-8 (forward) and ~ 1e-5
    (central) when x and f are of order 1.

    Parameters
    ----------
    f : callable float -> float
    df : callable float -> float
        The exact derivative f'.
    x : float
        Where to differentiate.
    ax : matplotlib Axes, optional
    steps : 1-D array of float > 0, optional
        The steps h; default ``np.logspace(-16, 0, 81)``.
    """
    check_callable(f, "f")
    check_callable(df, "df")
    if isinstance(x, bool) or not isinstance(x, Real) or not np.isfinite(x):
        raise TypeError(f"x: expected a finite real number, got {x!r}")
    h = np.unique(np.logspace(-16, 0, 81) if steps is None else as_series("steps", steps))   # sorted
    if h.size < 3 or not np.all(h > 0):
        raise ValueError(f"steps: expected at least 3 distinct finite numbers > 0, got {h.size}: {h[:5]}")
    x = float(x)
    exact, fx = _scalar("df", df(x)), _scalar("f", f(x))
    fp = np.array([_scalar("f", f(x + s)) for s in h])
    fm = np.array([_scalar("f", f(x - s)) for s in h])
    errors = {"forward difference": np.abs((fp - fx) / h - exact),
              "central difference": np.abs((fp - fm) / (2 * h) - exact)}
    ax = axes_or_new(ax, (6.5, 4.5))
    log_h = np.log10(h)
    for (name, err), color in zip(errors.items(), COLORS):
        err = np.where(err > 0, err, np.nan)              # exact zeros cannot be drawn on a log axis
        ax.loglog(h, err, "o-", color=color, ms=3, lw=1.5, label=name)
        if np.all(np.isnan(err)):
            continue
        # The best step is where the error is smallest *within half a decade around h*: round-off
        # makes single points dip far below the trend by luck, and those are not the bottom of the V.
        envelope = [np.nanmax(err[np.abs(log_h - lh) <= 0.5], initial=-np.inf) for lh in log_h]
        i = int(np.nanargmin(np.where(np.isfinite(err), envelope, np.inf)))
        ax.plot(h[i], err[i], "*", color=color, ms=15, mec="black", mew=0.6, zorder=4,
                label=f"best h ≈ {h[i]:.0e} (error {err[i]:.0e})")
        right = np.arange(h.size) > i                       # truncation side: a guide of the measured
        j = i + (h.size - i) // 2                           # slope, typically 1 (forward) and 2 (central)
        if right.sum() >= 2 and np.isfinite(err[right]).all():
            fit = np.polyfit(log_h[j:], np.log10(err[j:]), 1)[0]
            slope = round(fit) if abs(fit - round(fit)) < 0.25 else round(fit, 1)
            guide = 4.0 * err[j] * (h[right] / h[j]) ** slope
            ax.loglog(h[right], guide, "--", color=color, lw=1, alpha=0.7)
            ax.annotate(f"slope {slope}", (h[right][-1], guide[-1]), xytext=(-4, 0), textcoords="offset points",
                        ha="right", va="bottom", fontsize=8, color=color)
    if fx != 0.0:
        roundoff = np.finfo(np.float64).eps * abs(fx) / h
        ax.loglog(h, roundoff, ":", color="0.4", lw=1.2, label=r"$\varepsilon\,|f(x)|\,/\,h$ (round-off, slope $-1$)")
    finite = np.concatenate([e[(e > 0) & np.isfinite(e)] for e in errors.values()])
    if finite.size:
        ax.set_ylim(max(finite.min() / 10, 1e-18), min(finite.max(), 1e300) * 10)
    ax.text(0.03, 0.03, "round-off\ndominates", transform=ax.transAxes, fontsize=9, color="0.3", va="bottom")
    ax.text(0.97, 0.03, "truncation\ndominates", transform=ax.transAxes, fontsize=9, color="0.3",
            ha="right", va="bottom")
    ax.set_xlabel("step h")
    ax.set_ylabel("|numeric − exact| derivative")
    ax.set_title(f"Finite-difference error at x = {x:g}")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", frameon=True, framealpha=0.9)
    return ax


def plot_jacobian(J: Any, ax: Any = None, *, title: str | None = None,
                  xlabel: str = "input j", ylabel: str = "output i") -> Axes:
    """Heatmap of a Jacobian ``J[i, j] = d y_i / d x_j`` (outputs x inputs).

    A diverging colour map centred at 0 (red > 0, blue < 0) with a colorbar;
    small matrices (at most 8 x 8) also show the numbers.

    Parameters
    ----------
    J : (n_out, n_in) ndarray of finite floats
    ax : matplotlib Axes, optional
    title : str, optional
        Prefixed to the shape in the title.
    """
    J = np.asarray(J)
    if J.ndim != 2 or J.size == 0 or not np.issubdtype(J.dtype, np.number) or np.iscomplexobj(J):
        raise ValueError(f"J: expected a 2-D float array of shape (n_out, n_in), got shape {J.shape}")
    if not np.all(np.isfinite(J)):
        raise ValueError(f"J: expected finite values, got {np.count_nonzero(~np.isfinite(J))} NaN/inf")
    n_out, n_in = J.shape
    square = 1 / 3 <= n_out / n_in <= 3                     # very thin matrices get stretched cells
    cell = min(0.55, 8.0 / n_in, 6.0 / n_out)               # inches per entry, so the figure fits the matrix
    ax = axes_or_new(ax, (max(n_in * cell + 2.2, 3.8), max(n_out * cell, 1.5) + 1.4))
    vmax = float(np.max(np.abs(J))) or 1.0
    im = ax.imshow(J, cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest",
                   aspect="equal" if square else "auto")
    ax.figure.colorbar(im, ax=ax, shrink=0.9, label="$J_{ij}$")
    if max(n_out, n_in) <= 8:
        for (i, j), v in np.ndenumerate(J):
            ax.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=8,
                    color="white" if abs(v) > 0.6 * vmax else "black")
    for axis, n in ((ax.xaxis, n_in), (ax.yaxis, n_out)):
        if n <= 12:
            axis.set_ticks(range(n))
        else:
            integer_ticks(axis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    shape = f"shape {n_out} × {n_in} (outputs × inputs)"
    ax.set_title(f"{title or 'Jacobian'}\n{shape}", fontsize="medium")
    return ax
