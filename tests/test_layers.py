"""Tests for course.reference.layers: Linear and the elementwise activation layers.

Every layer's backward (dx and every parameter gradient) is compared with HIPS
autograd on random shapes and seeds (max relative error < 1e-8) and with central
finite differences. ``check_layer``, the comparison used throughout, is shown to
reject deliberately wrong layers: transposed dW, unsummed db, a missing transpose
in dx, a gradient divided by m, a missing activation derivative, accumulating
instead of overwriting.
"""
from __future__ import annotations

import re

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

from course.reference.layers import INITS, Layer, Linear, ReLU, Sigmoid, Tanh
from reference_checks import fd_gradient, fd_rel_error, max_rel_error

SEEDS = range(6)


def random_linear_case(seed, *, square=False):
    rng = np.random.default_rng(seed)
    n_in, n_out, m = (int(v) for v in rng.integers(1, 7, size=3))
    if square:
        n_out = n_in = max(n_in, 2)
    m = max(m, 2)
    layer = Linear(n_in, n_out, rng=rng)
    layer.b[...] = rng.standard_normal((n_out, 1))  # non-zero biases
    x = rng.standard_normal((n_in, m))
    return layer, x, rng


def anp_linear(x, params):
    return anp.dot(params["W"], x) + params["b"]


ANP_ACTIVATIONS = {
    Sigmoid: lambda x, params: 1.0 / (1.0 + anp.exp(-x)),
    Tanh: lambda x, params: anp.tanh(x),
    ReLU: lambda x, params: anp.maximum(x, 0.0),
}


def check_layer(layer, anp_forward, x, rng, tol=1e-8):
    """Compare forward, dx and every parameter gradient of ``layer`` with autograd.

    The scalar is L = sum(G * out) for a random upstream gradient G, so
    dL/dout = G and autograd's dL/dx, dL/dW, ... are what backward(G) must give.
    Raises AssertionError on any mismatch.
    """
    out = layer.forward(x)
    names = list(layer.parameters())
    values = [p.copy() for p in layer.parameters().values()]
    assert max_rel_error(out, anp_forward(x, dict(zip(names, values)))) < 1e-12, "forward"
    G = rng.standard_normal(out.shape)
    dx = layer.backward(G)
    grads = layer.gradients()
    assert set(grads) == set(names), f"gradient keys {sorted(grads)} != {sorted(names)}"

    def L(x_, *params):
        return anp.sum(G * anp_forward(x_, dict(zip(names, params))))

    assert max_rel_error(dx, grad(L, 0)(x, *values)) < tol, "dx"
    for i, name in enumerate(names):
        assert max_rel_error(grads[name], grad(L, i + 1)(x, *values)) < tol, f"d{name}"


# -- deliberately wrong layers: the check must reject each -------------------------


class TransposedDW(Linear):
    def backward(self, dout):
        dz = np.asarray(dout, float)
        self.dW = self._a @ dz.T  # wrong: (n_in, n_out)
        self.db = dz.sum(axis=1, keepdims=True)
        return self.W.T @ dz


class TransposedDWSquare(Linear):
    def backward(self, dout):
        dz = np.asarray(dout, float)
        self.dW = (dz @ self._a.T).T  # wrong values, right shape when n_in == n_out
        self.db = dz.sum(axis=1, keepdims=True)
        return self.W.T @ dz


class UnsummedDb(Linear):
    def backward(self, dout):
        dz = np.asarray(dout, float)
        self.dW = dz @ self._a.T
        self.db = dz  # wrong: not summed over the examples
        return self.W.T @ dz


class MissingTransposeDx(Linear):
    def backward(self, dout):
        dz = np.asarray(dout, float)
        self.dW = dz @ self._a.T
        self.db = dz.sum(axis=1, keepdims=True)
        return self.W @ dz  # wrong: W, not W.T (same shape only when n_in == n_out)


class DividedByM(Linear):
    def backward(self, dout):
        dz = np.asarray(dout, float)
        m = dz.shape[1]
        self.dW = dz @ self._a.T / m  # wrong: the loss already divided by m
        self.db = dz.sum(axis=1, keepdims=True) / m
        return self.W.T @ dz


class NoDerivativeTanh(Tanh):
    def backward(self, dout):
        return np.asarray(dout, float)  # wrong: forgot * f'(z)


