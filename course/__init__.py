"""Backpropagation by hand: the library the course notebooks import.

Everything a learner needs is importable from ``course`` directly::

    from course import Value, gradcheck, check, Linear, Tanh, MLP, make_moons

The reference answers of the chapter exercises live in their own modules
(``course.reference.chain_rule``, ``course.reference.jacobian``) and are not exported here.

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
    "Value": "course.reference.autodiff",
    "topological_order": "course.reference.autodiff",
    # activations (chapters 1-2; their derivatives are exercises, in course.reference)
    "sigmoid": "course.reference.functions",
    "relu": "course.reference.functions",
    "relu_prime": "course.reference.functions",
    "softmax": "course.reference.functions",
    # layers, losses, models, training (chapters 4-5)
    "Layer": "course.reference.layers",
    "Linear": "course.reference.layers",
    "Sigmoid": "course.reference.layers",
    "Tanh": "course.reference.layers",
    "ReLU": "course.reference.layers",
    "mse_loss": "course.reference.losses",
    "softmax_cross_entropy": "course.reference.losses",
    "MLP": "course.reference.mlp",
    "train_per_sample": "course.reference.training",
    "train_minibatch": "course.reference.training",
    "History": "course.reference.history",
    # finite differences and gradient checking
    "default_step": "course.gradcheck.numeric",
    "numerical_derivative": "course.gradcheck.numeric",
    "numerical_gradient": "course.gradcheck.numeric",
    "numerical_jacobian": "course.gradcheck.numeric",
    "one_sided_differences": "course.gradcheck.numeric",
    "gradcheck": "course.gradcheck",
    "gradcheck_layer": "course.gradcheck",
    "gradcheck_model": "course.gradcheck",
    "GradcheckResult": "course.gradcheck",
    "GradcheckError": "course.gradcheck",
    "diagnose": "course.gradcheck.diagnosis",
    "Diagnosis": "course.gradcheck.diagnosis",
    # exercise self-checks
    "check": "course.checking",
    "grade": "course.checking",
    "check_all": "course.checking",
    "CheckReport": "course.checking",
    # datasets (offline)
    "make_xor": "course.data",
    "make_moons": "course.data",
    "make_circles": "course.data",
    "make_spirals": "course.data",
    "load_digits": "course.data",
    "one_hot": "course.data",
    "train_test_split": "course.data",
    # plots (each takes ax=None and returns the Axes)
    "plot_loss": "course.plots",
    "plot_dataset": "course.plots",
    "plot_decision_boundary": "course.plots",
    "plot_step_error": "course.plots",
    "plot_jacobian": "course.plots",
    "plot_grad_norms": "course.plots",
    "plot_digits": "course.plots",
    "plot_graph": "course.plots",
}

__all__ = sorted(_EXPORTS)

# ``gradcheck`` is both a submodule and the function it defines. Importing the submodule binds the
# *module* to ``course.gradcheck``; binding the function here, once, while the package initialises,
# makes ``course.gradcheck`` and ``from course import gradcheck`` always mean the function, whatever
# is imported later. (Costs only numpy, which every other name needs anyway.)
from course.gradcheck import gradcheck  # noqa: E402


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
