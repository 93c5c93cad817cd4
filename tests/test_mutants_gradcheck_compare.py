"""The comparison of the gradient checker (course/gradcheck/compare.py): the tests that kill its mutants.

``judge`` compares an analytic slope ``a`` with a central difference ``c`` along a direction,
``|a - c| <= atol + rtol * scale + noise``, and looks closer (smaller steps, Richardson, kinks)
where they disagree. Most tests here call it on hand-built probes whose points and values are
exact in binary (dyadic ``x``, ``t`` and coefficients), so ``a``, ``c`` and every allowance are
known to the last bit and a pass can be tested just below and just above its boundary.
tests/MUTANTS.md lists the mutants each test was written against.
"""
from __future__ import annotations

import numpy as np
import pytest

from course.gradcheck import gradcheck
from course.gradcheck.compare import NOISE_ULPS, SCALE_ULPS, Probe, entry_index, judge, wrong_entry
from course.gradcheck.directional import directional_scale
from course.gradcheck.exhaustive import _entry_scale  # max(|a|, |c|): one entry's scale, as exhaustive mode uses it

EPS64 = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)
T = 2.0**-16  # a dyadic step: x +- t v is exact for dyadic x and v


def _probe(f, g, x, *, eps_an=EPS64, eps_num=EPS64, value_scale=0.0, store=np.float64):
    """A probe of the scalar ``f`` at ``x`` with the analytic gradient ``g`` (one output row)."""
    x = np.asarray(x, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)

    def evaluate(v):
        return np.atleast_1d(np.asarray(f(v), dtype=np.float64))

    return Probe(name="x", base=x, analytic=g.reshape(-1, x.size), evaluate=evaluate, store=np.dtype(store),
                 eps_numeric=eps_num, eps_analytic=eps_an, f0=evaluate(x), value_scale=value_scale)


def _linear(b, offset=0.0):
    b = np.asarray(b, dtype=np.float64)
    return lambda v: offset + float(b @ np.ravel(v))


# --------------------------------------------------------------------------- the tolerance of one column

# (offset of f, eps of the analytic side, value_scale, other entries of g, atol, rtol): each row makes one
# term of the tolerance the largest: atol; rtol * scale; f's rounding; the analytic rounding of the entry;
# of the tensor's scale (its largest entry); of the function's values per entry (value_scale)
_REGIMES = {
    "atol": (0.0, EPS64, 0.0, 0.25, 1e-5, 1e-9),
    "rtol": (0.0, EPS64, 0.0, 0.25, 0.0, 1e-5),
    "f rounding": (2.0**20, EPS64, 0.0, 0.25, 0.0, 1e-9),
    "analytic rounding": (0.0, EPS32, 0.0, 0.0, 0.0, 1e-9),
    "tensor scale": (0.0, EPS32, 0.0, 64.0, 0.0, 1e-9),
    "value scale": (0.0, EPS32, 4096.0, 0.25, 0.0, 1e-9),
}


def _entry_tolerance(g, j, offset, bj, eps_an, value_scale, atol, rtol, eps_num=EPS64):
    """atol + rtol max(|a|, |c|) + 64 eps |f| / t (3 values) + 64 eps_J |g_j| + 16 eps_J max(max|g|, value_scale)."""
    a, c = g[j], bj
    f_sum = abs(offset + bj * T) + abs(offset - bj * T) + abs(offset)
    noise_f = NOISE_ULPS * eps_num * f_sum / (2 * T)
    noise_j = NOISE_ULPS * eps_an * abs(a) + SCALE_ULPS * eps_an * max(np.abs(g).max(), value_scale)
    return atol + rtol * max(abs(a), abs(c)) + noise_f + noise_j


@pytest.mark.parametrize("regime", sorted(_REGIMES))
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_an_entry_passes_at_the_first_step_exactly_within_atol_rtol_and_the_rounding_allowances(regime, sign):
    """Just inside ``atol + rtol max(|a|,|c|) + noise_f + noise_J`` a single entry passes with 2 evaluations;
    just outside it is looked at more closely (more evaluations), whichever term is the largest."""
    offset, eps_an, value_scale, other, atol, rtol = _REGIMES[regime]
    b = np.array([other, 0.75, -other])
    j = 1
    for factor, inside in [(0.99, True), (1.01, False)]:
        g = b.copy()
        tol = _entry_tolerance(g, j, offset, b[j], eps_an, value_scale, atol, rtol)
        for _ in range(3):  # the tolerance depends on a = g_j a little: settle it
            g[j] = b[j] + sign * factor * tol
            tol = _entry_tolerance(g, j, offset, b[j], eps_an, value_scale, atol, rtol)
        p = _probe(_linear(b, offset), g, np.zeros(3), eps_an=eps_an, value_scale=value_scale)
        v = np.zeros(3)
        v[j] = 1.0
        r = judge(p, v, T, scale_of=_entry_scale, ref=np.abs(g).max(keepdims=True), rtol=rtol, atol=atol,
                  support=np.array([j]))
        if inside:
            assert r.ok[0] and p.calls[0] == 2, (regime, factor, p.calls)
            assert not r.kink[0]
            assert r.a[0] == g[j] and r.c[0] == b[j]
            np.testing.assert_array_equal(r.d, 2 * T * v)
        else:
            assert p.calls[0] > 2, (regime, factor)


