"""How chapter 5's training-run exercises are applied to a learner's ``fit`` function.

A fit exercise asks for ``fit(X, Y, rng, backprop) -> params``: choose a network, a learning
rate, a batch size and a number of epochs, and train with the ``backprop`` given. There is no
single right ``params``, so a case does not compare parameters: the spec's ``call`` is one of the
harnesses below, which runs the fit (the learner's and the reference's alike) and reports what
the run achieved as four shares of a goal, each 1.0 when the goal is met and less when it is
missed (rounded down to 0.001, so a near miss is never 1.0); the reference meets them all:

``"<goal>"``
    test accuracy / goal, or goal / training loss, at most 1 (0 for non-finite parameters);
``"within N epochs"``
    ``N · T`` / the examples sent through ``backprop``, at most 1 (0 when it saw none);
``"within S s"``
    ``S`` / the seconds the fit took, at most 1;
``"finite parameters"``
    1.0 when every returned parameter is finite, else 0.

The harness measures; it never trains, and it evaluates with the course's network.
"""
from __future__ import annotations

import math
import time
from typing import Any, Callable

import numpy as np

from course.reference.network import Network, n_layers
from course.reference.recipes import DIGITS, OVERFIT, XOR, Target

__all__ = ["CountingBackprop", "run_fit", "describe_run", "apply_overfit", "apply_xor", "apply_digits", "outcome_keys"]


class CountingBackprop:
    """A ``backprop`` that counts the examples (columns of ``X``) sent through it."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.examples = 0

    def __call__(self, params: dict, X: np.ndarray, Y: Any) -> tuple[float, dict[str, np.ndarray]]:
        self.examples += int(np.shape(X)[1])
        return self.network.backprop(params, X, Y)


def outcome_keys(target: Target) -> tuple[str, str, str, str]:
    """The four keys of a harness's result, e.g. ``("test accuracy >= 0.93", ...)``."""
    return target.goal_text(), f"within {target.epochs} epochs", f"within {target.seconds:g} s", "finite parameters"


def run_fit(fn: Callable[..., Any], X: np.ndarray, Y: Any, X_test: np.ndarray, y_test: np.ndarray,
            seed: int, *, target: Target, loss: str, details: bool = False) -> dict[str, float]:
    """Run ``fn(X, Y, rng, backprop)`` once and measure the run against ``target``.

    Returns the four shares of the goals (see the module docstring), or with ``details=True`` the
    measurements themselves: ``{"value": training loss or test accuracy, "epochs": examples
    through backprop / T, "seconds": ..., "finite": 0 or 1}``.

    Raises
    ------
    TypeError, ValueError
        If ``fn`` does not return a dict of parameters ``W1, b1, ..., WL, bL`` that fit ``X``.
    """
    network = Network("tanh", loss)
    backprop = CountingBackprop(network)
    start = time.perf_counter()
    params = fn(X, Y, np.random.default_rng(seed), backprop)
    seconds = time.perf_counter() - start
    n_layers(params)
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    finite = all(np.all(np.isfinite(p)) for p in params.values())
    value = float("nan")
    if finite:
        with np.errstate(all="ignore"):
            value = (network.backprop(params, X, Y)[0] if target.what == "loss"
                     else network.accuracy(params, X_test, y_test))
    epochs = backprop.examples / X.shape[1]
    if details:
        return {"value": float(value), "epochs": epochs, "seconds": seconds, "finite": float(finite)}
    if not finite:
        goal_share = 0.0
    elif target.what == "loss":
        goal_share = 1.0 if value < target.goal else target.goal / value
    else:
        goal_share = 1.0 if value >= target.goal else value / target.goal
    goal, within_epochs, within_seconds, finite_key = outcome_keys(target)
    return {goal: _share(goal_share), within_epochs: _share(target.epochs / epochs if epochs else 0.0),
            within_seconds: _share(target.seconds / seconds if seconds > 0 else 1.0),
            finite_key: float(finite)}


def _share(x: float) -> float:
    """``x`` capped at 1 and rounded *down* to 0.001 (a near miss stays below 1)."""
    return 1.0 if x >= 1.0 else math.floor(x * 1000) / 1000


def describe_run(measured: dict[str, float], target: Target) -> str | None:
    """One sentence with the numbers of a run that missed ``target``; ``None`` if it met it all."""
    value, epochs, seconds = measured["value"], measured["epochs"], measured["seconds"]
    what = "training loss" if target.what == "loss" else "test accuracy"
    reached = value < target.goal if target.what == "loss" else value >= target.goal
    if not measured["finite"]:
        return "Your fit returned parameters with NaN or inf in them (did the loss blow up?)"
    if reached and 0 < epochs <= target.epochs and seconds <= target.seconds:
        return None
    goal = f"below {target.goal:g}" if target.what == "loss" else f"at least {target.goal:g}"
    used = "no examples through the backprop it was given" if epochs == 0 else f"{epochs:g} epochs"
    return (f"Your fit reached {what} {value:.4g} (needed: {goal}) using {used} (budget {target.epochs}) "
            f"in {seconds:.2f} s (budget {target.seconds:g} s)")


def apply_overfit(fn: Callable[..., Any], X: np.ndarray, y: np.ndarray, seed: int, *,
                  details: bool = False) -> dict[str, float]:
    """The harness of ``ch05.overfit_tiny_batch``: the training loss of the tiny batch itself."""
    return run_fit(fn, X, y, X, y, seed, target=OVERFIT, loss="softmax", details=details)


def apply_xor(fn: Callable[..., Any], X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
              seed: int, *, details: bool = False) -> dict[str, float]:
    """The harness of ``ch05.fit_xor``: accuracy on fresh XOR points."""
    return run_fit(fn, X, y, X_test, y_test, seed, target=XOR, loss="softmax", details=details)


def apply_digits(fn: Callable[..., Any], X: np.ndarray, y: np.ndarray, X_test: np.ndarray,
                 y_test: np.ndarray, seed: int, *, details: bool = False) -> dict[str, float]:
    """The harness of ``ch05.fit_digits``: accuracy on held-out digits."""
    return run_fit(fn, X, y, X_test, y_test, seed, target=DIGITS, loss="softmax", details=details)
