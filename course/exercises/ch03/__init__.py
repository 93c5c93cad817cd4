"""Chapter 3, backprop on computational graphs: the exercise specs, in the notebook's order.

- :mod:`.hand`: the worked example, a graph with fan-out and the 2-2-1 network, by hand;
- :mod:`.gates`: the add, mul, max and copy gates and the sigmoid gate two ways;
- :mod:`.engine`: the learner's scalar engine (primitives, sort, backward, zero_grad), applied
  through :mod:`.harness` to programs of :mod:`.programs`; its model answer, named mistakes and
  other honest styles are in :mod:`.model_engine`, the forbidden routes in :mod:`.shortcuts`.
"""
from __future__ import annotations

from course.exercises.ch03.engine import BACKWARD, TOPOLOGICAL_ORDER, VALUE_OPS, ZERO_GRAD
from course.exercises.ch03.gates import ADD_GATE, COPY_GATE, MAX_GATE, MUL_GATE, SIGMOID_GATE
from course.exercises.ch03.hand import FANOUT_GRAPH, NETWORK_221, WORKED_EXAMPLE
from course.exercises.spec import Spec

__all__ = ["SPECS"]

SPECS: tuple[Spec, ...] = (
    WORKED_EXAMPLE,
    SIGMOID_GATE,
    ADD_GATE,
    MUL_GATE,
    MAX_GATE,
    COPY_GATE,
    FANOUT_GRAPH,
    NETWORK_221,
    VALUE_OPS,
    TOPOLOGICAL_ORDER,
    BACKWARD,
    ZERO_GRAD,
)
