"""Where a directional failure lies, and what its entries share (course/gradcheck/scope.py helpers).

A directional check sees a tensor through a few random projections and the few wrong entries that
bisection found. These tests pin how it establishes the extent of a cause: the whole tensor (a sign
or factor that every projection shows, within tolerances that scale with the gradient and the
numeric values; a transpose), the zero set of the analytic gradient (with its block, if it is one),
the rows or columns of the entries found (a random direction through everything else agrees), and
which pattern the found entries show (zeros, mask, sign, offset, factor, nothing). Most go through
``gradcheck``; the tolerances of ``_whole_tensor`` and the thresholds of ``entries_pattern`` are read
on hand-made projections and entries. See tests/MUTANTS.md.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from course import gradcheck
from course.gradcheck.compare import Entry, TensorCheck
from course.gradcheck.scope import _whole_tensor, entries_pattern

SUBJECT = "The gradient for x"
AGREES = " (a random direction through every other entry agrees)."


def _cube(v):
    return float(np.sum(v**3))


def _dcube(v):
    return 3 * v**2


def _x(shape, seed=0):
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape)


def _changed(index, change, grad=_dcube):
    """``grad`` with ``change`` applied to the entries at ``index``."""
    def df(v):
        g = grad(v)
        g[index] = change(g[index])
        return g
    return df


def _cause(f, df, x, **kw):
    return gradcheck(f, df, x, **kw).checks[0]


def _found(check):
    return [e.index for e in check.entries]


def _projections(a, c, w=None):
    """A failed directional check with the projections ``(a_i, c_i, w_i)`` of its random directions."""
    w = [np.zeros(1)] * len(a) if w is None else w
    return TensorCheck("x", (), "directional", passed=False,
                       projections=[(float(ai), float(ci), wi) for ai, ci, wi in zip(a, c, w)])


def _whole(a, c, analytic, *, rtol=1e-6, atol=0.0, w=None, batch_size=None):
    return _whole_tensor(_projections(a, c, w), np.asarray(analytic, dtype=float), batch_size=batch_size,
                         rtol=rtol, atol=atol, subject=SUBJECT)


def _entries(analytic, numeric):
    return [Entry(index=(i,), analytic=float(a), numeric=float(n), error=0.0)
            for i, (a, n) in enumerate(zip(analytic, numeric))]


# -- _whole_tensor: a sign, factor or transpose that every random direction shows ------------------

WHOLE = " (the same ratio along each of 3 random directions through all 200 entries, so it holds for the whole tensor)."


def test_a_sign_flip_of_the_whole_gradient_is_stated_for_the_whole_tensor():
    c = _cause(_cube, lambda v: -_dcube(v), _x(200))
    assert c.mode == "directional" and c.diagnosis.name == "sign"
    assert c.diagnosis.message == (
        f"{SUBJECT} has the right size but the wrong sign: look for a flipped subtraction (e.g. y - y_hat "
        f"instead of y_hat - y) or a stray minus" + WHOLE)


def test_a_factor_of_the_whole_gradient_is_stated_for_the_whole_tensor():
    c = _cause(_cube, lambda v: 1.37 * _dcube(v), _x(200))
    assert c.diagnosis.name == "factor"
    assert c.diagnosis.message == f"{SUBJECT} is 1.37 times the expected value: a constant factor is wrong" + WHOLE


def test_a_factor_of_2_keeps_its_hint_and_names_the_whole_tensor():
    c = _cause(_cube, lambda v: 2 * _dcube(v), _x(200))
    assert c.diagnosis.name == "factor"
    assert c.diagnosis.message == (f"{SUBJECT} is too large by a factor of 2: check the derivative of a square "
                                   f"(d/dx x**2 = 2x) and any 1/2 in the loss" + WHOLE)


_N = 10_000  # a gradient of ones: ||g|| max(1/sqrt(n), 1e-2) = 1, so the ratio tolerance is 1e-6
_SLOPES = np.array([1.0, -1.3, 1.7])


def test_a_sign_shown_by_projections_just_above_the_gradients_tolerance_holds_for_the_whole_tensor():
    """tol = 1e-6 ||g|| max(1/sqrt(n), 1e-2): projections of 1.5e-6 show the ratio, those of 5e-7 do not."""
    a = -1.5e-6 * _SLOPES
    d = _whole(a, -a, np.ones(_N))
    assert d is not None and d.name == "sign" and "all 10000 entries" in d.message
    assert _whole(-5e-7 * _SLOPES, 5e-7 * _SLOPES, np.ones(_N)) is None


def test_an_analytic_projection_within_atol_of_zero_shows_no_ratio():
    """|a| must exceed tol = max(atol, ...) along every direction: at |a| == atol the ratio is not read."""
    assert _whole([-1.0, -2.0, -3.0], [1.0, 2.0, 3.0], np.ones(4), atol=1.0) is None
    assert _whole([-0.5, -2.0, -3.0], [0.5, 2.0, 3.0], np.ones(4), atol=1.0) is None
    d = _whole([-1.0, -2.0, -3.0], [1.0, 2.0, 3.0], np.ones(4), atol=0.5)
    assert d is not None and d.name == "sign"


def test_the_ratio_tolerance_includes_the_rounding_of_the_largest_numeric_projection():
    """1e-7 max|c| = 0.1 here: a projection off by 0.05 next to one of 1e6 still shows the sign."""
    d = _whole([-1e6, -1.05, 1.0], [1e6, 1.0, -1.0], 1e-3 * np.ones(4), atol=1e-9)
    assert d is not None and d.name == "sign" and "along each of 3 random directions" in d.message
    assert _whole([-1e6, -1.5, 1.0], [1e6, 1.0, -1.0], 1e-3 * np.ones(4), atol=1e-9) is None


@pytest.mark.parametrize("rtol, spread, factor", [(1e-3, 0.95e-2, True), (1e-3, 1.05e-2, False),
                                                 (1e-6, 5e-6, True), (1e-6, 2e-5, False)])
def test_a_whole_tensor_factor_is_fitted_within_ten_times_rtol_and_at_least_1e_5(rtol, spread, factor):
    c = np.array([1.0, 1.0, 1.0])
    a = 2.0 * c * np.array([1 + spread, 1 - spread, 1.0])
    d = _whole(a, c, np.ones(4), rtol=rtol, atol=1e-12)
    if factor:
        assert d is not None and d.name == "factor" and "factor of 2" in d.message, d
    else:
        assert d is None


def test_the_transpose_is_named_along_every_random_direction():
    rng = np.random.default_rng(0)
    M, W = rng.normal(size=(40, 40)), rng.normal(size=(40, 40))
    c = _cause(lambda V: float(np.sum(M * V**2)), lambda V: (2 * M * V).T, W)
    assert c.mode == "directional" and c.diagnosis.name == "transposed"
    assert c.diagnosis.message == (f"{SUBJECT} is the transpose of the right matrix: its transpose agrees along "
                                   f"each of 3 random directions (check the order of the factors of the matrix "
                                   f"product).")


def test_a_transposed_2_by_2_gradient_is_named_in_directional_mode():
    M = np.array([[1.0, 2.0], [-3.0, 0.5]])
    W = np.array([[0.7, -1.2], [0.4, 1.1]])
    c = _cause(lambda V: float(np.sum(M * V**2)), lambda V: (2 * M * V).T, W, mode="directional")
    assert c.mode == "directional" and c.diagnosis.name == "transposed", c.diagnosis


def test_one_wrong_entry_of_a_non_symmetric_square_gradient_is_not_called_a_transpose():
    rng = np.random.default_rng(0)
    M, W = rng.normal(size=(40, 40)), rng.normal(size=(40, 40))
    c = _cause(lambda V: float(np.sum(M * V**2)), _changed((3, 4), lambda g: 1.5 * g, lambda V: 2 * M * V), W)
    assert c.complete and _found(c) == [(3, 4)]
    assert c.diagnosis.name == "entries" and c.diagnosis.message.startswith("Only entry [3, 4] of x is wrong")


def test_a_non_square_gradient_laid_out_like_a_transpose_is_not_called_one():
    """Its entries read in transposed order match, but only a square matrix has a transpose of its shape."""
    c = _cause(_cube, lambda v: _dcube(v).ravel().reshape(15, 12).T, _x((12, 15)))
    assert c.diagnosis.name == "unknown" and c.diagnosis.message.endswith("; no pattern recognised.")


def _transposed_projections(deviation, scale=1.0):
    rng = np.random.default_rng(3)
    M = rng.normal(size=(3, 3))
    w = [rng.normal(size=9) for _ in range(3)]
    a = [float(M.ravel() @ wi) for wi in w]
    flipped = np.array([float(M.T.ravel() @ wi) for wi in w])
    return M, w, a, flipped * (1 + deviation) if scale else flipped + deviation


def test_the_transpose_is_fitted_within_ten_times_rtol():
    M, w, a, c = _transposed_projections(np.array([5e-4, -5e-4, 2e-4]))
    d = _whole(a, c, M, rtol=1e-4, atol=1e-12, w=w)
    assert d is not None and d.name == "transposed", d
    assert _whole(a, c, M, rtol=1e-5, atol=1e-12, w=w) is None


def test_the_transpose_is_fitted_within_atol():
    M, w, a, c = _transposed_projections(np.array([5e-4, -5e-4, 0.0]), scale=0)
    d = _whole(a, c, M, rtol=1e-6, atol=1e-3, w=w)
    assert d is not None and d.name == "transposed", d
    assert _whole(a, c, M, rtol=1e-6, atol=1e-5, w=w) is None


# -- entries_pattern: what the entries found share ----------------------------------------------

def test_entries_all_zero_where_the_numeric_is_not_are_zeros_relative_to_the_numeric_scale():
    assert entries_pattern(_entries([1e-9, -2e-9], [3e4, -5e4]), 1e-9, None) == (
        "zeros", "0 where the numerical value is not")
    assert entries_pattern(_entries([1e-14, 0.0], [1.0, 2.0]), 1e-9, None)[0] == "zeros"
    assert entries_pattern(_entries([1e-9, 0.0], [1.0, 2.0]), 1e-9, None)[0] != "zeros"


def test_below_atol_the_scale_of_zero_is_atol():
    assert entries_pattern(_entries([1e-22, 0.0], [1e-12, 2e-12]), 1e-9, None)[0] == "zeros"
    assert entries_pattern(_entries([1e-22, 0.0], [1e-12, 2e-12]), 0.0, None)[0] != "zeros"


def test_an_analytic_value_of_exactly_1e_12_times_the_numeric_counts_as_zero():
    assert entries_pattern(_entries([1e-12], [1.0]), 1e-9, None)[0] == "zeros"


def test_entries_non_zero_where_the_numeric_is_zero_are_a_mask():
    assert entries_pattern(_entries([0.5, 0.7], [0.0, 0.0]), 1e-9, None) == (
        "mask", "non-zero where the numerical value is 0")
    assert entries_pattern(_entries([1e3, 2e3], [1e-10, 0.0]), 1e-9, None)[0] == "mask"
    assert entries_pattern(_entries([1.0], [1e-12]), 1e-9, None)[0] == "mask"  # exactly 1e-12 |a|
    assert entries_pattern(_entries([1e-3, 2e-3], [1e-16, 0.0]), 0.0, None)[0] == "mask"
    assert entries_pattern(_entries([1e-3, 2e-3], [1e-14, 0.0]), 0.0, None)[0] != "mask"


def test_a_mask_of_entries_that_f_does_not_depend_on_is_named_on_the_entries_found():
    c = _cause(lambda v: float(np.sum(v[10:] ** 3)), _dcube, _x(200))
    assert not c.complete and _found(c) == [(0,), (1,), (2,), (3,), (4,)]
    assert c.diagnosis.name == "mask"
    assert c.diagnosis.message == ("At the 5 wrong entries found ([0], [1], [2], [3], [4]; bisection stops at 5, "
                                   "so there may be more), the gradient for x is non-zero where the numerical "
                                   "value is 0.")


def test_a_numeric_zero_among_the_entries_found_divides_silently():
    """Entry 0 (numeric 0) and entry 5 (flipped): the ratio a/n is inf there, without a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = _cause(lambda v: float(np.sum(v[1:] ** 3)), _changed([5], lambda g: -g), _x(200))
    assert c.complete and _found(c) == [(0,), (5,)]
    assert c.diagnosis.name == "entries" and c.diagnosis.message.startswith(
        "Only entries [0], [5] of x are wrong (bisection searched every entry, and a random direction with them "
        "corrected agrees): look for")


