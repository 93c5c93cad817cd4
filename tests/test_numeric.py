"""Finite differences: accuracy, shapes, float64 arithmetic, no mutation, clear errors."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.gradcheck.numeric import (
    InputModifiedError,
    default_step,
    numerical_derivative,
    numerical_gradient,
    numerical_jacobian,
    one_sided_differences,
)

EPS = np.finfo(np.float64).eps


def test_default_step_scales_with_x():
    assert default_step(0.0) == pytest.approx(np.cbrt(EPS))
    assert default_step(0.5) == pytest.approx(np.cbrt(EPS))          # max(1, |x|) = 1
    assert default_step(-1e4) == pytest.approx(np.cbrt(EPS) * 1e4)
    h = default_step(np.array([[0.0, 3.0], [-2.0, 1e-3]]))
    assert h.shape == (2, 2)
    np.testing.assert_allclose(h, np.cbrt(EPS) * np.array([[1, 3], [2, 1]]))
    assert default_step(1.0, dtype=np.float32) == pytest.approx(np.cbrt(np.finfo(np.float32).eps))


def test_step_beats_naive_choices():
    """cbrt(eps) is better than sqrt(eps) and 1e-2 for a central difference of exp at 1."""
    f, x = np.exp, 1.0
    err = lambda h: abs(numerical_derivative(f, x, h) - np.exp(1.0))  # noqa: E731
    best = err(None)
    assert best < 1e-9
    assert best < err(np.sqrt(EPS)) and best < err(1e-2)


@pytest.mark.parametrize("f, df, x", [
    (np.sin, np.cos, 0.3),
    (np.exp, np.exp, -2.0),
    (lambda t: t**3, lambda t: 3 * t**2, 1e3),
    (np.tanh, lambda t: 1 - np.tanh(t) ** 2, 0.0),
])
def test_derivative_accuracy(f, df, x):
    assert numerical_derivative(f, x) == pytest.approx(df(x), rel=1e-8, abs=1e-9)


def test_gradient_shape_and_values():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    g = numerical_gradient(lambda a: np.sum(a**3) + a[0, 1] * a[2, 3], x)
    expected = 3 * x**2
    expected[0, 1] += x[2, 3]
    expected[2, 3] += x[0, 1]
    assert g.shape == x.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, expected, rtol=1e-8, atol=1e-9)


def test_jacobian_is_outputs_by_inputs():
    A = np.arange(6.0).reshape(2, 3)
    J = numerical_jacobian(lambda v: A @ v, np.array([1.0, -1.0, 2.0]))
    assert J.shape == (2, 3)
    np.testing.assert_allclose(J, A, atol=1e-9)
    # matrix input and matrix output: both flattened in C order
    J = numerical_jacobian(lambda M: M.T ** 2, np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert J.shape == (4, 4)
    assert J[1, 2] == pytest.approx(2 * 3.0)   # out (0,1) = M[1,0]**2


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=1, max_size=6))
def test_property_gradient_matches_analytic(values):
    x = np.array(values)
    g = numerical_gradient(lambda a: np.sum(np.sin(a) * a), x)
    np.testing.assert_allclose(g, np.cos(x) * x + np.sin(x), rtol=1e-7, atol=1e-8)


def test_float32_input_is_differenced_in_float64():
    x32 = np.array([0.3, 1.7], dtype=np.float32)
    seen = []

    def f(a):
        seen.append(a.dtype)
        return float(np.sum(a**2))

    g = numerical_gradient(f, x32)
    assert set(seen) == {np.dtype(np.float64)}
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2 * x32.astype(np.float64), rtol=1e-9)


def test_caller_x_is_never_modified():
    x = np.array([1.0, 2.0, 3.0])
    keep = x.copy()
    numerical_gradient(lambda a: np.sum(a**2), x)
    numerical_jacobian(lambda a: a**2, x)
    one_sided_differences(lambda a: np.sum(np.abs(a)), x)
    np.testing.assert_array_equal(x, keep)


def test_function_that_modifies_its_input_is_reported():
    def sneaky(a):
        a *= 2
        return float(np.sum(a))

    x = np.array([1.0, 2.0])
    for fn in (numerical_gradient, numerical_jacobian, one_sided_differences):
        with pytest.raises(InputModifiedError, match="modified its input x in place"):
            fn(sneaky, x)
    assert issubclass(InputModifiedError, ValueError)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_one_sided_differences_at_kinks():
    left, right = one_sided_differences(lambda a: np.sum(np.abs(a)), np.array([0.0, 2.0]))
    np.testing.assert_allclose(left, [-1.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(right, [1.0, 1.0], atol=1e-6)
    left, right = one_sided_differences(lambda a: np.max(a), np.array([1.0, 1.0]))
    np.testing.assert_allclose(left, [0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(right, [1.0, 1.0], atol=1e-6)


def test_explicit_steps():
    x = np.array([1.0, 2.0])
    g = numerical_gradient(lambda a: np.sum(a**2), x, h=np.array([1e-4, 1e-5]))
    np.testing.assert_allclose(g, 2 * x, rtol=1e-8)
    # a huge step visibly degrades a curved function: the step is really used
    assert abs(numerical_derivative(lambda t: t**3, 1.0, h=0.5) - 3.0) > 0.2


@pytest.mark.parametrize("bad_f", [3, "f", None, np.zeros(2)])
def test_non_callable_f(bad_f):
    for fn in (numerical_gradient, numerical_jacobian, one_sided_differences):
        with pytest.raises(TypeError, match=r"f: expected a callable .*got " + type(bad_f).__name__):
            fn(bad_f, np.ones(2))
    with pytest.raises(TypeError, match="f: expected a callable"):
        numerical_derivative(bad_f, 1.0)


@pytest.mark.parametrize("bad_x, exc, words", [
    (np.array([1.0, np.nan]), ValueError, "finite"),
    (np.array([np.inf]), ValueError, "finite"),
    ("abc", TypeError, "numeric"),
    (np.array([1 + 2j]), TypeError, "numeric"),
    (np.array([True]), TypeError, "numeric"),
    ([[1.0], [2.0, 3.0]], TypeError, "numeric"),
])
def test_bad_x(bad_x, exc, words):
    with pytest.raises(exc, match=f"x: .*{words}"):
        numerical_gradient(lambda a: 0.0, bad_x)


def test_bad_h_and_outputs():
    with pytest.raises(ValueError, match="h: expected positive"):
        numerical_gradient(lambda a: 0.0, np.ones(2), h=0.0)
    with pytest.raises(ValueError, match=r"h: .*shape \(2,\)"):
        numerical_gradient(lambda a: 0.0, np.ones(2), h=np.ones(3))
    with pytest.raises(ValueError, match="f: expected a scalar output"):
        numerical_gradient(lambda a: a, np.ones(2))
    with pytest.raises(ValueError, match="x: expected a single number"):
        numerical_derivative(np.sin, np.ones(2))
    with pytest.raises(ValueError, match="f: returned NaN"):
        numerical_gradient(lambda a: np.nan if a[0] < 1 else 0.0, np.ones(1))
    with pytest.raises(TypeError, match="f: expected it to return a number"):
        numerical_gradient(lambda a: "x", np.ones(1))
    with pytest.raises(ValueError, match="output size must not depend on x"):
        numerical_jacobian(lambda a: np.ones(2 if a[0] == 1 else 3), np.ones(1))


@pytest.mark.parametrize("h, shown", [(np.array([0.5, -2.0]), "-2.0"), (np.float64(-1.0), "-1.0"),
                                      (np.float32(-0.5), "-0.5"), ([0.0, 1.0], "0.0")])
@pytest.mark.parametrize("fn", [numerical_derivative, numerical_gradient, numerical_jacobian, one_sided_differences])
def test_step_messages_show_plain_numbers_not_numpy_reprs(fn, h, shown):
    # numpy 2 prints np.float64(-1.0) as its repr: a learner reads the number, not the type
    x = 1.0 if fn is numerical_derivative else np.ones(2)
    if fn is numerical_derivative and np.ndim(h):
        h = min(h) if isinstance(h, list) else h.min()
    f = (lambda t: t) if fn is numerical_derivative else (lambda a: float(np.sum(a**2)))
    with pytest.raises(ValueError) as info:
        fn(f, x, h=h)
    message = str(info.value)
    assert message == f"h: expected positive step sizes, got min {shown}", message
    assert "np." not in message and "float64" not in message


@pytest.mark.parametrize("option", ["rtol", "atol"])
@pytest.mark.parametrize("value, shown", [(np.float64(-1.0), "-1.0"), (np.float32(-0.25), "-0.25"), (-3, "-3")])
def test_gradcheck_option_messages_show_plain_numbers(option, value, shown):
    from course.gradcheck import gradcheck

    with pytest.raises(ValueError) as info:
        gradcheck(lambda a: float(np.sum(a**2)), lambda a: 2 * a, np.ones(2), **{option: value})
    assert str(info.value) == f"{option}: expected a non-negative number, got {shown}"
