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
9. ``"offset"``      the wrong entries are all off by the same amount (names
                     ``1/m``): a term such as ``-Y/m`` missing there
10. ``"entries"``    correct except a few entries (or whole rows / columns)
11. ``"activation"`` the ratio ``actual / expected`` is positive everywhere but
                     varies from entry to entry: a missing, extra or wrong
                     activation derivative ``f'(z)`` multiplied elementwise

It returns ``None`` when ``actual`` matches ``expected`` (``np.isclose`` with
``rtol``/``atol``, shapes equal, NaN never matching a finite value) or when no
pattern is clear. The patterns themselves live in
:mod:`course.gradcheck.diagnosis.patterns`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from course.gradcheck.diagnosis.finding import Diagnosis
from course.gradcheck.diagnosis.patterns import PATTERNS, diagnose_shape

__all__ = ["Diagnosis", "diagnose"]


def diagnose(
    actual: Any,
    expected: Any,
    *,
    batch_size: int | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    what: str = "your answer",
    wrong: Any = None,
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
    wrong : bool array_like, optional
        Which entries are wrong, when the caller has already decided (a gradient
        check's own verdicts); then the patterns describe exactly those entries and
        ``rtol``/``atol`` only shape the pattern fits.

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
        return diagnose_shape(act, exp, subject)

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
    if wrong is not None and np.shape(wrong) == act.shape:
        close = ~np.asarray(wrong, dtype=bool)
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
    for check in PATTERNS:
        found = check(a, e, close, subject, batch_size, rtol, atol)
        if found is not None:
            return found
    return None


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

