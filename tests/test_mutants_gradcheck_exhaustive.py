"""The exhaustive mode of the gradient checker (course/gradcheck/exhaustive.py): the tests that kill its mutants.

Every entry ``x_j`` is perturbed in turn by ``h_j = cbrt(eps) max(1, |x_j|)``, the central
differences of all entries are compared at once, and the entries that disagree or whose one-sided
slopes jump are looked at closely by ``course.gradcheck.compare.judge``. The tests go through
``gradcheck(..., mode="exhaustive")`` (and ``gradcheck_layer`` for float32 parameters and an empty
one) and check properties of the result: which entries are wrong and in which order, kinks and
their one-sided slopes, "cannot tell" when only ``f``'s rounding allowance let a column pass, the
relative errors, the numeric Jacobian and the number of evaluations (``2 * size + 1`` for a
function that passes at the first step: a column looked at again costs more, which is how a
narrower tolerance shows). tests/MUTANTS.md lists the mutants each test was written against.
"""
from __future__ import annotations

import numpy as np
import pytest

from course.gradcheck import gradcheck, gradcheck_layer

EPS64 = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)
NOISE_ULPS, SCALE_ULPS = 64.0, 16.0  # the rounding allowances of course.gradcheck.compare, in ulps


def _exhaustive(f, df, x, **kw):
    result = gradcheck(f, df, np.asarray(x), mode="exhaustive", **kw)
    (check,) = result.checks
    assert check.mode == "exhaustive"
    return result, check


def _step(x: float, eps: float = EPS64) -> float:
    return float(np.cbrt(eps) * max(1.0, abs(x)))


def _unit(x: float) -> float:
    """``(x+ - x-) / (2 h)`` of the first step as stored in float64: the factor from slopes to per unit of x."""
    h = _step(x)
    return ((x + h) - (x - h)) / (2 * h)


def _per_unit(values, x: float, *, near: float) -> None:
    """``near`` is one of ``values`` (slopes at the steps h/4**k, each divided by its own step's unit factor),
    to the last bits; and none of ``values`` is within the unit factor's distance from 1 of another
    (so a value multiplied by the factor instead of divided is told apart)."""
    u = _unit(x)
    assert abs(u - 1.0) > 1e-12
    rel = [abs(near - v) / abs(v) for v in values]
    assert min(rel) < 1e-14, (near, values)
    wrong = [v * u * u for v in values]  # what multiplying by the factor instead would give
    assert min(abs(near - w) / abs(w) for w in wrong) > 0.5 * abs(u * u - 1.0)


def _central_slopes(f, x: np.ndarray, j: int, i: int = 0) -> list[float]:
    """Output ``i``'s central differences in entry ``j`` at the steps h/4**k (k < 12), per unit of x_j."""
    h, out = _step(x[j]), []
    for k in range(12):
        t = h / 4.0**k
        xp, xm = x.copy(), x.copy()
        xp[j] += t
        xm[j] -= t
        out.append((np.ravel(f(xp))[i] - np.ravel(f(xm))[i]) / (2 * t) / ((xp[j] - xm[j]) / (2 * t)))
    return out


# --------------------------------------------------------------------------- wrong entries

@pytest.mark.parametrize("scale", [2.0, -1.0, 0.5])
def test_one_entry_scaled_by_c_fails_naming_exactly_that_entry(scale):
    x = np.linspace(-1.0, 1.3, 6).reshape(2, 3)
    for j in (0, 4):
        def df(v, j=j):
            g = 2 * v
            g.ravel()[j] *= scale
            return g
        result, check = _exhaustive(lambda v: float(np.sum(v**2)), df, x)
        assert not result.passed and check.n_wrong == 1 and check.wrong.sum() == 1
        assert [e.index for e in check.entries] == [np.unravel_index(j, x.shape)]
        assert check.entries[0].numeric == pytest.approx(2 * x.ravel()[j], rel=1e-8)


def test_wrong_entries_are_listed_worst_first_and_ties_in_index_order():
    """Equal errors keep the entries' order (a stable sort), over more than a few entries."""
    n = 150
    wrong = np.arange(n) % 3 == 0
    factors = np.where(wrong, 2.0, 1.0)
    factors[[60, 90]] = [5.0, 3.0]  # the worst two
    result, check = _exhaustive(lambda v: float(np.sum(v)), lambda v: factors.copy(), np.zeros(n))
    assert check.n_wrong == 50
    indices = [e.index[0] for e in check.entries]
    assert indices[:2] == [60, 90]
    assert indices[2:] == [j for j in range(n) if wrong[j] and j not in (60, 90)]