def _direction_tolerance(g, d, offset, fvals, eps_an, atol, rtol, scale):
    noise_f = NOISE_ULPS * EPS64 * sum(abs(f) for f in fvals) / (2 * T)
    noise_j = NOISE_ULPS * eps_an * float(np.abs(g) @ np.abs(d)) / (2 * T)
    return atol + rtol * scale + noise_f + noise_j


@pytest.mark.parametrize("offset, eps_an, atol, rtol", [(0.0, EPS64, 0.0, 1e-5), (2.0**20, EPS64, 0.0, 1e-9),
                                                        (0.0, EPS32, 0.0, 1e-9), (0.0, EPS64, 1e-5, 1e-9)])
def test_a_direction_passes_at_the_first_step_exactly_within_its_tolerance(offset, eps_an, atol, rtol):
    """Along a unit direction of 4 entries the tolerance is ``atol + rtol ||g|| max(1/sqrt(n), 1e-2) ||d||/2t``
    plus the rounding of ``f`` and of ``|g| . |d|`` (no allowance for the tensor's scale: not one entry)."""
    b = np.array([0.75, -0.5, 0.25, 1.0])
    v = np.full(4, 0.5)
    d = 2 * T * v
    c = float(b @ v)
    fvals = (offset + c * T, offset - c * T, offset)
    for factor, inside in [(0.99, True), (1.01, False)]:
        g = b.copy()
        for _ in range(3):
            scale = float(np.linalg.norm(g)) * 0.5 * np.linalg.norm(d) / (2 * T)
            tol = _direction_tolerance(g, d, offset, fvals, eps_an, atol, rtol, scale)
            g[0] = b[0] + factor * tol / v[0]  # a - c = (g - b) . v
        p = _probe(_linear(b, offset), g, np.zeros(4), eps_an=eps_an)
        r = judge(p, v, T, scale_of=directional_scale(float(np.linalg.norm(g)), 4), ref=np.array([np.linalg.norm(g)]),
                  rtol=rtol, atol=atol)
        assert (p.calls[0] == 2) == inside, (factor, p.calls)  # outside: looked at again at smaller steps
        assert r.ok[0] or not inside
        assert r.a[0] == pytest.approx(float(g @ v), rel=1e-15) and r.c[0] == c


# --------------------------------------------------------------------------- passed only thanks to f's rounding

@pytest.mark.parametrize("eps_an", [EPS64, EPS32])
@pytest.mark.parametrize("ref", [None, 64.0])
def test_a_column_is_rounded_exactly_when_it_needs_the_allowance_for_f_s_rounding(ref, eps_an):
    """With ``f = 2**20 + b.x`` the allowance for f's rounding is a large part of the tolerance: an error within
    ``atol + rtol G + noise_J`` is a clean pass, one beyond it (but within the tolerance) a *rounded* one, with
    ``blur = noise_f / G``; ``G = max(scale, ref |d|max / 2t)``, the gradient's scale in the column."""
    offset, rtol, atol = 2.0**20, 1e-9, 1e-10
    b = np.array([0.25, 0.75, -0.25])
    j = 1
    f_sum = abs(offset + b[j] * T) + abs(offset - b[j] * T) + offset
    noise_f = NOISE_ULPS * EPS64 * f_sum / (2 * T)
    for factor, rounded in [(0.98, False), (1.02, True)]:
        g = b.copy()
        for _ in range(3):
            G = max(abs(g[j]), abs(b[j])) if ref is None else max(abs(g[j]), abs(b[j]), ref)
            noise_j = NOISE_ULPS * eps_an * abs(g[j]) + SCALE_ULPS * eps_an * np.abs(g).max()
            tight = atol + rtol * G + noise_j
            g[j] = b[j] + factor * tight
        p = _probe(_linear(b, offset), g, np.zeros(3), eps_an=eps_an)
        v = np.zeros(3)
        v[j] = 1.0
        r = judge(p, v, T, scale_of=_entry_scale, ref=np.array([0.5 if ref is None else ref]), rtol=rtol, atol=atol,
                  support=np.array([j]))
        assert r.ok[0] and p.calls[0] == 2  # within the whole tolerance
        assert bool(r.rounded[0]) == rounded, (factor, r.rounded)
        assert r.blur[0] == pytest.approx(noise_f / G, rel=1e-12)


def test_a_wrong_entry_that_passes_only_at_a_smaller_step_thanks_to_f_s_rounding_is_rounded():
    """f's rounding allowance grows by 4 per level (``1/t``): an error just beyond the first step's tolerance
    passes at the second step, rounded, with that step's (4 times larger) blur."""
    offset, rtol, atol = 2.0**20, 1e-9, 0.0
    b = np.array([0.25, 0.75, -0.25])
    j = 1
    g = b.copy()
    tol = _entry_tolerance(g, j, offset, b[j], EPS64, 0.0, atol, rtol)
    g[j] = b[j] + 1.5 * tol
    p = _probe(_linear(b, offset), g, np.zeros(3))
    v = np.zeros(3)
    v[j] = 1.0
    r = judge(p, v, T, scale_of=_entry_scale, ref=np.array([0.75]), rtol=rtol, atol=atol, support=np.array([j]))
    assert r.ok[0] and r.rounded[0] and not r.kink[0]
    assert p.calls[0] == 4  # decided at the second step
    f_sum = abs(offset + b[j] * T / 4) + abs(offset - b[j] * T / 4) + offset
    assert r.blur[0] == pytest.approx(NOISE_ULPS * EPS64 * f_sum / (2 * T / 4) / abs(g[j]), rel=1e-9)
    assert r.c[0] == b[j]


