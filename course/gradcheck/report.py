"""What a gradient check returns: :class:`GradcheckResult` and :class:`GradcheckError`.

A result is truthy exactly when every tensor passed. Its :attr:`~GradcheckResult.verdict`
is ``"passed"``, ``"failed"`` or ``"cannot tell"``: the last when nothing disagreed but only
because the rounding of ``f`` at its scale (a huge constant in ``f``) is larger than the
differences a wrong gradient would make, so the check can vouch for nothing. It shows itself as a
short report (at most 20 lines, as text and as HTML in Jupyter): which tensor
is wrong, at which index, the analytic and numerical values, the relative
error, and the likely cause, named by :func:`course.gradcheck.diagnosis.diagnose` from
the localised entries or from the whole tensor.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from course.gradcheck.diagnosis import Diagnosis, diagnose
from course.gradcheck.compare import TensorCheck
from course.gradcheck.directional import KINK_ENTRIES, MAX_ENTRIES

__all__ = ["GradcheckError", "GradcheckResult", "name_cause"]

MAX_LINES = 20
_SHOWN_ENTRIES = 3


class GradcheckError(AssertionError):
    """A gradient check did not pass (it failed, or it cannot tell); the message is the report."""

    def __init__(self, result: GradcheckResult) -> None:
        super().__init__(result.report())
        self.result = result


@dataclass
class GradcheckResult:
    """The outcome of :func:`~course.gradcheck.gradcheck` and friends.

    Attributes
    ----------
    title : str
        What was checked, e.g. ``"gradcheck_layer(Linear)"``.
    checks : list of TensorCheck
        One per tensor, in order (``.name``, ``.passed``, ``.entries``,
        ``.kinks``, ``.diagnosis``, ``.max_error``, ``.mode``, ...).
    findings : list of str
        Where a model's error enters (shown first).
    notes : list of str
        Remarks that apply to the whole check (precision, upstream bugs).
    """

    title: str
    checks: list[TensorCheck] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every tensor passed (no disagreement, and none where the check cannot tell)."""
        return all(c.passed and not c.cannot_tell for c in self.checks)

    @property
    def verdict(self) -> str:
        """``"failed"`` if any tensor failed, else ``"cannot tell"`` if any could not be told, else ``"passed"``."""
        verdicts = {c.verdict for c in self.checks}
        return next((v for v in ("failed", "cannot tell") if v in verdicts), "passed")

    @property
    def undecided(self) -> list[str]:
        """Names of the tensors where the check cannot tell (see :attr:`TensorCheck.cannot_tell`)."""
        return [c.name for c in self.checks if c.passed and c.cannot_tell]

    @property
    def evaluations(self) -> int:
        """Function evaluations used by the finite differences."""
        return sum(c.evaluations for c in self.checks)

    @property
    def failed(self) -> list[str]:
        """Names of the tensors that failed."""
        return [c.name for c in self.checks if not c.passed]

    def __bool__(self) -> bool:
        return self.passed

    def report(self) -> str:
        """The report as text, at most 20 lines."""
        return "\n".join(_lines(self))

    __repr__ = report
    __str__ = report

    def _repr_html_(self) -> str:
        lines = _lines(self)
        colour = {"passed": "#1a7f37", "cannot tell": "#9a6700"}.get(self.verdict, "#cf222e")
        head = f'<b style="color:{colour}">{html.escape(lines[0])}</b>'
        body = "\n".join(html.escape(line) for line in lines[1:])
        return f"<pre style='white-space:pre-wrap'>{head}\n{body}</pre>"


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _lines(result: GradcheckResult) -> list[str]:
    checks = result.checks
    bad = [c for c in checks if not c.passed]
    unsure = [c for c in checks if c.passed and c.cannot_tell]
    worst = max((c.max_error for c in checks), default=0.0)
    evals = f"{result.evaluations} function evaluations"
    if bad:
        lines = [f"{result.title} FAILED: {', '.join(c.name for c in bad)} wrong "
                 f"({len(bad)} of {len(checks)} tensors; {evals})"]
    elif unsure:
        lines = [f"{result.title} CANNOT TELL: {', '.join(c.name for c in unsure)} "
                 f"({len(unsure)} of {len(checks)} tensors; {evals})"]
    else:
        what = checks[0].name if len(checks) == 1 else f"{len(checks)} tensors"
        lines = [f"{result.title} passed: {what}, max relative error {worst:.1e} ({evals})"]
    lines += [f"  where: {f}" for f in result.findings]
    for c in bad:
        lines += _failure_lines(c)
    for c in unsure:
        lines += _cannot_tell_lines(c)
    ok = [c for c in checks if c.passed and not c.cannot_tell]
    if ok and (bad or len(checks) > 1):
        names = ", ".join(f"{c.name} ({c.mode})" for c in ok)
        lines.append(f"  ok: {names}; max relative error {max(c.max_error for c in ok):.1e}")
    for c in ok:
        if c.kinks:
            lines.append("  " + _kink_line(c))
        if c.note:
            lines.append(f"  {c.name}: {c.note}")
    lines += [f"  note: {n}" for n in result.notes]
    if len(lines) > MAX_LINES:
        cut = len(lines) - (MAX_LINES - 1)
        lines = lines[: MAX_LINES - 1] + [f"  ... {cut} more lines (see result.checks)"]
    return lines


