"""The directional gradient check: a few random directions, then bisection.

Perturbing every entry of a 100 000-parameter tensor costs 200 000 function
evaluations. Along a random unit direction ``v`` one central difference
(2 evaluations) measures ``<g, v>``, which every entry of ``g`` influences; if
it disagrees, halving the support of ``v`` again and again leads to the wrong
entries in about ``2 log2(n)`` probes each. See :func:`check_directional`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from course.gradcheck.compare import Entry, Kink, Probe, TensorCheck, wrong_entry, entry_index, judge

__all__ = ["check_directional", "flat_index", "random_direction", "directional_scale", "step_of", "DIAGNOSIS_DIRECTIONS",
           "MAX_ENTRIES", "KINK_ENTRIES"]

DIAGNOSIS_DIRECTIONS = 3  # directions measured in all once one has failed
MAX_ENTRIES = 5  # wrong entries bisection localises per tensor before it stops
KINK_ENTRIES = 16  # kinked entries bisection separates per tensor before it stops


def check_directional(p: Probe, *, rng: np.random.Generator, directions: int, rtol: float, atol: float,
                      max_entries: int, more_on_failure: bool = True) -> TensorCheck:
    """Compare ``<g, v>`` with a central difference along a few random directions; localise failures.

    ``v`` has random signs and magnitudes within a factor 2 of each other
    (:func:`random_direction`), so every entry contributes comparably, no entry is
    hidden by a tiny component, and equal errors cannot cancel exactly. The
    tolerance is relative to ``||g||``, not to ``|<g, v>|`` (which can be
    unluckily small): ``rtol * ||g|| * max(1/sqrt(n), 1e-2)``. A single wrong
    entry ``e`` changes ``<g, v>`` by at least ``0.65 e / sqrt(n)``, so it is
    caught when ``|e| > 1.6 rtol ||g||`` (up to n = 10 000) or
    ``|e| > 1.6e-2 rtol sqrt(n) ||g||`` above: for 100 000 entries of similar
    size, an error of about 0.2% of one entry. A failing direction is then
    bisected (each half renormalised to unit length) down to the wrong
    entries, at most ``max_entries`` of them; if fewer were found, one more
    random direction, with those entries replaced by their numeric values,
    tells whether they explain the whole discrepancy (``complete``).

    A direction through a kink (one-sided slopes that differ and have settled, see
    :func:`~course.gradcheck.compare.judge`) is a weak test: ``<g, v>`` need only lie between the
    one-sided slopes, which sum over every kinked entry (a gradient off by a factor
    2 can lie there), and with several kinks a valid subgradient need not. So a
    direction that met a kink is bisected too, splitting every part that still
    crosses a kink, until each part passes without one or is a single entry, judged
    alone (at most ``KINK_ENTRIES`` kinked entries). ``kinks_resolved`` is False
    when that search stopped first: the caller then checks entry by entry or
    cannot tell.
    """
    if p.analytic.shape[0] != 1:
        raise ValueError("directional checks need a scalar output; scalarise the probe first")
    start = p.calls[0]
    n = p.base.size
    g = p.analytic[0]
    g_norm = float(np.linalg.norm(g))
    t0 = step_of(p)
    ref = np.array([g_norm])
    scale = directional_scale(g_norm, n)
    out = TensorCheck(p.name, p.base.shape, "directional", n_wrong=None)
    failing = kinked = None
    k = 0
    while k < directions or (more_on_failure and failing is not None and k < DIAGNOSIS_DIRECTIONS):
        k += 1  # a failure is measured along more directions, so that its pattern can be read
        v = random_direction(rng, n)
        verdict = judge(p, v.reshape(p.base.shape), t0, scale_of=scale, ref=ref, rtol=rtol, atol=atol)
        out.projections.append((float(verdict.a[0]), float(verdict.c[0]), verdict.d / (2 * t0)))
        if verdict.kink[0]:
            out.kinks.append(Kink(index=None, analytic=float(verdict.a[0]), left=float(verdict.left[0]), right=float(verdict.right[0])))
            kinked = v if kinked is None else kinked
        out.max_error = max(out.max_error, float(verdict.error[0]))
        if verdict.rounded[0]:  # passed only thanks to the allowance for f's rounding
            out.cannot_tell, out.blur = True, max(out.blur, float(verdict.blur[0]))
        if not verdict.ok[0]:
            out.passed = False
            failing = v if failing is None else failing
    if failing is not None or kinked is not None:
        search = _bisect(p, failing if failing is not None else kinked, t0, rtol=rtol, atol=atol,
                         max_entries=max_entries, g=g, ref=ref)
        out.entries, out.localised, out.complete = search.entries, bool(search.entries), search.complete
        out.kinks = search.kinks + out.kinks  # the kinked entries first (the report names the first)
        met_kinks = kinked is not None or bool(search.kinks) or search.kinked_parts > 0
        if search.entries:
            out.passed = False
        elif met_kinks and not search.complete:
            out.kinks_resolved = False  # more kinks than bisection separates: the caller decides
        elif met_kinks:
            # the kinked entries found explain the direction; one more direction without them tells
            # whether they are all the kinks there are, and whether the rest agrees
            u = random_direction(rng, n)
            u[[flat_index(p, k.index) for k in search.kinks]] = 0.0
            if not u.any():  # every entry is a kink found, each judged alone
                out.passed = True
            else:
                u /= float(np.linalg.norm(u))
                again = judge(p, u.reshape(p.base.shape), t0, scale_of=scale, ref=ref, rtol=rtol, atol=atol)
                out.max_error = max(out.max_error, float(again.error[0]))
                if again.kink[0]:
                    out.kinks_resolved = False
                else:
                    out.passed = bool(again.ok[0])
        if out.complete and search.entries and not met_kinks:
            # do the entries found explain everything? replace them by their numeric values and look again
            fixed = g.copy()
            for e in out.entries:
                fixed[flat_index(p, e.index)] = e.numeric
            u = random_direction(rng, n).reshape(p.base.shape)
            again = judge(replace(p, analytic=fixed[None, :], _abs=None), u, t0, scale_of=scale, ref=ref,
                           rtol=rtol, atol=atol)
            out.complete = bool(again.ok[0] and not again.kink[0])  # through a kink it would show nothing
    out.cannot_tell = out.cannot_tell and out.passed
    out.evaluations = p.calls[0] - start
    return out


def flat_index(p: Probe, index: tuple[int, ...]) -> int:
    """The flat position of the tensor index ``index`` (``()`` for a 0-d tensor)."""
    return int(np.ravel_multi_index(index, p.base.shape)) if index else 0


def step_of(p: Probe) -> float:
    """The step along a unit direction: ``cbrt(eps) * max(1, rms(x))``."""
    return float(np.cbrt(p.eps_numeric) * max(1.0, np.sqrt(np.mean(p.base**2))))


def random_direction(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random unit vector with random signs and magnitudes uniform in [1, 2] (before normalising).

    Like Rademacher +-1/sqrt(n), every entry contributes comparably (none more
    than twice another), so no entry hides behind a tiny component; unlike
    it, equal errors of opposite sign cannot cancel exactly.
    """
    u = rng.uniform(-1.0, 1.0, size=n)  # one draw: the sign of u and the magnitude 1 + |u|
    v = np.copysign(1.0 + np.abs(u), u)
    return v / np.linalg.norm(v)


