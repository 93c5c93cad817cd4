"""Finite differences (course/gradcheck/numeric.py): the tests that kill its mutants.

Each test states a behaviour a mutation of numeric.py broke without the rest of the suite
noticing (tests/MUTANTS.md lists the mutants). Messages are matched in full where they name
what was expected and what was given: that is the project's standard for bad input.
"""
from __future__ import annotations

import numpy as np
import pytest

from course.gradcheck.numeric import (
    InputModifiedError,
    as_output,
    as_point,
    call_checked,
    default_step,
    numerical_derivative,
    numerical_gradient,
    numerical_jacobian,
    one_sided_differences,
)

EPS = np.finfo(np.float64).eps


def _square_sum(a):
    return float(np.sum(a**2))


# --------------------------------------------------------------------------- default_step

def test_default_step_of_a_scalar_is_a_python_float_with_the_exact_value():
    for x, scale in [(0.0, 1.0), (0.5, 1.0), (-3.0, 3.0), (2, 2.0)]:
        h = default_step(x)
        assert type(h) is float
        assert h == np.cbrt(EPS) * scale
    assert type(default_step(np.array(4.0))) is float


def test_default_step_of_an_array_keeps_shape_and_dtype_sets_eps():
    x = np.array([[0.0, -2.0], [0.25, 10.0]])
    h = default_step(x)
    assert isinstance(h, np.ndarray) and h.shape == (2, 2)
    np.testing.assert_array_equal(h, np.cbrt(EPS) * np.array([[1.0, 2.0], [1.0, 10.0]]))
    h32 = default_step(x, dtype=np.float32)
    np.testing.assert_array_equal(h32, np.cbrt(np.finfo(np.float32).eps) * np.array([[1.0, 2.0], [1.0, 10.0]]))


# --------------------------------------------------------------------------- scalar h on arrays

