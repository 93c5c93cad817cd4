"""Chapter 3: answers that take a route the exercises do not allow (engine, by hand, gates).

Each one gets the right numbers, and each must score 0 with a message that says why (the test
suite proves it): delegating to the course's engine, differentiating numerically (nudged nodes,
nudged ``exp``/``tanh`` evaluations, nudged leaf data), or an autodiff library.
Not a chapter module: the registry only reads ``chNN`` modules.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from course.exercises.ch03.model_engine import ModelValue, iterative_order
from course.reference.autodiff import Value

__all__ = ["DelegatesToCourse", "NumericByNodes", "NumericByMath", "RulesFromCourseValue",
           "order_by_course", "backward_by_course", "backward_numeric", "zero_grad_by_course",
           "worked_example_central", "worked_example_forward", "fanout_central", "fanout_forward",
           "sigmoid_gate_central", "sigmoid_gate_forward", "add_gate_central", "add_gate_forward",
           "mul_gate_central", "mul_gate_forward", "max_gate_central", "max_gate_forward",
           "copy_gate_central", "copy_gate_forward", "network_221_central", "network_221_forward"]

_H = 1e-6


class DelegatesToCourse(Value):
    """The course's own engine under another name."""


class _SlopeRules(ModelValue):
    """exp and tanh whose backward rule multiplies by ``self._slope(name)`` (defined below)."""

    def _slope(self, name: str) -> float:
        raise NotImplementedError

    def _unary(self, name: str, value: float) -> ModelValue:
        out = type(self)(value, (self,), name)

        def _backward() -> None:
            self.grad += self._slope(name) * out.grad
        out._backward = _backward
        return out

    def exp(self) -> ModelValue:
        return self._unary("exp", math.exp(self.data))

    def tanh(self) -> ModelValue:
        return self._unary("tanh", math.tanh(self.data))


class NumericByNodes(_SlopeRules):
    """exp and tanh backward rules measured with the engine's own nodes at x ± h."""

    def _slope(self, name: str) -> float:
        up = getattr(type(self)(self.data + _H), name)().data
        down = getattr(type(self)(self.data - _H), name)().data
        return (up - down) / (2 * _H)


class NumericByMath(_SlopeRules):
    """exp and tanh backward rules as central differences of ``math.exp``/``math.tanh``."""

    def _slope(self, name: str) -> float:
        f = getattr(math, name)
        return (f(self.data + _H) - f(self.data - _H)) / (2 * _H)


class RulesFromCourseValue(_SlopeRules):
    """exp and tanh backward rules read off the course's ``Value`` (a node built and backpropagated)."""

    def _slope(self, name: str) -> float:
        x = Value(self.data)
        getattr(x, name)().backward()
        return x.grad


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


# ----------------------------------------------------------------------------------------------
# the by-hand exercises and the gates: each gradient measured instead of derived, two spellings
# ----------------------------------------------------------------------------------------------


def _central(f: Any, t: float) -> float:
    """A central difference of ``f`` at ``t``, written out."""
    return (f(t + _H) - f(t - _H)) / (2 * _H)


def _forward(f: Any, t: float) -> float:
    """A forward difference of ``f`` at ``t``, the other common spelling."""
    h = 1e-7
    return (f(t + h) - f(t)) / h


def _worked(x: float, y: float, z: float, d: Any) -> dict:
    q = x + y
    return {"q": d(lambda t: t * z, q), "x": d(lambda t: (t + y) * z, x),
            "y": d(lambda t: (x + t) * z, y), "z": d(lambda t: q * t, z)}


def worked_example_central(x, y, z):
    """Every gradient of (x + y) z as a central difference."""
    return _worked(x, y, z, _central)


def worked_example_forward(x, y, z):
    """Every gradient of (x + y) z as a forward difference."""
    return _worked(x, y, z, _forward)


def _fanout(x: float, y: float, z: float, d: Any) -> dict:
    a, s = x * y, y + z
    m = max(a, z)

    def f(x, y, z):
        return max(x * y, z) * (y + z)
    return {"m": d(lambda t: t * s, m), "s": d(lambda t: m * t, s), "a": d(lambda t: max(t, z) * s, a),
            "x": d(lambda t: f(t, y, z), x), "y": d(lambda t: f(x, t, z), y), "z": d(lambda t: f(x, y, t), z)}


