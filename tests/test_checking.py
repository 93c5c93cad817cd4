"""The checker itself: check()/grade() against a toy spec and deliberately awkward learner functions.

Each test hands ``run_spec`` a learner function that misbehaves in one way (raises, returns None,
the wrong shape, NaN, modifies its input, prints, warns, loops forever, calls the reference
under another name) and asserts the report says so, the score is right, and nothing leaks to
stdout/stderr (nbgrader scores a grade cell that writes to stderr 0). pytest turns escaping
warnings into errors, so a leaked warning fails these tests too.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from course.checking import check, compare, grade, run_spec
from course.checking.report import PUBLIC_PASSED_LINE, CaseResult, CheckReport
from course.gradcheck.diagnosis import diagnose
from course.exercises import UnknownExerciseError, all_specs, get_spec
from course.exercises.spec import Bug, Case, Spec


def double(x):
    """The toy exercise's reference: 2x."""
    return 2.0 * np.asarray(x, dtype=float)


def _helper_that_calls_reference(x):
    return double(x)


def _case(rng: np.random.Generator) -> Case:
    x = rng.normal(size=(int(rng.integers(2, 5)), 2))
    return Case((x,), f"x of shape {x.shape}")


def _is_double(fn):
    """Doubles a vector of ones"""
    out = np.asarray(fn(np.ones(3)))
    return None if out.shape == (3,) and np.allclose(out, 2.0) else f"gave {out} for ones(3)"


SPEC = Spec(
    name="ch99.double", title="double it", reference=double, make_case=_case, points=3.0,
    fixed_cases=(Case((np.array([1.0, -2.0, 3.0]),), "x = [1, -2, 3]"),),
    bugs=(Bug("tripled", "Multiply by two, not three.", lambda x: 3.0 * x),
          Bug("plus two", "Doubling multiplies; it does not add.", lambda x: x + 2.0)),
    forbidden=(double,), answer_free=(_is_double,), n_hidden=5,
)
N_CHECK = 1 + 3 + 1          # fixed + public seeds + answer-free
N_GRADE = N_CHECK + 5


def run(fn, **kw):
    return run_spec(SPEC, fn, **kw)


def test_a_correct_function_passes_with_full_marks(capfd):
    report = run(lambda x: x + x)
    assert report and report.passed and report.score == 3.0 and type(report.score) is float
    assert report.n_cases == N_CHECK and all(c.passed for c in report.cases)
    assert repr(report).splitlines()[-1] == PUBLIC_PASSED_LINE
    graded = run(lambda x: x + x, mode="grade")
    assert graded.passed and graded.score == 3.0 and graded.n_cases == N_GRADE
    assert {c.kind for c in graded.cases} == {"public", "answer-free", "hidden"}
    assert PUBLIC_PASSED_LINE not in repr(graded) and "score 3/3" in repr(graded)
    assert capfd.readouterr() == ("", "")


def test_score_repr_is_a_plain_float_nbgrader_can_read():
    # nbgrader does float(text/plain); repr(np.float64(1.5)) is 'np.float64(1.5)'
    report = run(lambda x: np.float64(2.0) * x)
    assert float(repr(report.score)) == report.score == 3.0


def test_not_implemented_scores_zero_without_a_traceback(capfd):
    def stub(x):
        raise NotImplementedError()

    report = run(stub, mode="grade")
    assert not report and report.not_implemented and report.score == 0.0
    text = repr(report)
    assert "not implemented yet" in text and "Traceback" not in text and len(text.splitlines()) == 1
    assert capfd.readouterr() == ("", "")


def test_an_exception_is_summarised_in_one_line_naming_type_and_line():
    def boom(x):
        return x[100]

    report = run(boom)
    assert report.score == 0.0 and not report.not_implemented
    failing = [c for c in report.cases if not c.passed]
    assert len(failing) == N_CHECK
    assert "raised IndexError" in failing[0].problem and "of boom" in failing[0].problem
    assert "Traceback" not in repr(report)