def test_a_flipped_entry_whose_size_is_off_by_0_05_percent_is_still_a_sign_error():
    c = _cause(_cube, _changed([7], lambda g: -1.0005 * g), _x(200))
    assert c.complete and c.diagnosis.name == "sign"
    assert c.diagnosis.message.startswith(f"{SUBJECT} has the wrong sign at entry [7] and is correct elsewhere")
    assert entries_pattern(_entries([-1.002], [1.0]), 1e-9, None) == ("", "")


def test_more_flipped_entries_than_bisection_reports_are_the_opposite_sign_there():
    c = _cause(_cube, _changed(list(range(10, 20)), lambda g: -g), _x(200))
    assert not c.complete and c.diagnosis.name == "sign"
    assert c.diagnosis.message == ("At the 5 wrong entries found ([10], [11], [12], [13], [14]; bisection stops "
                                   "at 5, so there may be more), the gradient for x is the opposite sign.")


@pytest.mark.parametrize("scale", [1.0, 1e-5, 1e5])
def test_the_pattern_of_the_entries_does_not_depend_on_their_units(scale):
    n = np.array([1.0, 3.0])
    cases = {"zeros": 1e-14 * n, "mask": None, "sign": -n, "factor": 1.5 * n,
             "offset": n + np.array([0.2, 0.2 + 1e-6]), "": np.array([1.2, 3.25])}
    for key, a in cases.items():
        numeric = np.zeros(2) if key == "mask" else n
        analytic = n if key == "mask" else a
        got = entries_pattern(_entries(scale * analytic, scale * numeric), 1e-12, None)[0]
        assert got == key, (scale, key, got)


