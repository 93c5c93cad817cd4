"""Every exercise spec of every chapter (found by the registry), held to the same contract.

For each spec: the reference scores full marks in check() and grade(); calling the course's
reference scores 0 with a message; the stub scores 0; there are at least two named bugs and each
one loses points in grade() and is named, with its hint, by check(); hidden cases change from
run to run while public cases do not; cases survive pickling (the class grader ships them).
Shortcuts and cost: every *analytic* spec declares at least two shortcuts and two honest
variants; each shortcut scores 0 with a message saying why, each variant full marks; a numeric
answer synthesized here (the reference evaluated next to each input, as a finite difference
does) scores 0 on every analytic spec; an answer that wastes memory is capped at exactly
``cost_cap * points`` on every spec with cost requirements.
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
ANALYTIC = [spec for spec in SPECS if spec.analytic]
SHORTCUTS = [(spec, f) for spec in SPECS for f in spec.shortcuts]
VARIANTS = [(spec, f) for spec in SPECS for f in spec.variants]
COSTLY = [spec for spec in SPECS if spec.cost]


def _id(x):
    return getattr(x, "name", None) or getattr(x, "__name__", None)


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


# ----------------------------------------------------------------------------------------------
# shortcuts score nothing, honest variants everything, cost requirements cap
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ANALYTIC, ids=_id)
def test_every_analytic_exercise_declares_two_shortcuts_and_two_variants(spec):
    assert len(spec.shortcuts) >= 2, f"{spec.name}: declare at least two shortcuts (numeric routes)"
    assert len(spec.variants) >= 2, f"{spec.name}: declare at least two honest variants (other styles)"
    assert all(callable(f) for f in spec.shortcuts + spec.variants)


@pytest.mark.parametrize("spec, shortcut", SHORTCUTS, ids=_id)
def test_each_shortcut_scores_zero_with_a_message_saying_why(spec, shortcut):
    report = grade(spec.name, shortcut)
    why = report.shortcut or report.forbidden
    assert report.score == 0.0 and why, f"{spec.name}: shortcut {shortcut.__name__} is not caught:\n{report!r}"
    assert "scores 0" in repr(report) and why in repr(report)
    assert check(spec.name, shortcut).score == 0.0


@pytest.mark.parametrize("spec, variant", VARIANTS, ids=_id)
def test_each_honest_variant_scores_full_marks(spec, variant):
    for seed in (None, 0):
        report = grade(spec.name, variant, seed=seed)
        assert report.passed and report.score == spec.points, f"{spec.name}: variant {variant.__name__}:\n{report!r}"
        assert report.shortcut is None and not report.forbidden


def _is_point(value) -> bool:
    return (isinstance(value, float) or isinstance(value, np.ndarray) and value.dtype.kind == "f"
            and value.size > 0)


def _numeric_route(spec):
    """The reference evaluated next to each float input (x ± h), then the reference's answer.

    Not a derivative of the right function, but exactly the evaluations a finite difference
    makes; run with ``enforce_forbidden=False`` so that only the detector can catch it.
    """
    def numeric(*args):
        for k, value in enumerate(args):
            if _is_point(value):
                for h in (1e-6, -1e-6):
                    moved = list(args)
                    moved[k] = value + h
                    try:
                        spec.reference(*moved)
                    except Exception:       # noqa: BLE001 - some inputs may not move freely
                        pass
        return spec.reference(*args)

    return numeric


@pytest.mark.parametrize("spec", [s for s in ANALYTIC if s.call is None], ids=_id)
def test_a_synthesized_numeric_answer_scores_zero_on_every_analytic_spec(spec):
    report = run_spec(spec, _numeric_route(spec), mode="grade", enforce_forbidden=False)
    assert report.score == 0.0 and report.shortcut, repr(report)
    assert "numerically" in report.shortcut


def _wasteful(spec):
    """The reference's answer, after allocating a thousand times the inputs' memory (not touched)."""
    def wasteful(*args):
        nbytes = sum(a.nbytes for a in args if isinstance(a, np.ndarray))
        waste = np.empty(min(1000 * nbytes, 1 << 30) // 8)
        del waste
        return spec.reference(*args)

    return wasteful


@pytest.mark.parametrize("spec", COSTLY, ids=_id)
def test_a_failed_cost_requirement_caps_the_score_at_the_stated_fraction(spec):
    # Cost requirements are memory budgets today; a spec with another kind needs its own test.
    report = run_spec(spec, _wasteful(spec), mode="grade", enforce_forbidden=False)
    assert report.cost_failed, f"{spec.name}: an answer allocating 1000x its inputs passes the cost checks"
    assert report.score == pytest.approx(spec.cost_cap * spec.points), repr(report)
    assert f"capped at {spec.cost_cap:.0%}" in repr(report)

