"""Name a wrong activation derivative from an elementwise layer's backward.

For an elementwise activation ``a = f(z)`` the backward pass is
``dz = da * f'(z)``, so the *local derivative the learner used* can be read
off entry by entry as ``dz / da``. :func:`diagnose_activation` compares it
with the classic mistakes:

==========================  ===============================================
local derivative used       mistake
==========================  ===============================================
``1``                       ``f'(z)`` missing: ``da`` passed through
``z * (1 - z)``             sigmoid' written with ``z`` instead of ``s``
``1 - tanh(z)``             tanh' = ``1 - tanh(z)``, square missing
``1 - z**2``                tanh' applied to ``z`` instead of ``tanh(z)``
``f(z)``                    multiplied by ``f(z)`` instead of ``f'(z)``
``(da > 0)``                ReLU mask taken from ``da`` instead of ``z``
``(z < 0)``, ``(z <= 0)``   ReLU mask inverted
``f'(z)**2``                ``f'(z)`` applied twice (needs the true ``f'``)
==========================  ===============================================
"""
from __future__ import annotations

import numpy as np

from course.gradcheck.diagnosis.finding import Diagnosis

__all__ = ["diagnose_activation"]


def diagnose_activation(
    dz: np.ndarray,
    da: np.ndarray,
    z: np.ndarray,
    a: np.ndarray,
    true_derivative: np.ndarray | None = None,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> Diagnosis | None:
    """Which wrong local derivative turns ``da`` into ``dz``, if a classic one does.

    Parameters
    ----------
    dz : (n, m) ndarray
        What the layer's backward returned.
    da : (n, m) ndarray
        The upstream gradient it was given.
    z, a : (n, m) ndarray
        The layer's input and output (``a = f(z)``).
    true_derivative : (n, m) ndarray, optional
        ``f'(z)`` measured numerically, if known (enables "applied twice").
    rtol, atol : float
        Tolerances of the match.

    Returns
    -------
    Diagnosis or None
        ``Diagnosis("activation", ...)`` naming the mistake, or ``None``.
    """
    dz, da, z, a = (np.asarray(v, dtype=np.float64) for v in (dz, da, z, a))
    if not (dz.shape == da.shape == z.shape == a.shape) or dz.size == 0:
        return None
    use = np.abs(da) > 1e-8 * max(float(np.abs(da).max()), 1e-300)
    if use.sum() < 2:
        return None
    used = dz[use] / da[use]
    candidates = [
        (np.ones_like(z), "returns da unchanged: the activation derivative is missing (dz = da * f'(z))"),
        (z * (1 - z), "uses z * (1 - z): the sigmoid derivative is s * (1 - s) with s = sigmoid(z), not z"),
        (1 - np.tanh(z), "uses 1 - tanh(z): the tanh derivative is 1 - tanh(z)**2"),
        (1 - z**2, "uses 1 - z**2: the tanh derivative is 1 - tanh(z)**2, applied to tanh(z), not to z"),
        (a, "multiplies by f(z), the activation itself, instead of its derivative f'(z)"),
        ((da > 0).astype(float), "takes the ReLU mask from da (da > 0); it must come from the input: (z > 0)"),
        ((z < 0).astype(float), "uses the inverted ReLU mask (z < 0); relu'(z) is 1 where z > 0, else 0"),
        ((z <= 0).astype(float), "uses the inverted ReLU mask (z <= 0); relu'(z) is 1 where z > 0, else 0"),
    ]
    if true_derivative is not None:
        fp = np.asarray(true_derivative, dtype=np.float64)
        if fp.shape == z.shape:
            candidates.append((fp**2, "multiplies by f'(z) twice (e.g. once in the activation and once "
                                      "again in the layer below)"))
    for values, text in candidates:
        if np.allclose(used, values[use], rtol=rtol, atol=atol):
            return Diagnosis("activation", f"The backward pass {text}.")
    return None