def test_an_offset_shared_by_the_entries_is_named_with_its_amount():
    assert entries_pattern(_entries([1.25, 3.25], [1.0, 3.0]), 1e-9, None) == (
        "offset", "off by exactly +0.25 (a term is missing or extra there (a constant added or left out))")
    assert entries_pattern(_entries([1.25, 3.25], [1.0, 3.0]), 1e-9, 4)[1].startswith(
        "off by exactly +0.25 = +1/m (m = 4, the batch size)")


def test_a_common_factor_allows_ratios_within_0_1_percent_of_the_first():
    ratios = 1.5 * np.array([1.0, 1 + 2.5e-4, 1 - 2.5e-4])
    assert entries_pattern(_entries(ratios * [1.0, 2.0, 4.0], [1.0, 2.0, 4.0]), 1e-9, None) == (
        "factor", "1.5 times the numerical value")
    spread = np.array([1.5, 1.50149, 1.49851])  # each within 0.1% of the first, not of the second
    assert entries_pattern(_entries(spread * [1.0, 2.0, 4.0], [1.0, 2.0, 4.0]), 1e-9, None)[0] == "factor"
    assert entries_pattern(_entries([1.5, 2 * 1.51], [1.0, 2.0]), 1e-9, None) == ("", "")


def test_the_stated_factor_is_the_first_entrys_ratio_and_it_must_differ_from_1_by_1_percent():
    assert entries_pattern(_entries([1.5, 2 * 1.5012], [1.0, 2.0]), 1e-9, None) == (
        "factor", "1.5 times the numerical value")
    assert entries_pattern(_entries([1.0102, 2 * 1.0098], [1.0, 2.0]), 1e-9, None) == (
        "factor", "1.01 times the numerical value")
    assert entries_pattern(_entries([1.0098, 2 * 1.0102], [1.0, 2.0]), 1e-9, None) == ("", "")


