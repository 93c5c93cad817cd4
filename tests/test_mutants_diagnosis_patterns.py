"""The value and shape patterns of diagnose() (course/gradcheck/diagnosis/patterns.py).

These tests pin down the exact keys, wording and boundaries of each pattern: the
shape messages, the transpose, sign and factor patterns (including when a factor
is named as the batch size m), the mask, row/column, offset, entries and
activation patterns, and offset_amount() as the gradient-check scope uses it.
tests/MUTANTS.md lists the mutants they were written against.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.gradcheck.diagnosis import Diagnosis, diagnose
from course.gradcheck.diagnosis.patterns import PATTERNS, diagnose_shape, offset_amount


def name(d: Diagnosis | None) -> str | None:
    return None if d is None else d.name


def _grid(rows: int, cols: int) -> np.ndarray:
    """A non-symmetric array with distinct, non-zero, positive entries."""
    return np.arange(1.0, rows * cols + 1.0).reshape(rows, cols) ** 1.3


# ----------------------------------------------------------------------------
# shape
# ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "act, exp, words",
    [
        (np.ones(3), np.array(1.0), "single number"),
        (np.ones((5, 3)), np.ones((3, 5)), "transpose"),
        (np.ones((3, 8)), np.ones((3, 1)), "one column per example"),
        (np.ones((1, 8)), np.ones((3, 1)), "wrong axis"),
        (np.ones(3), np.ones((3, 1)), "keepdims"),
        (np.ones((2, 6)), np.ones((3, 4)), "arranged differently"),
        (np.ones((2, 2)), np.ones(7), "should have shape (7,)."),
    ],
)
def test_every_shape_message_is_named_shape(act, exp, words):
    d = diagnose(act, exp)
    assert d.name == "shape"
    assert words in d.message
    assert d.message.startswith(f"Your answer has shape {act.shape} but should have shape {exp.shape}")
    assert diagnose_shape(act, exp, "dW") == Diagnosis("shape", d.message.replace("Your answer", "dW", 1))


def test_only_axes_of_length_one_count_as_missing_or_extra():
    # axes of length 2 are real axes, whichever side they are on
    assert "keepdims" in diagnose(np.ones(2), np.ones((2, 1))).message
    d = diagnose(np.ones((2, 3)), np.ones((3, 2, 1)))
    assert d.name == "shape" and "arranged differently" in d.message
    d = diagnose(np.ones((4, 2)), np.ones((4, 1, 2)))
    assert "keepdims" in d.message


# ----------------------------------------------------------------------------
# transposed
# ----------------------------------------------------------------------------

def test_transpose_of_smallest_square_matrix():
    e = np.array([[1.0, 2.0], [3.0, 4.0]])
    d = diagnose(e.T, e)
    assert d.name == "transposed" and "values of the transpose" in d.message
    d = diagnose(-e.T, e)
    assert d.name == "transposed" and d.message == (
        "Your answer is the transpose of the expected matrix with its sign flipped.")


def test_transpose_needs_a_square_matrix_of_two_or_more():
    e = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]])
    assert diagnose(e.T, e).name == "transposed"
    # a 1x1 matrix: the "transpose" is a factor
    assert diagnose(np.array([[-2.0]]), np.array([[1.0]])).name == "sign"
    # non-square: never "transposed"
    r = _grid(2, 3)
    assert name(diagnose(r[:, ::-1], r)) != "transposed"
    # three-dimensional: never "transposed"
    t = np.arange(1.0, 9.0).reshape(2, 2, 2) ** 1.5
    assert name(diagnose(np.swapaxes(t, 1, 2), t)) != "transposed"


def test_transpose_respects_the_tolerances():
    e = np.array([[1.0, 2.0], [3.0, 4.0]])
    nearly = e.T * (1 + 1e-4)
    assert name(diagnose(nearly, e)) != "transposed"
    assert diagnose(nearly, e, rtol=1e-3).name == "transposed"
    assert diagnose(e.T + 0.05, e, atol=0.1, rtol=0).name == "transposed"
    assert name(diagnose(e.T + 0.05, e, atol=0.01, rtol=0)) != "transposed"
    # nearly symmetric within the tolerance: cannot be told apart
    s = np.array([[1.0, 2.0], [2.001, 5.0]])
    assert diagnose(s.T, s, rtol=1e-2) is None
    assert diagnose(s.T, s).name == "transposed"
    s = np.array([[1.0, 2.0], [2.05, 5.0]])
    assert diagnose(s.T, s, rtol=0, atol=0.1) is None
    assert diagnose(s.T, s, rtol=0, atol=0.01).name == "transposed"


# ----------------------------------------------------------------------------
# sign and factor
# ----------------------------------------------------------------------------

def test_sign_message_everywhere():
    e = np.array([1.0, -2.0, 3.0])
    d = diagnose(-e, e)
    assert d.name == "sign" and "the wrong sign everywhere" in d.message
    d = diagnose(-e * (1 + 1e-7), e)
    assert d.name == "sign" and "everywhere" in d.message
    d = diagnose(-e * (1 + 1e-4), e, rtol=1e-3)
    assert d.name == "sign" and "everywhere" in d.message


def test_factor_exact_messages():
    e = np.array([1.0, -2.0, 3.0, 0.5])
    assert diagnose(2 * e, e).message == (
        "Your answer is too large by a factor of 2: check the derivative of a square "
        "(d/dx x**2 = 2x) and any 1/2 in the loss.")
    assert diagnose(e / 3, e).message == "Your answer is too small by a factor of 3."
    assert diagnose(e * 2 / 3, e).message == "Your answer is 2/3 times the expected value."
    assert diagnose(-3 * e, e).message == "Your answer is too large by a factor of 3 and has the wrong sign."
    assert diagnose(-3 * e, e).name == "sign"
    assert diagnose(3 * e, e).name == "factor"
    assert diagnose(0.37 * e, e).message == (
        "Your answer is 0.37 times the expected value everywhere: a constant factor is wrong.")
    assert diagnose(-0.37 * e, e).name == "sign"


def test_factor_with_batch_size_hints():
    e = np.array([1.0, -2.0, 3.0, 0.5])
    assert diagnose(8 * e, e, batch_size=8).message == (
        "Your answer is too large by a factor of m = 8 (the batch size): divide by m exactly once, in the loss.")
    assert diagnose(e / 8, e, batch_size=8).message == (
        "Your answer is too small by a factor of m = 8 (the batch size): the division by m happens "
        "more than once; only the loss divides by m.")
    assert diagnose(-8 * e, e, batch_size=8).message == (
        "Your answer is too large by a factor of m = 8 (the batch size) and has the wrong sign: the "
        "division by m happens more than once; only the loss divides by m.")
    # the smallest batch that can be named
    d = diagnose(2 * e, e, batch_size=2)
    assert d.name == "factor" and "m = 2 (the batch size)" in d.message and "square" not in d.message
    d = diagnose(e / 2, e, batch_size=2)
    assert "too small by a factor of m = 2" in d.message
    assert diagnose(2 * e, e, batch_size=2).message == (
        "Your answer is too large by a factor of m = 2 (the batch size): divide by m exactly once, in the loss.")
    # another batch size: just a factor, with the hint for a factor of 2
    assert diagnose(2 * e, e, batch_size=5).message == (
        "Your answer is too large by a factor of 2: check the derivative of a square "
        "(d/dx x**2 = 2x) and any 1/2 in the loss.")
    assert diagnose(3 * e, e, batch_size=5).message == "Your answer is too large by a factor of 3."


def test_batch_of_one_is_never_named():
    e = np.array([1.0, -2.0, 3.0, 0.5])
    # with rtol=0 a factor of -1.0000005 is not "the wrong sign everywhere"
    d = diagnose(-1.0000005 * e, e, rtol=0, batch_size=1)
    assert d.name == "sign" and "batch size" not in d.message


@pytest.mark.parametrize("m", [4, 8, 32])
def test_batch_factor_is_named_only_when_exact(m):
    e = np.array([1.0, -2.0, 3.0, 0.5])
    close = 1 + 3e-7
    off = 1 + 3e-6  # between 1e-6 and 1e-5 relative: not the batch size
    assert "m = %d" % m in diagnose(m * close * e, e, batch_size=m).message
    assert "m = %d" % m in diagnose(close * e / m, e, batch_size=m).message
    d = diagnose(m * off * e, e, batch_size=m)
    assert d.name == "factor" and "batch size" not in d.message and "times the expected value everywhere" in d.message
    d = diagnose(off * e / m, e, batch_size=m)
    assert d.name == "factor" and "batch size" not in d.message and "times the expected value everywhere" in d.message


def test_simple_fraction_only_when_exact():
    e = np.array([1.0, -2.0, 3.0, 0.5])
    assert diagnose(3 * (1 + 3e-7) * e, e).message == "Your answer is too large by a factor of 3."
    assert diagnose(3 * (1 + 3e-6) * e, e).message == (
        "Your answer is 3 times the expected value everywhere: a constant factor is wrong.")
    assert diagnose(e / 3 * (1 + 3e-6), e).message == (
        "Your answer is 0.3333 times the expected value everywhere: a constant factor is wrong.")


def test_factor_near_one_is_not_a_factor():
    e = np.array([1.0, -2.0, 3.0, 0.5])
    # 1.0005 fits only with a loosened tolerance: no "factor of 1"
    assert name(diagnose(1.0005 * e, e, rtol=1e-3)) is None
    assert diagnose(1.0005 * e, e) is None
    assert diagnose(0.9995 * e, e) is None
    d = diagnose(1.01 * e, e)
    assert d.name == "factor" and "1.01 times" in d.message
    d = diagnose(1.002 * e, e)
    assert d.name == "factor" and "1.002 times" in d.message


def test_within_1e_3_of_minus_one_is_the_sign_alone_and_beyond_it_a_factor():
    """As a factor within 1e-3 of 1 is no factor, one within 1e-3 of -1 is the sign alone (it was "too large by a
    factor of 1 and has the wrong sign" at -1.0000005 with rtol 0, "-1 times ... a constant factor" at -1.000005)."""
    e = np.array([1.0, -2.0, 3.0, 0.5])
    sign = ("Your answer has the right size but the wrong sign everywhere: look for a flipped subtraction "
            "(e.g. y - y_hat instead of y_hat - y) or a stray minus.")
    for c, rtol in ((-1.0, 1e-6), (-1.0000005, 0.0), (-1.000005, 1e-6), (-0.9995, 1e-6)):
        assert diagnose(c * e, e, rtol=rtol).message == sign, c
    d = diagnose(-1.002 * e, e)
    assert d.name == "sign" and d.message == "Your answer is -1.002 times the expected value everywhere: a constant factor is wrong."
    assert diagnose(-e / 2, e).message == (
        "Your answer is too small by a factor of 2 and has the wrong sign: check the derivative of a "
        "square (d/dx x**2 = 2x) and any 1/2 in the loss.")


def test_an_answer_zero_within_atol_is_not_a_factor():
    e = np.ones(5)
    a = np.array([1e-10, -1e-10, 0.0, 0.0, 0.0])  # orthogonal to e, and zero within atol
    d = diagnose(a, e)
    assert d.name not in ("factor", "sign") and "times the expected value" not in d.message


def test_factor_for_a_single_number():
    assert diagnose(2.0, 1.0).message.startswith("Your answer is too large by a factor of 2")
    assert diagnose(np.array([4.0]), np.array([2.0])).name == "factor"
    assert diagnose(np.array([0.25]), np.array([0.5]), batch_size=2).message.startswith(
        "Your answer is too small by a factor of m = 2")
    assert diagnose(-1.0, 1.0).name == "sign"
    assert diagnose(3.0, 1.7) is None
    assert diagnose(np.array([3.0]), np.array([1.7])) is None
    # two entries: any constant factor is reported
    d = diagnose(np.array([3.0, 6.0]) * 1.37, np.array([3.0, 6.0]))
    assert d.name == "factor" and "1.37 times" in d.message
    assert diagnose(np.array([3.0, 6.0]) * 1.7, np.array([3.0, 6.0])).message == (
        "Your answer is 17/10 times the expected value.")


def test_factor_against_all_zero_expected():
    # nothing to scale: a non-zero answer where zeros were expected is not a "factor"
    e = np.zeros(3)
    assert name(diagnose(np.array([1.0, 2.0, 3.0]), e)) not in ("factor", "sign")
    e = np.zeros((2, 3))
    a = np.zeros((2, 3))
    a[1, 2] = 5.0
    assert diagnose(a, e).name == "entries"


def test_factor_needs_the_fit_everywhere():
    e = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    a = 2 * e
    a[0] = 2.5
    assert name(diagnose(a, e)) not in ("factor", "sign")
    # a fit within the tolerances counts
    a = 2 * e
    a[0] = 2.0 + 1e-3
    assert name(diagnose(a, e)) not in ("factor", "sign")
    assert diagnose(a, e, rtol=1e-3).name == "factor"
    assert diagnose(2 * e + 1e-6, e, rtol=0, atol=1e-5).name == "factor"
    assert name(diagnose(2 * e + 1e-6 * np.arange(5), e, rtol=0, atol=1e-7)) != "factor"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.5, 10.0), min_size=3, max_size=8),
       st.sampled_from([2, 3, 4, 5, 7]), st.booleans(), st.booleans())
