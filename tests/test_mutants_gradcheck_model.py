"""Tests that kill the surviving mutants of course.gradcheck.layer_check's ``gradcheck_model``
and ``_check_layer``: what each way of breaking the protocol is reported as (a bad dout from the
loss, a forward, backward or loss that changes its input, a loss that returns junk, a parameter
changed in place), with ``raise_on_fail``; the title, the batch size named in a cause, the notes,
and the options reaching every part of the check. See tests/MUTANTS.md.
"""
from __future__ import annotations

import numpy as np
import pytest

from course.gradcheck import GradcheckError, gradcheck_layer, gradcheck_model
from course.reference.layers import Linear
from course.reference.losses import mse_loss
from course.reference.mlp import MLP

from layer_doubles import NoneWhenWMoves, Square

MODIFIED = ("{who}: modified its input {arg} in place (entry (0, 0) changed from {old!r} to 0.0); a function "
            "being differentiated must leave its argument unchanged (work on a copy, e.g. {arg} = {arg}.copy(), "
            "or avoid in-place operations such as +=)")


def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(3, 4)), rng.normal(size=(2, 4))


def small(cls=MLP):
    """A 3-4-2 tanh MLP (35 parameter entries: every tensor is checked entry by entry)."""
    return cls([3, 4, 2], activation="tanh", rng=np.random.default_rng(0))


def only_check(result):
    (check,) = result.checks
    return check


# ----------------------------------------------------------------------------
# what breaks the protocol, and how it is reported
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("raise_on_fail", [False, True])
def test_a_loss_that_returns_no_dout_is_a_failed_dout_check(raise_on_fail):
    X, Y = data()
    if raise_on_fail:
        with pytest.raises(GradcheckError):
            gradcheck_model(small(), X, Y, lambda o, y: (1.0, None), raise_on_fail=True)
        return
    result = gradcheck_model(small(), X, Y, lambda o, y: (1.0, None))
    check = only_check(result)
    assert (check.name, check.shape, check.mode, check.passed) == ("dout", (2, 4), "not run", False)
    assert check.diagnosis.name == "type"
    assert check.diagnosis.message == "Dout (returned by loss_fn) is None: did you forget to return it?"


class BackwardZeroesDout(MLP):
    def backward(self, dout):
        dx = super().backward(dout)
        dout[...] = 0.0
        return dx


class ForwardZeroesX(MLP):
    def forward(self, x):
        out = super().forward(x)
        x[...] = 0.0
        return out


def _zeroing_loss(out, y):
    value = mse_loss(out, y)
    out[...] = 0.0
    return value


@pytest.mark.parametrize("case", ["backward", "forward", "loss"])
@pytest.mark.parametrize("raise_on_fail", [False, True])
def test_a_model_forward_backward_or_loss_that_changes_its_input_is_named_and_the_model_restored(case, raise_on_fail):
    X, Y = data()
    model = {"backward": small(BackwardZeroesDout), "forward": small(ForwardZeroesX), "loss": small()}[case]
    loss = _zeroing_loss if case == "loss" else mse_loss
    before = {k: p.copy() for k, p in model.parameters().items()}
    if raise_on_fail:
        with pytest.raises(GradcheckError):
            gradcheck_model(model, X, Y, loss, raise_on_fail=True)
        return
    result = gradcheck_model(model, X, Y, loss)
    check = only_check(result)
    assert (check.name, check.shape, check.mode) == ("model", X.shape, "not run")
    assert check.diagnosis.name == "mutation"
    who, arg = {"backward": ("model.backward", "dout"), "forward": ("model.forward", "X"),
                "loss": ("loss_fn", "out")}[case]
    assert check.diagnosis.message.startswith(f"{who}: modified its input {arg} in place (entry (0, 0) changed from")
    assert check.diagnosis.message.endswith(f"(work on a copy, e.g. {arg} = {arg}.copy(), or avoid in-place "
                                            "operations such as +=)")
    for k, p in model.parameters().items():
        np.testing.assert_array_equal(p, before[k])


class ForwardZeroesx(Linear):
    def forward(self, x):
        out = super().forward(x)
        x[...] = 0.0
        return out


def test_a_layer_forward_that_changes_its_input_is_named_as_the_layers():
    X, _ = data()
    result = gradcheck_layer(ForwardZeroesx(3, 2, rng=np.random.default_rng(0)), X)
    check = only_check(result)
    assert (check.name, check.mode, check.diagnosis.name) == ("x", "not run", "mutation")
    assert check.diagnosis.message == MODIFIED.format(who="layer.forward", arg="x", old=float(X[0, 0]))


