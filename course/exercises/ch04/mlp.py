"""Chapter 4, a whole network: the spec of a sigmoid MLP's backward pass.

``mlp_backward(Ws, bs, X, Y) -> {"dW1": ..., "db1": ..., ...}``: every gradient of a sigmoid MLP
(σ after every layer) with the mean squared error, each parameter credited on its own. A fixed
case with all widths equal lets the bugs that only change numbers there (a missing transpose,
the wrong layer's activations in ``dW``) be named.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

import numpy as np

from course.exercises.answer_free import agrees_with, close_to
from course.exercises.ch04.inputs import batch
from course.exercises.ch04.two_layer import FORBIDDEN_PARTS
from course.exercises.spec import Bug, Case, Spec
from course.gradcheck import numeric
from course.reference import backprop
from course.reference.functions import sigmoid
from course.reference.losses import mse_loss
from course.reference.mlp import MLP

__all__ = ["MLP_BACKWARD"]


# ----------------------------------------------------------------------------
# 9. the backward pass of a sigmoid MLP
# ----------------------------------------------------------------------------


def _mlp_args(rng: np.random.Generator, widths: list[int], m: int) -> tuple:
    Ws = [rng.normal(scale=1.5 / np.sqrt(a), size=(b, a)) for a, b in zip(widths[:-1], widths[1:])]
    bs = [rng.normal(scale=0.5, size=(b, 1)) for b in widths[1:]]
    return Ws, bs, batch(rng, widths[0], m), rng.uniform(0, 1, size=(widths[-1], m))


def _mlp_case(rng: np.random.Generator) -> Case:
    """A random sigmoid MLP of 1 to 4 layers, widths 1 to 5, and a batch.

    No weight matrix is 1 x 1: a transpose of it changes nothing (no bug shows there), and
    through it the backward pass's arrays are scalar multiples of one another, which the
    analytic detector reads as one function evaluated a step apart, flagging even the reference
    (a false positive reported to course/checking).
    """
    L = int(rng.integers(1, 5))
    widths = [int(v) for v in rng.integers(1, 6, size=L + 1)]
    for i in range(1, L + 1):       # no 1 x 1 weight matrix: see the note below
        if widths[i] == widths[i - 1] == 1:
            widths[i] = 2
    if L > 1 and len(set(widths)) == 1:
        widths[0] += 1
    m = int(rng.integers(2, 7))
    return Case(_mlp_args(rng, widths, m), f"{L} layers, widths {widths}, a batch of {m}")


def _mlp_fixed() -> tuple[Case, ...]:
    rng = np.random.default_rng(49)
    return (Case(_mlp_args(rng, [3, 3, 3, 3], 4), "3 layers, all of width 3, a batch of 4"),
            Case(_mlp_args(rng, [2, 4, 1], 5), "2 layers, widths [2, 4, 1], a batch of 5"))


def _mlp_bug(*, slope_at_a=False, hidden_slope=True, sum_db=True, per_layer_m=False,
             dW_from_own_a=False, transpose=True):
    """A backward pass with one (or more) of the classic mistakes switched on."""
    def backward(Ws, bs, X, Y):
        Zs, As = backprop.mlp_forward(Ws, bs, X)
        m, L, grads = X.shape[1], len(Ws), {}
        dA = (As[-1] - Y) / m
        for l in range(L, 0, -1):
            s = sigmoid(As[l] if slope_at_a else Zs[l - 1])
            slope = s * (1 - s)
            dZ = dA * slope if (hidden_slope or l == L) else dA
            grads[f"dW{l}"] = dZ @ (As[l] if dW_from_own_a else As[l - 1]).T
            grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) if sum_db else dZ.copy()
            if per_layer_m and l < L:
                grads[f"dW{l}"], grads[f"db{l}"] = grads[f"dW{l}"] / m, grads[f"db{l}"] / m
            dA = (Ws[l - 1].T if transpose else Ws[l - 1]) @ dZ
        return {key: grads[key] for l in range(1, L + 1) for key in (f"dW{l}", f"db{l}")}
    return backward


def _sigmoid_acts(Ws, bs, A):
    """``[A, a^1, ..., a^L]``: the sigmoid forward pass of the columns ``A``."""
    acts = [A]
    for W, b in zip(Ws, bs):
        acts.append(1 / (1 + np.exp(-(W @ acts[-1] + b))))
    return acts


def _summed_over_examples(Ws, bs, X, Y, example_acts):
    """Every example's backward pass, its gradients added up (``example_acts(t)``: its activations)."""
    m, L = X.shape[1], len(Ws)
    grads = {}
    for l in range(1, L + 1):
        grads[f"dW{l}"], grads[f"db{l}"] = np.zeros(Ws[l - 1].shape), np.zeros(bs[l - 1].shape)
    for t in range(m):
        acts = example_acts(t)
        delta = (acts[-1] - Y[:, t:t + 1]) / m * acts[-1] * (1 - acts[-1])
        for l in range(L, 0, -1):
            grads[f"dW{l}"] += delta @ acts[l - 1].T
            grads[f"db{l}"] += delta
            if l > 1:
                delta = (Ws[l - 1].T @ delta) * acts[l - 1] * (1 - acts[l - 1])
    return grads


def _mlp_per_example(Ws, bs, X, Y):
    """The forward pass for the batch, then every example's gradients added up one at a time."""
    batch_acts = _sigmoid_acts(Ws, bs, X)
    return _summed_over_examples(Ws, bs, X, Y, lambda t: [A[:, t:t + 1] for A in batch_acts])


