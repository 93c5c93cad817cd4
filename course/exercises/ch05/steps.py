"""Chapter 5: the specs of one gradient step, the notes' per-sample loop and the mini-batch loop.

Cases are small networks (1-3 layers, a few units) on a few examples, trained for 1-3 epochs
with the course's ``backprop`` (:func:`course.reference.network.backprop_mse` on real targets,
``backprop_softmax`` on labels), so each case runs in milliseconds and every mistake of the
loop changes the numbers. The bugs are written on the same plain dicts as the answers.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import course
from course.exercises.spec import Bug, Case, Spec
from course.reference import descent
from course.reference.network import backprop_mse, backprop_softmax

__all__ = ["GRADIENT_STEP", "TRAIN_PER_SAMPLE", "TRAIN_MINIBATCH", "TRAINERS"]


# ----------------------------------------------------------------------------
# inputs
# ----------------------------------------------------------------------------


def _random_params(rng: np.random.Generator, sizes: list[int]) -> dict[str, np.ndarray]:
    """Random weights *and* biases (zero biases would hide a bias updated with the wrong gradient)."""
    out = {}
    for l in range(1, len(sizes)):
        out[f"W{l}"] = rng.normal(0.0, 1.0 / np.sqrt(sizes[l - 1]), size=(sizes[l], sizes[l - 1]))
        out[f"b{l}"] = rng.normal(0.0, 0.3, size=(sizes[l], 1))
    return out


def _step_case(rng: np.random.Generator) -> Case:
    sizes = [int(n) for n in rng.integers(1, 5, size=int(rng.integers(2, 5)))]
    params = _random_params(rng, sizes)
    grads = {k: rng.normal(size=p.shape) for k, p in params.items()}
    lr = float(10 ** rng.uniform(-3, 0))
    return Case((params, grads, lr), f"{len(sizes) - 1} layers, sizes {sizes}, lr = {lr:.3g}")


def _training_data(rng: np.random.Generator, T: int, labels: bool | None = None) -> tuple[list[int], np.ndarray, Any, Any]:
    """Sizes, X, targets and the matching backprop: real targets (mse) or integer labels (softmax)."""
    labels = bool(rng.random() < 0.3) if labels is None else labels
    n_in, hidden = int(rng.integers(1, 4)), int(rng.integers(2, 5))
    k = int(rng.integers(2, 4)) if labels else int(rng.integers(1, 3))
    X = rng.normal(size=(n_in, T))
    if labels:
        return [n_in, hidden, k], X, rng.integers(0, k, size=T), backprop_softmax
    return [n_in, hidden, k], X, rng.uniform(-1, 1, size=(k, T)), backprop_mse


def _per_sample_case(rng: np.random.Generator, epochs: int | None = None) -> Case:
    T = int(rng.integers(3, 7))
    sizes, X, Y, backprop = _training_data(rng, T)
    epochs = int(rng.integers(2, 4)) if epochs is None else epochs
    lr = float(rng.uniform(0.05, 0.5))
    params = _random_params(rng, sizes)
    return Case((params, X, Y, lr, epochs, backprop),
                f"sizes {sizes}, T = {T}, {epochs} epochs, lr = {lr:.3g}, {backprop.__name__}")


def _minibatch_case(rng: np.random.Generator, epochs: int | None = None) -> Case:
    batch_size = int(rng.integers(2, 4))
    T = batch_size * int(rng.integers(2, 4)) + int(rng.integers(1, batch_size))   # a short last batch
    sizes, X, Y, backprop = _training_data(rng, T)
    epochs = int(rng.integers(2, 4)) if epochs is None else epochs
    lr = float(rng.uniform(0.05, 0.5))
    params = _random_params(rng, sizes)
    return Case((params, X, Y, lr, epochs, batch_size, backprop),
                f"sizes {sizes}, T = {T}, batches of {batch_size}, {epochs} epochs, lr = {lr:.3g}, "
                f"{backprop.__name__}")


# ----------------------------------------------------------------------------
# 1. one gradient-descent step
# ----------------------------------------------------------------------------


def _step_ascent(params, grads, lr):
    return {k: params[k] + lr * grads[k] for k in params}


def _step_without_lr(params, grads, lr):
    return {k: params[k] - grads[k] for k in params}


def _step_bias_with_weight_gradient(params, grads, lr):
    return {k: params[k] - lr * grads["W" + k[1:] if k.startswith("b") else k] for k in params}


def _step_in_place(params, grads, lr):
    for k in params:
        params[k] -= lr * grads[k]
    return params


def _step_loop(params, grads, lr):
    new = {}
    for name, p in params.items():
        new[name] = np.subtract(p, np.multiply(lr, grads[name]))
    return new


def _step_delegates(params, grads, lr):
    return descent.gradient_step(params, grads, lr)


GRADIENT_STEP = Spec(
    name="ch05.gradient_step",
    title="one gradient-descent step on every parameter",
    reference=descent.gradient_step,
    make_case=_step_case,
    points=1.0,
    fixed_cases=(Case(({"W1": np.array([[1.0, 2.0]]), "b1": np.array([[0.5]])},
                       {"W1": np.array([[0.1, -0.2]]), "b1": np.array([[1.0]])}, 0.5),
                      "one neuron, two inputs, lr = 0.5"),
                 _step_case(np.random.default_rng(100))),
    rtol=0.0,
    atol=1e-10,
    bugs=(
        Bug("climbs the gradient", "The gradient points to where the loss grows fastest. Which way "
            "must the parameters move for the loss to shrink?", _step_ascent),
        Bug("forgot the learning rate", "The step is the gradient scaled by η; look at how far each "
            "parameter moved.", _step_without_lr),
        Bug("bias updated with the weight gradient", "This is the misprint in the notes' update "
            "rule (section 2): which of the gradients belongs to the bias?",
            _step_bias_with_weight_gradient),
    ),
    forbidden=(descent.gradient_step,),
    shortcuts=(_step_delegates,),
    variants=(_step_in_place, _step_loop),
)


# ----------------------------------------------------------------------------
# 2. the notes' algorithm: accumulate over all T examples, then update once
# ----------------------------------------------------------------------------


def _copy(params):
    return {k: np.array(v, dtype=np.float64) for k, v in params.items()}


def _per_sample(params, X, Y, lr, epochs, backprop, *, scale=lambda lr, T: lr / T, reset_sums=True,
                reset_loss=True, step_each_sample=False, bias_from_weights=False):
    """The notes' loop with switches for the classic mistakes (all off: the right answer)."""
    params, T = _copy(params), X.shape[1]
    losses, Loss = [], 0.0
    sums = {k: np.zeros_like(p) for k, p in params.items()}
    for _ in range(epochs):
        if reset_loss:
            Loss = 0.0
        if reset_sums:
            sums = {k: np.zeros_like(p) for k, p in params.items()}
        for t in range(T):
            Div, grads = backprop(params, X[:, t:t + 1], Y[..., t:t + 1])
            Loss += Div
            for k in sums:
                sums[k] = sums[k] + grads[k]
            if step_each_sample:
                params = {k: params[k] - scale(lr, T) * grads[k] for k in params}
        if not step_each_sample:
            src = {k: sums["W" + k[1:]] if bias_from_weights and k.startswith("b") else sums[k] for k in params}
            params = {k: params[k] - scale(lr, T) * src[k] for k in params}
        losses.append(Loss)
    return params, np.array(losses)


