"""``check_all``: every exercise of a chapter at once, as the last cell of a chapter notebook.

The last cell of each chapter notebook is::

    check_all("ch01")

It finds your answers in the notebook by the names the exercises give them
(:attr:`~course.exercises.spec.Spec.function`, e.g. ``central_difference``), grades each one
the way the grader will (public, answer-free and fresh hidden cases,
:func:`~course.checking.run.grade`), and shows one line per exercise: passed or not, its score
(rounded for display) and, when it falls short, why. An exercise still raising
``NotImplementedError`` scores 0 and says so; a name the notebook does not define is reported
as missing. It never raises because of an answer, so Run All reaches the end.
"""
from __future__ import annotations

import html
import re
import sys
from dataclasses import dataclass
from typing import Any, Mapping

from course.checking.report import CheckReport, format_score
from course.checking.run import DEFAULT_TIME_LIMIT, run_spec
from course.exercises import all_specs

__all__ = ["ChapterReport", "ExerciseResult", "check_all"]

_CHAPTER = re.compile(r"(ch\d\d)(_\w*)?$")


@dataclass(frozen=True)
class ExerciseResult:
    """One exercise of :func:`check_all`: the spec's name and points, the report or why there is none."""

    name: str
    function: str
    points: float
    report: CheckReport | None = None
    missing: str | None = None

    @property
    def score(self) -> float:
        return 0.0 if self.report is None else self.report.score

    @property
    def passed(self) -> bool:
        return self.report is not None and self.report.passed

    def reason(self) -> str:
        """Why the exercise falls short, in one line ("" when it passed)."""
        if self.missing:
            return self.missing
        report = self.report
        assert report is not None
        if report.passed:
            return ""
        if report.not_implemented:
            return f"not implemented yet ({self.function} still raises NotImplementedError)"
        if report.forbidden or report.shortcut:
            return repr(report).splitlines()[0].split(": ", 1)[-1].split(" — score")[0]
        lines = repr(report).splitlines()[1:]
        return " ".join(line.strip() for line in lines[:2]) or f"{report.n_passed} of {report.n_cases} checks passed"


@dataclass(frozen=True)
class ChapterReport:
    """What :func:`check_all` returns: one :class:`ExerciseResult` per exercise of the chapter."""

    chapter: str
    exercises: tuple[ExerciseResult, ...]

    @property
    def score(self) -> float:
        """The chapter's total score (exact; the display rounds it)."""
        return float(sum(e.score for e in self.exercises))

    @property
    def points(self) -> float:
        return float(sum(e.points for e in self.exercises))

    @property
    def passed(self) -> bool:
        return bool(self.exercises) and all(e.passed for e in self.exercises)

    def __bool__(self) -> bool:
        return self.passed

    def _headline(self) -> str:
        n_ok = sum(e.passed for e in self.exercises)
        mark = "✓" if self.passed else "✗"
        return (f"{mark} {self.chapter}: {n_ok} of {len(self.exercises)} exercises pass — score "
                f"{format_score(self.score)}/{format_score(self.points)}")

    def _rows(self) -> list[tuple[bool, str, str]]:
        return [(e.passed, f"{'✓' if e.passed else '✗'} {e.name} ({e.function}): "
                           f"{format_score(e.score)}/{format_score(e.points)}", e.reason())
                for e in self.exercises]

    def __repr__(self) -> str:
        lines = [self._headline()]
        for _, row, reason in self._rows():
            lines.append("  " + row + (f" — {reason}" if reason else ""))
        return "\n".join(lines)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.passed else "#b42318"
        rows = [f'<div style="color:{color};font-weight:600">{html.escape(self._headline())}</div>']
        for ok, row, reason in self._rows():
            rows.append(f'<div style="color:{"#1a7f37" if ok else "#b42318"}">{html.escape(row)}'
                        + (f'<span style="color:#444"> — {html.escape(reason)}</span>' if reason else "")
                        + "</div>")
        return ('<div class="course-check-all" style="font-family:monospace;font-size:0.9em;'
                'line-height:1.5">' + "".join(rows) + "</div>")


def check_all(chapter: str, namespace: Mapping[str, Any] | None = None, *, seed: int | None = None,
              time_limit: float | None = DEFAULT_TIME_LIMIT) -> ChapterReport:
    """Grade every exercise of ``chapter`` with the answers ``namespace`` defines.

    Parameters
    ----------
    chapter : str
        ``"ch01"`` (or the folder name, ``"ch01_chain_rule"``).
    namespace : mapping, optional
        Where to find the answers, by :attr:`Spec.function <course.exercises.spec.Spec.function>`;
        default: the global namespace of the caller (the notebook's).
    seed : int, optional
        Seed of the hidden cases (None: fresh ones on every run).
    time_limit : float or None
        Seconds allowed per call of an answer.

    Returns
    -------
    ChapterReport
        Truthy iff every exercise passes; shows one line per exercise in the notebook.

    Raises
    ------
    TypeError
        If ``chapter`` is not a string or ``namespace`` not a mapping.
    ValueError
        If ``chapter`` is not of the form ``"chNN"`` or no exercise belongs to it.
    """
    if not isinstance(chapter, str):
        raise TypeError(f"chapter: expected a chapter name such as 'ch01', got {type(chapter).__name__}")
    match = _CHAPTER.match(chapter)
    if not match:
        raise ValueError(f"chapter: expected a chapter name such as 'ch01', got {chapter!r}")
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    if not isinstance(namespace, Mapping):
        raise TypeError(f"namespace: expected a mapping such as globals(), got {type(namespace).__name__}")
    prefix = match.group(1) + "."
    specs = [s for s in all_specs() if s.name.startswith(prefix)]
    if not specs:
        raise ValueError(f"chapter: no exercises belong to {match.group(1)!r}")
    results = []
    for spec in specs:
        answer = namespace.get(spec.function)
        if answer is None or not callable(answer):
            kind = type(answer).__name__
            found = "" if answer is None else f" ({spec.function} is {'an' if kind[0] in 'aeiou' else 'a'} {kind}, not a function)"
            results.append(ExerciseResult(spec.name, spec.function, float(spec.points),
                                          missing=f"no function called {spec.function} in this notebook{found}"))
            continue
        report = run_spec(spec, answer, mode="grade", seed=seed, time_limit=time_limit)
        results.append(ExerciseResult(spec.name, spec.function, float(spec.points), report=report))
    return ChapterReport(match.group(1), tuple(results))
