"""Divergence detection for the trainers: NaN, inf and overflow become one clear error.

A learning rate that is too large makes the weights grow until numpy overflows; instead of a
history full of ``nan`` the trainers stop with ``FloatingPointError("training diverged in epoch
e (...); try a smaller lr")``.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from course.validation import NonFiniteError

__all__ = ["check_finite", "stop_if_diverged"]


def check_finite(params: dict[str, np.ndarray], loss_value: float) -> None:
    """Raise ``NonFiniteError`` when a parameter or the loss has become NaN or inf."""
    bad = [name for name, p in params.items() if not np.all(np.isfinite(p))]
    if bad:
        raise NonFiniteError(f"parameters {bad} are not finite")
    if not np.isfinite(loss_value):
        raise NonFiniteError(f"the loss is {loss_value}")


@contextmanager
def stop_if_diverged(epoch: int, lr: float) -> Iterator[None]:
    """Turn overflowing numbers inside one epoch into one clear ``FloatingPointError``.

    numpy's overflow and invalid-value warnings are raised as errors in here (at no cost to the
    arithmetic, unlike ``np.errstate``, which slows every small ufunc call down), and so are the
    finiteness checks of the loss after each batch and of the parameters after each epoch; all
    of them say that training diverged.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            yield
    except (NonFiniteError, RuntimeWarning) as exc:
        raise FloatingPointError(
            f"training diverged in epoch {epoch} ({exc}); try a smaller lr (got lr={lr:g})"
        ) from None
