"""A scalar reverse-mode automatic differentiation engine (chapter 3).

Every number in a computation becomes a :class:`Value` node that remembers the
nodes it was computed from (its *parents*) and the operation that made it.
``root.backward()`` walks this computational graph from ``root`` back to the
leaves and leaves ``node.grad = d root / d node`` on every node, using nothing
but the chain rule at each gate::

    downstream gradient = local gradient * upstream gradient

Only the primitives (``+``, ``*``, ``**``, ``exp``, ``log``, ``tanh``,
``sigmoid``, ``relu``, ``max``) hold derivative code, each in a tiny
``_backward`` closure. Negation, subtraction and division are compositions of
primitives (``-a = a * -1``, ``a - b = a + (-b)``, ``a / b = a * b**-1``) and
need no derivative code of their own.

Semantics
---------
* **Gradients accumulate.** Each ``backward()`` call *adds* ``d root / d node``
  into ``node.grad`` (as PyTorch does): calling it twice doubles every
  gradient, and calling it on several roots (the loss of each training sample)
  sums their gradients. Call ``root.zero_grad()`` to start again from zero.
* **Fan-out adds** (the copy gate): a node used twice receives the sum of both
  gradients, which is why every closure writes ``parent.grad += ...``, never ``=``.
* **max ties:** ``a.max(b)`` routes the whole upstream gradient to the larger
  input and 0 to the other; on a tie (``a.data == b.data``) it goes to ``a``
  (self) and ``b`` gets 0.
* **relu at 0** has derivative 0 (the convention of PyTorch).
* The graph is sorted **iteratively**, so chains of 100 000 nodes work with
  Python's default recursion limit.
"""
from __future__ import annotations

import math
from collections.abc import Callable

from course.reference.operands import (
    OPERAND, REAL, as_real, checked_result, describe, leaf_backward, overflow_error, short,
)
from course.reference.traversal import Node, backward, topological_order, zero_grad

__all__ = ["Value", "topological_order"]


def _operand(x: Value | float, op: str) -> Value:
    """The other operand of ``op`` as a Value (plain numbers become leaves)."""
    if isinstance(x, Value):
        return x
    return Value(as_real(x, f"operand of {op}", OPERAND))


