"""Chapter 2: the Jacobian of ``y = z / ‖z‖``, a result the chapter's text never writes down.

Every output shares the norm ``‖z‖ = sqrt(Σ_k z_k²)``, so (like the softmax) the function is not
elementwise and its Jacobian is full. The learner derives it entry by entry.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from course.exercises.answer_free import agrees_with_numerical_jacobian, close_to
from course.exercises.ch02.inputs import column
from course.exercises.ch02.routes import SHORTCUTS, VARIANTS
from course.exercises.spec import Bug, Case, Spec

__all__ = ["NORMALIZE_JACOBIAN", "normalize", "normalize_jacobian"]


def normalize(z: Any) -> np.ndarray:
    """``y = z / ‖z‖`` for a column ``z`` (n, 1) with ``‖z‖ > 0``."""
    z = column(z)
    return z / np.linalg.norm(z)


def normalize_jacobian(z: Any) -> np.ndarray:
    """Jacobian of ``y = z / ‖z‖``: ``(I - y yᵀ) / ‖z‖``, an (n, n) symmetric matrix.

    ``∂y_i/∂z_j = δ_ij / r - z_i z_j / r³`` with ``r = ‖z‖``: the first term from the numerator,
    the second from the shared norm (``∂r/∂z_j = z_j / r``).
    """
    z = column(z)
    r = float(np.linalg.norm(z))
    if not r > 0:
        raise ValueError("z: expected a non-zero vector (z / ‖z‖ is undefined at 0)")
    y = z / r
    return (np.eye(z.size) - y @ y.T) / r


def _normalize_case(rng: np.random.Generator) -> Case:
    z = rng.normal(scale=float(rng.uniform(0.5, 3.0)), size=(int(rng.integers(2, 7)), 1))
    return Case((z,), f"z of shape {z.shape}, ‖z‖ = {np.linalg.norm(z):.3g}")


def _norm_constant(z):
    return np.eye(np.size(z)) / np.linalg.norm(z)


def _norm_no_divide(z):
    y = normalize(z)
    return np.eye(y.size) - y @ y.T


def _norm_sign(z):
    return -normalize_jacobian(z)


def _norm_elementwise(z):
    return np.diag(np.diag(normalize_jacobian(z)))


def _sends_z_to_zero(fn: Callable[..., Any]) -> str | None:
    """Moving z along itself does not change the direction: J z = 0."""
    z = np.array([[0.6], [-1.3], [2.0], [0.4]])
    J = np.asarray(fn(z.copy()), dtype=np.float64)
    if J.shape != (4, 4):
        return f"for z of shape (4, 1) the Jacobian should be 4 x 4, got shape {J.shape}"
    problem = close_to(J @ z, np.zeros((4, 1)), rtol=0.0, atol=1e-9)
    if problem is None:
        return None
    return ("scaling z does not change z / ‖z‖, so a step along z itself must change nothing: "
            f"J @ z should be 0, {problem}")


NORMALIZE_JACOBIAN = Spec(
    name="ch02.normalize_jacobian",
    title="Jacobian of y = z / ‖z‖",
    reference=normalize_jacobian,
    make_case=_normalize_case,
    points=2,
    fixed_cases=(Case((np.array([[3.0], [4.0]]),), "z = (3, 4), ‖z‖ = 5"),
                 Case((np.array([[1.0], [0.0], [0.0]]),), "z = (1, 0, 0)")),
    bugs=(
        Bug("treated ‖z‖ as a constant", "The norm depends on every z_j too: differentiate the "
            "denominator as well (quotient or product rule, then the chain rule for the square root).",
            _norm_constant),
        Bug("lost a factor of the norm", "Count the powers of ‖z‖ in each term, and check the size "
            "of your answer when z is doubled (the outputs stay the same, so the slopes halve).",
            _norm_no_divide),
        Bug("sign flipped", "Increasing z_i alone makes y_i bigger when z_i is small: the "
            "diagonal entries are positive.", _norm_sign),
        Bug("treated it as elementwise", "Every output shares the same norm, so every y_i depends on "
            "every z_j: the entries off the diagonal are not 0.", _norm_elementwise),
    ),
    forbidden=(normalize_jacobian,),
    answer_free=(_sends_z_to_zero,
                 agrees_with_numerical_jacobian(normalize, lambda: (np.array([[0.5], [-2.0], [1.0]]),), wrt=0,
                                                call="numerical_jacobian(lambda z: z / np.linalg.norm(z), z)")),
    analytic=True,
    shortcuts=SHORTCUTS["normalize_jacobian"],
    variants=VARIANTS["normalize_jacobian"],
)
