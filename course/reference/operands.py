"""The scalar engine's checks and errors: operands as finite floats, overflow named by its operation.

Used by :mod:`.autodiff` (the ``Value`` node and its primitives) and :mod:`.traversal` (the
order and the backward pass): a bad operand is a TypeError or ValueError naming what was
expected and what was given, and a result or gradient that overflows is an ``OverflowError``
naming the operation and its operand values.
"""
from __future__ import annotations

import math
import numbers

__all__ = ["REAL", "OPERAND", "describe", "short", "as_real", "overflow_error", "checked_result",
           "leaf_backward"]

REAL = "a real number (int, float or numpy scalar)"
OPERAND = "a Value or " + REAL


def describe(x: object) -> str:
    """Type and a short repr of ``x``, for error messages."""
    text = repr(x)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(x).__name__} {text}"


def short(x: float) -> str:
    """``x`` to 6 significant digits, still written as a float: 2.0, 0.880797, 1e-09."""
    return repr(float(f"{x:.6g}"))


def as_real(x: object, name: str, expected: str) -> float:
    """``x`` as a finite float, or a TypeError/ValueError naming ``name``."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name}: expected {expected}, got {describe(x)}")
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value}")
    return value


def overflow_error(op: str, operands: tuple[Value, ...], what: str = "result") -> OverflowError:
    """An OverflowError naming the operation and its operand values."""
    values = ", ".join(short(v.data) for v in operands)
    return OverflowError(
        f"Value overflow in {op!r}: the {what} of {op!r} applied to {values} is too large for a float (overflow); "
        f"use smaller inputs, or rewrite the computation so that no intermediate value exceeds ~1.8e308"
    )


def checked_result(value: float, op: str, operands: tuple[Value, ...]) -> float:
    """``value`` if it is finite, else an OverflowError naming ``op`` and its operands."""
    if not math.isfinite(value):
        raise overflow_error(op, operands)
    return value


def leaf_backward() -> None:
    """A leaf has no parents: there is nothing to pass on."""
