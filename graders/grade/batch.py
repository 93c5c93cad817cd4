"""Grade a whole class: the pipeline of ``python -m graders grade``, step by step.

1. read the release notebook's structure (:mod:`graders.grade.extract`);
2. find the submissions (:mod:`graders.grade.discover`);
3. grade each in the sandbox, ``jobs`` at a time (:mod:`graders.grade.runner`); a submission that
   breaks anything still gets its row (status ``grader error``) and the batch goes on;
4. write ``grades.csv``, ``feedback/<student>.{json,html}``, ``report.html`` and ``grade.log``
   into ``out`` (:mod:`graders.grade.table`, :mod:`~graders.grade.feedback`,
   :mod:`~graders.grade.classreport`), and optionally the scores into the nbgrader gradebook.
"""
from __future__ import annotations

import hashlib
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TextIO

import course
from course.exercises import all_specs
from graders.grade.classreport import class_report_html
from graders.grade.discover import Submission, discover
from graders.grade.extract import load_release
from graders.grade.feedback import feedback_html, feedback_json
from graders.grade.runner import StudentResult, grade_submission
from graders.grade.score import missing_exercise
from graders.grade.seeds import course_secret
from graders.grade.table import grades_csv, summary_table

__all__ = ["ClassRun", "grade_class", "grader_version"]

_ROOT = Path(__file__).resolve().parents[2]


def grader_version() -> str:
    """``<course version>+<hash of the grading code and specs>``: equal versions grade equally."""
    h = hashlib.sha256()
    for folder in ("graders/grade", "course/exercises", "course/checking", "course/reference"):
        for path in sorted((_ROOT / folder).rglob("*.py")):
            h.update(path.relative_to(_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return f"{course.__version__}+{h.hexdigest()[:10]}"


@dataclass
class ClassRun:
    """What a run produced: the results, the exercise columns and where the files went."""

    results: list[StudentResult]
    exercises: list[str]
    out: Path
    wall: float
    summary: str


def _warm_up(api: Any, exercises: list[str], release: Any, limits: Any, require_namespaces: bool) -> None:
    """One empty sandbox run calling every exercise, before the parallel ones.

    The sandbox prepares a copy of ``course`` per exercise on first use (and caches it); doing
    that once, alone, keeps parallel runs from all preparing at the same moment (CPython 3.11's
    ``ast`` is not safe to use from several threads at once).
    """
    from graders.grade.runner import sandbox_api
    try:
        run, Call, _ = api or sandbox_api()
        kwargs: dict[str, Any] = {"require_namespaces": require_namespaces}
        if limits is not None:
            kwargs["limits"] = limits
        slots = {s.exercise: s.function for s in release.slots}
        run("", [Call(ex, slots[ex], [], None) for ex in exercises], **kwargs)
    except Exception:  # noqa: BLE001 - only a warm-up: the real runs report their own problems
        pass


def _progress(done: int, total: int, last: str, stream: TextIO, started: float) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    rate = done / (time.perf_counter() - started + 1e-9) * 60
    line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {rate:5.0f}/min  {last[:30]:<30}"
    if stream.isatty():
        stream.write("\r" + line + ("\n" if done == total else ""))
    elif done == total or done % max(1, total // 10) == 0:
        stream.write(line.rstrip() + "\n")
    stream.flush()


def grade_class(chapter: str, submissions: Path, out: Path, *, jobs: int = 2,
                notebooks: Path | None = None, api: Any = None, limits: Any = None,
                require_namespaces: bool = True, secret: bytes | None = None,
                progress: TextIO | None = None,
                on_result: Callable[[StudentResult], None] | None = None) -> ClassRun:
    """Grade every submission of ``chapter`` found in ``submissions``; write the outputs to ``out``.

    Parameters
    ----------
    chapter : str
        Assignment folder, e.g. ``"ch01_chain_rule"``.
    submissions : Path
        Folder, nbgrader ``submitted/`` layout or zip (:func:`graders.grade.discover.discover`).
    out : Path
        Output folder (created).
    jobs : int
        Submissions graded at once (each in its own sandbox process).
    notebooks : Path, optional
        The release folder (default: the repository's ``notebooks/``).
    api, limits, require_namespaces
        Passed to the sandbox (:func:`graders.grade.runner.grade_submission`).
    secret : bytes, optional
        Course secret (default: :func:`graders.grade.seeds.course_secret`).
    progress : text stream, optional
        Where the progress bar goes (None: no progress bar).

    Raises
    ------
    FileNotFoundError, ValueError
        If the chapter has no release notebook or the submissions path is unusable.
    """
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs: expected a positive integer, got {jobs!r}")
    started = time.perf_counter()
    release = load_release(chapter, Path(notebooks or _ROOT / "notebooks"))
    specs = {s.name: s for s in all_specs()}
    unknown = [s.exercise for s in release.slots if s.exercise not in specs]
    if unknown:
        raise ValueError(f"{release.path}: grade cells name exercises no spec defines: {unknown}")
    exercises = [s.exercise for s in release.slots]
    subs = discover(Path(submissions), chapter, release.path.name)
    secret = secret if secret is not None else course_secret()
    version = grader_version()
    out = Path(out)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    log_lines = [f"grading {chapter}: {len(subs)} submissions from {submissions}, jobs={jobs}, grader {version}"]

    memo: dict = {}
    if jobs > 1 and subs:
        _warm_up(api, exercises, release, limits, require_namespaces)

    def one(sub: Submission) -> StudentResult:
        try:
            return grade_submission(sub, release, specs, secret, api=api, limits=limits,
                                    require_namespaces=require_namespaces, memo=memo)
        except Exception as exc:  # noqa: BLE001 - the batch goes on; the row says what broke
            r = StudentResult(sub.student, sub.sha256, "grader error",
                              [f"grader error: {type(exc).__name__}: {exc}"])
            r.exercises = [missing_exercise(specs[ex], "grader error", str(exc)) for ex in exercises]
            log_lines.append(f"{sub.student}: grader error\n{traceback.format_exc()}")
            return r

    results: list[StudentResult] = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(one, s): s for s in subs}
        for fut in as_completed(futures):
            r = fut.result()
            results.append(r)
            if on_result is not None:
                on_result(r)
            log_lines.append(f"{r.student}: {r.status} {r.total:g}/{r.max:g} in {r.seconds:.2f} s"
                             + (f" [{'; '.join(r.messages)[:300]}]" if r.messages else "")
                             + (f" isolation={','.join(r.isolation)}" if r.isolation else ""))
            if progress is not None:
                _progress(len(results), len(subs), r.student, progress, started)
    results.sort(key=lambda r: r.student)
    for r in results:
        (out / "feedback" / f"{r.student}.json").write_text(feedback_json(r, chapter, version), encoding="utf-8")
        (out / "feedback" / f"{r.student}.html").write_text(feedback_html(r, chapter, version), encoding="utf-8")
    (out / "grades.csv").write_text(grades_csv(results, exercises, version), encoding="utf-8")
    (out / "report.html").write_text(class_report_html(results, exercises, chapter, version), encoding="utf-8")
    wall = time.perf_counter() - started
    summary = summary_table(results, exercises, wall)
    log_lines.append(summary)
    (out / "grade.log").write_text("\n".join(log_lines) + "\n", encoding="utf-8")
    return ClassRun(results, exercises, out, wall, summary)
