"""Answer-free checks: the building blocks of a spec's ``answer_free`` tuple.

An answer-free check takes the learner's function and returns ``None`` when it passes, or a
message saying what is wrong. It needs no reference answer: it compares the learner's output
with something independent (finite differences, a known exact value) or measures how the
function works (its peak memory). :mod:`course.checking` labels each check in the report with
the first line of its docstring, so every factory here takes that line as ``doc``.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

import tracemalloc
from typing import Any, Callable

import numpy as np

from course.gradcheck import numeric

__all__ = ["AnswerFreeCheck", "Compare", "agrees_with", "agrees_with_numerical_jacobian", "close_to",
           "memory_check", "peak_bytes"]

AnswerFreeCheck = Callable[[Callable[..., Any]], "str | None"]
Compare = Callable[[Any, Any], "str | None"]     # compare(actual, expected) -> what is wrong, or None


def _named(check: AnswerFreeCheck, doc: str) -> AnswerFreeCheck:
    check.__doc__ = doc
    return check


def agrees_with(doc: str, where: str, inputs: Callable[[], tuple], expected: Callable[[], Any],
                compare: Compare) -> AnswerFreeCheck:
    """A check that calls the learner's function once and compares its output with ``expected()``.

    Parameters
    ----------
    doc : str
        The check's label in reports, e.g. ``"Agrees with finite differences."``.
    where : str
        What was compared, the start of the message: ``f"{where}: {problem}"``.
    inputs : callable
        ``inputs() -> args``: fresh arguments for ``fn(*args)`` on every call, so a function
        that modifies its input spoils nothing.
    expected : callable
        ``expected() -> value`` the output should agree with (computed after ``fn`` ran).
    compare : callable
        ``compare(actual, expected) -> str | None``: the problem, or None when close enough.
    """
    def check(fn: Callable[..., Any]) -> str | None:
        problem = compare(fn(*inputs()), expected())
        return None if problem is None else f"{where}: {problem}"

    return _named(check, doc)


def close_to(actual: Any, expected: np.ndarray, rtol: float = 1e-5, atol: float = 1e-7) -> str | None:
    """What is wrong when ``actual`` is not an array like ``expected``; None when it is close.

    Shape first, then finite numbers, then ``np.allclose(actual, expected, rtol, atol)``. The
    default tolerances suit a comparison with finite differences (good to about 1e-7).
    """
    arr = np.asarray(actual)
    if arr.shape != expected.shape:
        return f"expected shape {expected.shape}, got shape {arr.shape}"
    if not np.issubdtype(arr.dtype, np.number) or not np.all(np.isfinite(arr)):
        return f"expected finite numbers, got {arr.dtype} with NaN/inf or non-numbers"
    if not np.allclose(arr, expected, rtol=rtol, atol=atol):
        err = float(np.max(np.abs(arr - expected)))
        return f"largest difference {err:.3g} (should be below {atol + rtol * np.max(np.abs(expected)):.1g})"
    return None


def agrees_with_numerical_jacobian(f: Callable[..., Any], inputs: Callable[[], tuple], wrt: int, call: str,
                                   doc: str = "Agrees with finite differences.") -> AnswerFreeCheck:
    """A check that ``fn(*inputs())`` is the Jacobian of ``f(*inputs())`` by central differences.

    The Jacobian is :func:`course.gradcheck.numeric.numerical_jacobian` with respect to argument ``wrt``
    (flattened row by row), compared by :func:`close_to`; ``call`` is how the message writes
    it, e.g. ``"numerical_jacobian(lambda x: W @ x + b, x)"``.
    """
    return agrees_with(doc, f"the Jacobian should agree with {call}", inputs=inputs,
                       expected=lambda: _numerical_jacobian_wrt(f, inputs(), wrt), compare=close_to)


def _numerical_jacobian_wrt(f: Callable[..., Any], args: tuple, wrt: int) -> np.ndarray:
    """``numerical_jacobian`` of ``v -> f(*args)`` with ``args[wrt]`` replaced by ``v``, at ``args[wrt]``."""
    point = args[wrt]

    def moved(v: np.ndarray) -> Any:
        return f(*args[:wrt], np.reshape(v, np.shape(point)), *args[wrt + 1:])

    return numeric.numerical_jacobian(moved, point)


def peak_bytes(fn: Callable[..., Any], *args: Any) -> int:
    """Peak memory allocated (bytes, as traced by tracemalloc, NumPy included) while ``fn(*args)`` runs."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        fn(*args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return max(0, peak - before)


def memory_check(doc: str, inputs: Callable[[], tuple], budget: Callable[..., int],
                 where: Callable[..., str], avoided: str) -> AnswerFreeCheck:
    """A check that ``fn(*inputs())`` stays within a memory budget: the big matrix is not built.

    Parameters
    ----------
    doc : str
        The check's label in reports, e.g. ``"Memory: no n x n Jacobian built (n = 2000)."``.
    inputs : callable
        ``inputs() -> args``, made before the measurement starts.
    budget : callable
        ``budget(*args) -> bytes``: the most a right answer may allocate at its peak.
    where : callable
        ``where(*args) -> str``, the start of the message, e.g. ``"for n = 2000"``.
    avoided : str
        What a right answer does not build, e.g. ``"the n x n Jacobian"``.
    """
    def check(fn: Callable[..., Any]) -> str | None:
        args = inputs()
        limit = budget(*args)
        peak = peak_bytes(fn, *args)
        if peak > limit:
            return (f"{where(*args)} your function allocated {peak / 1e6:.1f} MB at its peak; "
                    f"without building {avoided} it needs well under {limit / 1e6:.1f} MB")
        return None

    check.measures_cost = True     # the checker runs it without the shortcut detector's overhead
    return _named(check, doc)