def test_more_than_100_wrong_entries_keeps_the_100_worst():
    n = 120
    factors = 2.0 + np.arange(n) / n  # entry j is worse the larger j
    result, check = _exhaustive(lambda v: float(np.sum(v)), lambda v: factors.copy(), np.zeros(n))
    assert check.n_wrong == n and len(check.entries) == 100
    assert [e.index[0] for e in check.entries] == list(range(n - 1, n - 101, -1))


def test_a_wrong_entry_reports_its_numeric_slope_per_unit_of_x():
    """The numeric value of an entry looked at closely is the central difference at one of the steps, divided
    by that step's ``(x+ - x-) / (2t)``, as the entries that passed at once are (fp - fm) / (x+ - x-)."""
    x = np.array([1000.3, 1234.5678, 0.7])
    b = np.array([3.0, -0.7, 1.9])

    def f(v):
        return float(b @ v)

    result, check = _exhaustive(f, lambda v: b * np.array([1.0, 1.5, 1.0]), x)
    (entry,) = check.entries
    assert entry.index == (1,)
    _per_unit(_central_slopes(f, x, 1), x[1], near=entry.numeric)
    assert check.numeric[0, 1] == entry.numeric


def test_a_column_looked_at_for_a_jump_that_passes_at_the_first_step_keeps_its_first_slope():
    """exp(K (x - x0)) curves enough that its one-sided slopes differ by more than 1e-3 of the gradient at
    the first step (so it is looked at again) but not at the next: it passes, numeric (fp - fm) / (x+ - x-)."""
    x0 = 1000.3
    k = 1.5e-3 / _step(x0)

    def f(v):
        return float(np.exp(k * (v[0] - x0)) + 0.01 * v[1])

    x = np.array([x0, 0.5])
    result, check = _exhaustive(f, lambda v: np.array([k * np.exp(k * (v[0] - x0)), 0.01]), x)
    assert result.verdict == "passed" and not check.kinks
    assert check.evaluations > 2 * x.size + 1  # the first entry was looked at again
    _per_unit(_central_slopes(f, x, 0)[:1], x0, near=check.numeric[0, 0])


def test_a_jacobian_entry_is_named_by_output_and_input():
    a = np.array([[1.0, 2.0, 0.5], [-1.0, 0.25, 3.0]])
    jac = a.copy()
    jac[1, 2] = 4.0
    result, check = _exhaustive(lambda v: a @ v, lambda v: jac, np.array([0.3, -0.2, 1.1]))
    assert check.n_wrong == 1 and [e.index for e in check.entries] == [(1, 2)]
    assert check.entries[0].numeric == pytest.approx(3.0, rel=1e-8)


# --------------------------------------------------------------------------- kinks

@pytest.mark.parametrize("sub", [0.0, 1.0, 0.25])
def test_relu_at_zero_is_a_kink_and_its_numeric_value_is_the_analytic_one(sub):
    x = np.array([0.0, 1.5, -0.5])
    g = np.array([sub, 1.0, 0.0])
    result, check = _exhaustive(lambda v: float(np.sum(np.maximum(v, 0.0))), lambda v: g, x)
    assert result.verdict == "passed" and check.n_wrong == 0
    assert [k.index for k in check.kinks] == [(0,)]
    (kink,) = check.kinks
    assert kink.analytic == sub and kink.left == pytest.approx(0.0, abs=1e-9)
    assert kink.right == pytest.approx(1.0, rel=1e-9)
    assert check.numeric[0, 0] == sub  # not the central difference 0.5
    assert check.numeric[0, 1:] == pytest.approx([1.0, 0.0], abs=1e-9)
    assert "kink at x[0]" in result.report()


def test_a_kink_in_a_jacobian_is_named_by_output_and_input():
    jac = np.array([[0.0, 0.0], [1.0, 1.0]])
    result, check = _exhaustive(lambda v: np.array([abs(v[0]), v[0] + v[1]]), lambda v: jac, np.array([0.0, 2.0]))
    assert result.verdict == "passed"
    assert [k.index for k in check.kinks] == [(0, 0)]