def test_property_integer_factors_are_named(vals, k, small, neg):
    e = np.array(vals) * (-1) ** np.arange(len(vals))
    c = (1 / k if small else k) * (-1 if neg else 1)
    d = diagnose(c * e, e)
    assert d.name == ("sign" if neg else "factor")
    word = "small" if small else "large"
    assert f"too {word} by a factor of {k}" in d.message
    assert ("wrong sign" in d.message) == neg


# ----------------------------------------------------------------------------
# mask
# ----------------------------------------------------------------------------

def _relu_case():
    rng = np.random.default_rng(11)
    da = rng.normal(size=(4, 5)) + np.sign(rng.normal(size=(4, 5))) * 0.5
    z = np.array([[1.0, -1.0, 2.0, -2.0, 0.5],
                  [-0.5, 3.0, -3.0, 1.5, -1.5],
                  [0.7, -0.7, 0.2, -0.2, 2.5],
                  [-2.5, 1.2, -1.2, 0.9, -0.9]])
    return da, z


def test_mask_missing_message():
    da, z = _relu_case()
    right = da * (z > 0)
    n_zero = int((z <= 0).sum())
    d = diagnose(da, right)
    assert d.name == "mask"
    assert d.message == (
        f"Your answer is right wherever the expected value is non-zero, but non-zero at "
        f"{n_zero} of 20 entries where it should be 0: a mask such as "
        f"relu'(z) = (z > 0) is missing or wrong.")


