"""Tests for course.reference.mlp.MLP: the whole network's gradients, naming, predictions, bad input.

The whole model (every parameter and dX) is compared with HIPS autograd on random
architectures, activations and seeds (max relative error < 1e-8) and with central
finite differences; the check is shown to reject networks with a wrong layer in
them. The notes' two-layer V/W network is checked against its hand-derived formulas.
"""
from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

from course.reference.functions import sigmoid, sigmoid_prime
from course.reference.layers import Layer, Linear, ReLU, Sigmoid, Tanh
from course.reference.losses import mse_loss, softmax_cross_entropy
from course.reference.mlp import MLP
from reference_checks import anp_mlp, fd_gradient_in_place, fd_rel_error, max_rel_error

SEEDS = range(6)


def anp_mse(y_hat, Y):
    return anp.sum(0.5 * (y_hat - Y) ** 2) / y_hat.shape[1]


def anp_ce(z, Y):
    return -anp.sum(Y * (z - anp.log(anp.sum(anp.exp(z), axis=0)))) / z.shape[1]


def check_model(model, X, Y, loss_fn, anp_loss, Y_for_anp, tol=1e-8):
    """Every gradient of ``model`` (and dX) against autograd of the same loss; AssertionError on mismatch."""
    y_hat = model.forward(X)
    names = list(model.parameters())
    values = [p.copy() for p in model.parameters().values()]
    assert max_rel_error(y_hat, anp_mlp(model, X, dict(zip(names, values)))) < 1e-12, "forward"
    _, d = loss_fn(y_hat, Y)
    dX = model.backward(d)
    grads = model.gradients()
    assert list(grads) == names, f"gradient names {list(grads)} != {names}"

    def L(X_, *params):
        return anp_loss(anp_mlp(model, X_, dict(zip(names, params))), Y_for_anp)

    assert max_rel_error(dX, grad(L, 0)(X, *values)) < tol, "dX"
    for i, name in enumerate(names):
        assert max_rel_error(grads[name], grad(L, i + 1)(X, *values)) < tol, f"d{name}"


def random_model(seed, activation, output_activation=None, k=None):
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, 5))
    sizes = [int(v) for v in rng.integers(1, 6, size=depth + 1)]
    if k is not None:
        sizes[-1] = k
    model = MLP(sizes, activation=activation, output_activation=output_activation, rng=rng)
    for p in model.parameters().values():  # non-zero biases so their gradients matter
        p += 0.1 * rng.standard_normal(p.shape)
    m = int(rng.integers(1, 6))
    X = rng.standard_normal((sizes[0], m))
    return model, X, rng


# -- the check rejects wrong networks ------------------------------------------------


class DividedByM(Linear):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = self.dW / dout.shape[1]  # wrong: the loss already divided by m
        return dx


class NoDerivativeTanh(Tanh):
    def backward(self, dout):
        return np.asarray(dout, float)  # wrong: forgot * f'(z)


class ForgetsDx(Linear):
    def backward(self, dout):
        super().backward(dout)
        return np.zeros_like(self._a)  # wrong: nothing flows to the layers below


def _swap_layer(model, index, cls):
    old = model.layers[index]
    if isinstance(old, Linear):
        new = cls(old.n_in, old.n_out, rng=np.random.default_rng(0))
        new.W, new.b = old.W, old.b
    else:
        new = cls()
    model.layers[index] = new
    return model


@pytest.mark.parametrize(
    "index, cls", [(0, DividedByM), (1, NoDerivativeTanh), (2, ForgetsDx)], ids=["dW/m", "no-f'", "no-dx"]
)
def test_check_rejects_a_network_with_a_wrong_layer(index, cls):
    rng = np.random.default_rng(0)
    model = MLP([3, 4, 2], activation="tanh", rng=rng)
    X, Y = rng.standard_normal((3, 5)), rng.standard_normal((2, 5))
    check_model(model, X, Y, mse_loss, anp_mse, Y)
    with pytest.raises(AssertionError):
        check_model(_swap_layer(model, index, cls), X, Y, mse_loss, anp_mse, Y)


