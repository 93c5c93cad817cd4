"""Which inner steps the mini-batch trainer takes, and that every path trains the same (mutation tests).

``train_minibatch`` takes unchecked steps and a packed update for the reference ``MLP`` with a
reference loss, and the model's and loss's own methods otherwise (a learner's code keeps its
checks). A wrong choice either gives wrong numbers (a replaced method skipped) or silently loses
the speed, so these tests check both the numbers and, through ``fast_steps``/``packed_steps``
and what the trainer leaves behind, the path taken. Mutants that only make the trainer slower
(computing ``dX`` it never uses) are listed as performance-only in tests/MUTANTS.md.
"""
from __future__ import annotations

import numpy as np
import pytest

from course.reference.fast_steps import fast_steps, gradient_reader, packed_steps
from course.reference.layers import Linear
from course.reference.losses import mse_loss, softmax_cross_entropy
from course.reference.mlp import MLP
from course.reference.packed import flat_of, pack
from course.reference.training import train_minibatch


def _net(dtype=np.float64, sizes=(3, 5, 2), **kw):
    return MLP(list(sizes), activation="tanh", rng=np.random.default_rng(0), dtype=dtype, **kw)


def _data(T=24, k=2, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(3, T)), rng.normal(size=(k, T))


def _train(net, X, Y, loss=mse_loss, **kw):
    return train_minibatch(net, X, Y, loss=loss, lr=0.1, epochs=2, batch_size=8, rng=np.random.default_rng(2), **kw)


def _same_training(make, change, loss=mse_loss, Y=None):
    """Train ``make()`` and ``change(make())`` on the same data; the losses and parameters must agree bitwise."""
    X, Yd = _data()
    Y = Yd if Y is None else Y
    plain, changed = make(), change(make())
    h1, h2 = _train(plain, X, Y, loss), _train(changed, X, Y, loss)
    assert h1.loss == h2.loss and h1.grad_norms == h2.grad_norms
    for name, p in plain.parameters().items():
        assert np.array_equal(p, changed.parameters()[name]), name
    return plain, changed


# -- fast_steps ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_reference_mlp_with_a_reference_loss_gets_the_unchecked_steps_and_converted_data(dtype):
    net = _net(dtype)
    X, Y = _data()
    forward, backward, loss, X2, Y2 = fast_steps(net, mse_loss, X, Y, net.parameters())
    assert loss is mse_loss.unchecked
    assert forward != net.forward and backward != net.backward
    assert X2.dtype == dtype and Y2.dtype == dtype and Y2.shape == Y.shape
    np.testing.assert_array_equal(Y2, Y.astype(dtype))
    if dtype == np.float64:
        assert np.shares_memory(X2, X)  # no copy of the data when it already has the model's dtype
    out = forward(X2[:, :4])
    np.testing.assert_array_equal(out, net.forward(X[:, :4]))


def test_labels_become_one_hot_targets_for_the_unchecked_cross_entropy():
    net = _net(sizes=(3, 4, 3))
    X, _ = _data(T=6)
    labels = np.array([0, 2, 1, 2, 0, 1])
    _, _, loss, _, Y2 = fast_steps(net, softmax_cross_entropy, X, labels, net.parameters())
    assert loss is softmax_cross_entropy.unchecked
    np.testing.assert_array_equal(Y2, np.eye(3)[:, labels])


def test_a_learners_loss_and_a_model_that_is_not_a_reference_mlp_are_called_as_they_are():
    net = _net()
    X, Y = _data()

    def my_loss(y_hat, y):
        return mse_loss(y_hat, y)
    forward, backward, loss, _, Y2 = fast_steps(net, my_loss, X, Y, net.parameters())
    assert loss is my_loss and forward == net.forward and backward == net.backward and Y2 is Y
    for attr in ("unchecked", "targets"):  # a loss with only one of the two unchecked parts
        half = lambda y_hat, y: mse_loss(y_hat, y)  # noqa: E731
        setattr(half, attr, getattr(mse_loss, attr))
        assert fast_steps(net, half, X, Y, net.parameters())[2] is half

    class Model:  # the layer protocol, no n_out: nothing to convert the targets for
        def __init__(self):
            self.W = np.zeros((2, 3), dtype=np.float32)
            self.b = np.zeros((2, 1))  # float64: mixed dtypes
        def forward(self, x): return self.W @ x + self.b  # noqa: E301,E704
        def backward(self, d): return d  # noqa: E301,E704
        def parameters(self): return {"W": self.W, "b": self.b}  # noqa: E301,E704
    m = Model()
    forward, backward, loss, X2, Y2 = fast_steps(m, mse_loss, X, Y, m.parameters())
    assert forward == m.forward and backward == m.backward and loss is mse_loss and Y2 is Y
    assert X2.dtype == np.float64  # mixed parameter dtypes: the data stays float64


@pytest.mark.parametrize("method", ["forward", "backward"])
def test_an_mlp_whose_forward_or_backward_is_replaced_is_called_through_its_own_methods(method):
    net = _net()
    calls = []
    original = getattr(net, method)

    def wrapper(a):
        calls.append(1)
        return original(a)
    setattr(net, method, wrapper)
    X, Y = _data()
    forward, backward, loss, _, Y2 = fast_steps(net, mse_loss, X, Y, net.parameters())
    assert (forward, backward, loss, Y2) == (net.forward, net.backward, mse_loss, Y)
    _train(net, X, Y)
    assert len(calls) == 6  # 3 batches x 2 epochs, each through the replaced method


# -- packed_steps and the gradient reader ---------------------------------------------------------

