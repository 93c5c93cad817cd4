"""The exhaustive check: every entry of a tensor perturbed in turn (``2 * size`` evaluations).

The first step ``h_j = cbrt(eps) max(1, |x_j|)`` is taken for every entry in one plain loop,
each entry set in place and put back (no vector of the tensor's size is built per entry), and
compared for all entries at once; the few entries that disagree, or whose one-sided slopes jump
(a kink), are looked at closely by :func:`course.gradcheck.compare.judge`.
"""
from __future__ import annotations

import numpy as np

from course.gradcheck.compare import (JUMP, NOISE_ULPS, SCALE_ULPS, Entry, Kink, Probe, TensorCheck, entry_index,
                                      judge, wrong_entry)

__all__ = ["check_exhaustive", "check_columns", "steps_of"]

_KEPT = 100  # wrong entries kept per exhaustively checked tensor (worst first)


def steps_of(p: Probe) -> np.ndarray:
    """The central-difference step of every entry: ``cbrt(eps) * max(1, |x_j|)``."""
    return np.cbrt(p.eps_numeric) * np.maximum(1.0, np.abs(p.base.ravel()))


def check_exhaustive(p: Probe, *, rtol: float, atol: float) -> TensorCheck:
    """Perturb every entry of the tensor in turn (``2 * size`` evaluations and more where needed)."""
    n_out, n = p.analytic.shape
    start = p.calls[0]
    steps = steps_of(p)
    ref = np.abs(p.analytic).max(axis=1) if n else np.zeros(n_out)
    numeric, errors, closer, rounded, blur = _first_level(p, steps, ref=ref, rtol=rtol, atol=atol)
    wrong = np.zeros((n_out, n), dtype=bool)
    out = TensorCheck(p.name, p.base.shape, "exhaustive")
    for j in closer:
        verdict = _column(p, j, steps, ref=ref, rtol=rtol, atol=atol)
        numeric[:, j] = np.where(verdict.kink, p.analytic[:, j], verdict.c / verdict.unit)
        wrong[:, j] = ~verdict.ok
        errors[:, j] = verdict.error
        rounded[:, j], blur[:, j] = verdict.rounded, verdict.blur
        for i in np.flatnonzero(verdict.kink):
            out.kinks.append(Kink(index=entry_index(p, i, j), analytic=float(p.analytic[i, j]),
                                  left=float(verdict.left[i] / verdict.side_unit),
                                  right=float(verdict.right[i] / verdict.side_unit)))
    out.numeric = numeric
    out.wrong = wrong
    out.passed = not wrong.any()
    out.cannot_tell = bool(out.passed and rounded.any())
    out.blur = float(blur[rounded].max()) if out.cannot_tell else 0.0
    out.n_wrong = int(wrong.sum())
    out.max_error = float(errors.max()) if errors.size else 0.0
    order = np.argsort(-np.where(wrong, errors, -1.0), axis=None, kind="stable")[: min(out.n_wrong, _KEPT)]
    for flat in order:  # worst first
        i, j = divmod(int(flat), n)
        out.entries.append(wrong_entry(entry_index(p, i, j), p.analytic[i, j], numeric[i, j]))
    out.evaluations = p.calls[0] - start
    return out


def _first_level(p: Probe, steps: np.ndarray, *, ref: np.ndarray, rtol: float,
                 atol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The first level of :func:`judge` for every column at once: ``2 n`` evaluations in one plain loop.

    Each entry is set in place (no vector of the tensor's size is built per entry), and the
    comparison is done for all columns together. Returns the numeric Jacobian, the relative
    errors, the columns that need a closer look (a disagreement or a large one-sided jump),
    which :func:`judge` then examines one by one, and which entries passed only thanks to the
    allowance for ``f``'s rounding (and that allowance over the gradient's scale), as in :func:`judge`.
    """
    n_out, n = p.analytic.shape
    base = p.base.ravel()
    xp = (base + steps).astype(p.store).astype(np.float64)
    xm = (base - steps).astype(p.store).astype(np.float64)
    fp, fm = np.empty((n_out, n)), np.empty((n_out, n))
    at = p.at_entry()
    for j in range(n):
        fp[:, j] = at(j, xp[j])
        fm[:, j] = at(j, xm[j])
    d = xp - xm
    a = p.analytic * (d / (2 * steps))
    c = (fp - fm) / (2 * steps)
    f0 = p.f0.reshape(n_out, 1)
    jump = np.abs((fp - f0) / steps - (f0 - fm) / steps)
    noise_f = NOISE_ULPS * p.eps_numeric * (np.abs(fp) + np.abs(fm) + np.abs(f0)) / (2 * steps)
    noise_j = NOISE_ULPS * p.eps_analytic * (
        np.abs(p.analytic) + SCALE_ULPS / NOISE_ULPS * p.analytic_scale()[:, None]) * d / (2 * steps)
    noise = noise_f + noise_j
    scale = np.maximum(np.abs(a), np.abs(c))
    tol = atol + rtol * scale + noise
    ok = np.abs(a - c) <= tol
    grad_scale = np.maximum(scale, ref.reshape(n_out, 1) * (d / (2 * steps)))
    rounded = ok & (np.abs(a - c) > atol + rtol * grad_scale + noise_j)
    blur = noise_f / np.maximum(grad_scale, 1e-300)
    large = jump > JUMP * ref.reshape(n_out, 1) + tol
    errors = np.abs(a - c) / np.maximum(scale + (atol + noise) / max(rtol, 1e-300), 1e-300)
    closer = np.flatnonzero((~ok | large).any(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        numeric = np.where(d != 0, (fp - fm) / d, 0.0)
    return numeric, errors, closer, rounded, blur


def _column(p: Probe, j: int, steps: np.ndarray, *, ref: np.ndarray, rtol: float, atol: float):
    """:func:`judge` on entry ``j`` alone (its ``unit``, one per output, turns the slopes into per unit of
    ``x_j``: the step actually taken may differ from the one asked for by rounding, at each level its own)."""
    v = np.zeros(p.analytic.shape[1])
    v[j] = 1.0
    verdict = judge(p, v.reshape(p.base.shape), float(steps[j]), scale_of=_entry_scale, ref=ref,
                    rtol=rtol, atol=atol, support=np.array([j]))
    return verdict


def _entry_scale(a: np.ndarray, c: np.ndarray, d: np.ndarray, t: float) -> np.ndarray:
    return np.maximum(np.abs(a), np.abs(c))


def check_columns(p: Probe, columns: list[int], *, rtol: float, atol: float) -> list[Entry]:
    """Exhaustive check of a few input entries ``columns`` (all outputs); the wrong entries."""
    steps = steps_of(p)
    ref = np.abs(p.analytic).max(axis=1)
    entries = []
    for j in columns:
        verdict = _column(p, j, steps, ref=ref, rtol=rtol, atol=atol)
        for i in np.flatnonzero(~verdict.ok):
            entries.append(wrong_entry(entry_index(p, i, j), p.analytic[i, j], verdict.c[i] / verdict.unit[i]))
    return entries