def directional_scale(g_norm: float, n: int) -> Callable:
    """The scale ``rtol`` multiplies along a unit direction: ``||g|| * max(1/sqrt(n), 1e-2)``.

    ``||g|| / sqrt(n)`` is the root-mean-square entry of ``g`` and the typical
    size of ``<g, v>``, so ``rtol`` means the same as for a single entry; the
    floor ``1e-2 ||g||`` keeps the tolerance (``1e-8 ||g||`` at ``rtol=1e-6``)
    well above the finite-difference error along a random direction of a
    float64 MLP (measured below ``1e-9 ||g||``).
    """
    factor = g_norm * max(1.0 / np.sqrt(max(n, 1)), 1e-2)
    return lambda a, c, d, t: factor * np.linalg.norm(d) / (2 * t)


@dataclass
class _Search:
    """What :func:`_bisect` found along one direction."""

    entries: list[Entry]   # wrong entries, at most max_entries
    kinks: list[Kink]      # single entries that are kinks (the analytic value between the one-sided slopes)
    kinked_parts: int      # parts of the support that crossed a kink and were split further
    complete: bool         # every part was split down to one that passes without a kink, or to one entry


def _bisect(p: Probe, v: np.ndarray, t0: float, *, rtol: float, atol: float, max_entries: int,
            g: np.ndarray, ref: np.ndarray) -> _Search:
    """Recursive halving of the support of a direction ``v`` that failed or crossed a kink.

    A part is split again while it disagrees or crosses a kink; a single entry is wrong, a
    kink, or right. The search stops at ``max_entries`` wrong entries, ``KINK_ENTRIES`` kinked
    ones, or its evaluation budget (then it is not ``complete``).
    """
    n = v.size
    scale = directional_scale(float(np.linalg.norm(g)), n)
    depth = int(np.ceil(np.log2(max(n, 2)))) + 1
    budget = 4 * max_entries * depth  # probes; the first kink met adds those for KINK_ENTRIES kinked entries
    extended = False
    out = _Search(entries=[], kinks=[], kinked_parts=0, complete=False)
    stack = [np.flatnonzero(v)]
    while stack and len(out.entries) < max_entries and len(out.kinks) <= KINK_ENTRIES and budget > 0:
        support = stack.pop()
        halves = [support[: support.size // 2], support[support.size // 2:]]
        split = []
        for half in halves:
            if half.size == 0:
                continue
            budget -= 1
            u = np.zeros(n)
            u[half] = v[half] / np.linalg.norm(v[half])
            verdict = judge(p, u.reshape(p.base.shape), t0, scale_of=scale, ref=ref, rtol=rtol, atol=atol,
                             support=half)
            if verdict.ok[0] and not verdict.kink[0]:
                continue
            if verdict.kink[0] and not extended:
                budget, extended = budget + 4 * KINK_ENTRIES * depth, True
            if half.size > 1:
                out.kinked_parts += bool(verdict.ok[0])
                split.append(half)
                continue
            k = int(half[0])  # u = +-e_k: slopes along u, per unit of x_k, divided by u_k
            if verdict.ok[0]:  # a kink; the sides along -e_k are those of x_k swapped
                sides = (verdict.left[0], verdict.right[0])[::1 if u[k] > 0 else -1]
                left, right = (float(side / verdict.side_unit / u[k]) for side in sides)
                out.kinks.append(Kink(index=entry_index(p, 0, k), analytic=float(g[k]), left=left, right=right))
            else:
                out.entries.append(wrong_entry(entry_index(p, 0, k), g[k], verdict.c[0] / verdict.unit[0] / u[k]))
        stack.extend(reversed(split))  # depth first, lower indices first
    out.entries = out.entries[:max_entries]
    out.complete = not stack and len(out.kinks) <= KINK_ENTRIES
    return out