# --------------------------------------------------------------------------- the relative error reported

@pytest.mark.parametrize("atol, rtol", [(0.0, 1e-6), (1e-7, 1e-6), (1e-6, 1e-9)])
def test_the_error_of_a_column_is_its_difference_over_the_tolerance_expressed_in_rtol(atol, rtol):
    """``error = |a - c| / (scale + (atol + noise) / rtol)``: at most rtol exactly when the column passes."""
    b = np.array([0.75, 0.5])
    for factor in (0.5, 0.9, 1.1, 2.0, 10.0):
        g = b.copy()
        tol = _entry_tolerance(g, 0, 0.0, b[0], EPS64, 0.0, atol, rtol)
        g[0] = b[0] + factor * tol
        p = _probe(_linear(b), g, np.zeros(2))
        r = judge(p, np.array([1.0, 0.0]), T, scale_of=_entry_scale, ref=np.array([1.0]), rtol=rtol, atol=atol,
                  support=np.array([0]))
        diff = abs(g[0] - b[0])
        noise = _entry_tolerance(g, 0, 0.0, b[0], EPS64, 0.0, 0.0, 0.0)
        if factor < 1:
            assert r.ok[0]
            expected = diff / (max(abs(g[0]), abs(b[0])) + (atol + noise) / rtol)
            assert r.error[0] == pytest.approx(expected, rel=1e-9)
            assert r.error[0] <= rtol
        else:
            assert not r.ok[0] and r.error[0] > rtol


def test_the_errors_reported_by_gradcheck_are_relative_errors():
    """A gradient 10 % too large: each wrong entry's error is the plain relative error ``|a - n| / max(|a|, |n|)``
    = 0.1 / 1.1; max_error, relative to the tolerance's scale (which adds the rounding allowances), a little less."""
    x = np.array([0.5, -1.5, 2.0])
    r = gradcheck(lambda v: float(np.sum(v**2)), lambda v: 2.2 * v, x, mode="exhaustive", atol=0.0)
    chk = r.checks[0]
    assert not r and chk.n_wrong == 3
    assert 0.05 < chk.max_error <= 0.1 / 1.1 * (1 + 1e-6)
    for e in chk.entries:
        assert e.error == pytest.approx(abs(e.analytic - e.numeric) / max(abs(e.analytic), abs(e.numeric)), rel=1e-12)
        assert e.error == pytest.approx(0.1 / 1.1, rel=1e-6)
    d = gradcheck(lambda v: float(np.sum(v**2)), lambda v: 2.2 * v, x, mode="directional", atol=0.0,
                  rng=np.random.default_rng(0)).checks[0]
    assert 0.0 < d.max_error < 1.0


def test_wrong_entry_takes_the_relative_error_over_the_larger_magnitude():
    """``wrong_entry``: floats, and ``|a - n| / max(|a|, |n|)`` whichever side is larger (0/0 counts as 0)."""
    e = wrong_entry((1, 2), np.float32(3.0), 1.0)
    assert e.index == (1, 2) and type(e.analytic) is float and type(e.numeric) is float
    assert (e.analytic, e.numeric, e.error) == (3.0, 1.0, pytest.approx(2.0 / 3.0, rel=1e-15))
    assert wrong_entry((0,), 1.0, -3.0).error == pytest.approx(4.0 / 3.0, rel=1e-15)
    assert wrong_entry((0,), -0.5, 0.0).error == 1.0
    assert wrong_entry((0,), 0.0, 0.0).error == 0.0
    assert wrong_entry((0,), 1e-310, 0.0).error == pytest.approx(1e-10, rel=1e-6)  # the floor is 1e-300


# --------------------------------------------------------------------------- smaller steps and Richardson

def test_richardson_removes_a_cubic_s_truncation_error_at_the_second_step():
    """For ``f = A x**3`` the central difference is ``f' + A t**2`` exactly; ``(16 c_1 - c_0) / 15`` removes it.
    With the error above rtol at the first three steps, only Richardson accepts, at the second: 4 evaluations."""
    A, x0 = 1.0, 2.0**-12
    for t in (T, 2 * T):
        p = _probe(lambda v: A * float(v[0]) ** 3, [3 * A * x0**2], [x0])
        r = judge(p, np.array([1.0]), t, scale_of=_entry_scale, ref=np.array([3 * A * x0**2]), rtol=1e-6, atol=0.0,
                  support=np.array([0]))
        assert r.ok[0] and not r.kink[0] and p.calls[0] == 4, p.calls
        assert r.c[0] == pytest.approx(3 * A * x0**2 + A * (t / 4) ** 2, rel=1e-9)  # c of the step that decided
        # a gradient wrong by twice the second step's own error is not accepted by Richardson
        p = _probe(lambda v: A * float(v[0]) ** 3, [3 * A * x0**2 + 2 * A * (t / 4) ** 2], [x0])
        r = judge(p, np.array([1.0]), t, scale_of=_entry_scale, ref=np.array([3 * A * x0**2]), rtol=1e-6, atol=0.0,
                  support=np.array([0]))
        assert p.calls[0] > 4


