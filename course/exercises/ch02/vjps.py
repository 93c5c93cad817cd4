"""Chapter 2, the Jacobian: the specs of the vector-Jacobian products.

Three exercises that backpropagate a gradient ``g = dC/dy`` to the input, ``Jᵀ g``, without
building the Jacobian ``J``: through the elementwise sigmoid, and through ``z = W x + b`` to
``x`` and to ``W``. A gradient has the shape of the thing it is the gradient for. The memory
checks catch an answer that is right but builds the big Jacobian on the way.
:mod:`course.exercises.ch02` lists them in the notebook's order, among the chapter's Jacobians.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

import numpy as np

from course.reference import jacobian, layers
from course.exercises.answer_free import memory_check
from course.exercises.ch02.inputs import affine_data, fixed_affine, layer_shape
from course.exercises.ch02.routes import SHORTCUTS, VARIANTS
from course.exercises.spec import Bug, Case, Spec
from course.reference.functions import sigmoid, sigmoid_prime

__all__ = ["SIGMOID_VJP", "AFFINE_VJP_WRT_X", "AFFINE_VJP_WRT_W"]


# ----------------------------------------------------------------------------
# 6. vector-Jacobian product through the elementwise sigmoid
# ----------------------------------------------------------------------------

_VJP_N = 2000  # the size of the memory check: a 2000 x 2000 Jacobian takes 32 MB


def _sigmoid_vjp_case(rng: np.random.Generator) -> Case:
    n = int(rng.integers(2, 9))
    m = 1 if rng.random() < 0.5 else int(rng.integers(2, 5))
    z = rng.normal(scale=2.0, size=(n, m))
    g = rng.normal(size=(n, m))
    return Case((z, g), f"z and g of shape {z.shape}")


def _svjp_built_J(z, g):
    z = np.asarray(z, dtype=np.float64)
    J = np.diag(sigmoid_prime(z).ravel())
    return (J.T @ np.asarray(g).ravel()).reshape(z.shape)


def _svjp_no_upstream(z, g):
    return sigmoid_prime(z)


def _svjp_sigma(z, g):
    return np.asarray(g) * sigmoid(z)


def _svjp_memory_inputs() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    z = rng.normal(size=(_VJP_N, 1))
    g = rng.normal(size=(_VJP_N, 1))
    return z, g


_SIGMOID_VJP_MEMORY = (memory_check(
    f"Memory: no n x n Jacobian built (n = {_VJP_N}).", _svjp_memory_inputs,
    budget=lambda z, g: 40 * z.nbytes,  # room for a few temporaries; J would be 2000 times z.nbytes
    where=lambda z, g: f"for n = {_VJP_N}", avoided="the n x n Jacobian"),)


def _svjp_z_for_s(z, g):
    z = np.asarray(z, dtype=np.float64)
    return np.asarray(g) * sigmoid(z) * (1 - z)


SIGMOID_VJP = Spec(
    name="ch02.sigmoid_vjp",
    title="Backprop through σ without building its Jacobian",
    reference=jacobian.sigmoid_vjp,
    make_case=_sigmoid_vjp_case,
    points=2,
    fixed_cases=(Case((np.array([[-1.0], [0.0], [2.0]]), np.array([[1.0], [-2.0], [0.5]])), "z = (-1, 0, 2)"),),
    bugs=(
        Bug("built the full Jacobian",
            "The Jacobian of an elementwise function is diagonal: write out one entry of Jᵀ g and see "
            "how many of its n terms can be non-zero.", _svjp_built_J),
        Bug("forgot the upstream gradient",
            "The answer is dC/dz: the gradient g arriving from above has to pass through it.",
            _svjp_no_upstream),
        Bug("σ instead of σ'", "The local factor is the sigmoid's slope at z, not its value.", _svjp_sigma),
        Bug("z in place of the stored value", "Chapter 1 wrote σ' with the sigmoid's output s = σ(z), "
            "not with its input z.", _svjp_z_for_s),
    ),
    forbidden=(jacobian.sigmoid_vjp, layers.Sigmoid.backward),
    cost=_SIGMOID_VJP_MEMORY,              # building J caps the exercise at half its points
    cost_cap=0.5,
    analytic=True,
    shortcuts=SHORTCUTS["sigmoid_vjp"],
    variants=VARIANTS["sigmoid_vjp"],
)


# ----------------------------------------------------------------------------
# 7. vector-Jacobian product through z = W x + b, with respect to x
# ----------------------------------------------------------------------------


def _affine_vjp_case(rng: np.random.Generator) -> Case:
    n_out, n_in = layer_shape(rng)
    W, x, b = affine_data(rng, n_out, n_in)
    g = rng.normal(size=(n_out, 1))
    return Case((W, x, b, g), f"W of shape {W.shape}")


def _affine_vjp_fixed() -> tuple[Case, ...]:
    W, x, b = fixed_affine(3, 3, 14)
    return (Case((W, x, b, np.array([[1.0], [-1.0], [2.0]])), "a square W (3 x 3)"),)


def _avx_J_not_JT(W, x, b, g):
    return np.asarray(W) @ g


def _avx_gave_dW(W, x, b, g):
    return np.asarray(g) @ np.asarray(x).T


AFFINE_VJP_WRT_X = Spec(
    name="ch02.affine_vjp_wrt_x",
    title="Backprop through z = W x + b to x",
    reference=jacobian.affine_vjp_wrt_x,
    make_case=_affine_vjp_case,
    points=1,
    fixed_cases=_affine_vjp_fixed(),
    bugs=(
        Bug("used J instead of its transpose",
            "A vector-Jacobian product goes backwards: g has one entry per output, the answer one "
            "entry per input.", _avx_J_not_JT),
        Bug("returned the gradient for W", "The answer has the shape of x.", _avx_gave_dW),
    ),
    forbidden=(jacobian.affine_vjp_wrt_x, layers.Linear.backward),
    analytic=True,
    shortcuts=SHORTCUTS["affine_vjp_wrt_x"],
    variants=VARIANTS["affine_vjp_wrt_x"],
)


# ----------------------------------------------------------------------------
# 9. vector-Jacobian product through z = W x + b, with respect to W
# ----------------------------------------------------------------------------


def _avW_transposed(W, x, b, g):
    return np.asarray(x) @ np.asarray(g).T


def _avW_built_J(W, x, b, g):
    J = np.kron(np.eye(np.asarray(W).shape[0]), np.asarray(x, dtype=np.float64).reshape(1, -1))
    return (J.T @ np.asarray(g).ravel()).reshape(np.asarray(W).shape)


def _avW_flat(W, x, b, g):
    J = jacobian.affine_jacobian_wrt_W(W, x, b)
    return J.T @ np.asarray(g).ravel()


def _avW_memory_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    W, x, b = affine_data(rng, 150, 200)
    g = rng.normal(size=(150, 1))
    return W, x, b, g


_AFFINE_VJP_W_MEMORY = (memory_check(
    "Memory: the flattened Jacobian is not built (W is 150 x 200).", _avW_memory_inputs,
    budget=lambda W, x, b, g: 8 * W.nbytes,  # the answer is one W; the flattened Jacobian 150 W's
    where=lambda W, x, b, g: f"for W of shape {W.shape}", avoided="the Jacobian"),)


AFFINE_VJP_WRT_W = Spec(
    name="ch02.affine_vjp_wrt_W",
    title="Backprop through z = W x + b to W, without the big Jacobian",
    reference=jacobian.affine_vjp_wrt_W,
    make_case=_affine_vjp_case,
    points=2,
    fixed_cases=_affine_vjp_fixed(),
    bugs=(
        Bug("transposed", "dC/dW has the shape of W: one row per output, one column per input.",
            _avW_transposed),
        Bug("built the flattened Jacobian",
            "Most entries of the flattened Jacobian are zero: write down entry [j, k] of the product "
            "Jᵀ g as a sum over i, and keep only the terms that can be non-zero.", _avW_built_J),
        Bug("not reshaped", "A gradient has the shape of the thing it is the gradient for.", _avW_flat),
    ),
    forbidden=(jacobian.affine_vjp_wrt_W, layers.Linear.backward),
    cost=_AFFINE_VJP_W_MEMORY,
    cost_cap=0.5,
    analytic=True,
    shortcuts=SHORTCUTS["affine_vjp_wrt_W"],
    variants=VARIANTS["affine_vjp_wrt_W"],
)
