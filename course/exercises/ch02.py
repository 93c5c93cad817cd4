"""Chapter 2, the Jacobian: the exercise specs.

Every vector is one example, a column of shape ``(n, 1)``. A Jacobian is ``(outputs, inputs)``;
a gradient (and a vector-Jacobian product) has the shape of the thing it is the gradient for.

The functions handed to ``finite_difference_jacobian`` are small callable classes defined at
module level (not lambdas), so a case is plain data that can be copied and pickled.
"""
from __future__ import annotations

import tracemalloc
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from course import functions, jacobian, layers, numeric
from course.exercises.spec import Bug, Case, Spec
from course.functions import sigmoid, sigmoid_prime, softmax

__all__ = ["SPECS", "TanhAffine", "SinTimesLinear", "LinearMap"]


# ----------------------------------------------------------------------------
# functions R^n -> R^m used as inputs of the finite-difference exercise
# ----------------------------------------------------------------------------


def _column(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64).reshape(-1, 1)


@dataclass(frozen=True, eq=False)
class TanhAffine:
    """``x -> tanh(W x + b)``, from R^n_in to R^n_out; takes and returns columns."""

    W: np.ndarray
    b: np.ndarray

    def __call__(self, x: Any) -> np.ndarray:
        return np.tanh(self.W @ _column(x) + self.b)

    def __repr__(self) -> str:
        n_out, n_in = self.W.shape
        return f"<x -> tanh(W x + b), R^{n_in} -> R^{n_out}>"


@dataclass(frozen=True, eq=False)
class SinTimesLinear:
    """``x -> sin(A x) * (B x)`` elementwise, from R^n to R^m; takes and returns columns."""

    A: np.ndarray
    B: np.ndarray

    def __call__(self, x: Any) -> np.ndarray:
        x = _column(x)
        return np.sin(self.A @ x) * (self.B @ x)

    def __repr__(self) -> str:
        m, n = self.A.shape
        return f"<x -> sin(A x) * (B x), R^{n} -> R^{m}>"


@dataclass(frozen=True, eq=False)
class LinearMap:
    """``x -> A x``, whose Jacobian is exactly ``A``; takes and returns columns."""

    A: np.ndarray

    def __call__(self, x: Any) -> np.ndarray:
        return self.A @ _column(x)

    def __repr__(self) -> str:
        m, n = self.A.shape
        return f"<x -> A x, R^{n} -> R^{m}>"


# ----------------------------------------------------------------------------
# helpers for cases and answer-free checks
# ----------------------------------------------------------------------------


def _sizes(rng: np.random.Generator, low: int = 2, high: int = 6) -> tuple[int, int]:
    """(n_out, n_in) with n_out != n_in, so a transposed answer has the wrong shape."""
    n_in = int(rng.integers(low, high + 1))
    n_out = int(rng.integers(low, high))
    if n_out >= n_in:
        n_out += 1
    return n_out, n_in