def test_gradcheck_of_a_cubic_near_zero_is_settled_by_richardson():
    """Through the public API: the first step's truncation error (above rtol) is removed at the second step
    (2 n evaluations for all entries, 4 more for each entry that disagreed at the first step, 1 for f(x))."""
    x = np.array([2.0**-12, 2.0**-11, -2.0**-12])  # f ~ 1e-11: its rounding is far below the truncation error
    r = gradcheck(lambda v: float(np.sum(v**3)), lambda v: 3 * v**2, x, mode="exhaustive", atol=0.0)
    assert r and r.checks[0].verdict == "passed" and not r.checks[0].kinks
    assert r.checks[0].evaluations == 2 * 3 + 4 * 3 + 1
    bad = gradcheck(lambda v: float(np.sum(v**3)), lambda v: 3 * v**2 * 1.001, x, mode="exhaustive", atol=0.0)
    assert not bad and bad.checks[0].n_wrong == 3


# --------------------------------------------------------------------------- kinks

def _abs_probe(slope):
    return _probe(lambda v: abs(float(v[0])), [slope], [0.0])


def _judge1(p, t=T, rtol=1e-6, atol=0.0, ref=1.0):
    return judge(p, np.array([1.0]), t, scale_of=_entry_scale, ref=np.array([ref]), rtol=rtol, atol=atol,
                 support=np.array([0]))


def test_a_kink_at_x_is_recorded_even_when_the_central_difference_agrees():
    """|x| at 0 with the analytic slope 0: the central difference (0) agrees, the one-sided slopes -1 and +1 jump
    at every step: a kink, passed, with error 0 and left/right as measured at the last step."""
    p = _abs_probe(0.0)
    r = _judge1(p)
    assert r.ok[0] and r.kink[0] and r.error[0] == 0.0 and not r.rounded[0]
    assert (r.left[0], r.right[0]) == (-1.0, 1.0)
    assert p.calls[0] == 6  # three steps: the jump must persist at each
    smooth = _probe(lambda v: float(v[0]) ** 2, [0.0], [0.0])
    r = _judge1(smooth)
    assert r.ok[0] and not r.kink[0] and smooth.calls[0] == 2


@pytest.mark.parametrize("side", [1.0, -1.0])
def test_a_subgradient_passes_as_a_kink_up_to_the_slack_and_not_beyond(side):
    """|x| at 0: a slope beyond the one-sided slopes [-1, 1] passes as a kink while within
    ``tol + 0.05 |right - left|`` of them (here 0.1 + rtol |a|), and fails beyond."""
    rtol = 1e-6
    for a, ok in [(0.5, True), (1.0, True), (1.09, True), (1.0999, True), (1.1002, False), (1.2, False), (3.0, False)]:
        p = _abs_probe(side * a)
        r = _judge1(p, rtol=rtol)
        assert bool(r.ok[0]) == ok and bool(r.kink[0]) == ok, (side, a)
        assert (r.left[0], r.right[0]) == (-1.0, 1.0)
        assert r.error[0] == 0.0 if ok else r.error[0] > rtol  # a kink has no error
        assert not r.rounded[0]


def test_a_kink_away_from_x_that_the_first_step_crosses_passes_at_a_smaller_step():
    """|x - s| with 0 < s < t: the first step crosses the kink, the second does not; no kink at x is recorded."""
    s = T / 2
    p = _probe(lambda v: abs(float(v[0]) - s), [-1.0], [0.0])
    r = _judge1(p)
    assert r.ok[0] and not r.kink[0] and p.calls[0] == 4
    assert r.c[0] == -1.0


def test_kinks_and_their_one_sided_slopes_are_reported_by_gradcheck():
    """relu at 0 and |x| at 0, per unit of x, in index order; the smooth entries are not kinks."""
    f = lambda v: float(np.maximum(v[0], 0.0) + abs(v[2]) + v[1] ** 2)  # noqa: E731
    df = lambda v: np.array([0.5, 2 * v[1], 0.25])  # noqa: E731
    r = gradcheck(f, df, np.array([0.0, 0.75, 0.0]), mode="exhaustive")
    chk = r.checks[0]
    assert r and [k.index for k in chk.kinks] == [(0,), (2,)]
    assert [(k.analytic, k.left, k.right) for k in chk.kinks] == [
        (0.5, pytest.approx(0.0, abs=1e-9), pytest.approx(1.0, rel=1e-9)),
        (0.25, pytest.approx(-1.0, rel=1e-9), pytest.approx(1.0, rel=1e-9))]
    bad = gradcheck(f, lambda v: np.array([1.5, 2 * v[1], 0.25]), np.array([0.0, 0.75, 0.0]), mode="exhaustive")
    assert not bad and [e.index for e in bad.checks[0].entries] == [(0,)]


