"""The engine of ``check`` and ``grade``: run a spec's cases against a learner function.

Both run the exercise's :class:`~course.exercises.spec.Spec` against your function:

``check(name, fn)``
    the fixed and seeded *public* cases, then the spec's answer-free checks (such as agreement
    with finite differences). Instant and offline; says what is wrong and names the likely bug.
``grade(name, fn, seed=None)``
    the same, plus ``spec.n_hidden`` *hidden* cases drawn fresh on every run, so outputs
    cannot be hard-coded. The nbgrader grade cell returns ``grade(...).score``. (Answer-free
    checks count here too: some mistakes, such as building a huge Jacobian that a
    vector-Jacobian product never needs, give the right numbers and only they can see them.)

A case passes when the output has the reference's type and shape, is finite where the
reference is, and agrees with it to ``spec.rtol``/``spec.atol``. The score is
``points * (cases passed) / (cases run)``, and 0 when your function calls one of the course's
own answers to the exercise (``spec.forbidden``) or, for an exercise that asks for a derivative
worked out by hand (``spec.analytic``), differentiates numerically or with an autodiff library
(:mod:`course.checking.shortcuts`). A failed cost requirement (``spec.cost``: no n x n matrix
built, ...) caps the score at ``spec.cost_cap * points``. How your function is called (copied
arguments, captured output and warnings, a time limit) is described in
:mod:`course.checking.guard`; the comparison in :mod:`course.checking.compare`; the report in
:mod:`course.checking.report`.
"""
from __future__ import annotations

import copy
import functools
from typing import Any, Callable

import numpy as np

from course.checking.compare import compare, output_credit
from course.checking.guard import Guard, Outcome, quiet
from course.checking.report import CaseResult, CheckReport
from course.exercises import get_spec
from course.exercises.spec import Spec

__all__ = ["CaseResult", "CheckReport", "check", "compare", "grade", "run_spec", "DEFAULT_TIME_LIMIT"]

DEFAULT_TIME_LIMIT = 5.0  # seconds per call of the learner's function


def check(name: str, fn: Callable[..., Any], *,
          time_limit: float | None = DEFAULT_TIME_LIMIT) -> CheckReport:
    """Self-check ``fn`` on the public cases and answer-free checks of exercise ``name``.

    Parameters
    ----------
    name : str
        The exercise, e.g. ``"ch01.central_difference"``.
    fn : callable
        Your function (the function itself, not the result of calling it).
    time_limit : float or None
        Seconds allowed per call of ``fn`` (Unix only; None for no limit).

    Returns
    -------
    CheckReport
        Truthy iff every check passed; shows itself in the notebook.

    Raises
    ------
    TypeError
        If ``name`` is not a string or ``fn`` is not callable.
    KeyError
        If no exercise is called ``name`` (the message lists the known names).
    """
    return run_spec(get_spec(name), fn, mode="check", time_limit=time_limit)


def grade(name: str, fn: Callable[..., Any], *, seed: int | None = None,
          time_limit: float | None = DEFAULT_TIME_LIMIT) -> CheckReport:
    """Score ``fn`` on the public cases, answer-free checks and ``n_hidden`` hidden random cases.

    Parameters
    ----------
    name, fn, time_limit
        As for :func:`check`.
    seed : int, optional
        Seed of the hidden cases; None (the default) draws fresh ones on every run.

    Returns
    -------
    CheckReport
        ``.score`` in ``[0, points]`` is the nbgrader partial credit.
    """
    return run_spec(get_spec(name), fn, mode="grade", seed=seed, time_limit=time_limit)


def run_spec(spec: Spec, fn: Callable[..., Any], *, mode: str = "check", seed: int | None = None,
             time_limit: float | None = DEFAULT_TIME_LIMIT, enforce_forbidden: bool = True) -> CheckReport:
    """Run ``spec``'s cases against ``fn``: the engine behind :func:`check` and :func:`grade`.

    ``mode="check"``: public cases, then answer-free checks. ``mode="grade"``: the same, then
    ``spec.n_hidden`` hidden cases (seeded by ``seed``; fresh ones when it is None).
    ``enforce_forbidden=False`` lets the course's own reference through (for its tests).
    """
    if not isinstance(spec, Spec):
        raise TypeError(f"spec: expected a Spec, got {type(spec).__name__}")
    if mode not in ("check", "grade"):
        raise ValueError(f"mode: expected 'check' or 'grade', got {mode!r}")
    _validate_fn(fn, spec.name)
    applied = fn if spec.call is None else functools.partial(spec.call, fn)
    guard = Guard(applied, spec.forbidden if enforce_forbidden else (), time_limit, analytic=spec.analytic)
    results: list[CaseResult] = []
    with quiet():
        public = [(c, _public_label(spec, i, c), "public") for i, c in enumerate(spec.public_cases())]
        not_implemented, stopped = _run_cases(spec, guard, public, results, None)
        if not not_implemented and not stopped:
            cases_passed = all(r.passed for r in results)
            results += [_run_answer_free(spec, chk, guard, cases_passed) for chk in spec.answer_free]
            results += [_run_answer_free(spec, chk, guard, cases_passed, kind="cost") for chk in spec.cost]
        if mode == "grade" and not not_implemented:
            hidden = [(c, f"hidden case {i + 1}", "hidden") for i, c in enumerate(spec.hidden_cases(seed))]
            _run_cases(spec, guard, hidden, results, stopped)
    return CheckReport(
        name=spec.name, title=spec.title, mode=mode, points=float(spec.points), cases=tuple(results),
        forbidden=guard.forbidden_called, not_implemented=not_implemented, notes=tuple(guard.notes()),
        shortcut=guard.shortcut, cost_cap=float(spec.cost_cap),
    )


