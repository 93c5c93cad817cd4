"""The checker's comparison (course/checking/compare.py): the tests that kill its mutants.

``compare`` decides whether a learner's output is right and says, in one sentence, what is
wrong; ``output_credit`` turns a tuple or dict of outputs into partial credit. The sentences
are pinned in full: they are what a learner reads. tests/MUTANTS.md lists the mutants.
"""
from __future__ import annotations

import numpy as np
import pytest

from course.checking.compare import compare, output_credit

TOL = {"rtol": 1e-6, "atol": 1e-9}


@pytest.mark.parametrize("seed", range(5))
def test_values_within_tolerance_pass_and_beyond_it_fail(seed):
    rng = np.random.default_rng(seed)
    e = rng.normal(size=(3, 4))
    assert compare(e * (1 + 5e-7), e, **TOL) == (None, None)
    assert compare(e + 5e-10, e, **TOL) == (None, None)
    c = float(rng.uniform(1.01, 3.0))
    problem, _ = compare(c * e, e, **TOL)
    assert problem is not None and problem.startswith("Your answer is wrong at 12 of 12 entries")


def test_the_wrong_entries_sentence_names_count_first_index_values_and_largest_error():
    e = np.arange(6.0).reshape(2, 3)
    a = e.copy()
    a[0, 2] = 9.0
    a[1, 1] = 4.5
    problem, hint = compare(a, e, **TOL, what="dW")
    assert problem == ("DW is wrong at 2 of 6 entries, e.g. at index (0, 2) it is 9, expected 2 "
                       "(largest error 7)")
    assert compare(np.float64(2.5), 2.0, **TOL)[0] == "Your answer is 2.5, expected 2"


def test_non_finite_outputs_fail_and_nan_matches_only_nan():
    e = np.array([1.0, np.nan, 2.0])
    assert compare(np.array([1.0, np.nan, 2.0]), e, **TOL) == (None, None)
    assert compare(np.array([1.0, 0.0, 2.0]), e, **TOL)[0] is not None
    problem, _ = compare(np.array([np.inf, np.nan, 2.0]), e, **TOL)
    assert problem is not None
    problem, _ = compare(np.array([1.0, np.nan, 3.0]), e, **TOL)
    assert "at index (2,)" in problem and "largest error 1" in problem
    p2, _ = compare(np.array([np.inf, 1.0]), np.array([1.0, 1.0]), rtol=1e300, atol=1e300)
    assert p2 is not None


def test_type_and_shape_problems_are_named():
    e = np.zeros((2, 3))
    assert compare(None, e, **TOL)[0].startswith("Your answer is None (did you forget to return it?)")
    assert compare("abc", e, **TOL) == ("Your answer is a str, not a number or an array of real numbers", None)
    p, h = compare(np.zeros((3, 3)), e, **TOL)
    assert h is None and "shape (3, 3)" in p and "(2, 3)" in p
    assert compare(np.ones(3), np.ones(3), **TOL, what="db") == (None, None)
    assert compare(np.array([True, False]), np.array([1.0, 0.0]), **TOL) == (None, None)


def test_tuples_lists_and_dicts_are_compared_item_by_item():
    e = (np.ones(2), 3.0)
    assert compare((np.ones(2), 3.0), e, **TOL) == (None, None)
    assert compare([np.ones(2), 3.0], e, **TOL) == (None, None)
    assert compare((np.ones(2),), e, **TOL)[0] == "Your answer should be a tuple of 2 items, got a tuple of 1 items"
    assert compare(np.ones(2), e, **TOL)[0] == ("Your answer should be a tuple of 2 items, got an array of "
                                                "dtype float64 and shape (2,)")
    assert compare((np.ones(2), 4.0), e, **TOL)[0] == "Item 1 of your answer is 4, expected 3"
    assert compare((np.zeros(2) + 2, 3.0), e, **TOL)[0].startswith("Item 0 of your answer is wrong at 2 of 2")
    d = {"dx": np.ones(2), "dy": 1.0}
    assert compare({"dx": np.ones(2), "dy": 1.0}, d, **TOL) == (None, None)
    assert compare({"dx": np.ones(2)}, d, **TOL)[0] == ("Your answer should be a dict with keys ['dx', 'dy'], "
                                                       "got a dict")
    assert compare({"dx": np.ones(2), "dy": 2.0}, d, **TOL)[0] == "Your answer['dy'] is 2, expected 1"
    assert compare({"dx": np.ones(2) * 2, "dy": 2.0}, d, **TOL)[0].startswith("Your answer['dx'] is wrong")