@pytest.mark.parametrize("shape", [(3,), (2, 3)])
def test_a_scalar_h_on_an_array_x_is_used_for_every_entry(shape):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    # f = sum(x**3): the central difference is 3 x**2 + h**2 exactly (up to rounding)
    h = 1e-2
    g = numerical_gradient(lambda a: float(np.sum(a**3)), x, h=h)
    np.testing.assert_allclose(g, 3 * x**2 + h**2, rtol=1e-9, atol=1e-12)
    J = numerical_jacobian(lambda a: a**3, x, h=h)
    np.testing.assert_allclose(J, np.diag((3 * x**2 + h**2).ravel()), rtol=1e-9, atol=1e-12)
    left, right = one_sided_differences(lambda a: float(np.sum(a**2)), x, h=h)
    np.testing.assert_allclose(right, 2 * x + h, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(left, 2 * x - h, rtol=1e-9, atol=1e-11)


def test_one_sided_differences_honour_the_users_h_and_default_to_sqrt_eps():
    x = np.array([0.5, -4.0])
    for h in (1e-1, np.array([1e-1, 1e-3])):
        left, right = one_sided_differences(_square_sum, x, h=h)
        np.testing.assert_allclose(right - left, 2 * np.broadcast_to(h, x.shape), rtol=1e-6)
    seen = []
    one_sided_differences(lambda a: seen.append(a - x) or 0.0, x)
    offsets = np.abs(np.array(seen)).max(axis=0)  # the step taken in each entry
    np.testing.assert_allclose(offsets, np.sqrt(EPS) * np.maximum(1.0, np.abs(x)), rtol=1e-6)


def test_numerical_derivative_uses_its_step_and_defaults_to_cbrt_eps():
    # (x+h)^3 - (x-h)^3 over 2h = 3x^2 + h^2
    assert numerical_derivative(lambda t: t**3, 1.0, h=0.5) == pytest.approx(3.25, rel=1e-12)
    assert numerical_derivative(lambda t: t**3, 2.0) == pytest.approx(12.0, rel=1e-9)
    assert type(numerical_derivative(np.sin, np.array([0.3]))) is float


def test_jacobian_is_exact_for_linear_maps_with_unequal_steps():
    A = np.array([[1.0, 2.0, 3.0], [-4.0, 5.0, 0.5]])
    x = np.array([1.0, -2.0, 0.5])
    J = numerical_jacobian(lambda a: A @ a, x, h=np.array([1e-3, 1e-1, 1.0]))
    np.testing.assert_allclose(J, A, rtol=1e-10)
    assert J.shape == (2, 3)
    J = numerical_jacobian(lambda a: float(a @ a), x)  # scalar output: one row
    np.testing.assert_allclose(J, [2 * x], rtol=1e-7)


# --------------------------------------------------------------------------- f modifying its input

@pytest.mark.parametrize("entry", [0, 2])
def test_an_f_that_modifies_exactly_one_entry_is_named_with_that_entry(entry):
    def sneaky(a):
        a[entry] = 7.0
        return 0.0

    x = np.array([1.0, 2.0, 3.0])
    for fn in (numerical_gradient, numerical_jacobian, one_sided_differences):
        with pytest.raises(InputModifiedError) as info:
            fn(sneaky, x)
        msg = str(info.value)
        assert f"(entry {entry} changed from " in msg
        assert "to 7.0)" in msg
        assert msg.startswith("f: modified its input x in place")
        assert "x = x.copy()" in msg


def test_a_2d_input_modification_names_the_index_tuple_and_values():
    def sneaky(a):
        a[1, 0] += 1.0
        return 0.0

    x = np.zeros((2, 2))
    with pytest.raises(InputModifiedError, match=r"entry \(1, 0\) changed from 0\.0 to 1\.0\)"):
        call_checked(sneaky, x)


def test_call_checked_names_the_function_and_argument_and_catches_reshaping():
    with pytest.raises(InputModifiedError, match=r"^layer: modified its input W in place; a function"
                       r".*W = W\.copy\(\)"):
        call_checked(lambda a: a.resize(4, refcheck=False), np.zeros(2), name="layer", argname="W")
    assert call_checked(lambda a: a.sum(), np.ones(3)) == 3.0
    nan = np.array([np.nan, 1.0])
    assert np.isnan(call_checked(lambda a: a[0], nan))  # NaN == NaN: not a modification


# --------------------------------------------------------------------------- validation messages

def test_as_point_and_as_output_messages_name_what_was_given():
    with pytest.raises(TypeError, match=r"^W: expected a real number or numeric array, got str of dtype <U3$"):
        as_point("abc", "W")
    with pytest.raises(ValueError, match=r"^W: expected finite numbers, got 2 NaN or inf entries$"):
        as_point([np.nan, 1.0, np.inf], "W")
    p = as_point([1, 2], "x")
    assert p.dtype == np.float64
    with pytest.raises(TypeError, match=r"^g: expected it to return a number or numeric array, got str at here$"):
        as_output("s", "g", "here")
    with pytest.raises(ValueError, match=r"^g: returned NaN or inf at here; finite differences need finite values$"):
        as_output([np.inf], "g", "here")
    assert as_output(True, "g", "x").dtype == np.float64


def test_error_messages_name_the_entry_and_the_output():
    with pytest.raises(ValueError, match=r"^h: expected positive step sizes, got min -1\.0$"):
        numerical_gradient(_square_sum, np.ones(2), h=np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match=r"^h: expected a number or an array of shape \(2,\) \(the shape of x\), got shape \(3,\)$"):
        one_sided_differences(_square_sum, np.ones(2), h=np.ones(3))
    with pytest.raises(ValueError, match=r"^f: expected a scalar output \(a single number\), got an array of shape \(2,\) "
                       r"at x \+ h e_0 \(use numerical_jacobian for vector-valued functions\)$"):
        numerical_gradient(lambda a: a, np.ones(2))
    with pytest.raises(ValueError, match=r"at x \+ h e_\(0, 1\)"):
        numerical_gradient(lambda a: a if a[0, 1] > 1 else 0.0, np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"at x - h e_1 "):
        numerical_gradient(lambda a: a if a[1] < 1 else 0.0, np.ones(2))
    with pytest.raises(ValueError, match=r"at x \+ h;"):
        numerical_derivative(lambda t: np.nan if t > 1 else 0.0, 1.0)
    with pytest.raises(ValueError, match=r"at x - h;"):
        numerical_derivative(lambda t: np.nan if t < 1 else 0.0, 1.0)
    with pytest.raises(ValueError, match=r"^x: expected a single number, got an array of shape \(2,\) "
                       r"\(use numerical_gradient or numerical_jacobian for arrays\)$"):
        numerical_derivative(np.sin, np.ones(2))
    with pytest.raises(ValueError, match=r"^f: returned 2 values at x \+ h but 1 at x; its output size"):
        numerical_jacobian(lambda a: np.ones(2 if a[0] > 1 else 1), np.ones(1))
    with pytest.raises(ValueError, match=r"output size must not depend on x"):
        numerical_jacobian(lambda a: np.ones(2 if a[0] < 1 else 1), np.ones(1))
    with pytest.raises(TypeError, match=r"^f: expected it to return a number or numeric array, got str at x - h e_0$"):
        numerical_jacobian(lambda a: "s" if a[0] < 1 else a, np.ones(1))
    for where, f in [("x", lambda a: "s" if a[0] == 1 else 0.0),
                     ("x \\+ h", lambda a: "s" if a[0] > 1 else 0.0),
                     ("x - h", lambda a: "s" if a[0] < 1 else 0.0)]:
        with pytest.raises(TypeError, match=f"got str at {where}$"):
            one_sided_differences(f, np.ones(1))


@pytest.mark.parametrize("fn", [numerical_derivative, numerical_gradient, numerical_jacobian, one_sided_differences])
def test_every_function_names_x_h_and_f_in_its_messages(fn):
    x = 1.0 if fn is numerical_derivative else np.ones(2)
    scalar_f = (lambda t: t) if fn is numerical_derivative else _square_sum
    with pytest.raises(TypeError, match=r"^x: expected a real number or numeric array, got str"):
        fn(scalar_f, "abc")
    with pytest.raises(ValueError, match=r"^h: expected positive step sizes"):
        fn(scalar_f, x, h=-1.0)
    with pytest.raises(TypeError, match=r"^h: expected a real number or numeric array"):
        fn(scalar_f, x, h="big")
    with pytest.raises(TypeError, match=r"^f: expected it to return a number or numeric array, got str at x"):
        fn(lambda a: "s", x)
    with pytest.raises(TypeError, match=r"^x: expected a real number or numeric array, got str"):
        default_step("abc")


@pytest.mark.parametrize("where, f", [
    ("x", lambda a: "s" if a[0] == 1 else 0.0),
    ("x \\+ h", lambda a: "s" if a[0] > 1 else 0.0),
    ("x - h", lambda a: "s" if a[0] < 1 else 0.0),
])
def test_one_sided_differences_name_f_and_the_point(where, f):
    with pytest.raises(TypeError, match=f"^f: expected it to return a number or numeric array, got str at {where}$"):
        one_sided_differences(f, np.ones(1))


@pytest.mark.parametrize("where, f", [
    ("x \\+ h", lambda t: "s" if t > 1 else 0.0),
    ("x - h", lambda t: "s" if t < 1 else 0.0),
])
def test_numerical_derivative_names_f_and_the_point(where, f):
    with pytest.raises(TypeError, match=f"^f: expected it to return a number or numeric array, got str at {where}$"):
        numerical_derivative(f, 1.0)


def test_numerical_jacobian_names_f_and_the_perturbed_entry():
    with pytest.raises(TypeError, match=r"^f: expected it to return a number or numeric array, got str at x \+ h e_1$"):
        numerical_jacobian(lambda a: "s" if a[1] > 1 else a, np.ones(2))
    with pytest.raises(TypeError, match=r"^f: expected it to return a number or numeric array, got str at x$"):
        numerical_jacobian(lambda a: "s", np.ones(2))


def test_the_default_central_step_is_cbrt_eps_times_max_1_abs_x():
    x = np.array([0.25, -3.0])
    expected = np.cbrt(EPS) * np.maximum(1.0, np.abs(x))
    for fn in (numerical_gradient, numerical_jacobian):
        seen = []
        fn(lambda a: seen.append(a - x) or 0.0, x)
        np.testing.assert_allclose(np.abs(np.array(seen)).max(axis=0), expected, rtol=1e-6)
    seen = []
    numerical_derivative(lambda t: seen.append(t - 0.25) or 0.0, 0.25)
    assert max(abs(s) for s in seen) == pytest.approx(expected[0], rel=1e-6)


def test_a_size_1_array_output_counts_as_a_scalar_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = numerical_gradient(lambda a: np.array([np.sum(a**2)]), np.array([1.0, 2.0]))
        assert numerical_derivative(lambda t: np.array([[t * t]]), 3.0) == pytest.approx(6.0, rel=1e-8)
    np.testing.assert_allclose(g, [2.0, 4.0], rtol=1e-8)


# ---- the run of 2 Dec 2026, 21:58 UTC ----

def test_a_scalar_x_changed_in_place_is_named_without_an_entry_index():
    """For a 0-d x there is no entry to point at: the message says the input was modified, and
    nothing about an entry ``()``."""
    def bump(a):
        a += 1.0
        return float(a)

    with pytest.raises(InputModifiedError, match=r"^f: modified its input x in place; a function being"):
        call_checked(bump, np.array(2.0))


def test_a_ragged_x_is_refused_naming_its_type():
    """``[[1, 2], [3]]`` cannot become an array: the TypeError names what was given (a list)."""
    with pytest.raises(TypeError, match=r"^x: expected a real number or numeric array, got list$"):
        as_point([[1.0, 2.0], [3.0]], "x")


def test_a_ragged_output_is_refused_as_a_type_error_naming_its_type():
    """An f returning ``[[1, 2], [3]]`` (numpy cannot make an array of it) gets the same TypeError
    as any non-numeric output, naming the type and where f was evaluated."""
    with pytest.raises(TypeError, match=r"^f: expected it to return a number or numeric array, got list at x$"):
        as_output([[1.0, 2.0], [3.0]], "f", "x")
