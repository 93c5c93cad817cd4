"""The class grader end to end on the test stand-in of the sandbox (tests/grade_standin.py).

Scoring, feedback, grades.csv, the class report, one row per submission, regrades, the CLI.
The real sandbox is exercised in test_grade_sandbox.py; stock nbgrader in test_grade_nbgrader.py.
"""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import grade_standin
from course.exercises import all_specs
from graders.generate import chapters
from graders.grade import runner as grade_runner
from graders.grade.batch import grade_class
from graders.grade.cases import plan_exercise
from graders.grade.discover import Submission
from graders.grade.extract import load_release
from graders.grade.runner import grade_submission
from graders.grade.score import classify, score_exercise
from graders.grade.shortcuts import verdict

REPO = Path(__file__).resolve().parent.parent
CH01 = "ch01_chain_rule"
SPECS = {s.name: s for s in all_specs()}
SECRET = b"test secret"


def _grade(path_or_bytes, chapter=CH01, student="ada"):
    release = load_release(chapter, REPO / "notebooks")
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    return grade_submission(Submission(student, "test", data), release, SPECS, SECRET, api=grade_standin.API)


def _solution(chapter=CH01):
    release = load_release(chapter, REPO / "notebooks")
    return REPO / "solutions" / chapter / release.path.name


