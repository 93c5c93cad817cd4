"""Small offline datasets: four 2-D toy problems and the 8x8 handwritten digits.

Every dataset returns ``X`` of shape ``(n_features, m)`` (float64, examples are
columns, as in ``z = W @ X + b``) and ``y`` of shape ``(m,)`` with integer
labels ``0 .. n_classes - 1``. The toy sets draw all their randomness from an
explicit ``rng: np.random.Generator``, so the same seed gives the same data;
classes are balanced (sizes differ by at most one) and the columns are shuffled.
Nothing is downloaded: the digits ship with the package (see
``course/data/DIGITS_LICENSE.txt``).
"""
from __future__ import annotations

import math
from importlib import resources
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike
from course.validation import as_generator, as_int

__all__ = [
    "make_xor",
    "make_moons",
    "make_circles",
    "make_spirals",
    "load_digits",
    "one_hot",
    "train_test_split",
]


# ---------------------------------------------------------------- validation
def _check_nonneg(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name}: expected a finite number >= 0, got {type(value).__name__}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name}: expected a finite number >= 0, got {value}")
    return float(value)


def _toy_arguments(rng: object, n: object, noise: object, *,
                   min_n: int) -> tuple[np.random.Generator, int, float]:
    """Validate the arguments every toy set takes, in the order ``rng``, ``n``, ``noise``."""
    return as_generator(rng), as_int(n, "n", minimum=min_n), _check_nonneg("noise", noise)


def _balanced_labels(n: int, n_groups: int, rng: np.random.Generator) -> np.ndarray:
    """n labels in 0..n_groups-1, group sizes differing by at most one, in random order."""
    return rng.permutation(np.arange(n) % n_groups).astype(np.int64)