def test_the_one_sided_slopes_of_a_kink_are_per_unit_of_x():
    """|x - x0| at x0: the one-sided slopes (f(x) - f(x-)) / t and (f(x+) - f(x)) / t at one of the steps,
    divided by that step's unit factor (x+ - x-) / (2t): close to -1 and 1."""
    x0 = 1000.3

    def f(v):
        return abs(v[0] - x0) + 2.0 * v[1]

    x = np.array([x0, 1.0])
    result, check = _exhaustive(f, lambda v: np.array([0.0, 2.0]), x)
    assert result.verdict == "passed"
    (kink,) = check.kinks
    h = _step(x0)
    lefts, rights = [], []
    for k in range(12):
        t = h / 4.0**k
        u = ((x0 + t) - (x0 - t)) / (2 * t)
        lefts.append((f(x) - f(x - [t, 0.0])) / t / u)
        rights.append((f(x + [t, 0.0]) - f(x)) / t / u)
    _per_unit(lefts, x0, near=kink.left)
    _per_unit(rights, x0, near=kink.right)


# --------------------------------------------------------------------------- evaluations, errors, tolerances

@pytest.mark.parametrize("case", ["cubic", "sin", "linear at large x", "tanh"])
def test_a_right_gradient_of_a_smooth_function_costs_2_evaluations_per_entry(case):
    """Nothing is looked at again: 2 evaluations per entry and f(x); every relative error is within rtol."""
    x = np.linspace(-1.2, 2.0, 7)
    f, df = {
        "cubic": (lambda v: float(np.sum(v**3)), lambda v: 3 * v**2),
        "sin": (lambda v: float(np.sum(np.sin(3 * v))), lambda v: 3 * np.cos(3 * v)),
        "linear at large x": (lambda v: float(np.arange(1.0, 8.0) @ v), lambda v: np.arange(1.0, 8.0)),
        "tanh": (lambda v: float(np.sum(np.tanh(v))), lambda v: 1 - np.tanh(v) ** 2),
    }[case]
    if case == "linear at large x":
        x = x + 1000.3
    result, check = _exhaustive(f, df, x)
    assert result.verdict == "passed" and not check.kinks
    assert check.evaluations == result.evaluations == 2 * x.size + 1
    assert 0.0 < check.max_error <= 1e-6  # the default rtol
    assert check.numeric == pytest.approx(np.atleast_2d(df(x)), rel=1e-7)


def test_the_relative_error_of_a_passing_entry_is_its_truncation_error_over_its_scale():
    """sum(x**3) at x = 0.1: the central difference is 3 x**2 + h**2 exactly, so the relative error is
    h**2 / (3 x**2) (atol = 0, the other allowances negligible)."""
    x = np.full(3, 0.1)
    result, check = _exhaustive(lambda v: float(np.sum(v**3)), lambda v: 3 * v**2, x, atol=0.0)
    assert result.verdict == "passed" and check.evaluations == 7
    assert check.max_error == pytest.approx(_step(0.1) ** 2 / (3 * 0.1**2), rel=0.02)


def _offset_case(n: int = 5):
    x = np.linspace(-0.9, 0.8, n)
    return x, (lambda v: 1e10 + float(np.sum(v**2)))


def test_a_large_constant_offset_with_the_right_gradient_cannot_tell_at_the_first_step():
    """1e10 + sum(x**2): f's rounding is larger than the gradient's changes over a step; every column passes
    at the first step within f's rounding allowance, so the check cannot tell (and looks at nothing again)."""
    x, f = _offset_case()
    result, check = _exhaustive(f, lambda v: 2 * v, x)
    assert check.passed and check.cannot_tell and result.verdict == "cannot tell"
    assert check.evaluations == 2 * x.size + 1
    assert check.n_wrong == 0 and not check.entries
    assert 0.0 < check.max_error <= 1e-6  # within the tolerance, allowance included
    assert "CANNOT TELL" in result.report()


def test_an_error_within_fs_rounding_allowance_is_cannot_tell_at_the_first_step():
    """A gradient off by 0.85 of the allowance 64 eps (|f(x+)| + |f(x-)| + |f(x)|) / (2h) still passes at the
    first step (as "cannot tell"): the allowance counts all three values and the full 2h. Off by 1.3 of it,
    every column is looked at again (at smaller steps, where f's rounding is allowed more)."""
    x, f = _offset_case()
    h = _step(0.0)
    allowance = NOISE_ULPS * EPS64 * 3 * f(x) / (2 * h)
    result, check = _exhaustive(f, lambda v: 2 * v + 0.85 * allowance, x)
    assert result.verdict == "cannot tell"
    assert check.evaluations == 2 * x.size + 1
    assert check.max_error <= 1e-6
    result, check = _exhaustive(f, lambda v: 2 * v + 1.3 * allowance, x)
    assert check.evaluations >= 4 * x.size + 1


