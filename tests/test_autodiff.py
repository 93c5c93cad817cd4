"""Tests for course.reference.autodiff: the scalar reverse-mode engine.

Reference: HIPS autograd (every primitive and random composite expressions) and
central finite differences. The gate-rule checker and the autograd comparison
are themselves shown to reject deliberately buggy engines (at the end).
"""
from __future__ import annotations

import math
import sys
from collections.abc import Callable

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from hypothesis import given, settings
from hypothesis import strategies as st

from course.reference.autodiff import Value, topological_order

SEEDS = range(40)


def rel_err(a: float, b: float) -> float:
    """|a - b| / max(|a|, |b|); 0 when a == b (so 0 vs 1e-300 is an error of 1)."""
    return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b))


# --------------------------------------------------------------------------
# every op against autograd and finite differences
# --------------------------------------------------------------------------
# name -> (engine function, autograd function, input sampler(rng) -> tuple of floats)
def _normal(rng: np.random.Generator, k: int = 1, scale: float = 3.0) -> tuple[float, ...]:
    return tuple(float(v) for v in rng.normal(0.0, scale, size=k))


def _positive(rng: np.random.Generator) -> tuple[float, ...]:
    return (float(np.exp(rng.normal(0.0, 1.5))),)


def _away_from_zero(rng: np.random.Generator) -> tuple[float, ...]:
    x = float(rng.normal(0.0, 3.0))
    return (x if abs(x) > 1e-3 else 1.0,)


def _distinct_pair(rng: np.random.Generator) -> tuple[float, ...]:
    a, b = _normal(rng, 2)
    return (a, b) if abs(a - b) > 1e-3 else (a, a + 1.0)


def _nonzero_denominator(rng: np.random.Generator) -> tuple[float, ...]:
    a, b = _normal(rng, 2)
    return (a, b if abs(b) > 0.1 else 1.0)


def _autograd_sigmoid(x):
    return anp.exp(-anp.logaddexp(0.0, -x))   # s(x) = 1 / (1 + e^-x), accurate for any sign of x


OPS: dict[str, tuple[Callable, Callable, Callable]] = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, lambda r: _normal(r, 2)),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, lambda r: _normal(r, 2)),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, lambda r: _normal(r, 2)),
    "div": (lambda a, b: a / b, lambda a, b: a / b, _nonzero_denominator),
    "neg": (lambda a: -a, lambda a: -a, _normal),
    "radd": (lambda a: 2.5 + a, lambda a: 2.5 + a, _normal),
    "rmul": (lambda a: -1.5 * a, lambda a: -1.5 * a, _normal),
    "rsub": (lambda a: 2.5 - a, lambda a: 2.5 - a, _normal),
    "rtruediv": (lambda a: 3.0 / a, lambda a: 3.0 / a, _away_from_zero),
    "pow2": (lambda a: a ** 2, lambda a: a ** 2, _normal),
    "pow3": (lambda a: a ** 3, lambda a: a ** 3, _normal),
    "pow-1": (lambda a: a ** -1, lambda a: a ** -1, _away_from_zero),
    "pow-2": (lambda a: a ** -2, lambda a: a ** -2, _away_from_zero),
    "pow0.5": (lambda a: a ** 0.5, lambda a: a ** 0.5, _positive),
    "pow-2.5": (lambda a: a ** -2.5, lambda a: a ** -2.5, _positive),
    "exp": (lambda a: a.exp(), anp.exp, _normal),
    "log": (lambda a: a.log(), anp.log, _positive),
    "tanh": (lambda a: a.tanh(), anp.tanh, lambda r: _normal(r, 1, 6.0)),
    "sigmoid": (lambda a: a.sigmoid(), _autograd_sigmoid, lambda r: _normal(r, 1, 10.0)),
    "relu": (lambda a: a.relu(), lambda a: anp.maximum(a, 0.0), _away_from_zero),
    "max": (lambda a, b: a.max(b), anp.maximum, _distinct_pair),
}


