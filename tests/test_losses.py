"""Tests for course.reference.losses: mse_loss and softmax_cross_entropy.

Values and gradients are compared with HIPS autograd (relative error < 1e-8) and
central finite differences on random shapes and seeds; softmax cross-entropy is
shown stable for logits of 1e4; the checks are shown to reject wrong losses.
"""
from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

from course.reference.losses import mse_loss, softmax_cross_entropy
from reference_checks import fd_gradient, fd_rel_error, max_rel_error, no_fp_trouble

SEEDS = range(6)


def random_case(seed):
    rng = np.random.default_rng(seed)
    k, m = (int(v) for v in rng.integers(1, 7, size=2))
    k = max(k, 2)
    logits = 3.0 * rng.standard_normal((k, m))
    labels = rng.integers(0, k, size=m)
    Y = np.zeros((k, m))
    Y[labels, np.arange(m)] = 1.0
    return logits, labels, Y, rng


# independent references in autograd.numpy (the textbook formulas)


def anp_mse(y_hat, y):
    m = y_hat.shape[1]
    return anp.sum(0.5 * anp.sum((y_hat - y) ** 2, axis=0)) / m


def anp_softmax_ce(z, Y):
    m = z.shape[1]
    log_p = z - anp.log(anp.sum(anp.exp(z), axis=0))
    return -anp.sum(Y * log_p) / m


def check_loss(loss_fn, anp_loss, y_hat, y, y_for_anp, tol=1e-8):
    """Value and gradient of ``loss_fn`` against autograd; AssertionError on mismatch."""
    value, d = loss_fn(y_hat, y)
    assert isinstance(value, float), f"loss is {type(value).__name__}, not float"
    assert max_rel_error(value, anp_loss(y_hat, y_for_anp)) < tol, "loss value"
    assert max_rel_error(d, grad(anp_loss)(y_hat, y_for_anp)) < tol, "gradient"


# -- the check rejects wrong losses ---------------------------------------------------


def mse_not_divided_by_m(y_hat, y):
    return 0.5 * float(np.sum((y_hat - y) ** 2)), y_hat - y


def mse_without_the_half(y_hat, y):
    m = y_hat.shape[1]
    return float(np.sum((y_hat - y) ** 2)) / m, 2 * (y_hat - y) / m


def mse_gradient_sign_flipped(y_hat, y):
    loss, d = mse_loss(y_hat, y)
    return loss, -d


def ce_gradient_y_minus_p(z, y):
    loss, d = softmax_cross_entropy(z, y)
    return loss, -d


def ce_gradient_not_divided_by_m(z, y):
    loss, d = softmax_cross_entropy(z, y)
    return loss, d * z.shape[1]


@pytest.mark.parametrize("wrong", [mse_not_divided_by_m, mse_without_the_half, mse_gradient_sign_flipped])
def test_check_rejects_wrong_mse(wrong):
    rng = np.random.default_rng(0)
    y_hat, y = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    check_loss(mse_loss, anp_mse, y_hat, y, y)
    with pytest.raises(AssertionError):
        check_loss(wrong, anp_mse, y_hat, y, y)


@pytest.mark.parametrize("wrong", [ce_gradient_y_minus_p, ce_gradient_not_divided_by_m])
def test_check_rejects_wrong_cross_entropy(wrong):
    logits, labels, Y, _ = random_case(1)
    logits = np.hstack([logits, logits])  # m >= 2 so a missing 1/m shows
    labels, Y = np.concatenate([labels, labels]), np.hstack([Y, Y])
    check_loss(softmax_cross_entropy, anp_softmax_ce, logits, labels, Y)
    with pytest.raises(AssertionError, match="gradient"):
        check_loss(wrong, anp_softmax_ce, logits, labels, Y)


# -- mse ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_mse_matches_autograd(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(int(v) for v in rng.integers(1, 7, size=2))
    y_hat, y = rng.standard_normal(shape), rng.standard_normal(shape)
    check_loss(mse_loss, anp_mse, y_hat, y, y)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_mse_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    y_hat, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    _, d = mse_loss(y_hat, y)
    assert fd_rel_error(d, fd_gradient(lambda a: mse_loss(a, y)[0], y_hat)) < 1e-7


def test_mse_known_value():
    loss, d = mse_loss(np.array([[1.0, 3.0]]), np.array([[0.0, 1.0]]))
    assert loss == pytest.approx((0.5 * 1 + 0.5 * 4) / 2, rel=1e-15)
    np.testing.assert_allclose(d, [[0.5, 1.0]], rtol=1e-15)


def test_mse_is_a_mean_over_examples():
    rng = np.random.default_rng(3)
    y_hat, y = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    loss, d = mse_loss(y_hat, y)
    loss2, d2 = mse_loss(np.hstack([y_hat, y_hat]), np.hstack([y, y]))
    assert loss2 == pytest.approx(loss, rel=1e-14)
    np.testing.assert_allclose(d2[:, :3], d / 2, rtol=1e-14)


def test_mse_accepts_integer_targets():
    loss, _ = mse_loss(np.array([[0.5, 0.5]]), np.array([[0, 1]]))
    assert loss == pytest.approx(0.125)