def test_the_blur_of_cannot_tell_is_fs_allowance_over_the_gradients_scale():
    """The blur reported is 64 eps (|f(x+)| + |f(x-)| + |f(x)|) / (2h) over G = max(|a|, |c|, max|g| (x+ - x-)/(2h))
    for the entry where it is largest: here x[1], whose own slope is tiny beside max|g| = 0.5 < 1."""
    b = np.array([0.5, 0.001])

    def f(v):
        return 1e8 + float(b @ v)

    x = np.array([4.0, 0.7])
    result, check = _exhaustive(f, lambda v: b, x)
    assert result.verdict == "cannot tell" and check.evaluations == 5
    h = _step(0.7)
    xp, xm = x.copy(), x.copy()
    xp[1] += h
    xm[1] -= h
    noise_f = NOISE_ULPS * EPS64 * (abs(f(xp)) + abs(f(xm)) + abs(f(x))) / (2 * h)
    u = _unit(0.7)
    assert abs(u - 1.0) > 1e-12
    assert check.blur == pytest.approx(noise_f / (0.5 * u), rel=1e-13)
    assert abs(check.blur - noise_f / (0.5 / u)) > 1e-12 * check.blur


def test_float32_analytic_values_pass_cleanly_within_their_own_rounding():
    """df in float32 with a tiny rtol: its rounding (half an ulp) is within the analytic allowance
    64 eps32 (|g_j| + max|g| / 4): passed (not "cannot tell"), at the first step."""
    x = np.linspace(-1.0, 1.4, 6)
    result, check = _exhaustive(lambda v: float(np.sum(np.sin(v))), lambda v: np.cos(v).astype(np.float32), x,
                                rtol=1e-9)
    assert result.verdict == "passed" and not check.cannot_tell
    assert check.evaluations == 2 * x.size + 1


def test_a_small_float32_entry_is_allowed_16_ulps_of_the_largest_entry():
    """Beside an entry of 1000, a float32 entry of 0.001 may be off by up to 64 eps32 (|g_j| + 1000 / 4)
    (rounding at the tensor's scale): 0.85 of that passes at the first step, 1.3 of it fails."""
    b = np.array([1000.0, 0.001])

    def f(v):
        return float(b @ v)

    for share, passes in [(0.85, True), (1.3, False)]:
        g1 = 0.001 + share * NOISE_ULPS * EPS32 * (0.001 + 250.0)
        for _ in range(3):  # the allowance grows with g1 a little
            g1 = 0.001 + share * NOISE_ULPS * EPS32 * (g1 + 250.0)
        g = np.array([1000.0, g1], dtype=np.float32)
        result, check = _exhaustive(f, lambda v: g, np.zeros(2), rtol=1e-9)
        if passes:
            assert result.verdict == "passed" and check.evaluations == 5
        else:
            assert result.verdict == "failed" and [e.index for e in check.entries] == [(1,)]


def test_an_entry_looked_at_for_a_jump_keeps_the_allowance_at_the_tensors_scale():
    """As above, but x[1] also curves strongly (its one-sided slopes differ a lot at the first step), so it is
    looked at again by judge, which must allow the same rounding at the tensor's scale: it passes."""
    k = 1e6

    def f(v):
        return 1000.0 * v[0] + 0.001 * v[1] + k * v[1] ** 2

    g1 = np.float32(0.001 + 0.5 * NOISE_ULPS * EPS32 * 250.0)
    g = np.array([1000.0, g1], dtype=np.float32)
    result, check = _exhaustive(f, lambda v: g, np.zeros(2), rtol=1e-9)
    assert result.verdict == "passed" and not check.kinks
    assert check.evaluations > 5  # looked at again


def test_a_zero_function_with_atol_0_passes_exactly_at_the_first_step():
    """f = 0, df = 0, atol = 0: every tolerance is 0 and |a - c| = 0 is within it (<=); nothing jumps."""
    result, check = _exhaustive(lambda v: 0.0, lambda v: np.zeros_like(v), np.array([0.5, -1.0, 2.0]), atol=0.0)
    assert result.verdict == "passed" and not check.cannot_tell
    assert check.evaluations == 7 and check.max_error == 0.0


