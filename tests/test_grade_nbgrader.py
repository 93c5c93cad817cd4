"""Honest and known-wrong submissions score what stock ``nbgrader autograde`` gives them.

The same notebooks (the solution, the untouched learner notebook and two zoo entries per graded
exercise) are graded by stock nbgrader with the course config and by the class grader; every
exercise's score must agree. Where a wrong answer is right on some cases only, the two can pick
different hidden inputs (nbgrader draws fresh ones, the class grader per-student keyed ones), so
there (and only there: a partial score) they must agree to within the hidden cases' share, and
at least 90 % of all scores must be equal.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from course.exercises import all_specs
from graders.generate import chapters
from graders.grade.baseline import nbgrader_autograde
from graders.grade.batch import grade_class
from graders.grade.extract import load_release
from graders.zoo import entries, submission_json

REPO = Path(__file__).resolve().parent.parent
SPECS = {s.name: s for s in all_specs()}


def _api():
    try:
        from graders.grade.runner import sandbox_api
        return sandbox_api()
    except ImportError:
        import grade_standin
        return grade_standin.API


@pytest.mark.slow
@pytest.mark.parametrize("chapter", chapters())
def test_class_grader_agrees_with_stock_nbgrader(chapter, tmp_path):
    release, found = entries(chapter)
    solution = REPO / "solutions" / chapter / release.path.name
    sol_json = json.loads(solution.read_text())
    picked, seen = [], {}
    for e in found:                       # two wrong submissions per graded exercise
        if seen.get(e.exercise, 0) < 2:
            seen[e.exercise] = seen.get(e.exercise, 0) + 1
            picked.append(e)
    notebooks = {"solution": solution.read_bytes(), "untouched": release.path.read_bytes()}
    notebooks.update({e.name: json.dumps(submission_json(sol_json, release, e)).encode() for e in picked})
    subs = tmp_path / "subs"
    subs.mkdir()
    for student, data in notebooks.items():
        (subs / f"{student}.ipynb").write_bytes(data)
    try:
        from graders.sandbox import available_mode
        namespaces = bool(available_mode().namespaces)
    except ImportError:
        namespaces = False
    ours = grade_class(chapter, subs, tmp_path / "out", api=_api(), secret=b"parity", jobs=2,
                       require_namespaces=namespaces)
    theirs = nbgrader_autograde(chapter, notebooks, tmp_path / "nbgrader")
    mine = {r.student: {e.exercise: e.score for e in r.exercises} for r in ours.results}
    disagreements = []
    for student, row in theirs.scores.items():
        for exercise, score in row.items():
            spec = SPECS[exercise]
            n_cases = len(spec.public_cases()) + spec.n_hidden + len(spec.answer_free)
            partial = 0 < mine[student][exercise] < spec.points
            tol = spec.points * spec.n_hidden / n_cases if partial and student not in ("solution", "untouched") else 1e-9
            if score is None or abs(mine[student][exercise] - score) > tol:
                disagreements.append((student, exercise, score, mine[student][exercise]))
    assert not disagreements, disagreements
    exact = sum(abs(mine[s][x] - v) < 1e-9 for s, r in theirs.scores.items() for x, v in r.items())
    total = sum(len(r) for r in theirs.scores.values())
    assert exact >= 0.9 * total, f"only {exact} of {total} scores equal exactly"
    assert all(v == SPECS[x].points for x, v in theirs.scores["solution"].items())
    assert all(v == 0 for v in theirs.scores["untouched"].values())
