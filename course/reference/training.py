"""The training algorithm (chapter 5): per-sample as in the notes, and in mini-batches.

The notes' algorithm (001), in the course's column convention::

    initialise every W_k, b_k
    repeat
        Loss = 0
        for every k:  nabla_{W_k} Loss = 0,  nabla_{b_k} Loss = 0
        for t = 1 .. T
            forward X_t to the output Y_t;   Div = Div(Y_t, d_t);   Loss += Div
            backward: nabla_{W_k} Div, nabla_{b_k} Div for every k
            nabla_{W_k} Loss += nabla_{W_k} Div;   nabla_{b_k} Loss += nabla_{b_k} Div
        for every k
            W_k <- W_k - (eta / T) nabla_{W_k} Loss
            b_k <- b_k - (eta / T) nabla_{b_k} Loss
    until Loss has converged

``train_per_sample`` is that loop line by line. ``train_minibatch`` is the
vectorised form: a batch of columns goes through the network at once, the loss
divides by the batch size, and ``W <- W - eta dW`` after every batch. With one
batch of all ``T`` examples in order, one epoch of each gives the same weights.

Any model with the ``Layer`` protocol works (an ``MLP``, or a single
``Linear`` for a softmax classifier on features): ``forward``, ``backward``,
``parameters()`` returning the live arrays, and ``gradients()``.

One concept per module: :mod:`.per_sample` (the notes' loop), :mod:`.minibatch` (its vectorised
form) and :mod:`.fast_steps` (its unchecked inner steps), :mod:`.epochs` (the shared outer loop),
:mod:`.history` (the record), :mod:`.divergence` (NaN/overflow detection) and
:mod:`.trainer_checks` (the argument checks, once per run). This module gathers the public names.
"""
from __future__ import annotations

from course.reference.history import History
from course.reference.minibatch import train_minibatch
from course.reference.per_sample import train_per_sample

__all__ = ["History", "train_per_sample", "train_minibatch"]
