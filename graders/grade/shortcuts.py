"""The shortcut rules, decided in the trusted process from what the sandbox observed.

The sandbox watches each call of the learner's function and reports, per case, whether it called
one of the exercise's answers (``observations["forbidden"]``: they are stubs in the sandbox's
copy of ``course``) and what the course's guard saw (``observations["guard"]["numeric_shortcut"]``:
``Guard.shortcut``, the detector's reason, in an analytic exercise). The test stand-in reports the course functions reached instead
(``observations["called"]``, qualified names). From these:

- a call of one of ``spec.forbidden`` (the course's own answer) scores the exercise 0;
- in an ``analytic`` exercise, numeric differentiation (the course's finite differences,
  ``np.gradient``, or what the sandbox flagged) scores 0;

Cost requirements (``spec.cost``) are answer-free-style checks replayed with the measured memory
(:mod:`graders.grade.replay`); a failing one caps the score (:mod:`graders.grade.score`).
"""
from __future__ import annotations

import inspect
from typing import Any, Iterable

from course.exercises.spec import Spec

__all__ = ["verdict", "qualname", "NUMERIC"]

NUMERIC = ("course.numeric.", "course.gradcheck.numeric.", "numpy.gradient", "numpy.lib._function_base_impl.gradient",
           "numpy.lib.function_base.gradient", "autograd.", "jax.", "torch.autograd.")


def qualname(fn: Any) -> str:
    """``module.qualname`` of a function (unwrapped), as the sandbox reports calls."""
    fn = inspect.unwrap(fn)
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def _names(observations: Iterable[dict], key: str) -> set[str]:
    out: set[str] = set()
    for obs in observations:
        got = (obs or {}).get(key)
        if isinstance(got, str):
            out.add(got)
        elif isinstance(got, (list, tuple, set)):
            out.update(str(g) for g in got)
    return out


def _guard_numeric(observations: Iterable[dict]) -> set[str]:
    """What course's guard said inside the sandbox: ``Guard.shortcut``, reported per case as
    ``observations["guard"]["numeric_shortcut"]`` (e.g. "evaluates f at points next to x (steps
    of 1e-05): that is differentiating numerically")."""
    out: set[str] = set()
    for obs in observations:
        guard = (obs or {}).get("guard")
        if isinstance(guard, dict):
            why = guard.get("numeric_shortcut", guard.get("shortcut"))
            if isinstance(why, str) and why:
                out.add(why)
    return out


def verdict(spec: Spec, observations: list[dict]) -> tuple[str | None, str | None]:
    """``(zero_reason, cap_reason)`` for ``spec`` from the observations of all its calls."""
    if any((obs or {}).get("forbidden") is True for obs in observations):
        return ("your function calls the course's own answer to this exercise (it is not available "
                "while grading), so it scores 0. Write it yourself"), None
    called = _names(observations, "called") | _names(observations, "forbidden")
    for fn in spec.forbidden:
        name = qualname(fn)
        if name in called:
            return (f"your function calls {name}, the course's own answer to this exercise, so it "
                    "scores 0. Write it yourself"), None
    if getattr(spec, "analytic", False):
        flagged = _guard_numeric(observations)
        numeric = sorted(n for n in called if n.startswith(NUMERIC))
        if flagged or numeric:
            why = sorted(flagged)[0] if flagged else f"calls {numeric[0]}, which differentiates numerically"
            # the words of course.checking.report.CheckReport's headline, as grade() says it
            return (f"your function {why}. This exercise asks for the derivative worked out by hand, "
                    "so a numeric or automatic one scores 0"), None
    return None, None