def test_mask_too_strict_message():
    da, z = _relu_case()
    right = da * (z > 0)
    a = da * (z > 1.0)
    n_lost = int(((z > 0) & (z <= 1.0)).sum())
    assert n_lost >= 4
    d = diagnose(a, right)
    assert d.name == "mask"
    assert d.message == (
        f"Your answer is right wherever it is non-zero, but 0 at {n_lost} of 20 entries where it "
        f"should not be: check the mask (e.g. relu'(z) = (z > 0)).")


def test_mask_both_ways_message():
    da, z = _relu_case()
    right = da * (z > 0)
    a = da * (z > 1.0) + da * ((z < 0) & (z > -1.0))
    n_lost = int(((z > 0) & (z <= 1.0)).sum())
    n_extra = int(((z < 0) & (z > -1.0)).sum())
    d = diagnose(a, right)
    assert d.name == "mask"
    assert d.message == (
        f"Your answer is right where both are non-zero, but zero at {n_lost} entries and non-zero at "
        f"{n_extra} entries where it should not be: check the mask (e.g. relu'(z) is 1 where z > 0, else 0).")


def test_mask_needs_more_than_three_wrong_entries():
    e = np.array([1.0, 0.0, 2.0, 0.0, 3.0, 0.0, 4.0, 0.0, 5.0, 6.0])
    a = e.copy()
    a[[1, 3, 5]] = [7.0, 8.0, 9.0]        # three extra entries: named one by one
    assert diagnose(a, e).name == "entries"
    a[7] = 10.0                           # four: a mask
    d = diagnose(a, e)
    assert d.name == "mask" and "non-zero at 4 of 10 entries" in d.message


