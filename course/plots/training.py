"""Pictures of training and its data: loss curves, gradient norms, 2-D datasets,
decision boundaries and the 8x8 digits.

Every function takes ``ax=None`` (a new figure is made when it is None), draws
on that Axes only and returns it; all are re-exported by :mod:`course.plots`.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from course.plots.axes import COLORS, as_series, axes_or_new, integer_ticks
from course.validation import as_int, check_callable

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_loss", "plot_grad_norms", "plot_dataset", "plot_decision_boundary", "plot_digits"]


def _points(X: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    """Validate X (2, m) finite floats and y (m,) integer labels."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] != 2 or X.shape[1] == 0 or not np.issubdtype(X.dtype, np.number):
        raise ValueError(f"X: expected a 2-D float array of shape (2, m), examples as columns, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"X: expected finite values, got {np.count_nonzero(~np.isfinite(X))} NaN/inf")
    y = np.asarray(y)
    if y.shape != (X.shape[1],) or not np.issubdtype(y.dtype, np.number):
        raise ValueError(f"y: expected integer labels of shape ({X.shape[1]},), got {y.dtype} array of shape {y.shape}")
    if not np.all(y == np.round(y)) or y.min() < 0:
        raise ValueError(f"y: expected integer class labels 0, 1, 2, ..., got values from {y.min()} to {y.max()}")
    return X.astype(np.float64), y.astype(np.int64)


def _plane_figsize(X: np.ndarray) -> tuple[float, float]:
    """A figure size whose plot area has roughly the aspect ratio of the data."""
    w, h = np.ptp(X, axis=1) + 1e-12
    ratio = float(np.clip(h / w, 0.45, 1.4))
    return 6.0, 1.2 + 4.3 * ratio


def _light(color: str, amount: float = 0.72) -> tuple[float, float, float]:
    """``color`` blended towards white."""
    from matplotlib.colors import to_rgb

    return tuple(c + (1.0 - c) * amount for c in to_rgb(color))


def plot_loss(history_or_losses: Any, ax: Any = None, *, label: str | None = None,
              log: bool = True, xlabel: str = "epoch") -> Axes:
    """Plot a loss curve; call again on the same ``ax`` to compare runs.

    Parameters
    ----------
    history_or_losses : sequence of float, or an object with a ``.loss`` list
        (such as ``course.History``); entry ``e`` is the loss after epoch ``e + 1``.
    ax : matplotlib Axes, optional
    label : str, optional
        Legend entry for this curve.
    log : bool
        Logarithmic y axis (losses must then be > 0; NaN/inf show as gaps).
    xlabel : str
        What one entry is (``"epoch"``, ``"step"``, ...).
    """
    losses = getattr(history_or_losses, "loss", history_or_losses)
    losses = as_series("history_or_losses", losses)
    if log and np.nanmin(losses, initial=np.inf) <= 0:
        raise ValueError(f"history_or_losses: log=True needs losses > 0, "
                         f"got minimum {np.nanmin(losses)}; pass log=False")
    ax = axes_or_new(ax)
    color = COLORS[len(ax.lines) % len(COLORS)]
    ax.plot(np.arange(1, losses.size + 1), losses, color=color, lw=1.8, label=label,
            marker="o" if losses.size <= 30 else None, ms=3)
    if log:
        ax.set_yscale("log")
    integer_ticks(ax.xaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss C" + (" (log scale)" if log else ""))
    if not ax.get_title():
        ax.set_title("Training loss")
    ax.grid(True, which="major", alpha=0.3)
    if label is not None:
        ax.legend(frameon=False)
    return ax


def plot_grad_norms(norms: Mapping[str, Sequence[float]], ax: Any = None, *, log: bool = True,
                    xlabel: str = "epoch") -> Axes:
    """Per-layer gradient norms over training, e.g. to spot vanishing gradients.

    Parameters
    ----------
    norms : dict name -> sequence of float >= 0, or an object with ``.grad_norms``
        (such as ``course.History``). For each parameter (``"0.W"``, ``"2.W"``, ...) its gradient norm
        ``||dC/dW||`` at each epoch / step.
    ax : matplotlib Axes, optional
    log : bool
        Logarithmic y axis; if some norm is exactly 0 (e.g. a dead ReLU layer)
        a symmetric-log axis is used so that it stays visible.
    """
    norms = getattr(norms, "grad_norms", norms)
    if not isinstance(norms, Mapping) or not norms:
        raise TypeError(f"norms: expected a non-empty dict name -> list of norms, got {type(norms).__name__}")
    series = {str(name): as_series(f"norms[{name!r}]", v) for name, v in norms.items()}
    for name, v in series.items():
        if np.nanmin(v, initial=0.0) < 0:
            raise ValueError(f"norms[{name!r}]: expected norms >= 0, got minimum {np.nanmin(v)}")
    ax = axes_or_new(ax)
    for t, (name, v) in enumerate(series.items()):
        ax.plot(np.arange(1, v.size + 1), v, color=COLORS[t % len(COLORS)], lw=1.6, label=name)
    if log:
        values = np.concatenate(list(series.values()))
        positive = values[values > 0]
        if np.any(values == 0) and positive.size:
            ax.set_yscale("symlog", linthresh=float(positive.min()))
        elif positive.size:
            ax.set_yscale("log")
    integer_ticks(ax.xaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("gradient norm" + (" (log scale)" if log else ""))
    ax.set_title("Gradient norm per parameter")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(frameon=False, fontsize="small", ncols=1 + len(series) // 6)
    return ax


def _scatter_classes(ax: Any, X: np.ndarray, y: np.ndarray) -> None:
    for c in np.unique(y):
        col = COLORS[c % len(COLORS)]
        ax.scatter(*X[:, y == c], s=18, color=col, edgecolors="white", linewidths=0.4, label=f"class {c}", zorder=3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal", adjustable="box")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small",
              handletextpad=0.2, borderaxespad=0.0)


def plot_dataset(X: Any, y: Any, ax: Any = None) -> Axes:
    """Scatter a 2-D dataset, one colour per class. ``X`` (2, m), ``y`` (m,) int labels."""
    X, y = _points(X, y)
    ax = axes_or_new(ax, _plane_figsize(X))
    _scatter_classes(ax, X, y)
    ax.set_title(f"{X.shape[1]} examples, {np.unique(y).size} classes")
    return ax


def plot_decision_boundary(predict: Callable[[np.ndarray], Any], X: Any, y: Any, ax: Any = None, *,
                           resolution: int = 200) -> Axes:
    """Colour the plane by a model's prediction and scatter the data on top.

    ``predict`` is called once on a ``(2, k)`` grid of ``k = resolution**2``
    points covering ``X`` (plus a margin) and must return, per column,
    - integer class labels, shape ``(k,)``: regions are filled by class; or
    - a real score, shape ``(k,)`` or ``(1, k)``: filled continuously, with the
      decision boundary drawn at 0.5 for scores in [0, 1] and at 0 otherwise; or
    - class scores, shape ``(n_classes, k)``: the arg-max over axis 0 is used.

    Parameters
    ----------
    predict : callable (2, k) -> (k,) or (n_out, k)
    X : (2, m) ndarray
        The data, examples as columns.
    y : (m,) ndarray of int
        Class labels of the data.
    ax : matplotlib Axes, optional
    resolution : int
        Grid points per axis (>= 2).
    """
    from matplotlib.colors import LinearSegmentedColormap, ListedColormap

    check_callable(predict, "predict")
    X, y = _points(X, y)
    resolution = as_int(resolution, "resolution", minimum=2)
    lo, hi = X.min(axis=1), X.max(axis=1)
    pad = 0.1 * np.maximum(hi - lo, 1e-12) + 0.1
    g1, g2 = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution))
    k = g1.size
    out = np.asarray(predict(np.vstack([g1.ravel(), g2.ravel()])))
    if out.ndim == 2 and out.shape[1] == k:
        out = out[0] if out.shape[0] == 1 else np.argmax(out, axis=0)
    if out.shape != (k,) or not np.issubdtype(out.dtype, np.number):
        raise ValueError(f"predict: expected an array of shape ({k},) or (n_out, {k}) for a (2, {k}) grid, "
                         f"got {out.dtype} array of shape {np.shape(out)}")
    if not np.all(np.isfinite(out)):
        raise ValueError(f"predict: returned {np.count_nonzero(~np.isfinite(out))} NaN/inf values on the grid")
    ax = axes_or_new(ax, _plane_figsize(np.array([[g1.min(), g1.max()], [g2.min(), g2.max()]])))
    Z = out.reshape(g1.shape)
    if np.all(out == np.round(out)) and out.min() >= 0:      # class labels
        n_cls = int(max(y.max(), Z.max())) + 1
        cmap = ListedColormap([_light(COLORS[c % len(COLORS)]) for c in range(n_cls)])
        ax.contourf(g1, g2, Z, levels=np.arange(-0.5, n_cls), cmap=cmap, vmin=-0.5, vmax=n_cls - 0.5)
        for c in np.unique(Z) if np.unique(Z).size > 1 else ():      # outline each class region
            ax.contour(g1, g2, (Z == c).astype(float), levels=[0.5], colors="0.3", linewidths=0.8)
    else:
        threshold = 0.5 if Z.min() >= 0 and Z.max() <= 1 else 0.0
        ends = [_light(COLORS[0], 0.5), "white", _light(COLORS[1], 0.5)]
        cmap = LinearSegmentedColormap.from_list("two_class", ends)
        span = max(abs(Z.max() - threshold), abs(Z.min() - threshold), 1e-12)
        filled = ax.contourf(g1, g2, Z, levels=21, cmap=cmap, vmin=threshold - span, vmax=threshold + span)
        ax.figure.colorbar(filled, ax=ax, location="bottom", shrink=0.7, aspect=30,
                           label=f"score (boundary at {threshold:g})")
        if Z.min() < threshold < Z.max():
            ax.contour(g1, g2, Z, levels=[threshold], colors="0.2", linewidths=1.2)
    _scatter_classes(ax, X, y)
    ax.set_xlim(g1[0, 0], g1[0, -1])
    ax.set_ylim(g2[0, 0], g2[-1, 0])
    ax.set_title("Decision boundary")
    return ax


def plot_digits(X: Any, y: Any = None, ax: Any = None, *, y_pred: Any = None, n: int = 20,
                per_row: int = 10) -> Axes:
    """Show the first ``n`` digits as a grid of 8x8 images, with their labels.

    Parameters
    ----------
    X : (64, m) ndarray
        One image per column, read row by row (as returned by ``load_digits``).
    y : (m,) ndarray of int, optional
        True labels, written under each image.
    ax : matplotlib Axes, optional
    y_pred : (m,) ndarray of int, optional
        Predicted labels, written as ``label→prediction``, in red where wrong.
    n : int
        How many digits (the first n columns).
    per_row : int
        Digits per row of the grid.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != 64 or X.shape[1] == 0 or not np.all(np.isfinite(X)):
        raise ValueError(f"X: expected finite values of shape (64, m), one 8x8 image per column, got shape {X.shape}")
    n, per_row = as_int(n, "n", minimum=1), as_int(per_row, "per_row", minimum=1)
    labels = [np.asarray(v) for v in (y, y_pred) if v is not None]
    for name, v in (("y", y), ("y_pred", y_pred)):
        if v is not None and np.shape(v) != (X.shape[1],):
            raise ValueError(f"{name}: expected shape ({X.shape[1]},), got shape {np.shape(v)}")
    n = min(n, X.shape[1])
    cols, rows = min(n, per_row), -(-n // per_row)
    tile_w, tile_h = 10, 12                                   # 8x8 image + margins + room for the label
    mosaic = np.full((rows * tile_h, cols * tile_w), np.nan)
    for t in range(n):
        r, c = divmod(t, cols)
        mosaic[r * tile_h + 1: r * tile_h + 9, c * tile_w + 1: c * tile_w + 9] = X[:, t].reshape(8, 8)
    ax = axes_or_new(ax, (0.7 * cols + 0.4, 0.85 * rows + 0.6))
    ax.imshow(mosaic, cmap="gray_r", interpolation="nearest",
              vmin=min(float(X.min()), 0.0), vmax=max(float(X.max()), 1e-12))
    for t in range(n if labels else 0):
        r, c = divmod(t, cols)
        wrong = len(labels) == 2 and labels[0][t] != labels[1][t]
        ax.text(c * tile_w + 4.5, r * tile_h + 9.2, "→".join(str(v[t]) for v in labels), ha="center", va="top",
                fontsize=8, color=COLORS[1] if wrong else "black")
    ax.set_axis_off()
    ax.set_title(f"First {n} digits" + (" (label→prediction)" if len(labels) == 2 else ""))
    return ax
