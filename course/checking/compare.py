"""Does a learner's output match the reference's? Type, then shape, then finiteness, then values.

:func:`compare` returns ``(problem, hint)``: ``problem`` is None when the output matches, else
one sentence saying what is wrong (with an example entry); ``hint`` is
:func:`course.gradcheck.diagnosis.diagnose`'s reading of the difference (sign flipped, off by a factor,
transposed, ...) when it recognises one. NaN matches only NaN; a NaN or inf where the reference
is finite never passes.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from course.gradcheck.diagnosis import diagnose

__all__ = ["compare", "output_credit"]

_AS_PROBLEM = frozenset({"type", "shape", "nonfinite", "zeros"})  # diagnoses that say it all


def compare(actual: Any, expected: Any, *, rtol: float, atol: float,
            what: str = "your answer") -> tuple[str | None, str | None]:
    """Does ``actual`` match ``expected``? Returns ``(problem, hint)``; ``problem`` is None if so.

    Tuples/lists and dicts are compared item by item; everything else as a numeric array: type,
    then shape, then finiteness, then values (``|a - e| <= atol + rtol |e|``, NaN only matching
    NaN). ``hint`` is :func:`course.gradcheck.diagnosis.diagnose`'s reading of the difference, if any.
    """
    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            return (f"{_cap(what)} should be a {type(expected).__name__} of {len(expected)} items, "
                    f"got {_kind(actual)}"), None
        for i, (a, e) in enumerate(zip(actual, expected)):
            found = compare(a, e, rtol=rtol, atol=atol, what=f"item {i} of {what}")
            if found[0] is not None:
                return found
        return None, None
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(actual) != set(expected):
            return f"{_cap(what)} should be a dict with keys {sorted(expected)}, got {_kind(actual)}", None
        for key in expected:
            found = compare(actual[key], expected[key], rtol=rtol, atol=atol, what=f"{what}[{key!r}]")
            if found[0] is not None:
                return found
        return None, None
    return _compare_arrays(actual, expected, rtol, atol, what)


def output_credit(actual: Any, expected: Any, *, rtol: float, atol: float) -> float:
    """The share of ``expected``'s outputs that ``actual`` gets right, in ``[0, 1]``.

    A tuple (e.g. ``(dA_prev, dW, db)``) or dict of outputs earns ``1/k`` per matching output;
    any other value is all or nothing.
    """
    if isinstance(expected, (tuple, list)) and expected:
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            return 0.0
        pairs = list(zip(actual, expected))
    elif isinstance(expected, dict) and expected:
        if not isinstance(actual, dict):
            return 0.0
        pairs = [(actual[k], v) for k, v in expected.items() if k in actual]
    else:
        return float(compare(actual, expected, rtol=rtol, atol=atol)[0] is None)
    good = sum(compare(a, e, rtol=rtol, atol=atol)[0] is None for a, e in pairs)
    return good / len(expected)


def _compare_arrays(actual: Any, expected: Any, rtol: float, atol: float, what: str) -> tuple[str | None, str | None]:
    exp = np.asarray(expected, dtype=np.float64)
    act = _numeric(actual)
    try:
        diag = diagnose(actual, exp, rtol=rtol, atol=atol, what=what)
    except Exception:  # noqa: BLE001 - a diagnosis is a bonus, never a reason to fail
        diag = None
    if act is None:
        return f"{_cap(what)} is {_kind(actual)}, not a number or an array of real numbers", None
    if diag is not None and diag.name in _AS_PROBLEM:
        return diag.message, None
    if act.shape != exp.shape:
        return f"{_cap(what)} has shape {act.shape} but should have shape {exp.shape}", None
    bad_finite = ~np.isfinite(act) & np.isfinite(exp)
    close = np.isclose(act, exp, rtol=rtol, atol=atol, equal_nan=True) & ~bad_finite
    if close.all():
        return None, None
    hint = diag.message if diag is not None and diag.name != "entries" else None
    if exp.ndim == 0:
        return f"{_cap(what)} is {float(act):.6g}, expected {float(exp):.6g}", hint
    idx = tuple(int(i) for i in np.argwhere(~close)[0])
    err = np.abs(act - exp)[~close]
    worst = float(np.nanmax(err)) if np.isfinite(err).any() else float("nan")
    return (f"{_cap(what)} is wrong at {int((~close).sum())} of {act.size} entries, e.g. at index "
            f"{idx} it is {float(act[idx]):.6g}, expected {float(exp[idx]):.6g} "
            f"(largest error {worst:.2g})"), hint


def _numeric(x: Any) -> np.ndarray | None:
    if x is None:
        return None
    try:
        arr = np.asarray(x)
    except Exception:  # noqa: BLE001 - ragged lists and other oddities
        return None
    return arr.astype(np.float64) if arr.dtype.kind in "biuf" else None


def _kind(x: Any) -> str:
    if x is None:
        return "None (did you forget to return it?)"
    if isinstance(x, np.ndarray):
        return f"an array of dtype {x.dtype} and shape {x.shape}"
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)} items"
    return f"a {type(x).__name__}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
