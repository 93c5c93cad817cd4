"""Chapter 1, exercises 2, 5 and 6: chains and paths.

``chain_rule_derivative(f_prime, g, g_prime, x)`` for ``y = f(g(x))``;
``two_path_derivative(u, u_prime, v, v_prime, x)`` for ``y = u(x) · v(x)``, where ``x`` reaches
``y`` along two paths; ``three_link_derivative(w, x)`` for the chain ``y = σ(w · tanh(x))``, whose
result the chapter never writes down. All analytic: measuring a slope scores 0. Hidden cases
vary the functions, the points and their shapes (and ``w``).

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

import math

import numpy as np

from course.reference import chain_rule
from course.exercises.answer_free import agrees_with
from course.exercises.ch01.inputs import (INNER, OUTER, cubic, cubic_prime, gradient_slope, grid, matches_numeric,
                                          numeric_slope, own_central_difference, points, square, square_prime,
                                          within)
from course.exercises.spec import Bug, Case, Spec
from course.reference.functions import sigmoid

__all__ = ["CHAIN_RULE", "TWO_PATHS", "THREE_LINKS"]


# ----------------------------------------------------------------------------
# 2. the chain rule for f(g(x))
# ----------------------------------------------------------------------------


def _chain_case(rng: np.random.Generator) -> Case:
    f_name, _, f_prime = OUTER[int(rng.integers(len(OUTER)))]
    g_name, g, g_prime = INNER[int(rng.integers(len(INNER)))]
    x = points(rng, -1.5, 1.5)
    return Case((f_prime, g, g_prime, x), f"f = {f_name}, g = {g_name} at {x.size} points")


def _sin_of_cubic(x):
    """``sin(x³ - 2x)``: the composite the answer-free check differentiates."""
    return np.sin(cubic(x))


def _chain_shortcut_difference(f_prime, g, g_prime, x):
    """Measures g' with a central difference instead of using the g' it was given."""
    return f_prime(g(x)) * own_central_difference(g, x)


def _chain_shortcut_gradient(f_prime, g, g_prime, x):
    """Measures g' with np.gradient."""
    return f_prime(g(x)) * gradient_slope(g, x)


def _chain_variant_inplace(f_prime, g, g_prime, x):
    out = np.array(f_prime(g(x)), dtype=np.float64)
    out *= g_prime(x)
    return out


def _chain_variant_loop(f_prime, g, g_prime, x):
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    for i in np.ndindex(x.shape):
        z = g(x[i])
        out[i] = f_prime(z) * g_prime(x[i])
    return out


CHAIN_RULE = Spec(
    name="ch01.chain_rule_derivative",
    title="dy/dx of y = f(g(x)) by the chain rule",
    reference=chain_rule.chain_rule_derivative,
    make_case=_chain_case,
    points=2.0,
    fixed_cases=(Case((np.cos, square, square_prime, 1.5), "f = sin, g = x² at x = 1.5"),),
    bugs=(
        Bug("outer slope taken at x", "Each slope is taken where its own function is applied: f "
            "is applied to z = g(x), not to x.", lambda f_prime, g, g_prime, x: f_prime(x) * g_prime(x)),
        Bug("forgot the inner derivative", "A small change Δx first becomes Δz ≈ g'(x) Δx: follow "
            "the change through both links.", lambda f_prime, g, g_prime, x: f_prime(g(x))),
        Bug("added instead of multiplied", "Follow one small change: Δz ≈ g'(x) Δx, then "
            "Δy ≈ f'(z) Δz. Substitute the first into the second.",
            lambda f_prime, g, g_prime, x: f_prime(g(x)) + g_prime(x)),
    ),
    forbidden=(chain_rule.chain_rule_derivative,),
    answer_free=(agrees_with("Agrees with the measured slope of sin(x³ - 2x)",
                             "for f = sin, g = x³ - 2x on [-3, 3]",
                             inputs=lambda: (np.cos, cubic, cubic_prime, grid()),
                             expected=numeric_slope(_sin_of_cubic), compare=within(1e-6)),),
    analytic=True,
    shortcuts=(_chain_shortcut_difference, _chain_shortcut_gradient),
    variants=(_chain_variant_inplace, _chain_variant_loop),
)


# ----------------------------------------------------------------------------
# 5. two paths: y = u(x) · v(x)
# ----------------------------------------------------------------------------


def _two_path_case(rng: np.random.Generator) -> Case:
    i, j = rng.choice(len(INNER), size=2, replace=False)
    (u_name, u, u_prime), (v_name, v, v_prime) = INNER[int(i)], INNER[int(j)]
    x = points(rng, -1.5, 1.5)
    return Case((u, u_prime, v, v_prime, x), f"u = {u_name}, v = {v_name} at {x.size} points")


def _x2_sin(x):
    """``x² · sin x``: the product the answer-free check differentiates."""
    return x**2 * np.sin(x)


def _paths_shortcut_difference(u, u_prime, v, v_prime, x):
    """Measures the slope of the product with a central difference."""
    return own_central_difference(lambda t: u(t) * v(t), x)


def _paths_shortcut_gradient(u, u_prime, v, v_prime, x):
    """Measures the slope of the product with np.gradient."""
    return gradient_slope(lambda t: u(t) * v(t), x)


def _paths_shortcut_measured_links(u, u_prime, v, v_prime, x):
    """Sums the paths, but measures u' and v' instead of using the ones it was given."""
    return v(x) * own_central_difference(u, x) + u(x) * own_central_difference(v, x)


