"""Chapter 3: expressions as plain data, so cases can be copied, pickled and labelled.

A *program* is ``(leaves, ops)``: ``leaves`` is a tuple of floats, the graph's inputs, and each
op ``(name, i, j, c)`` makes a new node from earlier nodes ``i`` and ``j`` (``j = -1`` for a unary
op) and a constant ``c`` (0.0 when unused). Node ``k`` is leaf ``k`` for ``k < len(leaves)``, else
op ``k - len(leaves)``; the last node is the root.

=======  ==================  ===========================================
name     node                methods of the engine it uses
=======  ==================  ===========================================
``+``    ``n[i] + n[j]``     ``__add__``
``*``    ``n[i] * n[j]``     ``__mul__``
``max``  ``n[i].max(n[j])``  ``max``
``-``    ``n[i] - n[j]``     ``__sub__`` (a composition: ``+`` and ``*``)
``+c``   ``n[i] + c``        ``__add__`` with a plain number
``c*``   ``c * n[i]``        ``__rmul__`` (a composition: ``*``)
``**``   ``n[i] ** c``       ``__pow__`` with a constant exponent
``exp``  ``n[i].exp()``      ``exp``
``tanh`` ``n[i].tanh()``     ``tanh``
=======  ==================  ===========================================

:func:`build` makes the graph with any engine class (the learner's ``Value`` or the course's);
:func:`walk_order` is the checker's own topological order of a built graph (it never calls an
engine's sort). Not a chapter module: the registry only reads ``chNN`` modules.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["Op", "Program", "build", "walk_order", "evaluate", "random_program", "random_dag",
           "chain", "describe", "PRIMITIVES"]

Op = tuple[str, int, int, float]
Program = tuple[tuple[float, ...], tuple[Op, ...]]

PRIMITIVES = ("+", "*", "**", "exp", "tanh", "max")    # the ops that hold derivative code
_BINARY = {"+", "*", "max", "-"}
_LIMIT = 30.0                                            # no node value beyond this


def _apply(name: str, a: Any, b: Any, c: float) -> Any:
    if name == "+":
        return a + b
    if name == "*":
        return a * b
    if name == "max":
        return a.max(b)
    if name == "-":
        return a - b
    if name == "+c":
        return a + c
    if name == "c*":
        return c * a
    if name == "**":
        return a ** c
    if name == "exp":
        return a.exp()
    if name == "tanh":
        return a.tanh()
    raise ValueError(f"op: expected one of + * max - +c c* ** exp tanh, got {name!r}")


def build(engine: Any, program: Program) -> list[Any]:
    """The nodes of ``program`` made with ``engine`` (a class such as ``Value``), in order."""
    leaves, ops = program
    nodes = [engine(float(v)) for v in leaves]
    for name, i, j, c in ops:
        nodes.append(_apply(name, nodes[i], nodes[j] if j >= 0 else None, c))
    return nodes


class _Float:
    """A plain float with the engine's method names, so :func:`evaluate` can reuse ``_apply``."""

    __slots__ = ("v",)

    def __init__(self, v: float) -> None:
        self.v = float(v)

    def __add__(self, o: Any) -> "_Float":
        return _Float(self.v + (o.v if isinstance(o, _Float) else o))

    def __mul__(self, o: Any) -> "_Float":
        return _Float(self.v * (o.v if isinstance(o, _Float) else o))

    __rmul__ = __mul__

    def __sub__(self, o: "_Float") -> "_Float":
        return _Float(self.v - o.v)

    def __pow__(self, c: float) -> "_Float":
        return _Float(self.v ** c)

    def exp(self) -> "_Float":
        return _Float(math.exp(self.v))

    def tanh(self) -> "_Float":
        return _Float(math.tanh(self.v))

    def max(self, o: "_Float") -> "_Float":
        return _Float(max(self.v, o.v))


def evaluate(program: Program) -> list[float]:
    """The forward value of every node of ``program``, with plain floats."""
    return [n.v for n in build(_Float, program)]


def walk_order(root: Any) -> list[Any]:
    """Every node ``root`` depends on (through ``_prev``), each once, inputs before their uses.

    The checker's own order (Kahn's algorithm on the reversed graph), used to run the local
    backward rules of a graph when the engine's own sort is not what is being checked.
    """
    seen = {id(root): root}
    stack, uses = [root], {id(root): 0}
    while stack:
        node = stack.pop()
        for parent in getattr(node, "_prev", ()):
            uses[id(parent)] = uses.get(id(parent), 0) + 1
            if id(parent) not in seen:
                seen[id(parent)] = parent
                stack.append(parent)
    ready, order = [root], []
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in getattr(node, "_prev", ()):
            uses[id(parent)] -= 1
            if uses[id(parent)] == 0:
                ready.append(parent)
    return order[::-1]


