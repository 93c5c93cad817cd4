"""Entries exactly on a kink: no false failure, and the bugs among them still fail.

A ReLU whose input is the output of another ReLU has many entries exactly 0. Along a random
direction through kinks, ``<g, v>`` need only lie between the one-sided slopes, which sum over
every kinked entry: a gradient off by a factor 2, or of the wrong sign, can lie there, and with
several kinks of mixed signs a valid subgradient need not. So a direction through kinks is
bisected until every part passes without a kink or is one entry (up to 16 kinked entries); with
more, ``"auto"`` checks a tensor of up to 10 000 entries entry by entry, and a larger one is
"cannot tell", with what to do.
"""
from __future__ import annotations

import numpy as np
import pytest

from course.gradcheck import gradcheck, gradcheck_layer
from course.reference.layers import ReLU


class Backward(ReLU):
    """A ReLU layer whose backward multiplies by ``rule(x)`` (the derivative a learner wrote)."""

    def __init__(self, rule):
        super().__init__()
        self.rule = rule

    def forward(self, x):
        self.x_seen = np.asarray(x, dtype=float)
        return np.maximum(self.x_seen, 0.0)

    def backward(self, dout):
        return dout * self.rule(self.x_seen)


def half_zeros(shape, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    x[rng.random(shape) < 0.5] = 0.0
    x.flat[7] = 0.7  # an entry off the kink, for a bug in one entry
    return x


SUBGRADIENTS = {
    "x > 0": lambda x: (x > 0).astype(float),
    "x >= 0": lambda x: (x >= 0).astype(float),
    "1/2 at 0": lambda x: np.where(x == 0, 0.5, (x > 0).astype(float)),
}


def times_two(x):
    return 2.0 * (x > 0)


def one_entry_times_3(x):
    g = (x > 0).astype(float)
    g.flat[7] *= 3.0
    return g


def negated(x):
    return -(x > 0).astype(float)


def test_random_directions_through_many_kinks_fail_with_the_reference_relu():
    """The premise: in directional mode the reference ReLU fails on this x (the weakness handled here)."""
    result = gradcheck_layer(ReLU(), half_zeros((20, 32)), mode="directional")
    assert result.verdict != "passed"


@pytest.mark.parametrize("rule", list(SUBGRADIENTS))
def test_every_valid_subgradient_passes_on_half_zero_input(rule):
    result = gradcheck_layer(Backward(SUBGRADIENTS[rule]), half_zeros((20, 32)))
    (check,) = result.checks
    assert result.verdict == "passed", result.report()
    if rule != "1/2 at 0":  # 1/2 is the central difference itself: nothing to look at
        assert check.mode == "exhaustive" and check.kinks
        assert "more kinks than bisection separates" in check.note and "every entry was checked" in check.note
        assert "every entry was checked" in result.report()


def test_the_reference_relu_passes_on_every_seed():
    for seed in range(8):
        result = gradcheck_layer(ReLU(), half_zeros((16, 40), seed=seed))
        assert result.verdict == "passed", (seed, result.report())


@pytest.mark.parametrize("bug", [times_two, one_entry_times_3, negated])
def test_bugs_among_kinks_still_fail(bug):
    result = gradcheck_layer(Backward(bug), half_zeros((20, 32)))
    (check,) = result.checks
    assert result.verdict == "failed", result.report()
    if bug is one_entry_times_3:
        assert [e.index for e in check.entries] == [np.unravel_index(7, (20, 32))]


@pytest.mark.parametrize("bug", [times_two, negated])
def test_bugs_among_kinks_in_a_large_tensor_still_fail(bug):
    result = gradcheck_layer(Backward(bug), half_zeros((200, 64)))
    assert result.verdict == "failed", result.report()


def test_a_large_tensor_with_many_kinks_cannot_tell_and_says_why():
    """12 800 entries, half of them kinks (above the 10 000 checked entry by entry): "cannot tell",
    neither "failed" nor "passed"."""
    x = half_zeros((200, 64))
    result = gradcheck_layer(ReLU(), x)
    (check,) = result.checks
    assert result.verdict == "cannot tell" and not result.passed and result.undecided == ["x"]
    assert check.unsure_why == "kinks" and not check.entries
    text = result.report()
    assert "CANNOT TELL" in text and "cross more kinks than bisection separates" in text
    assert "mode='exhaustive'" in text and f"({2 * x.size} evaluations)" in text
    assert "rounding" not in text  # not the reason given for f's rounding


def test_explicit_directional_mode_is_not_switched_to_exhaustive():
    result = gradcheck_layer(ReLU(), half_zeros((20, 32)), mode="directional")
    (check,) = result.checks
    assert check.mode == "directional" and result.verdict == "cannot tell"


def test_kinks_bisection_reaches_are_reported_per_unit_of_x_with_their_sides():
    """f = sum c_i relu(x_i): a kink reached by bisection at entry k has left slope 0 and right slope c_k,
    whichever sign the direction had there."""
    rng = np.random.default_rng(3)
    n = 400
    x = rng.standard_normal(n)
    x[rng.random(n) < 0.6] = 0.0
    c = rng.uniform(0.5, 2.0, n) * rng.choice([-1.0, 1.0], n)

    def f(v):
        return float(c @ np.maximum(v, 0.0))

    def df(v):
        return c * (v > 0)

    result = gradcheck(f, df, x, mode="directional")
    (check,) = result.checks
    entry_kinks = [k for k in check.kinks if k.index is not None]
    assert entry_kinks, result.report()
    for k in entry_kinks:
        (i,) = k.index
        assert x[i] == 0.0
        assert k.left == pytest.approx(0.0, abs=1e-9)
        assert k.right == pytest.approx(c[i], rel=1e-6)
        assert k.analytic == 0.0


def few_zeros(shape, zeros, seed=2):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    x.flat[rng.choice(x.size, zeros, replace=False)] = 0.0
    x.flat[7] = 0.7
    return x


@pytest.mark.parametrize("rule", ["x > 0", "x >= 0"])
def test_a_few_kinks_in_a_large_tensor_are_separated_by_bisection_and_pass(rule):
    """5 kinks among 12 800 entries: bisection separates them (no entry-by-entry check), and names them."""
    x = few_zeros((200, 64), 5)
    result = gradcheck_layer(Backward(SUBGRADIENTS[rule]), x)
    (check,) = result.checks
    assert result.verdict == "passed", result.report()
    assert check.mode == "directional" and check.evaluations < 2000
    found = {k.index for k in check.kinks if k.index is not None}
    assert found and found <= {tuple(int(i) for i in ix) for ix in np.argwhere(x == 0.0)}
    assert "kink at x[" in result.report()


@pytest.mark.parametrize("bug", [times_two, one_entry_times_3, negated])
def test_a_few_kinks_in_a_large_tensor_do_not_hide_a_bug(bug):
    """Before, a direction through kinks passed whenever <g, v> lay between its one-sided slopes:
    a gradient times 2, or negated, passed on this x."""
    result = gradcheck_layer(Backward(bug), few_zeros((200, 64), 5))
    (check,) = result.checks
    assert result.verdict == "failed", result.report()
    if bug is one_entry_times_3:
        assert np.unravel_index(7, (200, 64)) in [e.index for e in check.entries]


def test_a_few_kinks_of_a_function_are_separated_and_a_jacobian_through_many_cannot_tell():
    """gradcheck on sum(relu(x)) with 3 zeros among 3000 entries passes (directional, kinks named); a
    vector-valued relu with many zeros checked along directions cannot tell rather than pass."""
    x = few_zeros((3000,), 3)
    result = gradcheck(lambda v: float(np.sum(np.maximum(v, 0.0))), lambda v: (v > 0).astype(float), x)
    assert result.verdict == "passed", result.report()
    assert {k.index for k in result.checks[0].kinks if k.index is not None} <= {(int(i),) for i in np.flatnonzero(x == 0)}
    m = 150
    rng = np.random.default_rng(4)
    a = rng.standard_normal((m, m))
    z = rng.standard_normal(m)
    z[rng.random(m) < 0.5] = 0.0
    result = gradcheck(lambda v: a @ np.maximum(v, 0.0), lambda v: a * (v > 0), z, mode="directional")
    assert result.verdict in ("passed", "cannot tell"), result.report()
    wrong = gradcheck(lambda v: a @ np.maximum(v, 0.0), lambda v: 2 * a * (v > 0), z, mode="directional")
    assert wrong.verdict == "failed", wrong.report()