def _run_cases(spec: Spec, guard: Guard, cases: list[tuple[Any, str, str]], results: list[CaseResult],
               stopped: str | None) -> tuple[bool, str | None]:
    """Run ``cases`` into ``results``. Returns (not implemented, why the rest was not run).

    A ``NotImplementedError`` on the very first call means the exercise is still the stub: stop.
    After a call that ran out of time the remaining cases fail without being run.
    """
    for case, label, kind in cases:
        if stopped:
            results.append(CaseResult(label, False, stopped, kind=kind))
            continue
        result, outcome = _run_case(spec, guard, case, label, kind)
        results.append(result)
        if outcome.not_implemented and len(results) == 1:
            return True, None
        if outcome.timed_out:
            stopped = "not run: an earlier call did not finish in time"
    return False, stopped


def _public_label(spec: Spec, i: int, case: Any) -> str:
    """Fixed cases keep their label; seeded ones also name their seed (labels often repeat)."""
    if i < len(spec.fixed_cases):
        return case.label or f"fixed case {i + 1}"
    seed = spec.public_seeds[i - len(spec.fixed_cases)]
    return f"{case.label} (seed {seed})" if case.label else f"random case (seed {seed})"


def _validate_fn(fn: Any, name: str) -> None:
    if callable(fn):
        return
    extra = ""
    if fn is None or isinstance(fn, (int, float, complex, np.ndarray, np.generic, tuple, list)):
        extra = f"; pass the function itself, e.g. check({name!r}, my_function), without calling it"
    raise TypeError(f"fn: expected your function (a callable), got {type(fn).__name__}{extra}")


def _run_case(spec: Spec, guard: Guard, case: Any, label: str, kind: str) -> tuple[CaseResult, Outcome]:
    outcome = guard.call(case.args)
    if outcome.error is not None:
        return CaseResult(label, False, f"Your function {outcome.message}", kind=kind), outcome
    expected = spec.apply(spec.reference, copy.deepcopy(case.args))
    problem, hint = compare(outcome.value, expected, rtol=spec.rtol, atol=spec.atol)
    if problem is None:
        return CaseResult(label, True, kind=kind), outcome
    credit = output_credit(outcome.value, expected, rtol=spec.rtol, atol=spec.atol)
    for bug in spec.bugs:
        try:
            wrong = spec.apply(bug.impl, copy.deepcopy(case.args))
        except Exception:  # a bug may not apply to every case
            continue
        if compare(outcome.value, wrong, rtol=spec.rtol, atol=spec.atol)[0] is None:
            return CaseResult(label, False, problem, bug=bug.name, hint=bug.hint, kind=kind,
                              credit=credit), outcome
    return CaseResult(label, False, problem, hint=hint, kind=kind, credit=credit), outcome


class _LearnerFailed(Exception):
    """The learner's function raised inside an answer-free check."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.message)
        self.outcome = outcome


def _run_answer_free(spec: Spec, chk: Callable[[Callable[..., Any]], str | None], guard: Guard,
                     cases_passed: bool, kind: str = "answer-free") -> CaseResult:
    """Run one answer-free check (or, ``kind="cost"``, one cost requirement) on the learner's function."""
    doc = (getattr(chk, "__doc__", None) or "").strip().splitlines()
    label = doc[0].rstrip(".") if doc else getattr(chk, "__name__", "answer-free check")

    # a measurement of the function's cost must not count the shortcut detector's own work
    watch = kind != "cost" and not getattr(chk, "measures_cost", False)

    def learner(*args: Any, **kwargs: Any) -> Any:
        outcome = guard.call(args, kwargs, watch=watch)
        if outcome.error is not None:
            raise _LearnerFailed(outcome)
        return outcome.value

    try:
        message = chk(learner)
    except _LearnerFailed as failed:
        message = f"Your function {failed.outcome.message}"
    except Exception as exc:  # noqa: BLE001 - report, never crash the grade cell
        message = f"This check could not run ({type(exc).__name__}: {exc}); your output may have an unexpected type"
    if message is None:
        return CaseResult(label, True, kind=kind)
    bug = _silent_bug(spec, chk) if cases_passed else None
    if bug is not None:
        return CaseResult(label, False, message, bug=bug.name, hint=bug.hint, kind=kind)
    return CaseResult(label, False, message, kind=kind)


def _silent_bug(spec: Spec, chk: Callable[[Callable[..., Any]], str | None]) -> Any:
    """The first bug that gives the right outputs on every public case but fails ``chk`` too.

    Some mistakes (building a huge Jacobian a vector-Jacobian product never needs) give the
    right numbers: only an answer-free check sees them, and only this way can they be named.
    """
    for bug in spec.bugs:
        try:
            silent = all(
                compare(spec.apply(bug.impl, copy.deepcopy(c.args)), spec.apply(spec.reference, copy.deepcopy(c.args)),
                        rtol=spec.rtol, atol=spec.atol)[0] is None
                for c in spec.public_cases())
            if silent and chk(bug.impl) is not None:
                return bug
        except Exception:  # noqa: BLE001 - a bug that crashes here is not this one
            continue
    return None
