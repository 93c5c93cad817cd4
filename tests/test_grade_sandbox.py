"""The class grader on the real sandbox (graders/sandbox): every chapter's solution, stub and zoo.

Skipped when the sandbox package is not present. Without Linux namespaces the sandbox runs with
its weaker layers (``require_namespaces=False``), as ``grade --no-namespaces`` would.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

sandbox = pytest.importorskip("graders.sandbox")

from course.exercises import all_specs  # noqa: E402
from graders.generate import chapters  # noqa: E402
from graders.grade.batch import grade_class  # noqa: E402
from graders.grade.discover import Submission  # noqa: E402
from graders.grade.extract import load_release  # noqa: E402
from graders.grade.runner import grade_submission  # noqa: E402
from graders.zoo import write_zoo  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SPECS = {s.name: s for s in all_specs()}
NAMESPACES = bool(getattr(sandbox.available_mode(), "namespaces", False))


def _grade(path: Path, chapter: str):
    release = load_release(chapter, REPO / "notebooks")
    return grade_submission(Submission("ada", str(path), path.read_bytes()), release, SPECS, b"secret",
                            require_namespaces=NAMESPACES)


@pytest.mark.parametrize("chapter", chapters())
def test_solution_full_untouched_zero_in_the_sandbox(chapter):
    release = load_release(chapter, REPO / "notebooks")
    full = _grade(REPO / "solutions" / chapter / release.path.name, chapter)
    assert full.total == full.max, [(e.exercise, e.status, e.message, [c.detail for c in e.cases if not c.passed][:2])
                                    for e in full.exercises if e.score < e.points]
    assert full.isolation
    empty = _grade(release.path, chapter)
    assert empty.total == 0 and {e.status for e in empty.exercises} == {"not implemented"}


def _answer(chapter: str, function: str, code: str) -> bytes:
    release = load_release(chapter, REPO / "notebooks")
    nb = json.loads((REPO / "solutions" / chapter / release.path.name).read_text())
    slot = next(s for s in release.slots if s.function == function)
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == slot.solution_id:
            cell["source"] = code
    return json.dumps(nb).encode()


def test_crashes_and_endless_loops_cost_only_their_exercise(tmp_path):
    ch = "ch01_chain_rule"
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "exit.ipynb").write_bytes(_answer(ch, "sigmoid_slope", "import os\ndef sigmoid_slope(s):\n    os._exit(1)\n"))
    (subs / "loop.ipynb").write_bytes(_answer(ch, "tanh_slope", "def tanh_slope(t):\n    while True:\n"
                                              "        try:\n            pass\n        except BaseException:\n"
                                              "            pass\n"))
    (subs / "gone.ipynb").write_bytes(_answer(ch, "two_path_derivative", "x = 1\n"))
    limits = sandbox.Limits(wall_seconds=4.0, case_seconds=1.0, cpu_seconds=4.0)
    run = grade_class(ch, subs, tmp_path / "out", secret=b"s", limits=limits, require_namespaces=NAMESPACES)
    by = {r.student: {e.exercise: e for e in r.exercises} for r in run.results}
    assert by["exit"]["ch01.sigmoid_slope"].score == 0
    assert by["loop"]["ch01.tanh_slope"].score == 0
    assert by["gone"]["ch01.two_path_derivative"].score == 0
    assert "defines no 'two_path_derivative'" in by["gone"]["ch01.two_path_derivative"].cases[0].detail
    for student, ex in by.items():
        broken = {"exit": "ch01.sigmoid_slope", "loop": "ch01.tanh_slope", "gone": "ch01.two_path_derivative"}[student]
        assert all(e.score == e.points for name, e in ex.items() if name != broken), student


_NUMERIC_THREE_LINK = ("import numpy as np\n"
                      "def three_link_derivative(w, x):\n"
                      "    h = 1e-5\n"
                      "    f = lambda x: 1 / (1 + np.exp(-w * np.tanh(x)))\n"
                      "    return (f(np.asarray(x, float) + h) - f(np.asarray(x, float) - h)) / (2 * h)\n")


def test_numeric_differentiation_scores_zero_with_the_words_of_grade():
    from course.checking import grade
    ch = "ch01_chain_rule"
    release = load_release(ch, REPO / "notebooks")
    data = _answer(ch, "three_link_derivative", _NUMERIC_THREE_LINK)
    res = grade_submission(Submission("ada", "numeric", data), release, SPECS, b"secret",
                           require_namespaces=NAMESPACES)
    ex = {e.exercise: e for e in res.exercises}
    target = ex["ch01.three_link_derivative"]
    namespace: dict = {}
    exec(_NUMERIC_THREE_LINK, namespace)  # the test's own copy, to ask the in-kernel grade()
    kernel = grade("ch01.three_link_derivative", namespace["three_link_derivative"], seed=0)
    assert kernel.score == 0 and kernel.shortcut
    assert target.score == 0 and target.status == "shortcut"
    assert target.message.startswith(f"your function {kernel.shortcut}. This exercise asks for the derivative")
    assert all(e.score == e.points for n, e in ex.items() if n != "ch01.three_link_derivative")


@pytest.mark.slow
@pytest.mark.parametrize("chapter", chapters())
def test_the_zoo_loses_points_where_intended_with_the_intended_hint(chapter, tmp_path):
    entries = write_zoo(chapter, tmp_path / "zoo")
    run = grade_class(chapter, tmp_path / "zoo", tmp_path / "out", secret=b"zoo", jobs=2,
                      require_namespaces=NAMESPACES)
    by = {r.student: {e.exercise: e for e in r.exercises} for r in run.results}
    assert len(by) == len(entries)
    per_exercise: dict[str, int] = {}
    for entry in entries:
        ex = by[entry.name]
        target = ex[entry.exercise]
        per_exercise[entry.exercise] = per_exercise.get(entry.exercise, 0) + 1
        assert target.score < target.points, entry.name
        if entry.expect == "bug":
            assert entry.bug in target.bugs, (entry.name, target.bugs, target.status)
        if entry.expect == "zero":
            assert target.score == 0 and target.status == "shortcut" and target.message, entry.name
        assert all(e.score == e.points for name, e in ex.items()
                   if name != entry.exercise and name not in entry.affects), entry.name
    release = load_release(chapter, REPO / "notebooks")
    assert set(per_exercise) == {s.exercise for s in release.slots}
    assert min(per_exercise.values()) >= 2
    feedback = json.loads((tmp_path / "out" / "feedback" / f"{entries[0].name}.json").read_text())
    assert feedback["exercises"] and "messages" in feedback
