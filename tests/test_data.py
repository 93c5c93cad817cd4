"""Tests for course.data: seeded toy datasets, the bundled digits, one_hot, train_test_split."""
from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from course.data import (
    load_digits,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    one_hot,
    train_test_split,
)

MAKERS = [make_xor, make_moons, make_circles, make_spirals]
N_CLASSES = {make_xor: 2, make_moons: 2, make_circles: 2, make_spirals: 3}


# ---------------------------------------------------------------- all toy sets
@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("n", [12, 13, 200, 301])
def test_shapes_dtypes_and_labels(make, n):
    X, y = make(n, rng=np.random.default_rng(0))
    assert X.shape == (2, n) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.all(np.isfinite(X))
    assert set(np.unique(y)) == set(range(N_CLASSES[make]))


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("n", [12, 13, 14, 15, 200, 301])
def test_classes_are_balanced(make, n):
    _, y = make(n, rng=np.random.default_rng(1))
    counts = np.bincount(y, minlength=N_CLASSES[make])
    assert counts.max() - counts.min() <= 1, counts


@pytest.mark.parametrize("make", MAKERS)
def test_same_seed_same_data_different_seed_different_data(make):
    X1, y1 = make(100, noise=0.1, rng=np.random.default_rng(7))
    X2, y2 = make(100, noise=0.1, rng=np.random.default_rng(7))
    X3, y3 = make(100, noise=0.1, rng=np.random.default_rng(8))
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.allclose(X1, X3)
    assert not np.array_equal(y1, y3)          # classes are shuffled, so the order depends on the seed


@pytest.mark.parametrize("make", MAKERS)
def test_randomness_comes_only_from_the_given_generator(make):
    np.random.seed(123)
    global_state = np.random.get_state()[1].copy()
    rng = np.random.default_rng(3)
    X1, _ = make(50, rng=rng)
    X2, _ = make(50, rng=rng)                  # the generator advanced: new data
    assert not np.allclose(X1, X2)
    assert np.array_equal(np.random.get_state()[1], global_state)


@pytest.mark.parametrize("make", MAKERS)
def test_columns_are_shuffled(make):
    _, y = make(200, rng=np.random.default_rng(0))
    assert np.any(np.diff(y) < 0) and np.any(np.diff(y) > 0)


@pytest.mark.parametrize("make", MAKERS)
def test_noise_is_gaussian_with_the_given_scale(make):
    clean, _ = make(4000, noise=0.0, rng=np.random.default_rng(5))
    noisy, _ = make(4000, noise=0.2, rng=np.random.default_rng(5))
    diff = noisy - clean                       # same seed: same clean points, then noise
    assert diff.std() == pytest.approx(0.2, rel=0.05)
    assert abs(diff.mean()) < 0.02


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("bad_rng", [None, 0, np.random.RandomState(0), np.random])
def test_rng_must_be_a_generator(make, bad_rng):
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator"):
        make(10, rng=bad_rng)


@pytest.mark.parametrize("make", MAKERS)
def test_rng_is_required(make):
    with pytest.raises(TypeError):
        make(10)


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"n": 1}, ValueError, "n: expected an int >= "),
    ({"n": 10.0}, TypeError, "n: expected an int"),
    ({"n": True}, TypeError, "n: expected an int"),
    ({"noise": -0.1}, ValueError, "noise: expected a finite number >= 0"),
    ({"noise": float("nan")}, ValueError, "noise: expected a finite number >= 0"),
    ({"noise": "0.1"}, TypeError, "noise: expected a finite number"),
])
def test_bad_arguments(make, kwargs, error, message):
    kwargs = {"n": 20, **kwargs}
    with pytest.raises(error, match=message):
        make(rng=np.random.default_rng(0), **kwargs)


# ---------------------------------------------------------------- each set's geometry
def test_xor_labels_are_the_xor_of_the_signs():
    X, y = make_xor(400, noise=0.0, rng=np.random.default_rng(0))
    assert np.array_equal(y, (X[0] > 0) ^ (X[1] > 0))
    assert np.all(np.abs(X) <= 1.0)
    # every quadrant is used equally often
    quadrant = 2 * (X[0] > 0) + (X[1] > 0)
    assert np.array_equal(np.bincount(quadrant, minlength=4), [100, 100, 100, 100])


def test_xor_labels_come_from_the_clean_points():
    clean, y_clean = make_xor(400, noise=0.0, rng=np.random.default_rng(4))
    noisy, y_noisy = make_xor(400, noise=0.3, rng=np.random.default_rng(4))
    assert np.array_equal(y_clean, y_noisy)
    agree = np.mean(y_noisy == ((noisy[0] > 0) ^ (noisy[1] > 0)))
    assert 0.6 < agree < 1.0                   # noise pushes some points across an axis


def test_xor_label_is_the_sign_of_the_product_of_the_coordinates():
    X, y = make_xor(400, rng=np.random.default_rng(2))
    assert np.array_equal(y, (X[0] * X[1] < 0).astype(int))


def test_circles_radii():
    X, y = make_circles(300, noise=0.0, factor=0.3, rng=np.random.default_rng(0))
    radius = np.hypot(X[0], X[1])
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)


@pytest.mark.parametrize("factor", [0.0, 1.0, 1.5])
def test_circles_factor_must_be_between_0_and_1(factor):
    with pytest.raises(ValueError, match="factor: expected a number in"):
        make_circles(20, factor=factor, rng=np.random.default_rng(0))