def test_a_step_of_exactly_1_still_gives_the_numeric_slope():
    """At x = 0.5 / cbrt(eps) the stored points are exactly 1 apart: the numeric slope is (fp - fm) / 1."""
    x = np.array([0.5 / np.cbrt(EPS64), 0.25])
    h = _step(x[0])
    assert (x[0] + h) - (x[0] - h) == 1.0
    b = np.array([2.0, -3.0])
    result, check = _exhaustive(lambda v: float(b @ v), lambda v: b, x)
    assert result.verdict == "passed"
    assert check.numeric[0] == pytest.approx(b, rel=1e-5)  # f is about 1.7e5: its rounding shows at 1e-6


# --------------------------------------------------------------------------- layers: float32, empty

class Float32Weights:
    """A layer with float32 parameters ``w``, computing in float64: ``out = s * ones``, ``s = c . (w - w0)``,
    so ``phi = sum(g) s`` is 0 at the saved ``w`` and linear in ``w``."""

    def __init__(self, w: np.ndarray, coef: np.ndarray):
        self.w = w.astype(np.float32)
        self.w0 = self.w.astype(np.float64)
        self.coef = coef
        self.gw = np.zeros_like(coef)

    def forward(self, x):
        s = float(np.sum(self.coef * (self.w.astype(np.float64) - self.w0)))
        return np.full(np.shape(x), s)

    def backward(self, dout):
        self.gw = self.coef * float(np.sum(dout))
        return np.zeros_like(dout)

    def parameters(self):
        return {"w": self.w}

    def gradients(self):
        return {"w": self.gw}


def _far_from_h(n: int) -> np.ndarray:
    """float32 values in [1, 1.1) whose stored first points are furthest from x +- h (h = cbrt(eps32) x)."""
    cand = (1.0 + np.arange(0, 12800) * 2.0**-17).astype(np.float32).astype(np.float64)
    h = np.cbrt(EPS32) * cand
    d = (cand + h).astype(np.float32).astype(np.float64) - (cand - h).astype(np.float32).astype(np.float64)
    dev = np.abs(d / (2 * h) - 1.0)
    best = np.argsort(-dev, kind="stable")[:n]
    assert dev[best].min() > 1e-5
    return cand[best]


def test_float32_parameters_are_compared_at_their_stored_points():
    """The steps of a float32 parameter are rounded to float32 and both sides use the points as stored:
    a right gradient agrees at the first step to far better than the float32 rounding of the step (1e-5)."""
    w = _far_from_h(6)
    layer = Float32Weights(w, coef=np.array([1.0, -2.0, 0.5, 4.0, -1.0, 2.0]))
    result = gradcheck_layer(layer, np.ones((2, 1)), mode="exhaustive", rtol=1e-9)
    checks = {c.name: c for c in result.checks}
    assert result.verdict == "passed"
    assert checks["w"].evaluations == 2 * w.size + 1
    assert checks["w"].numeric[0] == pytest.approx(layer.gw, rel=1e-10)


class EmptyParameter:
    """``2 x``, with a parameter that has no entries."""

    def __init__(self):
        self.e, self.ge = np.zeros(0), np.zeros(0)

    def forward(self, x):
        return 2.0 * x + np.sum(self.e)

    def backward(self, dout):
        self.ge = np.zeros(0)
        return 2.0 * dout

    def parameters(self):
        return {"e": self.e}

    def gradients(self):
        return {"e": self.ge}


def test_a_parameter_with_no_entries_passes_with_no_error():
    result = gradcheck_layer(EmptyParameter(), np.ones((2, 3)), mode="exhaustive")
    checks = {c.name: c for c in result.checks}
    assert result.verdict == "passed"
    assert checks["e"].mode == "exhaustive" and checks["e"].max_error == 0.0 and checks["e"].evaluations == 1
    assert checks["x"].max_error < 1e-8
    assert "max relative error 1.0e+00" not in result.report()


# --------------------------------------------------------------------------- a Jacobian checked along directions