def test_none_is_never_a_pass():
    report = run(lambda x: None)
    assert report.score == 0.0
    assert "None" in report.cases[0].problem and "return" in report.cases[0].problem


@pytest.mark.parametrize("wrong, words", [
    (lambda x: (2 * x)[:1], "shape"),
    (lambda x: np.full_like(x, np.nan), "NaN"),
    (lambda x: np.full_like(x, np.inf), "inf"),
    (lambda x: "twice x", "str"),
    (lambda x: (2 * x).astype(complex), "complex"),
    (lambda x: [2 * x, 2 * x], "shape"),
])
def test_wrong_type_shape_or_non_finite_output_fails_with_a_reason(wrong, words):
    report = run(wrong)
    assert not report and report.score < SPEC.points
    assert not report.cases[0].passed and words in report.cases[0].problem


def test_nan_where_the_reference_has_nan_is_fine_but_not_elsewhere():
    assert compare(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), rtol=1e-6, atol=1e-9)[0] is None
    assert compare(np.array([1.0, 1.0]), np.array([np.nan, 1.0]), rtol=1e-6, atol=1e-9)[0] is not None


def test_tuples_and_dicts_are_compared_item_by_item():
    ok = compare((1.0, np.ones(2)), (1.0, np.ones(2)), rtol=1e-6, atol=1e-9)
    assert ok == (None, None)
    problem, _ = compare((1.0, np.ones(3)), (1.0, np.ones(2)), rtol=1e-6, atol=1e-9)
    assert "item 1 of your answer" in problem.lower()
    problem, _ = compare({"W": np.ones(2)}, {"W": np.ones(2), "b": 1.0}, rtol=1e-6, atol=1e-9)
    assert "keys" in problem
    problem, _ = compare(1.0, (1.0, 2.0), rtol=1e-6, atol=1e-9)
    assert "tuple of 2 items" in problem


def test_modifying_the_input_spoils_nothing():
    def doubles_in_place(x):
        x *= 2
        return x

    cases = SPEC.public_cases()
    before = [c.args[0].copy() for c in cases]
    assert run(doubles_in_place).passed          # the reference got its own copy
    assert all(np.array_equal(c.args[0], b) for c, b in zip(SPEC.public_cases(), before))


def test_prints_and_warnings_are_captured_and_reported(capfd):
    def chatty(x):
        print("debug " * 50)
        print("x =", x)
        warnings.warn("careful now", UserWarning)
        np.exp(np.array([1000.0]))          # RuntimeWarning: overflow
        return 2 * x

    report = run(chatty, mode="grade")
    assert report.passed                    # printing and warning are not wrong answers
    notes = " ".join(report.notes)
    assert "printed" in notes and "debug" in notes and "warning" in notes
    assert capfd.readouterr() == ("", "")


def test_an_endless_loop_is_stopped_and_reported():
    def forever(x):
        while True:
            pass

    report = run(forever, time_limit=0.2)
    assert report.score == 0.0
    assert "did not finish within 0.2 s" in report.cases[0].problem
    assert all("not run" in c.problem for c in report.cases[1:])


def test_calling_the_reference_scores_zero_even_under_an_alias_or_via_a_helper():
    alias = double
    for fn in (lambda x: alias(x), _helper_that_calls_reference, double):
        report = run(fn, mode="grade")
        assert report.score == 0.0 and not report.passed
        assert report.forbidden and report.forbidden.endswith("double")
        assert "scores 0" in repr(report)


def test_a_lookalike_of_the_reference_is_not_a_forbidden_call():
    def double(x):                               # same name and body, different function
        return 2.0 * np.asarray(x, dtype=float)

    assert run(double).passed
    assert run_spec(SPEC, SPEC.reference, enforce_forbidden=False).passed