# --------------------------------------------------------------------------- the probe

def test_the_analytic_scale_is_per_output_row_and_at_least_value_scale():
    """``analytic_scale``: max |J| of each row (not of the whole Jacobian), raised to value_scale."""
    J = np.array([[1.0, -4.0], [0.5, 0.25]])
    p = Probe(name="x", base=np.zeros(2), analytic=J, evaluate=lambda v: np.zeros(2), store=np.dtype(np.float64),
              eps_numeric=EPS64, eps_analytic=EPS64, f0=np.zeros(2))
    np.testing.assert_array_equal(p.analytic_scale(), [4.0, 0.5])
    p.value_scale = np.array([2.0, 2.0])
    np.testing.assert_array_equal(p.analytic_scale(), [4.0, 2.0])
    np.testing.assert_array_equal(p.abs_analytic(), np.abs(J))
    assert p.abs_analytic() is p.abs_analytic()  # computed once
    # a tensor without entries: one scale per output row still (value_scale, else 0)
    empty = Probe(name="x", base=np.zeros(0), analytic=np.zeros((2, 0)), evaluate=lambda v: np.zeros(2),
                  store=np.dtype(np.float64), eps_numeric=EPS64, eps_analytic=EPS64, f0=np.zeros(2))
    np.testing.assert_array_equal(empty.analytic_scale(), [0.0, 0.0])
    empty.value_scale = 3.0
    np.testing.assert_array_equal(empty.analytic_scale(), [3.0, 3.0])


def test_a_probe_counts_every_evaluation_once():
    """``p(values)`` and ``at_entry()(j, value)`` each add one call to ``p.calls[0]`` and evaluate at the value."""
    seen = []
    p = _probe(lambda v: seen.append(np.array(v)) or float(np.sum(v)), [1.0, 1.0], [1.0, 2.0])
    assert p.calls == [0]
    assert p(np.array([3.0, 4.0]))[0] == 7.0 and p.calls == [1]
    at = p.at_entry()
    assert at(1, 5.0)[0] == 6.0 and at(0, -1.0)[0] == 1.0 and p.calls == [3]
    np.testing.assert_array_equal(p.base, [1.0, 2.0])


def test_entry_index_of_a_gradient_is_into_the_tensor_and_of_a_jacobian_output_input():
    g = _probe(lambda v: 0.0, np.zeros(6), np.zeros((2, 3)))
    assert entry_index(g, 0, 5) == (1, 2) and all(type(k) is int for k in entry_index(g, 0, 5))
    s = _probe(lambda v: 0.0, [1.0], np.array(0.5))
    assert entry_index(s, 0, 0) == ()
    J = Probe(name="x", base=np.zeros(3), analytic=np.zeros((2, 3)), evaluate=lambda v: np.zeros(2),
              store=np.dtype(np.float64), eps_numeric=EPS64, eps_analytic=EPS64, f0=np.zeros(2))
    assert entry_index(J, np.int64(1), np.int64(2)) == (1, 2) and all(type(k) is int for k in entry_index(J, 1, 2))
    column = Probe(name="x", base=np.zeros(1), analytic=np.zeros((3, 1)), evaluate=lambda v: np.zeros(3),
                   store=np.dtype(np.float64), eps_numeric=EPS64, eps_analytic=EPS64, f0=np.zeros(3))
    assert entry_index(column, 2, 0) == (2, 0)


def test_points_are_rounded_to_the_tensor_s_dtype_before_measuring():
    """A float32 tensor: ``x +- t v`` as float32 can store them; ``d`` is the stored difference."""
    x0 = 1.0 + 2.0**-20
    t = 2.0**-30  # far below float32's resolution at 1: both points round to float32(x0)
    seen = []
    p = _probe(lambda v: seen.append(float(v[0])) or float(v[0]), [1.0], [x0], store=np.float32)
    r = _judge1(p, t=t)
    assert all(s == float(np.float32(x0)) for s in seen)
    assert r.d[0] == 0.0 and r.a[0] == 0.0


# --------------------------------------------------------------------------- exact boundaries (no rounding allowance)

def _exact(f, g, x0=0.0):
    """A probe of one entry whose values are exact (eps 0: no allowance for rounding), to test boundaries."""
    return _probe(f, [g], [x0], eps_an=0.0, eps_num=0.0)


A = 2.0**-10  # atol of the exact tests: tol = atol exactly (rtol 0, eps 0)


def test_the_comparisons_are_inclusive_at_the_tolerance():
    """``|a - c| <= tol`` passes at equality: for the central difference at the first step (f = 0, a = atol),
    and for Richardson at the second (f = v**3 at 0: c_k = t_k**2, Richardson exactly 0, a = -atol); both clean."""
    p = _exact(lambda v: 0.0, A)
    r = _judge1(p, rtol=0.0, atol=A)
    assert r.ok[0] and not r.rounded[0] and p.calls[0] == 2
    p = _exact(lambda v: float(v[0]) ** 3, -A)
    r = _judge1(p, t=2.0**-2, rtol=0.0, atol=A)
    assert r.ok[0] and not r.rounded[0] and not r.kink[0] and p.calls[0] == 4
    # the central difference of the second step agreeing exactly is clean too, whatever Richardson says
    p = _exact(lambda v: float(v[0]) ** 3, 2.0**-8)  # a = c_1 = (2**-2 / 4)**2, Richardson 0 is 2**-8 away
    r = _judge1(p, t=2.0**-2, rtol=0.0, atol=2.0**-9)
    assert r.ok[0] and not r.rounded[0] and p.calls[0] == 4 and r.c[0] == 2.0**-8


