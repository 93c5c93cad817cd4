"""What ``check`` and ``grade`` return: a :class:`CheckReport` that shows itself.

A report holds one :class:`CaseResult` per case (public, hidden or answer-free) and says, per
failing group of cases, *what* is wrong and, when the output matches a known mistake of the
exercise, its name and a hint. It is truthy iff every case passed, and ``score`` is what the
nbgrader grade cell returns::

    score = points * (cases earned) / (cases run)        0 if a forbidden function was called
                                                         or a numeric shortcut was taken
    score = min(score, cost_cap * points)                if a cost requirement failed

where a case earns 1 when it passes and, when its answer has several outputs, the share of
outputs that are right; cost requirements are not cases of the fraction, they cap it.

In a notebook the report shows itself. Under nbgrader's *Validate* (the environment variable
``NBGRADER_EXECUTION`` is ``"validate"``), a report that does not earn full marks also writes
itself to stderr when displayed: Validate then lists the cell as failed *with this report as
the reason* (instead of "Partial credit; passed some but not all of the tests"). Nothing is
written to stderr anywhere else, so a plain Run All shows no error output and
``nbgrader autograde`` (``NBGRADER_EXECUTION="autograde"``) reads the exact partial score.

``score`` is always a plain Python ``float`` (nbgrader reads the cell's ``text/plain`` output with
``float(...)``, and ``repr(np.float64(1.0))`` is ``"np.float64(1.0)"``, which it could not read).
"""
from __future__ import annotations

import html
import os
import sys
from dataclasses import dataclass, field

__all__ = ["CaseResult", "CheckReport", "PUBLIC_PASSED_LINE", "format_score"]

PUBLIC_PASSED_LINE = "public checks passed; hidden tests also run at grading time"
_MAX_GROUPS = 6      # failing groups listed in full


@dataclass(frozen=True)
class CaseResult:
    """The verdict on one case.

    Attributes
    ----------
    label : str
        The case's label, e.g. ``"sin at x = 1.0"`` (hidden cases: ``"hidden case 3"``).
    passed : bool
    problem : str or None
        What is wrong, in one sentence (None when passed).
    bug : str or None
        Name of the spec's :class:`~course.exercises.spec.Bug` whose output the learner's matches.
    hint : str or None
        That bug's hint, or a generic diagnosis of the difference.
    kind : str
        ``"public"``, ``"hidden"``, ``"answer-free"`` or ``"cost"`` (a cost requirement: it caps
        the score instead of counting as a case).
    credit : float
        The share of the case earned, in ``[0, 1]``: 1 when passed; for a failed case whose
        answer has several outputs (``(dA_prev, dW, db)``), the share of outputs that are right.
    """

    label: str
    passed: bool
    problem: str | None = None
    bug: str | None = None
    hint: str | None = None
    kind: str = "public"
    credit: float = 0.0

    @property
    def earned(self) -> float:
        """What the case counts for in the score: 1 if passed, else its partial ``credit``."""
        return 1.0 if self.passed else float(self.credit)


