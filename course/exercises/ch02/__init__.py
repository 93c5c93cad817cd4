"""Chapter 2, the Jacobian: the exercise specs, in the notebook's order.

Every vector is one example, a column of shape ``(n, 1)``. A Jacobian is ``(outputs, inputs)``;
a gradient (and a vector-Jacobian product) has the shape of the thing it is the gradient for.

The specs live in one module per concept; this chapter module only puts them in order:

- :mod:`course.exercises.ch02.finite_differences`: the Jacobian by central differences;
- :mod:`course.exercises.ch02.jacobians`: the exact Jacobians (sigmoid, ``W x + b``, the chain
  rule for ``σ(W x + b)``, softmax);
- :mod:`course.exercises.ch02.normalize`: the Jacobian of ``z / ‖z‖`` (its result is in no text);
- :mod:`course.exercises.ch02.routes`: other routes to each answer (numeric shortcuts, honest variants);
- :mod:`course.exercises.ch02.vjps`: vector-Jacobian products, ``Jᵀ g`` without building ``J``;
- :mod:`course.exercises.ch02.inputs`: the functions and data they are tried on. The notebook
  imports :class:`TanhAffine` and :class:`SinTimesLinear` from here for its demos.
"""
from __future__ import annotations

from course.exercises.ch02.finite_differences import NUMERICAL_JACOBIAN
from course.exercises.ch02.inputs import LinearMap, SinTimesLinear, TanhAffine
from course.exercises.ch02.jacobians import (
    AFFINE_JACOBIAN_WRT_W,
    AFFINE_JACOBIAN_WRT_X,
    SIGMOID_JACOBIAN,
    SIGMOID_LAYER_JACOBIAN,
    SOFTMAX_JACOBIAN,
)
from course.exercises.ch02.normalize import NORMALIZE_JACOBIAN
from course.exercises.ch02.vjps import AFFINE_VJP_WRT_W, AFFINE_VJP_WRT_X, SIGMOID_VJP
from course.exercises.spec import Spec

__all__ = ["SPECS", "TanhAffine", "SinTimesLinear", "LinearMap"]

SPECS: tuple[Spec, ...] = (
    NUMERICAL_JACOBIAN,
    SIGMOID_JACOBIAN,
    AFFINE_JACOBIAN_WRT_X,
    SIGMOID_LAYER_JACOBIAN,
    SOFTMAX_JACOBIAN,
    NORMALIZE_JACOBIAN,
    SIGMOID_VJP,
    AFFINE_VJP_WRT_X,
    AFFINE_JACOBIAN_WRT_W,
    AFFINE_VJP_WRT_W,
)