def test_mask_needs_every_wrong_entry_to_be_a_mask_error():
    e = np.array([1.0, 0.0, 2.0, 0.0, 3.0, 0.0, 4.0, 0.0, 5.0, 6.0])
    a = e.copy()
    a[[1, 3, 5, 7]] = [7.0, 8.0, 9.0, 10.0]
    a[9] = 6.5  # one entry wrong in value, not in the mask
    assert name(diagnose(a, e)) != "mask"


def test_mask_zero_is_judged_by_atol():
    e = np.array([1.0, 0.0, 2.0, 0.0, 3.0, 0.0, 4.0, 0.0])
    a = e.copy()
    a[[1, 3, 5, 7]] = 0.05
    assert diagnose(a, e, atol=0.01).name == "mask"
    # zero and missing at the same time, with a mask too strict
    e = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    a = e.copy()
    a[[0, 2, 4, 6]] = 0.005
    d = diagnose(a, e, atol=0.01, rtol=0)
    assert d.name == "mask" and "0 at 4 of 8 entries" in d.message
    assert name(diagnose(a, e, atol=0.001, rtol=0)) != "mask"


def test_an_expected_zero_is_judged_by_atol_too():
    """Expected entries of 0.005 are zero under atol = 0.01: an answer non-zero there is a missing mask."""
    e = np.array([1.0, 0.005, 2.0, 0.005, 3.0, 0.005, 4.0, 0.005])
    a = e.copy()
    a[[1, 3, 5, 7]] = 1.0
    d = diagnose(a, e, atol=0.01, rtol=0)
    assert d.name == "mask" and "non-zero at 4 of 8 entries where it should be 0" in d.message
    assert name(diagnose(a, e, atol=1e-4, rtol=0)) != "mask"