def _ps_right(params, X, Y, lr, epochs, backprop):
    return _per_sample(params, X, Y, lr, epochs, backprop)


def _ps_step_each_sample(params, X, Y, lr, epochs, backprop):
    return _per_sample(params, X, Y, lr, epochs, backprop, step_each_sample=True)


def _ps_sums_not_zeroed(params, X, Y, lr, epochs, backprop):
    return _per_sample(params, X, Y, lr, epochs, backprop, reset_sums=False)


def _ps_lr_over_T_twice(params, X, Y, lr, epochs, backprop):
    return _per_sample(params, X, Y, lr, epochs, backprop, scale=lambda lr, T: lr / T / T)


def _ps_no_over_T(params, X, Y, lr, epochs, backprop):
    return _per_sample(params, X, Y, lr, epochs, backprop, scale=lambda lr, T: lr)


def _ps_bias_from_weights(params, X, Y, lr, epochs, backprop):
    return _per_sample(params, X, Y, lr, epochs, backprop, bias_from_weights=True)


def _ps_loss_not_reset(params, X, Y, lr, epochs, backprop):
    return _per_sample(params, X, Y, lr, epochs, backprop, reset_loss=False)


def _ps_in_place(params, X, Y, lr, epochs, backprop):
    params = {k: v.copy() for k, v in params.items()}
    T, losses = X.shape[1], []
    for _ in range(epochs):
        Loss, sums = 0.0, {k: 0.0 for k in params}
        for t in range(T):
            Div, grads = backprop(params, X[:, [t]], Y[..., [t]])
            Loss += Div
            for k in sums:
                sums[k] = sums[k] + grads[k]
        for k in params:
            params[k] -= lr / T * sums[k]
        losses.append(Loss)
    return params, losses


def _ps_via_minibatch(params, X, Y, lr, epochs, backprop):
    return descent.train_minibatch_loop(params, X, Y, lr, epochs, X.shape[1], backprop)


def _ps_delegates(params, X, Y, lr, epochs, backprop):
    return descent.train_per_sample_loop(params, X, Y, lr, epochs, backprop)


#: the course's trainers: none of the chapter's exercises may call them
TRAINERS = (course.train_per_sample, course.train_minibatch, descent.train_per_sample_loop,
             descent.train_minibatch_loop)

