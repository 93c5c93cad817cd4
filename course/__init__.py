"""Backpropagation by hand: the library the course notebooks import.

Everything a learner needs is importable from ``course`` directly::

    from course import Value, gradcheck, check, Linear, Tanh, MLP, load_moons

Names are loaded lazily (PEP 562), so ``import course`` is cheap and has no
side effects: no seeding, no rcParams, no prints.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # scalar reverse-mode engine (chapter 3)
    "Value": "course.autodiff",
    "topological_order": "course.autodiff",
    # reference derivatives and Jacobians (chapters 1-2)
    "sigmoid": "course.functions",
    "sigmoid_prime": "course.functions",
    "tanh_prime": "course.functions",
    "softmax": "course.functions",
    # layers, losses, models, training (chapters 4-5)
    "Linear": "course.layers",
    "Sigmoid": "course.layers",
    "Tanh": "course.layers",
    "ReLU": "course.layers",
    "mse_loss": "course.losses",
    "softmax_cross_entropy": "course.losses",
    "MLP": "course.mlp",
    "train_per_sample": "course.training",
    "train_minibatch": "course.training",
    "History": "course.training",
    # finite differences and gradient checking
    "numerical_derivative": "course.numeric",
    "numerical_gradient": "course.numeric",
    "numerical_jacobian": "course.numeric",
    "gradcheck": "course.gradcheck",
    "gradcheck_layer": "course.gradcheck",
    "gradcheck_model": "course.gradcheck",
    "GradcheckResult": "course.gradcheck",
    "GradcheckError": "course.gradcheck",
    # exercise self-checks
    "check": "course.checking",
    # datasets
    "make_xor": "course.data",
    "make_moons": "course.data",
    "make_circles": "course.data",
    "make_spirals": "course.data",
    "load_digits": "course.data",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'course' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
