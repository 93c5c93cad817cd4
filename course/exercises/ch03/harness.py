"""Chapter 3: how the engine exercises apply a case to the learner's object (``Spec.call``).

Each harness builds a graph from a plain-data program (:mod:`.programs`), hands it to the
learner's class or function, and returns plain data (floats and arrays) for the trusted process
to compare with the reference's. A harness never computes gradients itself:

* :func:`run_ops` builds the graph with the learner's ``Value`` class and runs the learner's
  *local* rules (``_backward``) in the checker's own order, so the primitives are graded apart
  from the learner's sort;
* :func:`run_topological_order`, :func:`run_backward`, :func:`run_zero_grad` build the graph
  with the course's ``Value`` and call the learner's function on its root.

While the learner's code runs, :class:`Watch` looks for numeric differentiation: a backward
pass that makes new nodes (re-running the forward pass at nudged inputs), writes a node's
``data``, or evaluates ``exp``/``tanh`` at a point a hair away from a node's value. Any of
these raises :class:`NumericShortcut`, and the case scores 0 with that message.
Not a chapter module: the registry only reads ``chNN`` modules.
"""
from __future__ import annotations

import bisect
import math
from typing import Any, Callable

import numpy as np

from course.checking.shortcuts import checker_code, unwatched
from course.exercises.ch03.programs import Program, build, walk_order
from course.reference.autodiff import Value

__all__ = ["NumericShortcut", "Watch", "run_ops", "run_topological_order", "run_backward",
           "run_zero_grad", "FINISHED", "PROBE"]

FINISHED = "finished (no RecursionError)"
_NUDGE = 1e-3          # |arg - value| below this (relative) but not 0: a nudged evaluation


class NumericShortcut(Exception):
    """The learner's backward pass differentiated numerically instead of by local rules."""


class Watch:
    """Watches ``engine`` (a class) and ``exp``/``tanh`` while a backward pass runs.

    Use as ``with Watch(engine, nodes) as w: ...``; afterwards :meth:`verdict` raises
    :class:`NumericShortcut` if the pass made nodes, wrote ``data`` or evaluated exp/tanh at a
    nudged point.
    """

    _FUNCS = ((math, "exp"), (math, "tanh"), (np, "exp"), (np, "tanh"))

    def __init__(self, engine: type, nodes: list[Any]) -> None:
        self.engine = engine
        self.values = sorted({float(n.data) for n in nodes})
        self.created = 0
        self.data_writes = 0
        self.nudged: list[str] = []
        self._saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> "Watch":
        watch = self
        init, setattr_ = self.engine.__init__, self.engine.__setattr__

        @checker_code
        def counting_init(node: Any, *args: Any, **kwargs: Any) -> None:
            watch.created += 1
            init(node, *args, **kwargs)

        @checker_code
        def recording_setattr(node: Any, name: str, value: Any) -> None:
            if name == "data":
                watch.data_writes += 1
            setattr_(node, name, value)

        self._patch(self.engine, "__init__", counting_init)
        self._patch(self.engine, "__setattr__", recording_setattr)
        for module, name in self._FUNCS:
            self._patch(module, name, self._recording(getattr(module, name), name))
        return self

    def __exit__(self, *exc: Any) -> None:
        for owner, name, old in reversed(self._saved):
            if isinstance(old, _Deleter):
                delattr(owner, name)
            else:
                setattr(owner, name, old)
        self._saved.clear()

    def _patch(self, owner: Any, name: str, new: Any) -> None:
        try:
            old = owner.__dict__[name] if name in vars(owner) else None
            setattr(owner, name, new)
        except (AttributeError, TypeError):
            return
        if old is None:                     # inherited: remove ours again afterwards
            self._saved.append((owner, name, _Deleter(owner, name)))
        else:
            self._saved.append((owner, name, old))

    def _recording(self, fn: Callable[..., Any], name: str) -> Callable[..., Any]:
        watch = self

        @checker_code
        def recording(x: Any, *args: Any, **kwargs: Any) -> Any:
            if np.ndim(x) == 0 and len(watch.nudged) < 3:
                v = float(np.real(x))
                k = bisect.bisect_left(watch.values, v)
                exact = k < len(watch.values) and watch.values[k] == v    # at a node: honest
                near = [] if exact else [u for u in watch.values[max(0, k - 1):k + 1]
                                         if abs(u - v) <= _NUDGE * max(1.0, abs(u))]
                if near:
                    watch.nudged.append(f"{name}({v!r}) next to a node's value {near[0]!r}")
            return fn(x, *args, **kwargs)
        return recording

    def verdict(self) -> None:
        why = None
        if self.created:
            why = (f"the backward pass made {self.created} new node(s): it re-runs the forward pass "
                   "(at nudged inputs?)")
        elif self.data_writes:
            why = "the backward pass changed a node's data (nudging the inputs?)"
        elif self.nudged:
            why = f"the backward pass evaluated {self.nudged[0]}"
        if why:
            raise NumericShortcut(
                f"{why}. That is numeric differentiation, which scores 0 here: gradients must come "
                "from the local gradient rules (each node's _backward), with the values the "
                "forward pass already computed")


class _Deleter:
    """Restores an inherited attribute by deleting the override (``setattr`` sees this object)."""

    def __init__(self, owner: Any, name: str) -> None:
        self.owner, self.name = owner, name


def _number(x: Any, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what} is a {type(x).__name__}, expected a plain number (a float)")
    return float(x)