def test_mask_not_for_a_single_entry():
    assert name(diagnose(np.array([[5.0]]), np.array([[0.0]]))) != "mask"


# ----------------------------------------------------------------------------
# rows and columns
# ----------------------------------------------------------------------------

def _row_errors(e, rows):
    a = e.copy()
    for k, r in enumerate(rows):
        a[r] += np.arange(1.0, e.shape[1] + 1) * (k + 1) * 0.37
    return a


def test_one_row_and_one_column():
    e = _grid(6, 5)
    assert diagnose(_row_errors(e, [2]), e).message == "Your answer is correct except in row 2."
    assert diagnose(_row_errors(e.T, [3]).T, e).message == "Your answer is correct except in column 3."
    d = diagnose(_row_errors(e, [2]), e)
    assert d.name == "entries"
    d = diagnose(_row_errors(e.T, [3]).T, e)
    assert d.name == "entries"


def test_several_rows_and_columns_are_listed():
    e = _grid(8, 7)
    assert diagnose(_row_errors(e, [2, 5]), e).message == "Your answer is correct except in rows 2, 5."
    assert diagnose(_row_errors(e, [0, 1, 3, 6]), e).message == (
        "Your answer is correct except in rows 0, 1, 3, 6.")
    assert diagnose(_row_errors(e, [0, 1, 2, 3, 5, 6]), e).message == (
        "Your answer is correct except in rows 0, 1, 2, 3 and 2 more.")
    assert diagnose(_row_errors(e.T, [1, 4]).T, e).message == "Your answer is correct except in columns 1, 4."
    assert diagnose(_row_errors(e.T, [0, 1, 2, 3, 4, 5]).T, e).message == (
        "Your answer is correct except in columns 0, 1, 2, 3 and 2 more.")


def test_all_rows_wrong_is_not_a_row():
    e = _grid(3, 4)
    a = e.copy()
    a[:, 2] += np.array([1.0, 2.5, 4.0])
    a[0] += np.array([0.3, 0.7, 0.0, 0.9])
    # row 0 and column 2: neither alone
    assert "row" not in diagnose(a, e).message and "column" not in diagnose(a, e).message
    # every entry wrong: no row or column is singled out
    a = e + np.arange(1.0, 13.0).reshape(3, 4) ** 1.1
    d = diagnose(a, e)
    assert d is None or ("row" not in d.message and "column" not in d.message)


def test_row_of_a_single_column_matrix_is_an_entry():
    # a (n, 1) matrix: a wrong "row" is one entry
    e = np.arange(1.0, 11.0).reshape(10, 1) ** 1.3
    a = e.copy()
    a[4, 0] += 1.0
    d = diagnose(a, e)
    assert d.name == "entries" and d.message == "Your answer is correct except entry (4, 0)."
    # and a (1, n) matrix: a wrong "column" is one entry
    d = diagnose(a.T, e.T)
    assert d.name == "entries" and d.message == "Your answer is correct except entry (0, 4)."


