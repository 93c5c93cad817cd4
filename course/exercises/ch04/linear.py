"""Chapter 4, the linear layer: the specs of its forward and backward pass.

``Z = W A_prev + b`` for a batch (examples are columns), and its backward: the gradient handed
down, ``dA_prev``, and the parameter gradients ``dW`` and ``db``, credited separately. The bugs
are the classics: a missing transpose, the bias gradient not summed over the batch, a division by
``m`` that belongs to the loss, a sign, and a per-example loop that overwrites ``dW`` instead of
adding to it.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

import numpy as np

from course.gradcheck import numeric
from course.reference import jacobian
from course.exercises.ch04.inputs import NUMERIC, batch, sizes, square_sizes
from course.exercises.spec import Bug, Case, Spec
from course.reference.layers import Linear
from course.reference import backprop

__all__ = ["LINEAR_FORWARD", "LINEAR_BACKWARD"]


# ----------------------------------------------------------------------------
# 1. forward: Z = W A_prev + b
# ----------------------------------------------------------------------------


def _forward_args(rng: np.random.Generator, j: int, k: int, m: int) -> tuple[np.ndarray, ...]:
    return rng.normal(size=(j, k)), rng.normal(size=(j, 1)), batch(rng, k, m)


def _forward_case(rng: np.random.Generator) -> Case:
    j, k, m = sizes(rng)
    W, b, A = _forward_args(rng, j, k, m)
    return Case((W, b, A), f"W {W.shape}, b {b.shape}, A_prev {A.shape}")


def _forward_fixed() -> tuple[Case, ...]:
    rng = np.random.default_rng(40)
    W, b, A = _forward_args(rng, *square_sizes())
    w1, b1, a1 = _forward_args(rng, 2, 3, 1)
    return (Case((W, b, A), "a square layer, W (3, 3), a batch of 4"),
            Case((w1, b1, a1), "one example: W (2, 3), A_prev (3, 1)"))


def _fw_no_bias(W, b, A_prev):
    return W @ A_prev


def _fw_transposed(W, b, A_prev):
    return W.T @ A_prev + b


def _fw_bias_first_example(W, b, A_prev):
    Z = W @ A_prev
    Z[:, :1] += b
    return Z


def _fw_loops(W, b, A_prev):
    j, k = W.shape
    Z = np.zeros((j, A_prev.shape[1]))
    for t in range(A_prev.shape[1]):
        for row in range(j):
            Z[row, t] = b[row, 0] + sum(W[row, col] * A_prev[col, t] for col in range(k))
    return Z


def _fw_einsum(W, b, A_prev):
    return np.einsum("jk,km->jm", W, A_prev) + b


def _fw_in_place(W, b, A_prev):
    Z = np.dot(W, A_prev)
    Z += np.tile(b, (1, A_prev.shape[1]))
    return Z


def _fw_course_layer(W, b, A_prev):
    return Linear.from_params(W, b).forward(A_prev)


LINEAR_FORWARD = Spec(
    name="ch04.linear_forward",
    title="the weighted input Z of a batch",
    reference=backprop.linear_forward,
    make_case=_forward_case,
    points=1.0,
    fixed_cases=_forward_fixed(),
    bugs=(
        Bug("forgot the bias", "Each neuron j adds its own bias b_j to its weighted sum.", _fw_no_bias),
        Bug("transposed W", "Row j of W holds the weights into neuron j (w_jk, from neuron k): "
            "which index of W runs along A_prev's rows?", _fw_transposed),
        Bug("bias added to the first example only", "Every column of A_prev is an example of its "
            "own, and each of them gets the bias.", _fw_bias_first_example),
    ),
    forbidden=(backprop.linear_forward, Linear.forward),
    shortcuts=(_fw_course_layer,),
    variants=(_fw_loops, _fw_einsum, _fw_in_place),
)


# ----------------------------------------------------------------------------
# 6. backward: (dA_prev, dW, db)
# ----------------------------------------------------------------------------


def _backward_args(rng: np.random.Generator, j: int, k: int, m: int) -> tuple[np.ndarray, ...]:
    return batch(rng, j, m), batch(rng, k, m), rng.normal(size=(j, k))


def _backward_case(rng: np.random.Generator) -> Case:
    j, k, m = sizes(rng)
    if m == 1:
        m = int(rng.integers(2, 7))     # the bias gradient's sum over the batch needs a batch
    dZ, A, W = _backward_args(rng, j, k, m)
    return Case((dZ, A, W), f"dZ {dZ.shape}, A_prev {A.shape}, W {W.shape}")


def _backward_fixed() -> tuple[Case, ...]:
    rng = np.random.default_rng(41)
    return (Case(_backward_args(rng, *square_sizes()), "a square layer, W (3, 3), a batch of 4"),
            Case(_backward_args(rng, 2, 3, 1), "one example: W (2, 3), m = 1"))


def _bw_no_transpose(dZ, A_prev, W):
    return W @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)


def _bw_dW_transposed(dZ, A_prev, W):
    return W.T @ dZ, A_prev @ dZ.T, dZ.sum(axis=1, keepdims=True)


def _bw_db_not_summed(dZ, A_prev, W):
    return W.T @ dZ, dZ @ A_prev.T, dZ.copy()


def _bw_db_wrong_axis(dZ, A_prev, W):
    return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=0, keepdims=True)


def _bw_divided_by_m(dZ, A_prev, W):
    m = dZ.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, dZ.sum(axis=1, keepdims=True) / m


def _bw_sign(dZ, A_prev, W):
    return W.T @ dZ, -(dZ @ A_prev.T), -dZ.sum(axis=1, keepdims=True)


def _bw_overwritten(dZ, A_prev, W):
    for t in range(dZ.shape[1]):        # one example at a time, but "=" where "+=" belongs
        dW = dZ[:, t:t + 1] @ A_prev[:, t:t + 1].T
        db = dZ[:, t:t + 1].copy()
    return W.T @ dZ, dW, db


def _bw_loops(dZ, A_prev, W):
    j, k = W.shape
    dA, dW, db = np.zeros(A_prev.shape), np.zeros(W.shape), np.zeros((j, 1))
    for t in range(dZ.shape[1]):
        for row in range(j):
            db[row, 0] += dZ[row, t]
            for col in range(k):
                dW[row, col] += dZ[row, t] * A_prev[col, t]
                dA[col, t] += W[row, col] * dZ[row, t]
    return dA, dW, db


def _bw_einsum(dZ, A_prev, W):
    return (np.einsum("jk,jm->km", W, dZ), np.einsum("jm,km->jk", dZ, A_prev),
            np.einsum("jm->j", dZ)[:, None])


def _bw_per_example(dZ, A_prev, W):
    dW, db = np.zeros(W.shape), np.zeros((W.shape[0], 1))
    for t in range(dZ.shape[1]):
        dW += np.outer(dZ[:, t], A_prev[:, t])
        db += dZ[:, t:t + 1]
    return np.dot(W.T, dZ), dW, db


def _bw_numerical_gradient(dZ, A_prev, W):
    b = np.zeros((W.shape[0], 1))
    phi_A = lambda A: float(np.sum(dZ * (W @ A + b)))
    phi_W = lambda V: float(np.sum(dZ * (V @ A_prev + b)))
    phi_b = lambda c: float(np.sum(dZ * (W @ A_prev + c)))
    return (numeric.numerical_gradient(phi_A, A_prev), numeric.numerical_gradient(phi_W, W),
            numeric.numerical_gradient(phi_b, b))


def _bw_numerical_jacobian(dZ, A_prev, W):
    b = np.zeros((W.shape[0], 1))
    g = dZ.reshape(-1)
    J_A = numeric.numerical_jacobian(lambda A: W @ A + b, A_prev)       # (j*m, k*m)
    J_W = numeric.numerical_jacobian(lambda V: V @ A_prev + b, W)
    J_b = numeric.numerical_jacobian(lambda c: W @ A_prev + c, b)
    return ((J_A.T @ g).reshape(A_prev.shape), (J_W.T @ g).reshape(W.shape), (J_b.T @ g).reshape(b.shape))


def _bw_course_layer(dZ, A_prev, W):
    layer = Linear.from_params(W, np.zeros((W.shape[0], 1)))
    layer.forward(A_prev)
    dA = layer.backward(dZ)
    return dA, layer.dW, layer.db


LINEAR_BACKWARD = Spec(
    name="ch04.linear_backward",
    title="backward of the linear layer: the gradient handed down, and dW, db",
    reference=backprop.linear_backward,
    make_case=_backward_case,
    points=3.0,
    fixed_cases=_backward_fixed(),
    bugs=(
        Bug("missing transpose in dA_prev", "dA_prev has one row per neuron k of the layer below, and "
            "a_k reaches the cost through every z_j it feeds: which index of W does that sum run over?", _bw_no_transpose),
        Bug("dW transposed", "A gradient has the shape of its variable: dW is (j, k) like W.",
            _bw_dW_transposed),
        Bug("bias gradient not summed over the batch", "b is one column shared by every example: "
            "each example's contribution to db adds up, so db has the shape of b.", _bw_db_not_summed),
        Bug("bias gradient summed over the wrong axis", "Examples are columns: the sum runs over "
            "the examples, and db keeps one entry per neuron.", _bw_db_wrong_axis),
        Bug("divided by m in the layer", "The cost already divided by m when it made dZ; a layer "
            "only adds up the examples' contributions.", _bw_divided_by_m),
        Bug("sign flipped in dW and db", "Both are ∂C/∂(parameter): a small change in w_jk changes "
            "z_j by a_k times that change, with a plus sign.", _bw_sign),
        Bug("dW and db overwritten in the loop over examples", "Every example contributes to dW "
            "and db: add each contribution to what is already there (+=) instead of replacing it.",
            _bw_overwritten),
    ),
    forbidden=(backprop.linear_backward, Linear.backward, jacobian.affine_vjp_wrt_x,
               jacobian.affine_vjp_wrt_W, *NUMERIC),
    analytic=True,
    shortcuts=(_bw_numerical_gradient, _bw_numerical_jacobian, _bw_course_layer),
    variants=(_bw_loops, _bw_einsum, _bw_per_example),
)