def test_a_named_bug_is_recognised_and_its_hint_shown_once():
    report = run(lambda x: 3.0 * x)
    assert report.score == 0.0
    assert {c.bug for c in report.cases if c.kind == "public"} == {"tripled"}
    text = repr(report)
    assert text.count("Multiply by two, not three.") == 1 and "“tripled”" in text


def test_an_unnamed_mistake_gets_the_generic_diagnosis():
    wrong = lambda x: -2.0 * x                  # noqa: E731 - a learner's lambda
    report = run(wrong)
    case = report.cases[0]
    expected = diagnose(wrong(case_x := SPEC.fixed_cases[0].args[0]), double(case_x))
    assert case.bug is None and expected is not None and case.hint == expected.message


def test_partial_credit_is_points_times_fraction_passed():
    def half_right(x):
        return 2 * x if x.shape[0] == 3 else 3 * x

    report = run(half_right, mode="grade", seed=1)
    n_ok = sum(c.passed for c in report.cases)
    assert 0 < n_ok < report.n_cases
    assert report.score == pytest.approx(3.0 * n_ok / report.n_cases)
    assert not report


def test_hidden_cases_change_between_runs_unless_seeded():
    a, b = (SPEC.hidden_cases() for _ in range(2))
    assert not all(np.array_equal(x.args[0], y.args[0]) for x, y in zip(a, b))
    c, d = SPEC.hidden_cases(seed=7), SPEC.hidden_cases(seed=7)
    assert all(np.array_equal(x.args[0], y.args[0]) for x, y in zip(c, d))


def test_answer_free_check_failure_names_a_silent_bug():
    def _no_lists(fn):
        """Refuses a list input"""
        try:
            fn([1.0, 2.0])
        except TypeError:
            return None
        return "accepted a list"

    silent = Bug("accepts lists", "Refuse lists.", lambda x: 2.0 * np.asarray(x, dtype=float))
    spec = Spec(name="ch99.strict", title="strict", reference=lambda x: 2.0 * x, make_case=_case,
                points=1.0, bugs=(silent,), answer_free=(_no_lists,))
    report = run_spec(spec, lambda x: 2.0 * np.asarray(x, dtype=float), mode="grade")
    assert 0 < report.score < 1.0
    failing = [c for c in report.cases if not c.passed]
    assert [c.label for c in failing] == ["Refuses a list input"] and failing[0].bug == "accepts lists"


def test_html_report_escapes_learner_text():
    def nasty(x):
        raise ValueError("<script>alert(1)</script>")

    page = run(nasty)._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_report_groups_cases_with_the_same_problem():
    report = CheckReport(name="ch99.x", title="x", mode="check", points=1.0, cases=tuple(
        CaseResult(f"case {i}", False, "Your answer is None") for i in range(4)))
    lines = repr(report).splitlines()
    assert len(lines) == 2 and "case 0 (and 3 more cases)" in lines[1]


def test_check_and_grade_validate_their_arguments():
    name = all_specs()[0].name
    with pytest.raises(TypeError, match="name: expected"):
        check(42, print)
    with pytest.raises(TypeError, match="fn: expected your function"):
        check(name, 3.0)
    with pytest.raises(TypeError, match="without calling it"):
        grade(name, None)
    with pytest.raises(KeyError) as info:
        check(name + "x", print)
    assert isinstance(info.value, UnknownExerciseError)
    assert f"Did you mean {name!r}" in str(info.value) and "Known exercises" in str(info.value)
    with pytest.raises(ValueError, match="mode"):
        run_spec(SPEC, print, mode="exam")


def test_registry_lists_every_chapter_module_and_finds_each_spec():
    specs = all_specs()
    names = [s.name for s in specs]
    assert len(names) == len(set(names)) and len(names) >= 2
    assert {n.split(".")[0] for n in names} >= {"ch01"}
    assert all(get_spec(n) is s for n, s in zip(names, specs))


def test_check_runs_fast_enough_to_be_a_self_check():
    # Not a timing assertion: the case count stays small, so check() stays instant.
    for spec in all_specs():
        assert len(spec.public_cases()) + len(spec.answer_free) <= 12, spec.name


