"""Check an exercise while you work on it (``check``) and score it for nbgrader (``grade``).

One :class:`~course.exercises.spec.Spec` per exercise drives both. The path of one
``check("ch01.central_difference", fn)`` call:

1. :func:`~course.checking.run.check` looks the spec up in the registry (:mod:`course.exercises`);
2. :func:`~course.checking.run.run_spec` wraps ``fn`` in a :class:`~course.checking.guard.Guard`
   (copied arguments, captured prints and warnings, a time limit, forbidden calls caught);
3. each public case is called through the guard and compared with the reference
   (:func:`~course.checking.compare.compare`: type, shape, finiteness, then values), and a
   failing output is matched against the spec's named bugs;
4. the spec's answer-free checks run (:mod:`course.exercises.answer_free`);
5. the results become a :class:`~course.checking.report.CheckReport`, which shows itself in
   the notebook and carries the nbgrader score.

``grade`` does the same and adds the hidden cases. For an *analytic* exercise the guard also
watches for numeric differentiation (:mod:`course.checking.shortcuts`, evidence rules in
:mod:`course.checking.nearby`, what a step is in :mod:`course.checking.steps`); a spec's cost
requirements cap the score. ``check_all``
(:mod:`course.checking.chapter`) grades every exercise of a chapter from the notebook's
namespace, for the chapter's last cell.
"""
from course.checking.run import (
    DEFAULT_TIME_LIMIT,
    CaseResult,
    CheckReport,
    check,
    compare,
    grade,
    run_spec,
)
from course.checking.chapter import ChapterReport, check_all

__all__ = ["CaseResult", "ChapterReport", "CheckReport", "check", "check_all", "compare", "grade", "run_spec",
           "DEFAULT_TIME_LIMIT"]
