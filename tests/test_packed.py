"""Parameters as views of one flat vector (course.reference.packed), and what the trainer does with them.

The packed update ``theta -= lr * grad`` must be the per-array update ``W -= lr * dW`` entry by
entry: the trainer's results are compared bitwise with those of the same model whose arrays are
not packed (which takes the per-array path).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from course.reference.fast_steps import packed_steps
from course.reference.layers import Linear, Sigmoid
from course.reference.losses import mse_loss, softmax_cross_entropy
from course.reference.mlp import MLP
from course.reference.packed import flat_of, pack, views_of
from course.reference.training import train_minibatch


def _arrays(rng, shapes=((3, 2), (3, 1), (1, 3), (1, 1)), dtype=np.float64):
    return [rng.normal(size=s).astype(dtype) for s in shapes]


# -- pack, views_of, flat_of ------------------------------------------------------------------

def test_pack_copies_values_into_consecutive_views_of_one_flat_array():
    rng = np.random.default_rng(0)
    arrays = _arrays(rng)
    views = pack(arrays)
    flat = flat_of(views)
    assert flat is not None and flat.shape == (sum(a.size for a in arrays),)
    for a, v in zip(arrays, views):
        assert v.shape == a.shape and np.array_equal(v, a) and not np.shares_memory(v, a)
    np.testing.assert_array_equal(flat, np.concatenate([a.ravel() for a in arrays]))
    flat[:] = 7.0  # the views are live
    assert all(np.all(v == 7.0) for v in views)


def test_pack_keeps_the_dtype_and_rejects_mixed_dtypes():
    rng = np.random.default_rng(1)
    assert flat_of(pack(_arrays(rng, dtype=np.float32))).dtype == np.float32
    with pytest.raises(ValueError, match="one dtype"):
        pack([np.zeros((2, 2)), np.zeros((2, 1), dtype=np.float32)])


def test_views_of_must_fill_the_flat_array_exactly():
    assert [v.shape for v in views_of(np.zeros(7), [(2, 3), (1, 1)])] == [(2, 3), (1, 1)]
    for flat in (np.zeros(8), np.zeros(6), np.zeros((7, 1))):
        with pytest.raises(ValueError, match="expected a 1-D array of 7 entries"):
            views_of(flat, [(2, 3), (1, 1)])


@pytest.mark.parametrize("spoil", ["copy one", "swap order", "gap", "other dtype", "strided", "extra at end", "empty"])
def test_flat_of_is_none_unless_the_arrays_are_the_consecutive_views_filling_one_flat_array(spoil):
    views = pack(_arrays(np.random.default_rng(2)))
    flat = flat_of(views)
    if spoil == "copy one":
        views[2] = views[2].copy()
    elif spoil == "swap order":
        views[1], views[2] = views[2], views[1]
    elif spoil == "gap":
        views = views[:1] + views[2:]
    elif spoil == "other dtype":
        views[3] = views[3].view(np.int64)
    elif spoil == "strided":
        big = np.zeros(2 * flat.size)
        views = [big[::2][:6].reshape(3, 2)]
    elif spoil == "extra at end":
        views = views[:-1]
    elif spoil == "empty":
        views = []
    assert flat_of(views) is None


def test_an_mlp_stores_its_parameters_packed_in_the_order_of_parameters():
    net = MLP([3, 5, 4, 2], activation="relu", rng=np.random.default_rng(3))
    params = list(net.parameters().values())
    flat = flat_of(params)
    assert flat is not None
    np.testing.assert_array_equal(flat, np.concatenate([p.ravel() for p in params]))
    net.layers[2].W = net.layers[2].W.copy()  # a user replaces one array: no longer packed
    assert flat_of(list(net.parameters().values())) is None


# -- Linear writing its gradients into given arrays ---------------------------------------------

def test_linear_backward_into_given_arrays_gives_the_same_gradients_bitwise():
    rng = np.random.default_rng(4)
    layer = Linear(6, 4, rng=rng)
    x, dz = rng.normal(size=(6, 9)), rng.normal(size=(4, 9))
    layer._forward(x)
    dx = layer._backward(dz)
    dW, db = layer.dW.copy(), layer.db.copy()
    out = views_of(np.full(4 * 6 + 4, np.nan), [(4, 6), (4, 1)])
    dx2 = layer._backward(dz, out=tuple(out))
    assert layer.dW is out[0] and layer.db is out[1]
    assert np.array_equal(out[0], dW) and np.array_equal(out[1], db) and np.array_equal(dx2, dx)


# -- the trainer: packed and per-array paths agree bitwise ------------------------------------

def _unpacked(net: MLP) -> MLP:
    for layer in net.layers:
        if isinstance(layer, Linear):
            layer.W, layer.b = layer.W.copy(), layer.b.copy()
    assert flat_of(list(net.parameters().values())) is None
    return net


@pytest.mark.parametrize("case", ["mse sigmoid float64", "ce relu float32", "ce tanh short last batch"])
def test_training_a_packed_mlp_equals_training_it_unpacked_bitwise(case):
    rng = np.random.default_rng(5)
    T = 50 if "short" in case else 48
    dtype = np.float32 if "float32" in case else np.float64
    X = rng.normal(size=(3, T))
    if "mse" in case:
        make = lambda: MLP([3, 6, 1], activation="tanh", output_activation="sigmoid",  # noqa: E731
                           rng=np.random.default_rng(6), dtype=dtype)
        Y, loss = (X[:1] > 0).astype(float), mse_loss
    else:
        act = "relu" if "relu" in case else "tanh"
        make = lambda: MLP([3, 7, 5, 4], activation=act, rng=np.random.default_rng(6), dtype=dtype)  # noqa: E731
        Y, loss = rng.integers(0, 4, size=T), softmax_cross_entropy
    packed, plain = make(), _unpacked(make())
    assert packed_steps(packed, packed.parameters()) is not None
    assert packed_steps(plain, plain.parameters()) is None
    held = list(packed.parameters().values())  # arrays a user holds before training
    before = [p.copy() for p in held]
    runs = []
    for net in (packed, plain):
        runs.append(train_minibatch(net, X, Y, loss=loss, lr=0.1, epochs=4, batch_size=16,
                                    rng=np.random.default_rng(7)))
    h1, h2 = runs
    assert h1.loss == h2.loss and h1.grad_norms == h2.grad_norms
    for name, p in packed.parameters().items():
        assert p.dtype == dtype and np.array_equal(p, plain.parameters()[name]), name
    for p, q, b in zip(held, packed.parameters().values(), before):
        assert p is q and not np.array_equal(p, b)  # trained in place: the held arrays are the live ones
    for name, g in packed.gradients().items():  # the last batch's gradients, as for the unpacked model
        assert np.array_equal(g, plain.gradients()[name]), name


def test_the_packed_gradients_are_the_last_batchs_and_the_history_gradient_is_the_epoch_mean():
    """The flat gradient vector is overwritten by every batch; the history's mean is over all of them."""
    rng = np.random.default_rng(8)
    X, Y = rng.normal(size=(2, 40)), rng.normal(size=(1, 40))
    net = MLP([2, 3, 1], activation="tanh", rng=np.random.default_rng(9))
    start = [p.copy() for p in net.parameters().values()]
    h = train_minibatch(net, X, Y, lr=0.05, epochs=1, batch_size=10, shuffle=False)
    # replay by hand, one array at a time
    ref = MLP([2, 3, 1], activation="tanh", rng=np.random.default_rng(9))
    for p, s in zip(ref.parameters().values(), start):
        p[...] = s
    total = {name: np.zeros_like(p) for name, p in ref.parameters().items()}
    for b in range(4):
        xb, yb = X[:, 10 * b:10 * b + 10], Y[:, 10 * b:10 * b + 10]
        _, d = mse_loss(ref.forward(xb), yb)
        ref.backward(d)
        for name, p in ref.parameters().items():
            g = ref.gradients()[name]
            total[name] += g * 10
            p -= 0.05 * g
    for name, t in total.items():
        assert h.grad_norms[name][0] == pytest.approx(float(np.linalg.norm(t / 40)), rel=1e-12), name
    for name, p in net.parameters().items():
        np.testing.assert_allclose(p, ref.parameters()[name], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(net.gradients()[name], ref.gradients()[name], rtol=1e-13, atol=1e-15)


def test_a_model_whose_backward_is_replaced_is_not_trained_through_the_packed_path():
    net = MLP([2, 3, 1], activation="tanh", rng=np.random.default_rng(10))
    calls = []
    original = net.backward

    def backward(d):
        calls.append(1)
        return original(d)
    net.backward = backward
    assert packed_steps(net, net.parameters()) is None
    X = np.random.default_rng(11).normal(size=(2, 20))
    train_minibatch(net, X, X[:1], lr=0.1, epochs=1, batch_size=5, shuffle=False)
    assert len(calls) == 4


# -- the sigmoid: one cheap form where it cannot overflow, the stable form where it could -------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_is_finite_and_accurate_at_every_scale_without_warnings(dtype):
    z = np.concatenate([np.linspace(-30, 30, 601), [-1e4, -800.0, -710.0, -709.0, -100.0, -89.0, -87.0,
                                                   87.0, 100.0, 710.0, 1e4]]).astype(dtype).reshape(1, -1)
    exact = 1.0 / (1.0 + np.exp(-z.astype(np.longdouble)))  # no overflow in long double down to -1e4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = Sigmoid()._forward(z)
        parts = [Sigmoid()._forward(z[:, i:i + 1]) for i in range(z.shape[1])]  # each entry alone
    assert out.dtype == dtype
    tiny = np.finfo(dtype).tiny
    rel = np.abs(out - exact) / np.maximum(exact, tiny)
    assert np.all(rel <= 4 * np.finfo(dtype).eps), (z[rel > 4 * np.finfo(dtype).eps], rel.max())
    alone = np.concatenate(parts, axis=1)  # the cheap form (most entries alone) agrees with the stable one
    assert np.all(np.abs(alone - out) <= 4 * np.finfo(dtype).eps * np.maximum(exact, tiny))


def test_sigmoid_passes_nan_through_and_handles_an_empty_batch():
    out = Sigmoid()._forward(np.array([[np.nan, 0.0, -1000.0]]))
    assert np.isnan(out[0, 0]) and out[0, 1] == 0.5 and 0.0 <= out[0, 2] < 1e-300
    assert Sigmoid()._forward(np.zeros((3, 0))).shape == (3, 0)
