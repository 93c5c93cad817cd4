"""Generate the learner notebooks (``notebooks/``) from the source notebooks (``solutions/``).

``python -m graders generate`` runs nbgrader's own ``generate_assignment`` for every chapter
folder in ``solutions/`` (``chNN_<topic>/``, one assignment each): it replaces solution bodies by
``raise NotImplementedError()``, removes hidden tests, locks grade cells, clears outputs and adds
checksums. It also copies ``solutions/GLOSSARY.md`` (each chapter adds its section) to
``notebooks/GLOSSARY.md``. ``python -m graders generate --check`` regenerates into a temporary
directory and lists what differs from ``notebooks/`` (notebooks and glossary) instead (the test
suite does the same).
The gradebook goes where ``graders/nbgrader_config.py`` says: outside the repository.

How a chapter notebook in ``solutions/`` is written
====================================================

Each exercise ``chNN.<exercise>`` (a :class:`course.exercises.spec.Spec` in
``course/exercises/chNN.py``) is three code cells, in this order:

1. **solution cell** — nbgrader metadata ``{"solution": true, "grade": false, "locked": false,
   "grade_id": "chNN-<exercise>-solution", "schema_version": 3}``; signature and docstring
   visible, the body between the markers (nbgrader replaces the body only)::

       def central_difference(f, x, h):
           \"\"\"Slope of f at x from one step h on each side. ...\"\"\"
           ### BEGIN SOLUTION
           return (f(x + h) - f(x - h)) / (2 * h)
           ### END SOLUTION

2. **self-check cell** — no nbgrader metadata; the learner runs it as often as they like::

       check("ch01.central_difference", central_difference)

3. **grade cell** — metadata ``{"grade": true, "solution": false, "locked": true,
   "grade_id": "chNN-<exercise>", "points": <spec.points>, "schema_version": 3}``; its first
   line says what it checks, and its value is the partial credit (nbgrader reads the float
   ``execute_result``; any error or stderr output in the cell scores 0, which is why ``check``
   and ``grade`` capture everything the learner's function prints or warns)::

       # grade: ch01.central_difference — agrees with the reference on public and hidden cases
       _report = check("ch01.central_difference", central_difference)
       ### BEGIN HIDDEN TESTS
       from course.checking import grade
       _report = grade("ch01.central_difference", central_difference)
       ### END HIDDEN TESTS
       display(_report)
       _report.score

   In the learner's copy the cell shows (and scores) the public check; at autograding nbgrader
   restores the hidden part from the gradebook, and ``grade`` runs public, answer-free and
   hidden cases. ``_report.score`` is a plain float in ``[0, points]``.

   **How the cell ends, and why.** nbgrader reads a grade cell's outputs in order
   (``nbgrader.utils.determine_grade``): an ``error`` output or a ``stderr`` stream scores 0,
   otherwise the first ``execute_result`` that is a number is the partial credit; Validate
   (``nbgrader.validator.Validator``) lists a grade cell as failed when that score is below the
   points and shows the cell's error or stderr text as the reason, else the bare words
   "Partial credit; passed some but not all of the tests". So the cell never raises (a raise
   would stop Run All and put an error in an untouched notebook); ``display(_report)`` shows
   the report and, only while nbgrader *validates* (``NBGRADER_EXECUTION == "validate"``) and
   the report falls short of full marks, also writes it to stderr
   (:meth:`course.checking.report.CheckReport._ipython_display_`); ``_report.score`` comes last.
   What each reader sees:

   - Run All in JupyterLab: the report, the score, no error and no stderr anywhere;
   - Validate on an untouched notebook: every grade cell failed, each with its report as the
     reason ("not implemented yet ... score 0"); on a right one: "Success! Your notebook passes
     all the tests"; in between: only the failing exercises, each with what is wrong and a hint;
   - ``nbgrader autograde`` (``NBGRADER_EXECUTION == "autograde"``): nothing on stderr, the exact
     score of ``grade`` as the cell's result (scores are rounded only for display).

4. **the chapter's last code cell** — no nbgrader metadata::

       check_all("chNN")

   grades every exercise of the chapter from the notebook's namespace, looking each answer up
   by :attr:`course.exercises.spec.Spec.function` (the name the solution cell defines; set
   ``function=`` in the spec when it differs from the part of the spec's name after the dot),
   and shows one line per exercise: passed or not, the rounded score, and why not. It never
   raises because of an answer, so an untouched notebook reports 0 and runs to the end.

The notebook imports everything it does not ask the learner to write from ``course``; the
setup cell imports ``check`` and ``check_all`` (``from course.checking import check,
check_all``). ``tests/test_pipeline.py`` checks the points against the specs, the markers, the
names ``check_all`` looks up, the last cell, and that the learner copy leaks nothing; its slow
tests run Validate and autograde on untouched and solved notebooks.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import nbformat
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

__all__ = ["REPO_ROOT", "CONFIG_FILE", "GLOSSARY", "GenerateError", "chapters", "load_config", "generate",
           "outdated", "notebook_differences", "file_differences"]

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = Path(__file__).resolve().parent / "nbgrader_config.py"
_CHAPTER = re.compile(r"ch\d\d_\w+$")
GLOSSARY = "GLOSSARY.md"    # solutions/GLOSSARY.md is copied to notebooks/GLOSSARY.md


class GenerateError(RuntimeError):
    """nbgrader could not generate a chapter's learner notebooks (the message has its log)."""


