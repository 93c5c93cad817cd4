"""Tests that kill the surviving mutants of course.gradcheck.layer_check that
tests/test_mutants_gradcheck_model.py and tests/test_mutants_gradcheck_api.py leave: the names in
the errors of a forward that returns junk (at x, at X, at perturbed parameters, in each mode), the
activation diagnosis kept to parameter-free layers, which parameters the search for the faulty
layer re-checks and with which options (rtol, mode), ``raise_on_fail`` after a full model check, a 1-D ``X``,
the targets copied at the call, the float32 notes of a model, an integer output not judged as
float32, and a loss returned as a 1-element array. See tests/MUTANTS.md.
"""
from __future__ import annotations

import numpy as np
import pytest

from course import MLP, GradcheckError, Linear, Tanh, gradcheck_layer, gradcheck_model, mse_loss

from layer_doubles import Chain, NoneWhenWMoves, Square

JUNK = "{who}: expected it to return a number or numeric array, got NoneType at {where}"


def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(3, 4)), rng.normal(size=(2, 4))


def linear(n_in, n_out, cls=Linear, seed=0):
    return cls(n_in, n_out, rng=np.random.default_rng(seed))


# ----------------------------------------------------------------------------
# a forward that returns junk is named as the layer's or the model's, wherever it does
# ----------------------------------------------------------------------------

class ReturnsNone(Linear):
    def forward(self, x):
        super().forward(x)
        return None


def test_a_layer_forward_returning_junk_at_x_is_named_with_x():
    X, _ = data()
    with pytest.raises(TypeError) as info:
        gradcheck_layer(linear(3, 2, ReturnsNone), X)
    assert str(info.value) == JUNK.format(who="layer.forward", where="x")


def test_a_model_forward_returning_junk_at_X_is_named_with_X():
    X, Y = data()
    with pytest.raises(TypeError) as info:
        gradcheck_model(Chain(linear(3, 2, ReturnsNone)), X, Y, mse_loss)
    assert str(info.value) == JUNK.format(who="model.forward", where="X")


def test_a_layer_forward_returning_junk_at_perturbed_parameters_along_a_direction_is_the_layers():
    """mode="directional": the parameters are perturbed along directions (not entry by entry)."""
    X, _ = data()
    with pytest.raises(TypeError) as info:
        gradcheck_layer(linear(3, 2, NoneWhenWMoves), X, mode="directional")
    assert str(info.value) == JUNK.format(who="layer.forward", where="perturbed parameters")


@pytest.mark.parametrize("mode", ["auto", "directional"])
def test_a_model_forward_returning_junk_at_perturbed_parameters_is_the_models(mode):
    """Entry by entry (a small model in "auto") and along directions alike."""
    X, Y = data()
    with pytest.raises(TypeError) as info:
        gradcheck_model(Chain(linear(3, 2, NoneWhenWMoves)), X, Y, mse_loss, mode=mode)
    assert str(info.value) == JUNK.format(who="model.forward", where="perturbed parameters")


# ----------------------------------------------------------------------------
# the activation diagnosis is for parameter-free layers only
# ----------------------------------------------------------------------------

class Scale:
    """``a * x`` with a parameter ``a`` (2): its dx forgets the factor ``a`` (returns dout)."""

    def __init__(self):
        self.a, self.da, self.x = np.array([[2.0]]), None, None

    def forward(self, x):
        self.x = x
        return self.a * x

    def backward(self, dout):
        self.da = np.array([[np.sum(dout * self.x)]])
        return dout

    def parameters(self):
        return {"a": self.a}

    def gradients(self):
        return {"a": self.da}


def test_a_layer_with_parameters_is_not_diagnosed_as_an_activation_even_with_an_output_the_shape_of_x():
    """dx = dout looks like "the activation derivative is missing", but a layer with parameters is not
    an activation: the cause named is the factor of 2."""
    X, _ = data()
    result = gradcheck_layer(Scale(), X)
    x, a = result.checks
    assert result.failed == ["x"] and a.passed
    assert x.diagnosis.message == ("The gradient for x is too small by a factor of 2: check the derivative of "
                                   "a square (d/dx x**2 = 2x) and any 1/2 in the loss.")


# ----------------------------------------------------------------------------
# the search for the faulty layer: which parameters it re-checks, with which rtol
# ----------------------------------------------------------------------------

class DoubleDW(Linear):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW *= 2.0
        return dx


def test_the_layer_search_rechecks_the_failed_parameters_of_each_layer():
    """layers[0]'s own dW is wrong: re-checked alone it fails again, so no finding says that every
    layer passes alone (which re-checking its b, which is right, would say)."""
    X, Y = data()
    result = gradcheck_model(Chain(linear(3, 4, DoubleDW), Tanh(), linear(4, 2, seed=1)), X, Y, mse_loss)
    assert result.failed == ["0.W"]
    assert result.findings == []
    assert "where:" not in str(result)


class SlightlyOffDx(Linear):
    """dx off by a relative 1e-4 (wrong at the default rtol, right at rtol=1e-2), and dW twice too large."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.dW *= 2.0
        return dx * (1.0 + 1e-4)


def test_the_layer_search_uses_the_rtol_given():
    X, Y = data()
    model = Chain(linear(3, 4), Tanh(), linear(4, 2, SlightlyOffDx, seed=1))
    result = gradcheck_model(model, X, Y, mse_loss, rtol=1e-2)
    assert result.failed == ["2.W"]
    assert result.findings == []          # at rtol=1e-2 layers[2] passes the right dx down
    result = gradcheck_model(model, X, Y, mse_loss)
    assert result.findings[0].startswith("checked alone, layers[2] (SlightlyOffDx) passes a wrong gradient down (dx)")


class DoubleDx(Linear):
    """dx and dW both twice too large."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.dW *= 2.0
        return 2.0 * dx