# ----------------------------------------------------------------------------
# random programs
# ----------------------------------------------------------------------------


def _pick_op(rng: np.random.Generator, values: list[float], name: str) -> Op | None:
    """An op ``name`` on random earlier nodes whose result stays finite and moderate, or None."""
    n = len(values)
    for _ in range(20):
        i, j = (int(k) for k in rng.integers(n, size=2))
        if name in _BINARY and i == j and rng.random() < 0.7:
            j = int(rng.integers(n))
        c = 0.0
        if name == "**":
            c = float(rng.choice([2.0, 3.0, -1.0]))
            if c == -1.0 and abs(values[i]) < 0.5:
                continue
        elif name in ("+c", "c*"):
            c = float(np.round(rng.uniform(-2.0, 2.0), 1)) or 1.5   # 0.1 apart: never a "small step"
        elif name == "exp" and abs(values[i]) > 2.5:
            continue
        op = (name, i, j if name in _BINARY else -1, c)
        value = _value_of(values, op)
        if math.isfinite(value) and abs(value) < _LIMIT and (name != "max" or values[i] != values[j] or i == j):
            return op
    return None


def _value_of(values: list[float], op: Op) -> float:
    name, i, j, c = op
    a = _Float(values[i])
    b = _Float(values[j]) if j >= 0 else None
    try:
        return _apply(name, a, b, c).v
    except (OverflowError, ZeroDivisionError, ValueError):
        return math.nan


def random_program(rng: np.random.Generator, n_ops: int | None = None) -> Program:
    """A random expression that uses every primitive at least once, with fan-out.

    3-4 leaves in [-2, 2]; every op result stays below 30 in size; the root is the sum of the
    last few nodes, so that most nodes matter.
    """
    n_leaves = int(rng.integers(3, 5))
    leaves = tuple(float(v) for v in rng.uniform(-2.0, 2.0, size=n_leaves))   # unrounded: no two nodes a "round step" apart
    names = list(PRIMITIVES) + list(rng.choice(["+", "*", "max", "-", "+c", "c*", "tanh", "**"],
                                               size=int(n_ops or rng.integers(3, 7))))
    rng.shuffle(names)
    values, ops = list(leaves), []
    for name in names:
        op = _pick_op(rng, values, str(name))
        if op is not None:
            ops.append(op)
            values.append(_value_of(values, op))
    # join the dangling nodes into the root so their gradients are not all zero
    used = {k for _, i, j, _ in ops for k in (i, j) if k >= 0}
    dangling = [k for k in range(len(values)) if k not in used]
    root = dangling[0]
    for k in dangling[1:]:
        ops.append(("+", root, k, 0.0))
        values.append(values[root] + values[k])
        root = len(values) - 1
    return leaves, tuple(ops)


def random_dag(rng: np.random.Generator, n_nodes: int) -> Program:
    """A random graph of ``+`` and ``tanh`` nodes with fan-out and diamonds (no constants)."""
    n_leaves = int(rng.integers(2, 5))
    leaves = tuple(float(v) for v in rng.uniform(-1.0, 1.0, size=n_leaves))
    ops: list[Op] = []
    for k in range(n_leaves, n_nodes):
        i = int(rng.integers(max(0, k - 6), k))           # mostly recent nodes: deep graphs
        if rng.random() < 0.3:
            ops.append(("tanh", i, -1, 0.0))
        else:
            ops.append(("+", i, int(rng.integers(k)), 0.0))
    values = evaluate((leaves, tuple(ops)))
    used = {k for _, i, j, _ in ops for k in (i, j) if k >= 0}
    root = len(values) - 1
    for k in range(len(values) - 1):
        if k not in used:
            ops.append(("+", root, k, 0.0))
            root = n_leaves + len(ops) - 1
    return leaves, tuple(ops)


def chain(length: int, x: float = 2.0) -> Program:
    """``tanh(tanh(... tanh(x)))``, ``length`` tanh nodes long (a graph a recursive sort fails)."""
    return (x,), tuple(("tanh", k, -1, 0.0) for k in range(length))


def describe(program: Program) -> str:
    """A short label: ``"4 inputs, 11 ops (+, *, exp, ...)"``."""
    leaves, ops = program
    names = sorted({name for name, *_ in ops})
    shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
    return f"{len(leaves)} input{'s' if len(leaves) != 1 else ''}, {len(ops)} ops ({shown})"
