"""Tests that kill the surviving mutants of the gradient checker's entry points:
course.gradcheck.function_check (``gradcheck``), layer_check (``gradcheck_layer``,
``gradcheck_model``) and parameters (the joint screen of a large layer's parameters).
See tests/MUTANTS.md.
"""
from __future__ import annotations

import numpy as np
import pytest

from course.gradcheck import gradcheck, gradcheck_layer, gradcheck_model
from course.reference.layers import Linear
from course.reference.losses import mse_loss

from layer_doubles import CountingLinear, NoneWhenWMoves

ELEMENTWISE_NOTE = "df(x) has the shape of x: checked as the elementwise derivative f'(x)"


# ----------------------------------------------------------------------------
# gradcheck: elementwise derivatives, and the directional check of a large Jacobian
# ----------------------------------------------------------------------------

def test_an_elementwise_derivative_of_two_entries_is_checked_as_one():
    """x, f(x) and df(x) of shape (2,): df is f'(x) entry by entry (not a wrongly shaped Jacobian)."""
    result = gradcheck(lambda x: x**2, lambda x: 2 * x, np.array([1.0, 2.0]))
    assert result.passed
    assert any(n.startswith(ELEMENTWISE_NOTE) for n in result.notes)


def test_a_single_entry_is_a_1_by_1_jacobian_not_an_elementwise_derivative():
    """With one entry the two readings agree, and no elementwise note is added."""
    result = gradcheck(lambda x: x**2, lambda x: 2 * x, np.array([1.5]))
    assert result.passed
    assert not any(n.startswith(ELEMENTWISE_NOTE) for n in result.notes)


class Counted:
    """``f(x) = A x`` counting its calls."""

    def __init__(self, A: np.ndarray):
        self.A, self.calls = A, 0

    def __call__(self, x):
        self.calls += 1
        return self.A @ x


@pytest.mark.parametrize("wrong", [None, (1, 7), (2, 150)])
def test_a_large_jacobian_checked_along_directions_reports_its_shape_name_and_every_evaluation(wrong):
    """f: R^200 -> R^3 (directional mode): the check is of x, shape (3, 200), and its evaluation
    count is every call of f (f(x), the directions, and the columns checked again when wrong)."""
    A = np.random.default_rng(0).normal(size=(3, 200))
    J = A.copy()
    if wrong is not None:
        J[wrong] *= 3.0
    f = Counted(A)
    result = gradcheck(f, lambda x: J, np.linspace(-1.0, 1.0, 200))
    check = result.checks[0]
    assert check.name == "x" and check.shape == (3, 200)
    assert "x (shape (3, 200))" in str(result) or result.passed
    assert result.evaluations == f.calls
    if wrong is None:
        assert result.passed
    else:
        assert not result.passed
        assert [e.index for e in check.entries] == [wrong]


# ----------------------------------------------------------------------------
# gradcheck_layer: its options reach the check
# ----------------------------------------------------------------------------

