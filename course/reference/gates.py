"""Backward rules of the gates of a scalar computational graph (chapter 3).

A gate receives the *upstream* gradient ``dL/d(out)`` of its output and hands each input its
*downstream* gradient, the upstream gradient times the gate's *local* gradient::

    dL/d(input) = d(out)/d(input) * dL/d(out)          (downstream = local x upstream)

The four patterns of backward flow (the notes' names in brackets):

* add gate ``out = x + y`` distributes (gradient distributor): both inputs get the upstream;
* mul gate ``out = x * y`` swaps (gradient switcher): each input gets the upstream times the
  *other* input's value;
* max gate ``out = max(x, y)`` routes (gradient router): the larger input gets all of the
  upstream, the other 0. On a tie ``x == y`` the first input ``x`` counts as the larger (the rule
  of :meth:`course.autodiff.Value.max`);
* copy gate (a value used by several gates) adds (gradient adder): the gradients of the copies sum.

The sigmoid gate ``s = 1 / (1 + e^-z)`` is backpropagated both through its elementary steps
(``a = -z``, ``b = e^a``, ``c = 1 + b``, ``s = 1 / c``) and as one gate with the local gradient
``s (1 - s)``; the two agree to rounding.

All inputs are Python floats (or numpy scalars); the results are floats. These are the reference
answers of the chapter's gate exercises, so they are not exported from :mod:`course`.
"""
from __future__ import annotations

import math
from typing import Sequence

__all__ = ["add_gate_backward", "mul_gate_backward", "max_gate_backward", "copy_gate_backward",
           "sigmoid_gate_backward"]


def add_gate_backward(x: float, y: float, upstream: float) -> tuple[float, float]:
    """``(dL/dx, dL/dy)`` for ``out = x + y``: both local gradients are 1."""
    return float(upstream), float(upstream)


def mul_gate_backward(x: float, y: float, upstream: float) -> tuple[float, float]:
    """``(dL/dx, dL/dy)`` for ``out = x * y``: d(out)/dx = y, d(out)/dy = x."""
    return float(y * upstream), float(x * upstream)


def max_gate_backward(x: float, y: float, upstream: float) -> tuple[float, float]:
    """``(dL/dx, dL/dy)`` for ``out = max(x, y)``; a tie routes to ``x``."""
    if x >= y:
        return float(upstream), 0.0
    return 0.0, float(upstream)


def copy_gate_backward(upstreams: Sequence[float]) -> float:
    """``dL/dx`` for a value ``x`` copied to several gates whose gradients are ``upstreams``.

    Parameters
    ----------
    upstreams : sequence of float
        ``dL/d(copy k)`` for every copy k (one entry per use of ``x``).
    """
    return float(math.fsum(float(g) for g in upstreams))


def sigmoid_gate_backward(z: float, upstream: float) -> dict[str, float]:
    """The sigmoid gate backpropagated two ways.

    Forward, step by step: ``a = -z``, ``b = e^a``, ``c = 1 + b``, ``s = 1 / c``.

    Returns
    -------
    dict
        ``"dc"``, ``"db"``, ``"da"``: dL/dc, dL/db, dL/da, step by step from ``dL/ds = upstream``;
        ``"dz_steps"``: dL/dz at the end of the steps; ``"dz_whole"``: dL/dz from the whole
        gate's local gradient ``s (1 - s)``.
    """
    a = -z
    b = math.exp(a)
    c = 1.0 + b
    s = 1.0 / c
    dc = -1.0 / c**2 * upstream      # d(1/c)/dc = -1/c^2
    db = 1.0 * dc                    # d(1 + b)/db = 1
    da = b * db                      # d(e^a)/da = e^a = b
    dz = -1.0 * da                   # d(-z)/dz = -1
    return {"dc": float(dc), "db": float(db), "da": float(da), "dz_steps": float(dz),
            "dz_whole": float(s * (1.0 - s) * upstream)}