def test_the_layer_search_uses_the_mode_given():
    """mode="directional": each layer is re-checked along directions too, so the cause of its wrong dx
    is the directional one (the same ratio along each direction), not the exhaustive one."""
    X, Y = data()
    model = Chain(linear(3, 4), Tanh(), linear(4, 2, DoubleDx, seed=1))
    result = gradcheck_model(model, X, Y, mse_loss, mode="directional")
    assert result.failed == ["0.W", "0.b", "2.W"]
    assert result.findings == [
        "checked alone, layers[2] (DoubleDx) passes a wrong gradient down (dx): The gradient for x is too large "
        "by a factor of 2: check the derivative of a square (d/dx x**2 = 2x) and any 1/2 in the loss (the same "
        "ratio along each of 3 random directions through all 16 entries, so it holds for the whole tensor)."]


def test_a_model_that_passes_has_no_findings():
    X, Y = data()
    result = gradcheck_model(MLP([3, 4, 2], activation="tanh", rng=np.random.default_rng(0)), X, Y, mse_loss)
    assert result.passed and result.findings == []
    assert "where:" not in str(result)


# ----------------------------------------------------------------------------
# raise_on_fail after a full check of a model, and a 1-D X
# ----------------------------------------------------------------------------

def test_gradcheck_model_raises_on_a_wrong_parameter_when_asked():
    X, Y = data()
    model = Chain(linear(3, 2, DoubleDW))
    with pytest.raises(GradcheckError) as info:
        gradcheck_model(model, X, Y, mse_loss, raise_on_fail=True)
    assert info.value.result.failed == ["0.W"]
    assert str(info.value) == str(gradcheck_model(model, X, Y, mse_loss))


def test_a_model_of_a_1d_X_is_checked_without_a_batch_size():
    def loss(out, y):
        return 0.5 * float(np.sum((out - y) ** 2)), out - y

    result = gradcheck_model(Square(), np.linspace(-1.0, 1.0, 5), np.zeros(5), loss)
    assert result.passed
    assert [(c.name, c.shape) for c in result.checks] == [("dout", (5,))]


# ----------------------------------------------------------------------------
# the targets are copied when the check starts
# ----------------------------------------------------------------------------

class Buffered(Linear):
    """A Linear whose forward writes its output into one buffer and returns that buffer every time."""

    buf = None

    def forward(self, x):
        z = super().forward(x)
        if self.buf is None or self.buf.shape != z.shape:
            self.buf = np.empty_like(z)
        self.buf[...] = z
        return self.buf


def test_the_targets_are_the_values_of_Y_when_the_check_starts():
    """Y is the model's own output buffer (taken from a forward without a copy): the forwards of the
    check overwrite it, but the check uses Y as it was given. The model is left with the gradients
    of the loss at that Y (with Y read later it would be out itself, and every gradient zero)."""
    X, _ = data()
    model = linear(3, 2, Buffered)
    Y = model.forward(np.random.default_rng(1).normal(size=(3, 4)))
    Y_given = Y.copy()
    result = gradcheck_model(model, X, Y, mse_loss)
    assert result.passed
    dout = (model.W @ X + model.b - Y_given) / X.shape[1]
    np.testing.assert_allclose(model.gradients()["W"], dout @ X.T, rtol=1e-12)
    np.testing.assert_allclose(model.gradients()["b"], dout.sum(axis=1, keepdims=True), rtol=1e-12)


# ----------------------------------------------------------------------------
# float32 notes, an integer output, a loss returned as a 1-element array
# ----------------------------------------------------------------------------

def test_a_float32_model_gets_the_float32_notes():
    X, Y = data()
    model = MLP([3, 4, 2], activation="tanh", rng=np.random.default_rng(0), dtype=np.float32)
    result = gradcheck_model(model, X.astype(np.float32), Y, mse_loss)
    assert result.passed
    assert FLOAT32_NOTE.format(name="0.W") in result.notes
    assert "X is float32: the check ran on a float64 copy of it (both sides in float64)" in result.notes


FLOAT32_NOTE = ("{name} is evaluated in float32, so its finite differences are only float32-accurate "
                "(step cbrt(eps32)); compared with rtol=1e-03")


class Step:
    """``(x > 0)`` as integers: flat almost everywhere, so a zero backward is right."""

    def forward(self, x):
        return (x > 0).astype(np.int64)

    def backward(self, dout):
        return np.zeros_like(dout, dtype=np.float64)

    def parameters(self):
        return {}

    def gradients(self):
        return {}


def test_an_integer_output_is_not_judged_as_float32():
    """Integers are float32 numbers too, but only a float64 output of float32 values is float32 work."""
    X, _ = data()
    result = gradcheck_layer(Step(), X)
    assert result.passed and result.notes == []
    assert str(result) == "gradcheck_layer(Step) passed: x, max relative error 0.0e+00 (25 function evaluations)"


def test_a_loss_returned_as_a_1_element_array_is_a_scalar_loss():
    X, Y = data()

    def loss(out, y):
        value, dout = mse_loss(out, y)
        return np.array([value]), dout

    result = gradcheck_model(MLP([3, 4, 2], activation="tanh", rng=np.random.default_rng(0)), X, Y, loss)
    assert result.passed and [c.name for c in result.checks] == ["dout", "0.W", "0.b", "2.W", "2.b"]