# -- the real network against autograd and finite differences -------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("output_activation", [None, "sigmoid", "tanh"])
def test_mlp_with_mse_matches_autograd(activation, output_activation, seed):
    model, X, rng = random_model(seed, activation, output_activation)
    Y = rng.standard_normal((model.sizes[-1], X.shape[1]))
    check_model(model, X, Y, mse_loss, anp_mse, Y)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_mlp_with_cross_entropy_matches_autograd(activation, seed):
    model, X, rng = random_model(seed, activation, k=3)
    labels = rng.integers(0, 3, size=X.shape[1])
    Y = np.eye(3)[:, labels]
    check_model(model, X, labels, softmax_cross_entropy, anp_ce, Y)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_mlp_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    model = MLP([3, 5, 4, 2], activation="tanh", output_activation="sigmoid", rng=rng)
    X, Y = rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    _, d = mse_loss(model.forward(X), Y)
    dX = model.backward(d)
    grads = model.gradients()

    def loss():
        return mse_loss(model.forward(X), Y)[0]

    for name, p in model.parameters().items():
        assert fd_rel_error(grads[name], fd_gradient_in_place(loss, p)) < 1e-7, name
    assert fd_rel_error(dX, fd_gradient_in_place(loss, X)) < 1e-7


def test_notes_two_layer_network_v_and_w():
    """The notes' (004) net: y = f(V x), o = f(W y), E = mean 1/2 ||o - d||^2, f = sigmoid."""
    rng = np.random.default_rng(8)
    n, h, k, m = 3, 4, 2, 5
    net = MLP([n, h, k], activation="sigmoid", output_activation="sigmoid", rng=rng)
    V, W = net.layers[0].W, net.layers[2].W
    assert net.parameters()["0.W"] is V and net.parameters()["2.W"] is W
    assert V.shape == (h, n) and W.shape == (k, h)
    x, d = rng.standard_normal((n, m)), rng.uniform(size=(k, m))
    o = net.forward(x)
    _, do = mse_loss(o, d)
    net.backward(do)
    # the notes' formulas, second layer first
    y = sigmoid(V @ x)
    np.testing.assert_allclose(o, sigmoid(W @ y), rtol=1e-15)
    delta_o = (o - d) / m * sigmoid_prime(W @ y)  # dE/do (diag Jacobian applied) -> dE/dnet_o
    delta_y = W.T @ delta_o  # dE/dy: passed down to the first layer
    delta_h = delta_y * sigmoid_prime(V @ x)
    np.testing.assert_allclose(net.gradients()["2.W"], delta_o @ y.T, rtol=1e-12)
    np.testing.assert_allclose(net.gradients()["0.W"], delta_h @ x.T, rtol=1e-12)


def test_batch_forward_equals_column_by_column():
    model, X, _ = random_model(4, "relu", k=3)
    out = model.forward(X)
    for t in range(X.shape[1]):
        np.testing.assert_allclose(model.forward(X[:, t:t + 1]), out[:, t:t + 1], rtol=1e-14)


# -- structure, names, predictions ---------------------------------------------------


def test_layers_and_parameter_names():
    model = MLP([2, 3, 4, 1], activation="relu", output_activation="sigmoid", rng=np.random.default_rng(0))
    assert [type(layer) for layer in model.layers] == [Linear, ReLU, Linear, ReLU, Linear, Sigmoid]
    assert list(model.parameters()) == ["0.W", "0.b", "2.W", "2.b", "4.W", "4.b"]
    assert model.parameters()["4.W"] is model.layers[4].W  # live
    assert [type(layer) for layer in MLP([2, 1], rng=np.random.default_rng(0)).layers] == [Linear]
    assert isinstance(model, Layer)
    assert (model.n_in, model.n_out) == (2, 1)


def test_default_init_depends_on_activation():
    big = [400, 300, 1]
    relu_net = MLP(big, activation="relu", rng=np.random.default_rng(0))
    tanh_net = MLP(big, activation="tanh", rng=np.random.default_rng(0))
    assert relu_net.layers[0].W.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert tanh_net.layers[0].W.std() == pytest.approx(np.sqrt(1 / 400), rel=0.02)
    small = MLP(big, activation="relu", init="normal", rng=np.random.default_rng(0))
    assert small.layers[0].W.std() == pytest.approx(0.01, rel=0.02)