def test_a_jump_is_large_only_when_strictly_above_jump_times_ref_plus_tol():
    """``large = jump > 1e-3 ref + tol``: s|v| with the jump exactly 1e-3 * 1000 + atol is no kink (decided at the
    first step, where the central difference agrees); a little more is one, looked at over three steps."""
    for s, kink in [((1.0 + A) / 2, False), ((1.0 + 2 * A) / 2, True)]:
        p = _exact(lambda v, s=s: s * abs(float(v[0])), 0.0)
        r = _judge1(p, rtol=0.0, atol=A, ref=1000.0)
        assert r.ok[0] and bool(r.kink[0]) == kink and p.calls[0] == (6 if kink else 2)


@pytest.mark.parametrize("ref, kink", [(4.0, False), (1.0, True), (0.25, True)])
def test_the_jump_of_a_kink_is_relative_to_ref(ref, kink):
    """A jump of 0.002 in the one-sided slopes: a kink when ``ref`` (the gradient's scale) is 1 or less, not when it
    is 4 (then 0.002 < 1e-3 * 4 + tol: within what the gradient's own curvature may do)."""
    p = _probe(lambda v: 0.001 * abs(float(v[0])), [0.0], [0.0])
    r = _judge1(p, ref=ref)
    assert r.ok[0] and bool(r.kink[0]) == kink


def test_a_kink_needs_a_jump_above_twice_the_tolerance():
    """s|v| with the analytic slope 1.5 s outside the central difference (0) by more than atol: a kink (inside
    [-s, s] up to the slack) only if the jump 2 s is more than 2 tol: not at 2 tol exactly, yes at 2.6 tol."""
    for s, a, ok in [(A, 1.5 * A, False), (1.3 * A, 1.2 * A, True)]:
        p = _exact(lambda v, s=s: s * abs(float(v[0])), a)
        r = _judge1(p, rtol=0.0, atol=A)
        assert bool(r.ok[0]) == ok and bool(r.kink[0]) == ok, (s, a)
    # the same with a (small) rtol: more steps are tried, and the jump is still steady: a kink
    p = _probe(lambda v: 1.3 * A * abs(float(v[0])), [1.2 * A], [0.0])
    r = _judge1(p, rtol=1e-9, atol=A)
    assert r.ok[0] and r.kink[0]


def test_sides_that_converge_to_one_value_are_no_kink():
    """``|v|**1.5`` at 0 is differentiable (slope 0): its one-sided slopes ``+-sqrt(t)`` differ by a jump that
    halves per step, but each side moves by half that jump per step, toward 0: no kink. The analytic slope 0
    passes at the first step (the central difference is 0; the second step, taken for the large jump, shows the
    sides moving: 4 evaluations), 0.05 fails once the steps are small enough."""
    p = _probe(lambda v: abs(float(v[0])) ** 1.5, [0.0], [0.0])
    r = _judge1(p, t=2.0**-4, ref=1.0)
    assert r.ok[0] and not r.kink[0] and p.calls[0] == 4
    for a in (0.05, 0.1):
        r = _judge1(_probe(lambda v: abs(float(v[0])) ** 1.5, [a], [0.0]), t=2.0**-4, ref=1.0)
        assert not r.ok[0] and not r.kink[0], a


def test_a_kink_with_curved_sides_is_one_once_its_sides_settle():
    """``|v| + v**2`` at 0: the sides ``-1 - t`` and ``1 + t`` move by ``3 t_k`` per step, more than a quarter of
    the jump (about 2) at t = 1/4 but not from t = 1/16 on: a kink, with 0 and 0.9 between the sides, 1.2 not."""
    f = lambda v: abs(float(v[0])) + float(v[0]) ** 2  # noqa: E731
    for a, kink in ((0.0, True), (0.9, True), (1.2, False)):
        r = _judge1(_probe(f, [a], [0.0]), t=0.25, ref=1.0)
        assert bool(r.ok[0]) == kink and bool(r.kink[0]) == kink, a


def test_one_sided_slopes_that_jump_about_are_no_kink():
    """sin(v / s) at x = 0.3 s with s far below the step: at the first steps the one-sided slopes are chaotic
    (they differ by as much as they change), so a wrong slope 0 between them is no kink: the steps go on
    until they resolve the function, and the right slope cos(0.3) / s passes there."""
    s = 1e-7
    f = lambda v: float(np.sin(v[0] / s))  # noqa: E731
    x = 0.3 * s
    wrong = _judge1(_probe(f, [0.0], [x]), t=6e-6, ref=1.0 / s)  # 6e-6: the first step gradcheck takes here
    assert not wrong.ok[0] and not wrong.kink[0]
    right = _judge1(_probe(f, [np.cos(0.3) / s], [x]), t=6e-6, ref=1.0 / s)
    assert right.ok[0] and not right.kink[0]


