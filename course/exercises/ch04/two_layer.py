"""Chapter 4, the notes' two-layer network: the spec of its gradients, second layer first.

``two_layer_gradients(V, W, X, T) -> (dW, dV)``: hidden ``Yh = tanh(V X)``, output
``O = σ(W Yh)``, no biases, the mean squared error; each of the two gradients is credited on its
own. A fixed case with ``V`` and ``W`` both square lets the bugs that only change numbers there
(a missing transpose, ``X`` where ``Yh`` belongs) be named.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

import numpy as np

from course.exercises.ch04.inputs import NUMERIC, batch
from course.exercises.spec import Bug, Case, Spec
from course.gradcheck import numeric
from course.reference import backprop
from course.reference.functions import sigmoid, sigmoid_prime, tanh_prime
from course.reference.layers import Linear, Sigmoid, Tanh
from course.reference.losses import mse_loss
from course.reference.mlp import MLP

#: the course's pieces of a network's backward pass: calling one scores 0 in both exercises
FORBIDDEN_PARTS = (backprop.linear_backward, backprop.sigmoid_backward, backprop.tanh_backward,
                   backprop.mse_backward, Linear.backward, Sigmoid.backward, MLP.backward, mse_loss,
                   sigmoid_prime, tanh_prime)

__all__ = ["FORBIDDEN_PARTS", "TWO_LAYER_GRADIENTS"]


# ----------------------------------------------------------------------------
# 8. the notes' network: Yh = tanh(V X), O = σ(W Yh)
# ----------------------------------------------------------------------------


def _two_layer_args(rng: np.random.Generator, n: int, h: int, k: int, m: int) -> tuple[np.ndarray, ...]:
    V = rng.normal(scale=1 / np.sqrt(n), size=(h, n))
    W = rng.normal(scale=2 / np.sqrt(h), size=(k, h))
    return V, W, batch(rng, n, m), rng.uniform(0, 1, size=(k, m))


def _two_layer_case(rng: np.random.Generator) -> Case:
    n, h, k = (int(v) for v in rng.integers(1, 6, size=3))
    if len({n, h, k}) == 1:
        h += 1
    m = int(rng.integers(2, 7))
    V, W, X, T = _two_layer_args(rng, n, h, k, m)
    return Case((V, W, X, T), f"V {V.shape}, W {W.shape}, X {X.shape}")


def _two_layer_fixed() -> tuple[Case, ...]:
    rng = np.random.default_rng(48)
    return (Case(_two_layer_args(rng, 3, 3, 3, 4), "V and W both (3, 3), a batch of 4"),
            Case(_two_layer_args(rng, 2, 4, 1, 5), "V (4, 2), W (1, 4), a batch of 5"))


def _tl_parts(V, W, X, T):
    Yh = np.tanh(V @ X)
    O = sigmoid(W @ Yh)
    return Yh, O, (O - T) / X.shape[1]


def _tl_no_output_slope_in_dV(V, W, X, T):
    Yh, O, dO = _tl_parts(V, W, X, T)
    d2 = dO * O * (1 - O)
    return d2 @ Yh.T, ((W.T @ dO) * (1 - Yh**2)) @ X.T


def _tl_slopes_swapped(V, W, X, T):
    Yh, O, dO = _tl_parts(V, W, X, T)
    d2 = dO * (1 - O**2)
    return d2 @ Yh.T, ((W.T @ d2) * Yh * (1 - Yh)) @ X.T


def _tl_no_transpose(V, W, X, T):
    Yh, O, dO = _tl_parts(V, W, X, T)
    d2 = dO * O * (1 - O)
    return d2 @ Yh.T, ((W @ d2) * (1 - Yh**2)) @ X.T


def _tl_dW_from_X(V, W, X, T):
    Yh, O, dO = _tl_parts(V, W, X, T)
    d2 = dO * O * (1 - O)
    return d2 @ X.T, ((W.T @ d2) * (1 - Yh**2)) @ X.T


def _tl_never_divided(V, W, X, T):
    dW, dV = _tl_per_example(V, W, X, T)
    return dW * X.shape[1], dV * X.shape[1]


def _tl_divided_per_layer(V, W, X, T):
    dW, dV = _tl_per_example(V, W, X, T)
    return dW, dV / X.shape[1]


def _tl_slope_at_output(V, W, X, T):
    Yh, O, dO = _tl_parts(V, W, X, T)
    s = sigmoid(O)
    d2 = dO * s * (1 - s)
    return d2 @ Yh.T, ((W.T @ d2) * (1 - Yh**2)) @ X.T


def _tl_per_example(V, W, X, T):
    dW, dV = np.zeros(W.shape), np.zeros(V.shape)
    m = X.shape[1]
    for t in range(m):
        x, target = X[:, t], T[:, t]
        y = np.tanh(V @ x)
        o = 1 / (1 + np.exp(-(W @ y)))
        d2 = (o - target) / m * o * (1 - o)
        dW += np.outer(d2, y)
        dV += np.outer((W.T @ d2) * (1 - y * y), x)
    return dW, dV


def _tl_einsum(V, W, X, T):
    Yh = np.tanh(np.einsum("hn,nm->hm", V, X))
    O = 1 / (1 + np.exp(-np.einsum("kh,hm->km", W, Yh)))
    d2 = (O - T) * O * (1 - O) / X.shape[1]
    d1 = np.einsum("kh,km->hm", W, d2) * (1 - Yh**2)
    return np.einsum("km,hm->kh", d2, Yh), np.einsum("hm,nm->hn", d1, X)


def _tl_cost(V, W, X, T):
    return 0.5 * float(np.sum((sigmoid(W @ np.tanh(V @ X)) - T) ** 2)) / X.shape[1]


def _tl_numerical(V, W, X, T):
    return (numeric.numerical_gradient(lambda W_: _tl_cost(V, W_, X, T), W),
            numeric.numerical_gradient(lambda V_: _tl_cost(V_, W, X, T), V))


def _tl_differences(V, W, X, T, h=1e-6):
    def grad(f, x):
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            up, down = x.copy(), x.copy()
            up[i] += h
            down[i] -= h
            g[i] = (f(up) - f(down)) / (2 * h)
        return g
    return grad(lambda W_: _tl_cost(V, W_, X, T), W), grad(lambda V_: _tl_cost(V_, W, X, T), V)


def _tl_course_layers(V, W, X, T):
    first, second = Linear.from_params(V, np.zeros((V.shape[0], 1))), Linear.from_params(W, np.zeros((W.shape[0], 1)))
    f, g = Tanh(), Sigmoid()
    O = g.forward(second.forward(f.forward(first.forward(X))))
    first.backward(f.backward(second.backward(g.backward(mse_loss(O, T)[1]))))
    return second.dW, first.dW


TWO_LAYER_GRADIENTS = Spec(
    name="ch04.two_layer_gradients",
    title="the notes' two-layer network (first layer V, second layer W): dW, then dV",
    reference=backprop.two_layer_gradients,
    make_case=_two_layer_case,
    points=3.0,
    fixed_cases=_two_layer_fixed(),
    bugs=(
        Bug("dV skips the output's σ'", "The path from V to the cost passes through the output "
            "sigmoid too: what reaches Yh is the gradient at the output's net value.",
            _tl_no_output_slope_in_dV),
        Bug("σ' and tanh' swapped", "Which activation does each layer apply? Its own slope goes "
            "with its own net value.", _tl_slopes_swapped),
        Bug("missing transpose of W", "Going down, each hidden neuron collects from every output "
            "neuron it feeds: which index of W runs over the output neurons?", _tl_no_transpose),
        Bug("dW from X instead of the hidden output", "The second layer's input is Yh, the "
            "hidden layer's output, not the network's input X.", _tl_dW_from_X),
        Bug("never divided by m", "C is the mean over the batch: one factor of one over m, where "
            "the cost is differentiated.", _tl_never_divided),
        Bug("divided by m in each layer", "The cost divided by m once; passing the gradient down "
            "to the first layer adds no second division.", _tl_divided_per_layer),
        Bug("σ' taken at the output instead of the net value", "The slope belongs at the point σ "
            "was applied to, W Yh; O is already σ of it.", _tl_slope_at_output),
    ),
    forbidden=(backprop.two_layer_gradients, *FORBIDDEN_PARTS, *NUMERIC),
    analytic=True,
    shortcuts=(_tl_numerical, _tl_differences, _tl_course_layers),
    variants=(_tl_per_example, _tl_einsum),
)