class ValueInsteadOfDerivativeSigmoid(Sigmoid):
    def backward(self, dout):
        return np.asarray(dout, float) * self.forward(self._z)  # wrong: sigma(z), not sigma'(z)


class AccumulatingLinear(Linear):
    def backward(self, dout):
        dz = np.asarray(dout, float)
        if self.dW is None:
            self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)
        self.dW = self.dW + dz @ self._a.T  # wrong: += across calls
        self.db = self.db + dz.sum(axis=1, keepdims=True)
        return self.W.T @ dz


def _rebuild(cls, layer):
    bad = cls(layer.n_in, layer.n_out, rng=np.random.default_rng(0))
    bad.W[...], bad.b[...] = layer.W, layer.b
    return bad


@pytest.mark.parametrize("cls", [TransposedDW, UnsummedDb, DividedByM])
def test_check_layer_rejects_wrong_linear(cls):
    rng = np.random.default_rng(11)
    layer = Linear(3, 2, rng=rng)  # n_in != n_out so a transpose changes the shape
    x = rng.standard_normal((3, 4))
    check_layer(layer, anp_linear, x, np.random.default_rng(0))  # the right one passes
    with pytest.raises(AssertionError):
        check_layer(_rebuild(cls, layer), anp_linear, x, np.random.default_rng(0))


@pytest.mark.parametrize("cls", [TransposedDWSquare, MissingTransposeDx])
def test_check_layer_rejects_wrong_values_with_right_shapes(cls):
    layer, x, _ = random_linear_case(12, square=True)
    check_layer(layer, anp_linear, x, np.random.default_rng(0))
    with pytest.raises(AssertionError):
        check_layer(_rebuild(cls, layer), anp_linear, x, np.random.default_rng(0))


@pytest.mark.parametrize(
    "bad, anp_forward",
    [(NoDerivativeTanh(), ANP_ACTIVATIONS[Tanh]), (ValueInsteadOfDerivativeSigmoid(), ANP_ACTIVATIONS[Sigmoid])],
    ids=["no-derivative", "value-not-derivative"],
)
def test_check_layer_rejects_wrong_activation(bad, anp_forward):
    x = np.random.default_rng(1).standard_normal((3, 4))
    with pytest.raises(AssertionError, match="dx"):
        check_layer(bad, anp_forward, x, np.random.default_rng(0))


def overwrite_check(layer, x, rng):
    """Two backward calls: gradients() must hold the second one's gradients only."""
    out = layer.forward(x)
    layer.backward(rng.standard_normal(out.shape))
    G2 = rng.standard_normal(out.shape)
    layer.backward(G2)
    np.testing.assert_allclose(layer.gradients()["W"], G2 @ x.T, rtol=1e-12)
    np.testing.assert_allclose(layer.gradients()["b"], G2.sum(axis=1, keepdims=True), rtol=1e-12)


def test_gradients_are_overwritten_not_accumulated():
    layer, x, rng = random_linear_case(13)
    overwrite_check(layer, x, rng)
    with pytest.raises(AssertionError):
        overwrite_check(_rebuild(AccumulatingLinear, layer), x, rng)


# -- the real layers against autograd and finite differences -----------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_linear_matches_autograd(seed):
    layer, x, rng = random_linear_case(seed)
    check_layer(layer, anp_linear, x, rng)
    assert layer.dW.shape == layer.W.shape and layer.db.shape == layer.b.shape


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cls", [Sigmoid, Tanh, ReLU])
def test_activation_matches_autograd(cls, seed):
    rng = np.random.default_rng(seed)
    x = 2.0 * rng.standard_normal(tuple(int(v) for v in rng.integers(1, 7, size=2)))
    check_layer(cls(), ANP_ACTIVATIONS[cls], x, rng)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_linear_matches_finite_differences(seed):
    layer, x, rng = random_linear_case(seed)
    out = layer.forward(x)
    G = rng.standard_normal(out.shape)
    dx = layer.backward(G)
    W, b = layer.W.copy(), layer.b.copy()

    def L(W_, b_, x_):
        return float(np.sum(G * Linear.from_params(W_, b_).forward(x_)))

    assert fd_rel_error(dx, fd_gradient(lambda x_: L(W, b, x_), x)) < 1e-7
    assert fd_rel_error(layer.dW, fd_gradient(lambda W_: L(W_, b, x), W)) < 1e-7
    assert fd_rel_error(layer.db, fd_gradient(lambda b_: L(W, b_, x), b)) < 1e-7