# --------------------------------------------------------------------------- deeper steps: only converged values

def _poly(L, K3, K5):
    return lambda v: L * float(v[0]) + K3 * float(v[0]) ** 3 + K5 * float(v[0]) ** 5


def test_past_the_third_step_a_central_difference_counts_only_once_converged():
    """f = v + v**5 at 0 with t = 1/4: c_k = 1 + 2**(-8 - 8k) exactly, Richardson 1 - 16 * that. With atol 2**-30
    the fourth step's c (2**-32 away) agrees but has not converged (2**-24 from the third's); the fifth's has:
    accepted there, 10 evaluations, clean, c as measured there."""
    p = _probe(_poly(1.0, 0.0, 1.0), [1.0], [0.0])
    r = _judge1(p, t=0.25, rtol=1e-9, atol=2.0**-30)
    assert r.ok[0] and not r.kink[0] and not r.rounded[0] and p.calls[0] == 10, p.calls
    assert r.c[0] == 1.0 + 2.0**-40


def test_past_the_third_step_richardson_counts_once_converged():
    """f = v + v**3 + 2**10 v**5 at 0, t = 1/4: Richardson removes the v**3 error exactly and converges one step
    before the central difference: accepted at the fifth step (10 evaluations), clean."""
    p = _probe(_poly(1.0, 1.0, 2.0**10), [1.0], [0.0])
    r = _judge1(p, t=0.25, rtol=1e-9, atol=2.0**-17)
    assert r.ok[0] and not r.kink[0] and not r.rounded[0] and p.calls[0] == 10, p.calls


# --------------------------------------------------------------------------- outputs decided at different steps

def test_each_output_keeps_the_values_of_the_step_that_decided_it():
    """Two outputs of one column: row 0 (a huge offset; a pass at the first step thanks to f's rounding) keeps that
    step's c, error, blur and 'rounded' while row 1 (a cubic) is looked at again at the second step."""
    offset, rtol, atol, t = 2.0**20, 1e-9, 0.0, 2.0**-4
    K = 2.0**12  # row 0: offset + K v**3: c_0 = K t**2 = 16, c_1 = 1 (exact); row 1: v + v**3
    c0 = K * t**2
    f_sum = abs(offset + K * t**3) + abs(offset - K * t**3) + offset
    noise_f = NOISE_ULPS * EPS64 * f_sum / (2 * t)
    a0 = c0 + 0.5 * noise_f  # within the tolerance only thanks to f's rounding
    J = np.array([[a0], [1.0]])
    ev = lambda v: np.array([offset + K * float(v[0]) ** 3, float(v[0]) + float(v[0]) ** 3])  # noqa: E731
    p = Probe(name="x", base=np.zeros(1), analytic=J, evaluate=ev, store=np.dtype(np.float64), eps_numeric=EPS64,
              eps_analytic=EPS64, f0=ev(np.zeros(1)))
    r = judge(p, np.array([1.0]), t, scale_of=_entry_scale, ref=np.abs(J).max(axis=1), rtol=rtol, atol=atol,
              support=np.array([0]))
    assert r.ok.all() and p.calls[0] == 4
    assert r.c[0] == c0 and r.c[1] == pytest.approx(1.0 + (t / 4) ** 2, rel=1e-12)
    assert r.rounded[0] and not r.rounded[1]
    noise_j = NOISE_ULPS * EPS64 * a0 + SCALE_ULPS * EPS64 * a0
    assert r.blur[0] == pytest.approx(noise_f / a0, rel=1e-9)
    assert r.error[0] == pytest.approx(abs(a0 - c0) / (a0 + (noise_f + noise_j) / rtol), rel=1e-9)


@pytest.mark.parametrize("a_over_c4, atol_over_c4, via", [(-254.0, 128.0, "central difference"),
                                                          (-4096.0, 2032.0, "richardson")])
def test_past_the_third_step_the_comparisons_are_inclusive_too(a_over_c4, atol_over_c4, via):
    """f = v**5 at 0, t = 1/4, exact (eps 0): c_k = 2**(-8 - 8k), Richardson -16 c_k. With rtol 1/2 and atol as
    given, at the fifth step (k = 4) both |a - value| and |value - previous value| equal the tolerance exactly,
    for the central difference or for Richardson: accepted there (10 evaluations), clean."""
    c4 = 2.0**-40
    p = _exact(lambda v: float(v[0]) ** 5, a_over_c4 * c4)
    r = _judge1(p, t=0.25, rtol=0.5, atol=atol_over_c4 * c4, ref=c4)
    assert r.ok[0] and not r.rounded[0] and not r.kink[0] and p.calls[0] == 10, (via, p.calls)


