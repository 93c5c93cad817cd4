"""Chapter 4, vector backprop for MLP layers: the exercise specs, in the notebook's order.

The specs live in one module per concept; this chapter module only puts them in order:

- :mod:`course.exercises.ch04.linear`: the linear layer, forward and backward;
- :mod:`course.exercises.ch04.activations`: the backward of sigmoid, tanh and ReLU layers;
- :mod:`course.exercises.ch04.losses`: where backprop starts, the gradients of MSE and of
  softmax + cross-entropy;
- :mod:`course.exercises.ch04.two_layer`: the notes' two-layer network with weights V and W;
- :mod:`course.exercises.ch04.mlp`: the backward pass of a whole sigmoid MLP;
- :mod:`course.exercises.ch04.inputs`: the batches they are tried on.
"""
from __future__ import annotations

from course.exercises.ch04.activations import RELU_BACKWARD, SIGMOID_BACKWARD, TANH_BACKWARD
from course.exercises.ch04.linear import LINEAR_BACKWARD, LINEAR_FORWARD
from course.exercises.ch04.losses import MSE_BACKWARD, SOFTMAX_CROSS_ENTROPY_BACKWARD
from course.exercises.ch04.mlp import MLP_BACKWARD
from course.exercises.ch04.two_layer import TWO_LAYER_GRADIENTS
from course.exercises.spec import Spec

__all__ = ["SPECS"]

SPECS: tuple[Spec, ...] = (
    LINEAR_FORWARD,
    MSE_BACKWARD,
    SIGMOID_BACKWARD,
    TANH_BACKWARD,
    RELU_BACKWARD,
    LINEAR_BACKWARD,
    SOFTMAX_CROSS_ENTROPY_BACKWARD,
    TWO_LAYER_GRADIENTS,
    MLP_BACKWARD,
)
