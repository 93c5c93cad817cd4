"""Write the class grader's scores into the nbgrader gradebook (formgrader, ``nbgrader export``).

For each student: the student and their submission of the chapter are created if missing, and
every grade cell's ``auto_score`` is set to the exercise's score (the exercise's grade cell is the
release's ``chNN-<exercise>``). A locked SQLite database (another process grading, formgrader
open) is retried with back-off instead of aborting. The gradebook URL is the course config's
(``graders/nbgrader_config.py``: outside the repository) unless ``db_url`` is given.
"""
from __future__ import annotations

import time
import warnings
from typing import Callable, TypeVar

from graders.grade.runner import StudentResult

__all__ = ["write_gradebook", "with_retries"]

T = TypeVar("T")


def with_retries(action: Callable[[], T], *, attempts: int = 8, first_wait: float = 0.2) -> T:
    """``action()``, retried with doubling waits while SQLite says the database is locked."""
    from sqlalchemy.exc import OperationalError
    wait = first_wait
    for attempt in range(attempts):
        try:
            return action()
        except OperationalError as exc:
            if "locked" not in str(exc).lower() and "busy" not in str(exc).lower() or attempt == attempts - 1:
                raise
            time.sleep(wait)
            wait = min(wait * 2, 5.0)
    raise AssertionError("unreachable")  # pragma: no cover


def _config() -> tuple[str, str]:
    from graders.generate import load_config
    cfg = load_config()
    return str(cfg.CourseDirectory.db_url), str(cfg.CourseDirectory.course_id)


def write_gradebook(chapter: str, results: list[StudentResult], *, db_url: str | None = None,
                    notebook: str | None = None, attempts: int = 8) -> int:
    """Set the auto scores of ``results`` in the gradebook; returns the number of students written.

    Parameters
    ----------
    chapter : str
        The assignment (it must be in the gradebook: ``python -m graders generate`` puts it there).
    results : list of StudentResult
    db_url : str, optional
        Gradebook URL (default: the course config's).
    notebook : str, optional
        Notebook name without ``.ipynb`` (default: the assignment's only notebook).

    Raises
    ------
    ValueError
        If the assignment is not in the gradebook.
    """
    from nbgrader.api import Gradebook, MissingEntry
    url, course_id = _config() if db_url is None else (db_url, "backprop-course")

    def write_one(r: StudentResult) -> None:
        with Gradebook(url, course_id=course_id) as gb:
            try:
                assignment = gb.find_assignment(chapter)
            except MissingEntry:
                raise ValueError(f"assignment {chapter} is not in the gradebook {url}; run "
                                 f"`python -m graders generate {chapter}` first") from None
            name = notebook or assignment.notebooks[0].name
            gb.update_or_create_student(r.student)
            try:
                gb.find_submission(chapter, r.student)
            except MissingEntry:
                gb.add_submission(chapter, r.student)
            scores = {e.exercise: e.score for e in r.exercises}
            for cell in gb.find_notebook(name, chapter).grade_cells:
                exercise = _exercise_of(cell.name)
                if exercise in scores:
                    grade = gb.find_grade(cell.name, name, chapter, r.student)
                    grade.auto_score = float(scores[exercise])
            gb.db.commit()

    for r in results:
        with warnings.catch_warnings():      # nbgrader's own add_submission trips SQLAlchemy warnings
            warnings.simplefilter("ignore")
            with_retries(lambda r=r: write_one(r), attempts=attempts)
    return len(results)


def _exercise_of(grade_id: str) -> str:
    """``"ch01-central_difference"`` -> ``"ch01.central_difference"``."""
    return grade_id.replace("-", ".", 1)
