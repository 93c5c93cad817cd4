"""Chapter 3: answers to the engine exercises that take a route the exercises do not allow.

Each one gets the right numbers, and each must score 0 with a message that says why (the test
suite proves it): delegating to the course's engine, differentiating numerically (nudged nodes,
nudged ``exp``/``tanh`` evaluations, nudged leaf data), or an autodiff library.
Not a chapter module: the registry only reads ``chNN`` modules.
"""
from __future__ import annotations

import math
from typing import Any

from course.exercises.ch03.model_engine import ModelValue, iterative_order
from course.reference.autodiff import Value

__all__ = ["DelegatesToCourse", "NumericByNodes", "NumericByMath", "AutogradRules",
           "order_by_course", "backward_by_course", "backward_numeric", "zero_grad_by_course"]

_H = 1e-6


class DelegatesToCourse(Value):
    """The course's own engine under another name."""


class NumericByNodes(ModelValue):
    """exp and tanh backward rules measured with the engine's own nodes at x ± h."""

    def _slope(self, op: str) -> float:
        up = getattr(type(self)(self.data + _H), op)().data
        down = getattr(type(self)(self.data - _H), op)().data
        return (up - down) / (2 * _H)

    def exp(self) -> ModelValue:
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += self._slope("exp") * out.grad
        out._backward = _backward
        return out

    def tanh(self) -> ModelValue:
        out = type(self)(math.tanh(self.data), (self,), "tanh")

        def _backward() -> None:
            self.grad += self._slope("tanh") * out.grad
        out._backward = _backward
        return out


class NumericByMath(ModelValue):
    """exp and tanh backward rules as central differences of ``math.exp``/``math.tanh``."""

    def exp(self) -> ModelValue:
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            x = self.data
            self.grad += (math.exp(x + _H) - math.exp(x - _H)) / (2 * _H) * out.grad
        out._backward = _backward
        return out

    def tanh(self) -> ModelValue:
        out = type(self)(math.tanh(self.data), (self,), "tanh")

        def _backward() -> None:
            x = self.data
            self.grad += (math.tanh(x + _H) - math.tanh(x - _H)) / (2 * _H) * out.grad
        out._backward = _backward
        return out


class AutogradRules(ModelValue):
    """exp and tanh backward rules from the autograd library."""

    def exp(self) -> ModelValue:
        import autograd
        import autograd.numpy as anp
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += float(autograd.grad(anp.exp)(self.data)) * out.grad
        out._backward = _backward
        return out

    def tanh(self) -> ModelValue:
        import autograd
        import autograd.numpy as anp
        out = type(self)(math.tanh(self.data), (self,), "tanh")

        def _backward() -> None:
            self.grad += float(autograd.grad(anp.tanh)(self.data)) * out.grad
        out._backward = _backward
        return out


def order_by_course(root: Any) -> list:
    """The course's sort."""
    from course.reference.autodiff import topological_order
    return topological_order(root)


def backward_by_course(root: Any) -> None:
    """The course's backward."""
    root.backward()


_FORWARD = {"+": lambda a, b: a + b, "*": lambda a, b: a * b, "tanh": math.tanh, "exp": math.exp,
            "max": max}


def _recompute(order: list) -> None:
    for node in order:
        if node._op.startswith("**"):
            node.data = node._prev[0].data ** float(node._op[2:])
        elif node._prev:
            node.data = _FORWARD[node._op](*(p.data for p in node._prev))


def backward_numeric(root: Any) -> None:
    """Nudges every leaf, re-runs the forward pass on the data, and adds the measured slopes."""
    order = iterative_order(root)
    for leaf in [n for n in order if not n._prev]:
        x = leaf.data
        leaf.data = x + _H
        _recompute(order)
        up = root.data
        leaf.data = x - _H
        _recompute(order)
        down = root.data
        leaf.data = x
        _recompute(order)
        leaf.grad += (up - down) / (2 * _H)


def zero_grad_by_course(root: Any) -> None:
    """The course's zero_grad."""
    root.zero_grad()
