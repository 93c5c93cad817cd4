"""Grade one submission: parse, extract, plan the cases, run in the sandbox, score.

This is the only place that talks to :mod:`graders.sandbox`: one ``run`` per submission with one
``Call`` per exercise (its public and hidden cases, then the calls its answer-free and cost
checks make, all through the spec's ``call`` harness, as ``grade`` calls them), and one more per
set of keyword arguments an answer-free check passes (:func:`_calls_of`). Learner code runs
only there; everything else here is trusted and works on plain data.
"""
from __future__ import annotations

import functools
import operator
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from course.exercises.spec import Spec
from graders.grade.cases import Plan, plan_exercise
from graders.grade.discover import Submission
from graders.grade.extract import Release, build_program
from graders.grade.notebook import parse
from graders.grade.program import name_cells, program_source
from graders.grade.score import ExerciseResult, missing_exercise, score_exercise

__all__ = ["StudentResult", "grade_submission", "sandbox_api"]

# The trusted steps (planning cases, scoring) call course code under ``quiet()``, which swaps
# sys.stdout/sys.stderr for the whole process: two threads doing it at once would leave them
# swapped. So those steps take turns; the sandbox runs (the slow part) still overlap.
_TRUSTED = threading.Lock()


@dataclass
class StudentResult:
    """One row of grades.csv and everything the feedback needs."""

    student: str
    sha256: str
    status: str
    messages: list[str]
    exercises: list[ExerciseResult] = field(default_factory=list)
    seconds: float = 0.0
    isolation: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return float(sum(e.score for e in self.exercises))

    @property
    def max(self) -> float:
        return float(sum(e.points for e in self.exercises))


def sandbox_api() -> tuple[Callable[..., Any], type, type]:
    """``(run, Call, Limits)`` of :mod:`graders.sandbox` (ImportError if it is not installed)."""
    from graders import sandbox
    return sandbox.run, sandbox.Call, sandbox.Limits


def _zero_all(specs: list[Spec], status: str, message: str) -> list[ExerciseResult]:
    return [missing_exercise(s, status, message) for s in specs]


