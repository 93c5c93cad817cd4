"""The scalar engine's graph walk (chapter 3): the topological order and the backward pass.

``topological_order(root)`` lists every node ``root`` depends on, parents before children;
``backward(self)`` visits that list in reverse and calls each node's ``_backward`` closure (the
chain rule at one gate), so every node has its whole upstream gradient before it passes anything
on. :class:`~course.reference.autodiff.Value` has ``backward`` and ``zero_grad`` as its methods
(the very functions defined here). A node is anything built by ``Value``: ``data``, ``grad``,
``_prev`` (its parents) and ``_backward``.
"""
from __future__ import annotations

import math

from course.reference.operands import describe, overflow_error

__all__ = ["Node", "backward", "zero_grad", "topological_order"]


class Node:
    """The type of every node of the scalar engine: ``Value`` (course.reference.autodiff) derives from it.

    It holds nothing (the slots ``data``, ``grad``, ``_prev``, ``_op``, ``_backward`` and all the
    methods are ``Value``'s own); it lets the walk below recognise a node without importing
    ``Value``, which imports the walk.
    """

    __slots__ = ()


def backward(self: Node) -> None:
    """Add ``d self / d node`` into ``node.grad`` for every node ``self`` depends on.

    Seeds ``d self / d self = 1`` and visits the nodes in reverse
    topological order, so every node has received all of its upstream
    gradient before it passes anything on. Gradients accumulate across
    calls; see :meth:`zero_grad`.
    """
    order = topological_order(self)
    earlier = [node.grad for node in order]   # left by previous backward() calls
    for node in order:
        node.grad = 0.0
    self.grad = 1.0
    for node in reversed(order):              # root first, leaves last
        node._backward()
        if not all(math.isfinite(parent.grad) for parent in node._prev):
            raise overflow_error(node._op, node._prev, what="gradient")
    for node, grad in zip(order, earlier):
        node.grad += grad                     # accumulate, like PyTorch


def zero_grad(self: Node) -> None:
    """Set ``grad = 0.0`` on every node reachable from ``self`` (self included)."""
    for node in topological_order(self):
        node.grad = 0.0


def topological_order(root: Node) -> list[Node]:
    """Every node ``root`` depends on, each once, parents before children.

    Iterative depth-first search, so a chain of any length works without
    raising Python's recursion limit.

    Parameters
    ----------
    root : Value

    Returns
    -------
    list of Value
        Leaves first and ``root`` last; every node comes after all of its parents.
    """
    if not isinstance(root, Node):
        raise TypeError(f"root: expected a Value, got {describe(root)}")
    order: list[Node] = []
    visited: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)                    # all its parents are already in order
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))            # come back once the parents are done
            stack.extend((parent, False) for parent in node._prev if parent not in visited)
    return order