# ---------------------------------------------------------------- several outputs, harnesses
def _three_outputs(x):
    return (2 * x, x.sum(keepdims=True), -x)


THREE = Spec(name="ch99.three", title="three outputs", reference=_three_outputs,
             make_case=lambda rng: Case((rng.normal(size=(3, 2)),), "x"), points=3.0, n_hidden=3)


def test_each_output_of_a_tuple_earns_its_share_of_the_case():
    one_wrong = lambda x: (2 * x, x.sum(keepdims=True), x)            # noqa: E731 - the sign of the last
    report = run_spec(THREE, one_wrong, mode="grade", seed=1, enforce_forbidden=False)
    assert not report.passed and report.n_passed == 0
    assert report.score == pytest.approx(2.0)                          # 2 of 3 outputs right everywhere
    all_wrong = lambda x: (x, x.sum(), x)                               # noqa: E731
    assert run_spec(THREE, all_wrong, mode="grade", seed=1, enforce_forbidden=False).score == 0.0
    assert run_spec(THREE, _three_outputs, mode="grade", seed=1, enforce_forbidden=False).score == 3.0


def test_dict_outputs_earn_per_key_and_missing_keys_earn_nothing():
    from course.checking.compare import output_credit

    expected = {"dx": np.ones(2), "dy": np.zeros(2), "dz": 3.0}
    assert output_credit({"dx": np.ones(2), "dy": np.ones(2), "dz": 3.0}, expected, rtol=1e-9, atol=0) \
        == pytest.approx(2 / 3)
    assert output_credit({"dx": np.ones(2)}, expected, rtol=1e-9, atol=0) == pytest.approx(1 / 3)
    assert output_credit([np.ones(2)], expected, rtol=1e-9, atol=0) == 0.0
    assert output_credit(np.ones(2), np.ones(2), rtol=1e-9, atol=0) == 1.0
    assert output_credit(np.zeros(2), np.ones(2), rtol=1e-9, atol=0) == 0.0


class _Counter:
    """A tiny 'learner class' exercise: count(n) calls of .step() on a fresh object."""

    def __init__(self):
        self.n = 0

    def step(self):
        self.n += 1


def _harness(cls, n):
    obj = cls()
    for _ in range(int(n)):
        obj.step()
    return float(obj.n)


def test_a_spec_call_harness_applies_learner_and_reference_alike():
    spec = Spec(name="ch99.counter", title="a counter", reference=_Counter, call=_harness,
                make_case=lambda rng: Case((int(rng.integers(1, 5)),), "n"), points=1.0, n_hidden=3,
                bugs=(Bug("double step", "look at step", type("Double", (_Counter,), {
                    "step": lambda self: setattr(self, "n", self.n + 2)})),))
    assert run_spec(spec, _Counter, mode="grade", seed=0, enforce_forbidden=False).score == 1.0
    wrong = run_spec(spec, spec.bugs[0].impl, mode="grade", seed=0, enforce_forbidden=False)
    assert wrong.score == 0.0 and any(c.bug == "double step" for c in wrong.cases)
    assert spec.apply(_Counter, (3,)) == 3.0
    with pytest.raises(TypeError, match="Spec.call"):
        Spec(name="ch99.bad", title="t", reference=_Counter, call=3, make_case=lambda rng: Case(()), points=1.0)
    with pytest.raises(ValueError, match="cost_cap"):
        Spec(name="ch99.bad", title="t", reference=_Counter, cost_cap=2.0, make_case=lambda rng: Case(()),
             points=1.0)


# ----------------------------------------------------------------------------------------------
# check_all: a chapter from the notebook's namespace; Validate's view of a report
# ----------------------------------------------------------------------------------------------