# -- softmax cross-entropy -----------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_matches_autograd_with_labels_and_one_hot(seed):
    logits, labels, Y, _ = random_case(seed)
    check_loss(softmax_cross_entropy, anp_softmax_ce, logits, labels, Y)
    check_loss(softmax_cross_entropy, anp_softmax_ce, logits, Y, Y)
    check_loss(softmax_cross_entropy, anp_softmax_ce, logits, list(labels), Y)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_cross_entropy_matches_finite_differences(seed):
    logits, labels, _, _ = random_case(seed)
    _, d = softmax_cross_entropy(logits, labels)
    fd = fd_gradient(lambda z: softmax_cross_entropy(z, labels)[0], logits)
    assert fd_rel_error(d, fd) < 1e-7


def test_cross_entropy_with_soft_targets():
    rng = np.random.default_rng(4)
    logits = rng.standard_normal((3, 5))
    Y = rng.dirichlet(np.ones(3), size=5).T
    check_loss(softmax_cross_entropy, anp_softmax_ce, logits, Y, Y)


def test_cross_entropy_gradient_is_p_minus_y_over_m():
    logits = np.array([[0.0, 2.0], [np.log(3.0), 2.0]])
    loss, d = softmax_cross_entropy(logits, np.array([1, 0]))
    assert loss == pytest.approx((-np.log(0.75) - np.log(0.5)) / 2, rel=1e-14)
    np.testing.assert_allclose(d, np.array([[0.25, -0.5], [-0.25, 0.5]]) / 2, rtol=1e-14)
    np.testing.assert_allclose(d.sum(axis=0), 0.0, atol=1e-16)


def test_cross_entropy_is_stable_for_logits_of_1e4():
    logits = np.array([[1e4, -1e4, 1e4], [-1e4, 1e4, 1e4], [0.0, 0.0, 1e4]])
    labels = np.array([0, 2, 1])
    with no_fp_trouble():
        loss, d = softmax_cross_entropy(logits, labels)
    # example 0: p_0 = 1, cost 0; example 1: cost 1e4; example 2: cost log 3
    assert loss == pytest.approx((0.0 + 1e4 + np.log(3.0)) / 3, rel=1e-14)
    assert np.all(np.isfinite(d))
    np.testing.assert_allclose(d[:, 1], [0.0, 1.0 / 3, -1.0 / 3], atol=1e-15)
    np.testing.assert_allclose(d[:, 2], [1 / 9, -2 / 9, 1 / 9], rtol=1e-14)


def test_stability_check_rejects_a_naive_cross_entropy():
    def naive(z, labels):
        p = np.exp(z) / np.exp(z).sum(axis=0)
        return -np.mean(np.log(p[labels, np.arange(z.shape[1])]))

    with pytest.raises(FloatingPointError), no_fp_trouble():
        naive(np.array([[1e4], [0.0]]), np.array([0]))


# -- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "y_hat, y, error, pattern",
    [
        (np.ones(3), np.ones(3), ValueError, r"^y_hat: expected a 2-D float array of shape \(k, m\), got shape \(3,\)"),
        (np.ones((1, 4)), np.ones(4), ValueError, r"^y: expected .*\(1, 4\) like y_hat.*got shape \(4,\).*reshape"),
        (np.ones((2, 4)), np.ones((4, 2)), ValueError, r"^y: expected shape \(2, 4\) like y_hat, got shape \(4, 2\)$"),
        (np.ones((1, 2)), [[np.nan, 1.0]], ValueError, r"^y: expected finite values"),
        ([[np.inf, 1.0]], np.ones((1, 2)), ValueError, r"^y_hat: expected finite values"),
        (np.ones((1, 0)), np.ones((1, 0)), ValueError, r"^y_hat: expected at least one output and one example"),
        ([["a", "b"]], np.ones((1, 2)), TypeError, r"^y_hat: expected a real-valued"),
        (np.ones((1, 2)), None, TypeError, r"^y: expected a real-valued"),
    ],
)
def test_mse_refuses_bad_input(y_hat, y, error, pattern):
    with pytest.raises(error, match=pattern):
        mse_loss(y_hat, y)


@pytest.mark.parametrize(
    "logits, y, error, pattern",
    [
        (np.ones(3), np.array([0]), ValueError, r"^logits: expected a 2-D float array of shape \(k, m\)"),
        (np.ones((3, 0)), np.array([], int), ValueError, r"^logits: expected at least one"),
        (np.ones((3, 2)), np.array([0.0, 1.0]), TypeError, r"^y: expected integer class labels.*dtype float64"),
        (np.ones((3, 2)), np.array([True, False]), TypeError, r"^y: expected integer class labels"),
        (np.ones((3, 2)), np.array([0, 1, 2]), ValueError, r"^y: expected 2 labels .*got shape \(3,\)"),
        (np.ones((3, 2)), np.array([0, 3]), ValueError, r"^y: expected labels in 0..2 .*got values from 0 to 3"),
        (np.ones((3, 2)), np.array([-1, 0]), ValueError, r"^y: expected labels in 0..2"),
        (np.ones((3, 2)), np.ones((2, 3)) / 2, ValueError,
         r"^y: expected shape .*\(3, 2\) targets, got shape \(2, 3\)"),
        (np.ones((3, 2)), np.ones((3, 2)), ValueError, r"^y: expected each column to be a distribution"),
        (np.ones((2, 1)), np.array([[1.5], [-0.5]]), ValueError, r"^y: expected each column to be a distribution"),
        (np.ones((3, 2)), np.ones((3, 2, 1)), ValueError, r"^y: expected a 1-D or 2-D"),
        (np.full((2, 1), np.nan), np.array([0]), ValueError, r"^logits: expected finite values"),
    ],
)
def test_cross_entropy_refuses_bad_input(logits, y, error, pattern):
    with pytest.raises(error, match=pattern):
        softmax_cross_entropy(logits, y)
