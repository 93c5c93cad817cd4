"""The gradient checker's comparison (course/gradcheck/compare.py, directional.py, run.py,
prepare.py): the tests that kill its mutants, written as properties where they can be.

A wrong gradient must fail whatever its error looks like, and a right one must pass whatever
the function's offset; tests/MUTANTS.md lists the mutants each test was written against.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.gradcheck import GradcheckError, gradcheck


def cube(v):
    return float(np.sum(v**3))


def dcube(v):
    return 3 * v**2


def _factors(rng, k):
    """k random scale factors c with |c - 1| >= 1e-3 (both signs, below and above 1)."""
    out = []
    while len(out) < k:
        c = float(rng.choice([-1.0, 1.0]) * np.exp(rng.uniform(-3.0, 3.0)))
        if abs(c - 1.0) >= 1e-3:
            out.append(c)
    return out + [0.5, 2.0, -1.0, 1.01, 0.99]


@pytest.mark.parametrize("mode, n", [("exhaustive", 6), ("directional", 6), ("directional", 400)])
def test_a_gradient_scaled_by_any_c_other_than_1_fails(mode, n):
    rng = np.random.default_rng(13)
    x = rng.uniform(0.5, 2.0, size=n) * rng.choice([-1.0, 1.0], size=n)
    assert gradcheck(cube, dcube, x, mode=mode, rng=np.random.default_rng(0))
    for c in _factors(rng, 6):
        r = gradcheck(cube, lambda v, c=c: c * dcube(v), x, mode=mode, rng=np.random.default_rng(1))
        assert not r, f"c = {c}: a gradient scaled by c passed in {mode} mode"
        assert not r.checks[0].passed


@pytest.mark.parametrize("c", [0.5, 2.0, 1.0 / 16, 16.0, 15.0 / 16])
def test_a_scaled_gradient_fails_even_where_the_first_step_disagrees(c):
    # sin(x / s) has a length scale far below the step: the first levels disagree for the right
    # gradient too, so the refinement (smaller steps, Richardson) decides -- and must not accept c*g
    s = 1e-3
    x = np.array([0.3, -0.2, 0.45])
    f = lambda v: float(np.sum(np.sin(v / s)))  # noqa: E731
    df = lambda v: np.cos(v / s) / s  # noqa: E731
    assert gradcheck(f, df, x, mode="exhaustive")
    assert not gradcheck(f, lambda v: c * df(v), x, mode="exhaustive")
    assert gradcheck(f, df, x, mode="directional", rng=np.random.default_rng(2))
    assert not gradcheck(f, lambda v: c * df(v), x, mode="directional", rng=np.random.default_rng(2))


def test_richardson_refinement_accepts_a_right_gradient_the_first_step_gets_wrong():
    # a large third derivative: the central difference's truncation error at the default step is
    # above rtol, a quarter of the step (or Richardson) removes it
    x = np.array([0.1, 0.2])
    w = 3e3
    f = lambda v: float(np.sum(np.sin(w * v)))  # noqa: E731
    df = lambda v: w * np.cos(w * v)  # noqa: E731
    r = gradcheck(f, df, x, mode="exhaustive", rtol=1e-6)
    assert r, r
    assert not gradcheck(f, lambda v: df(v) * (1 + 1e-4), x, mode="exhaustive", rtol=1e-6)


_OFFSETS = st.builds(lambda sign, e: sign * 10.0**e, st.sampled_from([-1.0, 1.0]), st.floats(0.0, 14.0))
_FACTORS = st.builds(lambda sign, e: sign * float(np.exp(e)), st.sampled_from([-1.0, 1.0]),
                     st.floats(-3.0, 3.0)).filter(lambda c: abs(c - 1.0) >= 1e-3)
_CASES = st.sampled_from([("exhaustive", 5), ("directional", 5), ("directional", 300)])


def _offset_square(offset):
    return lambda v: offset + float(np.sum(v**2))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(offset=_OFFSETS, case=_CASES, seed=st.integers(0, 2**16))
def test_a_large_constant_offset_never_causes_a_false_failure(offset, case, seed):
    # whatever the offset, a right gradient never fails: it passes, or (f's rounding larger than
    # what the check must resolve) the check says it cannot tell
    mode, n = case
    x = np.random.default_rng(seed).normal(size=n)
    r = gradcheck(_offset_square(offset), lambda v: 2 * v, x, mode=mode, rng=np.random.default_rng(seed))
    assert r.verdict in ("passed", "cannot tell"), f"offset {offset}: a right gradient failed\n{r}"
    assert r.failed == [] and r.checks[0].passed


@settings(max_examples=40, deadline=None, derandomize=True)
@given(offset=_OFFSETS, c=_FACTORS, case=_CASES, seed=st.integers(0, 2**16))
def test_a_gradient_scaled_by_c_never_passes_whatever_the_offset(offset, c, case, seed):
    # ... and a wrong one never passes: it fails, or the check cannot tell (never "passed")
    mode, n = case
    x = np.random.default_rng(seed).normal(size=n)
    r = gradcheck(_offset_square(offset), lambda v: c * 2 * v, x, mode=mode, rng=np.random.default_rng(seed))
    assert r.verdict in ("failed", "cannot tell"), f"offset {offset}, c = {c}: a wrong gradient passed\n{r}"
    assert not r
    assert r.checks[0].cannot_tell == (r.verdict == "cannot tell")  # a failure is never also "cannot tell"


@pytest.mark.parametrize("mode, n", [("exhaustive", 5), ("directional", 5), ("directional", 300)])
def test_a_wrong_gradient_of_a_function_with_a_huge_offset_is_not_passed(mode, n):
    # 1e10 + sum(v**2): f's rounding (about 30 in slope units) is larger than the gradient, so the
    # check cannot tell a wrong gradient from a right one -- and says so, with why and what to do
    x = np.random.default_rng(7).normal(size=n)
    f = _offset_square(1e10)
    for df in (lambda v: 3 * v + 1.0, lambda v: 2 * v):
        r = gradcheck(f, df, x, mode=mode, rng=np.random.default_rng(0))
        assert r.verdict == "cannot tell" and not r and r.failed == [] and r.undecided == ["x"], r
        assert r.checks[0].verdict == "cannot tell" and r.checks[0].cannot_tell and r.checks[0].blur > 1
        text = r.report()
        assert text.startswith("gradcheck CANNOT TELL: x"), text
        assert "larger than the gradient" in text and "subtract the constant part of f" in text
        assert "passed" not in text.splitlines()[0] and "FAILED" not in text
        with pytest.raises(GradcheckError, match="CANNOT TELL"):
            gradcheck(f, df, x, mode=mode, rng=np.random.default_rng(0), raise_on_fail=True)
    # what the message advises: with the constant left out of f, a verdict again
    plain = _offset_square(0.0)
    assert gradcheck(plain, lambda v: 2 * v, x, mode=mode, rng=np.random.default_rng(0)).verdict == "passed"
    assert gradcheck(plain, lambda v: 3 * v + 1.0, x, mode=mode, rng=np.random.default_rng(0)).verdict == "failed"


@pytest.mark.parametrize("mode, n, seed", [("exhaustive", 5, 1), ("directional", 300, 2)])
def test_a_moderate_offset_still_fails_a_wrong_gradient_and_a_looser_rtol_decides(mode, n, seed):
    # at 1e7 the allowance for f's rounding (about 1e-2 of the gradient) does not swallow an O(1)
    # error; a right gradient cannot be vouched for at rtol 1e-6 (f's rounding is ~1e-4 of it), at 1e-2 it can
    x = np.random.default_rng(seed).normal(size=n)
    f = _offset_square(1e7)
    rng = np.random.default_rng
    assert gradcheck(f, lambda v: 3 * v + 1.0, x, mode=mode, rng=rng(0)).verdict == "failed"
    unsure = gradcheck(f, lambda v: 2 * v, x, mode=mode, rng=rng(0))
    assert unsure.verdict == "cannot tell" and 1e-4 < unsure.checks[0].blur < 1
    assert "cannot be told from rounding" in unsure.report() and "larger rtol" in unsure.report()
    assert gradcheck(f, lambda v: 2 * v, x, mode=mode, rtol=1e-2, rng=rng(0)).verdict == "passed"
    assert gradcheck(f, lambda v: 2.5 * v, x, mode=mode, rtol=1e-2, rng=rng(0)).verdict == "failed"


def test_an_ordinary_function_is_passed_not_cannot_tell():
    # f ~ 1 with small gradient entries, and zero entries: f's rounding is far below the gradient's scale
    rng = np.random.default_rng(5)
    x = rng.normal(size=40)
    w = np.where(np.arange(40) % 4 == 0, 0.0, 1e-3)
    r = gradcheck(lambda v: 1.0 + float(np.sum(w * v**2)), lambda v: 2 * w * v, x, mode="exhaustive")
    assert r.verdict == "passed" and r and r.checks[0].blur == 0.0, r
    assert "CANNOT TELL" not in r.report()


def test_found_entries_that_explain_the_failure_make_the_search_complete():
    rng = np.random.default_rng(3)
    x = rng.uniform(0.5, 1.5, size=2000)

    def one_wrong(v):
        g = dcube(v)
        g[1234] += 1.0
        return g

    r = gradcheck(cube, one_wrong, x, mode="directional", rng=np.random.default_rng(4))
    assert not r
    chk = r.checks[0]
    assert [e.index for e in chk.entries] == [(1234,)]
    assert chk.localised and chk.complete


def test_the_directional_tolerance_has_a_floor_above_10_000_entries():
    # above 10 000 entries the tolerance is rtol ||g|| 1e-2 (not rtol ||g|| / sqrt(n)): one
    # entry wrong by e is caught only when |e| > 1.6e-2 rtol sqrt(n) ||g||. An error of a third
    # of that passes; at n = 1e6 it would fail a tolerance without the floor (10 x smaller).
    # rtol = 1e-2 keeps the rounding allowance of f (|f| = 1e6) well below the tolerance.
    n, rtol = 1_000_000, 1e-2
    x = np.ones(n)
    g = dcube(x)
    threshold = 1.6e-2 * rtol * np.sqrt(n) * np.linalg.norm(g)

    def off_by(e):
        def df(v):
            out = dcube(v)
            out[12345] += e
            return out
        return df

    r = gradcheck(cube, off_by(threshold / 3), x, mode="directional", rtol=rtol, rng=np.random.default_rng(0))
    assert r, r
    assert not gradcheck(cube, off_by(threshold * 3), x, mode="directional", rtol=rtol,
                         rng=np.random.default_rng(0))


# --------------------------------------------------------------------------- directional pieces

def test_random_directions_are_unit_vectors_with_entries_within_a_factor_2():
    from course.gradcheck.directional import random_direction

    for n in (1, 2, 7, 1000):
        v = random_direction(np.random.default_rng(n), n)
        assert v.shape == (n,)
        assert np.linalg.norm(v) == pytest.approx(1.0, rel=1e-12)
        mags = np.abs(v)
        assert mags.min() > 0 and mags.max() <= 2 * mags.min() + 1e-15
    v = random_direction(np.random.default_rng(0), 10_000)
    assert 0.45 < np.mean(v > 0) < 0.55  # both signs, evenly
    raw = np.abs(v) / np.abs(v).min()
    assert raw.max() > 1.9  # magnitudes spread over [1, 2], not all equal
    np.testing.assert_array_equal(random_direction(np.random.default_rng(5), 9),
                                  random_direction(np.random.default_rng(5), 9))


@pytest.mark.parametrize("n", [1, 4, 100, 10_000, 40_000, 1_000_000])
def test_the_directional_scale_is_norm_times_max_of_rms_factor_and_floor(n):
    from course.gradcheck.directional import directional_scale

    d, t = np.array([3.0, 4.0]) * 1e-5, 1e-5  # ||d|| / (2 t) = 2.5
    expected = 7.0 * max(1 / np.sqrt(n), 1e-2) * 2.5
    assert directional_scale(7.0, n)(None, None, d, t) == pytest.approx(expected, rel=1e-12)
    assert directional_scale(7.0, 0)(None, None, d, t) == pytest.approx(7.0 * 2.5, rel=1e-12)


def test_the_step_along_a_direction_is_cbrt_eps_times_the_rms_of_x():
    from types import SimpleNamespace

    from course.gradcheck.directional import step_of

    eps = np.finfo(np.float64).eps
    for base, scale in [(np.zeros(4), 1.0), (np.full(4, 0.5), 1.0), (np.array([3.0, -4.0]), np.sqrt(12.5))]:
        p = SimpleNamespace(eps_numeric=eps, base=base)
        assert step_of(p) == pytest.approx(np.cbrt(eps) * scale, rel=1e-12)
        assert type(step_of(p)) is float


def test_a_failing_direction_is_measured_along_three_directions_a_passing_one_along_one():
    x = np.random.default_rng(0).uniform(0.5, 1.5, size=200)
    ok = gradcheck(cube, dcube, x, mode="directional", rng=np.random.default_rng(1))
    assert len(ok.checks[0].projections) == 1
    a, c, w = ok.checks[0].projections[0]
    assert a == pytest.approx(c, rel=1e-6) and w.shape == (200,)
    assert a == pytest.approx(float(dcube(x) @ w), rel=1e-9)
    bad = gradcheck(cube, lambda v: 2 * dcube(v), x, mode="directional", rng=np.random.default_rng(1))
    projections = bad.checks[0].projections
    assert len(projections) == 3
    for a, c, w in projections:
        assert a == pytest.approx(2 * c, rel=1e-5)
    assert bad.checks[0].max_error > 1e-2 > ok.checks[0].max_error


def test_directional_checks_need_a_scalar_output():
    A = np.random.default_rng(0).normal(size=(3, 200))
    r = gradcheck(lambda v: A @ v, lambda v: A, np.ones(200), mode="directional", rng=np.random.default_rng(0))
    assert r  # a Jacobian is scalarised before the directional check
    assert not gradcheck(lambda v: A @ v, lambda v: 1.1 * A, np.ones(200), mode="directional",
                         rng=np.random.default_rng(0))


def test_bisection_finds_up_to_five_wrong_entries_in_index_order():
    x = np.random.default_rng(2).uniform(0.5, 1.5, size=3000)
    wrong_at = [5, 700, 1500, 2222, 2999]

    def df(v):
        g = dcube(v)
        g[wrong_at] += 3.0
        return g

    chk = gradcheck(cube, df, x, mode="directional", rng=np.random.default_rng(3)).checks[0]
    assert [e.index for e in chk.entries] == [(i,) for i in wrong_at]
    for e, i in zip(chk.entries, wrong_at):
        assert e.analytic == pytest.approx(3 * x[i] ** 2 + 3.0, rel=1e-12)
        assert e.numeric == pytest.approx(3 * x[i] ** 2, rel=1e-5)
    assert chk.localised and chk.complete

    def df7(v):
        g = dcube(v)
        g[[1, 2, 3, 4, 5, 6, 7]] += 3.0
        return g

    chk = gradcheck(cube, df7, x, mode="directional", rng=np.random.default_rng(3)).checks[0]
    assert len(chk.entries) == 5 and chk.localised and not chk.complete