def _with_answer(exercise_fn: str, code: str, chapter=CH01) -> bytes:
    """The solution notebook with the answer cell defining ``exercise_fn`` replaced by ``code``."""
    nb = json.loads(_solution(chapter).read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and f"def {exercise_fn}(" in "".join(cell["source"]) \
                and cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["source"] = code
    return json.dumps(nb).encode()


@pytest.mark.parametrize("chapter", chapters())
def test_solution_scores_full_and_untouched_learner_zero(chapter):
    full = _grade(_solution(chapter), chapter)
    assert full.total == full.max > 0, [(e.exercise, e.status, e.message) for e in full.exercises]
    release = load_release(chapter, REPO / "notebooks")
    empty = _grade(release.path, chapter)
    assert empty.total == 0 and {e.status for e in empty.exercises} == {"not implemented"}


def test_a_named_bug_loses_points_and_is_named_in_the_feedback():
    bad = _grade(_with_answer("sigmoid_slope", "def sigmoid_slope(s):\n    return s\n"))
    ex = {e.exercise: e for e in bad.exercises}
    assert ex["ch01.sigmoid_slope"].score == 0
    assert "only the value" in ex["ch01.sigmoid_slope"].bugs
    assert all(e.score == e.points for n, e in ex.items() if n != "ch01.sigmoid_slope")
    failing = [c for c in ex["ch01.sigmoid_slope"].cases if not c.passed]
    assert {c.category for c in failing if c.kind != "answer-free"} == {"mismatch"}
    assert "worst at index" in failing[0].detail


def test_partial_credit_per_case_and_per_output():
    # right on the public cases only (hard-coded lookup fails on hidden ones)
    spec = SPECS["ch01.tanh_slope"]
    plan = plan_exercise(spec, SECRET, "ada")
    outs = []
    for it in plan.cases + plan.free_calls:
        value = spec.apply(spec.reference, it.args) if it.kind != "hidden" else np.zeros(1)
        outs.append(grade_standin.CaseOutput(True, value, None, {}))
    n = len(plan.cases)
    res = score_exercise(plan, outs[:n], outs[n:])
    hidden = sum(1 for it in plan.cases if it.kind == "hidden")
    total = len(plan.cases) + len(spec.answer_free)
    assert res.score == pytest.approx(spec.points * (total - hidden) / total)
    assert 0 < res.score < spec.points and res.status == "partial"
    assert {c.category for c in res.cases if not c.passed} == {"shape"}


def _pair(x):
    """A reference with two outputs, like (dW, db)."""
    return (2.0 * x, x.sum(keepdims=True))


def _pair_case(rng):
    from course.exercises.spec import Case
    return Case((rng.normal(size=3),), "x")


def test_tuple_outputs_earn_each_output_its_share():
    from course.exercises.spec import Spec
    spec = Spec(name="ch99.pair", title="two outputs", reference=_pair, make_case=_pair_case, points=3.0)
    plan = plan_exercise(spec, SECRET, "ada")
    outs = [grade_standin.CaseOutput(True, (2.0 * it.args[0], np.zeros(1)), None, {}) for it in plan.cases]
    res = score_exercise(plan, outs, [])
    assert [c.credit for c in res.cases] == [0.5] * len(plan.cases)
    assert res.score == pytest.approx(1.5)
    assert all(c.detail.startswith("output 1:") for c in res.cases)


def test_calling_the_reference_scores_zero_with_the_reason():
    res = _grade(_with_answer("two_path_derivative",
                              "from course.reference.chain_rule import two_path_derivative\n"))
    ex = {e.exercise: e for e in res.exercises}["ch01.two_path_derivative"]
    assert ex.score == 0 and ex.status == "shortcut" and "course's own answer" in ex.message


def test_numeric_differentiation_in_an_analytic_exercise_scores_zero():
    import dataclasses
    analytic = SPECS["ch01.sigmoid_slope"]
    assert analytic.analytic
    free = dataclasses.replace(analytic, analytic=False)
    obs = [{"called": ["course.gradcheck.numeric.numerical_derivative"]}]
    assert verdict(free, obs) == (None, None)                       # not analytic: allowed
    zero, _ = verdict(analytic, obs)
    assert zero and "differentiates numerically" in zero and "by hand" in zero
    # what the sandbox brings back: course.checking's Guard.shortcut, as plain data
    why = "evaluates f at points next to s (steps of 1e-05): that is differentiating numerically"
    found = [{"seconds": 0.1}, {"seconds": 0.1, "guard": {"numeric_shortcut": why}}]
    zero, _ = verdict(analytic, found)
    assert zero == (f"your function {why}. This exercise asks for the derivative worked out by hand, "
                    "so a numeric or automatic one scores 0")
    assert verdict(free, found) == (None, None)
    assert verdict(analytic, [{"called": ["numpy.sum"]}, {"guard": {}}]) == (None, None)


def test_classify_names_shape_nan_dtype_and_mismatch_without_expected_values():
    e = np.array([1.0, 2.0, 3.0])
    assert classify(np.ones(2), e)[0] == "shape"
    assert classify(np.array([1.0, np.nan, 3.0]), e) == ("nan/inf", "1 of 3 entries are NaN or inf")
    assert classify(np.array([1.0, 2.0, 4.0]), e, {"dtypes": ["int64"]})[0] == "dtype"
    cat, detail = classify(np.array([1.0, 2.5, 3.0]), e)
    assert cat == "mismatch" and "(1,)" in detail and "2" not in detail.split("off by")[0].split("index")[0]
    assert classify(None, e)[0] == "type"


def test_exceptions_name_the_learners_line_but_hidden_messages_are_not_shown(tmp_path):
    code = ("def tanh_slope(t):\n"
            "    if np.size(t) not in (3, 4):\n"
            "        raise ValueError('<b>leak ' + repr(t) + '</b>')\n"
            "    return 1 - t ** 2\n")
    sub = tmp_path / "subs"
    sub.mkdir()
    (sub / "eve.ipynb").write_bytes(_with_answer("tanh_slope", code))
    run = grade_class(CH01, sub, tmp_path / "out", api=grade_standin.API, secret=SECRET)
    fb = json.loads((tmp_path / "out" / "feedback" / "eve.json").read_text())
    ex = next(e for e in fb["exercises"] if e["exercise"] == "ch01.tanh_slope")
    hidden_fail = [c for c in ex["cases"] if c["kind"] == "hidden" and not c["passed"]]
    public_fail = [c for c in ex["cases"] if c["kind"] == "public" and not c["passed"]]
    assert hidden_fail and all("leak" not in c["detail"] for c in hidden_fail)
    assert all("line 3 of tanh_slope in answer cell" in c["detail"] for c in hidden_fail)
    assert public_fail and "leak" in public_fail[0]["detail"]
    page = (tmp_path / "out" / "feedback" / "eve.html").read_text()
    assert "<b>leak" not in page and "&lt;b&gt;leak" in page
    assert run.results[0].total < run.results[0].max


def test_feedback_never_shows_hidden_inputs_or_reference_code(tmp_path):
    sub = tmp_path / "subs"
    sub.mkdir()
    (sub / "ada.ipynb").write_bytes(_with_answer("sigmoid_slope", "def sigmoid_slope(s):\n    return s * (1 + s)\n"))
    grade_class(CH01, sub, tmp_path / "out", api=grade_standin.API, secret=SECRET)
    text = (tmp_path / "out" / "feedback" / "ada.json").read_text()
    spec = SPECS["ch01.sigmoid_slope"]
    plan = plan_exercise(spec, SECRET, "ada")
    for it in plan.cases:
        if it.kind == "hidden":
            for x in np.ravel(it.args[0])[:3]:
                assert f"{x:.4g}" not in text and f"{x:.6g}" not in text
    assert "s * (1.0 - s)" not in text and "def sigmoid_slope" not in text


def _batch(tmp_path):
    sub = tmp_path / "subs"
    sub.mkdir()
    shutil.copy(_solution(), sub / "ada.ipynb")
    shutil.copy(load_release(CH01, REPO / "notebooks").path, sub / "bob.ipynb")
    (sub / "cy.ipynb").write_bytes(_with_answer("central_difference", "def central_difference(f, x, h):\n"
                                               "    return (f(x + h) - f(x)) / h\n"))
    (sub / "dee.ipynb").write_bytes(b'{"cells": [')
    (sub / "eli.ipynb").write_bytes(b"")
    (sub / "fay.ipynb").write_bytes(_with_answer("sigmoid_slope", "import os\nos._exit(3)\n"))
    return sub


def test_every_submission_gets_one_row_and_the_outputs_are_written(tmp_path):
    sub = _batch(tmp_path)
    out = tmp_path / "out"
    run = grade_class(CH01, sub, out, api=grade_standin.API, secret=SECRET, jobs=2)
    rows = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text())))
    exercises = [s.exercise for s in load_release(CH01, REPO / "notebooks").slots]
    assert list(rows[0]) == ["student", *exercises, "total", "max", "status", "seconds", "sha256", "grader_version"]
    by = {r["student"]: r for r in rows}
    assert sorted(by) == ["ada", "bob", "cy", "dee", "eli", "fay"]
    assert by["ada"]["total"] == by["ada"]["max"] == f"{sum(SPECS[e].points for e in exercises):g}"
    assert by["bob"]["total"] == "0"
    assert 0 < float(by["cy"]["total"]) < float(by["cy"]["max"]) and float(by["cy"]["ch01.central_difference"]) < 2
    assert by["dee"]["status"] == by["eli"]["status"] == "unreadable"
    assert by["fay"]["status"] == "crashed" and by["fay"]["total"] == "0"
    for s in by:
        assert (out / "feedback" / f"{s}.json").exists() and (out / "feedback" / f"{s}.html").exists()
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64,") == 2 and "forward difference" in report
    log = (out / "grade.log").read_text()
    assert "fay: crashed" in log and "submissions/minute" in log
    assert "submissions/minute" in run.summary and "p95" in run.summary