def grade_submission(sub: Submission, release: Release, specs: dict[str, Spec], secret: bytes, *,
                     api: tuple[Callable[..., Any], type, type] | None = None,
                     limits: Any = None, require_namespaces: bool = True,
                     memo: dict | None = None) -> StudentResult:
    """Grade ``sub`` against ``release``; never raises for anything in the submission.

    Parameters
    ----------
    sub : Submission
    release : Release
        The release notebook's structure (:func:`graders.grade.extract.load_release`).
    specs : dict
        Exercise name -> Spec, for the release's graded exercises.
    secret : bytes
        The course secret that seeds the hidden cases.
    api : (run, Call, Limits), optional
        The sandbox (default :func:`sandbox_api`); tests pass a stand-in.
    memo : dict, optional
        Shared by the submissions of one batch: what is the same for every student (public
        cases, answer-free recordings, the reference's public answers) is computed once.
    """
    memo = {} if memo is None else memo
    start = time.perf_counter()
    slots = [s for s in release.slots if s.exercise in specs]
    ordered = [specs[s.exercise] for s in slots]
    result = StudentResult(sub.student, sub.sha256, "ok", [sub.note] if sub.note else [])
    if sub.data is None:
        result.status, result.exercises = "unreadable", _zero_all(ordered, "unreadable", sub.error or "no file")
        result.messages.append(sub.error or "no file")
        result.seconds = time.perf_counter() - start
        return result
    nb = parse(sub.data)
    result.messages += nb.problems
    if nb.fatal:
        result.status, result.exercises = "unreadable", _zero_all(ordered, "unreadable", nb.fatal)
        result.messages.append(nb.fatal)
        result.seconds = time.perf_counter() - start
        return result
    program = build_program(release, nb)
    result.messages += program.notes
    missing_ids = set(program.missing)
    with _TRUSTED:
        plans: list[tuple[Any, Plan]] = [(slot, plan_exercise(specs[slot.exercise], secret, sub.student, memo))
                                         for slot in slots]
    run, Call, Limits = api or sandbox_api()
    calls, where = [], []       # where[i]: (exercise, the positions of call i's cases in its plan)
    for slot, plan in plans:
        if slot.solution_id in missing_ids:
            continue
        for harness, positions, args in _calls_of(plan):
            calls.append(Call(plan.spec.name, slot.function, args, harness))
            where.append((plan.spec.name, positions))
    outputs: dict[str, list[Any]] = {}
    call_status: dict[str, str] = {}
    run_status, run_message = "ok", ""
    if calls:
        kwargs = {"require_namespaces": require_namespaces}
        if limits is not None:
            kwargs["limits"] = limits
        source = program_source(program)
        rr = run(source, calls, **kwargs)
        if str(getattr(rr, "status", "ok")) == "sandbox-error":      # transient (e.g. a busy machine): once more
            rr = run(source, calls, **kwargs)
        result.isolation = list(getattr(rr, "isolation", []) or [])
        run_status = str(getattr(rr, "status", "ok"))
        run_message = _STATUS_TEXT.get(run_status, run_status) if run_status != "ok" else ""
        placed: dict[str, dict[int, Any]] = {}
        for (key, positions), cr in zip(where, rr.calls or []):
            outs = placed.setdefault(key, {})
            for pos, o in zip(positions, cr.outputs):
                if not o.ok and o.error:
                    o = type(o)(o.ok, o.value, name_cells(o.error, program), o.observations)
                outs[pos] = o
            status = str(getattr(cr, "status", "ok"))
            if call_status.get(key, "ok") == "ok":
                call_status[key] = status
        for key, outs in placed.items():
            if sorted(outs) == list(range(len(outs))):
                outputs[key] = [outs[i] for i in range(len(outs))]
        first = (rr.calls or [None])[0]
        for err in getattr(first, "source_errors", []) or []:
            named = f"a cell raised {name_cells(str(err), program)}"
            if "answer cell" in named and not named.startswith("a cell raised NotImplementedError") \
                    and named not in result.messages:
                result.messages.append(named)
    for slot, plan in plans:
        spec = plan.spec
        if slot.solution_id in missing_ids:
            result.exercises.append(missing_exercise(spec, "missing", f"no answer cell {slot.solution_id}"))
            continue
        got = outputs.get(spec.name)
        n = len(plan.cases)
        if got is None or len(got) != n + len(plan.free_calls):
            status = call_status.get(spec.name, run_status)
            status = status if status != "ok" else "crashed"
            result.exercises.append(missing_exercise(spec, status, run_message or "the sandbox returned no output"))
            continue
        if call_status.get(spec.name, "ok") != "ok" and all(not o.ok for o in got):
            status = call_status[spec.name]
            result.exercises.append(missing_exercise(spec, status, f"{_STATUS_TEXT.get(status, status)}: "
                                                     f"{next((o.error for o in got if o.error), '')}"[:300]))
            continue
        with _TRUSTED:
            result.exercises.append(score_exercise(plan, got[:n], got[n:], memo))
    if run_status != "ok":
        result.status = run_status
        result.messages.append(_STATUS_TEXT.get(run_status, run_status))
    elif missing_ids or program.notes or nb.problems:
        result.status = "notes"
    result.seconds = time.perf_counter() - start
    return result


def _calls_of(plan: Plan) -> list[tuple[Any, list[int], list[tuple]]]:
    """``(harness, positions, argument tuples)`` of each sandbox call one exercise needs.

    The cases and the answer-free calls without keywords go through the spec's ``call`` harness
    in one call; answer-free calls with keyword arguments (chapter 5's measured extra run,
    ``learner(*args, details=True)``) go in one more call per set of keywords, through the
    harness with those keywords bound, as ``course.checking``'s guard passes them on. Positions
    count the plan's cases, then its free calls.
    """
    items = list(plan.cases) + list(plan.free_calls)
    groups: dict[tuple, list[int]] = {}
    for pos, it in enumerate(items):
        groups.setdefault(tuple(it.kwargs), []).append(pos)
    out = []
    for kwargs, positions in groups.items():
        harness = plan.spec.call
        if kwargs:
            harness = functools.partial(harness if harness is not None else operator.call, **dict(kwargs))
        out.append((harness, positions, [items[p].args for p in positions]))
    return out


_STATUS_TEXT = {"timeout": "did not finish in time", "memory": "ran out of memory",
                "crashed": "the process crashed", "output-limit": "printed or returned too much",
                "protocol-error": "its output could not be read", "no-isolation":
                "not run: this machine cannot isolate it (see `python -m graders doctor`)",
                "sandbox-error": "the sandbox failed"}
