"""Chapter 3: the model answer of the engine exercises, its classic mistakes, and other styles.

:class:`ModelValue` is the scalar engine the notebook asks for (primitives ``+``, ``*``, ``**``,
``exp``, ``tanh``, ``max`` with their local backward rules; ``-``, ``/`` and the reflected ops
are compositions). Each mistake is a subclass that changes one rule, so a whole graph built with
it carries the mistake (every op makes nodes of ``type(self)``). The named bugs of
``ch03.value_ops`` are these classes; :class:`RulesAsData` and :class:`RecomputesForward` are
honest answers in other styles; the shortcuts live in :mod:`course.exercises.ch03.shortcuts`.

The functions at the end are the named mistakes of the sort, backward and zero_grad exercises.
Not a chapter module: the registry only reads ``chNN`` modules.
"""
from __future__ import annotations

import math
from typing import Any

__all__ = ["ModelValue", "AssignsGrad", "MulNotSwapped", "MaxTieToSecond", "TanhLocalFromInput",
           "PowForgotMinusOne", "RulesAsData", "RecomputesForward", "recursive_order",
           "order_without_visited", "order_root_first", "iterative_order", "backward_model", "backward_by_uses", "zero_grad_model", "backward_restarts_from_stale",
           "backward_forgets_seed", "backward_forward_order",
           "zero_grad_root_only", "zero_grad_inputs_only"]