def _affine_data(rng: np.random.Generator, n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W = rng.normal(size=(n_out, n_in))
    x = rng.normal(size=(n_in, 1))
    b = rng.normal(size=(n_out, 1))
    return W, x, b


def _fixed_affine(n_out: int, n_in: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return _affine_data(np.random.default_rng(seed), n_out, n_in)


def _mismatch(what: str, actual: Any, expected: np.ndarray, rtol: float = 1e-5, atol: float = 1e-7) -> str | None:
    """A message when ``actual`` is not an array like ``expected``; None when it is close."""
    arr = np.asarray(actual)
    if arr.shape != expected.shape:
        return f"{what}: expected shape {expected.shape}, got shape {arr.shape}"
    if not np.issubdtype(arr.dtype, np.number) or not np.all(np.isfinite(arr)):
        return f"{what}: expected finite numbers, got {arr.dtype} with NaN/inf or non-numbers"
    if not np.allclose(arr, expected, rtol=rtol, atol=atol):
        err = float(np.max(np.abs(arr - expected)))
        return f"{what}: largest difference {err:.3g} (should be below {atol + rtol * np.max(np.abs(expected)):.1g})"
    return None


def _peak_bytes(fn: Callable[..., Any], *args: Any) -> int:
    """Peak memory allocated (bytes, as traced by tracemalloc, NumPy included) while ``fn(*args)`` runs."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        fn(*args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return max(0, peak - before)


# ----------------------------------------------------------------------------
# 1. finite-difference Jacobian
# ----------------------------------------------------------------------------

_H = 1e-4  # the step every case uses: big enough that a forward difference is visibly worse


def _fd_reference(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float) -> np.ndarray:
    return numeric.numerical_jacobian(f, x, h=h)


def _fd_case(rng: np.random.Generator) -> Case:
    n_out, n_in = _sizes(rng)
    if rng.random() < 0.5:
        f: Any = TanhAffine(rng.normal(size=(n_out, n_in)), rng.normal(size=(n_out, 1)))
    else:
        f = SinTimesLinear(rng.normal(size=(n_out, n_in)), rng.normal(size=(n_out, n_in)))
    x = rng.normal(size=(n_in, 1))
    return Case((f, x, _H), f"{f!r} at a random x, h = {_H:g}")


def _fd_fixed() -> tuple[Case, ...]:
    rng = np.random.default_rng(2020)
    square = SinTimesLinear(rng.normal(size=(3, 3)), rng.normal(size=(3, 3)))
    to_scalar = TanhAffine(rng.normal(size=(1, 4)), rng.normal(size=(1, 1)))
    from_scalar = TanhAffine(rng.normal(size=(3, 1)), rng.normal(size=(3, 1)))
    return (
        Case((square, rng.normal(size=(3, 1)), _H), f"{square!r}: square, so a transpose keeps the shape"),
        Case((to_scalar, rng.normal(size=(4, 1)), _H), f"{to_scalar!r}: one output, J is a 1 x 4 row"),
        Case((from_scalar, rng.normal(size=(1, 1)), _H), f"{from_scalar!r}: one input, J is a 3 x 1 column"),
    )


def _fd_transposed(f, x, h):
    return _fd_reference(f, x, h).T


def _fd_forward(f, x, h):
    x = np.asarray(x, dtype=np.float64)
    y0 = np.asarray(f(x)).ravel()
    J = np.empty((y0.size, x.size))
    for j in range(x.size):
        xp = x.copy()
        xp.flat[j] += h
        J[:, j] = (np.asarray(f(xp)).ravel() - y0) / h
    return J


def _fd_over_h(f, x, h):
    return 2.0 * _fd_reference(f, x, h)


def _fd_linear_map_is_exact(fn: Callable[..., Any]) -> str | None:
    """The Jacobian of a linear map x -> A x is A."""
    A = np.random.default_rng(7).normal(size=(2, 5))
    got = fn(LinearMap(A), np.linspace(-1.0, 1.0, 5).reshape(5, 1), _H)
    return _mismatch("the Jacobian of x -> A x (A is 2 x 5) should be A itself", got, A)


NUMERICAL_JACOBIAN = Spec(
    name="ch02.numerical_jacobian",
    title="Jacobian by central differences, shape (outputs, inputs)",
    reference=_fd_reference,
    make_case=_fd_case,
    points=2,
    fixed_cases=_fd_fixed(),
    bugs=(
        Bug("transposed (inputs x outputs)",
            "Row i of the Jacobian belongs to output i and column j to input j: the shape is "
            "(number of outputs, number of inputs).", _fd_transposed),
        Bug("forward difference",
            "(f(x + h e_j) - f(x)) / h is off by about h/2 times the second derivative; the central "
            "difference steps to both sides.", _fd_forward),
        Bug("divided by h instead of 2h",
            "The two points x + h e_j and x - h e_j are 2h apart.", _fd_over_h),
    ),
    forbidden=(numeric.numerical_jacobian, numeric.numerical_gradient),
    answer_free=(_fd_linear_map_is_exact,),
)


# ----------------------------------------------------------------------------
# 2. Jacobian of the elementwise sigmoid
# ----------------------------------------------------------------------------


def _column_case(rng: np.random.Generator, scale: float = 2.0) -> np.ndarray:
    return rng.normal(scale=scale, size=(int(rng.integers(2, 8)), 1))


def _sigmoid_jacobian_case(rng: np.random.Generator) -> Case:
    z = _column_case(rng)
    return Case((z,), f"z of shape {z.shape}")


def _sig_jac_sigma(z):
    return np.diag(sigmoid(z).ravel())


def _sig_jac_vector(z):
    return sigmoid_prime(z)


def _sig_jac_dense(z):
    n = np.asarray(z).size
    return sigmoid_prime(z).reshape(n, 1) * np.ones((n, n))


def _sig_jac_diagonal(fn: Callable[..., Any]) -> str | None:
    """Diagonal, and agrees with finite differences."""
    z = np.array([[-2.0], [0.5], [3.0], [-0.1]])
    J = np.asarray(fn(z.copy()))
    if J.shape == (4, 4) and np.issubdtype(J.dtype, np.number) and np.any(J[~np.eye(4, dtype=bool)] != 0):
        return ("an elementwise function has a diagonal Jacobian: output i depends on input i only, "
                "so every entry off the diagonal should be exactly 0")
    return _mismatch("the Jacobian should agree with numerical_jacobian(sigmoid, z)", J,
                     numeric.numerical_jacobian(sigmoid, z))


SIGMOID_JACOBIAN = Spec(
    name="ch02.sigmoid_jacobian",
    title="Jacobian of the elementwise sigmoid: diag(σ'(z))",
    reference=functions.sigmoid_jacobian,
    make_case=_sigmoid_jacobian_case,
    points=1,
    fixed_cases=(Case((np.array([[-30.0], [0.0], [30.0]]),), "z = (-30, 0, 30): saturated ends"),),
    bugs=(
        Bug("σ instead of σ'", "The diagonal holds the derivative of the sigmoid, not its value.",
            _sig_jac_sigma),
        Bug("a vector, not a matrix",
            "A function from R^n to R^n has an n x n Jacobian; the derivatives go on its diagonal.",
            _sig_jac_vector),
        Bug("dense instead of diagonal",
            "Output i depends on input i only, so dσ(z_i)/dz_j is 0 whenever i != j.", _sig_jac_dense),
    ),
    forbidden=(functions.sigmoid_jacobian,),
    answer_free=(_sig_jac_diagonal,),
)


# ----------------------------------------------------------------------------
# 3. Jacobian of z = W x + b with respect to x
# ----------------------------------------------------------------------------


def _affine_case(rng: np.random.Generator) -> Case:
    W, x, b = _affine_data(rng, *_sizes(rng))
    return Case((W, x, b), f"W of shape {W.shape}")


def _affine_fixed() -> tuple[Case, ...]:
    return (Case(_fixed_affine(3, 3, 11), "a square W (3 x 3), so a transpose keeps the shape"),)


def _aff_x_transposed(W, x, b):
    return np.asarray(W).T.copy()


def _aff_x_used_x(W, x, b):
    return np.tile(np.asarray(x).reshape(1, -1), (np.asarray(W).shape[0], 1))


def _aff_x_numeric(fn: Callable[..., Any]) -> str | None:
    """Agrees with finite differences."""
    W, x, b = _fixed_affine(2, 4, 12)
    J = fn(W.copy(), x.copy(), b.copy())
    return _mismatch("the Jacobian should agree with numerical_jacobian(lambda x: W @ x + b, x)", J,
                     numeric.numerical_jacobian(lambda v: W @ _column(v) + b, x))


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
            "dz_i/dW_ik is x_k; here the question is how z changes when x moves.", _aff_x_used_x),
    ),
    forbidden=(jacobian.affine_jacobian_wrt_x,),
    answer_free=(_aff_x_numeric,),
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


def _layer_numeric(fn: Callable[..., Any]) -> str | None:
    """Agrees with finite differences."""
    W, x, b = _fixed_affine(2, 4, 13)
    J = fn(W.copy(), x.copy(), b.copy())
    return _mismatch("the Jacobian should agree with numerical_jacobian(lambda x: sigmoid(W @ x + b), x)", J,
                     numeric.numerical_jacobian(lambda v: sigmoid(W @ _column(v) + b), x))


SIGMOID_LAYER_JACOBIAN = Spec(
    name="ch02.sigmoid_layer_jacobian",
    title="Chain rule as a product of Jacobians: y = σ(W x + b)",
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
            "The sigmoid's Jacobian holds its derivative σ'(z), not σ(z).", _layer_sigma_not_prime),
    ),
    forbidden=(jacobian.sigmoid_layer_jacobian,),
    answer_free=(_layer_numeric,),
)


# ----------------------------------------------------------------------------
# 5. Jacobian of softmax
# ----------------------------------------------------------------------------


def _softmax_case(rng: np.random.Generator) -> Case:
    z = _column_case(rng)
    return Case((z,), f"z of shape {z.shape}")


def _smx_elementwise(z):
    p = softmax(np.asarray(z, dtype=np.float64).reshape(-1, 1)).ravel()
    return np.diag(p * (1 - p))


def _smx_sign(z):
    return -functions.softmax_jacobian(z)


def _smx_no_diag(z):
    p = softmax(np.asarray(z, dtype=np.float64).reshape(-1, 1))
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


def _smx_numeric(fn: Callable[..., Any]) -> str | None:
    """Agrees with finite differences."""
    z = np.array([[1.0], [-0.5], [0.2]])
    return _mismatch("the Jacobian should agree with numerical_jacobian(softmax, z)", fn(z.copy()),
                     numeric.numerical_jacobian(softmax, z))


SOFTMAX_JACOBIAN = Spec(
    name="ch02.softmax_jacobian",
    title="Jacobian of softmax: a full matrix",
    reference=functions.softmax_jacobian,
    make_case=_softmax_case,
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
    answer_free=(_smx_sums, _smx_numeric),
)


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


def _svjp_memory(fn: Callable[..., Any]) -> str | None:
    """Memory: no n x n Jacobian built (n = 2000)."""
    rng = np.random.default_rng(3)
    z = rng.normal(size=(_VJP_N, 1))
    g = rng.normal(size=(_VJP_N, 1))
    limit = 40 * z.nbytes  # room for a few temporaries; J would be 2000 times z.nbytes
    peak = _peak_bytes(fn, z, g)
    if peak > limit:
        return (f"for n = {_VJP_N} your function allocated {peak / 1e6:.1f} MB at its peak; "
                f"without building the n x n Jacobian it needs well under {limit / 1e6:.1f} MB")
    return None


SIGMOID_VJP = Spec(
    name="ch02.sigmoid_vjp",
    title="Backprop through σ without building its Jacobian",
    reference=jacobian.sigmoid_vjp,
    make_case=_sigmoid_vjp_case,
    points=2,
    fixed_cases=(Case((np.array([[-1.0], [0.0], [2.0]]), np.array([[1.0], [-2.0], [0.5]])), "z = (-1, 0, 2)"),),
    bugs=(
        Bug("built the full Jacobian",
            "The Jacobian of an elementwise function is diagonal; multiplying by a diagonal matrix is "
            "an elementwise product, n operations instead of n^2.", _svjp_built_J),
        Bug("forgot the upstream gradient",
            "The chain rule multiplies the local derivative by the gradient g arriving from above.",
            _svjp_no_upstream),
        Bug("σ instead of σ'", "The local derivative is σ'(z), not σ(z).", _svjp_sigma),
    ),
    forbidden=(jacobian.sigmoid_vjp, layers.Sigmoid.backward),
    answer_free=(_svjp_memory,),
)


# ----------------------------------------------------------------------------
# 7. vector-Jacobian product through z = W x + b, with respect to x
# ----------------------------------------------------------------------------


def _affine_vjp_case(rng: np.random.Generator) -> Case:
    n_out, n_in = _sizes(rng)
    W, x, b = _affine_data(rng, n_out, n_in)
    g = rng.normal(size=(n_out, 1))
    return Case((W, x, b, g), f"W of shape {W.shape}")


def _affine_vjp_fixed() -> tuple[Case, ...]:
    W, x, b = _fixed_affine(3, 3, 14)
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


def _awJ_numeric(fn: Callable[..., Any]) -> str | None:
    """Agrees with finite differences (W flattened row by row)."""
    W, x, b = _fixed_affine(2, 3, 15)
    J = fn(W.copy(), x.copy(), b.copy())
    return _mismatch("the Jacobian should agree with numerical_jacobian(lambda W: W @ x + b, W), "
                     "which flattens W row by row", J,
                     numeric.numerical_jacobian(lambda V: np.reshape(V, W.shape) @ x + b, W))


AFFINE_JACOBIAN_WRT_W = Spec(
    name="ch02.affine_jacobian_wrt_W",
    title="Jacobian of z = W x + b with respect to W (flattened row by row)",
    reference=jacobian.affine_jacobian_wrt_W,
    make_case=_affine_case,
    points=2,
    fixed_cases=_affine_fixed(),
    bugs=(
        Bug("flattened W column by column",
            "Row-major order puts W[j, k] at position j * n_in + k: a whole row of W, then the next.",
            _awJ_column_major),
        Bug("did not flatten W",
            "As a function of the n_out * n_in numbers in W, z has a Jacobian with n_out * n_in columns.",
            _awJ_not_flattened),
        Bug("transposed (inputs x outputs)",
            "One row per output z_i, one column per entry of W.", _awJ_transposed),
    ),
    forbidden=(jacobian.affine_jacobian_wrt_W,),
    answer_free=(_awJ_numeric,),
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


def _avW_memory(fn: Callable[..., Any]) -> str | None:
    """Memory: the flattened Jacobian is not built (W is 150 x 200)."""
    rng = np.random.default_rng(4)
    W, x, b = _affine_data(rng, 150, 200)
    g = rng.normal(size=(150, 1))
    limit = 8 * W.nbytes  # the answer itself is one W; the flattened Jacobian would be 150 W's
    peak = _peak_bytes(fn, W, x, b, g)
    if peak > limit:
        return (f"for W of shape {W.shape} your function allocated {peak / 1e6:.1f} MB at its peak; "
                f"without building the Jacobian it needs well under {limit / 1e6:.1f} MB")
    return None


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
            "Each row of the flattened Jacobian is zero except for one copy of xᵀ; write down entry "
            "[j, k] of the product instead of building the matrix.", _avW_built_J),
        Bug("not reshaped", "A gradient has the shape of the thing it is the gradient for.", _avW_flat),
    ),
    forbidden=(jacobian.affine_vjp_wrt_W, layers.Linear.backward),
    answer_free=(_avW_memory,),
)


SPECS: tuple[Spec, ...] = (
    NUMERICAL_JACOBIAN,
    SIGMOID_JACOBIAN,
    AFFINE_JACOBIAN_WRT_X,
    SIGMOID_LAYER_JACOBIAN,
    SOFTMAX_JACOBIAN,
    SIGMOID_VJP,
    AFFINE_VJP_WRT_X,
    AFFINE_JACOBIAN_WRT_W,
    AFFINE_VJP_WRT_W,
)
