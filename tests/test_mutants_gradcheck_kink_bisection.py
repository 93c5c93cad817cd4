"""The bisection of a random direction through kinks (course/gradcheck/directional.py: ``_bisect`` and the
kink handling at the end of ``check_directional``): the tests that kill the mutants
tests/test_gradcheck_kinks.py and tests/test_mutants_gradcheck_locate.py leave alive (tests/MUTANTS.md
lists them).

A direction through kinks is split until every part passes without a kink or is one entry; the search may
separate up to ``KINK_ENTRIES`` (16) kinked entries, and the first kink it meets buys it the probes for
them; once the kinks are separated, one more random direction without them decides for the rest of the
tensor. The functions here are ``f(x) = sum_i c_i relu(x_i)`` (plus a linear part), whose kinks are the
entries exactly 0, so which entries are kinks, and their one-sided slopes (0 and ``c_i``), are known.
"""
from __future__ import annotations

import numpy as np
import pytest

from course.gradcheck import gradcheck
from course.gradcheck.compare import Probe
from course.gradcheck.directional import KINK_ENTRIES, check_directional, random_direction

EPS64 = float(np.finfo(np.float64).eps)


def _relu_sum(n, zeros, seed=0, off=None):
    """x with the given entries exactly 0 (the rest of size 0.5..1.5, random sign), c of size 0.5..2, random
    sign; ``off`` entries set to 0.7 (on the smooth side, where a wrong gradient shows)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 1.5, n) * rng.choice([-1.0, 1.0], n)
    x[list(zeros)] = 0.0
    if off is not None:
        x[off] = 0.7
    c = rng.uniform(0.5, 2.0, n) * rng.choice([-1.0, 1.0], n)
    return x, c


def _spread(n, k, upto=None):
    """k kink positions spread evenly over [0, upto) (so bisection must go down to each one separately)."""
    return [int(i) for i in np.linspace(0, (upto or n) - 1, k + 2)[1:-1]]


def _probe(f, g, x):
    def evaluate(v):
        return np.array([float(f(v))])

    return Probe(name="x", base=x, analytic=np.asarray(g, dtype=float)[None, :], evaluate=evaluate,
                 store=np.dtype(np.float64), eps_numeric=EPS64, eps_analytic=EPS64, f0=evaluate(x))


# --------------------------------------------------------------------------- the budget a kink buys

def test_sixteen_spread_kinks_in_a_large_tensor_are_all_separated_and_pass():
    """16 kinks spread over 4096 entries need more probes than the 4 * 5 * depth of the wrong-entry search
    (about 290 of 260): the first kink met adds the probes for 16 kinked entries, so every one is separated,
    named with its slopes, and the check passes (it does not stop and "cannot tell")."""
    n = 4096
    zeros = _spread(n, KINK_ENTRIES)
    x, c = _relu_sum(n, zeros)
    r = gradcheck(lambda v: float(c @ np.maximum(v, 0.0)), lambda v: c * (v > 0), x, mode="directional",
                  rng=np.random.default_rng(0))
    (check,) = r.checks
    assert r.verdict == "passed", r.report()
    assert check.kinks_resolved and not check.cannot_tell and check.complete
    entry_kinks = [k for k in check.kinks if k.index is not None]
    assert [k.index for k in entry_kinks] == [(i,) for i in zeros]  # all of them, lower indices first
    for k in entry_kinks:
        (i,) = k.index
        assert k.analytic == 0.0 and k.left == pytest.approx(0.0, abs=1e-9) and k.right == pytest.approx(c[i], rel=1e-6)
    assert check.kinks[-1].index is None  # the random direction's own kink comes after the entries
    assert f"kink at x[{zeros[0]}] (and {KINK_ENTRIES} more)" in r.report()


def test_a_small_search_budget_is_extended_by_the_first_kink():
    """With max_entries=1 the wrong-entry search has 4 * depth = 44 probes over 1024 entries; 8 spread kinks
    need about 130, which the first kink met pays for (64 * depth more): all 8 are separated."""
    n = 1024
    zeros = _spread(n, 8)
    x, c = _relu_sum(n, zeros, seed=1)
    p = _probe(lambda v: c @ np.maximum(v, 0.0), c * (x > 0), x)
    out = check_directional(p, rng=np.random.default_rng(1), directions=1, rtol=1e-6, atol=0.0, max_entries=1)
    assert out.passed and out.kinks_resolved and out.complete and not out.entries
    assert [k.index for k in out.kinks if k.index is not None] == [(i,) for i in zeros]


# --------------------------------------------------------------------------- at most 16 kinked entries

@pytest.mark.parametrize("kinks, verdict", [(KINK_ENTRIES, "failed"), (KINK_ENTRIES + 1, "cannot tell")])
def test_the_search_goes_on_after_the_sixteenth_kink_and_stops_at_the_seventeenth(kinks, verdict):
    """A wrong entry (x_1000 = 0.7, its gradient times 3) after the kinks (all below 512): with 16 kinks the
    search separates them all and goes on to the wrong entry (failed, the entry named); a 17th kink stops it
    before (no entry found: "cannot tell")."""
    n, wrong = 1024, 1000
    zeros = _spread(n, kinks, upto=n // 2)
    x, c = _relu_sum(n, zeros, off=wrong)

    def df(v):
        g = c * (v > 0)
        g[wrong] *= 3.0
        return g

    r = gradcheck(lambda v: float(c @ np.maximum(v, 0.0)), df, x, mode="directional", rng=np.random.default_rng(0))
    (check,) = r.checks
    assert r.verdict == verdict, r.report()
    found = [k.index for k in check.kinks if k.index is not None]
    if verdict == "failed":
        assert [e.index for e in check.entries] == [(wrong,)]
        assert check.entries[0].numeric == pytest.approx(c[wrong], rel=1e-6)
        assert found == [(i,) for i in zeros]
    else:
        assert not check.entries and check.unsure_why == "kinks" and len(found) == KINK_ENTRIES + 1


# --------------------------------------------------------------------------- after the kinks are separated

@pytest.mark.parametrize("signs", ["+", "+-"])
def test_a_tensor_whose_every_entry_is_a_kink_passes_once_each_is_judged_alone(signs):
    """x = 0 everywhere: every entry is a kink found by bisection, so no direction is left to look along;
    the check passes, the kinks named lower first. (With c of one sign the random direction is seen as a
    kink; with alternating signs it disagrees: either way it is bisected.)"""
    n = 12
    x = np.zeros(n)
    c = np.random.default_rng(5).uniform(0.5, 2.0, n) * (1.0 if signs == "+" else np.array([1.0, -1.0] * (n // 2)))
    r = gradcheck(lambda v: float(c @ np.maximum(v, 0.0)), lambda v: c * (v > 0), x, mode="directional",
                  rng=np.random.default_rng(0))
    (check,) = r.checks
    assert r.verdict == "passed" and check.passed and check.kinks_resolved and not check.entries, r.report()
    assert [k.index for k in check.kinks[:n]] == [(i,) for i in range(n)]
    assert [k.index for k in check.kinks[n:]] == ([None] if signs == "+" else [])
    assert np.isfinite(check.max_error)
    assert f"kink at x[0] (and {len(check.kinks) - 1} more)" in r.report()


def _hidden_error(n, kinks, seed):
    """An error on the second half of x, orthogonal there to the check's first random direction: the
    direction (through the kinks, all in the first half) and its second half agree, so only the look along
    one more direction can show the error."""
    x, c = _relu_sum(n, range(kinks), seed=seed)
    v = random_direction(np.random.default_rng(seed), n)  # the check's first direction (same generator)
    w = np.random.default_rng(seed + 100).uniform(-1.0, 1.0, n)
    w[: n // 2] = 0.0
    w -= (w @ v) / (v[n // 2:] @ v[n // 2:]) * np.where(np.arange(n) >= n // 2, v, 0.0)
    assert abs(w @ v) < 1e-12
    return x, c, w


@pytest.mark.parametrize("seed", [2, 3])
def test_after_the_kinks_the_rest_is_judged_along_one_more_direction(seed):
    n = 256
    x, c, w = _hidden_error(n, 4, seed)
    f = lambda v: c @ np.maximum(v, 0.0)  # noqa: E731
    right = check_directional(_probe(f, c * (x > 0), x), rng=np.random.default_rng(seed), directions=1,
                              rtol=1e-6, atol=0.0, max_entries=5)
    assert right.passed and right.kinks_resolved and not right.entries
    assert [k.index for k in right.kinks if k.index is not None] == [(i,) for i in range(4)]
    assert right.max_error < 1e-6
    wrong = check_directional(_probe(f, c * (x > 0) + 0.5 * w, x), rng=np.random.default_rng(seed), directions=1,
                              rtol=1e-6, atol=0.0, max_entries=5)
    assert not wrong.passed and wrong.kinks_resolved and not wrong.entries and not wrong.localised
    assert wrong.max_error > 1e-3  # the look that failed counts in the worst error
    assert [k.index for k in wrong.kinks if k.index is not None] == [(i,) for i in range(4)]


@pytest.mark.parametrize("delta, resolved", [(3.5e-5, True), (3.75e-5, False)])
def test_the_budget_a_kink_adds_is_paid_once_and_is_finite(delta, resolved):
    """A kink at x_0 and, on the second half, an error along the check's own first direction v (delta v_i,
    each entry off by less than rtol): every part of that half down to about 16 entries disagrees, and the
    search spends 2 probes on each. The search has 4 * 5 * 13 = 260 probes plus 64 * 13 = 832 that the
    first kink met adds (once, however many parts cross it): 1062 probes suffice at delta = 3.5e-5 (every part
    settled, the kink named), about 1180 are needed at 3.75e-5: there the search stops, not complete, and says
    the kinks were not resolved (the caller then checks entry by entry or cannot tell)."""
    n, seed = 4096, 0
    x, c = _relu_sum(n, [0], seed=seed)
    v = random_direction(np.random.default_rng(seed), n)  # the check's first direction (same generator)
    g = c * (x > 0)
    g[n // 2:] += delta * v[n // 2:]
    p = _probe(lambda z: c @ np.maximum(z, 0.0), g, x)
    out = check_directional(p, rng=np.random.default_rng(seed), directions=1, rtol=1e-6, atol=0.0, max_entries=5)
    assert not out.entries and out.passed
    assert out.complete is resolved and out.kinks_resolved is resolved
    assert [k.index for k in out.kinks] == [(0,), None]  # the kink, reached first (lower indices first)


def test_parts_that_cross_weak_kinks_count_as_kinks_met_even_when_no_single_kink_is_found():
    """64 kinks of slope jump kappa just below the kink threshold (1e-3 ||g||), with the subgradient kappa/2
    (the central difference itself), and one wrong entry (x_200, its gradient times 3): the direction fails
    (not as a kink), bisection finds the entry, and on its way splits parts that cross the kinks (a part of two
    or more of them is a large jump; one alone is not, so no single kink is named). Those kinks met make the
    search the last word: it searched every entry (complete); the look along one more random direction,
    which would cross the kinks and show nothing, is not taken."""
    n, w, m = 256, 200, 64
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 1.5, n) * rng.choice([-1.0, 1.0], n)
    x[w] = 0.7
    c = rng.uniform(0.5, 2.0, n) * rng.choice([-1.0, 1.0], n)
    x[:m] = 0.0
    g = c * (x > 0)
    kappa = 1e-3 * np.linalg.norm(g) / 1.15
    c[:m], g[:m] = kappa, kappa / 2
    g[w] *= 3.0
    p = _probe(lambda z: c @ np.maximum(z, 0.0), g, x)
    out = check_directional(p, rng=np.random.default_rng(0), directions=1, rtol=1e-6, atol=0.0, max_entries=5)
    assert not out.passed and out.localised and out.kinks_resolved
    assert [e.index for e in out.entries] == [(w,)] and out.entries[0].numeric == pytest.approx(c[w], rel=1e-6)
    assert out.kinks == []  # no single kink, and the failing direction was not one
    assert out.complete


def test_a_kinks_one_sided_slopes_are_per_unit_of_x_for_the_step_actually_taken():
    """Kinks at x_k = s_k = 0.1, 0.3, 1.7 of f = b.x + sum c_k relu(x_k - s_k), everything else dyadic
    with b.x = 0 exactly: x_k +- t is rounded, so the step actually taken differs from the one asked for
    (by about 1e-11 relatively), and the slopes are divided by that ratio once: they come out as exactly
    0 and c_k."""
    n = 300
    kinks = [40, 150, 260]
    rng = np.random.default_rng(0)
    x = np.repeat(rng.integers(4, 12, n // 2) / 8.0, 2)  # dyadic, in equal pairs
    b = np.tile([1.0, -1.0], n // 2)  # so b @ x == 0 exactly, and stays so along each e_k below
    b[kinks] = 0.0
    b[[k + 1 for k in kinks]] = 0.0
    s = np.zeros(n)
    s[kinks] = [0.1, 0.3, 1.7]
    x[kinks] = s[kinks]
    c = np.zeros(n)
    c[kinks] = [1.5, -0.75, 1.25]

    def f(v):
        return float(b @ v) + float(c[kinks] @ np.maximum(v[kinks] - s[kinks], 0.0))

    r = gradcheck(f, lambda v: b + c * (v > s), x, mode="directional", rng=np.random.default_rng(0))
    (check,) = r.checks
    assert r.verdict == "passed", r.report()
    found = [k for k in check.kinks if k.index is not None]
    assert [k.index for k in found] == [(i,) for i in kinks]
    for k in found:
        (i,) = k.index
        assert (k.left, k.right, k.analytic) == (0.0, c[i], 0.0)


def test_a_scalar_x_exactly_on_a_kink_passes_in_directional_mode():
    """x is 0-d (index ()): its one entry is the kink found, so nothing is left to look along."""
    r = gradcheck(lambda v: float(np.maximum(v, 0.0)), lambda v: float(v > 0), 0.0, mode="directional")
    (check,) = r.checks
    assert r.verdict == "passed" and check.kinks_resolved, r.report()
    assert check.kinks[0].index == () and (check.kinks[0].left, check.kinks[0].right) == (0.0, 1.0)


def test_a_direction_whose_kinks_no_part_of_it_shows_is_not_resolved():
    """100 weak kinks spread over 400 entries (subgradient c/2, the central difference itself): along the
    random direction their jumps add up to 1.2 times the kink threshold, along either half (renormalised) to
    less than it, so bisection separates nothing. The kinks were met all the same: the check does not pass
    on that direction, it says the kinks were not resolved, and "directional" cannot tell."""
    n, seed = 400, 0
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 1.5, n) * rng.choice([-1.0, 1.0], n)
    b = rng.uniform(0.5, 2.0, n) * rng.choice([-1.0, 1.0], n)
    kinks = np.arange(0, n, 4)
    x[kinks] = 0.0
    b[kinks] = 0.0
    v = random_direction(np.random.default_rng(seed), n)  # the check's first direction (same generator)
    thr = 1e-3 * np.linalg.norm(b)
    kappa = 1.2 * thr / np.abs(v[kinks]).sum()
    for half in (np.arange(n) < n // 2, np.arange(n) >= n // 2):
        on = half[kinks]
        assert kappa * np.abs(v[kinks][on]).sum() / np.linalg.norm(v[half]) < 0.9 * thr
    c = np.zeros(n)
    c[kinks] = kappa

    def f(z):
        return float(b @ z + c @ np.maximum(z, 0.0))

    def df(z):
        return b + np.where(z == 0.0, c / 2, c * (z > 0))

    p = _probe(f, df(x), x)
    out = check_directional(p, rng=np.random.default_rng(seed), directions=1, rtol=1e-6, atol=0.0, max_entries=5)
    assert out.kinks_resolved is False and not out.entries and out.complete
    assert [k.index for k in out.kinks] == [None]
    r = gradcheck(f, df, x, mode="directional", rng=np.random.default_rng(seed))
    assert r.verdict == "cannot tell" and r.checks[0].unsure_why == "kinks", r.report()


def test_a_wrong_entrys_numeric_value_is_per_unit_of_x_for_the_step_actually_taken():
    """f(x) = b.x (b dyadic, b.x = 0 exactly) + 1.25 x_100 with x_100 = 0.1 and its gradient given as 3.75:
    x_100 +- t is rounded, and the central difference, divided by the step actually taken, is exactly 1.25."""
    n, j = 300, 100
    rng = np.random.default_rng(0)
    x = np.repeat(rng.integers(4, 12, n // 2) / 8.0, 2)
    b = np.tile([1.0, -1.0], n // 2)
    b[j] = 0.0
    b[j + 1] = 0.0
    x[j] = 0.1

    def f(v):
        return float(b @ v) + 1.25 * float(v[j])

    def df(v):
        g = b.copy()
        g[j] = 3.75
        return g

    r = gradcheck(f, df, x, mode="directional", rng=np.random.default_rng(0))
    (check,) = r.checks
    assert r.verdict == "failed"
    assert [(e.index, e.analytic, e.numeric) for e in check.entries] == [((j,), 3.75, 1.25)]


def test_a_kink_found_next_to_a_wrong_entry_makes_the_search_the_last_word():
    """x_0 = 0 (a kink of relu) next to a wrong entry x_1 (gradient off by 50): every part holding both
    disagrees (no part is seen as a kink), and bisection ends with the kink at x_0 and the wrong x_1. The
    kink found means the search searched every entry (complete); a look along one more random direction
    would cross the kink and show nothing."""
    n = 256
    x, c = _relu_sum(n, [0], seed=4, off=1)
    g = c * (x > 0)
    g[1] += 50.0  # far more than the kink's jump along any direction
    p = _probe(lambda z: c @ np.maximum(z, 0.0), g, x)
    out = check_directional(p, rng=np.random.default_rng(4), directions=1, rtol=1e-6, atol=0.0, max_entries=5)
    assert not out.passed and [e.index for e in out.entries] == [(1,)]
    assert [k.index for k in out.kinks] == [(0,)]  # the failing directions were not kinks
    assert out.complete
