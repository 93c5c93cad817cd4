"""Pictures for the course: loss curves, decision boundaries, finite-difference
error, Jacobians, gradient norms, digits and computational graphs.

Every function takes ``ax=None`` (a new figure is made when it is None), draws
on that Axes only and returns it. Colours and labels are set per call: nothing
here touches ``rcParams``, calls ``plt.show()`` or keeps state between calls.

The helpers live in modules by concept and are all importable from here:

* :mod:`course.plots.training`: ``plot_loss``, ``plot_grad_norms``, ``plot_dataset``,
  ``plot_decision_boundary``, ``plot_digits``;
* :mod:`course.plots.calculus`: ``plot_step_error``, ``plot_jacobian``;
* :mod:`course.plots.graph`: ``plot_graph`` (wrapped below, imported when called);
* :mod:`course.plots.gradients`: ``plot_gradient_check``, a graph with the expected and a
  learner's gradients, the first wrong node marked (chapter 3's self-checks);
* :mod:`course.plots.axes`: the Axes, colours and input checks they share.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from course.plots.calculus import plot_jacobian, plot_step_error
from course.plots.training import (
    plot_dataset,
    plot_decision_boundary,
    plot_digits,
    plot_grad_norms,
    plot_loss,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_loss",
    "plot_dataset",
    "plot_decision_boundary",
    "plot_step_error",
    "plot_jacobian",
    "plot_grad_norms",
    "plot_digits",
    "plot_graph",
]


def plot_graph(root: Any, ax: Any = None, *, show_grad: bool = True, text: Any = None,
               style: Any = None) -> Axes:
    """Draw the computational graph that ends in ``root`` (a ``course.Value``).

    Thin wrapper around ``course.plots.graph.plot_graph``: see there.
    """
    from course.plots.graph import plot_graph as _plot_graph

    hooks = {k: v for k, v in (("text", text), ("style", style)) if v is not None}
    return _plot_graph(root, ax=ax, show_grad=show_grad, **hooks)
