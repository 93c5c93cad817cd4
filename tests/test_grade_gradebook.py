"""The class grader's scores land in a real nbgrader gradebook, also while it is locked."""
from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from course.exercises import get_spec
from graders import generate as gen
from graders.grade.gradebook import write_gradebook
from graders.grade.runner import StudentResult
from graders.grade.score import ExerciseResult

REPO = Path(__file__).resolve().parent.parent
CH01 = "ch01_chain_rule"


def _result(student: str, scores: dict[str, float]) -> StudentResult:
    r = StudentResult(student, "0" * 64, "ok", [])
    for name, score in scores.items():
        spec = get_spec(name)
        r.exercises.append(ExerciseResult(name, spec.title, float(spec.points), score, "ok"))
    return r


@pytest.mark.slow
def test_scores_are_written_as_auto_scores_and_survive_a_locked_database(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(REPO / "solutions" / CH01, root / "solutions" / CH01)
    db = tmp_path / "gradebook.db"
    gen.generate([CH01], root=root, db_url=f"sqlite:///{db}")
    lock = sqlite3.connect(db, timeout=0, isolation_level=None, check_same_thread=False)
    lock.execute("BEGIN EXCLUSIVE")                  # another process holds the gradebook

    def release_later():
        time.sleep(1.5)
        lock.execute("COMMIT")
    threading.Thread(target=release_later).start()
    results = [_result("ada", {"ch01.central_difference": 2.0, "ch01.sigmoid_slope": 0.5}),
               _result("bob", {"ch01.central_difference": 0.0})]
    assert write_gradebook(CH01, results, db_url=f"sqlite:///{db}") == 2
    lock.close()
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{db}") as gb:
        assert gb.find_grade("ch01-central_difference", "chain_rule", CH01, "ada").score == 2.0
        assert gb.find_grade("ch01-sigmoid_slope", "chain_rule", CH01, "ada").score == 0.5
        assert gb.find_grade("ch01-central_difference", "chain_rule", CH01, "bob").score == 0.0
        assert gb.find_submission(CH01, "ada").score == 2.5
    # a regrade overwrites, it does not add
    write_gradebook(CH01, [_result("ada", {"ch01.central_difference": 1.0})], db_url=f"sqlite:///{db}")
    with Gradebook(f"sqlite:///{db}") as gb:
        assert gb.find_grade("ch01-central_difference", "chain_rule", CH01, "ada").score == 1.0
        assert len(gb.students) == 2


@pytest.mark.slow
def test_an_assignment_missing_from_the_gradebook_is_a_clear_error(tmp_path):
    db = tmp_path / "empty.db"
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{db}"):
        pass
    with pytest.raises(ValueError, match="not in the gradebook"):
        write_gradebook(CH01, [_result("ada", {"ch01.central_difference": 2.0})], db_url=f"sqlite:///{db}")
