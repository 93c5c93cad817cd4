"""A picture of cost against size: seconds per run for several methods as n grows (log-log).

Used for "why backpropagation is fast": the gradient of a scalar loss by finite differences
(2n evaluations of the loss) against one chain of vector-Jacobian products. Takes ``ax=None``
(a new figure is made when it is None), draws on that Axes only and returns it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from course.plots.axes import COLORS, as_series, axes_or_new

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_timings"]


def plot_timings(n: Any, seconds: Mapping[str, Any], ax: Any = None) -> Axes:
    """Seconds against size n for each method, log-log, with each line's measured slope.

    Parameters
    ----------
    n : 1-D sequence of sizes
    seconds : mapping from a method's name to its seconds, one per size
    ax : matplotlib Axes, optional
    """
    n = as_series("n", n)
    if not isinstance(seconds, Mapping) or not seconds:
        raise TypeError(f"seconds: expected a non-empty mapping name -> seconds, got {type(seconds).__name__}")
    ax = axes_or_new(ax, (6.0, 4.0))
    for (name, values), color in zip(seconds.items(), COLORS):
        t = as_series(f"seconds[{name!r}]", values)
        if t.shape != n.shape:
            raise ValueError(f"seconds[{name!r}]: expected {n.size} values, one per size, got {t.size}")
        half = n.size // 2
        slope = np.polyfit(np.log10(n[half:]), np.log10(t[half:]), 1)[0]
        ax.loglog(n, t, "o-", color=color, lw=2, ms=4, label=f"{name} (slope ≈ {slope:.1f})")
    ax.set_xticks(n, [f"{v:g}" for v in n])
    ax.minorticks_off()
    ax.set_xlabel("n (inputs of the loss)")
    ax.set_ylabel("seconds per gradient")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    return ax
