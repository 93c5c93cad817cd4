"""Stock ``nbgrader autograde`` on the same submissions, for comparison (bench and parity test).

Builds a throw-away nbgrader course in ``workdir`` (a copy of ``solutions/``, its own gradebook),
generates the chapter's assignment, puts each notebook at ``submitted/<student>/<chapter>/``, runs
``nbgrader autograde`` once for all of them with the course's own config
(``--JupyterApp.config_file=graders/nbgrader_config.py``, root and gradebook overridden on the
command line), and reads every grade cell's score back from the gradebook.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from graders import generate as gen

__all__ = ["Baseline", "nbgrader_autograde"]

_STAMP = re.compile(r"^(\d+\.\d+) .*Creating/updating student with ID '([^']+)'")


@dataclass
class Baseline:
    """Scores per student (exercise name -> score, None when nbgrader gave none), and timing."""

    scores: dict[str, dict[str, float | None]]
    wall: float
    seconds: dict[str, float] = field(default_factory=dict)
    log: str = ""


def nbgrader_autograde(chapter: str, notebooks: dict[str, bytes], workdir: Path, *,
                       timeout: float | None = None) -> Baseline:
    """Run stock ``nbgrader autograde`` on ``notebooks`` (student -> file bytes) in ``workdir``."""
    workdir = Path(workdir)
    root = workdir / "course"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(gen.REPO_ROOT / "solutions", root / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    db_url = f"sqlite:///{workdir / 'gradebook.db'}"
    gen.generate([chapter], root=root, db_url=db_url)
    name = next((root / "notebooks" / chapter).glob("*.ipynb")).name
    for student, data in notebooks.items():
        folder = root / "submitted" / student / chapter
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    cmd = [sys.executable, "-m", "nbgrader", "autograde", chapter,
           f"--JupyterApp.config_file={gen.CONFIG_FILE}", f"--CourseDirectory.root={root}",
           f"--CourseDirectory.db_url={db_url}", "--create",
           "--Application.log_format=%(created)f [%(name)s|%(levelname)s] %(message)s"]
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    epoch, start = time.time(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=root, env=env, timeout=timeout)
    wall = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    return Baseline(_read_scores(chapter, name[:-len(".ipynb")], list(notebooks), db_url), wall,
                    _per_student(log, epoch + wall), log)


def _read_scores(chapter: str, notebook: str, students: list[str], db_url: str) -> dict[str, dict[str, float | None]]:
    from nbgrader.api import Gradebook, MissingEntry
    out: dict[str, dict[str, float | None]] = {}
    with Gradebook(db_url) as gb:
        cells = [c.name for c in gb.find_notebook(notebook, chapter).grade_cells]
        for student in students:
            row: dict[str, float | None] = {}
            for cell in cells:
                try:
                    grade = gb.find_grade(cell, notebook, chapter, student)
                    row[cell.replace("-", ".", 1)] = None if grade.score is None else float(grade.score)
                except MissingEntry:
                    row[cell.replace("-", ".", 1)] = None
            out[student] = row
    return out


def _per_student(log: str, end: float) -> dict[str, float]:
    """Seconds per student: from nbgrader's log line starting a student to the next one's.

    The last student's time runs to ``end`` (the epoch time the process ended); nbgrader's own
    start-up before the first student is charged to nobody.
    """
    marks = [(float(m.group(1)), m.group(2)) for m in map(_STAMP.match, log.splitlines()) if m]
    out: dict[str, float] = {}
    for (t, s), (t2, _) in zip(marks, marks[1:] + [(end, "")]):
        out[s] = max(0.0, t2 - t)
    return out
