"""Chapter 1, exercise 1: the central difference ``central_difference(f, x, h)``.

Not an analytic exercise: measuring a slope is the skill here. Hidden cases vary the function,
the points (any shape) and the step ``h``, so an answer that ignores ``h`` loses them.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from course.gradcheck import numeric
from course.reference import chain_rule
from course.exercises.answer_free import agrees_with
from course.exercises.ch01.inputs import SMOOTH, cubic, grid, points, within
from course.exercises.spec import Bug, Case, Spec

__all__ = ["CENTRAL_DIFFERENCE"]


def _central_case(rng: np.random.Generator) -> Case:
    name, f, _ = SMOOTH[int(rng.integers(len(SMOOTH)))]
    x = points(rng)
    h = float(10 ** rng.uniform(-3.0, -1.5))
    return Case((f, x, h), f"f = {name} at {x.size} points, h = {h:.1e}")


def _second_order(fn: Callable[..., Any]) -> str | None:
    """Its error shrinks about 4x when h is halved (a second-order method)."""
    x, exact = 0.5, np.exp(0.5)
    errors = [abs(float(np.asarray(fn(np.exp, x, h))) - exact) for h in (0.02, 0.01)]
    ratio = errors[0] / errors[1] if errors[1] > 0 else float("inf")
    if 3.5 <= ratio <= 4.5:
        return None
    return (f"for exp at x = 0.5 the error went from {errors[0]:.2g} (h = 0.02) to {errors[1]:.2g} "
            f"(h = 0.01), {ratio:.2g}x smaller; a central difference's error shrinks about 4x "
            f"(it is ~h²), a one-sided difference's only 2x (~h)")


def _cd_fixed_step(f, x, h):
    """Ignores the given step."""
    return (f(x + 1e-3) - f(x - 1e-3)) / 2e-3


def _cd_loop(f, x, h):
    """Honest, entry by entry."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    for i in np.ndindex(x.shape):
        xi = x[i]
        out[i] = (f(xi + h) - f(xi - h)) / (2 * h)
    return out


def _cd_inplace(f, x, h):
    """Honest, one buffer moved in place."""
    x = np.array(x, dtype=np.float64)
    x += h
    ahead = np.asarray(f(x), dtype=np.float64)
    x -= 2 * h
    ahead -= f(x)
    ahead /= 2 * h
    return ahead


CENTRAL_DIFFERENCE = Spec(
    name="ch01.central_difference",
    title="the central difference, for x of any shape",
    reference=chain_rule.central_difference,
    make_case=_central_case,
    points=2.0,
    fixed_cases=(Case((np.sin, 1.0, 1e-3), "f = sin at x = 1.0, h = 1e-3"),
                 Case((cubic, np.array([-1.0, 0.0, 2.0]), 1e-2), "f = x³ - 2x at x = [-1, 0, 2], h = 1e-2")),
    bugs=(
        Bug("forward difference", "That is the one-sided slope. Step to both sides of x, to x + h and "
            "to x − h.", chain_rule.forward_difference),
        Bug("divided by h instead of 2h", "The two points x − h and x + h are 2h apart: divide the "
            "rise by the whole run.", lambda f, x, h: (f(x + h) - f(x - h)) / h),
        Bug("/ 2 * h", "Python reads a / 2 * h as (a / 2) * h: put 2 * h in parentheses.",
            lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h),
        Bug("sign flipped", "Rise over run: the later point minus the earlier one.",
            lambda f, x, h: (f(x - h) - f(x + h)) / (2 * h)),
        Bug("ignored h", "The step is an argument: the checks try several, and the answer depends on it.",
            _cd_fixed_step),
    ),
    forbidden=(chain_rule.central_difference, numeric.numerical_derivative,
               numeric.numerical_gradient, numeric.numerical_jacobian),
    answer_free=(agrees_with("Agrees with the exact slope of sin (h = 1e-3).",
                             "central_difference(np.sin, x, 1e-3) vs the exact slope of sin",
                             inputs=lambda: (np.sin, grid(), 1e-3), expected=lambda: np.cos(grid()),
                             compare=within(1e-6)),
                 _second_order),
    variants=(_cd_loop, _cd_inplace),
)
