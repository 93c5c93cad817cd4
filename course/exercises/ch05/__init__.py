"""Chapter 5, the training algorithm: the exercise specs, in the notebook's order.

Every exercise works on plain data: parameters and gradients are dicts of arrays with the keys
``W1, b1, ..., WL, bL``, and training goes through a ``backprop(params, X, Y) -> (C, grads)``
function handed over as an argument (:mod:`course.reference.network`), so that what is graded
is the algorithm, not the layers of chapter 4.

- :mod:`.steps`: one gradient-descent step, the notes' per-sample loop, the mini-batch loop;
- :mod:`.fits`: training runs that must reach a target within a budget (a tiny batch overfit,
  XOR, the digits), applied through the harness in :mod:`.harness`.
"""
from __future__ import annotations

from course.exercises.ch05.fits import FIT_DIGITS, FIT_XOR, OVERFIT_TINY_BATCH
from course.exercises.ch05.steps import GRADIENT_STEP, TRAIN_MINIBATCH, TRAIN_PER_SAMPLE
from course.exercises.spec import Spec

__all__ = ["SPECS"]

SPECS: tuple[Spec, ...] = (
    GRADIENT_STEP,
    TRAIN_PER_SAMPLE,
    TRAIN_MINIBATCH,
    OVERFIT_TINY_BATCH,
    FIT_XOR,
    FIT_DIGITS,
)
