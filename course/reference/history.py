"""A training run's record, one entry per epoch: the mean loss and each parameter's gradient norm.

``train_per_sample`` and ``train_minibatch`` (course.reference.training) return one; the
plot helpers (``course.plots``) draw its loss curve and gradient norms.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["History"]


@dataclass(repr=False)
class History:
    """What happened during training, one entry per epoch.

    Attributes
    ----------
    loss : list of float
        Mean loss over the ``T`` examples of each epoch (the notes' ``Loss / T``).
    accuracy : list of float
        Empty unless a callback appends to it, e.g.
        ``lambda epoch, model, h: h.accuracy.append(model.accuracy(X, y))``.
    grad_norms : dict of str -> list of float
        For each parameter name (``"0.W"``, ``"0.b"``, ...), the Frobenius norm of
        the epoch's mean gradient ``||nabla_{W_k} Loss|| / T``: plot them per
        layer to see gradients vanish or explode.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    grad_norms: dict[str, list[float]] = field(default_factory=dict)

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.loss)

    def record(self, loss: float, mean_grads: Mapping[str, ArrayLike]) -> None:
        """Append one epoch: its mean loss and, per parameter, ``||mean gradient||``.

        Parameters
        ----------
        loss : float
            The epoch's mean loss ``Loss / T``.
        mean_grads : mapping of str -> array_like
            Each parameter's mean gradient over the epoch, ``nabla_{W_k} Loss / T``;
            its Frobenius norm is appended to ``grad_norms[name]``.
        """
        self.loss.append(float(loss))
        for name, g in mean_grads.items():
            self.grad_norms.setdefault(name, []).append(float(np.linalg.norm(g)))

    def __repr__(self) -> str:
        if not self.loss:
            return "History(epochs=0)"
        text = f"History(epochs={self.epochs}, loss {self.loss[0]:.4g} -> {self.loss[-1]:.4g}"
        if self.accuracy:
            text += f", accuracy {self.accuracy[-1]:.3g}"
        return text + ")"
