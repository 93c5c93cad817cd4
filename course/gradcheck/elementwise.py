"""Reports on an elementwise derivative in the shape and indices of ``x`` itself.

``gradcheck(f, df, x)`` with ``df(x)`` of ``x``'s shape checks ``f'(x)`` as the diagonal of the
Jacobian ``(x.size, x.size)``. The learner wrote a derivative of ``x``'s shape, so the report
speaks of it: entry ``x[i]`` (its own index), ``k of x.size`` wrong, and the pattern of the
wrong entries (a sign flip, a factor, a few entries) read on ``f'(x)``. An output that changes
with another entry of ``x`` means ``f`` is not elementwise, and is reported as such.
"""
from __future__ import annotations

import numpy as np

from course.gradcheck.compare import Kink, TensorCheck, wrong_entry
from course.gradcheck.diagnosis import Diagnosis
from course.gradcheck.report import name_cause
from course.gradcheck.scope import entries_pattern, listed

__all__ = ["as_elementwise"]

_WHAT = "the derivative df(x)"


def as_elementwise(check: TensorCheck, derivative: np.ndarray, *, rtol: float, atol: float,
                   batch_size: int | None) -> TensorCheck:
    """``check`` of ``diag(derivative)`` (Jacobian indices) re-expressed on ``derivative`` (x's shape)."""
    shape = derivative.shape
    n = derivative.size

    def index(j: int) -> tuple[int, ...]:
        return tuple(int(k) for k in np.unravel_index(j, shape))

    off = [e for e in check.entries if len(e.index) == 2 and e.index[0] != e.index[1]]
    if check.wrong is not None:
        off_mask = check.wrong & ~np.eye(n, dtype=bool)
        off = [wrong_entry((int(i), int(j)), 0.0, check.numeric[i, j]) for i, j in np.argwhere(off_mask)[:3]] or off
    out = TensorCheck(check.name, shape, check.mode, passed=check.passed, evaluations=check.evaluations,
                      max_error=check.max_error, localised=check.localised, complete=check.complete,
                      note=check.note, cannot_tell=check.cannot_tell, unsure_why=check.unsure_why, blur=check.blur)
    out.kinks = [Kink(index=index(k.index[1]), analytic=k.analytic, left=k.left, right=k.right)
                 if k.index is not None and len(k.index) == 2 else k for k in check.kinks]
    if off:
        out.shape, out.n_wrong = check.shape, check.n_wrong
        out.entries = [e for e in check.entries]
        i, j = off[0].index
        out.diagnosis = Diagnosis("not elementwise", (
            f"f is not elementwise: output {_fmt(index(i))} changes with x{_fmt(index(j))} "
            f"(numerical d f{_fmt(index(i))} / d x{_fmt(index(j))} = {off[0].numeric:.6g}), so its derivative "
            f"is not one number per entry of x; return the Jacobian, shape (f(x).size, x.size)."))
        return out
    diag = [e for e in check.entries if len(e.index) == 2]
    out.entries = [wrong_entry(index(e.index[1]), e.analytic, e.numeric) for e in diag]
    if check.numeric is not None:
        out.numeric = np.diag(check.numeric).reshape(shape).copy()
        out.wrong = np.diag(check.wrong).reshape(shape).copy()
        out.n_wrong = int(out.wrong.sum())
    else:
        out.n_wrong = check.n_wrong
    if out.passed:
        return out
    if out.numeric is not None:
        out.diagnosis = name_cause(out, derivative, batch_size=batch_size, rtol=rtol, atol=atol, what=_WHAT)
    elif out.entries:
        out.diagnosis = _found_cause(out, atol, batch_size)
    else:
        out.diagnosis = Diagnosis("unknown", f"{_capital(_WHAT)} disagrees along random directions; "
                                             f"no pattern recognised.")
    return out


def _found_cause(check: TensorCheck, atol: float, batch_size: int | None) -> Diagnosis:
    """The cause read on the wrong entries that bisection found (directional mode).

    Where the search was complete (``check.complete``: bisection searched every entry), the entries
    found are all the wrong ones, and the cause says so; otherwise there may be more.
    """
    entries = check.entries
    key, text = entries_pattern(entries, atol, batch_size)
    one = len(entries) == 1
    word, names = ("entry" if one else "entries"), listed(entries)
    if check.complete:
        if key == "sign":
            return Diagnosis("sign", f"{_capital(_WHAT)} has the wrong sign at {word} {names} and is correct "
                                     f"elsewhere (bisection searched every entry): look for a stray minus in the "
                                     f"code that computes {'it' if one else 'them'}.")
        there = f"; there {'it is' if one else 'they are'} {text}" if key else "; no pattern recognised"
        return Diagnosis(key or "entries", f"Only {word} {names} of {_WHAT} {'is' if one else 'are'} wrong "
                                           f"(bisection searched every entry){there}.")
    found = f"at the {len(entries)} wrong {word} found ({names}; there may be more)"
    return Diagnosis(key or "unknown", f"{_capital(found)}, {_WHAT} is {text}." if key
                     else f"{_capital(_WHAT)} is wrong {found}; no pattern recognised.")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fmt(idx: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(str, idx)) + "]"
