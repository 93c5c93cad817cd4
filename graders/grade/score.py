"""Score one exercise from the learner's outputs, in the trusted process.

The rules are ``course.checking.grade``'s: a case passes when :func:`course.checking.compare`
accepts the output against the reference; a tuple or dict output earns each item its equal share
of the case; answer-free checks count one case each; the score is
``points * (credit earned) / (cases run)``, 0 when the first public call raises
``NotImplementedError``, 0 when the function took a shortcut the spec forbids (called the course's
own answer, differentiated numerically in an ``analytic`` exercise), and at most
``cost_cap * points`` when it broke a cost requirement. Each failing case gets a *category* for
the feedback (exception, shape, nan/inf, dtype, mismatch) and, when the output matches one of the
spec's bugs, the bug's name and hint.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course.checking.compare import compare, output_credit
from course.checking.guard import quiet
from course.exercises.spec import Spec
from graders.grade.cases import Plan, check_label, reference_output
from graders.grade.errors import describe_error
from graders.grade.replay import replay_check
from graders.grade.shortcuts import verdict

__all__ = ["Verdict", "ExerciseResult", "score_exercise", "missing_exercise", "classify"]


@dataclass(frozen=True)
class Verdict:
    """The outcome of one case (never holds the case's inputs or the expected values)."""

    label: str
    kind: str
    credit: float
    category: str | None = None
    detail: str | None = None
    bug: str | None = None
    hint: str | None = None

    @property
    def passed(self) -> bool:
        return self.credit >= 1.0


@dataclass
class ExerciseResult:
    """One exercise's score and the verdicts it was computed from."""

    exercise: str
    title: str
    points: float
    score: float
    status: str                    # ok, partial, wrong, not implemented, missing, shortcut, ...
    message: str = ""
    cases: list[Verdict] = field(default_factory=list)

    @property
    def bugs(self) -> list[str]:
        return sorted({c.bug for c in self.cases if c.bug})


def missing_exercise(spec: Spec, status: str, message: str) -> ExerciseResult:
    """A zero for an exercise that could not be called at all (no function, crash, time-out)."""
    return ExerciseResult(spec.name, spec.title, float(spec.points), 0.0, status, message)


def _item_pairs(value: Any, expected: Any) -> list[tuple[str, Any, Any]]:
    if isinstance(expected, (tuple, list)) and len(expected) > 1:
        vals = list(value) if isinstance(value, (tuple, list)) and len(value) == len(expected) else [None] * len(expected)
        return [(f"output {i}", v, e) for i, (v, e) in enumerate(zip(vals, expected))]
    if isinstance(expected, dict) and len(expected) > 1:
        return [(f"output {k!r}", value.get(k) if isinstance(value, dict) else None, e) for k, e in expected.items()]
    return [("", value, expected)]


def classify(value: Any, expected: Any, observations: dict | None = None) -> tuple[str, str]:
    """(category, detail) of a wrong output; the detail names no expected value."""
    obs = observations or {}
    if value is None:
        return "type", "returned None (a missing return?)"
    if isinstance(expected, (tuple, list, dict)):
        return "type", f"expected {type(expected).__name__} of {len(expected)} items, got {type(value).__name__}"
    try:
        act = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return "type", f"expected numbers, got {type(value).__name__}"
    exp = np.asarray(expected, dtype=np.float64)
    if act.shape != exp.shape:
        return "shape", f"got shape {act.shape}, expected shape {exp.shape}"
    bad = ~np.isfinite(act) & np.isfinite(exp)
    if bad.any():
        return "nan/inf", f"{int(bad.sum())} of {act.size} entries are NaN or inf"
    odd = [str(d) for d in obs.get("dtypes", []) or [] if not str(d).startswith("float64")]
    if odd:
        return "dtype", f"got dtype {odd[0]}, expected float64 (and the values differ)"
    err = np.abs(act - exp)
    tol = np.abs(exp) * 1e-6 + 1e-9
    if act.ndim == 0:
        return "mismatch", f"off by {float(err):.3g}"
    wrong = err > tol
    idx = tuple(int(i) for i in np.unravel_index(int(np.nanargmax(np.where(wrong, err, -1.0))), act.shape))
    return "mismatch", (f"{int(wrong.sum())} of {act.size} entries differ; worst at index {idx} "
                        f"(off by {float(err[idx]):.3g})")


def _bug_of(spec: Spec, args: tuple, value: Any) -> Any:
    for bug in spec.bugs:
        try:
            with quiet():
                wrong = spec.apply(bug.impl, copy.deepcopy(args))
            if compare(value, wrong, rtol=spec.rtol, atol=spec.atol)[0] is None:
                return bug
        except Exception:  # noqa: BLE001 - a bug may not apply to every case
            continue
    return None


def silent_bug(spec: Spec, chk: Any) -> Any:
    """The first bug right on every public case that fails ``chk`` too (as ``grade`` names it).

    Runs the spec's own bug implementations (trusted code), never the learner's.
    """
    for bug in spec.bugs:
        try:
            with quiet():
                silent = all(compare(spec.apply(bug.impl, copy.deepcopy(c.args)),
                                     spec.apply(spec.reference, copy.deepcopy(c.args)),
                                     rtol=spec.rtol, atol=spec.atol)[0] is None for c in spec.public_cases())
                if silent and chk(bug.impl) is not None:
                    return bug
        except Exception:  # noqa: BLE001 - a bug that crashes here is not this one
            continue
    return None


def _case(spec: Spec, item: Any, out: Any, memo: dict) -> Verdict:
    label, kind, args = item.label, item.kind, item.args
    if not out.ok:
        return Verdict(label, kind, 0.0, "exception", describe_error(out.error))
    if item.key is not None and item.key in memo:
        expected = memo[item.key]
    else:
        expected = reference_output(spec, args)
        if item.key is not None:
            memo[item.key] = expected
    if compare(out.value, expected, rtol=spec.rtol, atol=spec.atol)[0] is None:
        return Verdict(label, kind, 1.0)
    earned = output_credit(out.value, expected, rtol=spec.rtol, atol=spec.atol)
    what, v, e = next(((w, v, e) for w, v, e in _item_pairs(out.value, expected)
                       if compare(v, e, rtol=spec.rtol, atol=spec.atol)[0] is not None),
                      ("", out.value, expected))
    category, detail = classify(v, e, out.observations)
    bug = _bug_of(spec, args, out.value)
    return Verdict(label, kind, earned, category, f"{what}: {detail}" if what else detail,
                   bug.name if bug else None, bug.hint if bug else None)


def score_exercise(plan: Plan, outputs: list[Any], free_outputs: list[Any],
                   memo: dict | None = None) -> ExerciseResult:
    """Score ``plan``'s exercise from the sandbox's outputs (one per case, then per free call).

    ``memo`` (one dict per batch) keeps the reference's answers to the public cases.
    """
    spec = plan.spec
    memo = {} if memo is None else memo
    points = float(spec.points)
    if len(outputs) != len(plan.cases) or len(free_outputs) != len(plan.free_calls):  # pragma: no cover
        return missing_exercise(spec, "grader error",
                                f"the sandbox returned {len(outputs)} outputs for {len(plan.cases)} cases")
    if outputs and not outputs[0].ok and "NotImplementedError" in str(outputs[0].error):
        return ExerciseResult(spec.name, spec.title, points, 0.0, "not implemented",
                              "not implemented yet (it raises NotImplementedError)")
    cases = [_case(spec, it, out, memo) for it, out in zip(plan.cases, outputs)]
    n_public = sum(1 for it in plan.cases if it.kind == "public")
    public_ok = all(c.passed for c in cases[:n_public])
    free: list[Verdict] = []
    cost_failures: list[str] = []
    for k, (kind, chk) in enumerate(plan.checks):
        label = check_label(chk)
        if k in plan.unrecordable:
            message: str | None = "this check could not be run by the class grader"
        else:
            idx = [j for j, it in enumerate(plan.free_calls) if it.check == k]
            message = replay_check(chk, [plan.free_calls[j].args for j in idx],
                                   [free_outputs[j] for j in idx], [plan.free_calls[j].kwargs for j in idx])
        if kind == "cost" and message is not None:
            cost_failures.append(f"{label}: {message}")
        cat = None if message is None else "exception" if message.startswith("Your function") else "check"
        bug = silent_bug(spec, chk) if message is not None and public_ok else None
        free.append(Verdict(label, kind, 1.0 if message is None else 0.0, cat, message,
                            bug.name if bug else None, bug.hint if bug else None))
    cases[n_public:n_public] = free
    # as course.checking's report: a cost requirement is listed (and names its silent bug) but is
    # no case of the score; failing one caps the score instead
    counted = [c for c in cases if c.kind != "cost"]
    earned = sum(c.credit for c in counted)
    score = points * earned / len(counted) if counted else 0.0
    observations = [o.observations for o in list(outputs) + list(free_outputs)]
    zero_reason, cap_reason = verdict(spec, observations)
    if cost_failures and cap_reason is None:
        cap_reason = "a cost requirement is not met, so the score is capped: " + "; ".join(cost_failures)
    status = "ok" if earned == len(counted) else "partial" if earned > 0 else "wrong"
    message = ""
    if zero_reason:
        score, status, message = 0.0, "shortcut", zero_reason
    elif cap_reason:
        cap = float(getattr(spec, "cost_cap", 0.5)) * points
        if score > cap:
            score = cap
        status, message = "cost capped", cap_reason
    return ExerciseResult(spec.name, spec.title, points, float(min(points, max(0.0, score))), status, message, cases)
