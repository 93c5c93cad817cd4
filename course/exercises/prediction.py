"""Predict, then run: a "check your understanding" question whose answer the cell measures.

The learner writes a prediction in a notebook cell; the cell computes the real value and
:func:`predict` compares the two. The result shows itself (text and HTML): whether the
prediction was close, the measured value, and why. An empty prediction (``None``) is not an
error: the result asks for one, so an untouched notebook runs through.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

__all__ = ["Prediction", "predict"]


@dataclass(frozen=True)
class Prediction:
    """The outcome of one predict-then-run question (shows itself in a notebook)."""

    guess: Any
    actual: Any
    right: bool | None          # None: no prediction yet
    why: str

    def __str__(self) -> str:
        if self.right is None:
            return ("No prediction yet: replace None with your prediction and run the cell again "
                    "(the answer is also in the notes below the question).")
        verdict = "✓ Right" if self.right else "✗ Not quite"
        return f"{verdict}: you predicted {_show(self.guess)}, the cell measured {_show(self.actual)}. {self.why}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        color = {None: "#555", True: "#1a7f37", False: "#b35900"}[self.right]
        return f'<div style="color:{color}">{html.escape(str(self))}</div>'


def _show(value: Any) -> str:
    if isinstance(value, Real) and not isinstance(value, bool):
        return f"{float(value):.4g}"
    return repr(value)


def predict(guess: Any, actual: Any, why: str, *, rtol: float = 0.25) -> Prediction:
    """Compare a learner's ``guess`` with the ``actual`` value a cell measured.

    Parameters
    ----------
    guess : number, tuple, str or None
        The learner's prediction; None means not made yet.
    actual : the same kind of value
        What the cell measured or computed.
    why : str
        One or two sentences that explain the answer (shown once a prediction is made).
    rtol : float
        For numbers: how close counts as right, relative to ``actual`` (default 25 %: a
        prediction is about the size and the sign, not the digits).

    Returns
    -------
    Prediction
    """
    if not isinstance(why, str):
        raise TypeError(f"why: expected a str, got {type(why).__name__}")
    if guess is None:
        return Prediction(None, actual, None, why)
    numbers = all(isinstance(v, Real) and not isinstance(v, bool) for v in (guess, actual))
    if numbers:
        right = bool(np.isclose(float(guess), float(actual), rtol=rtol, atol=1e-12))
    else:
        right = _normal(guess) == _normal(actual)
    return Prediction(guess, actual, right, why)


def _normal(value: Any) -> Any:
    """Tuples and lists compare alike; strings without case and surrounding spaces."""
    if isinstance(value, (list, tuple)):
        return tuple(_normal(v) for v in value)
    if isinstance(value, str):
        return value.strip().lower()
    if isinstance(value, np.generic):
        return value.item()
    return value