def test_one_entry_off_by_a_factor_has_no_pattern():
    c = _cause(_cube, _changed([7], lambda g: 1.5 * g), _x(200))
    assert c.complete and c.diagnosis.name == "entries"
    assert c.diagnosis.message == ("Only entry [7] of x is wrong (bisection searched every entry, and a random "
                                   "direction with it corrected agrees): look for code that writes single entries, "
                                   "e.g. an index that is off by one.")
    assert entries_pattern(_entries([1.5], [1.0]), 1e-9, None) == ("", "")


def test_entries_found_with_no_common_pattern_say_so():
    c = _cause(_cube, _changed(list(range(10, 20)), lambda g: g * np.linspace(1.2, 2, 10)), _x(200))
    assert not c.complete and c.diagnosis.name == "unknown"
    text = c.diagnosis.message
    assert text.endswith("([10], [11], [12], [13], [14]; bisection stops at 5, so there may be more); "
                         "no pattern recognised."), text
    assert " is " not in text and "lie in" not in text


# -- _confined: all the wrong entries lie in the rows (columns) of those found -------------------

def test_a_wrong_row_is_named_as_that_row():
    c = _cause(_cube, _changed((3,), lambda g: 3 * g), _x((12, 15)))
    assert _found(c) == [(3, 0), (3, 1), (3, 2), (3, 3), (3, 4)] and c.diagnosis.name == "factor"
    assert c.diagnosis.message == ("At the 5 wrong entries found ([3, 0], [3, 1], [3, 2], [3, 3], [3, 4]; "
                                   "bisection stops at 5, so there may be more), the gradient for x is 3 times the "
                                   "numerical value; all the wrong entries lie in row 3 of x" + AGREES)