def engine_value_and_grads(fn: Callable, xs: tuple[float, ...]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in xs]
    out = fn(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def autograd_value_and_grads(fn: Callable, xs: tuple[float, ...]) -> tuple[float, list[float]]:
    return float(fn(*xs)), [float(grad(fn, i)(*xs)) for i in range(len(xs))]


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_matches_autograd(name: str) -> None:
    engine_fn, autograd_fn, sample = OPS[name]
    worst = 0.0
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        for _ in range(5):
            xs = sample(rng)
            value, grads = engine_value_and_grads(engine_fn, xs)
            ref_value, ref_grads = autograd_value_and_grads(autograd_fn, xs)
            worst = max(worst, rel_err(value, ref_value), *map(rel_err, grads, ref_grads))
    assert worst < 1e-8, f"{name}: max relative error {worst:.2e} against autograd"


def central_difference(fn: Callable, xs: tuple[float, ...], i: int) -> float:
    h = 1e-6 * max(1.0, abs(xs[i]))
    up = list(xs)
    down = list(xs)
    up[i] += h
    down[i] -= h
    return (fn(*map(Value, up)).data - fn(*map(Value, down)).data) / (2 * h)


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_matches_finite_differences(name: str) -> None:
    engine_fn, _, sample = OPS[name]
    for seed in SEEDS:
        xs = sample(np.random.default_rng(seed))
        _, grads = engine_value_and_grads(engine_fn, xs)
        for i, g in enumerate(grads):
            numeric = central_difference(engine_fn, xs, i)
            assert abs(g - numeric) <= 1e-6 * max(1.0, abs(numeric)), (name, xs, i, g, numeric)


def test_sigmoid_and_tanh_are_stable_far_from_zero() -> None:
    for x in (-800.0, -40.0, 40.0, 800.0):
        s = Value(x)
        out = s.sigmoid()
        out.backward()
        assert math.isfinite(out.data) and 0.0 <= out.data <= 1.0
        expected = math.exp(-abs(x))                 # s(x)(1 - s(x)) ~ e^-|x|, tiny but not 0 at 40
        assert rel_err(s.grad, expected) < 1e-12 or (expected < 1e-300 and s.grad == 0.0)
    t = Value(12.0)
    t.tanh().backward()
    assert rel_err(t.grad, 1.0 / math.cosh(12.0) ** 2) < 1e-12   # 1 - t*t would be off by ~1e-6


def test_sigmoid_whole_gate_equals_step_by_step() -> None:
    """Concept 11: one sigmoid gate and its chain of +, *, exp, / give the same gradient."""
    for seed in SEEDS:
        x0 = float(np.random.default_rng(seed).normal(0.0, 4.0))
        whole, steps = Value(x0), Value(x0)
        whole.sigmoid().backward()
        (1 / (1 + (-steps).exp())).backward()
        assert rel_err(whole.grad, steps.grad) < 1e-12


# --------------------------------------------------------------------------
# random composite expressions against autograd
# --------------------------------------------------------------------------
# Domain-safe ops: (arity, engine fn, autograd fn). Ops written with Python
# operators work on both Values and autograd's boxes.
def _both(fn: Callable, arity: int) -> tuple[int, Callable, Callable]:
    return arity, fn, fn


EXPR_OPS: dict[str, tuple[int, Callable, Callable]] = {
    "add": _both(lambda a, b: a + b, 2),
    "sub": _both(lambda a, b: a - b, 2),
    "mul": _both(lambda a, b: a * b, 2),
    "div": _both(lambda a, b: a / (b * b + 0.5), 2),
    "rdiv": _both(lambda a: 2.0 / (a * a + 1.0), 1),
    "rsub": _both(lambda a: 1.5 - a, 1),
    "radd": _both(lambda a: 0.5 + a, 1),
    "neg": _both(lambda a: -a, 1),
    "square": _both(lambda a: a ** 2, 1),
    "cube": _both(lambda a: a ** 3, 1),
    "powf": _both(lambda a: (a * a + 0.5) ** 1.5, 1),
    "exp": (1, lambda a: a.exp(), anp.exp),
    "log": (1, lambda a: (a * a + 1.0).log(), lambda a: anp.log(a * a + 1.0)),
    "tanh": (1, lambda a: a.tanh(), anp.tanh),
    "sigmoid": (1, lambda a: a.sigmoid(), _autograd_sigmoid),
    "relu": (1, lambda a: a.relu(), lambda a: anp.maximum(a, 0.0)),
    "max": (2, lambda a, b: a.max(b), anp.maximum),
}


def random_expression(rng: np.random.Generator, n_vars: int, depth: int, *, root: bool = True) -> tuple:
    """A nested tuple ("op", child, ...) or ("var", i); variables are reused (fan-out)."""
    if depth == 0 or (not root and rng.random() < 0.1):
        return ("var", int(rng.integers(n_vars)))
    name = str(rng.choice(sorted(EXPR_OPS)))
    arity = EXPR_OPS[name][0]
    return (name, *(random_expression(rng, n_vars, depth - 1, root=False) for _ in range(arity)))


class KinkHit(Exception):
    """The expression evaluated a relu at 0 or a max tie: derivative conventions differ there."""


def evaluate(tree: tuple, leaves, engine: bool):
    if tree[0] == "var":
        return leaves[tree[1]]
    _, engine_fn, autograd_fn = EXPR_OPS[tree[0]]
    args = [evaluate(child, leaves, engine) for child in tree[1:]]
    if engine and tree[0] == "relu" and args[0].data == 0.0:
        raise KinkHit
    if engine and tree[0] == "max" and args[0].data == args[1].data:
        raise KinkHit
    return (engine_fn if engine else autograd_fn)(*args)


def compare_random_expressions(value_cls: type, n_expressions: int, seed: int) -> tuple[float, int]:
    """Largest gradient error of ``value_cls`` against autograd, and how many expressions compared.

    The error is relative for gradients of size >= 1 and absolute below (a
    gradient that is a sum of cancelling terms has no meaningful relative error).
    """
    rng = np.random.default_rng(seed)
    worst, compared = 0.0, 0
    for _ in range(n_expressions):
        tree = random_expression(rng, n_vars=3, depth=int(rng.integers(2, 11)))
        xs = rng.normal(0.0, 1.0, size=3)
        leaves = [value_cls(float(x)) for x in xs]
        try:
            root = evaluate(tree, leaves, engine=True)
        except (KinkHit, OverflowError):
            continue
        if not abs(root.data) < 1e6:
            continue
        root.backward()
        got = np.array([leaf.grad for leaf in leaves])
        with np.errstate(over="ignore"):     # autograd's tanh vjp is g / cosh(x)**2: inf for large x, fine
            ref = grad(lambda v: evaluate(tree, [v[i] for i in range(3)], engine=False))(xs)
        if not np.all(np.abs(ref) < 1e8):
            continue
        assert abs(root.data - float(evaluate(tree, list(xs), engine=False))) <= 1e-9 * max(1.0, abs(root.data))
        worst = max(worst, float(np.max(np.abs(got - ref) / np.maximum(1.0, np.abs(ref)))))
        compared += 1
    return worst, compared


def test_random_composite_expressions_match_autograd() -> None:
    worst, compared = compare_random_expressions(Value, n_expressions=1000, seed=2024)
    assert compared >= 800, f"only {compared} of 1000 random expressions were usable"
    assert worst < 1e-8, f"max gradient error {worst:.2e} against autograd"


# --------------------------------------------------------------------------
# fan-out, worked examples, long chains
# --------------------------------------------------------------------------
def test_fan_out_accumulates() -> None:
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0

    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert (a.grad, b.grad) == (4.0, 2.0)

    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0

    a, z = Value(2.0), Value(1.0)
    ((a + z) * a).backward()            # a reaches the root directly and through a + z
    assert (a.grad, z.grad) == (5.0, 2.0)

    # diamond: a feeds two paths that meet again; d/da (a*2 + a.exp())(a*3) by the product rule
    a = Value(0.7)
    left, right = a * 2.0 + a.exp(), a * 3.0
    (left * right).backward()
    expected = (2.0 + math.exp(0.7)) * 2.1 + (1.4 + math.exp(0.7)) * 3.0
    assert rel_err(a.grad, expected) < 1e-14


def test_worked_example_f_xyz() -> None:
    """Concept 10: f(x, y, z) = (x + y) z at x=-2, y=5, z=-4."""
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    f = q * z
    f.backward()
    assert (f.data, q.grad, x.grad, y.grad, z.grad) == (-12.0, -4.0, -4.0, -4.0, 3.0)


def test_sigmoid_neuron_example() -> None:
    w0, x0, w1, x1, w2 = (Value(v) for v in (2.0, -1.0, -3.0, -2.0, -3.0))
    out = (w0 * x0 + w1 * x1 + w2).sigmoid()
    out.backward()
    s = 1 / (1 + math.exp(-1.0))
    ds = s * (1 - s)
    for node, expected in [(w0, -ds), (x0, 2 * ds), (w1, -2 * ds), (x1, -3 * ds), (w2, ds)]:
        assert rel_err(node.grad, expected) < 1e-14


def chain(n_nodes: int) -> tuple[Value, Value]:
    """A chain x -> tanh -> tanh -> ... of ``n_nodes`` nodes; returns (leaf, root)."""
    x = root = Value(0.5)
    for _ in range(n_nodes - 1):
        root = root.tanh()
    return x, root


def test_topological_order_is_iterative_on_a_10_000_node_chain() -> None:
    limit = sys.getrecursionlimit()
    x, root = chain(10_000)
    order = topological_order(root)
    assert len(order) == 10_000 and order[0] is x and order[-1] is root
    root.backward()
    # d/dx of tanh applied 9 999 times, by the chain rule along the chain
    expected, t = 1.0, 0.5
    for _ in range(9_999):
        t = math.tanh(t)
        expected *= 1.0 - t * t
    assert rel_err(x.grad, expected) < 1e-9
    assert sys.getrecursionlimit() == limit


def test_the_chain_test_rejects_a_recursive_sort() -> None:
    """micrograd's recursive build_topo cannot do what the test above asks."""
    def recursive_order(v: Value, seen: set, out: list) -> list:
        if v not in seen:
            seen.add(v)
            for p in v._prev:
                recursive_order(p, seen, out)
            out.append(v)
        return out

    _, root = chain(10_000)
    with pytest.raises(RecursionError):
        recursive_order(root, set(), [])


def test_100_000_node_chain() -> None:
    x, root = chain(100_000)
    root.backward()
    assert len(topological_order(root)) == 100_000
    assert 0.0 < x.grad < 1.0


def test_topological_order_properties() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert len(order) == len(set(order)) == 5
    position = {node: i for i, node in enumerate(order)}
    assert all(position[p] < position[node] for node in order for p in node._prev)
    assert order[-1] is e
    assert topological_order(a) == [a]
    with pytest.raises(TypeError, match="root: expected a Value, got float"):
        topological_order(1.0)


# --------------------------------------------------------------------------
# gate rules (Hypothesis), with a checker shown to reject buggy engines
# --------------------------------------------------------------------------
def gate_rule_violations(cls: type, a: float, b: float, g: float) -> list[str]:
    """Which of the four gate rules ``cls`` breaks at inputs a, b with upstream gradient g.

    The upstream gradient is made by multiplying the gate's output by a
    constant g, so the gate's output node receives exactly g.
    """
    violations = []

    def run(build: Callable) -> list[float]:
        leaves = [cls(a), cls(b)]
        (build(*leaves) * cls(g)).backward()
        return [leaf.grad for leaf in leaves]

    if run(lambda x, y: x + y) != [g, g]:
        violations.append("add gate must distribute: both parents get the upstream gradient")
    if run(lambda x, y: x * y) != [b * g, a * g]:
        violations.append("mul gate must swap: each parent gets upstream times the other's value")
    winner_first = a >= b                       # tie: self (the first argument) wins
    if run(lambda x, y: x.max(y)) != ([g, 0.0] if winner_first else [0.0, g]):
        violations.append("max gate must route: the larger input gets the upstream gradient, the other 0")
    if run(lambda x, y: x + x) != [g + g, 0.0] or run(lambda x, y: (x + y) + x) != [g + g, g]:
        violations.append("copy gate must add: a node used twice gets the sum of both gradients")
    return violations


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(a=finite, b=finite, g=finite)
def test_gate_rules_hold(a: float, b: float, g: float) -> None:
    assert gate_rule_violations(Value, a, b, g) == []


@given(a=finite, g=finite)
def test_max_tie_routes_to_self(a: float, g: float) -> None:
    assert gate_rule_violations(Value, a, a, g) == []
    x, y = Value(a), Value(a)
    (x.max(y) * g).backward()
    assert (x.grad, y.grad) == (g, 0.0)


class AssignInsteadOfAdd(Value):
    """Buggy: the add gate assigns (=) into parent grads, so fan-out loses a path."""

    def __add__(self, other):
        out = Value(self.data + other.data, _prev=(self, other), _op="+")

        def _backward():
            self.grad = out.grad
            other.grad = out.grad
        out._backward = _backward
        return out


class MulNotSwapped(Value):
    """Buggy: each parent of a mul gate gets upstream times its OWN value."""

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, _prev=(self, other), _op="*")

        def _backward():
            self.grad += self.data * out.grad
            other.grad += other.data * out.grad
        out._backward = _backward
        return out