def test_a_located_jacobian_entry_reports_its_numeric_slope_per_unit_of_x():
    """A vector-valued f checked along random directions: the wrong column found is checked entry by entry
    for every output; the numeric value is a central difference at one of the steps, per unit of x."""
    a = np.random.default_rng(1).normal(size=(3, 8))
    x = 1000.3 + np.arange(8.0) * 1.7
    jac = a.copy()
    jac[1, 5] *= 1.5

    def f(v):
        return a @ v

    result = gradcheck(f, lambda v: jac, x, mode="directional")
    (check,) = result.checks
    assert not result.passed and check.mode == "directional"
    (entry,) = check.entries
    assert entry.index == (1, 5)
    _per_unit(_central_slopes(f, x, 5, i=1), x[5], near=entry.numeric)


def test_a_located_column_is_looked_at_again_where_one_output_jumps_relative_to_its_own_gradient():
    """Output 0 (|f| = 1e6, float32 Jacobian) has entry 5 off by 0.5: the random direction disagrees and
    finds column 5, which entry by entry passes within the rounding allowed at the scale of output 0's values.
    Output 1's gradient is tiny (1e-6); adding 1e-3 x_5**2 to it makes its one-sided slopes in x_5 differ by
    far more than 1e-3 of *its* gradient (not of output 0's), so the column is looked at one step further.
    (That no entry comes back is a known limitation, in tests/MUTANTS.md: a float32 Jacobian is allowed
    rounding at the scale of f's values, here 1e6, entry by entry, but not along the random direction.)"""
    n = 8
    x = np.linspace(-0.3, 0.4, n)
    x[5] = 0.0

    def run(curv):
        def f(v):
            return np.array([1e6 + np.sum(v), 1e-6 * np.sum(v) + curv * v[5] ** 2])

        def df(v):
            jac = np.vstack([np.ones(n), np.full(n, 1e-6)])
            jac[1, 5] += 2 * curv * v[5]
            jac[0, 5] = 1.5
            return jac.astype(np.float32)

        result = gradcheck(f, df, x, mode="directional")
        (check,) = result.checks
        assert check.mode == "directional" and not check.passed and check.entries == []
        assert check.diagnosis.name == "unknown"
        assert check.diagnosis.message == ("Bisection pointed at column 5 of the Jacobian of f w.r.t. x, but every "
                                           "entry there agrees when checked one by one; no pattern recognised.")
        return check.evaluations

    assert run(1e-3) - run(0.0) == 2  # one more step (2 evaluations) for column 5


def _levels_apart(n: int) -> np.ndarray:
    """float32 values in [1, 1.1) whose stored points x +- h/4**k are, at every level k in 1..11, a step whose
    length over 2 h/4**k differs by more than 1e-5 from the first level's (h = cbrt(eps32) x)."""
    cand = (1.0 + np.arange(0, 12800) * 2.0**-17).astype(np.float32).astype(np.float64)
    h = np.cbrt(EPS32) * cand

    def unit(k):
        t = h / 4.0**k
        return ((cand + t).astype(np.float32).astype(np.float64) - (cand - t).astype(np.float32).astype(np.float64)) / (2 * t)

    dev = np.min([np.abs(unit(k) / unit(0) - 1.0) for k in range(1, 12)], axis=0)
    best = np.argsort(-dev, kind="stable")[:n]
    assert dev[best].min() > 1e-5
    return cand[best]


def test_a_wrong_float32_entry_reports_its_numeric_value_at_the_step_that_gave_it():
    """A wrong entry is followed to smaller steps; its reported numeric value is the slope of a later step
    over *that* step as stored in float32 (whose length differs from the first step's by over 1e-5 of the
    step here), so for a linear f it is the true derivative to 1e-9."""
    w = _levels_apart(6)
    coef = np.array([1.0, -2.0, 0.5, 4.0, -1.0, 2.0])

    class OneWrong(Float32Weights):
        def backward(self, dout):
            out = super().backward(dout)
            self.gw = self.gw.copy()
            self.gw[2] *= 1.5
            return out

    layer = OneWrong(w, coef=coef)
    result = gradcheck_layer(layer, np.ones((2, 1)), mode="exhaustive", rtol=1e-6)
    checks = {c.name: c for c in result.checks}
    assert result.verdict == "failed"
    assert checks["w"].evaluations > 2 * w.size + 3  # the wrong entry was followed past the first step
    (entry,) = checks["w"].entries
    assert entry.index == (2,)
    true = entry.analytic / 1.5  # the right derivative: the layer's own before it was scaled
    assert entry.numeric == pytest.approx(true, rel=1e-9)
    assert checks["w"].numeric[0][2] == pytest.approx(true, rel=1e-9)