def chapters(root: Path | None = None) -> list[str]:
    """The assignments: folders ``chNN_<topic>`` of ``<root>/solutions`` holding a notebook."""
    source = Path(root or REPO_ROOT) / "solutions"
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir()
                  if p.is_dir() and _CHAPTER.match(p.name) and any(p.glob("*.ipynb")))


def load_config(*, root: Path | None = None, db_url: str | None = None) -> Config:
    """``graders/nbgrader_config.py``, with the course root and gradebook URL overridable."""
    cfg = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
    if root is not None:
        cfg.CourseDirectory.root = str(Path(root).resolve())
    if db_url is not None:
        cfg.CourseDirectory.db_url = db_url
    return cfg


def generate(which: list[str] | None = None, *, root: Path | None = None,
             db_url: str | None = None) -> list[Path]:
    """Run nbgrader ``generate_assignment`` for chapters ``which`` (default: all).

    Parameters
    ----------
    which : list of str, optional
        Chapter folder names, e.g. ``["ch01_chain_rule"]``.
    root : Path, optional
        Course root with ``solutions/`` (default: this repository).
    db_url : str, optional
        Gradebook URL (default: the config's, outside the repository).

    Returns
    -------
    list of Path
        The learner notebooks written.

    Raises
    ------
    ValueError
        If a name in ``which`` is not a chapter folder of ``solutions/``.
    GenerateError
        If nbgrader fails; the message carries nbgrader's log.
    """
    cfg = load_config(root=root, db_url=db_url)
    course_root = Path(cfg.CourseDirectory.root)
    known = chapters(course_root)
    todo = known if which is None else list(which)
    unknown = [w for w in todo if w not in known]
    if unknown:
        raise ValueError(f"which: expected chapter folders of {course_root / 'solutions'} "
                         f"({', '.join(known) or 'none'}), got {unknown}")
    from nbgrader.converters import GenerateAssignment   # slow to import: only when needed
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    if db_url is None and cfg.CourseDirectory.db_url.startswith("sqlite:///"):
        Path(cfg.CourseDirectory.db_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    release = course_root / cfg.CourseDirectory.release_directory
    written: list[Path] = []
    for chapter in todo:
        coursedir = CourseDirectory(config=cfg)
        coursedir.assignment_id = chapter
        app = GenerateAssignment(coursedir=coursedir, config=cfg)
        app.force = True
        with _tools_on_path():
            result = capture_log(app)
        if not result["success"]:
            raise GenerateError(f"nbgrader generate_assignment {chapter} failed:\n"
                                f"{result.get('log', '')}\n{result.get('error', '')}")
        written += sorted((release / chapter).glob("*.ipynb"))
    glossary = course_root / cfg.CourseDirectory.source_directory / GLOSSARY
    if glossary.is_file():                   # the chapters' shared glossary, linked from each notebook
        release.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(glossary, release / GLOSSARY)
        written.append(release / GLOSSARY)
    if which is None and release.is_dir():   # chapters removed from solutions/ leave notebooks/ too
        for stale in release.iterdir():
            if stale.is_dir() and _CHAPTER.match(stale.name) and stale.name not in known:
                shutil.rmtree(stale)
    return written


@contextlib.contextmanager
def _tools_on_path() -> Iterator[None]:
    """Put this interpreter's scripts directory first on PATH while nbgrader runs.

    nbgrader's gradebook runs the ``alembic`` command by name, which fails when the virtual
    environment is used without being activated (``.venv/bin/python -m graders generate``).
    """
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), old])
    try:
        yield
    finally:
        os.environ["PATH"] = old