def test_rows_on_a_two_by_two_and_one_dimensional_arrays():
    e = np.array([[1.0, 2.0], [3.0, 4.0]])
    a = e.copy()
    a[1] += [0.5, 1.5]
    assert diagnose(a, e).message == "Your answer is correct except in row 1."
    a = e.copy()
    a[:, 0] += [0.5, 1.5]
    assert diagnose(a, e).message == "Your answer is correct except in column 0."
    # one-dimensional: entries, never rows
    v = np.arange(1.0, 11.0) ** 1.3
    w = v.copy()
    w[3] += 1.0
    assert diagnose(w, v).message == "Your answer is correct except entry (3,)."


def test_row_with_one_wrong_entry_elsewhere_is_not_a_row():
    e = _grid(6, 5)
    a = _row_errors(e, [2])
    a[4, 1] += 3.0
    d = diagnose(a, e)
    assert "row 2" not in d.message


# ----------------------------------------------------------------------------
# offset
# ----------------------------------------------------------------------------

def test_offset_everywhere_exact_message():
    e = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5], [2.5, -0.5, 6.0]])
    assert diagnose(e + 0.25, e).message == (
        "Your answer differs from the expected value by exactly +0.25 everywhere: a term is missing or "
        "extra there (a constant added or left out).")
    d = diagnose(e - 1 / 8, e, batch_size=8)
    assert d.name == "offset" and "by exactly -0.125 = -1/m (m = 8, the batch size) everywhere:" in d.message


def test_offset_at_some_entries():
    e = np.arange(1.0, 13.0).reshape(3, 4) ** 1.2
    a = e.copy()
    a.flat[[0, 5, 7, 10, 11]] += 1 / 4
    d = diagnose(a, e, batch_size=4)
    assert d.name == "offset"
    assert d.message.startswith(
        "Your answer differs from the expected value by exactly +0.25 = +1/m (m = 4, the batch size) "
        "at 5 of 12 entries, and is right elsewhere: ")


def test_offset_amount():
    assert offset_amount(np.full(5, 1.0), None, 1e-9) == "+1"
    assert offset_amount(np.full(5, -2.5), 3, 1e-9) == "-2.5"
    assert offset_amount(np.full(4, 0.125), 8, 1e-9) == "+0.125 = +1/m (m = 8, the batch size)"
    assert offset_amount(np.full(4, -0.125), 8, 1e-9) == "-0.125 = -1/m (m = 8, the batch size)"
    assert offset_amount(np.full(4, 1 / 3), 3, 1e-9) == "+0.3333 = +1/m (m = 3, the batch size)"
    assert offset_amount(np.full(4, 1.0), 1, 1e-9) == "+1 = +1/m (m = 1, the batch size)"
    assert offset_amount(np.full(4, 0.125), 4, 1e-9) == "+0.125"
    assert offset_amount(np.full(4, 0.25), 8, 1e-9) == "+0.25"
    assert offset_amount(np.full(4, 0.125 * (1 + 3e-6)), 8, 1e-12) == "+0.125"
    assert offset_amount(np.full(4, 0.125 * (1 + 3e-7)), 8, 1e-12).endswith("(m = 8, the batch size)")
    assert offset_amount(np.zeros(4), None, 1e-9) is None
    assert offset_amount(np.zeros(4), 8, 1e-9) is None
    assert offset_amount(np.array([0.5]), None, 1e-9) is None   # one entry: no pattern
    assert offset_amount(np.array([]), None, 1e-9) is None
    assert offset_amount(np.array([1.0, 2.0]), None, 1e-9) is None


def test_offset_amount_tolerances():
    # relative spread between 1e-6 and 1e-5: not one constant
    assert offset_amount(np.array([1.0, 1.0, 1.0 + 5e-6]), None, 1e-12) is None
    assert offset_amount(np.array([1.0, 1.0, 1.0 + 5e-7]), None, 1e-12) == "+1"
    # the absolute tolerance widens it
    assert offset_amount(np.array([1.0, 1.0, 1.0 + 5e-6]), None, 1e-5) == "+1"
    assert offset_amount(np.array([1.0, 1.0, 1.1]), None, 1e-5) is None
    # the median is the constant
    assert offset_amount(np.array([2.0, 2.0, 2.0 + 1e-7]), None, 1e-6) == "+2"