def test_moons_lie_on_their_half_circles():
    X, y = make_moons(300, noise=0.0, rng=np.random.default_rng(0))
    P = X + np.array([[0.5], [0.25]])         # undo the centring
    outer, inner = P[:, y == 0], P[:, y == 1]
    np.testing.assert_allclose(np.hypot(outer[0], outer[1]), 1.0)
    assert np.all(outer[1] >= 0)
    np.testing.assert_allclose(np.hypot(inner[0] - 1.0, inner[1] - 0.5), 1.0)
    assert np.all(inner[1] <= 0.5)
    assert np.all(np.abs(X.mean(axis=1)) < 0.15)


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_spirals_arms(n_classes):
    X, y = make_spirals(50 * n_classes, noise=0.0, n_classes=n_classes, turns=0.5,
                        rng=np.random.default_rng(0))
    assert np.array_equal(np.bincount(y), [50] * n_classes)
    r = np.hypot(X[0], X[1])
    assert np.all((r >= 0.05) & (r <= 1.0))
    # angle = 2 pi (j / n_classes + turns * r)  (mod 2 pi)
    expected = 2 * np.pi * (y / n_classes + 0.5 * r)
    np.testing.assert_allclose(np.cos(np.arctan2(X[1], X[0]) - expected), 1.0, atol=1e-12)


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"n_classes": 1}, ValueError), ({"n_classes": 2.0}, TypeError),
    ({"turns": 0.0}, ValueError), ({"turns": -1.0}, ValueError), ({"n": 2, "n_classes": 3}, ValueError),
])
def test_spirals_bad_arguments(kwargs, error):
    kwargs = {"n": 30, **kwargs}
    with pytest.raises(error):
        make_spirals(rng=np.random.default_rng(0), **kwargs)


# ---------------------------------------------------------------- digits
def test_digits_shape_range_and_labels():
    X, y = load_digits()
    assert X.shape == (64, 1797) and X.dtype == np.float64
    assert y.shape == (1797,) and np.issubdtype(y.dtype, np.integer)
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(X * 16, np.round(X * 16))        # original 0..16 counts
    # class counts of the UCI optdigits test set
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_digits_first_image_is_a_zero_with_the_known_pixels():
    X, y = load_digits()
    assert y[:10].tolist() == list(range(10))
    # first row of sklearn's digits.csv.gz
    first = [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0, 0, 8, 8, 0,
             0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0]
    np.testing.assert_array_equal(X[:, 0] * 16, first)


def test_digits_returns_fresh_arrays():
    X1, y1 = load_digits()
    X1[:] = -1.0
    y1[:] = -1
    X2, y2 = load_digits()
    assert X2.min() == 0.0 and y2.min() == 0


def test_digits_ship_as_package_data_with_a_licence():
    folder = resources.files("course.data")
    assert (folder / "digits.npz").is_file()
    licence = (folder / "DIGITS_LICENSE.txt").read_text(encoding="utf-8")
    for needed in ("CC BY 4.0", "Alpaydin", "Kaynak", "UCI", "What was changed"):
        assert needed in licence


# ---------------------------------------------------------------- one_hot
def test_one_hot_columns():
    y = np.array([2, 0, 1, 2])
    Y = one_hot(y, 4)
    assert Y.shape == (4, 4) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y.sum(axis=0), 1.0)
    np.testing.assert_array_equal(Y.argmax(axis=0), y)
    assert Y[3].sum() == 0.0
    assert one_hot(y).shape == (3, 4)           # k inferred as max + 1


@pytest.mark.parametrize(("y", "k", "message"), [
    ([0, 3], 3, "y: expected labels in 0..2"),
    ([-1, 0], 2, "y: expected labels in 0..1"),
    ([0.0, 1.0], 2, "y: expected a 1-D int array"),
    ([[0, 1]], 2, "y: expected a 1-D int array"),
])
def test_one_hot_rejects_bad_labels(y, k, message):
    with pytest.raises(ValueError, match=message):
        one_hot(y, k)


# ---------------------------------------------------------------- train_test_split
def test_train_test_split_partitions_the_columns():
    X = np.vstack([np.arange(20.0), np.arange(20.0) * 10])
    y = np.arange(20)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_fraction=0.25, rng=np.random.default_rng(0))
    assert X_tr.shape == (2, 15) and X_te.shape == (2, 5)
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == list(range(20))
    np.testing.assert_array_equal(X_tr[0], y_tr)                   # labels stay with their columns
    np.testing.assert_array_equal(X_te[0], y_te)
    assert not np.array_equal(y_te, np.arange(15, 20))             # shuffled, not the last columns


def test_train_test_split_is_seeded_and_keeps_one_hot_targets_aligned():
    X, y = make_moons(40, rng=np.random.default_rng(0))
    Y = one_hot(y, 2)
    a = train_test_split(X, Y, test_fraction=0.5, rng=np.random.default_rng(9))
    b = train_test_split(X, Y, test_fraction=0.5, rng=np.random.default_rng(9))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert a[2].shape == (2, 20) and a[3].shape == (2, 20)


@pytest.mark.parametrize(("X", "y", "fraction", "message"), [
    (np.zeros((2, 5)), np.zeros(4), 0.2, "y: expected shape"),
    (np.zeros(5), np.zeros(5), 0.2, "X: expected a 2-D array"),
    (np.zeros((2, 5)), np.zeros(5), 1.0, "test_fraction: expected a number in"),
    (np.zeros((2, 5)), np.zeros(5), 0.0, "test_fraction: expected a number in"),
])
def test_train_test_split_rejects_bad_input(X, y, fraction, message):
    with pytest.raises(ValueError, match=message):
        train_test_split(X, y, test_fraction=fraction, rng=np.random.default_rng(0))
