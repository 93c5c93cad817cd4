"""Chapter 1, the chain rule: the exercise specs, in the notebook's order.

Six exercises: the central difference; the chain rule for ``f(g(x))``; the slopes of σ and
tanh from their stored outputs; the two-path function ``y = u(x) · v(x)``; and the three-link
chain ``y = σ(w · tanh(x))``. Every input is elementwise (floats or arrays of any shape).

The specs live in one module per concept; this chapter module only puts them in order:

- :mod:`course.exercises.ch01.differences`: the central difference (a measurement, not analytic);
- :mod:`course.exercises.ch01.slopes`: σ' and tanh' from ``s`` and ``t`` (analytic);
- :mod:`course.exercises.ch01.chains`: the chain rule, two paths, three links (analytic);
- :mod:`course.exercises.ch01.inputs`: the functions they are tried on, and the slope checks.
"""
from __future__ import annotations

from course.exercises.ch01.chains import CHAIN_RULE, THREE_LINKS, TWO_PATHS
from course.exercises.ch01.differences import CENTRAL_DIFFERENCE
from course.exercises.ch01.inputs import cubic, cubic_prime, square, square_prime
from course.exercises.ch01.slopes import SIGMOID_SLOPE, TANH_SLOPE
from course.exercises.spec import Spec

__all__ = ["SPECS", "cubic", "cubic_prime", "square", "square_prime"]

SPECS: tuple[Spec, ...] = (CENTRAL_DIFFERENCE, CHAIN_RULE, SIGMOID_SLOPE, TANH_SLOPE, TWO_PATHS, THREE_LINKS)
