"""Chapter 4, the activation layers: the specs of their backward pass ``dZ = ∂C/∂Z``.

``a = f(z)`` entry by entry, so the backward pass receives ``dA`` (the shape of ``Z``) and the
weighted input ``Z`` the forward pass saw, and returns ``dZ``. Named bugs: the local derivative
forgotten, taken at ``a`` instead of at ``z`` (``σ'(σ(z))``), ``Z`` used as if it were ``a``, the
upstream ``dA`` forgotten, and, for ReLU, the mask taken from the wrong array.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from course.gradcheck import numeric
from course.reference import jacobian
from course.exercises.ch04.inputs import batch
from course.exercises.spec import Bug, Case, Spec
from course.reference.functions import relu, relu_prime, sigmoid, sigmoid_prime, tanh_prime
from course.reference.layers import ReLU, Sigmoid, Tanh
from course.reference import backprop

__all__ = ["SIGMOID_BACKWARD", "TANH_BACKWARD", "RELU_BACKWARD"]

_H = 1e-5   # the step of the numeric shortcuts


def _case(rng: np.random.Generator) -> Case:
    n = int(rng.integers(1, 7))
    m = 1 if rng.random() < 0.25 else int(rng.integers(2, 8))
    Z = batch(rng, n, m, scale=2.5)
    dA = batch(rng, n, m)
    return Case((dA, Z), f"dA and Z of shape {Z.shape}")


def _fixed() -> tuple[Case, ...]:
    Z = np.array([[-3.0, -0.5, 0.25], [1.5, 4.0, -2.0]])
    dA = np.array([[1.0, -2.0, 0.5], [0.75, 1.0, -1.5]])
    return (Case((dA, Z), "dA and Z of shape (2, 3), z from -3 to 4"),
            Case((np.array([[-2.0], [1.0], [0.5]]), np.array([[0.5], [-1.0], [2.0]])), "one example, z = (0.5, -1, 2)"))


def _shortcuts(f: Callable[[Any], Any], layer: type) -> tuple[Callable[..., Any], ...]:
    """Three answers that get dZ without differentiating: two numeric spellings, the course's layer."""
    def central_differences(dA, Z):
        return dA * (f(Z + _H) - f(Z - _H)) / (2 * _H)

    def numerical_gradient(dA, Z):
        return numeric.numerical_gradient(lambda V: float(np.sum(dA * f(V))), Z)

    def course_layer(dA, Z):
        lay = layer()
        lay.forward(Z)
        return lay.backward(dA)

    return central_differences, numerical_gradient, course_layer


# ----------------------------------------------------------------------------
# 3. sigmoid
# ----------------------------------------------------------------------------


def _sig_own(z):
    return 1.0 / (1.0 + np.exp(-z))


SIGMOID_BACKWARD = Spec(
    name="ch04.sigmoid_backward",
    title="backward of the sigmoid layer",
    reference=backprop.sigmoid_backward,
    make_case=_case,
    points=1.0,
    fixed_cases=_fixed(),
    bugs=(
        Bug("forgot σ'", "a = σ(z) stands between z and the cost: a small change of z changes a by "
            "its own local slope first.", lambda dA, Z: dA.copy()),
        Bug("σ' taken at a instead of at z", "The slope of σ belongs at the point σ was applied "
            "to, the weighted input z; σ(z) is already the output.",
            lambda dA, Z: dA * sigmoid(sigmoid(Z)) * (1 - sigmoid(sigmoid(Z)))),
        Bug("used Z as if it were a", "The chapter-1 form of σ' is written in terms of the output "
            "s = σ(z), and the function is given z: compute s first.", lambda dA, Z: dA * Z * (1 - Z)),
        Bug("forgot the upstream gradient dA", "The local slope only turns the gradient arriving "
            "from above into the gradient below: multiply by dA.", lambda dA, Z: sigmoid(Z) * (1 - sigmoid(Z))),
    ),
    forbidden=(backprop.sigmoid_backward, sigmoid_prime, Sigmoid.backward, jacobian.sigmoid_vjp),
    analytic=True,
    shortcuts=_shortcuts(sigmoid, Sigmoid),
    variants=(
        lambda dA, Z: dA * np.exp(-Z) / (1.0 + np.exp(-Z)) ** 2,
        lambda dA, Z: dA * _sig_own(Z) * _sig_own(-Z),
        lambda dA, Z: np.multiply(dA, sigmoid(Z) * (1 - sigmoid(Z)), out=np.empty_like(Z)),
    ),
)