@pytest.mark.parametrize("seed", SEEDS[:3])
@pytest.mark.parametrize("cls", [Sigmoid, Tanh, ReLU])
def test_activation_matches_finite_differences(cls, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 4))
    x = np.where(np.abs(x) < 1e-3, 0.5, x)  # away from the ReLU kink
    G = rng.standard_normal(x.shape)
    layer = cls()
    layer.forward(x)
    dx = layer.backward(G)
    assert fd_rel_error(dx, fd_gradient(lambda x_: float(np.sum(G * cls().forward(x_))), x)) < 1e-7


def test_batch_gradient_is_the_sum_of_per_example_gradients():
    layer, x, rng = random_linear_case(21)
    G = rng.standard_normal((layer.n_out, x.shape[1]))
    layer.forward(x)
    dx = layer.backward(G)
    dW, db = layer.dW, layer.db
    sum_dW, sum_db = np.zeros_like(dW), np.zeros_like(db)
    for t in range(x.shape[1]):
        layer.forward(x[:, t:t + 1])
        dx_t = layer.backward(G[:, t:t + 1])
        np.testing.assert_allclose(dx_t, dx[:, t:t + 1], rtol=1e-13)
        sum_dW += layer.dW
        sum_db += layer.db
    np.testing.assert_allclose(dW, sum_dW, rtol=1e-12)
    np.testing.assert_allclose(db, sum_db, rtol=1e-12)


