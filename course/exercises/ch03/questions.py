"""Chapter 3: "check your understanding" as predict-then-run cells.

A question cell sets ``my_prediction`` to a number, computes the true answer with the course's
engine and calls :func:`reveal`, which compares the two and explains. With no prediction yet
(``None``) it only asks for one; ``"?"`` shows the answer without a prediction, so nobody needs an
instructor to look one up. Not a chapter module: the registry only reads ``chNN`` modules.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["Reveal", "reveal"]


@dataclass(frozen=True)
class Reveal:
    """The verdict on one prediction; shows itself in the notebook (text and HTML)."""

    prediction: Any
    answer: float
    why: str
    rtol: float = 1e-3

    @property
    def status(self) -> str:
        """``"waiting"`` (no prediction), ``"shown"`` (``"?"``), ``"right"`` or ``"wrong"``."""
        if self.prediction is None:
            return "waiting"
        if isinstance(self.prediction, str) and self.prediction.strip() == "?":
            return "shown"
        try:
            guess = float(self.prediction)
        except (TypeError, ValueError):
            return "wrong"
        return "right" if math.isclose(guess, self.answer, rel_tol=self.rtol, abs_tol=1e-9) else "wrong"

    def _lines(self) -> list[str]:
        answer = f"{self.answer:.6g}"
        if self.status == "waiting":
            return ["Write your prediction in my_prediction (a number), then run this cell again. "
                    "(my_prediction = '?' shows the answer without one.)"]
        if self.status == "shown":
            return [f"The answer is {answer}.", self.why]
        if self.status == "right":
            return [f"Right: {answer}.", self.why]
        return [f"Not quite: you predicted {self.prediction!r}, the answer is {answer}.", self.why]

    def __repr__(self) -> str:
        return "\n".join(self._lines())

    def _repr_html_(self) -> str:
        color = {"right": "#1a7f37", "wrong": "#b42318"}.get(self.status, "#444")
        first, *rest = self._lines()
        return (f'<div style="font-family:monospace;font-size:0.9em"><b style="color:{color}">'
                f"{html.escape(first)}</b>" + "".join(f"<div>{html.escape(r)}</div>" for r in rest) + "</div>")


def reveal(prediction: Any, answer: float, why: str) -> Reveal:
    """Compare ``prediction`` (a number, None or ``"?"``) with ``answer`` and explain with ``why``."""
    return Reveal(prediction, float(answer), why)
