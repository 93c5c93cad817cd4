"""Draw a computational graph with the learner's gradients beside the expected ones.

:func:`plot_gradient_check` draws the graph of a :class:`~course.reference.autodiff.Value`
expression whose ``grad`` fields hold the *expected* gradients (run ``root.backward()`` first),
and writes into each box the gradient a learner computed for that node. Boxes are green where
the two agree and red where they do not; the *first* wrong node, walking back from the output
(the order in which backpropagation settles them), is drawn with a thick dark-red edge and named in the
title: it is where to start looking, since every node after it receives a wrong upstream
gradient.
"""
from __future__ import annotations

import math
from typing import Mapping

from matplotlib.axes import Axes

from course.plots.graph import plot_graph
from course.reference.autodiff import Value, topological_order

__all__ = ["plot_gradient_check", "first_wrong", "RIGHT_COLOR", "WRONG_COLOR"]

RIGHT_COLOR, WRONG_COLOR, FIRST_EDGE = "#d8f0d2", "#f8d0cc", "#9b1c1c"
_TITLE_IN = 0.62           # inches above the graph for the three title lines


def _agrees(yours: float | None, expected: float, rtol: float, atol: float) -> bool:
    if yours is None or not isinstance(yours, (int, float)) or not math.isfinite(yours):
        return False
    return abs(yours - expected) <= atol + rtol * abs(expected)


def _show(x: float | None) -> str:
    """Four significant digits: 2, -0.5, 10.16, 0.0001235, 1.2e+06; "none" for a missing value."""
    if x is None:
        return "none"
    if not isinstance(x, (int, float)):
        return type(x).__name__
    return f"{x + 0.0:.4g}"


def first_wrong(root: Value, yours: Mapping[Value, float | None], *, rtol: float = 1e-6,
                atol: float = 1e-9) -> Value | None:
    """The wrong node of ``yours`` nearest the output, or None when every gradient agrees.

    Nodes are taken in the order a backward pass settles them: by their longest distance from
    ``root`` (a node comes after every node that uses it), ties in reverse topological order.
    """
    backwards = list(reversed(topological_order(root)))
    distance = {root: 0}
    for node in backwards:
        for parent in node._prev:
            distance[parent] = max(distance.get(parent, 0), distance[node] + 1)
    for node in sorted(backwards, key=lambda n: distance[n]):      # sorted() is stable
        if node in yours and not _agrees(yours[node], node.grad, rtol, atol):
            return node
    return None


def plot_gradient_check(root: Value, yours: Mapping[Value, float | None], ax: Axes | None = None, *,
                        rtol: float = 1e-6, atol: float = 1e-9, title: str | None = None) -> Axes:
    """The graph of ``root`` with each checked node's expected and learner gradient.

    Parameters
    ----------
    root : Value
        The output; every node's ``grad`` holds the expected gradient ``d root / d node``.
    yours : mapping of Value to float or None
        The learner's gradient of each node they were asked for (None: not given). Nodes not in
        the mapping are drawn as usual, without a verdict.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure sized to the graph, with room for the title.
    rtol, atol : float
        When a learner gradient counts as equal to the expected one.
    title : str, optional
        First title line (default: what the colours mean); the second names the first wrong node.

    Returns
    -------
    matplotlib Axes
    """
    if not isinstance(root, Value):
        raise TypeError(f"root: expected a Value, got {type(root).__name__}")
    if not isinstance(yours, Mapping):
        raise TypeError(f"yours: expected a mapping of Value to float, got {type(yours).__name__}")
    first = first_wrong(root, yours, rtol=rtol, atol=atol)

    def text(node: Value) -> str:
        head = f"{node.label} = {_show(node.data)}" if node.label else _show(node.data)
        grad = f"grad {_show(node.grad)}"
        return f"{head}\n{grad}\nyours {_show(yours[node])}" if node in yours else f"{head}\n{grad}"

    def style(node: Value) -> dict | None:
        if node not in yours:
            return None
        if node is first:
            return {"facecolor": WRONG_COLOR, "edgecolor": FIRST_EDGE, "linewidth": 3.0}
        right = _agrees(yours[node], node.grad, rtol, atol)
        return {"facecolor": RIGHT_COLOR if right else WRONG_COLOR}

    own_figure = ax is None
    ax = plot_graph(root, ax, text=text, style=style)
    if first is None:
        verdict = "every gradient you gave matches the expected one"
    else:
        name = first.label or f"the {first._op or 'input'} node"
        verdict = (f"first wrong gradient, walking back from the output: {name} "
                   f"(yours {_show(yours[first])}, expected {_show(first.grad)})")
    head = title or ""
    head += ("\n" if head else "") + ("each box: name = value, grad: the expected gradient, yours: your "
                                      "gradient (green: the same, red: different)")
    if own_figure:
        fig = ax.get_figure()
        w, h = fig.get_size_inches()
        # wide enough for the title lines (about 0.07 in per character at 9 pt), the graph
        # keeping its size in inches, and so the size of its text
        wide = max(w, 0.2 + 0.07 * max(len(line) for line in (head + "\n" + verdict).splitlines()))
        fig.set_size_inches(wide, h + _TITLE_IN)
        ax.set_position((0.0, 0.0, w / wide, h / (h + _TITLE_IN)))
        fig.text(0.1 / wide, 1 - 0.08 * _TITLE_IN / (h + _TITLE_IN), head, ha="left", va="top", fontsize=9)
        fig.text(0.1 / wide, 1 - 0.66 * _TITLE_IN / (h + _TITLE_IN), verdict, ha="left", va="top", fontsize=9,
                 color=FIRST_EDGE if first is not None else "#1a7f37", fontweight="bold")
    else:
        ax.set_title(f"{head}\n{verdict}", fontsize=9, loc="left")
    return ax