class ModelValue:
    """A scalar node: ``data``, ``grad``, its parents ``_prev`` and its local rule ``_backward``."""

    def __init__(self, data: float, _children: tuple = (), _op: str = "") -> None:
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self._backward = lambda: None

    def _wrap(self, other: Any) -> "ModelValue":
        return other if isinstance(other, ModelValue) else type(self)(other)

    def _add_to(self, node: "ModelValue", g: float) -> None:
        node.grad += g                      # fan-out: every use adds its share

    def __add__(self, other: Any) -> "ModelValue":
        other = self._wrap(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self._add_to(self, out.grad)
            self._add_to(other, out.grad)
        out._backward = _backward
        return out

    def __mul__(self, other: Any) -> "ModelValue":
        other = self._wrap(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self._add_to(self, other.data * out.grad)
            self._add_to(other, self.data * out.grad)
        out._backward = _backward
        return out

    def _pow_local(self, p: float) -> float:
        return p * self.data ** (p - 1)

    def __pow__(self, p: float) -> "ModelValue":
        out = type(self)(self.data ** p, (self,), f"**{p:g}")

        def _backward() -> None:
            self._add_to(self, self._pow_local(p) * out.grad)
        out._backward = _backward
        return out

    def exp(self) -> "ModelValue":
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self._add_to(self, out.data * out.grad)
        out._backward = _backward
        return out

    def _tanh_local(self, t: float) -> float:
        return 1.0 - t * t

    def tanh(self) -> "ModelValue":
        out = type(self)(math.tanh(self.data), (self,), "tanh")

        def _backward() -> None:
            self._add_to(self, self._tanh_local(out.data) * out.grad)
        out._backward = _backward
        return out

    def _first_wins(self, other: "ModelValue") -> bool:
        return self.data >= other.data      # a tie goes to self, the first input

    def max(self, other: Any) -> "ModelValue":
        other = self._wrap(other)
        first = self._first_wins(other)
        out = type(self)(self.data if first else other.data, (self, other), "max")

        def _backward() -> None:
            self._add_to(self if first else other, out.grad)
        out._backward = _backward
        return out

    # compositions (given in the notebook): no derivative code of their own
    def __neg__(self) -> "ModelValue":
        return self * -1.0

    def __sub__(self, other: Any) -> "ModelValue":
        return self + (-self._wrap(other))

    def __truediv__(self, other: Any) -> "ModelValue":
        return self * self._wrap(other) ** -1

    def __radd__(self, other: float) -> "ModelValue":
        return self + other

    def __rmul__(self, other: float) -> "ModelValue":
        return self * other


# ---- one mistake each --------------------------------------------------------------------


class AssignsGrad(ModelValue):
    """``parent.grad = ...`` instead of ``+=``: a node used twice keeps only its last share."""

    def _add_to(self, node: ModelValue, g: float) -> None:
        node.grad = g


class MulNotSwapped(ModelValue):
    """The mul gate gives each input its *own* value times the upstream gradient."""

    def __mul__(self, other: Any) -> ModelValue:
        other = self._wrap(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self._add_to(self, self.data * out.grad)
            self._add_to(other, other.data * out.grad)
        out._backward = _backward
        return out


class MaxTieToSecond(ModelValue):
    """A tie of the max gate routes the gradient to the second input."""

    def _first_wins(self, other: ModelValue) -> bool:
        return self.data > other.data


class TanhLocalFromInput(ModelValue):
    """tanh's local gradient taken from the input x instead of the output t."""

    def tanh(self) -> ModelValue:
        out = type(self)(math.tanh(self.data), (self,), "tanh")

        def _backward() -> None:
            self._add_to(self, (1.0 - self.data ** 2) * out.grad)
        out._backward = _backward
        return out


class PowForgotMinusOne(ModelValue):
    """The power rule without lowering the exponent: p x^p."""

    def _pow_local(self, p: float) -> float:
        return p * self.data ** p


# ---- honest answers in other styles ------------------------------------------------------


class RulesAsData(ModelValue):
    """Local gradients stored as data at creation; one generic backward sums them up."""

    def __init__(self, data: float, _children: tuple = (), _op: str = "", _locals: tuple = ()) -> None:
        super().__init__(data, _children, _op)
        self._locals = tuple(_locals)
        self._backward = self._generic_backward

    def _generic_backward(self) -> None:
        for parent, local in zip(self._prev, self._locals):
            parent.grad += local * self.grad

    def __add__(self, other: Any) -> ModelValue:
        other = self._wrap(other)
        return RulesAsData(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __mul__(self, other: Any) -> ModelValue:
        other = self._wrap(other)
        return RulesAsData(self.data * other.data, (self, other), "*", (other.data, self.data))

    def __pow__(self, p: float) -> ModelValue:
        return RulesAsData(self.data ** p, (self,), "**", (p * self.data ** (p - 1),))

    def exp(self) -> ModelValue:
        e = math.exp(self.data)
        return RulesAsData(e, (self,), "exp", (e,))

    def tanh(self) -> ModelValue:
        t = math.tanh(self.data)
        return RulesAsData(t, (self,), "tanh", (1.0 - t * t,))

    def max(self, other: Any) -> ModelValue:
        other = self._wrap(other)
        first = self.data >= other.data
        return RulesAsData(self.data if first else other.data, (self, other), "max",
                           (1.0, 0.0) if first else (0.0, 1.0))


class RecomputesForward(ModelValue):
    """Backward rules that recompute the forward value at the input (honest: no nudging)."""

    def exp(self) -> ModelValue:
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += math.exp(self.data) * out.grad
        out._backward = _backward
        return out

    def tanh(self) -> ModelValue:
        out = type(self)(math.tanh(self.data), (self,), "tanh")

        def _backward() -> None:
            self.grad += (1.0 - math.tanh(self.data) ** 2) * out.grad
        out._backward = _backward
        return out


# ---- mistakes of the sort, backward and zero_grad ----------------------------------------


def recursive_order(root: Any) -> list:
    """The textbook recursive depth-first sort: right, until the graph is deeper than the stack."""
    order, visited = [], set()

    def visit(node: Any) -> None:
        if node not in visited:
            visited.add(node)
            for parent in node._prev:
                visit(parent)
            order.append(node)
    visit(root)
    return order


def order_without_visited(root: Any) -> list:
    """A depth-first sort that forgets which nodes it has seen: shared nodes come out repeatedly."""
    order, stack = [], [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((p, False) for p in node._prev)
    return order


def order_root_first(root: Any) -> list:
    """A valid order, reversed: the root first and the inputs last."""
    return iterative_order(root)[::-1]


def iterative_order(root: Any) -> list:
    """An iterative depth-first sort (the model answer of the sort exercise)."""
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in node._prev if p not in visited)
    return order


def _run_rules(order: list, root: Any) -> None:
    root.grad = 1.0
    for node in reversed(order):
        node._backward()


def _run_rules_inputs_first(order: list, root: Any) -> None:
    root.grad = 1.0
    for node in order:
        node._backward()


def _documented_pass(order: list, root: Any, run: Any = _run_rules) -> None:
    """The course's semantics: set earlier gradients aside, zero, ``run`` the rules, add them back."""
    earlier = [n.grad for n in order]
    for n in order:
        n.grad = 0.0
    run(order, root)
    for n, g in zip(order, earlier):
        n.grad += g


def backward_model(root: Any) -> None:
    """The model answer: set earlier gradients aside, seed, run the rules root first, add back."""
    _documented_pass(iterative_order(root), root)


def backward_by_uses(root: Any) -> None:
    """Another honest style: count each node's uses, then run a rule once all its uses have reported.

    Kahn's algorithm from the root (no separate sort), with the earlier gradients kept in a dict
    by node id and added back at the end.
    """
    uses: dict[int, int] = {id(root): 0}
    nodes, stack = {id(root): root}, [root]
    while stack:
        node = stack.pop()
        for parent in node._prev:
            uses[id(parent)] = uses.get(id(parent), 0) + 1
            if id(parent) not in nodes:
                nodes[id(parent)] = parent
                stack.append(parent)
    earlier = {k: n.grad for k, n in nodes.items()}
    for n in nodes.values():
        n.grad = 0.0
    root.grad = 1.0
    ready = [root]
    while ready:
        node = ready.pop()
        node._backward()
        for parent in node._prev:
            uses[id(parent)] -= 1
            if uses[id(parent)] == 0:
                ready.append(parent)
    for k, n in nodes.items():
        n.grad += earlier[k]


def zero_grad_model(root: Any) -> None:
    """The model answer: every node of the graph back to 0."""
    for node in iterative_order(root):
        node.grad = 0.0


def backward_restarts_from_stale(root: Any) -> None:
    """Seeds and runs the rules without setting earlier gradients aside (fine only the first time)."""
    _run_rules(iterative_order(root), root)


def backward_forgets_seed(root: Any) -> None:
    """Runs every local rule but never seeds the root's gradient with 1."""
    for node in reversed(iterative_order(root)):
        node._backward()


def backward_forward_order(root: Any) -> None:
    """Runs the local rules inputs first: every node passes on a gradient it has not received yet."""
    _documented_pass(iterative_order(root), root, _run_rules_inputs_first)


def zero_grad_root_only(root: Any) -> None:
    """Zeroes the root and nothing else."""
    root.grad = 0.0


def zero_grad_inputs_only(root: Any) -> None:
    """Zeroes the inputs (the leaves) but not the nodes computed from them."""
    for node in iterative_order(root):
        if not node._prev:
            node.grad = 0.0
