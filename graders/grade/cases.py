"""The inputs one student's submission is called on, made in the trusted process.

For each exercise: the spec's public cases, then ``spec.n_hidden`` hidden cases seeded per
student (:mod:`graders.grade.seeds`), then the calls its answer-free checks make. Those checks
take the learner's *function*; here they first run against a recorder that answers with the
reference and writes down each call's arguments. The recorded arguments travel to the sandbox
like any case (through the spec's ``call`` harness, as ``grade`` calls them; a call with keyword
arguments, such as chapter 5's measured run ``learner(*args, details=True)``, goes to the harness
with those keywords), and :mod:`graders.grade.replay` later runs the check again against the
learner's recorded outputs, so the check itself (trusted code) never runs beside learner code.
"""
from __future__ import annotations

import copy
import functools
import pickle
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from course.checking.guard import quiet
from course.exercises.spec import Spec
from graders.grade.seeds import case_seed

__all__ = ["Item", "Plan", "plan_exercise", "reference_output", "check_label"]


@dataclass(frozen=True)
class Item:
    """One call of the learner's function: ``kind`` is public, hidden or answer-free."""

    kind: str
    label: str
    args: tuple
    check: int = -1           # answer-free: which check made the call
    key: tuple | None = None  # the same for every student (public and answer-free calls): memo key
    kwargs: tuple = ()        # answer-free: the keyword arguments of the call, as sorted (name, value) pairs


@dataclass
class Plan:
    """All calls of one exercise for one student, and the answer-free checks' recordings."""

    spec: Spec
    cases: list[Item]
    free_calls: list[Item] = field(default_factory=list)
    unrecordable: dict[int, str] = field(default_factory=dict)   # check index -> why
    checks: list[tuple[str, Callable[..., Any]]] = field(default_factory=list)   # (kind, check)


def reference_output(spec: Spec, args: tuple) -> Any:
    """The reference's answer on ``args`` (on a deep copy; its prints and warnings swallowed)."""
    with quiet():
        return spec.apply(spec.reference, copy.deepcopy(args))


def check_label(chk: Callable[..., Any]) -> str:
    """An answer-free check's label: the first line of its docstring (as ``course.checking.run``)."""
    doc = (getattr(chk, "__doc__", None) or "").strip().splitlines()
    return doc[0].rstrip(".") if doc else getattr(chk, "__name__", "answer-free check")


def _public_label(spec: Spec, i: int, case: Any) -> str:
    if i < len(spec.fixed_cases):
        return case.label or f"fixed case {i + 1}"
    seed = spec.public_seeds[i - len(spec.fixed_cases)]
    return f"{case.label} (seed {seed})" if case.label else f"random case (seed {seed})"


def plan_exercise(spec: Spec, secret: bytes, student: str, memo: dict | None = None) -> Plan:
    """Public, per-student hidden and answer-free calls of ``spec`` for ``student``.

    ``memo`` (one dict per batch) keeps the parts that are the same for every student (the
    public cases and the answer-free recordings), so they are made once per class.
    """
    memo = {} if memo is None else memo
    shared = memo.get((spec.name, "plan"))
    if shared is None:
        shared = memo[(spec.name, "plan")] = _shared_part(spec)
    public, checks, free_calls, unrecordable = shared
    cases = list(public)
    for i in range(spec.n_hidden):
        rng = np.random.default_rng(case_seed(secret, student, spec.name, i))
        cases.append(Item("hidden", f"hidden case {i + 1}", tuple(spec.make_case(rng).args)))
    return Plan(spec, cases, list(free_calls), dict(unrecordable), list(checks))


def _shared_part(spec: Spec) -> tuple[list[Item], list, list[Item], dict[int, str]]:
    public = [Item("public", _public_label(spec, i, c), tuple(c.args), key=(spec.name, "public", i))
              for i, c in enumerate(spec.public_cases())]
    checks = [("answer-free", c) for c in spec.answer_free] + [("cost", c) for c in spec.cost]
    free_calls: list[Item] = []
    unrecordable: dict[int, str] = {}
    for k, (kind, chk) in enumerate(checks):
        calls: list[tuple[tuple, tuple]] = []

        def recorder(*args: Any, **kwargs: Any) -> Any:
            calls.append((copy.deepcopy(args), tuple(sorted(kwargs.items()))))
            with quiet():
                # as course.checking's guard calls it: the spec's harness gets the keywords
                fn = spec.reference if spec.call is None else functools.partial(spec.call, spec.reference)
                return fn(*copy.deepcopy(args), **kwargs)

        try:
            with quiet():
                chk(recorder)
            pickle.dumps(calls)
        except Exception as exc:  # noqa: BLE001 - a check we cannot record is reported, not fatal
            unrecordable[k] = f"{type(exc).__name__}: {exc}"
            continue
        free_calls += [Item(kind, check_label(chk), args, k, kwargs=kw) for args, kw in calls]
    return public, checks, free_calls, unrecordable