def _paths_variant_accumulate(u, u_prime, v, v_prime, x):
    """Accumulates the two paths into one gradient, as backprop does."""
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    grad += v(x) * u_prime(x)
    grad += u(x) * v_prime(x)
    return grad


def _paths_variant_loop(u, u_prime, v, v_prime, x):
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    for i in np.ndindex(x.shape):
        out[i] = u_prime(x[i]) * v(x[i]) + v_prime(x[i]) * u(x[i])
    return out


TWO_PATHS = Spec(
    name="ch01.two_path_derivative",
    title="dy/dx of y = u(x) · v(x), where x reaches y along two paths",
    reference=chain_rule.two_path_derivative,
    make_case=_two_path_case,
    points=2.0,
    fixed_cases=(Case((square, square_prime, np.sin, np.cos, 1.0), "u = x², v = sin at x = 1.0"),
                 Case((square, square_prime, np.sin, np.cos, np.array([-2.0, 0.5, 3.0])),
                      "u = x², v = sin at x = [-2, 0.5, 3]")),
    bugs=(
        Bug("forgot the path through v", "x also changes y through v: add that path's "
            "contribution, its two local factors multiplied.",
            lambda u, u_prime, v, v_prime, x: v(x) * u_prime(x)),
        Bug("forgot the path through u", "x also changes y through u: add that path's "
            "contribution, its two local factors multiplied.",
            lambda u, u_prime, v, v_prime, x: u(x) * v_prime(x)),
        Bug("product-rule slip", "The slope of a product is not the product of the slopes: hold v "
            "fixed and ask how y changes with u (that is ∂y/∂u), then the same for v.",
            lambda u, u_prime, v, v_prime, x: u_prime(x) * v_prime(x)),
        Bug("multiplied the paths", "Each path is a product of local factors, but the paths "
            "themselves add up.",
            lambda u, u_prime, v, v_prime, x: (v(x) * u_prime(x)) * (u(x) * v_prime(x))),
    ),
    forbidden=(chain_rule.two_path_derivative,),
    answer_free=(agrees_with("Agrees with the measured slope of x² · sin x", "for u = x², v = sin on [-3, 3]",
                             inputs=lambda: (square, square_prime, np.sin, np.cos, grid()),
                             expected=numeric_slope(_x2_sin), compare=within(1e-7)),),
    analytic=True,
    shortcuts=(_paths_shortcut_difference, _paths_shortcut_gradient, _paths_shortcut_measured_links),
    variants=(_paths_variant_accumulate, _paths_variant_loop),
)


# ----------------------------------------------------------------------------
# 6. three links: y = σ(w · tanh(x)); the result is not in the text
# ----------------------------------------------------------------------------


def _three_case(rng: np.random.Generator) -> Case:
    w = float(rng.uniform(0.3, 3.0) * rng.choice([-1.0, 1.0]))
    x = points(rng, -2.5, 2.5)
    return Case((w, x), f"w = {w:.3g} at {x.size} points")


def _sigma_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


def _three_shortcut_difference(w, x):
    """Measures the slope of the whole chain with a central difference."""
    return own_central_difference(lambda t: sigmoid(w * np.tanh(t)), x)


def _three_shortcut_gradient(w, x):
    """Measures the slope of the whole chain with np.gradient."""
    return gradient_slope(lambda t: sigmoid(w * np.tanh(t)), x)


def _three_variant_stored(w, x):
    """Forward pass first, storing each link's value, then one factor per link."""
    t = np.tanh(x)
    z = w * t
    y = sigmoid(z)
    return y * (1 - y) * w * (1 - t**2)


def _three_variant_loop(w, x):
    """Entry by entry with math's functions, slopes written with exp and cosh."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    for i in np.ndindex(x.shape):
        e = math.exp(-w * math.tanh(x[i]))
        out[i] = e / (1 + e) ** 2 * w / math.cosh(x[i]) ** 2
    return out


THREE_LINKS = Spec(
    name="ch01.three_link_derivative",
    title="dy/dx of the three-link chain y = σ(w · tanh(x))",
    reference=chain_rule.three_link_derivative,
    make_case=_three_case,
    points=2.0,
    fixed_cases=(Case((1.5, np.array([-1.0, 0.0, 0.5, 2.0])), "w = 1.5 at x = [-1, 0, 0.5, 2]"),
                 Case((-2.0, 0.3), "w = -2 at x = 0.3")),
    bugs=(
        Bug("forgot the middle link", "z = w · t is a link too: how much does z move when t moves "
            "by a little?", lambda w, x: _sigma_prime(w * np.tanh(x)) * (1 - np.tanh(x) ** 2)),
        Bug("outer slope at the wrong point", "Each slope is taken at the input of its own link: "
            "σ is applied to z = w · tanh(x).",
            lambda w, x: _sigma_prime(np.tanh(x)) * w * (1 - np.tanh(x) ** 2)),
        Bug("value instead of slope", "The first factor is how fast σ changes at z, not σ's value "
            "there (exercise 3).", lambda w, x: sigmoid(w * np.tanh(x)) * w * (1 - np.tanh(x) ** 2)),
        Bug("forgot the inner link", "x reaches t = tanh(x) first: that link has a slope of its own "
            "(exercise 4).", lambda w, x: _sigma_prime(w * np.tanh(x)) * w),
    ),
    forbidden=(chain_rule.three_link_derivative,),
    answer_free=(matches_numeric(lambda t: chain_rule.three_link_function(1.5, t), "σ(1.5 · tanh(x))",
                                 inputs=lambda: (1.5, grid())),),
    analytic=True,
    shortcuts=(_three_shortcut_difference, _three_shortcut_gradient),
    variants=(_three_variant_stored, _three_variant_loop),
)