class SlightlyOff(Linear):
    """A Linear whose dW is off by a relative 1e-4: wrong at the default rtol, right at rtol=1e-2."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.dW *= 1.0 + 1e-4
        return dx


def test_the_rtol_given_to_gradcheck_layer_is_the_one_used():
    x = np.random.default_rng(1).normal(size=(3, 4))
    assert not gradcheck_layer(SlightlyOff(3, 2, rng=np.random.default_rng(0)), x).passed
    assert gradcheck_layer(SlightlyOff(3, 2, rng=np.random.default_rng(0)), x, rtol=1e-2).passed
    with pytest.raises(ValueError, match=r"^rtol: expected a non-negative number, got -1.0$"):
        gradcheck_layer(Linear(3, 2, rng=np.random.default_rng(0)), x, rtol=-1.0)


def test_the_rng_given_to_gradcheck_layer_is_the_one_drawn_from():
    rng = np.random.default_rng(5)
    before = rng.bit_generator.state
    gradcheck_layer(Linear(3, 2, rng=np.random.default_rng(0)), np.ones((3, 4)), rng=rng)
    assert rng.bit_generator.state != before


def test_a_bad_x_for_gradcheck_layer_is_refused_by_its_name():
    with pytest.raises(TypeError, match=r"^x: expected a real number or numeric array, got str"):
        gradcheck_layer(Linear(3, 2, rng=np.random.default_rng(0)), "abc")


def test_the_notes_of_a_float32_layer_and_a_float32_x_are_all_kept():
    """A float32 layer gets the note that its finite differences are float32-accurate, and a float32
    x the note that it was copied to float64: one does not replace the other."""
    layer = Linear(3, 2, rng=np.random.default_rng(0), dtype=np.float32)
    result = gradcheck_layer(layer, np.ones((3, 4), dtype=np.float32))
    assert any(n.startswith("W is evaluated in float32") for n in result.notes)
    assert "x is float32: the check ran on a float64 copy of it (both sides in float64)" in result.notes


# ----------------------------------------------------------------------------
# gradcheck_model: an accumulating gradient is named with its layer, when the key says which
# ----------------------------------------------------------------------------

class Accumulating(Linear):
    """``dW += ...``: the second backward doubles dW."""

    def backward(self, dout):
        old = None if self.dW is None else self.dW.copy()
        dx = super().backward(dout)
        if old is not None:
            self.dW += old
        return dx


class Keyed:
    """A model of ``layers`` whose parameter keys are ``prefix(i) + name``."""

    def __init__(self, layers, prefix, has_layers=True):
        self._layers, self.prefix = layers, prefix
        if has_layers:
            self.layers = layers

    def forward(self, x):
        for layer in self._layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for layer in reversed(self._layers):
            dout = layer.backward(dout)
        return dout

    def parameters(self):
        return {self.prefix(i) + k: v for i, layer in enumerate(self._layers) for k, v in layer.parameters().items()}

    def gradients(self):
        return {self.prefix(i) + k: v for i, layer in enumerate(self._layers) for k, v in layer.gradients().items()}


def _accumulated_message(model) -> tuple[str, str]:
    rng = np.random.default_rng(3)
    result = gradcheck_model(model, rng.normal(size=(2, 5)), rng.normal(size=(2, 5)), mse_loss)
    (check,) = [c for c in result.checks if c.mode == "backward run twice"]
    return check.name, check.diagnosis.message


def _two_layers():
    return [Linear(2, 3, rng=np.random.default_rng(0)), Accumulating(3, 2, rng=np.random.default_rng(1))]


@pytest.mark.parametrize("prefix, key, shown", [
    (lambda i: f"{i}.", "1.W", " (layers[1], Accumulating)"),           # the usual keys: the layer is named
    (lambda i: f"{i}.sub.", "1.sub.W", " (layers[1], Accumulating)"),   # the first part of the key is the index
    (lambda i: f"L{i}.", "L1.W", ""),                                   # not an index: no layer named
    (lambda i: f"{i + 1}.", "2.W", ""),                                 # index past the last layer: none named
])
def test_an_accumulating_gradient_names_its_layer_when_the_key_starts_with_its_index(prefix, key, shown):
    name, message = _accumulated_message(Keyed(_two_layers(), prefix))
    assert name == key
    assert message.startswith(f"model.gradients()[{key!r}]{shown} after a second forward(x), backward(dout)")


def test_an_accumulating_gradient_of_a_model_without_layers_is_named_by_its_key_alone():
    name, message = _accumulated_message(Keyed(_two_layers(), lambda i: f"{i}.", has_layers=False))
    assert message.startswith("model.gradients()['1.W'] after a second forward(x), backward(dout)")


# ----------------------------------------------------------------------------
# the joint screen of a large layer's parameters
# ----------------------------------------------------------------------------


def test_a_forward_returning_junk_at_perturbed_parameters_is_named_as_the_layers_forward():
    """On a layer of more than 1 000 entries the parameters are perturbed together first; a forward
    that then returns None is named as ``layer.forward``, like everywhere else in the check."""
    layer = NoneWhenWMoves(40, 30, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"^layer\.forward: expected it to return a number or numeric array, "
                                        r"got NoneType at perturbed parameters$"):
        gradcheck_layer(layer, np.random.default_rng(1).normal(size=(40, 2)))


JOINT_NOTE = "checked together with the other parameters along one random direction"


def test_a_large_layers_parameters_pass_together_along_one_direction():
    """W (30, 40) and b (30, 1) pass in one joint check: each keeps its shape, passes with the joint
    check's error, the note is on the first one, and the joint evaluations are counted once."""
    layer = CountingLinear(40, 30, rng=np.random.default_rng(0))
    result = gradcheck_layer(layer, np.random.default_rng(1).normal(size=(40, 2)))
    x, W, b = result.checks
    assert result.passed and [c.name for c in result.checks] == ["x", "W", "b"]
    assert (W.shape, b.shape) == ((30, 40), (30, 1))
    assert W.passed and b.passed and W.mode == b.mode == "directional"
    assert W.max_error == b.max_error and 0.0 < W.max_error < 1e-6    # the joint check's measured error
    assert (W.note, b.note) == (JOINT_NOTE, "")
    assert f"W: {JOINT_NOTE}" in str(result) and "b: checked together" not in str(result)
    # one direction: the two evaluations of its central difference and f at the unperturbed point
    assert (W.evaluations, b.evaluations) == (3, 0)
    assert 0 <= layer.calls - result.evaluations <= 10


def test_a_large_models_parameters_pass_together_and_dout_is_checked_on_its_own():
    from course.reference.mlp import MLP

    model = MLP([40, 30, 2], activation="tanh", rng=np.random.default_rng(0))
    rng = np.random.default_rng(1)
    result = gradcheck_model(model, rng.normal(size=(40, 3)), np.zeros((2, 3)), mse_loss)
    notes = {c.name: c.note for c in result.checks}
    assert result.passed
    assert notes == {"dout": "", "0.W": JOINT_NOTE, "0.b": "", "2.W": "", "2.b": ""}


def test_the_rtol_given_is_the_one_the_joint_check_uses():
    """dW off by a relative 1e-4 passes at rtol=1e-2 in the joint check itself (not only tensor by tensor)."""
    layer = SlightlyOff(40, 30, rng=np.random.default_rng(0))
    result = gradcheck_layer(layer, np.random.default_rng(1).normal(size=(40, 2)), rtol=1e-2)
    assert result.passed
    assert result.checks[1].note == JOINT_NOTE


class Float64Gradients(Linear):
    """A float32 layer whose forward returns float64 values and whose backward float64 gradients."""

    def forward(self, x):
        return super().forward(x).astype(np.float64)

    def gradients(self):
        return {k: v.astype(np.float64) for k, v in super().gradients().items()}


def test_float32_parameters_are_not_checked_jointly_even_with_float64_gradients():
    """The joint check is float64-only: float32 parameters are checked tensor by tensor, with
    float32 steps, whatever the dtype of their output and gradients."""
    layer = Float64Gradients(40, 30, rng=np.random.default_rng(0), dtype=np.float32)
    result = gradcheck_layer(layer, np.random.default_rng(1).normal(size=(40, 2)))
    assert result.passed
    assert all(c.note != JOINT_NOTE for c in result.checks)
