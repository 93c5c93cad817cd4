"""Chapter 2, the Jacobian: the specs of the exercises that build a Jacobian matrix.

Five exercises, each an exact Jacobian: of the elementwise sigmoid, of ``z = W x + b`` with
respect to ``x``, of ``y = σ(W x + b)`` (the chain rule as a product of Jacobians), of softmax,
and of ``z = W x + b`` with respect to ``W`` flattened row by row. A Jacobian is
``(outputs, inputs)``. :mod:`course.exercises.ch02` lists them in the notebook's order, with
the finite-difference Jacobian and the vector-Jacobian products.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from course.gradcheck import numeric
from course.reference import functions, jacobian
from course.exercises.answer_free import agrees_with_numerical_jacobian, close_to
from course.exercises.ch02.inputs import affine_data, column, fixed_affine, layer_shape
from course.exercises.ch02.routes import SHORTCUTS, VARIANTS
from course.exercises.spec import Bug, Case, Spec
from course.reference.functions import sigmoid, sigmoid_prime, softmax

__all__ = ["SIGMOID_JACOBIAN", "AFFINE_JACOBIAN_WRT_X", "SIGMOID_LAYER_JACOBIAN", "SOFTMAX_JACOBIAN",
           "AFFINE_JACOBIAN_WRT_W"]


# ----------------------------------------------------------------------------
# inputs shared by the exercises
# ----------------------------------------------------------------------------


def _z_case(rng: np.random.Generator) -> Case:
    z = rng.normal(scale=2.0, size=(int(rng.integers(2, 8)), 1))
    return Case((z,), f"z of shape {z.shape}")


def _affine_case(rng: np.random.Generator) -> Case:
    W, x, b = affine_data(rng, *layer_shape(rng))
    return Case((W, x, b), f"W of shape {W.shape}")


def _affine_fixed() -> tuple[Case, ...]:
    return (Case(fixed_affine(3, 3, 11), "a square W (3 x 3), so a transpose keeps the shape"),)


def _affine(W: np.ndarray, x: np.ndarray, b: np.ndarray) -> np.ndarray:
    return W @ x + b


def _sigmoid_affine(W: np.ndarray, x: np.ndarray, b: np.ndarray) -> np.ndarray:
    return sigmoid(W @ x + b)


# ----------------------------------------------------------------------------
# 2. Jacobian of the elementwise sigmoid
# ----------------------------------------------------------------------------


def _sig_jac_sigma(z):
    return np.diag(sigmoid(z).ravel())


def _sig_jac_z_for_s(z):
    z = np.asarray(z, dtype=np.float64)
    return np.diag((sigmoid(z) * (1 - z)).ravel())


def _sig_jac_dense(z):
    n = np.asarray(z).size
    return sigmoid_prime(z).reshape(n, 1) * np.ones((n, n))


def _sig_jac_diagonal(fn: Callable[..., Any]) -> str | None:
    """Agrees with finite differences, entry by entry (also where i != j)."""
    z = np.array([[-2.0], [0.5], [3.0], [-0.1]])
    J = np.asarray(fn(z.copy()))
    if J.shape == (4, 4) and np.issubdtype(J.dtype, np.number) and np.any(J[~np.eye(4, dtype=bool)] != 0):
        return ("some entries with i != j are not 0: does output i = σ(z_i) change at all when another "
                "input z_j moves?")
    problem = close_to(J, numeric.numerical_jacobian(sigmoid, z))
    return None if problem is None else f"the Jacobian should agree with numerical_jacobian(sigmoid, z): {problem}"


SIGMOID_JACOBIAN = Spec(
    name="ch02.sigmoid_jacobian",
    title="Jacobian of the elementwise sigmoid",
    reference=functions.sigmoid_jacobian,
    make_case=_z_case,
    points=1,
    fixed_cases=(Case((np.array([[-30.0], [0.0], [30.0]]),), "z = (-30, 0, 30): saturated ends"),),
    bugs=(
        Bug("σ instead of σ'", "An entry is a derivative, how fast output i changes with input i: "
            "the sigmoid's slope, not its value.",
            _sig_jac_sigma),
        Bug("a vector, not a matrix",
            "A function from R^n to R^n has an n x n Jacobian: one entry per (output, input) pair.",
            sigmoid_prime),
        Bug("dense instead of diagonal",
            "Output i depends on input i only: what is dσ(z_i)/dz_j when i != j?", _sig_jac_dense),
        Bug("z in place of the stored value",
            "Chapter 1 wrote σ' with the sigmoid's output s = σ(z), not with its input z: compute s "
            "first, then use it in both places.", _sig_jac_z_for_s),
    ),
    forbidden=(functions.sigmoid_jacobian,),
    answer_free=(_sig_jac_diagonal,),
    analytic=True,
    shortcuts=SHORTCUTS["sigmoid_jacobian"],
    variants=VARIANTS["sigmoid_jacobian"],
)


# ----------------------------------------------------------------------------
# 3. Jacobian of z = W x + b with respect to x
# ----------------------------------------------------------------------------


def _aff_x_transposed(W, x, b):
    return np.asarray(W).T.copy()


def _aff_x_used_x(W, x, b):
    return np.tile(np.asarray(x).reshape(1, -1), (np.asarray(W).shape[0], 1))


AFFINE_JACOBIAN_WRT_X = Spec(
    name="ch02.affine_jacobian_wrt_x",
    title="Jacobian of z = W x + b with respect to x",
    reference=jacobian.affine_jacobian_wrt_x,
    make_case=_affine_case,
    points=1,
    fixed_cases=_affine_fixed(),
    bugs=(
        Bug("transposed (inputs x outputs)",
            "Row i is output z_i; write z_i as a sum over k and differentiate it by x_k.",
            _aff_x_transposed),
        Bug("the derivative with respect to W",
            "That is how z changes when W moves; here the question is how z changes when x moves.",
            _aff_x_used_x),
    ),
    forbidden=(jacobian.affine_jacobian_wrt_x,),
    answer_free=(agrees_with_numerical_jacobian(_affine, lambda: fixed_affine(2, 4, 12), wrt=1,
                                                call="numerical_jacobian(lambda x: W @ x + b, x)"),),
    analytic=True,
    shortcuts=SHORTCUTS["affine_jacobian_wrt_x"],
    variants=VARIANTS["affine_jacobian_wrt_x"],
)


# ----------------------------------------------------------------------------
# 4. the chain rule: Jacobian of y = σ(W x + b) with respect to x
# ----------------------------------------------------------------------------


def _layer_wrong_order(W, x, b):
    W = np.asarray(W)
    z = W @ x + b
    return W @ np.diag(sigmoid_prime(z).ravel())


def _layer_forgot_sigma(W, x, b):
    return np.asarray(W).copy()


def _layer_sigma_not_prime(W, x, b):
    W = np.asarray(W)
    return sigmoid(W @ x + b) * W


SIGMOID_LAYER_JACOBIAN = Spec(
    name="ch02.sigmoid_layer_jacobian",
    title="Jacobian of a sigmoid layer y = σ(W x + b), by the chain rule",
    reference=jacobian.sigmoid_layer_jacobian,
    make_case=_affine_case,
    points=2,
    fixed_cases=_affine_fixed(),
    bugs=(
        Bug("product in the wrong order",
            "The Jacobian of the function applied last comes first (on the left); check the shapes "
            "(n_out x n_out) and (n_out x n_in).", _layer_wrong_order),
        Bug("forgot the sigmoid's Jacobian",
            "y = σ(z) is a second step after z = W x + b, with a Jacobian of its own.",
            _layer_forgot_sigma),
        Bug("σ instead of σ'",
            "The sigmoid's Jacobian holds its slopes at z, not its values.", _layer_sigma_not_prime),
    ),
    forbidden=(jacobian.sigmoid_layer_jacobian,),
    answer_free=(agrees_with_numerical_jacobian(_sigmoid_affine, lambda: fixed_affine(2, 4, 13), wrt=1,
                                                call="numerical_jacobian(lambda x: sigmoid(W @ x + b), x)"),),
    analytic=True,
    shortcuts=SHORTCUTS["sigmoid_layer_jacobian"],
    variants=VARIANTS["sigmoid_layer_jacobian"],
)


# ----------------------------------------------------------------------------
# 5. Jacobian of softmax
# ----------------------------------------------------------------------------


def _smx_elementwise(z):
    p = softmax(column(z)).ravel()
    return np.diag(p * (1 - p))


def _smx_sign(z):
    return -functions.softmax_jacobian(z)


def _smx_no_diag(z):
    p = softmax(column(z))
    return -p @ p.T


def _smx_sums(fn: Callable[..., Any]) -> str | None:
    """Rows and columns sum to 0, and the matrix is symmetric."""
    z = np.array([[0.3], [-1.2], [2.0], [0.0], [0.7]])
    J = np.asarray(fn(z.copy()))
    if J.shape != (5, 5) or not np.all(np.isfinite(J)):
        return f"for z of shape (5, 1) the Jacobian should be a finite 5 x 5 matrix, got shape {J.shape}"
    if not np.allclose(J.sum(axis=1), 0.0, atol=1e-9):
        return ("each row should sum to 0 (adding the same number to every z_j leaves softmax unchanged), "
                f"got row sums {np.round(J.sum(axis=1), 4)}")
    if not np.allclose(J.sum(axis=0), 0.0, atol=1e-9):
        return ("each column should sum to 0 (the outputs always add up to 1), "
                f"got column sums {np.round(J.sum(axis=0), 4)}")
    if not np.allclose(J, J.T, atol=1e-12):
        return "the softmax Jacobian should be symmetric: dp_i/dz_j = dp_j/dz_i"
    return None


SOFTMAX_JACOBIAN = Spec(
    name="ch02.softmax_jacobian",
    title="Jacobian of the softmax",
    reference=functions.softmax_jacobian,
    make_case=_z_case,
    points=2,
    fixed_cases=(
        Case((np.array([[1.0], [2.0], [3.0]]),), "z = (1, 2, 3)"),
        Case((np.array([[800.0], [799.0], [0.0]]),), "z = (800, 799, 0): exp(800) overflows unless shifted"),
    ),
    bugs=(
        Bug("treated softmax as elementwise",
            "Every p_i shares the same denominator Σ_k exp(z_k), so it depends on every z_j: the "
            "off-diagonal entries are not 0.", _smx_elementwise),
        Bug("sign flipped",
            "Raising z_i raises p_i: the diagonal entries are positive.", _smx_sign),
        Bug("forgot the diagonal term",
            "Differentiate p_i = exp(z_i) / S by z_j twice: once for j == i and once for j != i.",
            _smx_no_diag),
    ),
    forbidden=(functions.softmax_jacobian,),
    answer_free=(_smx_sums,
                 agrees_with_numerical_jacobian(softmax, lambda: (np.array([[1.0], [-0.5], [0.2]]),), wrt=0,
                                                call="numerical_jacobian(softmax, z)")),
    analytic=True,
    shortcuts=SHORTCUTS["softmax_jacobian"],
    variants=VARIANTS["softmax_jacobian"],
)


# ----------------------------------------------------------------------------
# 8. Jacobian of z = W x + b with respect to W, flattened row by row
# ----------------------------------------------------------------------------


def _awJ_column_major(W, x, b):
    n_out = np.asarray(W).shape[0]
    return np.kron(np.asarray(x, dtype=np.float64).reshape(1, -1), np.eye(n_out))


def _awJ_not_flattened(W, x, b):
    return np.tile(np.asarray(x, dtype=np.float64).reshape(1, -1), (np.asarray(W).shape[0], 1))


def _awJ_transposed(W, x, b):
    return jacobian.affine_jacobian_wrt_W(W, x, b).T


AFFINE_JACOBIAN_WRT_W = Spec(
    name="ch02.affine_jacobian_wrt_W",
    title="Jacobian of z = W x + b with respect to W (flattened row by row)",
    reference=jacobian.affine_jacobian_wrt_W,
    make_case=_affine_case,
    points=2,
    fixed_cases=_affine_fixed(),
    bugs=(
        Bug("flattened W column by column",
            "Row-major order takes a whole row of W, then the next: W[j, k] is entry j * n_in + k.",
            _awJ_column_major),
        Bug("did not flatten W",
            "As a function of the n_out * n_in numbers in W, z has a Jacobian with n_out * n_in columns.",
            _awJ_not_flattened),
        Bug("transposed (inputs x outputs)",
            "One row per output z_i, one column per entry of W.", _awJ_transposed),
    ),
    forbidden=(jacobian.affine_jacobian_wrt_W,),
    answer_free=(agrees_with_numerical_jacobian(
        _affine, lambda: fixed_affine(2, 3, 15), wrt=0,
        call="numerical_jacobian(lambda W: W @ x + b, W), which flattens W row by row",
        doc="Agrees with finite differences (W flattened row by row)."),),
    analytic=True,
    shortcuts=SHORTCUTS["affine_jacobian_wrt_W"],
    variants=VARIANTS["affine_jacobian_wrt_W"],
)
