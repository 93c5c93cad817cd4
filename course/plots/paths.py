"""The sum over paths, drawn: a computational graph with one row per path from a leaf to the root.

Each path's contribution is the product of the local derivatives along it, and the leaf's
gradient is their sum, *accumulated*: ``x.grad += (one path's product)``, once per path. The
local derivative of an edge ``parent -> node`` is read from the node's own backward step
(seeded with 1), so the picture and the engine cannot disagree.
"""
from __future__ import annotations

from math import prod
from typing import Any

from course.plots.graph import plot_graph
from course.reference.autodiff import Value, topological_order

__all__ = ["local_derivative", "paths_to_root", "plot_paths"]


def local_derivative(parent: Value, node: Value) -> float:
    """``∂ node / ∂ parent``, holding the node's other inputs fixed (read from its backward step).

    Every gradient touched is restored, so calling this leaves the graph as it was.
    """
    if parent not in node._prev:
        raise ValueError(f"parent: expected an input of {node.label or 'the node'}, got {parent.label or parent!r}")
    touched = [node, *node._prev]
    saved = [v.grad for v in touched]
    try:
        for v in node._prev:
            v.grad = 0.0
        node.grad = 1.0
        node._backward()
        return float(parent.grad)
    finally:
        for v, g in zip(touched, saved):
            v.grad = g


def paths_to_root(root: Value, leaf: Value) -> list[list[tuple[Value, Value, float]]]:
    """Every path from ``leaf`` to ``root`` as its edges ``(parent, node, ∂node/∂parent)``, in order."""
    consumers: dict[Value, list[Value]] = {v: [] for v in topological_order(root)}
    for node in consumers:
        for p in node._prev:
            if node not in consumers[p]:
                consumers[p].append(node)
    if leaf not in consumers:
        raise ValueError(f"leaf: {leaf.label or leaf!r} is not part of the graph that ends in the root")
    paths: list[list[tuple[Value, Value, float]]] = []
    stack: list[tuple[Value, list[tuple[Value, Value, float]]]] = [(leaf, [])]
    while stack:
        node, edges = stack.pop()
        if node is root:
            paths.append(edges)
            continue
        for nxt in reversed(consumers[node]):
            stack.append((nxt, edges + [(node, nxt, local_derivative(node, nxt))]))
    return paths


def _name(v: Value) -> str:
    return (v.label.split("=")[0].strip() or "·") if v.label else "·"


def plot_paths(root: Value, leaf: Value, ax: Any = None) -> Any:
    """The graph of ``root`` (values and gradients), and below it one ``+=`` line per path.

    Call ``root.backward()`` first, so the boxes show the gradients the lines add up to.

    Parameters
    ----------
    root : Value
        The output.
    leaf : Value
        The input whose gradient is explained.
    ax : matplotlib Axes, optional
        Where to draw the graph; the lines go in a panel below it.

    Returns
    -------
    ax : the Axes of the graph
    """
    paths = paths_to_root(root, leaf)
    ax = plot_graph(root, ax=ax)
    lines = [f"{_name(leaf)}.grad = 0"]
    for edges in paths:
        via = " → ".join([_name(leaf)] + [_name(n) for _, n, _ in edges])
        factors = " × ".join(f"∂{_name(n)}/∂{_name(p)} = {d:.3f}" for p, n, d in edges)
        lines.append(f"{_name(leaf)}.grad += {prod(d for _, _, d in edges):7.3f}    path {via}:  {factors}")
    lines.append(f"{_name(leaf)}.grad  = {sum(prod(d for _, _, d in e) for e in paths):7.3f}    "
                 f"(the engine's backward pass: {leaf.grad:.3f})")
    ax.text(0.0, -0.06, "\n".join(lines), transform=ax.transAxes, va="top", ha="left",
            family="monospace", fontsize=9)
    return ax