TRAIN_PER_SAMPLE = Spec(
    name="ch05.train_per_sample",
    title="the notes' training loop: accumulate over every example, then update",
    reference=descent.train_per_sample_loop,
    make_case=_per_sample_case,
    points=3.0,
    fixed_cases=(_per_sample_case(np.random.default_rng(200), epochs=1),),
    bugs=(
        Bug("updated before all samples were accumulated", "The parameters move once per epoch, "
            "after the loop over t has visited every example; check where your update sits.",
            _ps_step_each_sample),
        Bug("forgot to zero the sums", "Every pass of the repeat loop starts from nothing: where are "
            "your gradient sums set to zero?", _ps_sums_not_zeroed),
        Bug("η/T applied twice", "Count how many times your step divides by T, and compare with "
            "the update rule of section 2.", _ps_lr_over_T_twice),
        Bug("η applied without the 1/T", "Your sums add up T examples' gradients; look at the update "
            "rule of section 2 for what turns that sum into a mean.", _ps_no_over_T),
        Bug("bias updated with the weight gradient", "The notes' erratum (section 2): which of the "
            "sums belongs to b_k?", _ps_bias_from_weights),
        Bug("Loss not reset", "Loss = 0 at the start of every epoch, like the gradient sums.",
            _ps_loss_not_reset),
    ),
    forbidden=TRAINERS,
    shortcuts=(_ps_delegates, _ps_via_minibatch),
    variants=(_ps_right, _ps_in_place),
)


# ----------------------------------------------------------------------------
# 3. mini-batches: one step after every batch
# ----------------------------------------------------------------------------


def _minibatch(params, X, Y, lr, epochs, batch_size, backprop, *, lr_over_m=False, once_per_epoch=False,
               drop_last=False, weigh_loss=True):
    """The mini-batch loop with switches for the classic mistakes (all off: the right answer)."""
    params, T = _copy(params), X.shape[1]
    stop = T - T % batch_size if drop_last else T
    losses = []
    for _ in range(epochs):
        Loss, total = 0.0, {k: np.zeros_like(p) for k, p in params.items()}
        for start in range(0, stop, batch_size):
            Xb, Yb = X[:, start:start + batch_size], Y[..., start:start + batch_size]
            m = Xb.shape[1]
            C, grads = backprop(params, Xb, Yb)
            Loss += C * m if weigh_loss else C
            if once_per_epoch:
                total = {k: total[k] + grads[k] for k in total}
            else:
                step = lr / m if lr_over_m else lr
                params = {k: params[k] - step * grads[k] for k in params}
        if once_per_epoch:
            params = {k: params[k] - lr * total[k] for k in params}
        losses.append(Loss)
    return params, np.array(losses)


def _mb_lr_over_m(params, X, Y, lr, epochs, batch_size, backprop):
    return _minibatch(params, X, Y, lr, epochs, batch_size, backprop, lr_over_m=True)


def _mb_once_per_epoch(params, X, Y, lr, epochs, batch_size, backprop):
    return _minibatch(params, X, Y, lr, epochs, batch_size, backprop, once_per_epoch=True)


def _mb_drop_last(params, X, Y, lr, epochs, batch_size, backprop):
    return _minibatch(params, X, Y, lr, epochs, batch_size, backprop, drop_last=True)


def _mb_loss_unweighted(params, X, Y, lr, epochs, batch_size, backprop):
    return _minibatch(params, X, Y, lr, epochs, batch_size, backprop, weigh_loss=False)


def _mb_right(params, X, Y, lr, epochs, batch_size, backprop):
    return _minibatch(params, X, Y, lr, epochs, batch_size, backprop)


def _mb_index_lists(params, X, Y, lr, epochs, batch_size, backprop):
    params = dict(params)
    T, losses = X.shape[1], []
    batches = [np.arange(T)[i:i + batch_size] for i in range(0, T, batch_size)]
    for _ in range(epochs):
        Loss = 0.0
        for cols in batches:
            C, grads = backprop(params, X[:, cols], Y[..., cols])
            Loss += len(cols) * C
            params = {k: p - lr * grads[k] for k, p in params.items()}
        losses.append(Loss)
    return params, losses


def _mb_delegates(params, X, Y, lr, epochs, batch_size, backprop):
    return descent.train_minibatch_loop(params, X, Y, lr, epochs, batch_size, backprop)


TRAIN_MINIBATCH = Spec(
    name="ch05.train_minibatch",
    title="mini-batch gradient descent: one step after every batch",
    reference=descent.train_minibatch_loop,
    make_case=_minibatch_case,
    points=3.0,
    fixed_cases=(_minibatch_case(np.random.default_rng(300), epochs=1),),
    bugs=(
        Bug("divided by the batch size again", "The loss of a batch is already a mean over its "
            "examples, and so are its gradients; look for a second division in your step.",
            _mb_lr_over_m),
        Bug("one step per epoch", "In this loop the parameters move after every batch, not once "
            "at the end of the epoch.", _mb_once_per_epoch),
        Bug("dropped the last, smaller batch", "When T is not a multiple of the batch size the "
            "last batch is shorter; every example is visited once per epoch.", _mb_drop_last),
        Bug("Loss not weighted by the batch size", "Loss is the sum of the examples' divergences; "
            "a batch's loss is their mean over that batch. What turns one into the other?",
            _mb_loss_unweighted),
    ),
    forbidden=TRAINERS,
    shortcuts=(_mb_delegates,),
    variants=(_mb_right, _mb_index_lists),
)