def fanout_central(x, y, z):
    """Every gradient of max(x y, z) (y + z) as a central difference."""
    return _fanout(x, y, z, _central)


def fanout_forward(x, y, z):
    """Every gradient of max(x y, z) (y + z) as a forward difference."""
    return _fanout(x, y, z, _forward)


def _sigmoid(z: float, up: float, d: Any) -> dict:
    b = math.exp(-z)
    c = 1.0 + b
    return {"dc": d(lambda t: up / t, c), "db": d(lambda t: up / (1.0 + t), b),
            "da": d(lambda t: up / (1.0 + math.exp(t)), -z),
            "dz_steps": d(lambda t: up / (1.0 + math.exp(-t)), z),
            "dz_whole": d(lambda t: up / (1.0 + math.exp(-t)), z)}


def sigmoid_gate_central(z, up):
    """The sigmoid gate's gradients as central differences."""
    return _sigmoid(z, up, _central)


def sigmoid_gate_forward(z, up):
    """The sigmoid gate's gradients as forward differences."""
    return _sigmoid(z, up, _forward)


def add_gate_central(x, y, up):
    return _central(lambda t: up * (t + y), x), _central(lambda t: up * (x + t), y)


def add_gate_forward(x, y, up):
    return _forward(lambda t: up * (t + y), x), _forward(lambda t: up * (x + t), y)


def mul_gate_central(x, y, up):
    return _central(lambda t: up * t * y, x), _central(lambda t: up * x * t, y)


def mul_gate_forward(x, y, up):
    return _forward(lambda t: up * t * y, x), _forward(lambda t: up * x * t, y)


def max_gate_central(x, y, up):
    return _central(lambda t: up * max(t, y), x), _central(lambda t: up * max(x, t), y)


def max_gate_forward(x, y, up):
    return _forward(lambda t: up * max(t, y), x), _forward(lambda t: up * max(x, t), y)


def _copies(upstreams: Any, d: Any) -> float:
    # the value itself is not given: any point will do, the loss is linear in it
    return d(lambda t: sum(g * t for g in upstreams), 1.0)


def copy_gate_central(upstreams):
    return _copies(upstreams, _central)


def copy_gate_forward(upstreams):
    return _copies(upstreams, _forward)


def _network(x, W1, b1, w2, b2, d, diff: Any) -> dict:
    """Every gradient of the 2-2-1 network, each entry measured by ``diff`` from the stage it starts at."""
    def from_y(y):
        return 0.5 * (y - d) ** 2

    def from_z2(z2):
        return from_y(1.0 / (1.0 + np.exp(-z2)))

    def from_y1(y1):
        return from_z2(float(w2 @ y1 + b2))

    def from_z1(z1):
        return from_y1(np.tanh(z1))

    def loss(x, W1, b1, w2, b2):
        return from_z2(float(w2 @ np.tanh(W1 @ x + b1) + b2))

    def entries(g, v):
        out = np.zeros_like(v)
        for i in np.ndindex(v.shape):
            def moved(t, i=i):
                u = v.copy()
                u[i] = t
                return g(u)
            out[i] = diff(moved, float(v[i]))
        return out

    z1 = W1 @ x + b1
    y1 = np.tanh(z1)
    z2 = float(w2 @ y1 + b2)
    y = 1.0 / (1.0 + math.exp(-z2))
    return {"dy": diff(from_y, y), "dz2": diff(from_z2, z2), "dw2": entries(lambda u: loss(x, W1, b1, u, b2), w2),
            "db2": diff(lambda t: loss(x, W1, b1, w2, t), b2), "dy1": entries(from_y1, y1),
            "dz1": entries(from_z1, z1), "dW1": entries(lambda u: loss(x, u, b1, w2, b2), W1),
            "db1": entries(lambda u: loss(x, W1, u, w2, b2), b1), "dx": entries(lambda u: loss(u, W1, b1, w2, b2), x)}


def network_221_central(x, W1, b1, w2, b2, d):
    """Every gradient of the 2-2-1 network as central differences, entry by entry."""
    return _network(x, W1, b1, w2, b2, d, _central)


def network_221_forward(x, W1, b1, w2, b2, d):
    """Every gradient of the 2-2-1 network as forward differences, entry by entry."""
    return _network(x, W1, b1, w2, b2, d, _forward)
