"""diagnose() itself: argument checks, the subject of the message, and the early verdicts.

These tests guard ``course/gradcheck/diagnosis/__init__.py``: the validation of
``expected``, ``batch_size``, ``rtol`` and ``atol``; how ``what`` becomes the subject
of the sentence; the ``"type"``, ``"shape"``, ``"nonfinite"`` and ``"zeros"``
verdicts and their exact messages; the tolerances and the ``wrong`` mask that decide
which entries count as wrong; NaN where the expected value is NaN being ignored; and
that the arguments reach the patterns. tests/MUTANTS.md lists the mutants they
were written against.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.gradcheck.diagnosis import diagnose

_TAIL = ": look for an overflow (e.g. exp of a large number), a division by zero or log(0)."


@pytest.fixture
def expected() -> np.ndarray:
    # non-symmetric, no zeros, mixed signs
    return np.random.default_rng(0).normal(size=(4, 4)) + 0.1


# ----------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------

def test_non_numeric_expected_names_its_type(expected):
    with pytest.raises(TypeError, match=r"^expected: expected a numeric array or number, got str$"):
        diagnose(expected, "abc")
    with pytest.raises(TypeError, match="got NoneType"):
        diagnose(expected, None)


@pytest.mark.parametrize("bad", [0, -3, 2.5, 1.0, True, False, np.float64(4.0)])
def test_batch_size_must_be_a_positive_int(expected, bad):
    with pytest.raises(ValueError, match=r"^batch_size: expected a positive int or None, got "):
        diagnose(expected, expected, batch_size=bad)


@pytest.mark.parametrize("good", [None, 1, 2, 32, np.int64(7)])
def test_batch_size_accepts_none_and_positive_ints(expected, good):
    assert diagnose(expected, expected, batch_size=good) is None
    assert diagnose(-expected, expected, batch_size=good).name == "sign"


@pytest.mark.parametrize("rtol, atol", [(-1.0, 1e-9), (1e-6, -1.0), (-1.0, -1.0), (float("nan"), 0.0)])
def test_negative_tolerances_are_rejected(expected, rtol, atol):
    with pytest.raises(ValueError, match=r"^rtol, atol: expected non-negative numbers, got "):
        diagnose(expected, expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("rtol, atol", [(0.0, 0.0), (0.0, 1e-9), (1e-6, 0.0)])
def test_zero_tolerances_are_allowed(expected, rtol, atol):
    assert diagnose(expected, expected, rtol=rtol, atol=atol) is None
    assert diagnose(np.zeros_like(expected), expected, rtol=rtol, atol=atol).name == "zeros"


# ----------------------------------------------------------------------------
# the subject of the sentence
# ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "what, subject",
    [
        ("your answer", "Your answer"),
        ("the gradient for W", "The gradient for W"),
        ("the gradient", "The gradient"),
        ("gradient", "Gradient"),
        ("dW", "dW"),              # a name keeps its spelling
        ("x", "x"),
        ("db", "db"),              # two letters: a name, not a word
        ("dA_prev", "dA_prev"),    # not alphabetic
        ("dWx of layer 2", "dWx of layer 2"),  # first word not all lower case
        ("the\tgradient", "the\tgradient"),    # only a space separates words
    ],
)
def test_what_becomes_the_subject(expected, what, subject):
    d = diagnose(-expected, expected, what=what)
    assert d.message.startswith(subject + " has the right size but the wrong sign")


def test_default_subject_is_your_answer(expected):
    for d in (diagnose(None, expected), diagnose(np.ones(3), expected),
              diagnose(2 * expected, expected), diagnose(np.zeros_like(expected), expected)):
        assert d.message.startswith("Your answer ")


# ----------------------------------------------------------------------------
# type and shape
# ----------------------------------------------------------------------------

def test_none_answer(expected):
    d = diagnose(None, expected, what="dW")
    assert (d.name, d.message) == ("type", "dW is None: did you forget to return it?")


@pytest.mark.parametrize("value, tname", [("0.5", "str"), ({"a": 1}, "dict"),
                                          (np.ones(3) * 1j, "ndarray"), ([[1.0, 2.0], [3.0]], "list")])
def test_non_numeric_answer(expected, value, tname):
    d = diagnose(value, expected)
    assert (d.name, d.message) == ("type", f"Your answer is a {tname}, not a number or numeric array.")


def test_ints_and_bools_are_numbers():
    assert diagnose([1, 2], [1.0, 2.0]) is None
    assert diagnose(np.array([True, False]), [1.0, 0.0]) is None
    assert diagnose(np.array([2, 4, 6], dtype=np.int32), np.array([1, 2, 3], dtype=np.uint8)).name == "factor"


def test_wrong_shape_message_names_both_shapes():
    d = diagnose(np.ones((5, 3)), np.ones((3, 5)), what="dW")
    assert d.name == "shape"
    assert d.message.startswith("dW has shape (5, 3) but should have shape (3, 5): it has the shape of the transpose")


# ----------------------------------------------------------------------------
# NaN and inf
# ----------------------------------------------------------------------------

def test_nonfinite_messages(expected):
    bad = expected.copy()
    bad[1, 2] = np.nan
    d = diagnose(bad, expected)
    assert (d.name, d.message) == (
        "nonfinite", "Your answer contains NaN at 1 of 16 entries, first at index (1, 2)" + _TAIL)
    bad = expected.copy()
    bad[2, 3] = -np.inf
    assert diagnose(bad, expected).message == (
        "Your answer contains inf at 1 of 16 entries, first at index (2, 3)" + _TAIL)
    bad[0, 1] = np.nan
    bad[3, 0] = np.inf
    assert diagnose(bad, expected).message == (
        "Your answer contains NaN and inf at 3 of 16 entries, first at index (0, 1)" + _TAIL)


def test_nonfinite_one_dimensional_and_scalar():
    assert diagnose(np.array([1.0, np.nan, 3.0]), np.ones(3)).message == (
        "Your answer contains NaN at 1 of 3 entries, first at index (1,)" + _TAIL)
    d = diagnose(np.inf, 1.0, what="the loss")
    assert (d.name, d.message) == ("nonfinite", "The loss contains inf" + _TAIL)
    assert diagnose(np.array(np.nan), np.array(2.0)).message == "Your answer contains NaN" + _TAIL


def test_nonfinite_where_expected_is_nonfinite_too_is_fine():
    e = np.array([1.0, np.nan, np.inf, 2.0])
    assert diagnose(e.copy(), e) is None
    assert diagnose(np.array([1.0, np.nan, np.inf]), np.array([1.0, np.nan, np.inf])) is None


def test_nonfinite_expected_entries_are_left_out_of_the_pattern():
    # the NaN / inf entries are ignored, and the rest is named
    assert diagnose(np.array([np.nan, 2.0, 4.0]), np.array([np.nan, 1.0, 2.0])).name == "factor"
    assert diagnose(np.array([np.inf, 2.0, 4.0, 6.0]), np.array([np.inf, 1.0, 2.0, 3.0])).name == "factor"
    d = diagnose(np.array([np.nan, 0.0, 0.0]), np.array([np.nan, 1.0, 2.0]))
    assert d.name == "zeros"
    d = diagnose(np.array([5.0, 0.0, 0.0]), np.array([np.nan, 1.0, 2.0]))
    assert d.name == "zeros"  # a finite value where NaN is expected does not count either


# ----------------------------------------------------------------------------
# zeros, tolerances, scalars
# ----------------------------------------------------------------------------

def test_all_zeros_message(expected):
    d = diagnose(np.zeros_like(expected), expected, what="dZ")
    assert (d.name, d.message) == (
        "zeros", "dZ is all zeros: it looks as if it was never computed, "
                 "or computed but never written into the array that is returned.")


def test_default_tolerances_are_tight(expected):
    assert diagnose(expected * (1 + 1e-8), expected) is None
    d = diagnose(1.01 * expected, expected)
    assert d.name == "factor" and "1.01 times" in d.message
    small = expected * 1e-3
    d = diagnose(small + 0.25, small)       # an absolute error well above atol
    assert d.name == "offset" and "+0.25" in d.message


def test_rtol_and_atol_are_used(expected):
    assert diagnose(1.05 * expected, expected, rtol=0.1) is None
    assert diagnose(1.05 * expected, expected).name == "factor"
    assert diagnose(expected + 0.25, expected, atol=0.5) is None
    assert diagnose(expected + 0.25, expected).name == "offset"


def test_scalars_are_diagnosed():
    d = diagnose(2.0, 1.0)
    assert d.name == "factor" and d.message.startswith("Your answer is too large by a factor of 2")
    assert diagnose(-4.0, 4.0).name == "sign"
    assert diagnose(np.array(0.0), np.array(3.0)).name == "zeros"
    assert diagnose(3.0, 3.0) is None


def test_batch_size_reaches_the_patterns(expected):
    d = diagnose(8 * expected, expected, batch_size=8, what="dW")
    assert d.message.startswith("dW is too large by a factor of m = 8 (the batch size)")


def test_sign_reaches_past_the_first_pattern(expected):
    d = diagnose(-expected, expected, what="dW")
    assert d.name == "sign" and d.message.startswith("dW has the right size but the wrong sign everywhere")


# ----------------------------------------------------------------------------
# wrong: the caller's own verdict on which entries are wrong
# ----------------------------------------------------------------------------

def test_wrong_mask_overrides_the_tolerances(expected):
    a = np.full_like(expected, 5.0)
    for wrong in (_one(2, 1), _one(2, 1).astype(int), _one(2, 1).tolist()):  # bools or 0/1
        d = diagnose(a, expected, wrong=wrong)
        assert (d.name, d.message) == ("entries", "Your answer is correct except entry (2, 1).")
    # nothing wrong: a match, whatever the values
    assert diagnose(a, expected, wrong=np.zeros((4, 4), dtype=bool)) is None
    # a mask of the wrong shape is ignored: the tolerances decide
    b = expected.copy()
    b[0, 3] += 1.0
    assert diagnose(b, expected, wrong=np.zeros(3, dtype=bool)).message == (
        "Your answer is correct except entry (0, 3).")
    assert diagnose(expected.copy(), expected, wrong=np.ones(5, dtype=bool)) is None


def test_wrong_mask_on_a_scalar():
    assert diagnose(2.0, 1.0, wrong=False) is None
    assert diagnose(2.0, 1.0, wrong=True).name == "factor"


def _one(i: int, j: int) -> np.ndarray:
    m = np.zeros((4, 4), dtype=bool)
    m[i, j] = True
    return m


# ----------------------------------------------------------------------------
# properties
# ----------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.5, 10.0), min_size=2, max_size=8), st.integers(0, 7))
def test_property_first_nonfinite_index_is_named(values, k):
    e = np.array(values)
    k %= e.size
    a = e.copy()
    a[k] = np.nan
    a[-1] = np.inf if k != e.size - 1 else np.nan
    d = diagnose(a, e)
    n = 1 if k == e.size - 1 else 2
    assert d.name == "nonfinite"
    assert f"at {n} of {e.size} entries, first at index ({k},)" in d.message


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-10.0, 10.0, allow_nan=False), min_size=1, max_size=8))
def test_property_a_list_matches_its_array(values):
    e = np.array(values)
    assert diagnose(e.tolist(), e) is None
    assert diagnose(None, e).name == "type"
