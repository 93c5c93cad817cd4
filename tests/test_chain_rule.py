"""Chapter 1 reference functions (course.reference.chain_rule) against HIPS autograd, and their input checks."""
from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import elementwise_grad
from hypothesis import given, settings
from hypothesis import strategies as st

from course.reference import chain_rule as cr
from course.checking import grade, run_spec
from course.exercises import ch01

xs = st.lists(st.floats(-3, 3), min_size=1, max_size=6).map(np.array)
fast = settings(max_examples=40, deadline=None)

PAIRS = [  # (numpy f, autograd f) for elementwise functions
    (np.sin, anp.sin), (np.exp, anp.exp), (np.tanh, anp.tanh), (ch01.cubic, lambda x: x**3 - 2 * x),
]


@fast
@given(xs, st.sampled_from(range(len(PAIRS))), st.floats(1e-4, 1e-2))
def test_central_difference_is_second_order_accurate(x, k, h):
    f, af = PAIRS[k]
    exact = elementwise_grad(af)(x)
    got = cr.central_difference(f, x, h)
    assert got.shape == x.shape
    # truncation error h^2/6 |f'''| with |f'''| <= 30 on [-3, 3] for these functions
    assert np.allclose(got, exact, atol=6 * h**2 + 1e-9, rtol=0)


def test_forward_difference_is_only_first_order():
    x = np.array([0.5])
    errors = [abs(cr.forward_difference(np.exp, x, h) - np.exp(x))[0] for h in (1e-2, 5e-3)]
    assert 1.8 < errors[0] / errors[1] < 2.2
    errors = [abs(cr.central_difference(np.exp, x, h) - np.exp(x))[0] for h in (1e-2, 5e-3)]
    assert 3.8 < errors[0] / errors[1] < 4.2


@fast
@given(xs)
def test_chain_rule_derivative_matches_autograd(x):
    x = np.clip(x, -1.5, 1.5)
    got = cr.chain_rule_derivative(np.cos, ch01.cubic, ch01.cubic_prime, x)
    exact = elementwise_grad(lambda t: anp.sin(t**3 - 2 * t))(x)
    assert np.allclose(got, exact, rtol=1e-12, atol=1e-12)


@fast
@given(xs, st.sampled_from(range(len(PAIRS))), st.sampled_from(range(len(PAIRS))))
def test_two_path_derivative_matches_autograd(x, i, j):
    (u, au), (v, av) = PAIRS[i], PAIRS[j]
    u_prime, v_prime = elementwise_grad(au), elementwise_grad(av)
    got = cr.two_path_derivative(u, lambda t: u_prime(np.asarray(t, float)), v,
                                 lambda t: v_prime(np.asarray(t, float)), x)
    exact = elementwise_grad(lambda t: au(t) * av(t))(x)
    assert np.allclose(got, exact, rtol=1e-12, atol=1e-12)


@fast
@given(xs, st.floats(-3, 3))
def test_three_link_derivative_matches_autograd(x, w):
    exact = elementwise_grad(lambda t: 1 / (1 + anp.exp(-w * anp.tanh(t))))(x)
    assert np.allclose(cr.three_link_derivative(w, x), exact, rtol=1e-10, atol=1e-12)
    assert np.allclose(cr.three_link_function(w, x), 1 / (1 + np.exp(-w * np.tanh(x))))


@fast
@given(xs.map(lambda x: 2 * x))
def test_slopes_from_the_stored_outputs_match_autograd(z):
    s, t = 1 / (1 + np.exp(-z)), np.tanh(z)
    assert np.allclose(cr.sigmoid_slope(s), elementwise_grad(lambda v: 1 / (1 + anp.exp(-v)))(z), atol=1e-12)
    assert np.allclose(cr.tanh_slope(t), elementwise_grad(anp.tanh)(z), atol=1e-12)


def test_scalars_stay_scalars():
    assert np.ndim(cr.central_difference(np.sin, 1.0, 1e-3)) == 0
    assert np.ndim(cr.two_path_derivative(np.sin, np.cos, np.exp, np.exp, 1.0)) == 0
    assert np.ndim(cr.chain_rule_derivative(np.cos, np.sin, np.cos, 0.3)) == 0
    assert np.ndim(cr.three_link_derivative(2.0, 0.3)) == 0 and np.ndim(cr.sigmoid_slope(0.5)) == 0


@pytest.mark.parametrize("call, error, message", [
    (lambda: cr.central_difference(3.0, 1.0, 1e-3), TypeError, "f: expected a callable"),
    (lambda: cr.central_difference(np.sin, "1", 1e-3), TypeError, "x: expected"),
    (lambda: cr.central_difference(np.sin, 1.0, 0.0), ValueError, "h: expected a finite step > 0"),
    (lambda: cr.forward_difference(np.sin, 1.0, True), TypeError, "h: expected a positive float"),
    (lambda: cr.chain_rule_derivative(np.cos, None, np.cos, 1.0), TypeError, "g: expected a callable"),
    (lambda: cr.two_path_derivative(np.sin, np.cos, np.exp, np.exp, [1, [2]]), TypeError, "x: expected"),
    (lambda: cr.two_path_derivative(np.sin, 2.0, np.exp, np.exp, 1.0), TypeError, "u_prime: expected a callable"),
    (lambda: cr.three_link_derivative("2", 1.0), TypeError, "w: expected a finite float"),
    (lambda: cr.tanh_slope("0.5"), TypeError, "t: expected"),
])
def test_bad_input_is_refused_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ----------------------------------------------------------------------------
# the chapter's answer-free checks (course.exercises.ch01)
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ch01.SPECS, ids=lambda s: s.name)
def test_answer_free_checks_pass_the_reference_and_reject_every_named_bug(spec):
    """Each check compares with a slope found without the answer: right passes, every bug fails.

    (Except an exercise-1 answer that ignores h: the exact-slope check uses one step only, and
    the hidden cases, which vary h, are what catch it.)
    """
    assert spec.answer_free, spec.name
    for check_fn in spec.answer_free:
        assert check_fn.__doc__.strip(), spec.name           # the check's label in reports
        assert check_fn(spec.reference) is None, (spec.name, check_fn.__doc__)
    first = spec.answer_free[0]
    for bug in spec.bugs:
        if bug.name == "ignored h":
            continue
        message = first(bug.impl)
        assert isinstance(message, str) and "off by" in message, (spec.name, bug.name, message)


def test_ignoring_h_loses_hidden_cases():
    (bug,) = [b for b in ch01.CENTRAL_DIFFERENCE.bugs if b.name == "ignored h"]
    report = grade("ch01.central_difference", bug.impl, seed=0)
    assert report.score < 0.75 * ch01.CENTRAL_DIFFERENCE.points, repr(report)


def test_answer_free_check_names_a_wrong_shape_and_does_not_share_its_grid():
    """A function that returns the wrong shape, or scribbles on its input, is reported, not crashed on."""
    (check_fn,) = ch01.TWO_PATHS.answer_free

    def flattened(u, u_prime, v, v_prime, x):
        return cr.two_path_derivative(u, u_prime, v, v_prime, x)[:-1]

    def scribbles(u, u_prime, v, v_prime, x):
        out = cr.two_path_derivative(u, u_prime, v, v_prime, x)
        x *= 0.0
        return out

    assert "returned shape (12,) for an input of shape (13,)" in check_fn(flattened)
    assert check_fn(scribbles) is None
    assert check_fn(scribbles) is None          # the grid was not spoilt for the next call