class Value(Node):
    """A scalar node of a computational graph, with its gradient.

    Parameters
    ----------
    data : int, float or numpy scalar
        The value (stored as a Python float, i.e. float64). Must be finite.
    label : str, optional
        A name shown by ``repr`` and by :func:`course.plots.graph.plot_graph`.

    Attributes
    ----------
    data : float
        The value computed in the forward pass.
    grad : float
        ``d root / d self``, summed over every ``root.backward()`` call since
        the last ``zero_grad()``; 0.0 for a new node.
    label : str
    _prev : tuple of Value
        The parents this node was computed from, in operand order (a node used
        twice, as in ``a + a``, appears twice); ``()`` for a leaf.
    _op : str
        The operation that made this node (``"+"``, ``"*"``, ``"**2"``,
        ``"tanh"``, ...); ``""`` for a leaf.

    Examples
    --------
    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> f = (x + y) * z
    >>> f.backward()
    >>> x.grad, y.grad, z.grad
    (-4.0, -4.0, 3.0)
    """

    __slots__ = ("data", "grad", "label", "_prev", "_op", "_backward")
    # numpy then hands `array + Value` to Value (which rejects it) instead of
    # building an object array of Values element by element.
    __array_ufunc__ = None

    def __init__(self, data: float, label: str = "", *,
                 _prev: tuple[Value, ...] = (), _op: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"label: expected a str, got {describe(label)}")
        # Leaves come from the user and are checked; op results are computed here.
        self.data = checked_result(float(data), _op, _prev) if _prev else as_real(data, "data", REAL)
        self.grad = 0.0
        self.label = label
        self._prev = _prev
        self._op = _op
        self._backward: Callable[[], None] = leaf_backward

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={short(self.data)}, grad={short(self.grad)}{label})"

    # ---- primitives: each one holds its local derivative -------------------

    def __add__(self, other: Value | float) -> Value:
        """``self + other``. Add gate distributes: both parents get the upstream gradient."""
        other = _operand(other, "+")
        out = Value(self.data + other.data, _prev=(self, other), _op="+")

        def _backward() -> None:
            self.grad += out.grad            # d(a + b)/da = 1
            other.grad += out.grad           # d(a + b)/db = 1
        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        """``self * other``. Mul gate swaps: each parent gets upstream times the *other* value."""
        other = _operand(other, "*")
        out = Value(self.data * other.data, _prev=(self, other), _op="*")

        def _backward() -> None:
            self.grad += other.data * out.grad    # d(a b)/da = b
            other.grad += self.data * out.grad    # d(a b)/db = a
        out._backward = _backward
        return out

    def __pow__(self, p: float) -> Value:
        """``self ** p`` for a constant int or float ``p``; d(x^p)/dx = p x^(p-1).

        Raises ValueError for a negative base with a non-integer ``p`` and
        ZeroDivisionError for ``0 ** p`` with ``p < 0``. At ``x = 0`` with
        ``0 < p < 1`` (e.g. a square root) the derivative is infinite and
        ``backward()`` raises ZeroDivisionError.
        """
        if isinstance(p, Value):
            raise TypeError("exponent: expected an int or float, got a Value; a Value "
                            "exponent is not supported (for x > 0 write (y * x.log()).exp())")
        p = as_real(p, "exponent", "an int or float")
        x = self.data
        if x < 0 and not p.is_integer():
            raise ValueError(f"x ** p: a negative base needs an integer exponent, got x={x}, p={p}")
        if x == 0 and p < 0:
            raise ZeroDivisionError(f"x ** p: 0 to a negative power (division by zero), p={p}")
        try:
            raised = x ** p
        except OverflowError:
            raise overflow_error(f"**{p:g}", (self,)) from None
        out = Value(raised, _prev=(self,), _op=f"**{p:g}")

        def _backward() -> None:
            self.grad += (p * x ** (p - 1) if p != 0 else 0.0) * out.grad
        out._backward = _backward
        return out

    def exp(self) -> Value:
        """``e ** self``; d(e^x)/dx = e^x."""
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise overflow_error("exp", (self,)) from None
        out = Value(e, _prev=(self,), _op="exp")

        def _backward() -> None:
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self) -> Value:
        """Natural logarithm (ValueError for x <= 0); d(log x)/dx = 1/x."""
        x = self.data
        if x <= 0:
            raise ValueError(f"log: expected x > 0, got x={x}")
        out = Value(math.log(x), _prev=(self,), _op="log")

        def _backward() -> None:
            self.grad += out.grad / x
        out._backward = _backward
        return out

    def tanh(self) -> Value:
        """Hyperbolic tangent; d(tanh x)/dx = 1 - tanh(x)^2."""
        x = self.data
        out = Value(math.tanh(x), _prev=(self,), _op="tanh")
        # 1 - tanh(x)^2 written as 4e / (1 + e)^2 with e = exp(-2|x|): the same
        # number, without the cancellation of 1 - t*t when t is close to +-1.
        e = math.exp(-2.0 * abs(x))
        local = 4.0 * e / (1.0 + e) ** 2

        def _backward() -> None:
            self.grad += local * out.grad
        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        """Logistic sigmoid s(x) = 1 / (1 + e^-x); ds/dx = s(x) (1 - s(x)).

        Stable for any finite x: only ``exp(-|x|)`` is ever computed, and
        ``1 - s(x)`` is computed as ``s(-x)``, so no cancellation either.
        """
        x = self.data
        e = math.exp(-abs(x))                      # in (0, 1]: cannot overflow
        s_pos, s_neg = 1.0 / (1.0 + e), e / (1.0 + e)  # s(|x|) and s(-|x|) = 1 - s(|x|)
        out = Value(s_pos if x >= 0 else s_neg, _prev=(self,), _op="sigmoid")
        local = s_pos * s_neg                      # s(x) (1 - s(x)), symmetric in x

        def _backward() -> None:
            self.grad += local * out.grad
        out._backward = _backward
        return out

    def relu(self) -> Value:
        """max(0, x); derivative 1 for x > 0 and 0 for x <= 0 (0 at the kink x = 0)."""
        x = self.data
        out = Value(x if x > 0 else 0.0, _prev=(self,), _op="relu")

        def _backward() -> None:
            self.grad += (1.0 if x > 0 else 0.0) * out.grad
        out._backward = _backward
        return out

    def max(self, other: Value | float) -> Value:
        """max(self, other). Max gate routes: the larger input gets the upstream gradient, the other 0.

        On a tie (``self.data == other.data``) self is the winner.
        """
        other = _operand(other, "max")
        self_wins = self.data >= other.data
        out = Value(self.data if self_wins else other.data, _prev=(self, other), _op="max")

        def _backward() -> None:
            if self_wins:
                self.grad += out.grad
            else:
                other.grad += out.grad
        out._backward = _backward
        return out

    # ---- compositions: no derivative code of their own ---------------------

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Value | float) -> Value:
        return self + (-_operand(other, "-"))

    def __truediv__(self, other: Value | float) -> Value:
        return self * _operand(other, "/") ** -1

    def __radd__(self, other: float) -> Value:      # other + self
        return _operand(other, "+") + self

    def __rmul__(self, other: float) -> Value:      # other * self
        return _operand(other, "*") * self

    def __rsub__(self, other: float) -> Value:      # other - self
        return _operand(other, "-") + (-self)

    def __rtruediv__(self, other: float) -> Value:  # other / self
        return _operand(other, "/") * self ** -1

    # ---- the backward pass (course.reference.traversal) ---------------------

    backward = backward
    zero_grad = zero_grad