def test_offset_amount_of_zero_median_is_none():
    # median 0 but one entry off: still not a non-zero constant
    assert offset_amount(np.array([0.0, 0.0, 1e-12]), None, 1e-9) is None


# ----------------------------------------------------------------------------
# entries
# ----------------------------------------------------------------------------

def test_three_scattered_entries_are_named():
    e = np.arange(1.0, 11.0) ** 1.3
    a = e.copy()
    a[[1, 4, 7]] *= np.array([1.5, 0.5, 3.0])
    d = diagnose(a, e)
    assert d.message == "Your answer is correct except entries (1,), (4,), (7,)."


def test_entries_up_to_one_tenth():
    e = np.arange(1.0, 41.0) ** 1.3
    a = e.copy()
    idx = [3, 11, 25, 38]
    a[idx] += np.array([1.0, 2.0, 4.0, 8.0])  # four of 40: exactly one tenth
    d = diagnose(a, e)
    assert d.name == "entries"
    assert d.message == "Your answer is correct except entries (3,), (11,), (25,), (38,)."
    a[17] += 16.0  # five of 40: too many
    assert name(diagnose(a, e)) != "entries"
    e = np.arange(1.0, 51.0) ** 1.3
    a = e.copy()
    a[[3, 11, 17, 25, 38]] += np.array([1.0, 2.0, 4.0, 8.0, 16.0])  # five of 50
    d = diagnose(a, e)
    assert d.message == "Your answer is correct except entries (3,), (11,), (17,), (25,) and 1 more."
    b = e.copy()
    b[[1, 3, 5, 7, 9, 11, 13, 15]] += np.arange(1.0, 9.0) ** 2  # 8 > 4 = 40/10
    assert name(diagnose(b, e)) != "entries"


def test_one_wrong_entry_message():
    e = np.arange(1.0, 11.0) ** 1.3
    a = e.copy()
    a[6] += 1.0
    assert diagnose(a, e).message == "Your answer is correct except entry (6,)."


def test_wrong_sign_at_one_entry():
    e = np.arange(1.0, 11.0) ** 1.3
    a = e.copy()
    a[6] = -a[6]
    d = diagnose(a, e)
    assert d.name == "sign"
    assert d.message == (
        "Your answer has the wrong sign at entry (6,) (the right size, the opposite sign) and is "
        "correct elsewhere: look for a stray minus or a flipped subtraction in the code that computes it.")


def test_wrong_sign_at_several_entries():
    e = np.arange(1.0, 13.0).reshape(3, 4) ** 1.3
    a = e.copy()
    a[0, 1], a[2, 3] = -a[0, 1], -a[2, 3]
    d = diagnose(a, e)
    assert d.name == "sign"
    assert d.message == (
        "Your answer has the wrong sign at entries (0, 1), (2, 3) (the right size, the opposite sign) "
        "and is correct elsewhere: look for a stray minus or a flipped subtraction in the code that "
        "computes them.")


def test_wrong_sign_and_wrong_size_is_not_a_sign_error():
    e = np.arange(1.0, 11.0) ** 1.3
    a = e.copy()
    a[6] = -0.5 * a[6]
    d = diagnose(a, e)
    assert d.name == "entries" and d.message == "Your answer is correct except entry (6,)."
    a[6] = -e[6] * (1 + 1e-7)  # the opposite sign within the tolerance
    assert diagnose(a, e).name == "sign"
    a[6] = -e[6] * (1 + 1e-4)
    assert diagnose(a, e).name == "entries"
    assert diagnose(a, e, rtol=2e-4).name == "sign"


def test_wrong_sign_of_a_tiny_entry_is_just_an_entry():
    e = np.arange(1.0, 11.0) ** 1.3
    e[6] = 1e-3
    a = e.copy()
    a[6] = -1e-3
    d = diagnose(a, e, atol=1e-3)
    assert d.name == "entries" and d.message == "Your answer is correct except entry (6,)."
    e[6] = 2e-3
    a[6] = -2e-3
    assert diagnose(a, e, atol=1e-3).name == "sign"


def test_no_entries_pattern_when_all_wrong():
    e = np.array([1.0, 2.0, 3.0])
    assert name(diagnose(np.array([-1.5, 2.1, 3.9]), e)) is None