def test_a_kink_found_over_the_first_three_steps_stays_one_when_another_output_needs_deeper_steps():
    """Row 0, |v - s| + |v + s| with s = 2**-9: at 0 the slope 0 agrees and the one-sided slopes (-2 + 2s/t and
    2 - 2s/t) differ and have settled over the first three steps (t = 1/4 to 1/64); at the fourth (s/t = 1/2)
    they move and at the fifth (t < s) they vanish: a kink all the same, decided over the first three (f is flat
    within s of 0, which those steps cannot tell from a kink). Row 1 (v + v**5) is followed to the fifth step."""
    s = 2.0**-9
    ev = lambda v: np.array([abs(v[0] - s) + abs(v[0] + s), v[0] + v[0] ** 5])  # noqa: E731
    J = np.array([[0.0], [1.0]])
    p = Probe(name="x", base=np.zeros(1), analytic=J, evaluate=ev, store=np.dtype(np.float64), eps_numeric=EPS64,
              eps_analytic=EPS64, f0=ev(np.zeros(1)))
    r = judge(p, np.array([1.0]), 0.25, scale_of=_entry_scale, ref=np.ones(2), rtol=1e-9, atol=2.0**-30,
              support=np.array([0]))
    assert r.ok.all() and p.calls[0] == 10
    assert list(r.kink) == [True, False]


def test_a_value_that_converged_only_within_f_s_rounding_allowance_is_rounded():
    """f = O + v + K v**5 at 0 (O = 1.8e7, t = 1/4, rtol 2**-10): at the fifth step the central difference agrees
    with a = 1 within the tight tolerance, but it converged (1.2e-3 from the fourth step's) only thanks to the
    allowance for f's rounding (4e-4 there); Richardson neither: accepted there, *rounded* (cannot tell)."""
    K, O = 1.217e-3 * 2.0**32, 1.8e7
    p = _probe(lambda v: O + float(v[0]) + K * float(v[0]) ** 5, [1.0], [0.0])
    r = _judge1(p, t=0.25, rtol=2.0**-10, atol=0.0)
    assert r.ok[0] and r.rounded[0] and not r.kink[0] and p.calls[0] == 10, p.calls
    assert 1e-4 < r.blur[0] < 1e-3


def test_smaller_steps_are_followed_only_while_their_noise_is_strictly_below_the_tolerance():
    """f = v**5 at 0, exact (eps 0), atol 2**-30: the fourth step's value would agree, but with rtol 0 the noise
    of a smaller step (0) is not *below* half of rtol * scale (0): the check stops after three steps and fails;
    with rtol 2**-40 it goes on and accepts the converged value at the fifth step."""
    p = _exact(lambda v: float(v[0]) ** 5, 0.0)
    r = _judge1(p, t=0.25, rtol=0.0, atol=2.0**-30)
    assert not r.ok[0] and p.calls[0] == 6
    p = _exact(lambda v: float(v[0]) ** 5, 0.0)
    r = _judge1(p, t=0.25, rtol=2.0**-40, atol=2.0**-30)
    assert r.ok[0] and p.calls[0] == 10


def test_the_bracket_of_a_kink_includes_its_slack_exactly():
    """Exact s|v| (eps 0, rtol 0): a slope exactly ``hi + slack`` or ``lo - slack`` (slack = atol + 0.05 jump,
    computed as the check computes it) still passes as a kink; the next float beyond does not."""
    s = 4 * A
    jump = 2 * s
    slack = A + 0.05 * jump
    for edge, beyond in [(s + slack, np.inf), (-s - slack, -np.inf)]:
        for a, ok in [(edge, True), (np.nextafter(edge, beyond), False)]:
            p = _exact(lambda v: s * abs(float(v[0])), a)
            r = _judge1(p, rtol=0.0, atol=A)
            assert bool(r.ok[0]) == ok and bool(r.kink[0]) == ok, (edge, a)


# ---- the run of 2 Dec 2026, 21:35 UTC: how deep the steps go ----

def _levels_used(offset: float) -> int:
    """How many step sizes ``gradcheck`` tries on ``offset + sin(x / 1e-6)`` at x = 1.3e-6 with the
    wrong derivative 0: the steps shrink by 4 per level while the column disagrees."""
    x0 = np.array([1.3e-6])
    steps = set()

    def f(x):
        steps.add(float(abs(x[0] - x0[0])))
        return offset + float(np.sin(x[0] / 1e-6))

    result = gradcheck(f, lambda x: np.array([0.0]), x0, mode="exhaustive")
    assert not result.passed
    return len([t for t in steps if t > 0])


def test_a_column_that_never_agrees_is_followed_down_to_the_twelfth_step_and_no_further():
    """The descent stops after ``_MAX_LEVELS`` = 12 step sizes, t0 / 4**0 ... t0 / 4**11."""
    from course.gradcheck.compare import _MAX_LEVELS

    assert _MAX_LEVELS == 12
    assert _levels_used(0.0) == 12


@pytest.mark.parametrize("offset, levels", [(1e2, 10), (1e3, 8), (1e4, 6), (1e5, 5), (1e6, 3)])
def test_smaller_steps_are_taken_only_while_their_rounding_noise_stays_below_half_the_tolerance(offset, levels):
    """The larger |f|, the larger the rounding noise ``~ eps |f| / t`` of a step ``t``: the descent
    stops as soon as the next step's noise (4 times this one's) would exceed half of ``rtol * scale``.
    The depths are those of that rule for this f (each decade of |f| costs about 1.7 levels, log_4 10)."""
    assert _levels_used(offset) == levels