@dataclass(frozen=True)
class CheckReport:
    """The result of ``check(name, fn)`` (mode ``"check"``) or ``grade(name, fn)`` (``"grade"``).

    Attributes
    ----------
    name, title : str
        The exercise.
    mode : str
        ``"check"`` or ``"grade"``.
    points : float
        Points of the exercise.
    cases : tuple of CaseResult
        One per case run, in order.
    forbidden : str or None
        Qualified name of a forbidden reference the function called (score 0).
    not_implemented : bool
        The function raised ``NotImplementedError`` (score 0).
    notes : tuple of str
        Other things worth knowing: warnings the function emitted, text it printed.
    shortcut : str or None
        Why the answer is a numeric shortcut on an analytic exercise (score 0), e.g.
        ``"calls numpy.gradient, which differentiates numerically"``.
    cost_cap : float
        The fraction of the points kept when a cost requirement fails.
    """

    name: str
    title: str
    mode: str
    points: float
    cases: tuple[CaseResult, ...] = ()
    forbidden: str | None = None
    not_implemented: bool = False
    notes: tuple[str, ...] = field(default=())
    shortcut: str | None = None
    cost_cap: float = 1.0

    # -- verdict ---------------------------------------------------------------------------
    @property
    def n_cases(self) -> int:
        return len(self.cases)

    @property
    def n_passed(self) -> int:
        return sum(1 for c in self.cases if c.passed)

    @property
    def passed(self) -> bool:
        """True iff every case passed, nothing forbidden was called and there was a case at all."""
        return (not self.forbidden and not self.not_implemented and not self.shortcut
                and self.n_cases > 0 and self.n_passed == self.n_cases)

    @property
    def public_passed(self) -> bool:
        """True iff every public and answer-free case passed (hidden cases aside)."""
        public = [c for c in self.cases if c.kind != "hidden"]
        return (not self.forbidden and not self.not_implemented and not self.shortcut
                and bool(public) and all(c.passed for c in public))

    @property
    def cost_failed(self) -> bool:
        """True iff a cost requirement (no n x n matrix built, ...) failed: the score is capped."""
        return any(c.kind == "cost" and not c.passed for c in self.cases)

    @property
    def score(self) -> float:
        """``points * (cases earned) / (cases run)``; 0.0 if forbidden or not implemented.

        A case earns 1 when passed and its share of right outputs otherwise (see
        :attr:`CaseResult.credit`).
        """
        counted = [c for c in self.cases if c.kind != "cost"]
        if self.forbidden or self.not_implemented or self.shortcut or not counted:
            return 0.0
        score = min(self.points, self.points * sum(c.earned for c in counted) / len(counted))
        if self.cost_failed:
            score = min(score, self.cost_cap * self.points)
        return float(score)

    def __bool__(self) -> bool:
        return self.passed

    # -- rendering -------------------------------------------------------------------------
    def _headline(self) -> str:
        mark = "✓" if self.passed else "✗"
        head = f"{mark} {self.name} — {self.title}: "
        score = f" — score {format_score(self.score)}/{format_score(self.points)}" if self.mode == "grade" else ""
        if self.not_implemented:
            return (head + "not implemented yet (replace `raise NotImplementedError()` with your "
                    "code, then run this check again)" + score)
        if self.shortcut:    # before `forbidden`: a numeric helper may be both, and this says why
            return (head + f"your function {self.shortcut}. This exercise asks for the derivative "
                    "worked out by hand, so a numeric or automatic one scores 0" + score)
        if self.forbidden:
            return (head + f"your function calls {self.forbidden}, the course's own answer to "
                    "this exercise, so it scores 0. Write it yourself" + score)
        if self.passed:
            counts = self._kind_counts()
            return head + f"all {self.n_cases} checks passed{counts}" + score
        return head + f"{self.n_passed} of {self.n_cases} checks passed" + score

    def _kind_counts(self) -> str:
        kinds = [c.kind for c in self.cases]
        parts = [f"{kinds.count(k)} {k}" for k in ("public", "answer-free", "cost", "hidden") if k in kinds]
        return f" ({', '.join(parts)})" if len(parts) > 1 else ""

    def _groups(self) -> list[tuple[list[str], CaseResult]]:
        """Failing cases grouped by bug, else by identical problem: [(labels, first result)]."""
        groups: dict[tuple, tuple[list[str], CaseResult]] = {}
        for c in self.cases:
            if not c.passed:  # the same named bug is one group, whatever the numbers
                key = ("bug", c.bug) if c.bug else ("problem", c.problem, c.hint)
                groups.setdefault(key, ([], c))[0].append(c.label)
        return list(groups.values())

    def _detail_lines(self) -> list[tuple[str, str]]:
        """(kind, text) lines under the headline; kind in {"fail", "hint", "note", "ok"}."""
        out: list[tuple[str, str]] = []
        if self.not_implemented or self.forbidden or self.shortcut:
            return [("note", n) for n in self.notes]
        groups = self._groups()
        hinted: set[str] = set()
        for labels, c in groups[:_MAX_GROUPS]:
            shown = labels[0]
            if len(labels) > 1:
                shown += f" (and {len(labels) - 1} more case{'s' if len(labels) > 2 else ''})"
            out.append(("fail", f"✗ {shown}: {c.problem}"))
            if c.bug and c.bug in hinted:
                out.append(("hint", f"looks like “{c.bug}” again (see above)"))
            elif c.bug:
                hinted.add(c.bug)
                out.append(("hint", f"looks like “{c.bug}”: {c.hint}"))
            elif c.hint:
                out.append(("hint", c.hint))
        if len(groups) > _MAX_GROUPS:
            rest = sum(len(labels) for labels, _ in groups[_MAX_GROUPS:])
            out.append(("fail", f"… and {rest} more failing cases"))
        if self.cost_failed:
            out.append(("fail", f"a cost requirement is not met, so the score is capped at "
                                f"{self.cost_cap:.0%} of the points ({format_score(self.cost_cap * self.points)} "
                                f"of {format_score(self.points)})"))
        out.extend(("note", n) for n in self.notes)
        if self.mode == "check" and self.public_passed:
            out.append(("ok", PUBLIC_PASSED_LINE))
        return out

    def __repr__(self) -> str:
        lines = [self._headline()]
        lines += [("    " if kind == "hint" else "  ") + text if kind != "ok" else text
                  for kind, text in self._detail_lines()]
        return "\n".join(lines)

    __str__ = __repr__

    def _ipython_display_(self) -> None:
        """Show the report; under nbgrader's Validate, also tell Validate why it falls short."""
        from IPython.display import display

        display({"text/plain": repr(self), "text/html": self._repr_html_()}, raw=True)
        if os.environ.get("NBGRADER_EXECUTION") == "validate" and self.score < self.points:
            sys.stderr.write(repr(self) + "\n")

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.passed else "#b42318"
        style = {"fail": "color:#b42318", "hint": "margin-left:1.5em;color:#444",
                 "note": "color:#555;font-style:italic", "ok": "color:#1a7f37;font-weight:600"}
        rows = [f'<div style="color:{color};font-weight:600">{html.escape(self._headline())}</div>']
        rows += [f'<div style="{style[kind]}">{html.escape(text)}</div>'
                 for kind, text in self._detail_lines()]
        return ('<div class="course-check-report" style="font-family:monospace;'
                'font-size:0.9em;line-height:1.4">' + "".join(rows) + "</div>")


def format_score(x: float) -> str:
    """A score for display, rounded to 3 digits: 2 -> '2', 0.2857142857142857 -> '0.286'.

    Only the display is rounded: ``CheckReport.score`` stays exact for nbgrader.
    """
    return f"{x:.3g}" if x != int(x) else str(int(x))
