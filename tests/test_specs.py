"""Every exercise spec of every chapter (found by the registry), held to the same contract.

For each spec: the reference scores full marks in check() and grade(); calling the course's
reference scores 0 with a message; the stub scores 0; there are at least two named bugs and each
one loses points in grade() and is named, with its hint, by check(); hidden cases change from
run to run while public cases do not; cases survive pickling (the class grader ships them).
A new chapter module in course/exercises/ is picked up with no change here.
"""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from course.checking import check, grade, run_spec
from course.exercises import all_specs

SPECS = all_specs()
BUGS = [(spec, bug) for spec in SPECS for bug in spec.bugs]


def _same(a, b) -> bool:
    """Structural equality of case arguments (arrays by value, other objects by pickled value)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape \
            and bool(np.array_equal(a, b, equal_nan=True))
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (int, float, complex, str, np.generic)) or a is None:
        return bool(a == b)
    return a is b or pickle.dumps(a) == pickle.dumps(b)     # e.g. callable dataclasses of arrays


def test_the_registry_finds_specs():
    assert SPECS, "no exercise specs found in course/exercises/"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_reference_gets_full_marks(spec):
    checked = run_spec(spec, spec.reference, enforce_forbidden=False)
    assert checked.passed and checked.score == spec.points, repr(checked)
    graded = run_spec(spec, spec.reference, mode="grade", enforce_forbidden=False)
    assert graded.passed and graded.score == spec.points, repr(graded)
    assert not graded.notes, graded.notes        # the reference neither prints nor warns


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_calling_the_course_reference_scores_zero_with_a_message(spec):
    def learner(*args):
        return spec.reference(*args)

    if spec.call is not None:       # the answer is an object (a class): hand over the reference itself
        learner = spec.reference
    report = grade(spec.name, learner)
    assert report.score == 0.0 and report.forbidden, repr(report)
    assert "scores 0" in repr(report) and report.forbidden in repr(report)
    assert check(spec.name, learner).score == 0.0


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_the_untouched_stub_scores_zero(spec):
    def stub(*args):
        raise NotImplementedError()

    report = grade(spec.name, stub)
    assert report.score == 0.0 and report.not_implemented and "not implemented yet" in repr(report)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_exercise_names_at_least_two_bugs(spec):
    assert len(spec.bugs) >= 2
    assert len({b.name for b in spec.bugs}) == len(spec.bugs)
    assert all(b.hint and callable(b.impl) for b in spec.bugs)


@pytest.mark.parametrize("spec, bug", BUGS, ids=lambda x: getattr(x, "name", None))
def test_each_bug_loses_points_and_is_named_by_check(spec, bug):
    graded = run_spec(spec, bug.impl, mode="grade", enforce_forbidden=False)
    assert graded.score < spec.points, f"{bug.name!r} keeps full marks:\n{graded!r}"
    checked = run_spec(spec, bug.impl, enforce_forbidden=False)
    assert not checked
    assert any(c.bug == bug.name for c in checked.cases), f"{bug.name!r} not named:\n{checked!r}"
    assert f"“{bug.name}”" in repr(checked) and bug.hint in repr(checked)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_hidden_cases_differ_between_runs_and_public_cases_do_not(spec):
    first, second = spec.hidden_cases(), spec.hidden_cases()
    assert not all(_same(a.args, b.args) for a, b in zip(first, second))
    assert all(_same(a.args, b.args) for a, b in zip(spec.public_cases(), spec.public_cases()))
    assert spec.n_hidden >= 3 and len(spec.public_cases()) >= 2


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_cases_are_labelled_and_picklable(spec):
    for case in spec.public_cases() + spec.hidden_cases(seed=0):
        assert case.label
        assert _same(pickle.loads(pickle.dumps(case.args)), case.args)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_forbidden_functions_can_be_detected(spec):
    # Detection works by code object: a forbidden entry without one would be silently ignored.
    assert spec.forbidden
    for f in spec.forbidden:
        code = getattr(getattr(f, "__wrapped__", f), "__code__", None)
        assert code is not None, f"{spec.name}: forbidden entry {f!r} has no Python code object"