def _mlp_example_by_example(Ws, bs, X, Y):
    """Forward and backward one example (one column) at a time, summing the gradients.

    After a layer of width 1, two examples' weighted inputs differ by a multiple of a weight
    column: honest, and the analytic detector must not read it as a step along an input.
    """
    return _summed_over_examples(Ws, bs, X, Y, lambda t: _sigmoid_acts(Ws, bs, X[:, t:t + 1]))


def _mlp_recursive(Ws, bs, X, Y):
    m = X.shape[1]

    def down(l, a_prev):            # returns dC/da_prev and fills the gradients of layers >= l
        z = Ws[l] @ a_prev + bs[l]
        a = sigmoid(z)
        dA = (a - Y) / m if l == len(Ws) - 1 else down(l + 1, a)
        dZ = dA * a * (1 - a)
        out[f"dW{l + 1}"], out[f"db{l + 1}"] = dZ @ a_prev.T, np.sum(dZ, axis=1)[:, None]
        return Ws[l].T @ dZ

    out: dict = {}
    down(0, X)
    return out


def _mlp_cost(Ws, bs, X, Y):
    return 0.5 * float(np.sum((backprop.mlp_forward(Ws, bs, X)[1][-1] - Y) ** 2)) / X.shape[1]


def _mlp_numerical(Ws, bs, X, Y):
    out = {}
    for l in range(len(Ws)):
        out[f"dW{l + 1}"] = numeric.numerical_gradient(
            lambda V: _mlp_cost(Ws[:l] + [V] + Ws[l + 1:], bs, X, Y), Ws[l])
        out[f"db{l + 1}"] = numeric.numerical_gradient(
            lambda c: _mlp_cost(Ws, bs[:l] + [c] + bs[l + 1:], X, Y), bs[l])
    return out


def _mlp_jacobian(Ws, bs, X, Y):
    out = {}
    for l in range(len(Ws)):
        out[f"dW{l + 1}"] = numeric.numerical_jacobian(
            lambda V: _mlp_cost(Ws[:l] + [V] + Ws[l + 1:], bs, X, Y), Ws[l]).reshape(Ws[l].shape)
        out[f"db{l + 1}"] = numeric.numerical_jacobian(
            lambda c: _mlp_cost(Ws, bs[:l] + [c] + bs[l + 1:], X, Y), bs[l]).reshape(bs[l].shape)
    return out


def _mlp_course_model(Ws, bs, X, Y):
    widths = [Ws[0].shape[1]] + [W.shape[0] for W in Ws]
    net = MLP(widths, activation="sigmoid", output_activation="sigmoid", rng=np.random.default_rng(0))
    params = net.parameters()
    for l, (W, b) in enumerate(zip(Ws, bs)):
        params[f"{2 * l}.W"][...], params[f"{2 * l}.b"][...] = W, b
    net.backward(mse_loss(net.forward(X), Y)[1])
    grads = net.gradients()
    return {k: grads[f"{2 * l}.{k[1]}"] for l in range(len(Ws)) for k in (f"dW{l + 1}", f"db{l + 1}")}


def _mlp_fd_inputs() -> tuple:
    return _mlp_args(np.random.default_rng(50), [3, 4, 2], 3)


def _mlp_fd_compare(actual, expected):
    if not isinstance(actual, dict) or set(actual) != set(expected):
        return f"expected a dict with keys {sorted(expected)}, got {type(actual).__name__}"
    for key in expected:
        problem = close_to(actual[key], expected[key])
        if problem:
            return f"{key}: {problem}"
    return None


MLP_BACKWARD = Spec(
    name="ch04.mlp_backward",
    title="every gradient of a sigmoid MLP with the mean squared error",
    reference=backprop.mlp_backward,
    make_case=_mlp_case,
    points=3.0,
    fixed_cases=_mlp_fixed(),
    bugs=(
        Bug("missing σ' in the hidden layers", "Every layer applies σ, not only the last: on the "
            "way down, each layer's gradient crosses its own activation too.",
            _mlp_bug(hidden_slope=False)),
        Bug("σ' taken at a instead of at z", "The slope of σ belongs at the point σ was applied "
            "to, the weighted input z of that layer; keep the z's of the forward pass.",
            _mlp_bug(slope_at_a=True)),
        Bug("bias gradient not summed over the batch", "A bias is shared by every example: its "
            "gradient has the shape of b.", _mlp_bug(sum_db=False)),
        Bug("divided by m in every layer", "Only the cost divides by the batch size; the layers "
            "below add up what reaches them.", _mlp_bug(per_layer_m=True)),
        Bug("dW from the layer's own output", "w^l_jk connects neuron k of layer l − 1 to neuron j "
            "of layer l: which activations multiply it in the forward pass?", _mlp_bug(dW_from_own_a=True)),
        Bug("missing transpose going down", "The gradient handed to layer l − 1 has one row per "
            "neuron k of that layer: which index of W runs over the paths from neuron k to the cost?", _mlp_bug(transpose=False)),
    ),
    forbidden=(backprop.mlp_backward, *FORBIDDEN_PARTS),
    analytic=True,
    shortcuts=(_mlp_numerical, _mlp_jacobian, _mlp_course_model),
    variants=(_mlp_per_example, _mlp_example_by_example, _mlp_recursive),
    answer_free=(agrees_with("Agrees with finite differences of the cost",
                             "for widths [3, 4, 2] and a batch of 3, against finite differences",
                             inputs=_mlp_fd_inputs,
                             expected=lambda: _mlp_numerical(*_mlp_fd_inputs()),
                             compare=_mlp_fd_compare),),
)