class MaxSplitsEvenly(Value):
    """Buggy: the max gate shares the gradient instead of routing it."""

    def max(self, other):
        out = Value(max(self.data, other.data), _prev=(self, other), _op="max")

        def _backward():
            self.grad += 0.5 * out.grad
            other.grad += 0.5 * out.grad
        out._backward = _backward
        return out


@pytest.mark.parametrize(("buggy", "rule"), [
    (AssignInsteadOfAdd, "copy gate"),
    (MulNotSwapped, "mul gate"),
    (MaxSplitsEvenly, "max gate"),
])
def test_gate_checker_rejects_buggy_engines(buggy: type, rule: str) -> None:
    violations = gate_rule_violations(buggy, 2.0, -3.0, 1.5)
    assert any(v.startswith(rule) for v in violations), violations
    assert gate_rule_violations(Value, 2.0, -3.0, 1.5) == []


@pytest.mark.parametrize("buggy", [AssignInsteadOfAdd, MulNotSwapped])
def test_autograd_comparison_rejects_buggy_engines(buggy: type) -> None:
    worst, compared = compare_random_expressions(buggy, n_expressions=60, seed=7)
    assert compared >= 40
    assert worst > 1e-3


def test_finite_difference_check_rejects_a_buggy_engine() -> None:
    fn = lambda a, b: a * b  # noqa: E731
    xs = (2.0, -3.0)
    leaves = [MulNotSwapped(x) for x in xs]
    fn(*leaves).backward()
    assert abs(leaves[0].grad - central_difference(fn, xs, 0)) > 1.0