def _toy_chapter(monkeypatch):
    from course.checking import chapter

    third = Spec(name="ch99.triple", title="triple it", reference=lambda x: 3.0 * np.asarray(x), make_case=_case,
                 points=1.0, function="my_triple", n_hidden=4,
                 bugs=(Bug("doubled", "three", lambda x: 2.0 * x), Bug("zero", "three", lambda x: 0 * x)))
    monkeypatch.setattr(chapter, "all_specs", lambda: [SPEC, third, get_spec("ch01.central_difference")])
    return third


def test_spec_function_defaults_to_the_name_after_the_dot_and_must_be_a_python_name():
    assert SPEC.function == "double"
    assert Spec(name="ch99.a", title="t", reference=double, make_case=_case, points=1, function="f2").function == "f2"
    with pytest.raises(ValueError, match="Spec.function"):
        Spec(name="ch99.a", title="t", reference=double, make_case=_case, points=1, function="not a name")


def test_check_all_grades_every_exercise_of_the_chapter_from_the_namespace(monkeypatch):
    from course.checking import check_all

    _toy_chapter(monkeypatch)

    def stub(x):
        raise NotImplementedError()

    untouched = check_all("ch99", {"double": stub, "my_triple": stub}, seed=0)
    assert untouched.score == 0 and not untouched and untouched.points == 4.0
    assert [e.name for e in untouched.exercises] == ["ch99.double", "ch99.triple"]
    assert repr(untouched).count("not implemented yet") == 2 and "0 of 2 exercises pass" in repr(untouched)

    solved = check_all("ch99_toy", {"double": lambda x: x + x, "my_triple": lambda x: x * 3.0}, seed=0)
    assert solved and solved.score == solved.points == 4.0 and "2 of 2 exercises pass — score 4/4" in repr(solved)

    calls = iter(range(100))
    half = check_all("ch99", {"my_triple": lambda x: 3.0 * x if next(calls) % 3 else x, "double": 3}, seed=0)
    second = half.exercises[1]
    assert 0 < second.score < 1 and half.score == second.score      # exact, for whoever sums it
    text = repr(half)
    assert len(str(second.score)) > 6, second.score                  # 1 * k / 7
    assert f"{second.score:.3g}/1" in text and str(second.score) not in text     # shown rounded
    assert "double is an int, not a function" in text and "✗ ch99.triple" in text and "wrong" in text
    assert "<div" in half._repr_html_() and "&lt;" not in repr(half)


def test_check_all_reads_the_callers_globals_by_default_and_checks_its_arguments(monkeypatch):
    from course.checking import check_all

    _toy_chapter(monkeypatch)
    globals()["my_triple"] = lambda x: 3.0 * x
    try:
        report = check_all("ch99", seed=0)
    finally:
        del globals()["my_triple"]
    assert report.exercises[0].passed is False and report.exercises[1].passed      # `double` is the reference
    assert "calls" in report.exercises[0].reason()                                 # ... and scores 0 for it
    with pytest.raises(ValueError, match="chapter"):
        check_all("chapter one", {})
    with pytest.raises(TypeError, match="chapter"):
        check_all(1, {})
    with pytest.raises(TypeError, match="namespace"):
        check_all("ch99", [1])
    with pytest.raises(ValueError, match="no exercises"):
        check_all("ch77", {})


@pytest.mark.parametrize("env, expect_stderr", [("validate", True), ("autograde", False), (None, False)])
def test_a_report_short_of_full_marks_tells_validate_why_on_stderr_and_nobody_else(monkeypatch, capfd, env,
                                                                                    expect_stderr):
    if env is None:
        monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    else:
        monkeypatch.setenv("NBGRADER_EXECUTION", env)
    wrong = run(lambda x: 3.0 * x)
    right = run(lambda x: x + x)
    wrong._ipython_display_()
    right._ipython_display_()
    out, err = capfd.readouterr()
    assert "tripled" in out and "all 5 checks passed" in out              # both shown to the learner
    assert ("✗ ch99.double" in err and "tripled" in err) is expect_stderr
    assert "all 5 checks passed" not in err                               # a full score writes nothing