# ----------------------------------------------------------------------------
# activation
# ----------------------------------------------------------------------------

def test_activation_message():
    e = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    a = e * np.array([1.1, 1.2, 1.3, 1.4, 1.5])
    d = diagnose(a, e)
    assert d.name == "activation"
    assert d.message == (
        "Your answer has the right sign everywhere, but its ratio to the expected value varies from 1.1 "
        "to 1.5 between entries: a factor that changes from entry to entry is missing, extra or wrong "
        "(a local derivative left out, or taken at the wrong point).")


def test_activation_with_exactly_three_informative_entries():
    e = np.array([1.0, 2.0, 3.0])
    a = np.array([1.1, 2.6, 3.9])
    d = diagnose(a, e)
    assert d.name == "activation" and "from 1.1 to 1.3" in d.message


def test_activation_needs_three_wrong_entries():
    e = np.array([1.0, 2.0, 3.0, 4.0])
    a = e * np.array([1.0, 1.0, 1.2, 1.4])  # only two wrong: entries
    assert diagnose(a, e).name == "entries"


def test_activation_ignores_uninformative_entries():
    # tiny expected entries (below 1e-3 of the largest) do not count, not even when wrong
    e = np.array([10.0, 10.0, 10.0, 10.0, 1e-5, 1e-5, 1e-5, 1e-5])
    a = e.copy()
    a[4:] = 2e-5
    a[0], a[1] = 11.0, 12.0
    assert diagnose(a, e) is None
    # with a third informative entry wrong it is the activation pattern
    a[2] = 13.0
    d = diagnose(a, e)
    assert d.name == "activation" and "from 1 to 1.3" in d.message


def test_activation_threshold_is_strict():
    e = np.array([1000.0, 500.0, 200.0, 100.0, 1.0])  # 1.0 is exactly 1e-3 of the largest
    a = e * np.array([1.1, 1.2, 1.3, 1.4, -1.0])
    d = diagnose(a, e)
    assert d.name == "activation" and "from 1.1 to 1.4" in d.message


def test_activation_needs_a_positive_ratio_everywhere():
    e = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    a = np.array([0.0, 2.2, 3.9, 4.4, 6.0])
    assert diagnose(a, e) is None
    a = np.array([-1.0, 2.2, 3.9, 4.4, 6.0])
    assert diagnose(a, e) is None


def test_activation_needs_a_varying_ratio():
    e = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    a = e * np.array([1.01, 1.02, 1.03, 1.04, 1.01])  # ratio varies by < 5%
    assert diagnose(a, e) is None
    e = np.array([1.0, 1.0, 2.0, 4.0, 1.0])
    a = np.array([1.0, 1.05, 2 * 1.02, 4 * 1.03, 1.04])  # hi / lo == 1.05 exactly
    d = diagnose(a, e)
    assert d.name == "activation" and "from 1 to 1.05" in d.message
    e = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    a = e * np.array([1.1, 1.9, 1.3, 1.4, 1.5])  # ratio varies by less than 2x
    assert diagnose(a, e).name == "activation"


def test_activation_scale_uses_atol_when_expected_is_tiny():
    e = np.array([1e-4, 2e-4, 3e-4, 4e-4])
    a = e * np.array([1.1, 1.3, 1.5, 1.7])
    # with atol larger than every expected entry nothing is informative
    assert name(diagnose(a, e, atol=1e-6, rtol=0)) == "activation"
    assert diagnose(a, e, atol=1e-3, rtol=0) is None


# ----------------------------------------------------------------------------
# the order of the patterns
# ----------------------------------------------------------------------------

def test_patterns_order():
    assert [p.__name__ for p in PATTERNS] == [
        "_transposed", "_factor", "_mask", "_rows_columns", "_offset", "_entries", "_activation"]


def test_offset_wins_over_entries_and_rows():
    e = _grid(5, 4)
    a = e.copy()
    a[2] += 0.5  # a whole row off by the same amount: an offset
    d = diagnose(a, e)
    assert d.name == "entries" and "row 2" in d.message  # rows are checked first
    a = e.copy()
    a.flat[[1, 13]] += 0.5  # two scattered entries off by the same amount
    d = diagnose(a, e)
    assert d.name == "offset" and "at 2 of 20 entries" in d.message
