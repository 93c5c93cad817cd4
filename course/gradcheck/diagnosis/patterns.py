"""The value and shape patterns behind :func:`course.gradcheck.diagnosis.diagnose`.

Each ``_pattern(a, e, close, subject, batch_size, rtol, atol)`` looks at a
finite ``actual`` ``a`` and ``expected`` ``e`` of the same shape (``close``
marks the entries that match) and returns a :class:`Diagnosis` or ``None``.
:data:`PATTERNS` is their order of precedence.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from course.gradcheck.diagnosis.finding import Diagnosis

_MAX_LISTED = 4  # entries named in an "entries" message


def _fmt_index(idx: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(i) for i in idx) + ("," if len(idx) == 1 else "") + ")"


def diagnose_shape(act: np.ndarray, exp: np.ndarray, subject: str) -> Diagnosis:
    got, want = act.shape, exp.shape
    head = f"{subject} has shape {got} but should have shape {want}"
    if exp.ndim == 0:
        return Diagnosis("shape", f"{head}: it should be a single number (did you forget to sum?).")
    if act.ndim == 2 and exp.ndim == 2 and got == want[::-1]:
        return Diagnosis(
            "shape",
            f"{head}: it has the shape of the transpose (rows and columns swapped: check "
            f"which index is the row, and the order of the factors of a matrix product).",
        )
    if exp.ndim == 2 and want[1] == 1 and act.ndim == 2:
        if got[0] == want[0]:
            return Diagnosis(
                "shape",
                f"{head}: it still has one column per example; each example contributes "
                f"to this gradient, so how should the columns be combined?",
            )
        if got[0] == 1:
            return Diagnosis(
                "shape",
                f"{head}: it looks summed over the wrong axis; examples are columns, so "
                f"sum over axis=1 with keepdims=True.",
            )
    if act.size == exp.size:
        if tuple(d for d in got if d != 1) == tuple(d for d in want if d != 1):
            return Diagnosis(
                "shape",
                f"{head}: the values may be right but an axis of length 1 is missing or "
                f"extra (use keepdims=True or reshape).",
            )
        return Diagnosis(
            "shape", f"{head}: it has the right number of entries but they are arranged differently."
        )
    return Diagnosis("shape", f"{head}.")


def _fits(a: np.ndarray, target: np.ndarray, rtol: float, atol: float) -> bool:
    return bool(np.isclose(a, target, rtol=rtol, atol=atol).all())


def _transposed(a, e, close, subject, batch_size, rtol, atol):
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 2:
        return None
    if _fits(e, e.T, rtol, atol):  # symmetric: a transpose cannot be told apart
        return None
    if _fits(a, e.T, rtol, atol):
        return Diagnosis(
            "transposed",
            f"{subject} has the values of the transpose of the expected matrix: check which "
            f"index is the row, and the order of the factors.",
        )
    if _fits(a, -e.T, rtol, atol):
        return Diagnosis(
            "transposed",
            f"{subject} is the transpose of the expected matrix with its sign flipped.",
        )
    return None


def _simple_fraction(c: float, batch_size: int | None) -> str | None:
    """Describe |c| as 'a factor of ...' when it is a small integer ratio."""
    mag = abs(c)
    if batch_size is not None and batch_size > 1:
        if np.isclose(mag, batch_size, rtol=1e-6):
            return "too large by a factor of m = {m} (the batch size)".format(m=batch_size)
        if np.isclose(mag, 1.0 / batch_size, rtol=1e-6):
            return "too small by a factor of m = {m} (the batch size)".format(m=batch_size)
    frac = Fraction(mag).limit_denominator(16)
    if frac.numerator == 0 or not np.isclose(float(frac), mag, rtol=1e-6):
        return None
    if frac.denominator == 1:
        return f"too large by a factor of {frac.numerator}"
    if frac.numerator == 1:
        return f"too small by a factor of {frac.denominator}"
    return f"{frac.numerator}/{frac.denominator} times the expected value"


def _factor(a, e, close, subject, batch_size, rtol, atol):
    ee = float(np.dot(e.ravel(), e.ravel()))
    if ee == 0.0:
        return None
    c = float(np.dot(a.ravel(), e.ravel())) / ee
    if c == 0.0 or not _fits(a, c * e, rtol, atol):
        return None
    if np.isclose(c, 1.0, rtol=1e-3):
        return None  # a "factor of 1": the fit only passed with the loosened tolerance; look elsewhere
    if np.isclose(c, -1.0, rtol=1e-3):  # as for 1 above: within 1e-3 of -1 it is the sign alone, not "a factor of 1"
        return Diagnosis(
            "sign",
            f"{subject} has the right size but the wrong sign everywhere: look for a "
            f"flipped subtraction (e.g. y - y_hat instead of y_hat - y) or a stray minus.",
        )
    nice = _simple_fraction(c, batch_size)
    if a.size == 1 and nice is None:
        return None  # any two numbers differ by "a factor"; only simple ones mean something
    sign = " and has the wrong sign" if c < 0 else ""
    if nice is None:
        text = f"{subject} is {c:.4g} times the expected value everywhere: a constant factor is wrong."
    else:
        hint = ""
        if batch_size is not None and batch_size > 1 and "(the batch size)" in nice:
            hint = (": divide by m exactly once, in the loss" if c > 0 and abs(c) > 1
                    else ": the division by m happens more than once; only the loss divides by m")
        elif nice.endswith("factor of 2"):
            hint = ": check the derivative of a square (d/dx x**2 = 2x) and any 1/2 in the loss"
        text = f"{subject} is {nice}{sign}{hint}."
    return Diagnosis("factor" if c > 0 else "sign", text)


def _mask(a, e, close, subject, batch_size, rtol, atol):
    if a.size < 2:
        return None
    a_zero = np.isclose(a, 0.0, rtol=0.0, atol=atol)
    e_zero = np.isclose(e, 0.0, rtol=0.0, atol=atol)
    bad = ~close
    extra = bad & e_zero & ~a_zero     # non-zero where it should be zero
    missing = bad & a_zero & ~e_zero   # zero where it should be non-zero
    if bad.sum() <= 3 or (extra | missing).sum() != bad.sum():
        return None  # a few isolated entries are better named by "entries"
    if extra.any() and missing.any():
        return Diagnosis(
            "mask",
            f"{subject} is right where both are non-zero, but zero at {int(missing.sum())} "
            f"entries and non-zero at {int(extra.sum())} entries where it should not be: "
            f"check the mask (e.g. relu'(z) is 1 where z > 0, else 0).",
        )
    if extra.any():
        return Diagnosis(
            "mask",
            f"{subject} is right wherever the expected value is non-zero, but non-zero at "
            f"{int(extra.sum())} of {a.size} entries where it should be 0: a mask such as "
            f"relu'(z) = (z > 0) is missing or wrong.",
        )
    return Diagnosis(
        "mask",
        f"{subject} is right wherever it is non-zero, but 0 at {int(missing.sum())} of "
        f"{a.size} entries where it should not be: check the mask (e.g. relu'(z) = (z > 0)).",
    )


def _activation(a, e, close, subject, batch_size, rtol, atol):
    scale = max(float(np.abs(e).max()), atol)
    use = np.abs(e) > 1e-3 * scale
    if use.sum() < 3 or (~close & use).sum() < 3:
        return None
    ratio = a[use] / e[use]
    if not (ratio > 0).all():
        return None
    lo, hi = float(ratio.min()), float(ratio.max())
    if hi / lo < 1.05:
        return None  # essentially constant: not this pattern (and not a clean factor)
    return Diagnosis(
        "activation",
        f"{subject} has the right sign everywhere, but its ratio to the expected value varies "
        f"from {lo:.3g} to {hi:.3g} between entries: a factor that changes from entry to entry "
        f"is missing, extra or wrong (a local derivative left out, or taken at the wrong point).",
    )


def _rows_columns(a, e, close, subject, batch_size, rtol, atol):
    bad = ~close
    n_bad = int(bad.sum())
    if a.ndim != 2 or a.size < 2:
        return None
    rows = np.flatnonzero(bad.all(axis=1))
    cols = np.flatnonzero(bad.all(axis=0))
    if rows.size and rows.size < a.shape[0] and bad[rows].sum() == n_bad and a.shape[1] > 1:
        return Diagnosis("entries", f"{subject} is correct except in row{'s' if rows.size > 1 else ''} "
                                    f"{_fmt_list(rows)}.")
    if cols.size and cols.size < a.shape[1] and bad[:, cols].sum() == n_bad and a.shape[0] > 1:
        return Diagnosis("entries", f"{subject} is correct except in column{'s' if cols.size > 1 else ''} "
                                    f"{_fmt_list(cols)}.")
    return None


def _entries(a, e, close, subject, batch_size, rtol, atol):
    bad = ~close
    n_bad, n = int(bad.sum()), a.size
    if n_bad >= n or not (n_bad <= 3 or n_bad <= 0.1 * n):
        return None
    idx = [_fmt_index(tuple(int(i) for i in ix)) for ix in np.argwhere(bad)[:_MAX_LISTED]]
    more = f" and {n_bad - _MAX_LISTED} more" if n_bad > _MAX_LISTED else ""
    word = "entry" if n_bad == 1 else "entries"
    if _fits(a[bad], -e[bad], max(rtol, 1e-6), atol) and np.abs(e[bad]).min() > atol:
        return Diagnosis("sign", f"{subject} has the wrong sign at {word} {', '.join(idx)}{more} (the right size, "
                                 f"the opposite sign) and is correct elsewhere: look for a stray minus or a "
                                 f"flipped subtraction in the code that computes {'it' if n_bad == 1 else 'them'}.")
    return Diagnosis("entries", f"{subject} is correct except {word} {', '.join(idx)}{more}.")


def _fmt_list(ix: np.ndarray) -> str:
    shown = ", ".join(str(int(i)) for i in ix[:_MAX_LISTED])
    return shown + (f" and {ix.size - _MAX_LISTED} more" if ix.size > _MAX_LISTED else "")


def offset_amount(diff: np.ndarray, batch_size: int | None, tol: float) -> str | None:
    """``"+0.125 = +1/m (m = 8, the batch size)"`` if all of ``diff`` is one non-zero constant, else None."""
    if diff.size < 2:
        return None
    c = float(np.median(diff))
    if c == 0.0 or not np.allclose(diff, c, rtol=1e-6, atol=tol):
        return None
    amount = f"{c:+.4g}"
    if batch_size is not None and np.isclose(abs(c), 1.0 / batch_size, rtol=1e-6):
        amount += f" = {'+' if c > 0 else '-'}1/m (m = {batch_size}, the batch size)"
    return amount


def _offset(a, e, close, subject, batch_size, rtol, atol):
    """Wrong entries all off by the same amount (e.g. a missing -Y/m in (p - Y)/m)."""
    bad = ~close
    amount = offset_amount((a - e)[bad], batch_size, max(atol, rtol * float(np.abs(e).max())))
    if amount is None:
        return None
    where = "everywhere" if bad.all() else f"at {int(bad.sum())} of {a.size} entries, and is right elsewhere"
    return Diagnosis("offset", f"{subject} differs from the expected value by exactly {amount} {where}: "
                               f"{OFFSET_HINT}.")


OFFSET_HINT = "a term is missing or extra there (a constant added or left out)"

PATTERNS = (_transposed, _factor, _mask, _rows_columns, _offset, _entries, _activation)
