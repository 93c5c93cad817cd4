"""Chapter 1, the chain rule: the exercise specs.

Five exercises: the central difference, sigma' and tanh' through their own values, the chain
rule for ``f(g(x))``, and the two-path function ``y = x² · sin x``. Every input is elementwise
(floats or arrays of any shape), and the functions handed to the exercises are named
module-level functions, so a case is plain data that can be copied, pickled and labelled.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from course.gradcheck import numeric
from course.reference import chain_rule
from course.exercises.answer_free import AnswerFreeCheck, Compare, agrees_with
from course.exercises.spec import Bug, Case, Spec
from course.reference.functions import sigmoid, sigmoid_prime, tanh_prime

__all__ = ["SPECS"]


# ----------------------------------------------------------------------------
# elementwise functions used as inputs (name, f, f')
# ----------------------------------------------------------------------------


def cubic(x: Any) -> Any:
    """``x³ - 2x``."""
    return x**3 - 2 * x


def cubic_prime(x: Any) -> Any:
    """``3x² - 2``."""
    return 3 * x**2 - 2


def affine(x: Any) -> Any:
    """``3x - 1``."""
    return 3 * x - 1


def affine_prime(x: Any) -> Any:
    """``3`` everywhere (an array of ``x``'s shape)."""
    return np.full_like(np.asarray(x, dtype=np.float64), 3.0)


def square(x: Any) -> Any:
    """``x²``."""
    return x**2


def square_prime(x: Any) -> Any:
    """``2x``."""
    return 2 * x


_SMOOTH = (("sin", np.sin, np.cos), ("exp", np.exp, np.exp), ("tanh", np.tanh, tanh_prime),
           ("x³ - 2x", cubic, cubic_prime))
_OUTER = _SMOOTH + (("sigmoid", sigmoid, sigmoid_prime), ("x²", square, square_prime))
_INNER = (("sin", np.sin, np.cos), ("3x - 1", affine, affine_prime), ("x³ - 2x", cubic, cubic_prime),
          ("tanh", np.tanh, tanh_prime))


def _points(rng: np.random.Generator, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    """A few points, as a 1-D or 2-D array (the functions are elementwise: any shape works)."""
    shape = (int(rng.integers(3, 7)),) if rng.random() < 0.5 else (int(rng.integers(2, 4)), int(rng.integers(2, 4)))
    return rng.uniform(low, high, size=shape)


# ----------------------------------------------------------------------------
# answer-free checks: agreement with a known slope on a grid of [-3, 3]
# ----------------------------------------------------------------------------


def _grid() -> np.ndarray:
    """Where the answer-free checks compare slopes: 13 points from -3 to 3."""
    return np.linspace(-3.0, 3.0, 13)


def _within(tol: float) -> Compare:
    """``compare(actual, expected)``: what is wrong when ``actual`` is not within ``tol`` of it."""
    def compare(actual: Any, expected: np.ndarray) -> str | None:
        arr = np.asarray(actual, dtype=np.float64)
        if arr.shape != expected.shape:
            return f"returned shape {arr.shape} for an input of shape {expected.shape}"
        err = np.abs(arr - expected)
        if not np.all(err <= tol):
            i = int(np.nanargmax(np.where(np.isfinite(err), err, np.inf)))
            return f"off by {float(err.flat[i]):.2g} (more than {tol:.0e})"
        return None
    return compare


def _numeric_slope(f: Callable[[Any], Any]) -> Callable[[], np.ndarray]:
    """The central-difference slope of ``f`` on the grid, with a small step (h = 1e-5)."""
    return lambda: chain_rule.central_difference(f, _grid(), 1e-5)


def _matches_numeric(f: Callable[[Any], Any], what: str) -> AnswerFreeCheck:
    """``fn(x)`` agrees with the finite-difference slope of ``f`` (for sigma' and tanh')."""
    return agrees_with(f"Agrees with the finite-difference slope of {what}",
                       f"vs the finite-difference slope of {what} on [-3, 3]",
                       inputs=lambda: (_grid(),), expected=_numeric_slope(f), compare=_within(1e-8))


# ----------------------------------------------------------------------------
# 1. central difference
# ----------------------------------------------------------------------------


def _central_case(rng: np.random.Generator) -> Case:
    name, f, _ = _SMOOTH[int(rng.integers(len(_SMOOTH)))]
    x = _points(rng)
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


CENTRAL_DIFFERENCE = Spec(
    name="ch01.central_difference",
    title="the central difference (f(x+h) − f(x−h)) / 2h",
    reference=chain_rule.central_difference,
    make_case=_central_case,
    points=2.0,
    fixed_cases=(Case((np.sin, 1.0, 1e-3), "f = sin at x = 1.0, h = 1e-3"),
                 Case((cubic, np.array([-1.0, 0.0, 2.0]), 1e-2), "f = x³ - 2x at x = [-1, 0, 2], h = 1e-2")),
    bugs=(
        Bug("forward difference", "That is the one-sided slope (f(x+h) − f(x))/h. Step to both "
            "sides of x, to x + h and to x − h.", chain_rule.forward_difference),
        Bug("divided by h instead of 2h", "The two points x − h and x + h are 2h apart: divide the "
            "rise by the whole run.", lambda f, x, h: (f(x + h) - f(x - h)) / h),
        Bug("/ 2 * h", "Python reads a / 2 * h as (a / 2) * h: put 2 * h in parentheses.",
            lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h),
        Bug("sign flipped", "Rise over run: the later point minus the earlier one, "
            "f(x + h) − f(x − h).", lambda f, x, h: (f(x - h) - f(x + h)) / (2 * h)),
    ),
    forbidden=(chain_rule.central_difference, numeric.numerical_derivative,
               numeric.numerical_gradient, numeric.numerical_jacobian),
    answer_free=(agrees_with("Agrees with the exact slope cos x of sin x (h = 1e-3).",
                             "central_difference(np.sin, x, 1e-3) vs cos(x)",
                             inputs=lambda: (np.sin, _grid(), 1e-3), expected=lambda: np.cos(_grid()),
                             compare=_within(1e-6)),
                 _second_order),
)


# ----------------------------------------------------------------------------
# 2-3. sigma' and tanh' through their own values
# ----------------------------------------------------------------------------


def _z_case(rng: np.random.Generator) -> Case:
    z = _points(rng, -6.0, 6.0)
    return Case((z,), f"z of shape {z.shape}")


_Z_FIXED = (Case((np.array([-2.0, 0.0, 2.0]),), "z = [-2, 0, 2]"),
            Case((np.array([[0.5, -1.0], [3.0, -4.0]]),), "z = [[0.5, -1], [3, -4]]"))

SIGMOID_PRIME = Spec(
    name="ch01.sigmoid_prime",
    title="σ'(z) through its own value: σ(z)(1 − σ(z))",
    reference=sigmoid_prime,
    make_case=_z_case,
    points=1.0,
    fixed_cases=_Z_FIXED,
    bugs=(
        Bug("forgot the (1 − σ) factor", "σ(z) alone is the value, not the slope: the slope is "
            "the value times one minus the value.", lambda z: sigmoid(z)),
        Bug("used z instead of σ(z)", "The formula is in terms of s = σ(z), the sigmoid's output, "
            "not its input z: compute s first.", lambda z: z * (1 - z)),
        Bug("tanh's formula", "1 − s² is the tanh rule; the sigmoid's is s(1 − s).",
            lambda z: 1 - sigmoid(z) ** 2),
    ),
    forbidden=(sigmoid_prime,),
    answer_free=(_matches_numeric(sigmoid, "sigmoid"),),
)

TANH_PRIME = Spec(
    name="ch01.tanh_prime",
    title="tanh'(z) through its own value: 1 − tanh(z)²",
    reference=tanh_prime,
    make_case=_z_case,
    points=1.0,
    fixed_cases=_Z_FIXED,
    bugs=(
        Bug("forgot to square", "1 − t is not the slope: the rule squares the value, 1 − t².",
            lambda z: 1 - np.tanh(z)),
        Bug("used z instead of tanh(z)", "The formula is in terms of t = tanh(z), the output, not "
            "the input z: compute t first.", lambda z: 1 - z**2),
        Bug("the sigmoid's formula", "t(1 − t) is the sigmoid rule; tanh's is 1 − t².",
            lambda z: np.tanh(z) * (1 - np.tanh(z))),
    ),
    forbidden=(tanh_prime,),
    answer_free=(_matches_numeric(np.tanh, "tanh"),),
)


# ----------------------------------------------------------------------------
# 4. the chain rule for f(g(x))
# ----------------------------------------------------------------------------


def _chain_case(rng: np.random.Generator) -> Case:
    f_name, _, f_prime = _OUTER[int(rng.integers(len(_OUTER)))]
    g_name, g, g_prime = _INNER[int(rng.integers(len(_INNER)))]
    x = _points(rng, -1.5, 1.5)
    return Case((f_prime, g, g_prime, x), f"f = {f_name}, g = {g_name} at {x.size} points")


def _sin_of_cubic(x: Any) -> Any:
    """``sin(x³ - 2x)``: the composite the answer-free check differentiates."""
    return np.sin(cubic(x))


CHAIN_RULE = Spec(
    name="ch01.chain_rule",
    title="dy/dx of y = f(g(x)) by the chain rule",
    reference=chain_rule.chain_rule_derivative,
    make_case=_chain_case,
    points=2.0,
    fixed_cases=(Case((np.cos, square, square_prime, 1.5), "f = sin, g = x² at x = 1.5"),),
    bugs=(
        Bug("outer slope taken at x", "f' must be taken where f is applied, at z = g(x), not at x.",
            lambda f_prime, g, g_prime, x: f_prime(x) * g_prime(x)),
        Bug("forgot the inner derivative", "A small change Δx first becomes Δz = g'(x) Δx: that "
            "factor belongs in the product too.", lambda f_prime, g, g_prime, x: f_prime(g(x))),
        Bug("added instead of multiplied", "The local factors of a chain multiply: Δy = f'(z) Δz "
            "and Δz = g'(x) Δx.", lambda f_prime, g, g_prime, x: f_prime(g(x)) + g_prime(x)),
    ),
    forbidden=(chain_rule.chain_rule_derivative,),
    answer_free=(agrees_with("Agrees with the finite-difference slope of sin(x³ - 2x)",
                             "for f = sin, g = x³ - 2x on [-3, 3]",
                             inputs=lambda: (np.cos, cubic, cubic_prime, _grid()),
                             expected=_numeric_slope(_sin_of_cubic), compare=_within(1e-6)),),
)


# ----------------------------------------------------------------------------
# 5. two paths: y = u v, u = x², v = sin x
# ----------------------------------------------------------------------------


def _x_case(rng: np.random.Generator) -> Case:
    x = _points(rng, -3.0, 3.0)
    return Case((x,), f"x of shape {x.shape}")


TWO_PATHS = Spec(
    name="ch01.two_paths",
    title="dy/dx when x reaches y along two paths (u = x², v = sin x, y = u·v)",
    reference=chain_rule.two_path_derivative,
    make_case=_x_case,
    points=2.0,
    fixed_cases=(Case((1.0,), "x = 1.0"), Case((np.array([-2.0, 0.5, 3.0]),), "x = [-2, 0.5, 3]")),
    bugs=(
        Bug("forgot the path through v", "x also changes y through v = sin x: add that path's "
            "contribution (∂y/∂v)(dv/dx).", lambda x: np.sin(x) * 2 * x),
        Bug("forgot the path through u", "x also changes y through u = x²: add that path's "
            "contribution (∂y/∂u)(du/dx).", lambda x: x**2 * np.cos(x)),
        Bug("multiplied the paths", "Each path is a product of local factors, but the paths "
            "themselves add up.", lambda x: (np.sin(x) * 2 * x) * (x**2 * np.cos(x))),
    ),
    forbidden=(chain_rule.two_path_derivative,),
    answer_free=(agrees_with("Agrees with the finite-difference slope of y = x² sin x", "on [-3, 3]",
                             inputs=lambda: (_grid(),), expected=_numeric_slope(chain_rule.two_path_function),
                             compare=_within(1e-7)),),
)

SPECS = (CENTRAL_DIFFERENCE, SIGMOID_PRIME, TANH_PRIME, CHAIN_RULE, TWO_PATHS)
