"""The outer loop both trainers share (chapter 5): the notes' "repeat ... until converged".

Each epoch is one call of an ``EpochFn`` (the per-sample or the mini-batch pass), run under
divergence detection (:mod:`.divergence`); what it returns, ``Loss`` and the gradient sums over
all ``T`` examples, is recorded in the :class:`~course.reference.history.History` as
``Loss / T`` and the mean gradients ``nabla Loss / T``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from course.reference.divergence import stop_if_diverged
from course.reference.history import History

__all__ = ["LossFn", "Callback", "EpochFn", "repeat_epochs"]

#: a loss: (output, targets) -> (mean loss over the batch, gradient w.r.t. the output)
LossFn = Callable[[np.ndarray, np.ndarray], "tuple[float, np.ndarray]"]
#: called after every epoch as callback(epoch, model, history); a true result stops training
Callback = Callable[[int, Any, History], Any]
#: one epoch's pass over the data: updates the parameters, returns (Loss, gradient sums) over all T examples
EpochFn = Callable[[], "tuple[float, dict[str, np.ndarray]]"]


def repeat_epochs(
    one_epoch: EpochFn, model: Any, T: int, *, lr: float, epochs: int, callback: Callback | None
) -> History:
    """The outer loop both trainers share: the notes' "repeat ... until converged".

    Runs ``one_epoch()`` up to ``epochs`` times, each under ``stop_if_diverged``;
    records its ``Loss / T`` and mean gradients ``nabla Loss / T`` in the
    ``History``; stops early when ``callback(epoch, model, history)`` is true.
    """
    history = History()
    for epoch in range(epochs):
        with stop_if_diverged(epoch, lr):
            Loss, grad_sums = one_epoch()
        history.record(Loss / T, {name: s / T for name, s in grad_sums.items()})
        if callback is not None and callback(epoch, model, history):
            break
    return history