def test_a_wrong_column_is_named_as_that_column():
    c = _cause(_cube, _changed((slice(None), 4), lambda g: 3 * g), _x((12, 15)))
    assert _found(c) == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert c.diagnosis.message.endswith("the gradient for x is 3 times the numerical value; all the wrong entries "
                                        "lie in column 4 of x" + AGREES)


def test_wrong_entries_in_two_rows_are_named_as_those_rows():
    rows, cols = np.array([3, 3, 3, 7, 7, 7]), np.array([1, 5, 9, 2, 6, 10])
    c = _cause(_cube, _changed((rows, cols), lambda g: 3 * g), _x((12, 15)))
    assert _found(c) == [(3, 1), (3, 5), (3, 9), (7, 2), (7, 6)]
    assert c.diagnosis.message.endswith("; all the wrong entries lie in rows 3, 7 of x" + AGREES)


def test_entries_found_in_every_row_are_confined_to_their_columns_instead():
    c = _cause(_cube, _changed((slice(None), [4, 5]), lambda g: 3 * g), _x((3, 40)))
    assert _found(c) == [(0, 4), (0, 5), (1, 4), (1, 5), (2, 4)]
    assert c.diagnosis.name == "factor"
    assert c.diagnosis.message.endswith("; all the wrong entries lie in columns 4, 5 of x" + AGREES)


def test_scattered_wrong_entries_of_a_matrix_are_not_confined():
    k = np.arange(8)
    c = _cause(_cube, _changed((k, k), lambda g: g * (1.1 + 0.1 * k)), _x((12, 15)))
    assert c.diagnosis.name == "unknown"
    assert c.diagnosis.message.endswith("; no pattern recognised.") and "lie in" not in c.diagnosis.message


def test_wrong_entries_outside_the_row_whose_errors_cancel_in_pairs_still_keep_the_row_from_being_claimed():
    """The direction through everything else has random weights, so +0.5 and -0.5 elsewhere do not cancel."""
    def df(v):
        g = _dcube(v)
        g[3] *= 3
        g[8, 2] += 0.5
        g[9, 7] -= 0.5
        return g

    c = _cause(_cube, df, _x((12, 15)))
    assert _found(c) == [(3, 0), (3, 1), (3, 2), (3, 3), (3, 4)] and c.diagnosis.name == "factor"
    assert c.diagnosis.message.endswith("the gradient for x is 3 times the numerical value.")


