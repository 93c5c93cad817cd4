"""The measuring engine behind :mod:`course.gradcheck`.

A *probe* is one tensor to check: its values ``x``, an analytic Jacobian ``J``
of some output ``y(x)`` (``(1, x.size)`` for a scalar loss, i.e. the gradient),
and a way to evaluate ``y`` at any other ``x``. The engine compares the two
sides along *columns*: a direction ``v`` and a step ``t`` give

    analytic slope   a = J @ (x+ - x-) / (2 t)
    numeric slope    c = (y(x+) - y(x-)) / (2 t)        x+- = x +- t v (as stored)

Using the points as actually stored (after rounding to the tensor's dtype)
makes the comparison exact up to the finite-difference error itself.

An output passes when ``|a - c| <= atol + rtol * scale + noise``, where
``scale`` is ``max(|a|, |c|)`` for a single entry (exhaustive mode) and
``||g|| max(1/sqrt(n), 1e-2)`` for a random unit direction (directional mode:
relative to the whole gradient, so one wrong entry among many still shows,
and never to ``|<g, v>|``, which can be unluckily small), and ``noise``
bounds the rounding in the evaluations (``64 eps |y| / t``) and in the
analytic product (``64 eps_J |J| |x+ - x-| / (2t)``); a single entry is also allowed
``16 eps_J max|J|``, the rounding of the tensor's scale (a float32 derivative computed with
cancellation, such as ``2 t (1 - t**2)`` at ``t = tanh(7)``, is exact only to that).

A column that fails is looked at more closely, at steps ``t/4`` and ``t/16``:
it passes if a smaller step (or a Richardson extrapolation of two steps)
agrees, which removes truncation error and a kink that the larger step
crossed; and it passes *as a kink* if the one-sided slopes
``(y(x) - y(x-))/t`` and ``(y(x+) - y(x))/t`` differ by a real jump and the
analytic slope lies between them (a valid subgradient: relu at 0, |x| at 0,
max with ties). Kinks exactly at ``x`` are recorded even when the central
difference happens to agree.

A column that passes only thanks to the allowance for the rounding of ``f``
(``|a - c| > atol + rtol * G + noise_J``, ``G`` the gradient's own scale in
the column: ``max(scale, ref * max|x+ - x-| / (2t))``) is *rounded*: ``f``'s
values are so large compared with its changes over a step (``1e10 + sum(v**2)``)
that a wrong gradient could pass as well as a right one. The tensor's verdict is
then "cannot tell" (:attr:`TensorCheck.cannot_tell`), never "passed".

This module holds the comparison (``judge``); the entry-by-entry check is in
:mod:`course.gradcheck.exhaustive`, random directions and bisection in
:mod:`course.gradcheck.directional`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["Probe", "Entry", "Kink", "TensorCheck", "judge", "wrong_entry", "entry_index"]

NOISE_ULPS = 64.0      # rounding allowance, in units of eps, per evaluation
SCALE_ULPS = 16.0      # and per analytic entry, in units of eps of the tensor's largest entry
_LEVELS = 3             # steps t, t/4, t/16 for every disagreeing column
_MAX_LEVELS = 12        # and down to t/4**11 while a column's values have not converged
JUMP = 1e-3            # a slope jump larger than this (relative) is a kink
_BRACKET = 0.05         # slack when testing a value against [left, right]


@dataclass(kw_only=True)
class Probe:
    """One tensor to check.

    Attributes
    ----------
    name : str
        Shown in the report.
    base : ndarray
        float64 values at the check point, the tensor's shape.
    analytic : (n_out, base.size) ndarray
        The analytic Jacobian (a gradient is one row).
    evaluate : callable
        ``evaluate(values) -> (n_out,) float64``, ``values`` shaped like ``base``.
    store : numpy dtype
        The dtype the tensor is stored in (perturbed points are rounded to it).
    eps_numeric, eps_analytic : float
        Machine epsilon of the evaluations and of the analytic values.
    f0 : (n_out,) ndarray
        ``evaluate(base)``.
    entry : callable, optional
        ``entry(j, value)``: ``evaluate`` with flat entry ``j`` set to ``value`` (a fast path).
    value_scale : float or (n_out,) ndarray
        The function's values per entry of ``x`` and per unit of ``x`` (see :meth:`analytic_scale`).
    """

    name: str
    base: np.ndarray
    analytic: np.ndarray
    evaluate: Callable[[np.ndarray], np.ndarray]
    store: np.dtype
    eps_numeric: float
    eps_analytic: float
    f0: np.ndarray
    calls: list[int] = field(default_factory=lambda: [0])
    entry: Callable[[int, float], np.ndarray] | None = None
    value_scale: np.ndarray | float = 0.0
    _abs: np.ndarray | None = field(default=None, repr=False)

    def abs_analytic(self) -> np.ndarray:
        """``|analytic|``, computed once."""
        if self._abs is None:
            self._abs = np.abs(self.analytic)
        return self._abs

    def analytic_scale(self) -> np.ndarray:
        """The scale at which the analytic values are rounded, per output row.

        ``max |analytic|`` over the row, or ``value_scale`` if larger: a derivative computed
        with cancellation (``1 - tanh(x)**2`` near ``tanh(x) = 1``) is rounded at the scale of
        its intermediate values, which the function's own values per entry of ``x`` estimate.
        """
        top = self.abs_analytic().max(axis=1) if self.analytic.size else np.zeros(self.analytic.shape[0])
        return np.maximum(top, self.value_scale)

    def at_entry(self) -> Callable[[int, float], np.ndarray]:
        """``(j, value) -> evaluate(base with flat entry j set to value)``, counting the calls.

        Uses ``entry`` when the probe has one (a live parameter set in place, no copies);
        otherwise one working copy of ``base`` is changed and restored entry by entry.
        """
        calls = self.calls
        if self.entry is not None:
            entry = self.entry

            def at(j: int, value: float) -> np.ndarray:
                calls[0] += 1
                return entry(j, value)
            return at
        work, flat_base, evaluate = self.base.copy(), self.base.ravel(), self.evaluate
        flat = work.reshape(-1)

        def at(j: int, value: float) -> np.ndarray:
            calls[0] += 1
            flat[j] = value
            try:
                return evaluate(work)
            finally:
                flat[j] = flat_base[j]
        return at

    def __call__(self, values: np.ndarray) -> np.ndarray:
        self.calls[0] += 1
        return self.evaluate(values)


@dataclass(frozen=True, kw_only=True)
class Entry:
    """A wrong entry: ``index`` into the tensor (or ``(output, input)`` of a Jacobian)."""

    index: tuple[int, ...]
    analytic: float
    numeric: float
    error: float  # plain relative error |a - n| / max(|a|, |n|)


@dataclass(frozen=True, kw_only=True)
class Kink:
    """An entry or direction where ``f`` has a kink; the analytic value lies between the sides."""

    index: tuple[int, ...] | None   # None for a random direction
    analytic: float
    left: float
    right: float


@dataclass
class TensorCheck:
    """The outcome for one tensor."""

    name: str
    shape: tuple[int, ...]
    mode: str
    passed: bool = True
    evaluations: int = 0
    max_error: float = 0.0          # worst relative error seen
    entries: list[Entry] = field(default_factory=list)
    n_wrong: int | None = 0          # None: not counted (directional mode)
    kinks: list[Kink] = field(default_factory=list)
    localised: bool = True
    complete: bool = False                  # directional: the bisection searched every entry
    numeric: np.ndarray | None = None       # exhaustive: full numeric Jacobian
    wrong: np.ndarray | None = None         # exhaustive: which entries of it are wrong (bool, its shape)
    projections: list[tuple[float, float, np.ndarray]] = field(default_factory=list)  # (a, c, w), a = <g, w>
    diagnosis: object = None
    note: str = ""
    kinks_resolved: bool = True             # directional: the kinks its directions crossed were separated
    cannot_tell: bool = False               # no disagreement, but only thanks to f's rounding allowance,
    unsure_why: str = "rounding"            # or ("kinks") directions crossed more kinks than could be separated
    blur: float = 0.0                       # f's rounding allowance over the gradient's scale, where it decided

    @property
    def verdict(self) -> str:
        """``"failed"`` (an entry or direction disagrees), ``"cannot tell"`` or ``"passed"``.

        ``passed`` is ``True`` for "cannot tell" too (no entry was found wrong): "cannot tell" means the
        rounding of ``f`` at its scale is too large for the comparison to show a wrong gradient, or
        (``unsure_why == "kinks"``) that random directions crossed more kinks than bisection could separate.
        """
        if not self.passed:
            return "failed"
        return "cannot tell" if self.cannot_tell else "passed"


@dataclass
class _Verdict:
    ok: np.ndarray       # (n_out,) bool: passed (possibly as a kink)
    kink: np.ndarray     # (n_out,) bool
    a: np.ndarray
    c: np.ndarray        # best numeric slope
    unit: np.ndarray     # (n_out,) (d_k . v) / (2 t_k v . v) of the level that gave c: c / unit is the slope per unit of v
    left: np.ndarray     # one-sided slopes of the last level, like c
    right: np.ndarray
    side_unit: float     # the unit of the last level: left / side_unit is per unit of v
    error: np.ndarray    # |a - c| / scale at the level that decided (0 at a kink)
    d: np.ndarray        # x+ - x- of the first level (flat)
    rounded: np.ndarray  # (n_out,) bool: passed only thanks to the allowance for f's rounding
    blur: np.ndarray     # (n_out,) that allowance over the gradient's scale G, at the level that decided


def _measure(p: Probe, v: np.ndarray, t: float, support: np.ndarray | None):
    xp, xm = p.base + t * v, p.base - t * v
    if p.store != np.float64:  # the points as the tensor can store them
        xp, xm = xp.astype(p.store).astype(np.float64), xm.astype(p.store).astype(np.float64)
    d = (xp - xm).ravel()
    fp, fm = p(xp), p(xm)
    if support is None:
        jd = p.analytic @ d
        jd_abs = p.abs_analytic() @ np.abs(d)
    else:
        jd = p.analytic[:, support] @ d[support]
        jd_abs = np.abs(p.analytic[:, support]) @ np.abs(d[support])
    a, c = jd / (2 * t), (fp - fm) / (2 * t)
    left, right = (p.f0 - fm) / t, (fp - p.f0) / t
    rounding = p.eps_analytic * jd_abs
    if support is not None and support.size == 1:  # one entry: rounding at the tensor's scale too
        rounding = rounding + p.eps_analytic * SCALE_ULPS / NOISE_ULPS * p.analytic_scale() * np.abs(d[support])
    noise_f = NOISE_ULPS * p.eps_numeric * (np.abs(fp) + np.abs(fm) + np.abs(p.f0)) / (2 * t)
    noise_j = NOISE_ULPS * rounding / (2 * t)
    return a, c, left, right, noise_f, noise_j, d


def judge(p: Probe, v: np.ndarray, t0: float, *, scale_of: Callable, ref: np.ndarray,
           rtol: float, atol: float, support: np.ndarray | None = None) -> _Verdict:
    """Compare analytic and numeric slopes along ``v``; look closer where they disagree.

    Level ``k`` uses the step ``t0 / 4**k``. A column is looked at again while
    its central difference disagrees, or while the one-sided slopes differ by
    a large jump (``> 1e-3 * ref``) whose sides have settled (see below): a kink
    exactly at ``x``, recorded even if the central difference happens to agree.

    The first three levels accept a central difference or a Richardson
    extrapolation ``(16 c_k - c_{k-1}) / 15`` that agrees. A function whose own
    length scale is far below the step (``sin(x / 1e-6)``: the step
    ``cbrt(eps) max(1, |x|)`` knows only the scale of ``x``) is followed to
    smaller steps, at most ``_MAX_LEVELS``, while the rounding noise of the
    smaller step stays below the tolerance; from the fourth level on, a value
    is accepted only once it has *converged* (two successive extrapolations
    agree within the tolerance), so a slope that merely passes by the analytic
    value on its way cannot vouch for it. After the last level, a column that
    still disagrees passes as a kink if its one-sided slopes differ by more
    than the noise and have *settled*: at this level and the one before, each
    side changed by at most a quarter of their difference (plus the tolerance).
    A kink's sides converge to two different values; a smooth function's sides
    move by 1.5 times their difference per level (both tend to ``f'``); those
    of a function oscillating faster than the step (``sin(x / 1e-7)``) jump
    about. The analytic slope must lie between the sides.

    A column is *rounded* when the value that passed it is within the tolerance only thanks to
    the allowance for ``f``'s rounding, ``|a - c| > atol + rtol G + noise_J`` with ``G`` the
    gradient's scale (see the module docstring): then the check cannot tell.
    """
    ok = persist = rounded = blur = None
    prev_c = prev_r = prev_left = prev_right = None
    was_close = True
    vv = float(v.ravel() @ v.ravel())
    k = 0
    while True:
        t = t0 / 4.0**k
        a, c, left, right, noise_f, noise_j, d = _measure(p, v, t, support)
        noise = noise_f + noise_j
        scale = scale_of(a, c, d, t)
        tol = atol + rtol * scale + noise
        # the gradient's own scale in this column, and the tolerance without f's rounding
        grad_scale = np.maximum(scale, ref * (np.abs(d).max(initial=0.0) / (2 * t)))
        tight = atol + rtol * grad_scale + noise_j
        jump = np.abs(right - left)
        rich = None if prev_c is None else (16.0 * c - prev_c) / 15.0
        if k < _LEVELS:
            ok_k = np.abs(a - c) <= tol
            clean_k = np.abs(a - c) <= tight
            if rich is not None:
                ok_k |= np.abs(a - rich) <= tol
                clean_k |= np.abs(a - rich) <= tight
        else:  # deeper levels: only a converged value counts
            ok_k = (np.abs(a - c) <= tol) & (np.abs(c - prev_c) <= tol)
            ok_k |= (np.abs(a - rich) <= tol) & (np.abs(rich - prev_r) <= tol)
            clean_k = (np.abs(a - c) <= tight) & (np.abs(c - prev_c) <= tight)
            clean_k |= (np.abs(a - rich) <= tight) & (np.abs(rich - prev_r) <= tight)
        blur_k = noise_f / np.maximum(grad_scale, 1e-300)
        # relative error, with the absolute allowances expressed on the same scale (<= rtol iff it passes)
        err_k = np.abs(a - c) / np.maximum(scale + (atol + noise) / max(rtol, 1e-300), 1e-300)
        large = jump > JUMP * ref + tol
        # a kink's one-sided slopes converge; those of a function whose length scale is below the
        # step (sin(x / 1e-7)) jump about from level to level, by as much as they differ
        # (at this level and the one before, so that sides which agree once by chance do not count)
        close = True if prev_left is None else (
            (np.abs(left - prev_left) <= 0.25 * jump + tol) & (np.abs(right - prev_right) <= 0.25 * jump + tol))
        settled, was_close = close & was_close, close
        # the step actually taken, over the one asked for (x +- t v is rounded to what x can store)
        unit_k = float(d @ v.ravel()) / (2 * t * vv)
        if k == 0:
            first_a, first_d = a, d
            ok, best, err, persist, unit = ok_k, c, err_k, large, np.full(c.shape, unit_k)
            rounded, blur = ok_k & ~clean_k, blur_k
        else:
            best = np.where(ok, best, c)
            unit = np.where(ok, unit, unit_k)
            err = np.where(ok, err, err_k)
            rounded = np.where(ok, rounded, ok_k & ~clean_k)
            blur = np.where(ok, blur, blur_k)
            ok = ok | ok_k
            if k < _LEVELS:
                persist = persist & large & settled
        steady = (jump > 2 * tol) & settled
        prev_c, prev_r, prev_left, prev_right = c, rich, left, right
        k += 1
        if k < _LEVELS:
            if not (~ok | persist).any():
                break
            continue
        # past the first levels: go on only for values still unsettled, while a smaller step is informative
        unsettled = ~ok & ~steady & (noise * 4.0 < 0.5 * rtol * scale)
        if k >= _MAX_LEVELS or not unsettled.any():
            break
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    slack = tol + _BRACKET * jump
    in_bracket = ~ok & steady & (a >= lo - slack) & (a <= hi + slack)
    kink = (persist & (k > 1) & ok) | in_bracket
    return _Verdict(ok=ok | in_bracket, kink=kink, a=first_a, c=best, unit=unit, left=left, right=right,
                    side_unit=unit_k, error=np.where(kink, 0.0, err), d=first_d, rounded=ok & rounded & ~kink, blur=blur)


def wrong_entry(index: tuple[int, ...], analytic: float, numeric: float) -> Entry:
    """A wrong entry with its plain relative error ``|a - n| / max(|a|, |n|)``."""
    a, n = float(analytic), float(numeric)
    return Entry(index=index, analytic=a, numeric=n, error=abs(a - n) / max(abs(a), abs(n), 1e-300))


def entry_index(p: Probe, i: int, j: int) -> tuple[int, ...]:
    """Index of analytic entry (i, j): into the tensor for a gradient, (output, input) for a Jacobian."""
    if p.analytic.shape[0] == 1:
        return tuple(int(k) for k in np.unravel_index(j, p.base.shape)) if p.base.ndim else ()
    return (int(i), int(j))
