"""``python -m graders release``: it refuses a failing solution, a scoring stub and any leak."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import grade_standin
from graders.generate import chapters
from graders.release import check_chapter, error_outputs, leaks

REPO = Path(__file__).resolve().parent.parent
CH01 = "ch01_chain_rule"


@pytest.fixture()
def course_copy(tmp_path):
    for part in ("solutions", "notebooks"):
        shutil.copytree(REPO / part / CH01, tmp_path / part / CH01)
    return tmp_path


def _edit(path: Path, fn) -> None:
    nb = json.loads(path.read_text())
    fn(nb["cells"])
    path.write_text(json.dumps(nb))


def _cell(cells, grade_id):
    return next(c for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.mark.parametrize("chapter", chapters())
def test_every_chapter_is_releasable(chapter):
    assert leaks(chapter) == []
    assert check_chapter(chapter, api=grade_standin.API, execute=False) == []


def test_a_leaked_solution_line_is_refused(course_copy):
    learner = course_copy / "notebooks" / CH01 / "chain_rule.ipynb"
    _edit(learner, lambda cells: cells.append({"cell_type": "code", "metadata": {}, "outputs": [],
                                              "execution_count": None,
                                              "source": "path_u = v(x) * u_prime(x)      # dy/du = v,  du/dx = u'(x)\n"}))
    found = leaks(CH01, course_copy)
    assert any("solution block leaked" in p for p in found), found


def test_a_leaked_hidden_test_or_marker_is_refused(course_copy):
    learner = course_copy / "notebooks" / CH01 / "chain_rule.ipynb"
    _edit(learner, lambda cells: cells.append({"cell_type": "markdown", "metadata": {},
                                              "source": "### BEGIN HIDDEN TESTS\n"}))
    assert any("BEGIN HIDDEN TESTS" in p for p in leaks(CH01, course_copy))


def test_a_leaked_reference_line_is_refused(course_copy):
    learner = course_copy / "notebooks" / CH01 / "chain_rule.ipynb"
    _edit(learner, lambda cells: cells.append({"cell_type": "code", "metadata": {}, "outputs": [],
                                              "execution_count": None,
                                              "source": "path_v = _values(u, x) * _values(v_prime, x)  # ∂y/∂v = u,  dv/dx = v'(x)\n"}))
    assert any("reference of ch01.two_path_derivative" in p for p in leaks(CH01, course_copy))


def test_code_the_chapter_hands_the_learner_is_no_leak(course_copy):
    # a line of the reference (or of a solution block) that the chapter also gives outside any
    # solution block, in the solution and in the learner version, is given code, not a leak
    line = "path_v = _values(u, x) * _values(v_prime, x)\n"
    given = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": line}
    learner = course_copy / "notebooks" / CH01 / "chain_rule.ipynb"
    solution = course_copy / "solutions" / CH01 / "chain_rule.ipynb"
    _edit(learner, lambda cells: cells.append(dict(given)))
    assert any("reference of ch01.two_path_derivative" in p for p in leaks(CH01, course_copy))
    _edit(solution, lambda cells: cells.append(dict(given)))
    assert leaks(CH01, course_copy) == []
    # ... while a line only the solution block has still leaks
    _edit(learner, lambda cells: cells.append({**given, "source": "path_u = v(x) * u_prime(x)\n"}))
    assert any("solution block leaked" in p for p in leaks(CH01, course_copy))


def test_a_solution_below_full_marks_is_refused(course_copy):
    solution = course_copy / "solutions" / CH01 / "chain_rule.ipynb"
    _edit(solution, lambda cells: _cell(cells, "ch01-tanh_slope-solution").update(
        source="def tanh_slope(t):\n    return 1 - t\n"))
    found = check_chapter(CH01, root=course_copy, api=grade_standin.API, execute=False)
    assert any("the solution scores 0/1 on ch01.tanh_slope" in p for p in found), found


def test_a_stub_that_scores_is_refused(course_copy):
    learner = course_copy / "notebooks" / CH01 / "chain_rule.ipynb"
    _edit(learner, lambda cells: _cell(cells, "ch01-sigmoid_slope-solution").update(
        source="def sigmoid_slope(s):\n    return s * (1 - s)\n"))
    found = check_chapter(CH01, root=course_copy, api=grade_standin.API, execute=False)
    assert any("untouched learner notebook scores 1 on ch01.sigmoid_slope" in p for p in found), found


@pytest.mark.slow
def test_an_error_output_in_the_learner_notebook_is_refused(course_copy):
    learner = course_copy / "notebooks" / CH01 / "chain_rule.ipynb"
    _edit(learner, lambda cells: cells.append({"cell_type": "code", "id": "divide-by-zero", "metadata": {},
                                              "outputs": [], "execution_count": None, "source": "1 / 0\n"}))
    found = error_outputs(learner)
    assert len(found) == 1 and "ZeroDivisionError" in found[0]


@pytest.mark.slow
def test_release_command_runs_every_step_on_a_real_chapter(capsys):
    from graders.__main__ import main
    from graders.generate import outdated
    assert main(["release", CH01]) == 0
    assert f"{CH01}: ready to release" in capsys.readouterr().out
    assert outdated() == []
