"""Tests that kill the surviving mutants of the scalar engine (course.reference.autodiff,
operands, traversal): what a learner sees of a graph (each operation's name in the drawing, the
nodes of ``-x``), gradients that reach one input along two paths through every operation, and the
error messages that name the operator and the operands. See tests/MUTANTS.md.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable

import matplotlib.pyplot as plt
import pytest

from course.plots.gradients import plot_gradient_check
from course.plots.graph import plot_graph
from course.reference.autodiff import Value, topological_order

# op -> (the operation applied to a Value, its derivative at x, a point of its domain, the symbol drawn)
UNARY: dict[str, tuple[Callable[[Value], Value], Callable[[float], float], float, str]] = {
    "exp": (lambda v: v.exp(), math.exp, 0.3, "exp"),
    "log": (lambda v: v.log(), lambda x: 1.0 / x, 1.7, "log"),
    "tanh": (lambda v: v.tanh(), lambda x: 1.0 - math.tanh(x) ** 2, 0.4, "tanh"),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: math.exp(-x) / (1.0 + math.exp(-x)) ** 2, -0.8, "σ"),
    "relu": (lambda v: v.relu(), lambda x: 1.0 if x > 0 else 0.0, 1.3, "relu"),
    "pow3": (lambda v: v ** 3, lambda x: 3.0 * x * x, 1.1, "**3"),
    "max": (lambda v: v.max(0.5), lambda x: 1.0 if x >= 0.5 else 0.0, 0.9, "max"),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_each_operation_is_named_in_its_drawn_graph(name: str) -> None:
    """The op circle of ``op(x)`` reads the operation's name: the graph a learner is shown of
    their own expression says which operation made each node."""
    op, _, x, symbol = UNARY[name]
    ax = plot_graph(op(Value(x, "x")))
    try:
        assert [t.get_text() for t in ax.texts if t.get_gid() == "op"] == [symbol]
    finally:
        plt.close(ax.figure)


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("other_path_first", [True, False])
def test_a_gradient_through_each_operation_adds_to_the_other_paths(name: str, other_path_first: bool) -> None:
    """d/dx (op(x) + 2x) = op'(x) + 2, whichever operand comes first: the operation's backward adds
    its contribution to what x already received along the other path (it must not overwrite it)."""
    op, derivative, x0, _ = UNARY[name]
    x = Value(x0)
    f = x * 2.0 + op(x) if other_path_first else op(x) + x * 2.0
    f.backward()
    assert x.grad == pytest.approx(derivative(x0) + 2.0, rel=1e-14)


def test_negation_is_one_multiplication_by_minus_one() -> None:
    """The graph of ``-x`` is x, the constant -1 and their product: three nodes, one operation
    (not a division node with a power node behind it)."""
    x = Value(2.5, "x")
    nodes = topological_order(-x)
    assert len(nodes) == 3
    assert sorted(n.data for n in nodes) == [-2.5, -1.0, 2.5]
    ax = plot_graph(-x)
    try:
        assert [t.get_text() for t in ax.texts if t.get_gid() == "op"] == ["×"]
    finally:
        plt.close(ax.figure)


def test_relu_of_minus_zero_is_plus_zero() -> None:
    """relu(-0.0) is 0.0, not -0.0 (which a graph would show as "-0.000")."""
    assert math.copysign(1.0, Value(-0.0).relu().data) == 1.0


@pytest.mark.parametrize("x", [-400.0, -40.0, 40.0, 400.0])
def test_tanh_far_from_zero_has_a_zero_gradient_and_no_overflow(x: float) -> None:
    """tanh(x) at |x| = 400: data +-1 and local derivative 0 (below the smallest float), no OverflowError."""
    v = Value(x)
    out = v.tanh()
    out.backward()
    assert out.data == math.copysign(1.0, x)
    assert 0.0 <= v.grad < 1e-30


@pytest.mark.parametrize("p, expected_data, expected_grad", [
    (0, 1.0, 0.0),      # 0 ** 0 = 1 (Python's convention), a constant: derivative 0
    (0.5, 0.0, None),   # the square root of 0 exists; its derivative is infinite (backward raises)
    (1, 0.0, 1.0),
    (2, 0.0, 0.0),
])
def test_powers_of_zero(p: float, expected_data: float, expected_grad: float | None) -> None:
    """x ** p at x = 0: defined for every p >= 0 (no "negative base" or "division by zero" error)."""
    x = Value(0.0)
    out = x ** p
    assert out.data == expected_data
    if expected_grad is None:
        with pytest.raises(ZeroDivisionError):
            out.backward()
    else:
        out.backward()
        assert x.grad == expected_grad


@pytest.mark.parametrize("p", [0, 1, 0.0, 1.0])
def test_the_derivative_of_x_to_the_zero_and_to_the_one(p: float) -> None:
    """d/dx x^0 = 0 and d/dx x^1 = 1, at x != 0 as well."""
    for x0 in (-1.5, 2.0):
        x = Value(x0)
        (x ** p).backward()
        assert x.grad == float(p)


@pytest.mark.parametrize("attempt, op", [
    (lambda x: x + "a", "+"), (lambda x: "a" + x, "+"),
    (lambda x: x - "a", "-"), (lambda x: "a" - x, "-"),
    (lambda x: x * "a", "*"), (lambda x: "a" * x, "*"),
    (lambda x: x / "a", "/"), (lambda x: "a" / x, "/"),
    (lambda x: x.max("a"), "max"),
])
def test_a_bad_operand_error_names_the_operator(attempt: Callable[[Value], Value], op: str) -> None:
    """``x - 'a'`` and ``'a' / x`` say which operator got the bad operand, on either side."""
    with pytest.raises(TypeError, match=rf"^operand of {re.escape(op)}: expected a Value or a real number"):
        attempt(Value(1.0))


def test_an_overflow_error_lists_every_operand_of_the_result() -> None:
    """The message names the operation, that its *result* overflowed, and each operand, comma-separated."""
    with pytest.raises(OverflowError) as info:
        Value(1e200) * Value(3e200)
    assert "the result of '*' applied to 1e+200, 3e+200 is too large" in str(info.value)


def test_an_unnamed_wrong_input_is_called_the_input_node() -> None:
    """A leaf has no operation: the gradient-check picture calls an unnamed wrong leaf "the input node"."""
    x = Value(2.0)
    f = x * 3.0
    f.backward()
    ax = plot_gradient_check(f, {x: 5.0})
    try:
        shown = "\n".join(t.get_text() for t in ax.figure.texts)
        assert "first wrong gradient, walking back from the output: the input node (yours 5" in shown
    finally:
        plt.close(ax.figure)


def test_a_bad_leaf_error_says_a_real_number_is_expected() -> None:
    """``Value('2')`` says what a leaf's data must be: a real number, and which types that means."""
    with pytest.raises(TypeError, match=re.escape("data: expected a real number (int, float or numpy scalar), "
                                                  "got str '2'")):
        Value("2")
