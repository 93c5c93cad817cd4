"""Name the likely bug when an array differs from the one it should equal.

``diagnose(actual, expected)`` compares a learner's answer with a reference
answer (or an analytic gradient with a numerical one) and, when the difference
follows a recognisable pattern, returns a :class:`Diagnosis` with a short key
and one plain sentence for the learner. The checks run in this order, and the
first that matches wins:

1. ``"type"``        the answer is not a numeric array (e.g. ``None``)
2. ``"shape"``       wrong shape, including the transpose's shape and a sum
                     over the wrong axis or a missing ``keepdims``
3. ``"nonfinite"``   NaN or inf where the expected value is finite
4. ``"zeros"``       all zeros: the array was never written
5. ``"transposed"``  ``actual == expected.T`` (square, non-symmetric case)
6. ``"sign"``        ``actual == -expected``
7. ``"factor"``      ``actual == c * expected`` for a constant ``c``; names
                     ``m`` when ``c`` is the batch size or its inverse
8. ``"mask"``        right wherever both are non-zero, but zero where it should
                     not be (or non-zero where it should be zero): a wrong
                     mask such as the ReLU derivative
9. ``"entries"``     correct except a few entries (or whole rows / columns)
10. ``"activation"`` the ratio ``actual / expected`` is positive everywhere but
                     varies from entry to entry: a missing, extra or wrong
                     activation derivative ``f'(z)`` multiplied elementwise

It returns ``None`` when ``actual`` matches ``expected`` (``np.isclose`` with
``rtol``/``atol``, shapes equal, NaN never matching a finite value) or when no
pattern is clear.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = ["Diagnosis", "diagnose"]

_MAX_LISTED = 4  # entries named in an "entries" message


@dataclass(frozen=True)
class Diagnosis:
    """A recognised bug pattern.

    Attributes
    ----------
    name : str
        Short key: ``"type"``, ``"shape"``, ``"nonfinite"``, ``"zeros"``,
        ``"transposed"``, ``"sign"``, ``"factor"``, ``"mask"``,
        ``"activation"`` or ``"entries"``.
    message : str
        One plain sentence for a learner.
    """

    name: str
    message: str

    def __str__(self) -> str:
        return self.message


def diagnose(
    actual: Any,
    expected: Any,
    *,
    batch_size: int | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    what: str = "your answer",
) -> Diagnosis | None:
    """Name the pattern by which ``actual`` differs from ``expected``.

    Parameters
    ----------
    actual : array_like or scalar
        The value to judge (a learner's answer, an analytic gradient).
    expected : array_like or scalar
        The reference value; must be numeric.
    batch_size : int, optional
        The number of examples ``m``; when given, a factor of ``m`` or
        ``1/m`` is named as such.
    rtol, atol : float
        Entry ``i`` matches when ``|a_i - e_i| <= atol + rtol * |e_i|``.
    what : str
        How the message refers to ``actual`` (default ``"your answer"``).

    Returns
    -------
    Diagnosis or None
        ``None`` when the values match or no pattern is clear.

    Raises
    ------
    TypeError
        If ``expected`` is not numeric.
    ValueError
        If ``batch_size``, ``rtol`` or ``atol`` is invalid.
    """
    exp = _as_numeric(expected)
    if exp is None:
        raise TypeError(
            f"expected: expected a numeric array or number, got {type(expected).__name__}"
        )
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise ValueError(f"batch_size: expected a positive int or None, got {batch_size!r}")
    if not (rtol >= 0 and atol >= 0):
        raise ValueError(f"rtol, atol: expected non-negative numbers, got {rtol!r}, {atol!r}")
    first = what.split(" ", 1)[0]
    # "your answer" -> "Your answer", but a name such as "dW" or "x" keeps its spelling
    subject = what[:1].upper() + what[1:] if first.isalpha() and first.islower() and len(first) > 2 else what

    act = _as_numeric(actual)
    if act is None:
        if actual is None:
            return Diagnosis("type", f"{subject} is None: did you forget to return it?")
        return Diagnosis(
            "type",
            f"{subject} is a {type(actual).__name__}, not a number or numeric array.",
        )
    if act.shape != exp.shape:
        return _diagnose_shape(act, exp, subject)

    exp_finite = np.isfinite(exp)
    bad_nonfinite = ~np.isfinite(act) & exp_finite
    if bad_nonfinite.any():
        kinds = sorted({"NaN" if np.isnan(v) else "inf" for v in act[bad_nonfinite]})
        n = int(bad_nonfinite.sum())
        where = "" if act.ndim == 0 else (
            f" at {n} of {act.size} entries, first at index {_index(bad_nonfinite)}"
        )
        return Diagnosis(
            "nonfinite",
            f"{subject} contains {' and '.join(kinds)}{where}: look for an overflow "
            f"(e.g. exp of a large number), a division by zero or log(0).",
        )

    close = np.isclose(act, exp, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    # From here on only finite, comparable entries matter.
    a = np.where(exp_finite, act, 0.0)
    e = np.where(exp_finite, exp, 0.0)

    if not a.any():
        return Diagnosis(
            "zeros",
            f"{subject} is all zeros: it looks as if it was never computed, "
            f"or computed but never written into the array that is returned.",
        )
    for check in (_transposed, _factor, _mask, _entries, _activation):
        found = check(a, e, close, subject, batch_size, rtol, atol)
        if found is not None:
            return found
    return None


# ----------------------------------------------------------------------------
# individual patterns (each returns a Diagnosis or None)
# ----------------------------------------------------------------------------

def _as_numeric(x: Any) -> np.ndarray | None:
    """``x`` as a float64 array, or None when it is not real-numeric."""
    if x is None:
        return None
    try:
        arr = np.asarray(x)
    except Exception:  # ragged lists and other oddities
        return None
    if arr.dtype.kind not in "biuf":
        return None
    return arr.astype(np.float64)


def _index(mask: np.ndarray) -> tuple[int, ...]:
    """The first True index of ``mask`` as a plain tuple."""
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _fmt_index(idx: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(i) for i in idx) + ("," if len(idx) == 1 else "") + ")"


def _diagnose_shape(act: np.ndarray, exp: np.ndarray, subject: str) -> Diagnosis:
    got, want = act.shape, exp.shape
    head = f"{subject} has shape {got} but should have shape {want}"
    if exp.ndim == 0:
        return Diagnosis("shape", f"{head}: it should be a single number (did you forget to sum?).")
    if act.ndim == 2 and exp.ndim == 2 and got == want[::-1]:
        return Diagnosis(
            "shape",
            f"{head}: it has the shape of the transpose (check the order of a matrix "
            f"product, e.g. dW = dz @ a_prev.T).",
        )
    if exp.ndim == 2 and want[1] == 1 and act.ndim == 2:
        if got[0] == want[0]:
            return Diagnosis(
                "shape",
                f"{head}: it still has one column per example; sum over the examples "
                f"with .sum(axis=1, keepdims=True).",
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
            f"{subject} has the values of the transpose of the expected matrix: check the "
            f"order of the factors (dW = dz @ a_prev.T, da_prev = W.T @ dz).",
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
    if np.isclose(c, -1.0, rtol=max(rtol, 1e-9)):
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
        f"from {lo:.3g} to {hi:.3g} between entries: the pattern of a missing, extra or wrong "
        f"activation derivative f'(z) (e.g. tanh' = 1 - tanh(z)**2, sigmoid' = s * (1 - s)).",
    )


def _entries(a, e, close, subject, batch_size, rtol, atol):
    bad = ~close
    n_bad, n = int(bad.sum()), a.size
    if a.ndim == 2 and n > 1:
        rows = np.flatnonzero(bad.all(axis=1))
        cols = np.flatnonzero(bad.all(axis=0))
        if rows.size and rows.size < a.shape[0] and bad[rows].sum() == n_bad and a.shape[1] > 1:
            return Diagnosis(
                "entries",
                f"{subject} is correct except in row{'s' if rows.size > 1 else ''} "
                f"{_fmt_list(rows)}.",
            )
        if cols.size and cols.size < a.shape[1] and bad[:, cols].sum() == n_bad and a.shape[0] > 1:
            return Diagnosis(
                "entries",
                f"{subject} is correct except in column{'s' if cols.size > 1 else ''} "
                f"{_fmt_list(cols)}.",
            )
    if n_bad >= n or not (n_bad <= 3 or n_bad <= 0.1 * n):
        return None
    idx = [_fmt_index(tuple(int(i) for i in ix)) for ix in np.argwhere(bad)[:_MAX_LISTED]]
    more = f" and {n_bad - _MAX_LISTED} more" if n_bad > _MAX_LISTED else ""
    word = "entry" if n_bad == 1 else "entries"
    return Diagnosis("entries", f"{subject} is correct except {word} {', '.join(idx)}{more}.")


def _fmt_list(ix: np.ndarray) -> str:
    shown = ", ".join(str(int(i)) for i in ix[:_MAX_LISTED])
    return shown + (f" and {ix.size - _MAX_LISTED} more" if ix.size > _MAX_LISTED else "")