def test_wrong_entries_of_a_vector_are_not_confined_to_rows():
    c = _cause(_cube, _changed(list(range(10, 20)), lambda g: 3 * g), _x(200))
    assert c.diagnosis.name == "factor"
    assert c.diagnosis.message.endswith("the gradient for x is 3 times the numerical value.")


# -- _zero_set: all the wrong entries lie where the analytic gradient is exactly 0 ----------------

def test_a_zeroed_stretch_of_a_vector_is_named_as_its_zero_set():
    c = _cause(_cube, _changed(list(range(10, 20)), lambda g: 0 * g), _x(200))
    assert c.diagnosis.name == "zeros"
    assert c.diagnosis.message == ("At the 5 wrong entries found ([10], [11], [12], [13], [14]; bisection stops "
                                   "at 5, so there may be more), the gradient for x is 0 where the numerical value "
                                   "is not; all the wrong entries lie in the 10 entries where it is exactly 0" + AGREES)


@pytest.mark.parametrize("index, block", [((3,), "the 15 entries where it is exactly 0: the block of rows 3-3, "
                                                   "columns 0-14 of x"),
                                          ((slice(None), 4), "the 12 entries where it is exactly 0: the block of "
                                                             "rows 0-11, columns 4-4 of x"),
                                          ((slice(2, 5), slice(3, 7)), "the 12 entries where it is exactly 0: the "
                                                                       "block of rows 2-4, columns 3-6 of x")])
def test_a_zeroed_block_of_a_matrix_is_named_with_its_rows_and_columns(index, block):
    c = _cause(_cube, _changed(index, lambda g: 0 * g), _x((12, 15)))
    assert c.diagnosis.name == "zeros"
    assert c.diagnosis.message.endswith("the gradient for x is 0 where the numerical value is not; all the wrong "
                                        f"entries lie in {block}" + AGREES), c.diagnosis.message


def test_a_zero_set_that_is_not_a_block_is_named_without_one():
    def df(v):
        g = _dcube(v)
        g[2, 3:7] = 0
        g[3, 3:5] = 0
        return g

    c = _cause(_cube, df, _x((12, 15)))
    assert c.diagnosis.message.endswith("all the wrong entries lie in the 6 entries where it is exactly 0" + AGREES)


def test_zeros_found_beside_other_wrong_entries_are_not_claimed_to_hold_all_of_them():
    def df(v):
        g = _dcube(v)
        g[10:20] = 0
        g[150:160] *= 3
        return g

    c = _cause(_cube, df, _x(200))
    assert c.diagnosis.name == "zeros"
    assert c.diagnosis.message == ("At the 5 wrong entries found ([10], [11], [12], [13], [14]; bisection stops "
                                   "at 5, so there may be more), the gradient for x is 0 where the numerical value "
                                   "is not.")


@pytest.mark.parametrize("error, claimed", [(0.12, True), (0.3, False)])
def test_the_one_non_zero_entry_of_a_float32_gradient_is_judged_as_bisection_judges_it(error, claimed):
    """Alone in its direction it is allowed float32 rounding at f's scale (|f| = 1e6 over 10 entries), as in
    bisection: off by 0.12 it is not a wrong entry, and the zero set holds every wrong one; off by 0.3 it is."""
    x = _x(10)

    def df(v):
        g = np.zeros(10, dtype=np.float32)
        g[9] = 1.0
        return g

    c = _cause(lambda v: float(1e6 + 0.5 * np.sum(v[:7] ** 2) + (1 + error) * v[9]), df, x, mode="directional")
    assert not c.complete and ((9,) in _found(c)) is not claimed
    zero_set = "all the wrong entries lie in the 9 entries where it is exactly 0" + AGREES
    assert c.diagnosis.message.endswith(zero_set) is claimed, c.diagnosis.message