def test_gradients_are_overwritten_by_each_backward():
    rng = np.random.default_rng(1)
    model = MLP([2, 3, 1], rng=rng)
    X = rng.standard_normal((2, 4))
    model.forward(X)
    model.backward(np.ones((1, 4)))
    first = {k: v.copy() for k, v in model.gradients().items()}
    model.backward(np.ones((1, 4)))
    for name, g in model.gradients().items():
        np.testing.assert_array_equal(g, first[name])


def test_predict_labels_and_accuracy():
    rng = np.random.default_rng(2)
    multi = MLP([2, 3], rng=rng)
    X = rng.standard_normal((2, 6))
    labels = multi.predict_labels(X)
    np.testing.assert_array_equal(labels, multi.predict(X).argmax(axis=0))
    assert multi.accuracy(X, labels) == 1.0
    assert multi.accuracy(X, np.eye(3)[:, labels]) == 1.0
    assert multi.accuracy(X, (labels + 1) % 3) == 0.0

    single = MLP([1, 1], output_activation="sigmoid", rng=rng)
    single.layers[0].W[...] = 1.0
    X1 = np.array([[-1.0, 1.0, 2.0]])
    np.testing.assert_array_equal(single.predict_labels(X1), [0, 1, 1])
    np.testing.assert_array_equal(single.predict_labels(X1, threshold=0.8), [0, 0, 1])
    assert single.accuracy(X1, np.array([[0.0, 1.0, 0.0]])) == pytest.approx(2 / 3)
    tanh_out = MLP([1, 1], output_activation="tanh", rng=rng)
    tanh_out.layers[0].W[...] = 1.0
    np.testing.assert_array_equal(tanh_out.predict_labels(np.array([[-0.1, 0.1]])), [0, 1])


def test_repr_shows_shapes():
    text = repr(MLP([2, 4, 1], activation="tanh", output_activation="sigmoid", rng=np.random.default_rng(0)))
    assert text.splitlines()[0] == "MLP(sizes=[2, 4, 1], activation='tanh', output_activation='sigmoid')"
    assert "0: Linear(n_in=2, n_out=4)  W (4, 2)  b (4, 1)" in text
    assert "3: Sigmoid()" in text


# -- misuse and bad input ------------------------------------------------------------


def test_backward_or_gradients_too_early():
    model = MLP([2, 3, 1], rng=np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="MLP.backward called before forward"):
        model.backward(np.ones((1, 1)))
    model.forward(np.ones((2, 1)))
    with pytest.raises(RuntimeError, match="MLP.gradients called before backward"):
        model.gradients()


@pytest.mark.parametrize(
    "sizes, kwargs, error, pattern",
    [
        ("abc", {}, TypeError, r"^sizes: expected a list of layer sizes"),
        (3, {}, TypeError, r"^sizes: expected a list of layer sizes"),
        ([2], {}, ValueError, r"^sizes: expected at least 2 sizes"),
        ([2, 0, 1], {}, ValueError, r"^sizes\[1\]: expected a positive int"),
        ([2, 3.0, 1], {}, TypeError, r"^sizes\[1\]: expected a positive int, got float"),
        ([2, 1], {"activation": "softmax"}, ValueError, r"^activation: expected one of .*softmax_cross_entropy"),
        ([2, 1], {"activation": ["tanh"]}, ValueError, r"^activation: expected one of"),
        ([2, 1], {"output_activation": "linear"}, ValueError, r"^output_activation: expected one of"),
        ([2, 1], {"init": "glorot"}, ValueError, r"^init: expected None or one of"),
        ([2, 1], {"rng": 42}, TypeError, r"^rng: expected a numpy.random.Generator"),
    ],
)
def test_constructor_refuses_bad_arguments(sizes, kwargs, error, pattern):
    args = {"rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=pattern):
        MLP(sizes, **args)


def test_forward_backward_and_accuracy_refuse_bad_shapes():
    model = MLP([2, 3, 1], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"^X: expected a 2-D float array of shape \(n_in=2, m\), got shape \(2,\)"):
        model.forward(np.ones(2))
    with pytest.raises(ValueError, match=r"^X: expected shape \(n_in=2, m\), got shape \(3, 2\)"):
        model.forward(np.ones((3, 2)))
    model.forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"^dout: expected shape \(1, 4\).*got shape \(4, 1\)"):
        model.backward(np.ones((4, 1)))
    with pytest.raises(ValueError, match=r"^y: expected 4 targets"):
        model.accuracy(np.ones((2, 4)), np.ones(3))
