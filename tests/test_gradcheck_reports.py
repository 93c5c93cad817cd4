"""Issue 8: gradcheck reports that are true, and no false alarms at any scale.

* functions whose length scale is far below 1 pass (the step follows the function);
* float32 derivatives with cancellation pass; float32 work is detected however it is returned;
* a layer whose gradient accumulates across backward calls fails, named;
* an empty batch is refused;
* every cause speaks of the entries it was established on, and never contradicts the count;
* an elementwise derivative is reported in x's own shape and indices.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from course.gradcheck import gradcheck, gradcheck_layer, gradcheck_model
from course.gradcheck.numeric import InputModifiedError, call_checked
from course.reference.layers import Linear
from course.reference.losses import mse_loss, softmax_cross_entropy
from course.reference.mlp import MLP


# ----------------------------------------------------------------------------
# the step follows the function's own scale
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
def test_a_function_with_a_tiny_length_scale_passes(seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5e-6, 2e-6, size=int(rng.integers(3, 250)))
    assert gradcheck(lambda v: np.sum(np.sin(v / 1e-6)), lambda v: np.cos(v / 1e-6) / 1e-6, x)
    assert gradcheck(lambda v: np.sin(v / 1e-6), lambda v: np.cos(v / 1e-6) / 1e-6, x[:40])


@pytest.mark.parametrize("seed", range(6))
def test_a_tiny_length_scale_does_not_hide_a_wrong_derivative(seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5e-6, 2e-6, size=int(rng.integers(3, 250)))
    r = gradcheck(lambda v: np.sum(np.sin(v / 1e-6)), lambda v: 1.001 * np.cos(v / 1e-6) / 1e-6, x)
    assert not r


@pytest.mark.parametrize("scale", [1e-7, 1e-8, 1e-9])
def test_far_tinier_length_scales_pass_and_a_zero_or_half_derivative_fails_without_a_kink(scale):
    """Below 1e-6 the first steps see sin(x / s) as noise: one-sided slopes that jump about were taken for a
    kink (a zero derivative passed at s = 1e-7, the right one failed at 1e-8). A kink's sides settle; these
    do not, so the steps go on until they resolve the function."""
    for seed in range(3):
        x = np.random.default_rng(seed).uniform(0.1, 3.0, 5) * scale
        f = lambda v: float(np.sum(np.sin(v / scale)))  # noqa: E731
        true = lambda v: np.cos(v / scale) / scale  # noqa: E731
        r = gradcheck(f, true, x)
        assert r.verdict == "passed" and not r.checks[0].kinks, r.report()
        for factor in (0.0, 0.5):
            r = gradcheck(f, lambda v: factor * true(v), x)
            assert r.verdict == "failed" and not r.checks[0].kinks, r.report()


def test_the_smaller_steps_accept_only_converged_values():
    # a derivative wrong by 5% must fail even though some coarse step's estimate passes near it
    x = np.array([1.3e-6, 0.7e-6])
    true = lambda v: np.cos(v / 1e-6) / 1e-6  # noqa: E731
    assert not gradcheck(lambda v: np.sum(np.sin(v / 1e-6)), lambda v: 0.95 * true(v), x)


# ----------------------------------------------------------------------------
# float32
# ----------------------------------------------------------------------------

def _tanh_sq_grad32(v):
    t = np.tanh(v.astype(np.float32))
    return 2 * t * (1 - t * t)  # float32, with cancellation in 1 - t*t near |v| = 7


@pytest.mark.parametrize("seed", range(40))
def test_a_float32_derivative_with_cancellation_passes(seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-8, 8, size=12)
    x[:3] = rng.choice([-1, 1], 3) * rng.uniform(6.5, 7.5, 3)
    r = gradcheck(lambda v: float(np.sum(np.tanh(v) ** 2)), _tanh_sq_grad32, x)
    assert r, r.report()


def test_a_real_float32_bug_still_fails():
    x = np.linspace(-2, 2, 12)
    k = int(np.argmax(np.abs(_tanh_sq_grad32(x))))
    bump = np.ones(12, dtype=np.float32)
    bump[k] = 1.01
    r = gradcheck(lambda v: float(np.sum(np.tanh(v) ** 2)), lambda v: _tanh_sq_grad32(v) * bump, x)
    assert not r and r.checks[0].entries[0].index == (k,)


@pytest.mark.parametrize("seed", range(20))
def test_float32_work_returned_as_a_python_float_is_detected(seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, size=10)
    f = lambda v: float(np.sum(np.tanh(v.astype(np.float32)) ** 2))  # noqa: E731
    r = gradcheck(f, lambda v: 2 * np.tanh(v) * (1 - np.tanh(v) ** 2), x)
    assert r, r.report()
    assert any("computes in float32" in n for n in r.notes)
    assert not any("numerical side was computed in float64" in n for n in r.notes)


def test_float64_work_is_not_taken_for_float32():
    r = gradcheck(lambda v: float(np.sum(v**3)), lambda v: 3 * v**2, np.array([1.0, 2.0, 3.0]))
    assert r and not any("float32" in n for n in r.notes)


# ----------------------------------------------------------------------------
# layers: accumulation, empty batches
# ----------------------------------------------------------------------------

class AccumulatingLinear(Linear):
    """dW += ... with no reset: right on a fresh layer, wrong from the second backward on."""

    def backward(self, dout):
        dW = dout @ self._a.T
        self.dW = dW if self.dW is None else self.dW + dW
        self.db = dout.sum(axis=1, keepdims=True)
        return self.W.T @ dout


def test_a_layer_whose_gradient_accumulates_fails_with_its_name():
    rng = np.random.default_rng(0)
    r = gradcheck_layer(AccumulatingLinear(3, 2, rng=rng), rng.normal(size=(3, 4)))
    assert r.failed == ["W"]
    d = r.checks[[c.name for c in r.checks].index("W")].diagnosis
    assert d.name == "accumulates" and "['W']" in d.message and "2 times" in d.message
    assert "dW += " in d.message or "adds to the gradient" in d.message


def test_a_model_with_an_accumulating_layer_fails_naming_the_layer():
    rng = np.random.default_rng(1)
    net = MLP([3, 4, 2], rng=rng)
    net.layers[2] = AccumulatingLinear.from_params(net.layers[2].W, net.layers[2].b)
    r = gradcheck_model(net, rng.normal(size=(3, 5)), rng.normal(size=(2, 5)), mse_loss)
    assert r.failed == ["2.W"]
    text = r.report()
    assert "layers[2], AccumulatingLinear" in text and "['2.W']" in text


def test_an_honest_layer_is_not_taken_for_an_accumulating_one():
    rng = np.random.default_rng(2)
    assert gradcheck_layer(Linear(4, 3, rng=rng), rng.normal(size=(4, 6)))


@pytest.mark.parametrize("shape", [(3, 0), (0, 4)])
def test_gradcheck_layer_refuses_an_empty_batch(shape):
    with pytest.raises(ValueError, match=r"^x: expected at least one entry .*shape \(" + str(shape[0])):
        gradcheck_layer(Linear(3, 2, rng=np.random.default_rng(0)), np.zeros(shape))


def test_gradcheck_model_refuses_an_empty_batch():
    net = MLP([3, 4, 2], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"^X: expected at least one entry"):
        gradcheck_model(net, np.zeros((3, 0)), np.zeros((2, 0)), mse_loss)


def test_a_mutation_message_shows_the_change():
    def f(v):
        v[0] = np.nextafter(v[0], 1.0)
        return 0.0

    with pytest.raises(InputModifiedError) as info:
        call_checked(f, np.array([0.7921590000000001, 1.0]))
    old, new = re.search(r"changed from (\S+) to (\S+)\)", str(info.value)).groups()
    assert old != new and float(old) == 0.7921590000000001


# ----------------------------------------------------------------------------
# causes speak of the entries they were established on
# ----------------------------------------------------------------------------

def _net(sizes, seed=0):
    rng = np.random.default_rng(seed)
    net = MLP(sizes, activation="tanh", rng=rng)
    for layer in net.layers[::2]:
        layer.b[...] = rng.normal(0, 0.1, layer.b.shape)
    return net, rng.normal(size=(sizes[0], 32)), rng.integers(0, sizes[-1], 32)


def _plant(net, index, change):
    layer = net.layers[index]
    honest = type(layer).backward

    def backward(dout):
        out = honest(layer, dout)
        change(layer, dout)
        return out

    layer.backward = backward


def _cause(r, name):
    return r.checks[[c.name for c in r.checks].index(name)].diagnosis


def test_a_zero_block_is_described_as_that_block_not_the_whole_tensor():
    net, X, y = _net([20, 40, 10])

    def zero(layer, dout):
        layer.dW[:9, :10] = 0

    _plant(net, 2, zero)
    r = gradcheck_model(net, X, y, softmax_cross_entropy)
    assert r.failed == ["2.W"]
    d = _cause(r, "2.W")
    assert "all zeros" not in d.message
    assert "rows 0-8, columns 0-9" in d.message and "90 entries" in d.message


def test_a_factor_is_stated_for_the_whole_tensor_only_when_every_direction_shows_it():
    net, X, y = _net([100, 90, 10])

    def double(layer, dout):
        layer.dW *= 2

    _plant(net, 0, double)
    d = _cause(gradcheck_model(net, X, y, softmax_cross_entropy), "0.W")
    assert d.name == "factor" and "factor of 2" in d.message and "whole tensor" in d.message


def test_a_bias_from_the_first_example_only_is_not_called_an_activation_bug():
    net, X, y = _net([20, 40, 10])

    def first_only(layer, dout):
        layer.db = dout[:, :1].copy()

    _plant(net, 0, first_only)
    d = _cause(gradcheck_model(net, X, y, softmax_cross_entropy), "0.b")
    assert d is not None and d.name != "activation" and "no pattern recognised" in d.message


def test_a_single_flipped_entry_is_a_sign_error_in_every_mode():
    x = np.linspace(0.5, 1.5, 7)

    def df(v):
        g = 3 * v**2
        g[2] *= -1
        return g

    for mode in ("exhaustive", "directional"):
        d = gradcheck(lambda v: np.sum(v**3), df, x, mode=mode).checks[0].diagnosis
        assert d.name == "sign" and "wrong sign" in d.message and "2" in d.message, (mode, d)
    net, X, y = _net([100, 90, 10])

    def flip(layer, dout):
        layer.dW[3, 4] *= -1

    _plant(net, 0, flip)
    d = _cause(gradcheck_model(net, X, y, softmax_cross_entropy), "0.W")
    assert d.name == "sign" and "[3, 4]" in d.message


def test_the_cause_never_contradicts_the_count():
    rng = np.random.default_rng(3)
    x = rng.normal(size=9)
    for wrong in ([4], [1, 5], [0, 3, 8], [2, 4, 6, 7]):
        def df(v, wrong=wrong):
            g = np.cos(v)
            g[wrong] *= 1.5
            return g

        check = gradcheck(lambda v: np.sum(np.sin(v)), df, x).checks[0]
        assert check.n_wrong == len(wrong)
        listed = re.findall(r"\((\d+),\)", check.diagnosis.message)
        if listed:  # "correct except entries (...)": exactly the wrong ones
            assert sorted(map(int, listed)) == wrong[:4], check.diagnosis.message


def test_every_failure_has_a_cause_line():
    rng = np.random.default_rng(4)
    r = gradcheck(lambda v: np.sum(np.sin(v)), lambda v: np.cos(v) + rng.normal(size=v.shape), rng.normal(size=7))
    assert not r and "likely cause:" in r.report()


# ----------------------------------------------------------------------------
# elementwise derivatives in x's own shape
# ----------------------------------------------------------------------------

def test_an_elementwise_derivative_is_reported_in_the_shape_and_indices_of_x():
    x = np.linspace(-1, 1, 6)

    def d_sin(v):
        g = np.cos(v)
        g[3] *= -1
        return g

    r = gradcheck(np.sin, d_sin, x)
    text = r.report()
    assert "x (shape (6,))" in text and "(6, 6)" not in text
    assert "1 of 6 wrong" in text and "[3]  analytic" in text
    assert r.checks[0].diagnosis.name == "sign"


def test_a_wrong_sign_everywhere_on_an_elementwise_derivative_is_named():
    X = np.linspace(-1, 1, 12).reshape(3, 4)
    r = gradcheck(np.sin, lambda v: -np.cos(v), X)
    assert "x (shape (3, 4))" in r.report() and r.checks[0].diagnosis.name == "sign"


def test_an_f_that_is_not_elementwise_is_named():
    x = np.linspace(-1, 1, 5)
    d = gradcheck(lambda v: np.sin(v) * v.sum(), np.cos, x).checks[0].diagnosis
    assert d.name == "not elementwise" and "return the Jacobian" in d.message


# ----------------------------------------------------------------------------
# the fast default still catches single wrong entries; exhaustive mode perturbs in place
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("sizes", [[20, 48, 5], [100, 90, 10], [784, 128, 10]], ids=["1k", "10k", "100k"])
@pytest.mark.parametrize("factor", [1.5, 2.0])
def test_the_default_check_catches_one_wrong_entry_at_every_size(sizes, factor):
    net, X, y = _net(sizes)
    assert gradcheck_model(net, X, y, softmax_cross_entropy)
    where = (sizes[1] // 2, sizes[0] // 3)

    def scale(layer, dout):
        layer.dW[where] *= factor

    _plant(net, 0, scale)
    r = gradcheck_model(net, X, y, softmax_cross_entropy)
    assert r.failed == ["0.W"]
    assert [e.index for e in r.checks[1].entries] == [where]


def test_a_large_model_is_screened_along_one_joint_direction():
    net, X, y = _net([100, 90, 10])
    r = gradcheck_model(net, X, y, softmax_cross_entropy)
    n_params = len(net.parameters())
    assert r and r.evaluations <= 2 * (n_params + 1) + n_params + 2


def test_exhaustive_mode_costs_two_evaluations_per_entry_and_no_more():
    net, X, y = _net([6, 5, 3])
    r = gradcheck_model(net, X, y, softmax_cross_entropy, mode="exhaustive")
    n = sum(p.size for p in net.parameters().values()) + 3 * 32
    assert r and r.evaluations == 2 * n + len(r.checks)


def test_float32_work_that_cannot_be_detected_is_said_so_in_the_report():
    x = np.linspace(-2, 2, 8)
    f = lambda v: float(np.sum(np.tanh(v.astype(np.float32)) ** 2)) * 1.0000001  # noqa: E731  float32 inside
    r = gradcheck(f, lambda v: 2 * np.tanh(v) * (1 - np.tanh(v) ** 2) * 1.0000001, x)
    assert not r and any("could not be detected" in n for n in r.notes)


# ----------------------------------------------------------------------------
# A Jacobian checked along directions: a cause on the columns bisection found, and only there
# ----------------------------------------------------------------------------

def _jacobian_case(bad):
    """f(x) = A tanh(x), x of 400 entries (directional), ``bad(J)`` the analytic Jacobian returned."""
    A = np.random.default_rng(0).normal(size=(300, 400))
    x = np.random.default_rng(1).normal(size=400)
    return gradcheck(lambda v: A @ np.tanh(v), lambda v: bad(A * (1 - np.tanh(v) ** 2)), x).checks[0]


def test_a_wrong_jacobian_column_found_along_directions_is_named_with_its_pattern():
    check = _jacobian_case(lambda J: J * (1 + (np.arange(400) == 7)))
    assert (check.mode, check.passed, check.diagnosis.name) == ("directional", False, "factor")
    assert check.diagnosis.message == (
        "In column 7 of the Jacobian of f w.r.t. x (the inputs bisection found, each re-checked for every "
        "output), 300 of 300 entries are wrong: there the Jacobian is 2 times the numerical value (bisection "
        "searched every input, so the other columns agree in a random combination of the outputs).")


def test_a_single_wrong_jacobian_entry_is_listed_and_no_pattern_is_guessed():
    wrong = np.zeros((300, 400), dtype=bool)
    wrong[5, 9] = True
    check = _jacobian_case(lambda J: J * (1 + wrong))
    assert check.diagnosis.name == "entries"
    assert check.diagnosis.message.startswith(
        "In column 9 of the Jacobian of f w.r.t. x (the inputs bisection found, each re-checked for every "
        "output), 1 of 300 entries is wrong ([5, 9]); no pattern recognised (bisection searched every input")


def test_when_bisection_stops_the_jacobian_cause_says_other_columns_may_be_wrong():
    check = _jacobian_case(lambda J: -J)
    assert check.diagnosis.name == "sign"
    assert check.diagnosis.message == (
        "In columns 0, 1, 2, 3, 4 of the Jacobian of f w.r.t. x (the inputs bisection found, each re-checked "
        "for every output), 1500 of 1500 entries are wrong: there the Jacobian is the opposite sign (bisection "
        "stopped, so other columns may be wrong too).")