def test_relu_backward_is_zero_at_the_kink():
    layer = ReLU()
    layer.forward(np.array([[-1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(layer.backward(np.ones((1, 3))), [[0.0, 0.0, 1.0]])


# -- the protocol -------------------------------------------------------------------


def test_every_layer_follows_the_protocol():
    rng = np.random.default_rng(0)
    for layer in (Linear(2, 3, rng=rng), Sigmoid(), Tanh(), ReLU()):
        assert isinstance(layer, Layer)
    assert Sigmoid().parameters() == {} and Tanh().gradients() == {}


def test_parameters_are_live_arrays():
    layer = Linear(2, 3, rng=np.random.default_rng(0))
    params = layer.parameters()
    assert params["W"] is layer.W and params["b"] is layer.b
    params["b"] += 1.0  # an in-place update changes the layer
    np.testing.assert_array_equal(layer.forward(np.zeros((2, 1))), np.ones((3, 1)))


def test_linear_shapes_and_initialisation():
    rng = np.random.default_rng(0)
    layer = Linear(400, 300, rng=rng)
    assert layer.W.shape == (300, 400) and layer.b.shape == (300, 1)
    assert layer.W.dtype == np.float64 and not layer.b.any()
    assert layer.dW is None and layer.db is None
    assert abs(layer.W.std() - np.sqrt(1 / 400)) < 0.02 * np.sqrt(1 / 400)
    assert abs(Linear(400, 300, rng=rng, init="he").W.std() - np.sqrt(2 / 400)) < 0.02 * np.sqrt(2 / 400)
    assert abs(Linear(400, 300, rng=rng, init="normal").W.std() - 0.01) < 0.0002
    assert set(INITS) == {"xavier", "he", "normal"}


def test_same_seed_same_weights():
    a = Linear(3, 2, rng=np.random.default_rng(5))
    b = Linear(3, 2, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a.W, b.W)


def test_from_params_copies():
    W, b = np.arange(6.0).reshape(2, 3), np.ones((2, 1))
    layer = Linear.from_params(W, b)
    W[0, 0] = 99.0
    assert layer.W[0, 0] == 0.0 and (layer.n_in, layer.n_out) == (3, 2)
    np.testing.assert_array_equal(layer.forward(np.ones((3, 1))), [[4.0], [13.0]])


def test_repr():
    assert repr(Linear(2, 3, rng=np.random.default_rng(0))) == "Linear(n_in=2, n_out=3)"
    assert repr(Tanh()) == "Tanh()"


# -- misuse and bad input ------------------------------------------------------------


@pytest.mark.parametrize("layer", [Linear(2, 3, rng=np.random.default_rng(0)), Sigmoid(), Tanh(), ReLU()], ids=repr)
def test_backward_before_forward_is_a_clear_error(layer):
    with pytest.raises(RuntimeError, match="backward called before forward"):
        layer.backward(np.ones((3, 1)))


def test_gradients_before_backward_is_a_clear_error():
    layer = Linear(2, 3, rng=np.random.default_rng(0))
    layer.forward(np.ones((2, 1)))
    with pytest.raises(RuntimeError, match="before backward"):
        layer.gradients()


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        ({"n_in": 0}, ValueError, r"^n_in: expected a positive int \(>= 1\), got 0"),
        ({"n_in": 2.5}, TypeError, r"^n_in: expected a positive int, got float"),
        ({"n_in": True}, TypeError, r"^n_in: expected a positive int, got bool"),
        ({"n_out": "3"}, TypeError, r"^n_out: expected a positive int, got str"),
        ({"rng": None}, TypeError, r"^rng: expected a numpy.random.Generator.*got NoneType"),
        ({"rng": 0}, TypeError, r"^rng: expected a numpy.random.Generator.*got int"),
        ({"rng": np.random.RandomState(0)}, TypeError, r"^rng: .*got RandomState"),
        ({"init": "glorot"}, ValueError, r"^init: expected one of .*got 'glorot'"),
    ],
)
def test_linear_constructor_refuses_bad_arguments(kwargs, error, pattern):
    args = {"n_in": 2, "n_out": 3, "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=pattern):
        Linear(args.pop("n_in"), args.pop("n_out"), **args)


@pytest.mark.parametrize(
    "x, error, pattern",
    [
        (np.ones(3), ValueError, r"^x: expected a 2-D float array of shape \(n_in=3, m\), got shape \(3,\)"),
        (np.ones((2, 4)), ValueError, r"^x: expected shape \(n_in=3, m\), got shape \(2, 4\)"),
        (np.ones((4, 3)), ValueError, r"^x: expected shape \(n_in=3, m\), got shape \(4, 3\)"),
        (np.full((3, 1), np.nan), ValueError, r"^x: expected finite values"),
        ("abc", TypeError, r"^x: expected a real-valued float array"),
    ],
)
def test_linear_forward_refuses_bad_x(x, error, pattern):
    with pytest.raises(error, match=pattern):
        Linear(3, 2, rng=np.random.default_rng(0)).forward(x)


@pytest.mark.parametrize("layer", [Linear(3, 2, rng=np.random.default_rng(0)), Sigmoid(), Tanh(), ReLU()], ids=repr)
def test_backward_refuses_a_dout_of_the_wrong_shape(layer):
    out = layer.forward(np.ones((3, 5)))
    expected = re.escape(f"dout: expected shape {out.shape}")
    with pytest.raises(ValueError, match=rf"^{expected}.*got shape \(5, {out.shape[0]}\)"):
        layer.backward(np.ones((5, out.shape[0])))
    with pytest.raises(ValueError, match=r"^dout: expected a 2-D"):
        layer.backward(np.ones(out.shape[0] * 5))
    with pytest.raises(ValueError, match=r"^dout: expected finite values"):
        layer.backward(np.full(out.shape, np.inf))


@pytest.mark.parametrize("cls", [Sigmoid, Tanh, ReLU])
def test_activation_forward_refuses_bad_x(cls):
    with pytest.raises(ValueError, match=r"^x: expected a 2-D float array of shape \(n, m\), got shape \(3,\)"):
        cls().forward(np.ones(3))
    with pytest.raises(TypeError, match=r"^x: expected a real-valued"):
        cls().forward([[1 + 1j]])


def test_from_params_refuses_bad_arrays():
    with pytest.raises(ValueError, match=r"^W: expected a 2-D"):
        Linear.from_params(np.ones(3), np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"^W: expected a non-empty"):
        Linear.from_params(np.ones((0, 2)), np.ones((0, 1)))
    with pytest.raises(ValueError, match=r"^b: expected a 2-D float array of shape \(n_out=2, 1\), got shape \(2,\)"):
        Linear.from_params(np.ones((2, 3)), np.ones(2))
