"""The reference losses, layers, MLP and scalar engine: the tests that kill their mutants.

Each loss is compared with its formula written out example by example (loops, no shared
code), its gradient with central differences of the loss itself, and its messages in full.
tests/MUTANTS.md lists the mutants.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from course.gradcheck.numeric import numerical_gradient
from course.reference.losses import mse_loss, softmax_cross_entropy


def _mse_by_loops(y_hat, y):
    k, m = y_hat.shape
    return sum(0.5 * sum((y_hat[i, t] - y[i, t]) ** 2 for i in range(k)) for t in range(m)) / m


def _ce_by_loops(z, Y):
    k, m = z.shape
    total = 0.0
    for t in range(m):
        norm = sum(math.exp(z[j, t]) for j in range(k))
        total -= sum(Y[i, t] * math.log(math.exp(z[i, t]) / norm) for i in range(k))
    return total / m


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (3, 4)])
def test_mse_matches_its_formula_and_its_gradient(seed, shape):
    rng = np.random.default_rng(seed)
    y_hat, y = rng.normal(size=shape), rng.normal(size=shape)
    C, d = mse_loss(y_hat, y)
    assert type(C) is float
    assert C == pytest.approx(_mse_by_loops(y_hat, y), rel=1e-12)
    assert d.shape == shape
    np.testing.assert_allclose(d, numerical_gradient(lambda v: mse_loss(v, y)[0], y_hat), rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(d, (y_hat - y) / shape[1], rtol=1e-12)
    C2, d2 = mse_loss.unchecked(y_hat, y)
    assert C2 == C and np.array_equal(d2, d)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k, m", [(2, 1), (3, 5), (5, 2)])
def test_cross_entropy_matches_its_formula_and_its_gradient(seed, k, m):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(k, m)) * 2
    labels = rng.integers(0, k, size=m)
    Y = np.zeros((k, m))
    Y[labels, np.arange(m)] = 1.0
    soft = rng.uniform(0.1, 1.0, size=(k, m))
    soft /= soft.sum(axis=0)
    for targets, matrix in ((labels, Y), (Y, Y), (soft, soft)):
        C, d = softmax_cross_entropy(z, targets)
        assert type(C) is float
        assert C == pytest.approx(_ce_by_loops(z, matrix), rel=1e-12)
        num = numerical_gradient(lambda v: softmax_cross_entropy(v, targets)[0], z)
        np.testing.assert_allclose(d, num, rtol=1e-6, atol=1e-10)
        p = np.exp(z) / np.exp(z).sum(axis=0)
        np.testing.assert_allclose(d, (p - matrix) / m, rtol=1e-10, atol=1e-15)


def test_cross_entropy_is_stable_for_huge_logits():
    z = np.array([[1e4, -1e4, 0.0], [0.0, 1e4, 3.0]])
    C, d = softmax_cross_entropy(z, np.array([0, 0, 1]))
    # example 0: p0 = 1 -> 0; example 1: -log p0 = 2e4; example 2: -log p1 = log(1 + e^-3)
    assert C == pytest.approx((0.0 + 2e4 + math.log1p(math.exp(-3.0))) / 3, rel=1e-12)
    assert np.isfinite(d).all()
    np.testing.assert_allclose(d.sum(axis=0), 0.0, atol=1e-15)
    # shifting every logit of a column changes nothing
    z = np.random.default_rng(0).normal(size=(3, 4))
    y = np.array([0, 2, 1, 1])
    for c in (1e3, -700.0, 5.0):
        C1, d1 = softmax_cross_entropy(z, y)
        C2, d2 = softmax_cross_entropy(z + c, y)
        assert C2 == pytest.approx(C1, rel=1e-9, abs=1e-12)
        np.testing.assert_allclose(d2, d1, rtol=1e-8, atol=1e-15)


def test_loss_messages_name_the_argument_and_what_was_given():
    with pytest.raises(ValueError, match=r"^y_hat: expected at least one output and one example, got shape \(2, 0\)$"):
        mse_loss(np.zeros((2, 0)), np.zeros((2, 0)))
    with pytest.raises(ValueError, match=r"^y_hat: expected at least one output and one example, got shape \(0, 2\)$"):
        mse_loss(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"^logits: expected at least one output and one example, got shape \(3, 0\)$"):
        softmax_cross_entropy(np.zeros((3, 0)), np.zeros(0, dtype=int))
    with pytest.raises(ValueError, match=r"; reshape a label vector with y\.reshape\(1, -1\)$"):
        mse_loss(np.zeros((1, 3)), np.zeros(3))
    with pytest.raises(ValueError) as info:
        mse_loss(np.zeros((2, 3)), np.zeros((3, 2)))
    assert "(2, 3) like y_hat" in str(info.value) and "reshape" not in str(info.value)
    z = np.zeros((3, 4))
    with pytest.raises(TypeError, match=r"^y: expected integer class labels of shape \(4,\) or a \(3, 4\) target "
                       r"array, got a 1-D array with dtype float64$"):
        softmax_cross_entropy(z, np.zeros(4))
    with pytest.raises(TypeError, match=r"dtype bool$"):
        softmax_cross_entropy(z, np.zeros(4, dtype=bool))
    with pytest.raises(ValueError, match=r"^y: expected 4 labels \(one per column of logits\), got shape \(3,\)$"):
        softmax_cross_entropy(z, np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match=r"^y: expected labels in 0\.\.2 \(logits has 3 rows\), got values from 0 to 3$"):
        softmax_cross_entropy(z, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"got values from -1 to 2$"):
        softmax_cross_entropy(z, np.array([-1, 1, 2, 0]))
    assert softmax_cross_entropy(z, np.array([0, 1, 2, 2]))[0] == pytest.approx(math.log(3))
    with pytest.raises(ValueError, match=r"^y: expected each column to be a distribution over the classes "
                       r"\(non-negative, summing to 1, e\.g\. one-hot\)$"):
        softmax_cross_entropy(z, np.full((3, 4), 0.5))
    bad = np.full((3, 4), 1 / 3)
    bad[0, 0], bad[1, 0] = -0.1, 1 / 3 + 0.1 + 1e-12
    with pytest.raises(ValueError, match="non-negative"):
        softmax_cross_entropy(z, bad)
    ok = np.full((3, 4), 1 / 3)
    ok[0, 0] += 5e-10  # within the 1e-9 allowance
    softmax_cross_entropy(z, ok)
    with pytest.raises(ValueError, match=r"\(4,\) labels or \(3, 4\) targets"):
        softmax_cross_entropy(z, np.full((2, 4), 0.5))


@pytest.mark.parametrize("excess", [2e-9, 5e-9, 1e-6, 5e-6])
def test_a_target_column_that_sums_to_more_than_1_plus_1e_9_is_rejected(excess):
    # the allowance is an absolute 1e-9 on the column sum, nothing relative: 2e-9 and 5e-9 are
    # beyond it (numpy's default atol 1e-8 would let them through), and so are 1e-6 and 5e-6
    # (within numpy's default rtol 1e-5)
    z = np.zeros((3, 4))
    Y = np.full((3, 4), 1 / 3)
    Y[0, 2] += excess
    with pytest.raises(ValueError, match="summing to 1"):
        softmax_cross_entropy(z, Y)


def test_mse_names_the_dimensions_it_expects_of_a_1d_target():
    # a label vector is rejected as the wrong number of dimensions (2-D), not only as a shape
    with pytest.raises(ValueError, match=r"^y: expected a 2-D float array of shape \(1, 3\) like y_hat, got shape "
                       r"\(3,\); reshape a label vector with y\.reshape\(1, -1\)$"):
        mse_loss(np.zeros((1, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"^y: expected a 2-D float array of shape \(2, 3\) like y_hat, got shape "
                       r"\(2, 3, 1\)$"):
        mse_loss(np.zeros((2, 3)), np.zeros((2, 3, 1)))


# ---- layers, MLP, the scalar engine's messages (mutants that survived the 14:07 run) ----


def test_linear_from_params_keeps_float32_and_converts_the_rest_to_float64():
    from course.reference.layers import Linear

    W32 = np.arange(6, dtype=np.float32).reshape(2, 3)
    layer = Linear.from_params(W32, np.zeros((2, 1), dtype=np.float32))
    assert layer.W.dtype == np.float32 and layer.b.dtype == np.float32
    layer = Linear.from_params(np.arange(6).reshape(2, 3), np.zeros((2, 1), dtype=np.float32))  # int W
    assert layer.W.dtype == np.float64 and layer.b.dtype == np.float64
    W32[0, 0] = 7.0                        # copied: the layer does not see later changes
    assert Linear.from_params(W32, np.zeros((2, 1))).W[0, 0] == 7.0 and layer.W[0, 0] == 0.0


def test_linear_from_params_messages_name_the_expected_shapes():
    from course.reference.layers import Linear

    with pytest.raises(ValueError, match=r"^W: expected a 2-D float array of shape \(n_out, n_in\), got shape \(3,\)$"):
        Linear.from_params(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"^b: expected shape \(n_out=2, 1\), got shape \(2, 2\)$"):
        Linear.from_params(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"^b: expected shape \(n_out=2, 1\), got shape \(3, 1\)$"):
        Linear.from_params(np.zeros((2, 3)), np.zeros((3, 1)))


@pytest.mark.parametrize("name", ["Tanh", "ReLU", "Sigmoid"])
def test_an_activation_keeps_float32_forward_and_backward_and_names_itself(name):
    from course.reference import layers

    layer = getattr(layers, name)()
    with pytest.raises(RuntimeError, match=rf"^{name}\.backward called before forward: call forward\(x\) first$"):
        layer.backward(np.ones((2, 3)))
    z = np.linspace(-2, 2, 6, dtype=np.float32).reshape(2, 3)
    assert layer.forward(z).dtype == np.float32
    assert layer.backward(np.ones((2, 3), dtype=np.float32)).dtype == np.float32
    assert layer.forward(z.astype(np.float64)).dtype == np.float64
    assert layer.forward([[1, 2, 3]]).dtype == np.float64          # ints and lists become float64


def test_mlp_repr_lists_parameter_shapes_only_for_layers_that_have_parameters():
    from course.reference.mlp import MLP

    lines = repr(MLP([2, 3, 1], rng=np.random.default_rng(0))).splitlines()
    assert lines[1] == "  0: Linear(n_in=2, n_out=3)  W (3, 2)  b (3, 1)"
    assert lines[2] == "  1: Tanh()"


def test_describe_shows_up_to_40_characters_of_a_repr():
    from course.reference.autodiff import Value
    from course.reference.operands import describe

    assert describe("a" * 38) == "str '" + "a" * 38 + "'"          # a repr of exactly 40 characters
    assert describe("a" * 39) == "str '" + "a" * 36 + "..."        # 41: the first 37, then ...
    with pytest.raises(TypeError, match=r"^operand of \*: expected a Value or a real number"):
        Value(2.0).__rmul__("x")


def test_linear_keeps_its_dtype_and_says_what_it_expected():
    from course.reference.layers import Linear

    layer = Linear.from_params(np.ones((2, 1)), np.zeros((2, 1)))      # n_in = 1 is a valid layer
    with pytest.raises(RuntimeError, match=r"^Linear\.backward called before forward: call forward\(x\) first$"):
        layer.backward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"^W: expected a non-empty array of shape \(n_out, n_in\), got shape \(2, 0\)$"):
        Linear.from_params(np.zeros((2, 0)), np.zeros((2, 1)))
    f32 = Linear.from_params(np.ones((2, 3), dtype=np.float32), np.zeros((2, 1), dtype=np.float32))
    assert f32.forward(np.ones((3, 4), dtype=np.float32)).dtype == np.float32
    assert f32.backward(np.ones((2, 4), dtype=np.float32)).dtype == np.float32 and f32.dW.dtype == np.float32
    f64 = Linear.from_params(np.ones((2, 3)), np.zeros((2, 1)))
    assert f64.forward(np.ones((3, 4), dtype=np.int64)).dtype == np.float64
    assert f64.backward(np.ones((2, 4), dtype=np.int64)).dtype == np.float64 and f64.dW.dtype == np.float64
    with pytest.raises(ValueError, match=r"^dout: expected shape \(2, 4\) \(the shape of this layer's forward output\), "
                       r"got shape \(2, 3\)$"):
        f64.backward(np.ones((2, 3)))


def test_an_integer_array_given_to_an_activation_is_computed_in_float64():
    from course.reference.layers import ReLU

    layer = ReLU()
    out = layer.forward(np.array([[1, -2, 3]]))
    assert out.dtype == np.float64 and out.tolist() == [[1.0, 0.0, 3.0]]
    assert layer.backward(np.array([[2, 2, 2]])).dtype == np.float64


def test_mlp_accuracy_names_y_and_the_shapes_it_accepts():
    from course.reference.mlp import MLP

    net = MLP([2, 3, 2], rng=np.random.default_rng(0))
    X = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"^y: expected a 1-D or 2-D float array of shape \(4,\) or \(k, 4\), "
                       r"got shape \(2, 2, 2\)$"):
        net.accuracy(X, np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"^y: "):
        net.accuracy(X, np.array([0.0, np.nan, 1.0, 0.0]))


def test_a_float32_layer_converts_float64_and_list_inputs_to_float32():
    from course.reference.layers import Linear, Tanh

    f32 = Linear.from_params(np.ones((2, 3), dtype=np.float32), np.zeros((2, 1), dtype=np.float32))
    assert f32.forward(np.ones((3, 4))).dtype == np.float32
    assert f32.forward([[1.0], [2.0], [3.0]]).dtype == np.float32
    assert f32.backward(np.ones((2, 1))).dtype == np.float32
    act = Tanh()
    act.forward(np.ones((2, 2), dtype=np.float32))
    assert act.backward(np.ones((2, 2))).dtype == np.float32   # dout in the dtype of the forward pass


def test_mlp_accuracy_says_how_many_targets_it_got():
    from course.reference.mlp import MLP

    net = MLP([2, 3, 2], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"^y: expected 4 targets \(one per column of X\), got shape \(3,\)$"):
        net.accuracy(np.zeros((2, 4)), np.zeros(3, dtype=int))