# Every primitive once, run before each case: a primitive whose backward rule is numeric is
# caught on every case, not only on the cases that happen to use it.
# Its inputs are not round numbers: no value of the probe lies a "round step" (1e-3, 2^-8, ...)
# from a case's value, which the numeric-shortcut detector would read as a finite difference.
PROBE: Program = ((0.8137209, -1.2948631, 0.4362877), (("*", 0, 1, 0.0), ("+", 3, 2, 0.0), ("tanh", 4, -1, 0.0),
                                     ("exp", 2, -1, 0.0), ("max", 5, 6, 0.0), ("**", 7, -1, 3.0)))


def _run_rules(engine: type, program: Program) -> list[Any]:
    """Build ``program`` with ``engine``, seed the root and run the local rules, watched."""
    nodes = build(engine, program)
    root = nodes[-1]
    order = walk_order(root)
    with Watch(engine, order) as watch:
        root.grad = 1.0
        for node in reversed(order):
            node._backward()
    watch.verdict()
    return nodes


def run_ops(engine: type, leaves: tuple, ops: tuple) -> dict[str, Any]:
    """Build the program ``(leaves, ops)`` with ``engine`` and run its local rules from the root (grad 1).

    Before the case, every primitive's rule runs once on :data:`PROBE`, watched for numeric
    differentiation.

    Returns
    -------
    dict
        ``"data"``: every node's value; ``"grad of the inputs"`` and ``"grad of the inner
        nodes"``: their gradients (arrays in program order).
    """
    program = (leaves, ops)
    _run_rules(engine, PROBE)
    nodes = _run_rules(engine, program)
    n_leaves = len(program[0])
    data = np.array([_number(n.data, f"node {k}'s data") for k, n in enumerate(nodes)])
    grads = np.array([_number(n.grad, f"node {k}'s grad") for k, n in enumerate(nodes)])
    return {"data": data, "grad of the inputs": grads[:n_leaves], "grad of the inner nodes": grads[n_leaves:]}


def _course_graph(leaves: tuple, ops: tuple) -> list[Any]:
    """The program's nodes, built with the course's ``Value`` out of the shortcut detector's sight
    (the checker's forward pass may evaluate exp at nodes a small step apart by chance)."""
    with unwatched():
        return build(Value, (leaves, ops))


def _failed_order(keys: tuple[str, ...]) -> dict[str, float]:
    return {k: 0.0 for k in keys}


_ORDER_KEYS = (FINISHED, "every node exactly once", "inputs before their uses", "root last")


def run_topological_order(fn: Callable[[Any], Any], leaves: tuple, ops: tuple) -> dict[str, float]:
    """Call ``fn(root)`` on the course-engine graph of the program ``(leaves, ops)`` and judge the order it returns.

    An order is judged by validity, not against one fixed order: 1.0 or 0.0 for each of
    ``"every node exactly once"`` (each node the root depends on, nothing else, no repeats),
    ``"inputs before their uses"`` and ``"root last"``; and ``FINISHED`` (0 for all on a
    RecursionError).
    """
    root = _course_graph(leaves, ops)[-1]
    try:
        order = list(fn(root))
    except RecursionError:
        return _failed_order(_ORDER_KEYS)
    expected = {id(n) for n in walk_order(root)}
    ids = [id(n) for n in order]
    once = float(len(ids) == len(set(ids)) and set(ids) == expected)
    position: dict[int, int] = {}
    for k, node in enumerate(order):
        position.setdefault(id(node), k)
    inputs_first = float(all(id(p) in position and position[id(p)] < position[id(n)]
                             for n in order for p in getattr(n, "_prev", ())))
    root_last = float(bool(order) and order[-1] is root)
    return {FINISHED: 1.0, "every node exactly once": once, "inputs before their uses": inputs_first,
            "root last": root_last}


def _grads(nodes: list[Any]) -> np.ndarray:
    return np.array([_number(n.grad, f"node {k}'s grad") for k, n in enumerate(nodes)])


def run_backward(fn: Callable[[Any], Any], leaves: tuple, ops: tuple, calls: int) -> dict[str, Any]:
    """Call ``fn(root)`` ``calls`` times (1 or 2) on the course-engine graph of ``(leaves, ops)``.

    Returns
    -------
    dict
        ``"after call 1"`` (and ``"after call 2"``): every node's gradient, in program order;
        ``FINISHED``: 1.0 (0.0 and NaN gradients on a RecursionError).
    """
    nodes = _course_graph(leaves, ops)
    keys = [f"after call {k + 1}" for k in range(calls)]
    out: dict[str, Any] = {FINISHED: 1.0}
    with Watch(Value, walk_order(nodes[-1])) as watch:
        try:
            for key in keys:
                fn(nodes[-1])
                out[key] = _grads(nodes)
        except RecursionError:
            return {FINISHED: 0.0, **{k: np.full(len(nodes), np.nan) for k in keys}}
    watch.verdict()
    return out


def run_zero_grad(fn: Callable[[Any], Any], leaves: tuple, ops: tuple, seed: int) -> dict[str, Any]:
    """Give every node of the course-engine graph of ``(leaves, ops)`` a non-zero gradient, then call ``fn(root)``.

    Returns
    -------
    dict
        ``"inputs"``, ``"inner nodes"``: the gradients afterwards (arrays in program order);
        ``FINISHED``: 1.0 (0.0 and NaN gradients on a RecursionError).
    """
    nodes = _course_graph(leaves, ops)
    rng = np.random.default_rng(seed)
    for node in walk_order(nodes[-1]):
        node.grad = float(rng.uniform(0.5, 2.0))
    n = len(leaves)
    try:
        fn(nodes[-1])
    except RecursionError:
        return {FINISHED: 0.0, "inputs": np.full(n, np.nan), "inner nodes": np.full(len(nodes) - n, np.nan)}
    grads = _grads(nodes)
    return {FINISHED: 1.0, "inputs": grads[:n], "inner nodes": grads[n:]}