def test_after_training_a_reference_mlp_its_gradients_are_the_trainers_packed_gradient_vector():
    net = _net()
    X, Y = _data()
    _train(net, X, Y)
    assert flat_of(list(net.gradients().values())) is not None  # the packed path was taken
    net.backward(np.ones((2, 8)))  # and the model is left as after a forward of the last batch


def test_a_learners_loss_gets_the_models_checked_backward_with_its_clear_error():
    """With a learner's loss the model's own backward runs: a wrong-shaped gradient gets the clear error."""
    net = _net()
    X, Y = _data()

    def transposed(y_hat, y):
        C, d = mse_loss(y_hat, y)
        return C, d.T
    with pytest.raises(ValueError, match=r"dout: expected shape \(2, 8\)"):
        _train(net, X, Y, loss=transposed)
    net = _net()
    _train(net, X, Y, loss=lambda y_hat, y: mse_loss(y_hat, y))
    assert flat_of(list(net.gradients().values())) is None  # the model's own backward made new arrays


def test_packed_steps_only_for_packed_parameters_of_reference_layers():
    net = _net()
    assert packed_steps(net, net.parameters()) is not None
    assert packed_steps(_net(), {}) is None
    lin = net.layers[0]
    lin.W = lin.W.copy()
    assert packed_steps(net, net.parameters()) is None
    assert packed_steps(object(), {"W": np.zeros(2)}) is None


def test_parameters_that_are_views_of_a_2d_array_are_not_taken_for_a_flat_vector():
    net = _net(sizes=(2, 2, 2))  # W (2,2) b (2,1) W (2,2) b (2,1): 12 entries
    block = np.empty((3, 4))  # C-contiguous, 2-D, owns its data
    block[...] = np.arange(12.0).reshape(3, 4)
    flat = block.reshape(-1)
    assert flat.base is block
    views = [flat[0:4].reshape(2, 2), flat[4:6].reshape(2, 1), flat[6:10].reshape(2, 2), flat[10:12].reshape(2, 1)]
    assert [v.base is block for v in views] == [True] * 4
    assert flat_of(views) is None
    for layer, (W, b) in zip(net.layers[::2], [views[:2], views[2:]]):
        layer.W, layer.b = W, b
    assert packed_steps(net, net.parameters()) is None
    X, Y = _data(k=2)
    _train(net, X[:2], Y)  # trains through the per-array path


def test_the_direct_gradient_reader_reads_the_layers_and_a_replaced_gradients_is_called(monkeypatch):
    calls = []
    original = Linear.gradients

    def counting(self):
        calls.append(self)
        return original(self)
    monkeypatch.setattr(Linear, "gradients", counting)  # same class: the direct reader still applies
    net = _net()
    for layer in net.layers[::2]:  # not packed: the per-array path, whose gradients the reader reads
        layer.W, layer.b = layer.W.copy(), layer.b.copy()
    X, Y = _data()
    _train(net, X, Y)
    assert len(calls) == 2  # once per Linear, by the first batch's check only

    reader = gradient_reader(net, net.parameters())
    assert [g is getattr(layer, a) for g, (layer, a) in
            zip(reader(), [(net.layers[0], "dW"), (net.layers[0], "db"), (net.layers[2], "dW"), (net.layers[2], "db")])
            ] == [True] * 4


@pytest.mark.parametrize("where", ["model", "layer"])
def test_a_replaced_gradients_method_is_asked_on_every_batch(where):
    net = _net()
    calls = []
    owner = net if where == "model" else net.layers[2]
    original = owner.gradients

    def counting():
        calls.append(1)
        return original()
    owner.gradients = counting
    X, Y = _data()
    h = _train(net, X, Y)
    assert len(calls) == 6  # every batch (3 batches x 2 epochs), not only the first one's check
    assert h.loss == _train(_net(), X, Y).loss


def test_a_linear_whose_backward_is_replaced_is_called_and_trains_the_same():
    calls = []

    def change(net):
        layer = net.layers[2]
        original = layer.backward

        def backward(d):
            calls.append(1)
            return original(d)
        layer.backward = backward
        assert packed_steps(net, net.parameters()) is None  # it could not write into the packed gradient
        return net
    _same_training(_net, change)
    assert len(calls) == 6


def test_an_mlp_whose_parameters_come_in_another_order_trains_the_same():
    class Reversed(MLP):
        def parameters(self):
            return dict(reversed(list(super().parameters().items())))
    make = lambda: _net()  # noqa: E731

    def change(net):
        net.__class__ = Reversed
        return net
    plain, changed = _same_training(make, change)
    assert list(changed.parameters()) == list(reversed(list(plain.parameters())))


def test_pack_then_replace_every_array_falls_back_and_trains_the_same():
    def change(net):
        linears = net.layers[::2]
        views = iter(pack([p for layer in linears for p in (layer.W, layer.b)][::-1]))  # packed, other order
        arrays = [next(views) for _ in range(4)][::-1]
        for layer, (W, b) in zip(linears, [arrays[:2], arrays[2:]]):
            layer.W, layer.b = W, b
        assert flat_of(list(net.parameters().values())) is None
        return net
    _same_training(_net, change)


def test_a_non_finite_loss_without_a_numpy_warning_stops_training_naming_the_loss():
    """A learner's loss may return inf itself (no overflow warning): the trainer says the loss was inf."""
    net = _net()
    X, Y = _data()
    calls = []

    def loss(y_hat, y):
        C, d = mse_loss(y_hat, y)
        calls.append(1)
        return (float("inf") if len(calls) == 2 else C), d
    with pytest.raises(FloatingPointError, match=r"training diverged in epoch 0 \(the loss is inf\); try a smaller lr"):
        _train(net, X, Y, loss=loss)
