"""Where a gradient bug is: which layer passes a wrong gradient down, which activation derivative is wrong.

Used by :mod:`course.gradcheck.layer_check` after a check failed:
:func:`name_activation` and :func:`name_untransposed` name a classic bug from
a layer's own backward; :func:`locate` re-checks a model's layers one by one
to find the one whose ``dx`` is wrong, and marks the gradients below it as
inheriting that error.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from course.gradcheck.diagnosis import Diagnosis
from course.gradcheck.diagnosis.activation import diagnose_activation
from course.gradcheck.compare import TensorCheck

__all__ = ["locate", "name_activation", "name_untransposed"]


def name_activation(check: TensorCheck, dx_raw: Any, g: np.ndarray, x: np.ndarray, out: np.ndarray) -> None:
    """Name a classic wrong activation derivative on a failed check of an elementwise layer."""
    if check.mode == "not run":  # dx was unusable (None, a tuple, misshapen): the check already says why
        return
    dx = np.asarray(dx_raw, dtype=np.float64)
    true = None
    if check.numeric is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            true = np.where(g != 0, check.numeric.reshape(x.shape) / g, 0.0)
    found = diagnose_activation(dx, g, x, out, true)
    if found is not None:
        check.diagnosis = found


def name_untransposed(check: TensorCheck, dx_raw: Any, W: np.ndarray, g: np.ndarray) -> None:
    """Name ``dx = W @ dout`` (instead of ``W.T @ dout``) on a failed input check of a linear layer."""
    if check.mode == "not run":  # dx was unusable (None, a tuple, misshapen): the check already says why
        return
    dx = np.asarray(dx_raw, dtype=np.float64)
    if W.ndim == 2 and W.shape[0] == W.shape[1] and g.ndim == 2 and g.shape[0] == W.shape[0]:
        if np.allclose(dx, W @ g, rtol=1e-6, atol=1e-9) and not np.allclose(W, W.T):
            check.diagnosis = Diagnosis("transposed", "dx is W @ dout: the gradient passed down is "
                                                      "da_prev = W.T @ dz, with the transpose.")


def locate(model: Any, X: np.ndarray, checks: list[TensorCheck], *, check_layer: Callable, mode: str,
           rtol: float | None, atol: float, rng: np.random.Generator) -> list[str]:
    """Where in the model the error enters: per-layer checks if it has ``layers``, else a structural hint."""
    layers = getattr(model, "layers", None)
    if isinstance(layers, (list, tuple)) and layers and all(hasattr(layer, "forward") for layer in layers):
        inputs, a = [], X
        for layer in layers:
            inputs.append(np.array(a, dtype=np.float64))
            a = layer.forward(a)
        if np.allclose(a, model.forward(X.copy()), rtol=1e-12, atol=1e-12):
            found, top, any_failed = [], None, False
            for i in reversed(range(len(layers))):
                owned = {c.name.partition(".")[2] for c in checks
                         if not c.passed and c.name.partition(".")[0] == str(i)}
                sub = check_layer(layers[i], inputs[i], mode=mode, rtol=rtol, atol=atol, rng=rng, only=owned)
                any_failed |= not sub.passed
                if "x" in sub.failed:  # passes a wrong gradient down: the model-level causes cannot show this
                    bad = sub.checks[0]
                    cause = f": {bad.diagnosis.message}" if bad.diagnosis is not None else ""
                    found.append(f"checked alone, layers[{i}] ({type(layers[i]).__name__}) passes a wrong "
                                 f"gradient down (dx){cause}")
                    top = i if top is None else top
            if top is not None:
                _blame_upstream(checks, top)
            if any_failed:
                return found[:2]
            return ["every layer passes when checked alone, so the error is in how the model chains them "
                    "(a layer skipped or run twice, gradients overwritten instead of accumulated, wrong order)"]
    groups: dict[str, list[TensorCheck]] = {}  # no layers: a hint from the parameter names
    for c in checks:
        groups.setdefault(c.name.rpartition(".")[0], []).append(c)
    status = [all(not c.passed for c in cs) if any(not c.passed for c in cs) else None for cs in groups.values()]
    names = list(groups)
    for k in range(len(names) - 1):
        if all(s is True for s in status[: k + 1]) and all(s is None for s in status[k + 1:]):
            return [f"all gradients of {', '.join(names[: k + 1])} are wrong but those of "
                    f"{', '.join(names[k + 1:])} (nearer the output) are right: the error enters between "
                    f"{names[k]} and {names[k + 1]} (an activation derivative, or da_prev = W.T @ dz)"]
    return []


def _blame_upstream(checks: list[TensorCheck], top: int) -> None:
    """Failed tensors of layers below ``top`` (names ``"<index>.<name>"``) inherit its error."""
    for c in checks:
        prefix = c.name.partition(".")[0]
        if not c.passed and prefix.isdigit() and int(prefix) < top:
            c.diagnosis = Diagnosis("upstream", f"layers[{top}] above passes a wrong gradient down to it; "
                                                f"fix layers[{top}] first")
