"""Tests that kill the surviving mutants of course.gradcheck.run: which tensors of a layer are
checked again entry by entry (a small failing one, for an exact report; one whose random
directions crossed more kinks than bisection separates, up to 10 000 entries, "cannot tell"
above), the notes that say so, the evaluations counted, and
the name of the analytic side in a Jacobian's cause. See tests/MUTANTS.md.

A layer with more than 1 000 parameter and input entries in all is checked in "auto" mode along
random directions first, tensor by tensor (``course.gradcheck.run.auto_mode``).
"""
from __future__ import annotations

import numpy as np
import pytest

from course.gradcheck import gradcheck, gradcheck_layer
from course.reference.layers import Linear

EVERY_ENTRY = "random directions crossed more kinks than bisection separates, so every entry was checked"


class CountingLinear(Linear):
    """A reference Linear that counts its forward calls."""

    calls = 0

    def forward(self, x):
        type(self).calls += 1
        return super().forward(x)


class KinkedLinear(CountingLinear):
    """``relu(W x + b)`` with a right backward (subgradient 0 at a kink)."""

    def forward(self, x):
        self._z = super().forward(x)
        return np.maximum(self._z, 0.0)

    def backward(self, dout):
        return super().backward(dout * (self._z > 0))


class DoubledBias(CountingLinear):
    """A Linear whose db is twice the right one."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.db *= 2.0
        return dx


def kinked_at_first_unit(n_in: int, n_out: int) -> tuple[KinkedLinear, np.ndarray]:
    """A KinkedLinear whose first unit's pre-activation is exactly 0 at the returned x (n_in, 1)."""
    rng = np.random.default_rng(0)
    layer, x = KinkedLinear(n_in, n_out, rng=rng), rng.normal(size=(n_in, 1))
    layer.b[0] = -(layer.W @ x)[0]
    assert (layer.W @ x + layer.b)[0, 0] == 0.0
    return layer, x


def checks_by_name(result):
    return {c.name: c for c in result.checks}


def assert_evaluations_counted(result, calls: int) -> None:
    """The reported function evaluations are the forward calls, less the few the check makes
    outside the finite differences (the analytic side's forward, the warm-up): a re-check entry by
    entry adds to what the directions spent, it does not replace it."""
    assert 0 <= calls - result.evaluations <= 10, (calls, result.evaluations)


def test_a_few_kinks_of_a_large_layer_are_separated_by_bisection():
    """The first unit's pre-activation is 0: W has 10 kinked entries (row 0), b one (b[0]). Bisection
    separates them (at most 16): each tensor stays directional, passes, and names its kinked entries."""
    layer, x = kinked_at_first_unit(10, 100)
    KinkedLinear.calls = 0
    result = gradcheck_layer(layer, x, rng=np.random.default_rng(1))
    assert result.passed, result.report()
    checks = checks_by_name(result)
    for name in ("W", "b"):
        assert checks[name].mode == "directional" and checks[name].note == ""
        entries = {k.index for k in checks[name].kinks if k.index is not None}
        assert entries and all(i[0] == 0 for i in entries)
    assert "kink at W[0, " in str(result)
    assert_evaluations_counted(result, KinkedLinear.calls)


@pytest.mark.parametrize("n_in, n_out", [(20, 100), (23, 87)])  # W of 2 000 and 2 001 entries, 20 and 23 kinks
def test_more_kinks_than_bisection_separates_are_checked_entry_by_entry(n_in, n_out):
    layer, x = kinked_at_first_unit(n_in, n_out)
    KinkedLinear.calls = 0
    result = gradcheck_layer(layer, x, rng=np.random.default_rng(1))
    assert result.passed, result.report()
    w = checks_by_name(result)["W"]
    assert w.mode == "exhaustive" and len(w.kinks) == n_in
    assert w.note == EVERY_ENTRY and f"W: {EVERY_ENTRY}" in str(result)
    assert checks_by_name(result)["b"].mode == "directional"
    assert_evaluations_counted(result, KinkedLinear.calls)


def test_mode_directional_never_rechecks_a_kinked_tensor_entry_by_entry():
    layer, x = kinked_at_first_unit(20, 100)
    result = gradcheck_layer(layer, x, mode="directional", rng=np.random.default_rng(1))
    w = checks_by_name(result)["W"]
    assert w.mode == "directional" and w.verdict == "cannot tell" and w.unsure_why == "kinks"
    assert result.verdict == "cannot tell"


@pytest.mark.parametrize("size, mode", [(10_000, "exhaustive"), (10_001, "directional")])
def test_tensors_of_up_to_10_000_entries_with_many_kinks_are_checked_entry_by_entry(size, mode):
    x = np.random.default_rng(5).normal(size=size)
    x[::2] = 0.0
    result = gradcheck(lambda v: float(np.sum(np.maximum(v, 0.0))), lambda v: (v > 0) * 1.0, x)
    (check,) = result.checks
    assert check.mode == mode
    assert result.verdict == ("passed" if mode == "exhaustive" else "cannot tell"), result.report()


def test_a_failing_tensor_of_up_to_100_entries_of_a_large_layer_gets_an_exact_report():
    """db of exactly 100 entries, wrong: checked again entry by entry and every entry listed; the
    tensors that passed along their directions (x of 10 entries, W of 1 000) are not re-checked."""
    layer = DoubledBias(10, 100, rng=np.random.default_rng(0))
    DoubledBias.calls = 0
    result = gradcheck_layer(layer, np.random.default_rng(2).normal(size=(10, 1)), rng=np.random.default_rng(1))
    checks = checks_by_name(result)
    assert result.failed == ["b"]
    assert checks["b"].mode == "exhaustive"
    assert "every entry perturbed: 100 of 100 wrong" in str(result)
    assert checks["x"].mode == checks["W"].mode == "directional"
    assert_evaluations_counted(result, DoubledBias.calls)


def test_a_failing_tensor_of_more_than_100_entries_of_a_large_layer_is_located_along_directions():
    layer = DoubledBias(10, 101, rng=np.random.default_rng(0))
    DoubledBias.calls = 0
    result = gradcheck_layer(layer, np.random.default_rng(2).normal(size=(10, 1)), rng=np.random.default_rng(1))
    assert result.failed == ["b"]
    assert checks_by_name(result)["b"].mode == "directional"
    assert_evaluations_counted(result, DoubledBias.calls)


def test_a_wrong_jacobian_is_named_as_a_jacobian_in_its_cause():
    """The cause of a vector f's failure speaks of "the Jacobian of f w.r.t. x", not of a gradient."""
    A = np.arange(12.0).reshape(3, 4) / 7
    result = gradcheck(lambda x: A @ x, lambda x: 2 * A, np.linspace(-1.0, 1.0, 4))
    assert not result.passed
    message = result.checks[0].diagnosis.message
    assert message.startswith("The Jacobian of f w.r.t. x (outputs x inputs) is too large by a factor of 2")
