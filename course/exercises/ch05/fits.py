"""Chapter 5: the specs of the training runs — overfit a tiny batch, solve XOR, read the digits.

Each exercise is a ``fit(X, Y, rng, backprop) -> params`` that must reach a stated target
within a budget of epochs and seconds (:mod:`course.reference.recipes`). The spec's ``call`` is
a harness (:mod:`course.exercises.ch05.harness`) that runs the fit and reports the run's
achievements; the reference recipe reaches every one of them on every case, so the learner's
run is compared with "everything reached". The named bugs are runs that miss in different
ways: a learning rate too small to get anywhere, a run over the epoch budget, no training.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

import course
from course.exercises.ch05.harness import apply_digits, apply_overfit, apply_xor, describe_run
from course.exercises.ch05.steps import TRAINERS
from course.exercises.spec import Bug, Case, Spec
from course.reference import recipes
from course.reference.network import init_params

__all__ = ["OVERFIT_TINY_BATCH", "FIT_XOR", "FIT_DIGITS"]


# ----------------------------------------------------------------------------
# inputs: tiny digit batches, XOR sets, digit splits
# ----------------------------------------------------------------------------


def _tiny_batch_case(rng: np.random.Generator) -> Case:
    X, y = course.load_digits()
    T = int(rng.integers(5, 11))
    cols = rng.choice(X.shape[1], size=T, replace=False)
    seed = int(rng.integers(2**31))
    return Case((X[:, cols], y[cols], seed), f"{T} digits {y[cols].tolist()}")


def _xor_case(rng: np.random.Generator) -> Case:
    X, y = course.make_xor(100, rng=rng)
    X_test, y_test = course.make_xor(400, rng=rng)
    seed = int(rng.integers(2**31))
    return Case((X, y, X_test, y_test, seed), "100 XOR points, tested on 400 new ones")


def _digits_case(rng: np.random.Generator) -> Case:
    X, y = course.load_digits()
    order = rng.permutation(X.shape[1])
    train, test = order[:500], order[500:800]
    seed = int(rng.integers(2**31))
    return Case((X[:, train], y[train], X[:, test], y[test], seed),
                "500 training digits, 300 others to test on")


# ----------------------------------------------------------------------------
# runs that miss (and honest runs in other styles)
# ----------------------------------------------------------------------------


def _train(params, X, Y, lr, epochs, batch_size, backprop):
    """A plain mini-batch loop, for the bugs and variants (they may not call the course's)."""
    T = X.shape[1]
    for _ in range(epochs):
        for start in range(0, T, batch_size):
            _, grads = backprop(params, X[:, start:start + batch_size], Y[..., start:start + batch_size])
            params = {k: p - lr * grads[k] for k, p in params.items()}
    return params


def _untrained(X, Y, rng, backprop):
    return init_params([X.shape[0], 16, int(np.max(Y)) + 1 if np.ndim(Y) == 1 else Y.shape[0]], rng=rng)


def _overfit_lr_tiny(X, y, rng, backprop):
    return _train(init_params([X.shape[0], 32, 10], rng=rng), X, y, 1e-3, 20, X.shape[1], backprop)


def _overfit_too_long(X, y, rng, backprop):
    return _train(init_params([X.shape[0], 32, 10], rng=rng), X, y, 1.0, 310, X.shape[1], backprop)


def _overfit_until_converged(X, y, rng, backprop):
    """The notes' "until converged": full-batch steps in place until the loss is small enough."""
    params = init_params([X.shape[0], 32, 10], rng=rng)
    for _ in range(300):
        C, grads = backprop(params, X, y)
        if C < 0.005:
            break
        for k in params:
            params[k] -= 1.0 * grads[k]
    return params


def _overfit_delegates(X, y, rng, backprop):
    return recipes.overfit_tiny_batch(X, y, rng, backprop)


def _xor_one_layer(X, y, rng, backprop):
    return _train(init_params([2, 2], rng=rng), X, y, 2.0, 100, X.shape[1], backprop)


def _xor_too_long(X, y, rng, backprop):
    return _train(init_params([2, 16, 2], rng=rng), X, y, 2.0, 210, X.shape[1], backprop)


def _xor_wide_small_batches(X, y, rng, backprop):
    return _train(init_params([2, 12, 2], rng=rng), X, y, 1.0, 60, 25, backprop)


def _xor_course_trainer(X, y, rng, backprop):
    net = course.MLP([2, 8, 2], activation="tanh", rng=rng)
    course.train_minibatch(net, X, y, loss=course.softmax_cross_entropy, lr=2.0, epochs=100, batch_size=100,
                           rng=rng)
    return {"W1": net.layers[0].W, "b1": net.layers[0].b, "W2": net.layers[2].W, "b2": net.layers[2].b}


def _digits_lr_tiny(X, y, rng, backprop):
    return _train(init_params([64, 32, 10], rng=rng), X, y, 1e-3, 2, 50, backprop)


def _digits_too_long(X, y, rng, backprop):
    return _train(init_params([64, 32, 10], rng=rng), X, y, 1.0, 16, 50, backprop)


def _digits_two_hidden(X, y, rng, backprop):
    return _train(init_params([64, 48, 24, 10], rng=rng), X, y, 0.5, 10, 25, backprop)


def _digits_delegates(X, y, rng, backprop):
    return recipes.fit_digits(X, y, rng, backprop)


def _explains(target: recipes.Target, make_case: Callable[[np.random.Generator], Case]) -> Callable[..., Any]:
    """The answer-free check of a fit: one run on a fixed case, its numbers in the message."""
    def reaches_the_target(learner: Callable[..., Any]) -> str | None:
        """Reaches the target within the budget, measured on one more run"""
        return describe_run(learner(*make_case(np.random.default_rng(1000)).args, details=True), target)
    return reaches_the_target


_UNTRAINED = Bug("never trained", "The parameters came back as they were initialised: your function "
                 "must run your training loop with the backprop it is given.", _untrained)

_TARGET_NOTE = "The exercise states the target and the budget; look at which of them your run missed."

def _fit_spec(name: str, what: str, target: recipes.Target, reference: Callable[..., Any],
              make_case: Callable[[np.random.Generator], Case], call: Callable[..., Any], points: float,
              bugs: tuple[Bug, ...], shortcuts: tuple, variants: tuple) -> Spec:
    """The spec of a fit: the reference recipe, two public and three hidden runs, the explaining check."""
    return Spec(name=name, title=f"{what}: {target.describe()}", reference=reference, make_case=make_case,
                points=points, public_seeds=(0, 1), n_hidden=3, bugs=bugs + (_UNTRAINED,),
                forbidden=TRAINERS + (reference,), shortcuts=shortcuts, variants=variants,
                answer_free=(_explains(target, make_case),), call=call)


OVERFIT_TINY_BATCH = _fit_spec(
    "ch05.overfit_tiny_batch", "overfit a tiny batch", recipes.OVERFIT, recipes.overfit_tiny_batch,
    _tiny_batch_case, apply_overfit, 2.0,
    bugs=(
        Bug("learning rate far too small", "The loss hardly moves from where it started. How big is "
            "each step compared with the parameters?", _overfit_lr_tiny),
        Bug("over the epoch budget", "The loss got there, but with more passes over the batch than "
            "the budget allows: take bigger steps or fewer epochs. " + _TARGET_NOTE, _overfit_too_long),
    ),
    shortcuts=(_overfit_delegates,), variants=(_overfit_until_converged,),
)

FIT_XOR = _fit_spec(
    "ch05.fit_xor", "train a classifier on XOR", recipes.XOR, recipes.fit_xor, _xor_case, apply_xor, 2.0,
    bugs=(
        Bug("no hidden layer", "A network without a hidden layer draws one straight line through the "
            "plane. How many lines does XOR need?", _xor_one_layer),
        Bug("over the epoch budget", "Accurate, but with more epochs than the budget allows. "
            + _TARGET_NOTE, _xor_too_long),
    ),
    shortcuts=(_xor_course_trainer,), variants=(_xor_wide_small_batches,),
)

FIT_DIGITS = _fit_spec(
    "ch05.fit_digits", "train a softmax classifier on the digits", recipes.DIGITS, recipes.fit_digits,
    _digits_case, apply_digits, 3.0,
    bugs=(
        Bug("learning rate far too small", "After the whole budget the classifier still guesses. How "
            "far does one step move the parameters?", _digits_lr_tiny),
        Bug("over the epoch budget", "Accurate, but with more epochs than the budget allows. "
            + _TARGET_NOTE, _digits_too_long),
    ),
    shortcuts=(_digits_delegates,), variants=(_digits_two_hidden,),
)
