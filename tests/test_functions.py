"""Tests for course.reference.functions: activations, derivatives, softmax and the chapter-2 Jacobians.

Each derivative is compared with HIPS autograd (to 1e-8 relative) and with
central finite differences (to 1e-6), on random shapes and seeds. The comparison
and finite-difference helpers shared by the tests (tests/reference_checks.py) are
shown here to reject wrong derivatives.
"""
from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import elementwise_grad, jacobian
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from course.reference.functions import (
    relu,
    relu_prime,
    sigmoid,
    sigmoid_jacobian,
    sigmoid_prime,
    softmax,
    softmax_jacobian,
    tanh_prime,
)
from reference_checks import (
    fd_elementwise,
    fd_gradient,
    fd_gradient_in_place,
    fd_jacobian,
    fd_rel_error,
    max_rel_error,
    no_fp_trouble,
)

SEEDS = range(6)


def random_array(seed, scale=2.0):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(1, 6, size=rng.integers(0, 4)))
    return scale * rng.standard_normal(shape)


def random_column(seed):
    rng = np.random.default_rng(seed)
    return 2.0 * rng.standard_normal((int(rng.integers(1, 8)), 1))


# -- independent references written with autograd.numpy --------------------------


def anp_sigmoid(z):
    return 1.0 / (1.0 + anp.exp(-z))


def anp_relu(z):
    return anp.maximum(z, 0.0)


def anp_softmax(z):
    e = anp.exp(z - anp.max(z))
    return e / anp.sum(e)


# -- the helpers can fail -----------------------------------------------------------


def test_helpers_reject_wrong_derivatives():
    z = random_array(0) + 0.1
    s = sigmoid(z)
    assert max_rel_error(s * (1 + s), elementwise_grad(anp_sigmoid)(z)) > 1e-2  # wrong formula
    assert max_rel_error(1 - np.tanh(z), elementwise_grad(anp.tanh)(z)) > 1e-2  # forgot the square
    assert fd_rel_error(-sigmoid_prime(z), fd_elementwise(sigmoid, z)) > 0.5  # sign flipped
    one_wrong = sigmoid_prime(np.linspace(-3, 3, 100))
    one_wrong[17] *= 2  # a single wrong entry among 100
    assert fd_rel_error(one_wrong, fd_elementwise(sigmoid, np.linspace(-3, 3, 100))) > 1e-3
    col = random_column(1)
    p = softmax(col)
    assert max_rel_error(np.diag(p.ravel()), fd_jacobian(softmax, col)) > 1e-2  # dropped -p p^T
    with pytest.raises(AssertionError, match="shape"):
        max_rel_error(sigmoid_prime(col).ravel(), sigmoid_jacobian(col))  # a vector is not the Jacobian
    with pytest.raises(AssertionError, match="NaN"):
        max_rel_error(np.full(3, np.nan), np.zeros(3))


def test_gradient_helpers_reject_wrong_gradients_and_leave_x_unchanged():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4))
    x_before = x.copy()

    def f(a):
        return float(np.sum(np.tanh(a) ** 2))

    exact = 2 * np.tanh(x) * (1 - np.tanh(x) ** 2)
    numeric = fd_gradient(f, x)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(fd_gradient_in_place(lambda: f(x), x), numeric)
    np.testing.assert_array_equal(x, x_before)  # perturbed in place, then restored
    assert fd_rel_error(exact, numeric) < 1e-7
    assert fd_rel_error(-exact, numeric) > 0.5  # sign flipped
    one_wrong = exact.copy()
    one_wrong.flat[np.argmax(np.abs(exact))] *= 2  # a single wrong entry among 12
    assert fd_rel_error(one_wrong, numeric) > 1e-2
    with pytest.raises(AssertionError, match="shape"):
        fd_rel_error(exact.T, numeric)
    with pytest.raises(AssertionError, match="NaN"):
        fd_rel_error(np.full(exact.shape, np.nan), numeric)


# -- values ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_values_match_autograd_references(seed):
    z = random_array(seed)
    assert max_rel_error(sigmoid(z), anp_sigmoid(z)) < 1e-12
    assert max_rel_error(relu(z), anp_relu(z)) == 0.0
    col = random_column(seed)
    assert max_rel_error(softmax(col), anp_softmax(col)) < 1e-12