# --------------------------------------------------------------------------
# documented semantics: backward twice, zero_grad, relu at 0
# --------------------------------------------------------------------------
def test_backward_twice_accumulates_exactly() -> None:
    x, y = Value(0.3), Value(-1.2)
    q = x * y + x.tanh()
    f = q * q
    f.backward()
    first = [x.grad, y.grad, q.grad, f.grad]
    f.backward()
    assert [x.grad, y.grad, q.grad, f.grad] == [2 * g for g in first]


def test_backward_on_two_roots_sums_their_gradients() -> None:
    w = Value(1.5)
    loss_1, loss_2 = (w * 2.0) ** 2, (w - 1.0) ** 2
    loss_1.backward()
    loss_2.backward()
    assert rel_err(w.grad, 8 * 1.5 + 2 * 0.5) < 1e-15


def test_zero_grad_resets_every_reachable_node() -> None:
    x, y = Value(0.3), Value(-1.2)
    q = x * y
    f = q.exp() + x
    f.backward()
    first = x.grad
    unrelated = Value(5.0)
    unrelated.grad = 7.0
    f.zero_grad()
    assert [x.grad, y.grad, q.grad, f.grad] == [0.0] * 4
    assert unrelated.grad == 7.0
    f.backward()
    assert x.grad == first