# ----------------------------------------------------------------------------
# 4. tanh
# ----------------------------------------------------------------------------


def _tanh_own(z):
    """tanh looked up when called, as notebook code writes it.

    Handing the shortcuts ``np.tanh`` itself would bind numpy's C function before the graded
    call, where the analytic detector does not see it (its documented limit; reported to
    course/checking, and recorded by a strict xfail in tests/test_ch04.py).
    """
    return np.tanh(z)


TANH_BACKWARD = Spec(
    name="ch04.tanh_backward",
    title="backward of the tanh layer",
    reference=backprop.tanh_backward,
    make_case=_case,
    points=1.0,
    fixed_cases=_fixed(),
    bugs=(
        Bug("forgot tanh'", "a = tanh(z) stands between z and the cost: a small change of z "
            "changes a by its own local slope first.", lambda dA, Z: dA.copy()),
        Bug("tanh' taken at a instead of at z", "The slope of tanh belongs at the point tanh was "
            "applied to, the weighted input z.", lambda dA, Z: dA * (1 - np.tanh(np.tanh(Z)) ** 2)),
        Bug("used Z as if it were a", "The chapter-1 form of tanh' is written in terms of the "
            "output t = tanh(z), and the function is given z: compute t first.",
            lambda dA, Z: dA * (1 - Z**2)),
        Bug("forgot to square", "Check the chapter-1 form of tanh' through its own value t.",
            lambda dA, Z: dA * (1 - np.tanh(Z))),
    ),
    forbidden=(backprop.tanh_backward, tanh_prime, Tanh.backward),
    analytic=True,
    shortcuts=_shortcuts(_tanh_own, Tanh),
    variants=(
        lambda dA, Z: dA / np.cosh(Z) ** 2,
        lambda dA, Z: dA * 4.0 / (np.exp(Z) + np.exp(-Z)) ** 2,
        lambda dA, Z: dA - dA * np.tanh(Z) * np.tanh(Z),
    ),
)


# ----------------------------------------------------------------------------
# 5. ReLU
# ----------------------------------------------------------------------------


def _relu_in_place(dA, Z):
    dZ = dA.copy()
    dZ[Z <= 0] = 0.0
    return dZ


RELU_BACKWARD = Spec(
    name="ch04.relu_backward",
    title="backward of the ReLU layer",
    reference=backprop.relu_backward,
    make_case=_case,
    points=1.0,
    fixed_cases=_fixed(),
    bugs=(
        Bug("mask from the wrong array", "Whether a gradient passes depends on what the neuron did "
            "in the forward pass, which the incoming gradient does not know.", lambda dA, Z: dA * (dA > 0)),
        Bug("multiplied by relu(z), not by its slope", "The factor is the local slope of ReLU at z, "
            "not its value.", lambda dA, Z: dA * relu(Z)),
        Bug("forgot the ReLU's slope", "Where the neuron was off in the forward pass, a small change "
            "of z does not reach a at all.", lambda dA, Z: dA.copy()),
    ),
    forbidden=(backprop.relu_backward, relu_prime, ReLU.backward),
    analytic=True,
    shortcuts=_shortcuts(relu, ReLU),
    variants=(
        lambda dA, Z: np.where(Z > 0, dA, 0.0),
        _relu_in_place,
        lambda dA, Z: dA * np.heaviside(Z, 0.0),
    ),
)
