"""The trainers' boundary checks, divergence messages, the sigmoid's two forms and MLP labels (mutation tests).

Each test pins a behaviour a surviving mutant of the 2 Dec 2026 evening run changed (see
tests/MUTANTS.md): a message that must name what was given, data that must not be copied or must be
converted, the exact textbook sigmoid where it cannot overflow, the label of an output exactly at
the threshold.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from course.reference.divergence import check_finite
from course.reference.layers import Sigmoid
from course.reference.mlp import MLP
from course.reference.trainer_checks import check_data, check_training_args, checked_gradients
from course.validation import NonFiniteError


def _net(sizes=(2, 3, 1), **kw):
    return MLP(list(sizes), activation="tanh", rng=np.random.default_rng(0), **kw)


# -- divergence.check_finite ------------------------------------------------------------------

def test_check_finite_names_the_parameters_that_are_not_finite_then_the_loss():
    params = {"0.W": np.ones((2, 2)), "0.b": np.array([[np.nan], [0.0]]), "2.W": np.array([[np.inf, 1.0]])}
    with pytest.raises(NonFiniteError, match=r"^parameters \['0.b', '2.W'\] are not finite$"):
        check_finite(params, 1.0)
    with pytest.raises(NonFiniteError, match=r"^the loss is nan$"):
        check_finite({"0.W": np.ones(2)}, float("nan"))
    check_finite({"0.W": np.ones(2)}, 0.5)  # all finite: nothing raised


# -- trainer_checks ---------------------------------------------------------------------------

def test_float_data_is_used_as_it_is_and_other_data_is_converted_to_float64():
    net = _net()
    for dtype in (np.float32, np.float64):
        X = np.ones((2, 5), dtype=dtype)
        assert check_data(X, np.zeros((1, 5)), net)[0] is X  # no copy of a (possibly large) data set
    X_int = np.ones((2, 5), dtype=np.int64)
    X2 = check_data(X_int, np.zeros((1, 5)), net)[0]
    assert X2.dtype == np.float64 and np.array_equal(X2, X_int)


class _NoGradients:
    def forward(self, x): return x  # noqa: E704
    def backward(self, d): return d  # noqa: E704
    def parameters(self): return {"W": np.zeros(2)}  # noqa: E704


def test_argument_errors_name_the_type_that_was_given():
    net = _net()
    with pytest.raises(TypeError, match=r"got _NoGradients without gradients$"):
        check_training_args(_NoGradients(), lambda a, b: (0.0, a), 0.1, 1, None)
    with pytest.raises(TypeError, match=r"loss: expected a callable .* got str$"):
        check_training_args(net, "mse", 0.1, 1, None)
    with pytest.raises(TypeError, match=r"callback: expected None or a callable.* got int$"):
        check_training_args(net, lambda a, b: (0.0, a), 0.1, 1, 3)


@pytest.mark.parametrize("params", [{}, [np.zeros(2)]])
def test_a_model_with_no_parameters_dict_is_rejected_with_what_it_returned(params):
    model = _NoGradients()
    model.gradients = lambda: {}
    model.parameters = lambda: params
    with pytest.raises(TypeError, match=r"parameters\(\) must return a non-empty dict of arrays, got " + re.escape(repr(params))):
        check_training_args(model, lambda a, b: (0.0, a), 0.1, 1, None)


def test_a_gradient_of_the_wrong_shape_is_named_with_the_shape_expected():
    net = _net()
    net.forward(np.zeros((2, 4)))
    net.backward(np.ones((1, 4)))
    net.layers[0].dW = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"gradient '0.W' has shape \(2, 3\), expected \(3, 2\) "
                                         r"\(the shape of the parameter\)$"):
        checked_gradients(net, net.parameters())


# -- the sigmoid: the textbook form where it cannot overflow ------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_sigmoid_is_exactly_one_over_one_plus_exp_minus_z_wherever_that_cannot_overflow(dtype):
    z = np.linspace(-60.0, 60.0, 241).astype(dtype).reshape(1, -1)
    one = dtype(1.0)
    assert np.array_equal(Sigmoid()._forward(z), one / (one + np.exp(-z)))


# -- MLP labels ---------------------------------------------------------------------------------

def test_labels_of_one_output_are_1_only_above_the_threshold_and_are_integers():
    net = _net(output_activation="sigmoid")
    for layer in net.layers[::2]:
        layer.W[...] = 0.0  # every output is sigmoid(0) = 0.5, exactly the default threshold
    labels = net.predict_labels(np.ones((2, 4)))
    assert labels.dtype.kind == "i" and labels.tolist() == [0, 0, 0, 0]
    assert net.predict_labels(np.ones((2, 4)), threshold=0.49).tolist() == [1, 1, 1, 1]


def test_labels_of_two_outputs_are_the_row_of_the_larger_one():
    net = _net(sizes=(2, 2))
    net.layers[0].W[...] = [[1.0, 0.0], [0.0, 1.0]]
    X = np.array([[0.2, 0.9, 0.7], [0.6, 0.1, 0.8]])
    assert net.predict_labels(X).tolist() == [1, 0, 1]
    assert net.predict_labels(X, threshold=0.0).tolist() == [1, 0, 1]  # the threshold is for one output



# -- the layers' and the MLP's messages, and the dtype a float32 MLP keeps ---------------------

def test_the_layers_and_the_mlps_errors_say_what_was_expected_and_what_was_given():
    rng = np.random.default_rng(0)
    net = _net()
    with pytest.raises(RuntimeError, match=r"^MLP.backward called before forward: call forward\(X\) first$"):
        net.backward(np.ones((1, 4)))
    with pytest.raises(RuntimeError, match=r"^MLP.gradients called before backward: there are no gradients yet$"):
        net.gradients()
    with pytest.raises(RuntimeError, match=r"^Linear.gradients called before backward: there are no gradients yet$"):
        net.layers[0].gradients()
    net.forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"^dout: expected a 2-D float array of shape \(1, 4\) "
                                         r"\(the shape of the forward output\), got shape \(4,\)$"):
        net.backward(np.ones(4))
    with pytest.raises(ValueError, match=r"^dout: expected shape \(1, 4\) \(the shape of the forward output\), "
                                         r"got shape \(1, 3\)$"):
        net.backward(np.ones((1, 3)))
    with pytest.raises(TypeError, match=r"^sizes: expected a list of layer sizes like \[2, 4, 1\], got str$"):
        MLP("ab", rng=rng)
    with pytest.raises(ValueError, match=r"got 'softmax' \(for classes use a linear output with softmax_cross_entropy\)$"):
        MLP([2, 1], activation="softmax", rng=rng)
    with pytest.raises(ValueError, match=r"^activation: expected one of \['relu', 'sigmoid', 'tanh'\], got 'soft'$"):
        MLP([2, 1], activation="soft", rng=rng)
    with pytest.raises(ValueError, match=r"^dtype: expected numpy.float64 or numpy.float32, got 'float16'$"):
        MLP([2, 1], rng=rng, dtype="float16")
    with pytest.raises(ValueError, match=re.escape("(k, T=4) or (4,) labels")):
        check_data(np.ones((2, 4)), np.ones((1, 4, 1)), net)


def test_a_float32_mlp_backpropagates_a_float64_gradient_in_float32():
    net = _net(dtype=np.float32)
    net.forward(np.ones((2, 3)))
    dx = net.backward(np.ones((1, 3)))  # float64 upstream gradient
    assert dx.dtype == np.float32
    assert {g.dtype for g in net.gradients().values()} == {np.dtype(np.float32)}