def test_a_regrade_is_bit_identical(tmp_path):
    sub = _batch(tmp_path)
    a = grade_class(CH01, sub, tmp_path / "a", api=grade_standin.API, secret=SECRET, jobs=2)
    b = grade_class(CH01, sub, tmp_path / "b", api=grade_standin.API, secret=SECRET, jobs=1)
    assert len(a.results) == len(b.results) == 6

    def no_seconds(path):
        rows = list(csv.reader(io.StringIO(path.read_text())))
        col = rows[0].index("seconds")
        return [r[:col] + r[col + 1:] for r in rows]
    assert no_seconds(tmp_path / "a" / "grades.csv") == no_seconds(tmp_path / "b" / "grades.csv")
    for f in (tmp_path / "a" / "feedback").glob("*.json"):
        assert f.read_bytes() == (tmp_path / "b" / "feedback" / f.name).read_bytes()
    c = grade_class(CH01, sub, tmp_path / "c", api=grade_standin.API, secret=b"another course", jobs=2)
    # another course secret, other hidden inputs: the wrong answer's feedback details differ
    assert (tmp_path / "c" / "feedback" / "cy.json").read_bytes() != (tmp_path / "a" / "feedback" / "cy.json").read_bytes()


def test_hidden_cases_differ_per_student():
    spec = SPECS["ch01.tanh_slope"]
    a = [it.args for it in plan_exercise(spec, SECRET, "ada").cases if it.kind == "hidden"]
    b = [it.args for it in plan_exercise(spec, SECRET, "bob").cases if it.kind == "hidden"]
    assert len(a) == spec.n_hidden and not all(np.array_equal(x[0], y[0]) for x, y in zip(a, b))


def test_a_grader_failure_is_a_row_too_and_the_cli_exits_1(tmp_path, monkeypatch, capsys):
    sub = _batch(tmp_path)

    def broken_run(source, calls, **kw):
        raise RuntimeError("sandbox exploded")
    api = (broken_run, grade_standin.Call, grade_standin.Limits)
    run = grade_class(CH01, sub, tmp_path / "out", api=api, secret=SECRET)
    assert len(run.results) == 6
    assert {r.status for r in run.results if r.student not in ("dee", "eli")} == {"grader error"}
    from graders.__main__ import main
    monkeypatch.setattr(grade_runner, "sandbox_api", lambda: api)
    assert main(["grade", CH01, str(sub), "--out", str(tmp_path / "cli")]) == 1
    assert "grader failed" in capsys.readouterr().err
    monkeypatch.setattr(grade_runner, "sandbox_api", lambda: grade_standin.API)
    assert main(["grade", CH01, str(sub), "--out", str(tmp_path / "cli2"), "--jobs", "2"]) == 0
    out = capsys.readouterr()
    assert "submissions/minute" in out.out and "6/6" in out.err
    assert main(["grade", "ch99_nothing", str(sub), "--out", str(tmp_path / "cli3")]) == 1


def test_with_retries_waits_out_a_locked_gradebook():
    from sqlalchemy.exc import OperationalError
    from graders.grade.gradebook import with_retries
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("UPDATE", {}, Exception("database is locked"))
        return "done"
    assert with_retries(flaky, first_wait=0.001) == "done" and len(calls) == 3

    def broken():
        raise OperationalError("UPDATE", {}, Exception("no such table"))
    with pytest.raises(OperationalError):
        with_retries(broken, first_wait=0.001)