def test_relu_at_zero_has_derivative_zero() -> None:
    for z in (0.0, -0.0):
        x = Value(z)
        out = x.relu()
        out.backward()
        assert (out.data, x.grad) == (0.0, 0.0)
    x = Value(1e-300)
    x.relu().backward()
    assert x.grad == 1.0


# --------------------------------------------------------------------------
# operands, errors, repr
# --------------------------------------------------------------------------
@pytest.mark.parametrize("number", [2, 2.0, np.float64(2.0), np.float32(2.0), np.int64(2)])
def test_accepts_ints_floats_and_numpy_scalars(number) -> None:
    x = Value(3.0)
    results = [x + number, number + x, x * number, number * x, x - number, number - x,
               x / number, number / x, x.max(number), Value(number)]
    assert [r.data for r in results] == [5.0, 5.0, 6.0, 6.0, 1.0, -1.0, 1.5, 2 / 3, 3.0, 2.0]
    assert all(type(r) is Value and type(r.data) is float for r in results)


@pytest.mark.parametrize(("bad", "error", "shown"), [
    ("2", TypeError, "str '2'"),
    (None, TypeError, "NoneType None"),
    (np.array([1.0, 2.0]), TypeError, "ndarray"),
    (np.array(1.0), TypeError, "ndarray"),
    ([1.0], TypeError, "list"),
    (True, TypeError, "bool True"),
    (1 + 2j, TypeError, "complex"),
    (float("nan"), ValueError, "nan"),
    (float("inf"), ValueError, "inf"),
])
def test_rejects_bad_operands_naming_them(bad, error: type, shown: str) -> None:
    x = Value(1.0)
    attempts = [lambda: x + bad, lambda: bad + x, lambda: x * bad, lambda: bad * x,
                lambda: x - bad, lambda: bad - x, lambda: x / bad, lambda: bad / x,
                lambda: x.max(bad)]
    for attempt in attempts:
        with pytest.raises(error, match="operand of") as info:
            attempt()
        assert shown in str(info.value)
    with pytest.raises(error, match="data: expected") as info:
        Value(bad)
    assert shown in str(info.value)