def _finish(points: np.ndarray, y: np.ndarray, noise: float,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Add isotropic Gaussian noise to (m, 2) points and return (X (2, m), y (m,))."""
    X = points.T + noise * rng.standard_normal((2, points.shape[0]))
    return np.ascontiguousarray(X, dtype=np.float64), y


# ---------------------------------------------------------------- toy 2-D sets
def make_xor(n: int = 200, *, noise: float = 0.0,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: a point's class is the XOR of the signs of its coordinates.

    Clean points are uniform in one of the four quadrants of ``[-1, 1]^2``
    (equally many per quadrant, up to one); the label is
    ``y = (x_1 > 0) XOR (x_2 > 0)``, computed from the clean point, and then
    Gaussian noise of standard deviation ``noise`` is added. With ``noise=0``
    the labels are exactly the XOR of the signs. No single line separates the
    classes, which is why a hidden layer is needed.

    Parameters
    ----------
    n : int
        Number of examples m (>= 4).
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate.
    rng : np.random.Generator
        Source of all randomness.

    Returns
    -------
    X : (2, m) ndarray of float64
    y : (m,) ndarray of int64, values in {0, 1}
    """
    rng, n, noise = _toy_arguments(rng, n, noise, min_n=4)
    quadrant = _balanced_labels(n, 4, rng)                  # 0: ++, 1: -+, 2: +-, 3: --
    signs = np.stack([1 - 2 * (quadrant % 2), 1 - 2 * (quadrant // 2)], axis=1)
    points = signs * rng.uniform(0.0, 1.0, size=(n, 2))
    y = ((points[:, 0] > 0) ^ (points[:, 1] > 0)).astype(np.int64)
    return _finish(points, y, noise, rng)


def make_moons(n: int = 200, *, noise: float = 0.1,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, centred near the origin.

    Class 0: ``(cos t, sin t)``; class 1: ``(1 - cos t, 1/2 - sin t)``, with
    ``t ~ Uniform(0, pi)``; then both are shifted by ``(-1/2, -1/4)`` and
    Gaussian noise of standard deviation ``noise`` is added.

    Parameters
    ----------
    n, noise, rng
        As for :func:`make_xor`, with ``n >= 2``.

    Returns
    -------
    X : (2, m) ndarray of float64
    y : (m,) ndarray of int64, values in {0, 1}
    """
    rng, n, noise = _toy_arguments(rng, n, noise, min_n=2)
    y = _balanced_labels(n, 2, rng)
    t = rng.uniform(0.0, np.pi, size=n)
    outer = np.stack([np.cos(t), np.sin(t)], axis=1)
    inner = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    points = np.where(y[:, None] == 0, outer, inner) - np.array([0.5, 0.25])
    return _finish(points, y, noise, rng)


def make_circles(n: int = 200, *, noise: float = 0.05, factor: float = 0.5,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 on radius 1, class 1 on radius ``factor``.

    Angles are ``Uniform(0, 2 pi)``; Gaussian noise of standard deviation
    ``noise`` is added to each coordinate.

    Parameters
    ----------
    n, noise, rng
        As for :func:`make_xor`, with ``n >= 2``.
    factor : float
        Radius of the inner circle, in (0, 1).

    Returns
    -------
    X : (2, m) ndarray of float64
    y : (m,) ndarray of int64, values in {0, 1}
    """
    rng, n, noise = _toy_arguments(rng, n, noise, min_n=2)
    factor = _check_nonneg("factor", factor)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor: expected a number in (0, 1), got {factor}")
    y = _balanced_labels(n, 2, rng)
    theta = rng.uniform(0.0, 2.0 * np.pi, size=n)
    radius = np.where(y == 0, 1.0, factor)
    points = radius[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    return _finish(points, y, noise, rng)


def make_spirals(n: int = 300, *, noise: float = 0.02, n_classes: int = 3,
                 turns: float = 0.75, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms, one class per arm.

    A point of class ``j`` at radius ``r ~ Uniform(0.05, 1)`` sits at angle
    ``theta = 2 pi (j / n_classes + turns * r)``, i.e. at
    ``r (cos theta, sin theta)``; Gaussian noise of standard deviation
    ``noise`` is added to each coordinate.

    Parameters
    ----------
    n, noise, rng
        As for :func:`make_xor`, with ``n >= n_classes``.
    n_classes : int
        Number of arms / classes (>= 2).
    turns : float
        How many full turns each arm makes from the centre to radius 1 (> 0).

    Returns
    -------
    X : (2, m) ndarray of float64
    y : (m,) ndarray of int64, values in {0, ..., n_classes - 1}
    """
    rng = as_generator(rng)                  # rng first, then n_classes (the minimum of n), then n, noise
    n_classes = as_int(n_classes, "n_classes", minimum=2)
    rng, n, noise = _toy_arguments(rng, n, noise, min_n=n_classes)
    turns = _check_nonneg("turns", turns)
    if turns == 0.0:
        raise ValueError("turns: expected a number > 0, got 0.0")
    y = _balanced_labels(n, n_classes, rng)
    r = rng.uniform(0.05, 1.0, size=n)
    theta = 2.0 * np.pi * (y / n_classes + turns * r)
    points = r[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    return _finish(points, y, noise, rng)


# ---------------------------------------------------------------- digits
def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits (UCI optical digits, test part; CC BY 4.0).

    1797 images of the digits 0-9 written by 13 people; each pixel counts the
    "on" pixels of a 4x4 block of a 32x32 bitmap (0..16). Pixels are scaled to
    ``[0, 1]`` by dividing by 16. Column ``t`` of ``X`` is image ``t`` read row
    by row, so ``X[:, t].reshape(8, 8)`` shows it. Attribution: E. Alpaydin and
    C. Kaynak (1998), UCI Machine Learning Repository, doi:10.24432/C50P49.

    Returns
    -------
    X : (64, 1797) ndarray of float64, values in [0, 1]
    y : (1797,) ndarray of int64, values in {0, ..., 9}
    """
    path = resources.files("course.data") / "digits.npz"
    with path.open("rb") as f, np.load(f, allow_pickle=False) as archive:
        pixels = archive["pixels"]                            # (1797, 64) uint8, 0..16
        labels = archive["labels"]                            # (1797,) uint8
    X = np.ascontiguousarray(pixels.T, dtype=np.float64) / 16.0
    return X, labels.astype(np.int64)


# ---------------------------------------------------------------- helpers
def one_hot(y: ArrayLike, k: int | None = None) -> np.ndarray:
    """One-hot encode integer labels as columns: ``Y[y_t, t] = 1``.

    Parameters
    ----------
    y : (m,) array of int
        Labels in ``0 .. k - 1``.
    k : int, optional
        Number of classes; default ``max(y) + 1``.

    Returns
    -------
    Y : (k, m) ndarray of float64
    """
    y = np.asarray(y)
    if y.ndim != 1 or not (np.issubdtype(y.dtype, np.integer) or y.size == 0):
        raise ValueError(
            f"y: expected a 1-D int array of labels, shape (m,), got {y.dtype} array of shape {y.shape}"
        )
    if k is None:
        k = int(y.max()) + 1 if y.size else 0
    k = as_int(k, "k", minimum=1 if y.size else 0)
    if y.size and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"y: expected labels in 0..{k - 1}, got values in {y.min()}..{y.max()}")
    Y = np.zeros((k, y.size), dtype=np.float64)
    Y[y, np.arange(y.size)] = 1.0
    return Y


def train_test_split(X: ArrayLike, y: ArrayLike, *, test_fraction: float = 0.25,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split the columns of ``X`` (and ``y``) at random into a training and a test set.

    Parameters
    ----------
    X : (n_features, m) ndarray
        Examples are columns.
    y : (m,) or (k, m) ndarray
        Labels (or one-hot / targets), one per column of ``X``.
    test_fraction : float
        Fraction of the m examples that goes to the test set, in (0, 1);
        ``round(test_fraction * m)`` examples, at least 1 and at most m - 1.
    rng : np.random.Generator
        Source of the random permutation.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarrays
        ``X_*`` of shape (n_features, m_*), ``y_*`` with last axis m_*.
    """
    rng = as_generator(rng)
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X: expected a 2-D array of shape (n_features, m), got shape {X.shape}")
    m = X.shape[1]
    if y.ndim not in (1, 2) or y.shape[-1] != m:
        raise ValueError(f"y: expected shape ({m},) or (k, {m}) to match X's {m} columns, got shape {y.shape}")
    if m < 2:
        raise ValueError(f"X: expected at least 2 columns (examples) to split, got {m}")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, Real) \
            or not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction: expected a number in (0, 1), got {test_fraction!r}")
    m_test = min(max(round(test_fraction * m), 1), m - 1)
    order = rng.permutation(m)
    test, train = order[:m_test], order[m_test:]
    return X[:, train], X[:, test], y[..., train], y[..., test]
