"""diagnose(): each bug pattern is named, and a correct answer gets None."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from course.gradcheck.diagnosis import Diagnosis, diagnose
from course.gradcheck.diagnosis.activation import diagnose_activation


@pytest.fixture
def expected() -> np.ndarray:
    # non-symmetric, no zeros, mixed signs
    return np.random.default_rng(0).normal(size=(4, 4)) + 0.1


def name_of(d: Diagnosis | None) -> str | None:
    return None if d is None else d.name


def test_match_is_none(expected):
    assert diagnose(expected, expected) is None
    assert diagnose(expected * (1 + 1e-9), expected) is None
    assert diagnose(3.0, 3.0) is None
    assert diagnose([1, 2], np.array([1.0, 2.0])) is None


def test_diagnosis_is_frozen_and_prints_message():
    d = Diagnosis("sign", "flipped")
    with pytest.raises(AttributeError):
        d.name = "x"  # type: ignore[misc]
    assert str(d) == "flipped"


@pytest.mark.parametrize(
    "make, name, words",
    [
        (lambda e: e.T, "transposed", "transpose"),
        (lambda e: -e, "sign", "sign"),
        (lambda e: 2 * e, "factor", "factor of 2"),
        (lambda e: e / 2, "factor", "too small by a factor of 2"),
        (lambda e: 0 * e, "zeros", "all zeros"),
        (lambda e: 0.37 * e, "factor", "0.37 times"),
        (lambda e: -3 * e, "sign", "wrong sign"),
        (lambda e: -e.T, "transposed", "sign flipped"),
    ],
)
def test_value_patterns(expected, make, name, words):
    d = diagnose(make(expected), expected)
    assert name_of(d) == name
    assert words in d.message
    assert d.message.startswith("Your answer")


def test_batch_size_factor_is_named(expected):
    d = diagnose(32 * expected, expected, batch_size=32)
    assert d.name == "factor" and "m = 32" in d.message and "too large" in d.message
    d = diagnose(expected / 32, expected, batch_size=32)
    assert d.name == "factor" and "m = 32" in d.message and "too small" in d.message
    # without the batch size it is just a factor
    assert "m =" not in diagnose(32 * expected, expected).message


def test_shape_patterns():
    e = np.ones((3, 5))
    assert "transpose" in diagnose(np.ones((5, 3)), e).message
    b = np.ones((3, 1))
    assert "one column per example" in diagnose(np.ones((3, 8)), b).message
    assert "wrong axis" in diagnose(np.ones((1, 8)), b).message
    assert "keepdims" in diagnose(np.ones(3), b).message
    assert "single number" in diagnose(np.ones(3), 1.0).message
    assert diagnose(np.ones((2, 2)), np.ones(7)).name == "shape"
    assert "arranged differently" in diagnose(np.ones((2, 6)), np.ones((3, 4))).message


def test_nonfinite_and_types(expected):
    bad = expected.copy()
    bad[1, 2] = np.nan
    d = diagnose(bad, expected)
    assert d.name == "nonfinite" and "NaN" in d.message and "(1, 2)" in d.message
    bad[0, 0] = np.inf
    assert "inf" in diagnose(bad, expected).message
    assert diagnose(None, expected).name == "type"
    assert "None" in diagnose(None, expected).message
    assert diagnose("0.5", expected).name == "type"
    assert diagnose(np.inf, 1.0).name == "nonfinite"


def test_nan_in_both_places_matches():
    e = np.array([1.0, np.nan])
    assert diagnose(e.copy(), e) is None


def test_entries_rows_and_columns():
    e = np.arange(1.0, 101.0).reshape(10, 10)
    a = e.copy()
    a[3, 7] = 0.5
    d = diagnose(a, e)
    assert d.name == "entries" and "(3, 7)" in d.message
    a = e.copy()
    a[2] += 1
    assert "row 2" in diagnose(a, e).message
    a = e.copy()
    a[:, 4] *= 3
    assert "column 4" in diagnose(a, e).message
    a = e.copy()
    a.flat[[1, 5, 9, 20, 44, 60]] += np.arange(1.0, 7.0)  # six entries, scattered, different errors
    d = diagnose(a, e)
    assert d.name == "entries" and "and 2 more" in d.message


def test_offset_pattern():
    rng = np.random.default_rng(6)
    p = rng.dirichlet(np.ones(4), size=6).T  # (4, 6) columns sum to 1
    y = rng.integers(0, 4, 6)
    Y = np.eye(4)[:, y]
    d = diagnose(p / 6, (p - Y) / 6, batch_size=6)
    assert d.name == "offset" and "+1/m (m = 6" in d.message and "6 of 24 entries" in d.message
    e = rng.normal(size=(3, 3))
    d = diagnose(e + 0.25, e)
    assert d.name == "offset" and "everywhere" in d.message


def test_mask_patterns():
    rng = np.random.default_rng(1)
    da, z = rng.normal(size=(6, 8)), rng.normal(size=(6, 8))
    right = da * (z > 0)
    assert diagnose(da, right).name == "mask"             # mask missing
    assert diagnose(da * (z > 0.5), right).name == "mask"  # mask too strict


def test_activation_ratio_pattern():
    rng = np.random.default_rng(2)
    da, z = rng.normal(size=(5, 6)), rng.normal(size=(5, 6))
    d = diagnose(da, da * (1 - np.tanh(z) ** 2))
    assert d.name == "activation"


def test_no_pattern_is_none():
    rng = np.random.default_rng(3)
    assert diagnose(rng.normal(size=(5, 5)), rng.normal(size=(5, 5))) is None
    assert diagnose(3.0, 1.7) is None  # two numbers always differ "by a factor"; only simple ones count


def test_symmetric_matrix_is_not_called_transposed():
    s = np.array([[1.0, 2.0], [2.0, 5.0]])
    assert diagnose(s.T, s) is None


def test_what_names_the_subject(expected):
    assert diagnose(-expected, expected, what="dW").message.startswith("dW has")
    assert diagnose(-expected, expected, what="the gradient for W").message.startswith("The gradient for W")


def test_bad_arguments(expected):
    with pytest.raises(TypeError, match="expected"):
        diagnose(expected, "abc")
    with pytest.raises(ValueError, match="batch_size"):
        diagnose(expected, expected, batch_size=0)
    with pytest.raises(ValueError, match="rtol"):
        diagnose(expected, expected, rtol=-1)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)),
              elements=st.floats(-1e3, 1e3, allow_nan=False)))
def test_property_identical_arrays_never_diagnosed(a):
    assert diagnose(a.copy(), a) is None


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 5), st.integers(2, 5)),
              elements=st.floats(0.5, 10.0)),
       st.sampled_from([-1.0, 2.0, 0.5, 4.0]))
def test_property_scaled_arrays_named(a, c):
    d = diagnose(c * a, a)
    assert d is not None and d.name == ("sign" if c < 0 else "factor")


# ----------------------------------------------------------------------------
# diagnose_activation: the classic wrong activation derivatives
# ----------------------------------------------------------------------------

def _sig(z):
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize(
    "f, wrong, words",
    [
        (np.tanh, lambda z, a, da: np.ones_like(z), "missing"),
        (_sig, lambda z, a, da: z * (1 - z), "s * (1 - s)"),
        (np.tanh, lambda z, a, da: 1 - np.tanh(z), "1 - tanh(z)**2"),
        (np.tanh, lambda z, a, da: 1 - z**2, "applied to tanh(z)"),
        (np.tanh, lambda z, a, da: a, "activation itself"),
        (lambda z: np.maximum(z, 0), lambda z, a, da: (da > 0) * 1.0, "from da"),
        (lambda z: np.maximum(z, 0), lambda z, a, da: (z < 0) * 1.0, "inverted"),
    ],
)
def test_diagnose_activation_names_each_mistake(f, wrong, words):
    rng = np.random.default_rng(4)
    z, da = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    a = f(z)
    d = diagnose_activation(da * wrong(z, a, da), da, z, a)
    assert d is not None and d.name == "activation" and words in d.message


def test_diagnose_activation_twice_and_unknown():
    rng = np.random.default_rng(5)
    z, da = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    fp = 1 - np.tanh(z) ** 2
    assert "twice" in diagnose_activation(da * fp**2, da, z, np.tanh(z), fp).message
    assert diagnose_activation(da * fp**2, da, z, np.tanh(z)) is None  # needs the true derivative
    assert diagnose_activation(rng.normal(size=(4, 6)), da, z, np.tanh(z)) is None
    assert diagnose_activation(da, da, z, np.tanh(z)[:, :3]) is None  # shapes disagree