def _failure_lines(c: TensorCheck) -> list[str]:
    shape = f"shape {c.shape}" if c.shape is not None else ""
    if c.mode == "not run":
        how = "not checked"
    elif c.mode == "backward run twice":
        how = "a second backward gives a different gradient"
    elif c.mode == "exhaustive":
        how = f"every entry perturbed: {c.n_wrong} of {int(np.prod(c.shape)) if c.shape else 1} wrong"
    else:
        found = len(c.entries)
        how = (f"random directions disagree; bisection found {found} wrong "
               f"entr{'y' if found == 1 else 'ies'}{' and stopped' if found >= MAX_ENTRIES else ''}"
               if c.localised else "random directions disagree; the error is spread too thinly to localise")
    lines = [f"  {c.name} ({shape}): WRONG ({how})"]
    for e in c.entries[:_SHOWN_ENTRIES]:
        where = f"[{', '.join(str(i) for i in e.index)}]  " if e.index else ""
        lines.append(f"    {where}analytic {_fmt(e.analytic)}  numeric {_fmt(e.numeric)}  "
                     f"relative error {e.error:.2g}")
    if len(c.entries) > _SHOWN_ENTRIES:
        lines.append(f"    ... and {len(c.entries) - _SHOWN_ENTRIES} more")
    if c.diagnosis is not None:
        lines.append(f"    likely cause: {c.diagnosis.message}")
    if c.note:
        lines.append(f"    {c.note}")
    return lines


def _cannot_tell_lines(c: TensorCheck) -> list[str]:
    """Why the check cannot tell, and what to do: ``f``'s rounding decided the comparison, or kinks did."""
    if c.unsure_why == "kinks":
        return [f"  {c.name} (shape {c.shape}): CANNOT TELL: random directions cross more kinks than bisection "
                f"separates (it stops at {KINK_ENTRIES} kinked entries), and no entry was found wrong",
                "    Along a direction through several kinks at once, the analytic slope need only lie between the "
                "one-sided slopes, which sum over the kinks (a wrong gradient can lie there, and a valid subgradient "
                "need not), so this check cannot decide.",
                f"    What to do: mode='exhaustive' checks every entry ({2 * int(np.prod(c.shape))} evaluations), or "
                "check at an x with no entry exactly on a kink (e.g. no pre-activation exactly 0 for a ReLU)."]
    if c.blur >= 1.0:
        size = (f"larger than the gradient (up to {c.blur:.2g} times its size): a wrong gradient would pass "
                f"as well as a right one")
    else:
        size = (f"up to {c.blur:.2g} times the gradient's size, more than the tolerance rtol allows: an error "
                f"smaller than that cannot be told from rounding")
    return [f"  {c.name} (shape {c.shape}): CANNOT TELL: nothing disagreed, but only within the allowance for "
            f"rounding",
            f"    f's values are so large compared with its changes over a step that f's rounding at this scale "
            f"can be {size}.",
            "    What to do: subtract the constant part of f, i.e. leave a large constant term out of f (subtracting "
            "f(x0) from its result does not help: the rounding has happened), or check in smaller pieces; or pass a "
            "larger rtol if that resolution is enough."]


def _kink_line(c: TensorCheck) -> str:
    k = c.kinks[0]
    if k.index is None:
        where = f"{c.name} (a random direction)"
    else:
        where = f"{c.name}[{', '.join(str(i) for i in k.index)}]"
    more = f" (and {len(c.kinks) - 1} more)" if len(c.kinks) > 1 else ""
    return (f"kink at {where}{more}: one-sided derivatives {_fmt(k.left)} and {_fmt(k.right)}; "
            f"analytic {_fmt(k.analytic)} lies between them, so it is a valid (sub)gradient, not an error")


def name_cause(check: TensorCheck, analytic: np.ndarray, *, batch_size: int | None,
               rtol: float, atol: float, what: str | None = None) -> Diagnosis:
    """The likely cause of a failed exhaustive check, read from every entry (``check.numeric``).

    The entries the check found wrong (``check.wrong``) are the ones the pattern describes, so
    the cause never contradicts the count; ``"no pattern recognised"`` when none fits.
    Directional failures are described by :func:`course.gradcheck.scope.directional_cause`.

    Parameters
    ----------
    check : TensorCheck
        A failed check with ``numeric`` (and ``wrong``) filled in.
    analytic : ndarray
        The analytic gradient (tensor-shaped) or Jacobian ``(n_out, n_in)``.
    batch_size : int or None
        ``m``, so that a factor of the batch size is named as such.
    rtol, atol : float
        The tolerances of the check (loosened here for the pattern fits).
    what : str, optional
        How to refer to the analytic side; default ``"the gradient for <name>"``.
    """
    what = what or f"the gradient for {check.name}"
    found = None
    if check.numeric is not None:
        numeric = check.numeric.reshape(analytic.shape)
        wrong = None if check.wrong is None else check.wrong.reshape(analytic.shape)
        found = diagnose(analytic, numeric, batch_size=batch_size, rtol=max(1e-5, 10 * rtol),
                         atol=max(atol, 1e-7 * float(np.abs(numeric).max(initial=0.0))), what=what, wrong=wrong)
    if found is not None:
        return found
    count = f"{check.n_wrong} of {analytic.size} entries are wrong" if check.n_wrong else "it is wrong"
    return Diagnosis("unknown", f"{what[:1].upper() + what[1:]}: {count}; no pattern recognised.")