def test_a_hint_reads_the_pattern_of_the_difference():
    rng = np.random.default_rng(0)
    e = rng.normal(size=(3, 4))
    problem, hint = compare(-e, e, **TOL)
    assert problem is not None and hint is not None and "sign" in hint.lower()


def test_output_credit_gives_an_equal_share_per_output():
    e = (np.ones(2), np.zeros(3), 2.0)
    assert output_credit(e, e, **TOL) == 1.0
    assert output_credit((np.ones(2), np.ones(3), 2.0), e, **TOL) == pytest.approx(2 / 3)
    assert output_credit((np.ones(2), np.ones(3), 1.0), e, **TOL) == pytest.approx(1 / 3)
    assert output_credit([np.ones(2), np.zeros(3), 2.0], e, **TOL) == 1.0
    assert output_credit((np.ones(2),), e, **TOL) == 0.0
    assert output_credit(np.ones(2), e, **TOL) == 0.0
    d = {"a": 1.0, "b": 2.0}
    assert output_credit({"a": 1.0, "b": 0.0}, d, **TOL) == 0.5
    assert output_credit({"a": 1.0}, d, **TOL) == 0.5
    assert output_credit({"a": 1.0, "b": 2.0, "c": 3.0}, d, **TOL) == 1.0
    assert output_credit(1.0, d, **TOL) == 0.0
    assert output_credit(np.ones(2), np.ones(2), **TOL) == 1.0
    assert output_credit(np.zeros(2), np.ones(2), **TOL) == 0.0
    assert output_credit((), (), **TOL) == 1.0


def test_the_diagnosis_is_read_with_the_specs_tolerances():
    # within the tolerances the answer passes, even where the default tolerances would call it zeros
    assert compare(np.zeros(4), np.full(4, 1e-3), rtol=1e-6, atol=1e-2) == (None, None)
    assert compare(np.zeros(4), np.full(4, 1e3), rtol=2.0, atol=1e-9) == (None, None)


def test_a_wrong_item_without_a_hint_is_still_reported():
    e = (np.arange(1.0, 9.0), 1.0)
    a = e[0].copy()
    a[3] = 100.0  # one wrong entry: no pattern to name
    problem, hint = compare((a, 1.0), e, **TOL)
    assert problem == ("Item 0 of your answer is wrong at 1 of 8 entries, e.g. at index (3,) it is 100, "
                       "expected 4 (largest error 96)")
    assert hint is None
    problem, hint = compare({"dx": a, "dy": 1.0}, {"dx": e[0], "dy": 1.0}, **TOL)
    assert problem.startswith("Your answer['dx'] is wrong at 1 of 8 entries") and hint is None


def test_a_diagnosis_that_crashes_never_decides_the_result(monkeypatch):
    import sys

    cmp = sys.modules[compare.__module__]  # the module (the package exports the function by the same name)

    def broken(*args, **kwargs):
        raise RuntimeError("diagnosis bug")

    monkeypatch.setattr(cmp, "diagnose", broken)
    assert compare(np.ones(3), np.ones(3), **TOL) == (None, None)
    assert compare(np.zeros((3, 2)), np.zeros((2, 3)), **TOL, what="dW") == (
        "DW has shape (3, 2) but should have shape (2, 3)", None)
    problem, hint = compare(np.full(3, 2.0), np.ones(3), **TOL)
    assert problem.startswith("Your answer is wrong at 3 of 3 entries") and hint is None