def outdated(root: Path | None = None) -> list[str]:
    """What differs between ``notebooks/`` and a fresh generation from ``solutions/`` ([] if none).

    Regenerates into a temporary course directory (with its own temporary gradebook), so the
    repository is not touched.
    """
    root = Path(root or REPO_ROOT)
    with tempfile.TemporaryDirectory(prefix="backprop-generate-") as tmp:
        tmp_root = Path(tmp) / "course"
        shutil.copytree(root / "solutions", tmp_root / "solutions",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        generate(root=tmp_root, db_url=f"sqlite:///{Path(tmp) / 'gradebook.db'}")
        return (notebook_differences(tmp_root / "notebooks", root / "notebooks")
                + file_differences(tmp_root / "notebooks", root / "notebooks", [GLOSSARY]))


def file_differences(fresh: Path, current: Path, names: list[str]) -> list[str]:
    """Compare plain files (the glossary) of two release trees byte for byte."""
    diffs = []
    for name in names:
        a, b = Path(fresh) / name, Path(current) / name
        if a.is_file() and not b.is_file():
            diffs.append(f"missing from notebooks/: {name}")
        elif b.is_file() and not a.is_file():
            diffs.append(f"not generated from solutions/: notebooks/{name}")
        elif a.is_file() and a.read_bytes() != b.read_bytes():
            diffs.append(f"notebooks/{name} differs from solutions/{name}")
    return diffs


def notebook_differences(fresh: Path, current: Path) -> list[str]:
    """Compare two release trees notebook by notebook: cells' type, source and metadata."""
    fresh_nbs = {p.relative_to(fresh).as_posix() for p in Path(fresh).rglob("*.ipynb")}
    current_nbs = {p.relative_to(current).as_posix() for p in Path(current).rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts} if Path(current).is_dir() else set()
    diffs = [f"missing from notebooks/: {n}" for n in sorted(fresh_nbs - current_nbs)]
    diffs += [f"not generated from solutions/: notebooks/{n}" for n in sorted(current_nbs - fresh_nbs)]
    for name in sorted(fresh_nbs & current_nbs):
        a = nbformat.read(Path(fresh) / name, as_version=4)
        b = nbformat.read(Path(current) / name, as_version=4)
        if len(a.cells) != len(b.cells):
            diffs.append(f"notebooks/{name}: {len(b.cells)} cells, expected {len(a.cells)}")
            continue
        if a.metadata != b.metadata:
            diffs.append(f"notebooks/{name}: notebook metadata differ")
        for i, (ca, cb) in enumerate(zip(a.cells, b.cells)):
            for key in ("cell_type", "source", "metadata"):
                if ca.get(key) != cb.get(key):
                    diffs.append(f"notebooks/{name}: cell {i} {key} differs")
            if cb.get("outputs"):
                diffs.append(f"notebooks/{name}: cell {i} has outputs")
    return diffs