def test_pow_and_log_domain_errors() -> None:
    with pytest.raises(TypeError, match="Value exponent is not supported"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(TypeError, match="exponent: expected an int or float, got str"):
        Value(2.0) ** "3"
    with pytest.raises(ValueError, match="negative base needs an integer exponent"):
        Value(-8.0) ** (1 / 3)
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Value(0.0) ** -1
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Value(1.0) / 0
    for x in (0.0, -1.0):
        with pytest.raises(ValueError, match=f"log: expected x > 0, got x={x}"):
            Value(x).log()
    with pytest.raises(TypeError, match="label: expected a str, got int"):
        Value(1.0, 3)
    assert (Value(-2.0) ** 3).data == -8.0
    assert (Value(-2.0) ** 2.0).data == 4.0


def test_repr() -> None:
    x = Value(-2.0, "x")
    (x * 3).backward()
    assert repr(x) == "Value(data=-2.0, grad=3.0, label='x')"
    assert repr(Value(1 / 3)) == "Value(data=0.333333, grad=0.0)"


# ---- overflow is an error naming the operation and its operands (issue 8) ----

@pytest.mark.parametrize("make, op, operand", [
    (lambda: Value(1e200) * 1e200, "'*'", "1e+200"),
    (lambda: Value(1000.0).exp(), "'exp'", "1000.0"),
    (lambda: Value(1e200) ** 2, "'**2'", "1e+200"),
    (lambda: Value(1e308) + Value(1e308), "'+'", "1e+308"),
])
def test_overflow_raises_naming_the_operation_and_operand(make, op, operand):
    with pytest.raises(OverflowError) as info:
        make()
    message = str(info.value)
    assert op in message and operand in message and "math range error" not in message


def test_an_overflowing_gradient_raises_naming_the_operation():
    y = Value(1e-300)
    w = (y * 1e300) * 1e300  # forward values 1.0 and 1e300 are finite; dw/dy = 1e600 is not
    with pytest.raises(OverflowError, match=r"gradient of '\*'"):
        w.backward()