class ShiftsWhenPerturbed(Linear):
    """A forward that, once x is perturbed, returns None or changes x in place (first calls are honest)."""

    def __init__(self, junk, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.junk, self.x0 = junk, None

    def forward(self, x):
        out = super().forward(x)
        if self.x0 is None or x.shape != self.x0.shape or np.array_equal(x, self.x0):
            return out
        if self.junk == "None":
            return None
        x[0, 0] += 1.0
        return out


def test_a_layer_forward_returning_junk_at_a_perturbed_x_is_named():
    X, _ = data()
    layer = ShiftsWhenPerturbed("None", 3, 2, rng=np.random.default_rng(0))
    layer.x0 = X.copy()
    with pytest.raises(TypeError, match=r"^layer\.forward: expected it to return a number or numeric array, got "
                                        r"NoneType at a perturbed x$"):
        gradcheck_layer(layer, X, rng=np.random.default_rng(1))


def test_a_layer_forward_changing_a_perturbed_x_is_named():
    X, _ = data()
    layer = ShiftsWhenPerturbed("shift", 3, 2, rng=np.random.default_rng(0))
    layer.x0 = X.copy()
    result = gradcheck_layer(layer, X, rng=np.random.default_rng(1))
    x = result.checks[0]
    assert (x.name, x.mode, x.diagnosis.name) == ("x", "not run", "mutation")
    assert x.diagnosis.message.startswith("layer.forward: modified its input x in place (entry (0, 0) changed from")


@pytest.mark.parametrize("loss, error, message", [
    (lambda o, y: 1.0, TypeError, "loss_fn: expected it to return (loss, dout), got float"),
    (lambda o, y: ("a", o), TypeError,
     "loss_fn: expected it to return a number or numeric array, got str at the model output"),
    (lambda o, y: (np.ones(3), o), ValueError, "loss_fn: expected a scalar loss, got an array of shape (3,)"),
])
def test_a_loss_that_returns_junk_is_refused_saying_what_it_returned(loss, error, message):
    X, Y = data()
    with pytest.raises(error) as info:
        gradcheck_model(small(), X, Y, loss)
    assert str(info.value) == message


class ChangesW(MLP):
    """A backward that also changes W^1 in place (as if it took an optimiser step)."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.layers[0].W += 0.5
        return dx


@pytest.mark.parametrize("raise_on_fail", [False, True])
def test_a_parameter_changed_in_place_by_backward_is_named_and_put_back(raise_on_fail):
    X, Y = data()
    model = small(ChangesW)
    W0 = model.layers[0].W.copy()
    if raise_on_fail:
        with pytest.raises(GradcheckError):
            gradcheck_model(model, X, Y, mse_loss, raise_on_fail=True)
    else:
        result = gradcheck_model(model, X, Y, mse_loss)
        check = only_check(result)
        assert (check.name, check.shape, check.mode, check.diagnosis.name) == ("0.W", (4, 3), "not run", "mutation")
        assert check.diagnosis.message == ("forward/backward changed the parameter 0.W in place; only an "
                                           "optimiser step should change parameters")
    np.testing.assert_array_equal(model.layers[0].W, W0)


def test_a_missing_gradient_is_named_with_the_models_gradients():
    class NoBias(MLP):
        def gradients(self):
            grads = dict(super().gradients())
            grads.pop("0.b")
            return grads

    X, Y = data()
    result = gradcheck_model(small(NoBias), X, Y, mse_loss)
    b = {c.name: c for c in result.checks}["0.b"]
    assert b.diagnosis.message == ("model.gradients() has no entry '0.b': backward must set a gradient for "
                                   "every parameter")


# ----------------------------------------------------------------------------
# the title, the batch size in a cause, the notes, the options
# ----------------------------------------------------------------------------

def test_the_titles_name_the_checked_objects_class():
    X, Y = data()
    assert str(gradcheck_model(small(), X, Y, mse_loss)).startswith("gradcheck_model(MLP) passed: 5 tensors")
    assert str(gradcheck_layer(Linear(3, 2, rng=np.random.default_rng(0)), X)).startswith(
        "gradcheck_layer(Linear) passed: 3 tensors")


class TimesBatch(Linear):
    """dW m = 4 times too large (the mean over the batch forgotten)."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.dW *= dout.shape[1]
        return dx


def test_a_gradient_m_times_too_large_is_named_with_the_batch_size():
    X, _ = data()
    result = gradcheck_layer(TimesBatch(3, 2, rng=np.random.default_rng(0)), X)
    assert result.checks[1].diagnosis.message == (
        "The gradient for W is too large by a factor of m = 4 (the batch size): divide by m exactly once, in the loss.")


def test_a_wrong_dout_gets_the_note_that_the_loss_comes_first():
    X, Y = data()
    result = gradcheck_model(small(), X, Y, lambda o, y: (mse_loss(o, y)[0], 2 * mse_loss(o, y)[1]))
    assert result.checks[0].name == "dout" and not result.checks[0].passed
    assert ("dout (from loss_fn) is wrong: fix the loss first. The parameters were checked against backward(dout) "
            "itself, so their results do not depend on the loss.") in result.notes


def test_a_float32_X_gets_its_note():
    X, Y = data()
    result = gradcheck_model(small(), X.astype(np.float32), Y, mse_loss)
    assert "X is float32: the check ran on a float64 copy of it (both sides in float64)" in result.notes


def test_the_options_of_gradcheck_model_reach_the_check():
    X, Y = data()
    with pytest.raises(ValueError, match=r"^rtol: expected a non-negative number, got -1.0$"):
        gradcheck_model(small(), X, Y, mse_loss, rtol=-1.0)
    with pytest.raises(TypeError, match=r"^X: expected a real number or numeric array, got str"):
        gradcheck_model(small(), "abc", Y, mse_loss)
    rng = np.random.default_rng(5)
    before = rng.bit_generator.state
    gradcheck_model(small(), X, Y, mse_loss, rng=rng)
    assert rng.bit_generator.state != before


class SlightlyOffModel(MLP):
    """dW^1 off by a relative 1e-4: wrong at the default rtol, right at rtol=1e-2."""

    def gradients(self):
        grads = dict(super().gradients())
        grads["0.W"] = grads["0.W"] * (1.0 + 1e-4)
        return grads


def test_the_rtol_given_to_gradcheck_model_is_the_one_used():
    X, Y = data()
    assert not gradcheck_model(small(SlightlyOffModel), X, Y, mse_loss).passed
    assert gradcheck_model(small(SlightlyOffModel), X, Y, mse_loss, rtol=1e-2).passed


def test_a_wrong_first_parameter_is_located():
    """The search for the layer at fault runs whenever a parameter fails, the first one included."""
    class FirstWrong(MLP):
        def gradients(self):
            grads = dict(super().gradients())
            grads["0.W"] = 2 * grads["0.W"]
            return grads

    X, Y = data()
    result = gradcheck_model(small(FirstWrong), X, Y, mse_loss)
    assert result.failed == ["0.W"]
    assert result.findings


# ----------------------------------------------------------------------------
# more of gradcheck_layer: raise_on_fail, a 1-D x, the names in its messages, the x notes
# ----------------------------------------------------------------------------

def test_gradcheck_layer_raises_on_a_failure_when_asked():
    X, _ = data()
    with pytest.raises(GradcheckError):
        gradcheck_layer(TimesBatch(3, 2, rng=np.random.default_rng(0)), X, raise_on_fail=True)


def test_a_layer_of_a_1d_x_is_checked_without_a_batch_size():
    result = gradcheck_layer(Square(), np.linspace(-1.0, 1.0, 5))
    assert result.passed and result.checks[0].shape == (5,)


def test_a_layer_missing_a_gradient_and_a_layer_accumulating_one_are_named_as_the_layers():
    X, _ = data()

    class NoBias(Linear):
        def gradients(self):
            grads = dict(super().gradients())
            grads.pop("b")
            return grads

    class Accumulates(Linear):
        def backward(self, dout):
            old = None if self.dW is None else self.dW.copy()
            dx = super().backward(dout)
            if old is not None:
                self.dW += old
            return dx

    b = gradcheck_layer(NoBias(3, 2, rng=np.random.default_rng(0)), X).checks[2]
    assert b.diagnosis.message == "layer.gradients() has no entry 'b': backward must set a gradient for every parameter"
    result = gradcheck_layer(Accumulates(3, 2, rng=np.random.default_rng(0)), X)
    (W,) = [c for c in result.checks if c.mode == "backward run twice"]
    assert W.diagnosis.message.startswith("layer.gradients()['W'] after a second forward(x), backward(dout) with the "
                                          "same x and dout is 2 times the first one")


def test_a_small_layers_forward_returning_junk_at_perturbed_parameters_is_named():
    X, _ = data()
    with pytest.raises(TypeError, match=r"^layer\.forward: expected it to return a number or numeric array, "
                                        r"got NoneType at perturbed parameters$"):
        gradcheck_layer(NoneWhenWMoves(3, 2, rng=np.random.default_rng(0)), X)


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.int64])
def test_only_a_float32_or_float16_x_gets_the_float64_copy_note(dtype):
    X, Y = data()
    x = (X * 10).astype(dtype)
    for result in (gradcheck_layer(Linear(3, 2, rng=np.random.default_rng(0)), x),
                   gradcheck_model(small(), x, Y, mse_loss)):
        assert not any("the check ran on a float64 copy" in n for n in result.notes)


def test_model_gradients_that_are_not_a_dict_are_refused_as_the_models():
    class ListGradients(MLP):
        def gradients(self):
            return [1]

    X, Y = data()
    with pytest.raises(TypeError, match=r"^model\.gradients\(\): expected a dict of arrays, got list$"):
        gradcheck_model(small(ListGradients), X, Y, mse_loss)
