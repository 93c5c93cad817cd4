"""What a diagnosis finds: one recognised bug pattern, named and said in one sentence."""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Diagnosis"]


@dataclass(frozen=True)
class Diagnosis:
    """A recognised bug pattern.

    Attributes
    ----------
    name : str
        Short key: ``"type"``, ``"shape"``, ``"nonfinite"``, ``"zeros"``,
        ``"transposed"``, ``"sign"``, ``"factor"``, ``"mask"``, ``"offset"``,
        ``"entries"`` or ``"activation"`` from :func:`diagnose`; gradient
        checks add ``"mutation"``, ``"missing"``, ``"upstream"``,
        ``"accumulates"`` (a second backward gives other gradients),
        ``"not elementwise"`` and ``"unknown"`` (no pattern recognised).
    message : str
        One plain sentence for a learner.
    """

    name: str
    message: str

    def __str__(self) -> str:
        return self.message
