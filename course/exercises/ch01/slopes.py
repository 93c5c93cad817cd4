"""Chapter 1, exercises 3 and 4: the slopes of σ and tanh from their stored outputs.

The learner's ``sigmoid_slope(s)`` gets ``s = σ(z)`` and ``tanh_slope(t)`` gets ``t = tanh(z)``,
the values the forward pass has already computed, and returns the slope at that ``z``. Both are
analytic: measuring the slope (recovering ``z`` and differencing) scores 0.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

import math

import numpy as np

from course.reference import chain_rule
from course.exercises.ch01.inputs import gradient_slope, grid, matches_numeric, own_central_difference
from course.exercises.spec import Bug, Case, Spec
from course.reference.functions import sigmoid, sigmoid_prime, tanh_prime

__all__ = ["SIGMOID_SLOPE", "TANH_SLOPE"]


def _zs(rng: np.random.Generator) -> np.ndarray:
    shape = (int(rng.integers(3, 7)),) if rng.random() < 0.5 else (int(rng.integers(2, 4)), int(rng.integers(2, 4)))
    return rng.uniform(-6.0, 6.0, size=shape)


def _s_case(rng: np.random.Generator) -> Case:
    s = sigmoid(_zs(rng))
    return Case((s,), f"s = σ(z) of shape {s.shape}")


def _t_case(rng: np.random.Generator) -> Case:
    t = np.tanh(_zs(rng))
    return Case((t,), f"t = tanh(z) of shape {t.shape}")


_Z1, _Z2 = np.array([-2.0, 0.0, 2.0]), np.array([[0.5, -1.0], [3.0, -4.0]])


def _logit(s):
    s = np.asarray(s, dtype=np.float64)
    return np.log(s / (1 - s))


# ----------------------------------------------------------------------------
# 3. σ' from s
# ----------------------------------------------------------------------------


def _sig_shortcut_difference(s):
    """Recovers z and measures the slope with a central difference."""
    return own_central_difference(sigmoid, _logit(s))


def _sig_shortcut_gradient(s):
    """Recovers z and measures the slope with np.gradient."""
    return gradient_slope(sigmoid, _logit(s))


def _sig_shortcut_loop(s):
    """Recovers z and nudges it entry by entry in a loop."""
    z = _logit(s)
    out = np.empty_like(z)
    for i in np.ndindex(z.shape):
        out[i] = (1 / (1 + math.exp(-(z[i] + 1e-6))) - 1 / (1 + math.exp(-(z[i] - 1e-6)))) / 2e-6
    return out


def _sig_variant_expanded(s):
    return s - s**2


def _sig_variant_loop(s):
    s = np.asarray(s, dtype=np.float64)
    out = np.empty_like(s)
    for i in np.ndindex(s.shape):
        out[i] = s[i] * (1.0 - s[i])
    return out


def _sig_variant_recompute(s):
    """Recovers z and writes the derivative with exp, as the first step of the derivation does."""
    e = np.exp(-_logit(s))
    return e / (1 + e) ** 2


SIGMOID_SLOPE = Spec(
    name="ch01.sigmoid_slope",
    title="the sigmoid's slope from its stored output s",
    reference=chain_rule.sigmoid_slope,
    make_case=_s_case,
    points=1.0,
    fixed_cases=(Case((sigmoid(_Z1),), "s = σ(z) at z = [-2, 0, 2]"),
                 Case((sigmoid(_Z2),), "s = σ(z) at z = [[0.5, -1], [3, -4]]")),
    bugs=(
        Bug("only the value", "s alone is σ's value, not its slope: the derivation gives a product "
            "of two factors, and both can be written with s.", lambda s: np.asarray(s, dtype=np.float64)),
        Bug("applied σ again", "The argument already is σ(z): the derivative is written with s "
            "itself, nothing is applied to it again.",
            lambda s: sigmoid(s) * (1 - sigmoid(s))),
        Bug("sign slip in the second factor", "Look again at the second factor: rewrite e^(−z) / u "
            "using 1/u = s, and mind the sign.", lambda s: np.asarray(s) * (1 + np.asarray(s))),
        Bug("tanh's rule", "That is the other function's rule (exercise 4). Go back to the "
            "sigmoid's chain: u = 1 + e^(−z), then 1/u.", lambda s: 1 - np.asarray(s) ** 2),
    ),
    forbidden=(chain_rule.sigmoid_slope, sigmoid_prime),
    answer_free=(matches_numeric(sigmoid, "sigmoid", inputs=lambda: (sigmoid(grid()),)),),
    analytic=True,
    shortcuts=(_sig_shortcut_difference, _sig_shortcut_gradient, _sig_shortcut_loop),
    variants=(_sig_variant_expanded, _sig_variant_loop, _sig_variant_recompute),
)


# ----------------------------------------------------------------------------
# 4. tanh' from t
# ----------------------------------------------------------------------------


def _tanh_shortcut_difference(t):
    """Recovers z and measures the slope with a central difference."""
    return own_central_difference(np.tanh, np.arctanh(t))


def _tanh_shortcut_gradient(t):
    """Recovers z and measures the slope with np.gradient."""
    return gradient_slope(np.tanh, np.arctanh(t))


def _tanh_variant_factored(t):
    t = np.asarray(t, dtype=np.float64)
    return (1 - t) * (1 + t)


def _tanh_variant_inplace(t):
    out = np.array(t, dtype=np.float64)
    out **= 2
    out *= -1
    out += 1
    return out


def _tanh_variant_recompute(t):
    """Recovers z and writes the slope with cosh (the quotient rule's denominator)."""
    return 1 / np.cosh(np.arctanh(t)) ** 2


TANH_SLOPE = Spec(
    name="ch01.tanh_slope",
    title="tanh's slope from its stored output t",
    reference=chain_rule.tanh_slope,
    make_case=_t_case,
    points=1.0,
    fixed_cases=(Case((np.tanh(_Z1),), "t = tanh(z) at z = [-2, 0, 2]"),
                 Case((np.tanh(_Z2),), "t = tanh(z) at z = [[0.5, -1], [3, -4]]")),
    bugs=(
        Bug("forgot to square", "In the quotient rule the denominator is squared: after dividing "
            "through by it, t appears squared.", lambda t: 1 - np.asarray(t, dtype=np.float64)),
        Bug("sign slip", "The quotient rule subtracts: n'd − n d'. With n' = d and d' = n, which "
            "term carries the minus?", lambda t: 1 + np.asarray(t, dtype=np.float64) ** 2),
        Bug("the sigmoid's rule", "That is exercise 3's rule. tanh is its own quotient: differentiate "
            "n / d with n' = d and d' = n.", lambda t: np.asarray(t) * (1 - np.asarray(t))),
        Bug("applied tanh again", "The argument already is tanh(z): write the slope with t itself.",
            lambda t: 1 - np.tanh(t) ** 2),
    ),
    forbidden=(chain_rule.tanh_slope, tanh_prime),
    answer_free=(matches_numeric(np.tanh, "tanh", inputs=lambda: (np.tanh(grid()),)),),
    analytic=True,
    shortcuts=(_tanh_shortcut_difference, _tanh_shortcut_gradient),
    variants=(_tanh_variant_factored, _tanh_variant_inplace, _tanh_variant_recompute),
)
