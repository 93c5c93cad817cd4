"""What counts as a *step* of a finite difference: one size in every entry, and a round size.

:mod:`course.checking.nearby` reads evaluations of the learner's functions; a perturbation of
an input (or the difference of two evaluation points) is a *step* when its nonzero entries have
one size (:func:`step_sizes`), and a *round* one when that size is one a person or a numeric code
picks (:func:`is_round`): ``r·10⁻ᵏ`` (``r`` in 1, 2.5, 5; ``k ≥ 3``), ``2⁻ᵏ``, ``√eps``, ``eps^⅓``,
``eps^¼``, or twice one (the spacing of ``x - h`` and ``x + h``). Sizes are compared up to the
rounding of ``x + h`` (:func:`same_step`).

Nothing above ``1e-2`` is round (``5e-3`` doubled is the largest): a central difference with a
larger step misses the exercises' ``rtol = 1e-6`` on a curved function, while a program's
constants (``x + 0.1``, ``0.9 x``) make honest values exactly that far apart.
"""
from __future__ import annotations

import numpy as np

__all__ = ["TAU", "EXACT", "SAME", "SCALAR_SAME", "ROUND_STEPS", "step_sizes", "is_round", "same_step"]

TAU = 1e-2            # largest step, relative to an input's scale, that counts as a perturbation
EPS = float(np.finfo(np.float64).eps)
EXACT = 8 * EPS       # differences below EXACT * scale are rounding: the point is the input itself
SAME = 1e-3           # relative spread of the step sizes in one array that counts as "one size"
SCALAR_SAME = 1e-6    # the same between evaluations at single points (rounding of x + h aside)
ROUND_STEPS = tuple([r * 10.0 ** -k for k in range(3, 13) for r in (1.0, 2.5, 5.0)]
                    + [2.0 ** -k for k in range(7, 41)] + [EPS ** 0.5, EPS ** (1 / 3), EPS ** 0.25])


def step_sizes(d: np.ndarray, x: np.ndarray, scale: float) -> list[float]:
    """The step's size in each sense in which every nonzero entry of ``d`` has one size.

    The senses: ``|d_i|``, ``|d_i| / max(1, |x_i|)``, ``|d_i| / (1 + |x_i|)``, ``|d_i| / |x_i|``
    (absolute, and relative steps as numeric codes choose them). ``[]`` when there is none.
    A relative size above ``TAU`` is no perturbation (``0.9 x`` is not ``x`` moved by a step of
    ``0.1``), so it is left out; the caller bounds the absolute size itself.
    """
    mask = np.abs(d) > EXACT * scale
    mags = np.abs(d[mask])
    xs = np.abs(x[mask])
    out = []
    if mags.size:
        for k, sizes in enumerate((mags, mags / np.maximum(1.0, xs), mags / (1.0 + xs),
                                   mags / np.where(xs > 0, xs, np.nan))):
            if (np.isfinite(sizes).all() and sizes.max() - sizes.min() <= SAME * sizes.max()
                    and (k == 0 or sizes.max() <= TAU)):
                out.append(float(sizes.max()))
    return out


def is_round(size: float, scale: float, doubled: bool = True) -> bool:
    """Is ``size`` a step a person or a numeric code picks (``1e-6``, ``5e-6``, ``2⁻²⁰``, ``√eps``), or twice one?"""
    return any(same_step(size, r, scale) or (doubled and same_step(size, 2 * r, scale)) for r in ROUND_STEPS)


def same_step(a: float, b: float, scale: float) -> bool:
    """Two steps of one size: equal but for the rounding of ``x + h`` (points of size ``scale``)."""
    return a != 0 and abs(a - b) <= SCALAR_SAME * abs(a) + EXACT * scale
