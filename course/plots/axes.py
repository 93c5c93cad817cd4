"""What every plot helper shares: the Axes to draw on, the colours, ticks and input checks.

Nothing here imports pyplot at import time (:func:`axes_or_new` imports it only to make a
new figure), touches ``rcParams`` or keeps state between calls.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["COLORS", "axes_or_new", "integer_ticks", "as_series"]

# Okabe-Ito colour-blind-safe palette: class t / line t uses COLORS[t % 8].
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def axes_or_new(ax: Any, figsize: tuple[float, float] = (6.0, 4.0)) -> Axes:
    """Return ``ax``, or the Axes of a new pyplot figure when ``ax`` is None."""
    from matplotlib.axes import Axes

    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
        return ax
    if not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def integer_ticks(axis: Any) -> None:
    """Put ticks on whole numbers only (epochs, matrix indices)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins="auto", integer=True))


def as_series(name: str, values: object) -> np.ndarray:
    """A non-empty 1-D float array (NaN/inf allowed: they show as gaps)."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a 1-D sequence of numbers, got {type(values).__name__}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name}: expected a non-empty 1-D sequence of numbers, got shape {arr.shape}")
    return np.where(np.isfinite(arr), arr, np.nan)