def test_known_values():
    assert sigmoid(0.0) == 0.5
    assert sigmoid_prime(0.0) == 0.25
    assert tanh_prime(0.0) == 1.0
    np.testing.assert_array_equal(relu([-2.0, 0.0, 3.0]), [0.0, 0.0, 3.0])
    np.testing.assert_allclose(softmax([0.0, np.log(3.0)]), [0.25, 0.75], rtol=1e-15)


def test_output_is_float64_array_of_input_shape():
    for f in (sigmoid, sigmoid_prime, tanh_prime, relu, relu_prime):
        out = f(np.arange(6).reshape(2, 3))  # int input
        assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == (2, 3)
        assert f(1).shape == ()
    assert softmax(np.arange(6).reshape(3, 2)).shape == (3, 2)


# -- derivatives against autograd and finite differences ----------------------------


DERIVATIVES = [
    ("sigmoid", sigmoid, sigmoid_prime, anp_sigmoid),
    ("tanh", np.tanh, tanh_prime, anp.tanh),
    ("relu", relu, relu_prime, anp_relu),
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name, f, f_prime, anp_f", DERIVATIVES, ids=[d[0] for d in DERIVATIVES])
def test_derivative_matches_autograd(name, f, f_prime, anp_f, seed):
    z = random_array(seed)
    assert max_rel_error(f_prime(z), elementwise_grad(anp_f)(z)) < 1e-8


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name, f, f_prime, anp_f", DERIVATIVES, ids=[d[0] for d in DERIVATIVES])
def test_derivative_matches_finite_differences(name, f, f_prime, anp_f, seed):
    z = random_array(seed)
    z = np.where(np.abs(z) < 1e-3, 0.5, z)  # stay away from the ReLU kink
    assert fd_rel_error(f_prime(z), fd_elementwise(f, z)) < 1e-7


def test_relu_prime_is_zero_at_the_kink():
    np.testing.assert_array_equal(relu_prime([-1.0, 0.0, 1e-300, 2.0]), [0.0, 0.0, 1.0, 1.0])


def check_jacobian(jacobian_fn, f, anp_f, z):
    """J = jacobian_fn(z) is (n, n) and matches autograd's Jacobian of anp_f and f's finite differences."""
    J = jacobian_fn(z)
    assert J.shape == (z.size, z.size)
    assert max_rel_error(J, jacobian(anp_f)(z).reshape(z.size, z.size)) < 1e-8
    assert fd_rel_error(J, fd_jacobian(f, z)) < 1e-7
    return J


@pytest.mark.parametrize("seed", SEEDS)
def test_sigmoid_jacobian_matches_autograd_and_fd(seed):
    J = check_jacobian(sigmoid_jacobian, sigmoid, anp_sigmoid, random_column(seed))
    assert np.count_nonzero(J - np.diag(np.diag(J))) == 0  # diagonal


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_jacobian_matches_autograd_and_fd(seed):
    J = check_jacobian(softmax_jacobian, softmax, anp_softmax, random_column(seed))
    np.testing.assert_allclose(J.sum(axis=0), 0.0, atol=1e-15)


def test_jacobians_accept_a_flat_vector():
    z = np.array([0.3, -1.2, 2.0])
    np.testing.assert_array_equal(sigmoid_jacobian(z), sigmoid_jacobian(z.reshape(-1, 1)))
    np.testing.assert_array_equal(softmax_jacobian(z), softmax_jacobian(z.reshape(-1, 1)))


def test_implicit_diagonal_jacobian_equals_explicit():
    # backprop never builds diag(f'(z)): J.T @ da == f'(z) * da
    rng = np.random.default_rng(3)
    z, da = rng.standard_normal((5, 1)), rng.standard_normal((5, 1))
    np.testing.assert_allclose(sigmoid_jacobian(z).T @ da, sigmoid_prime(z) * da, rtol=1e-15)


# -- stability ------------------------------------------------------------------------


def test_sigmoid_is_stable_for_huge_inputs():
    z = np.array([-1e3, -800.0, -40.0, 0.0, 40.0, 800.0, 1e3])
    with no_fp_trouble():
        s, ds = sigmoid(z), sigmoid_prime(z)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert np.all(np.isfinite(ds)) and ds[0] == 0.0 and ds[-1] == 0.0
    np.testing.assert_allclose(s[2], np.exp(-40.0), rtol=1e-14)  # no cancellation for z < 0


def test_stability_check_rejects_naive_formulas():
    with pytest.raises(FloatingPointError), no_fp_trouble():
        1.0 / (1.0 + np.exp(-np.array([-1e3])))  # naive sigmoid overflows
    with pytest.raises(FloatingPointError), no_fp_trouble():
        z = np.array([[1e4], [0.0]])
        np.exp(z) / np.exp(z).sum(axis=0)  # softmax without the max shift


def test_softmax_is_stable_for_logits_of_1e4():
    z = np.array([[1e4, -1e4, 1e4], [0.0, 1e4, 1e4], [-1e4, 1e4 - 1, 1e4]])
    with no_fp_trouble():
        p = softmax(z)
        J = softmax_jacobian(z[:, :1])
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(J))
    np.testing.assert_allclose(p[:, 0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p[:, 1], [0.0, np.e / (1 + np.e), 1 / (1 + np.e)], rtol=1e-14)
    np.testing.assert_allclose(p[:, 2], [1 / 3] * 3, rtol=1e-14)


# -- properties -------------------------------------------------------------------------

finite_floats = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@given(arrays(np.float64, array_shapes(max_dims=3, max_side=5), elements=finite_floats))
def test_sigmoid_symmetry_and_range(z):
    s = sigmoid(z)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(sigmoid(-z), 1 - s, atol=1e-15)
    assert np.all(sigmoid_prime(z) <= 0.25) and np.all(tanh_prime(z) <= 1.0)


@given(
    arrays(np.float64, array_shapes(min_dims=2, max_dims=2, max_side=5), elements=finite_floats),
    st.floats(-1e3, 1e3),
)
def test_softmax_columns_are_distributions_and_shift_invariant(z, c):
    p = softmax(z)
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(softmax(z + c), p, atol=1e-9)


def test_softmax_is_per_column():
    rng = np.random.default_rng(7)
    z = rng.standard_normal((4, 3))
    for j in range(3):
        np.testing.assert_allclose(softmax(z)[:, j], softmax(z[:, j]), rtol=1e-15)


# -- bad input --------------------------------------------------------------------------

ALL = [sigmoid, sigmoid_prime, tanh_prime, relu, relu_prime, softmax, sigmoid_jacobian, softmax_jacobian]
ALL_IDS = [f.__name__ for f in ALL]


@pytest.mark.parametrize("f", ALL, ids=ALL_IDS)
@pytest.mark.parametrize(
    "bad, error",
    [
        ("abc", TypeError),
        (None, TypeError),
        ([1 + 2j, 0j], TypeError),
        (np.array([True, False]), TypeError),
        ([[1.0, 2.0], [3.0]], TypeError),
        ([0.5, np.nan], ValueError),
        ([np.inf, 1.0], ValueError),
    ],
    ids=["str", "None", "complex", "bool", "ragged", "nan", "inf"],
)
def test_bad_values_are_refused_naming_z(f, bad, error):
    with pytest.raises(error, match=r"^z: expected"):
        f(bad)


@pytest.mark.parametrize("f", [softmax, sigmoid_jacobian, softmax_jacobian], ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(), (2, 3, 1), (0,)])
def test_bad_shapes_are_refused_naming_z(f, shape):
    with pytest.raises(ValueError, match=r"^z: expected .*got shape"):
        f(np.ones(shape))


@pytest.mark.parametrize("f", [sigmoid_jacobian, softmax_jacobian], ids=lambda f: f.__name__)
def test_jacobians_refuse_a_row_or_a_batch(f):
    with pytest.raises(ValueError, match=r"z: expected a column vector of shape \(n, 1\).*got shape \(1, 3\)"):
        f(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"got shape \(3, 2\)"):
        f(np.ones((3, 2)))
