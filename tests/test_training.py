"""Tests for course.reference.training: the notes' per-sample algorithm, mini-batches, History.

The training loops are checked against gradient descent computed independently
with HIPS autograd; that check is shown to reject trainers with the classic bugs
(no 1/T, sums not reset each epoch, bias never updated, updating inside the
sample loop). XOR is learned by a [2, 4, 1] network; one epoch of full-batch
``train_minibatch`` equals one epoch of ``train_per_sample`` to 1e-12.
"""
from __future__ import annotations

import copy

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

from course.reference.layers import Linear
from course.reference.losses import mse_loss, softmax_cross_entropy
from course.reference.mlp import MLP
from course.reference.training import History, train_minibatch, train_per_sample
from reference_checks import anp_mlp, max_rel_error

XOR_X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
XOR_Y = np.array([[0.0, 1.0, 1.0, 0.0]])


def expected_gradient_descent(model, X, Y, *, lr, epochs, batch_size=None):
    """Parameters after gradient descent on the mean MSE, with gradients from autograd.

    ``batch_size=None`` is full batch (what the notes' per-sample algorithm amounts
    to); otherwise consecutive batches in order, one update each.
    """
    params = {name: p.copy() for name, p in model.parameters().items()}
    T = X.shape[1]
    size = T if batch_size is None else batch_size

    def mean_mse(params, Xb, Yb):
        return anp.sum(0.5 * (anp_mlp(model, Xb, params) - Yb) ** 2) / Xb.shape[1]

    for _ in range(epochs):
        for start in range(0, T, size):
            g = grad(mean_mse)(params, X[:, start:start + size], Y[:, start:start + size])
            params = {name: params[name] - lr * g[name] for name in params}
    return params


def check_trainer_against_autograd(trainer, *, epochs=3, seed=0, **kwargs):
    """Run ``trainer`` on a small regression problem and compare every parameter with autograd."""
    rng = np.random.default_rng(seed)
    model = MLP([3, 4, 2], activation="tanh", output_activation="sigmoid", rng=rng)
    for p in model.parameters().values():
        p += 0.1 * rng.standard_normal(p.shape)
    X, Y = rng.standard_normal((3, 7)), rng.uniform(size=(2, 7))
    expected = expected_gradient_descent(model, X, Y, lr=0.7, epochs=epochs, batch_size=kwargs.get("batch_size"))
    trainer(model, X, Y, loss=mse_loss, lr=0.7, epochs=epochs, **kwargs)
    for name, p in model.parameters().items():
        assert max_rel_error(p, expected[name]) < 1e-10, name


def notes_trainer(
    model, X, Y, *, loss, lr, epochs,
    divide_by_T=True, zero_each_epoch=True, update_bias=True, update_each_sample=False,
):
    """The notes' algorithm written out again, with switches that plant one bug each."""
    T = X.shape[1]
    params = model.parameters()
    sums = {name: np.zeros_like(p) for name, p in params.items()}
    for _ in range(epochs):
        if zero_each_epoch:
            sums = {name: np.zeros_like(p) for name, p in params.items()}
        for t in range(T):
            _, d = loss(model.forward(X[:, t:t + 1]), Y[:, t:t + 1])
            model.backward(d)
            for name, g in model.gradients().items():
                sums[name] += g
            if update_each_sample:
                for name, p in params.items():
                    p -= (lr / T) * model.gradients()[name]
        if not update_each_sample:
            for name, p in params.items():
                if update_bias or name.endswith(".W"):
                    p -= (lr / T if divide_by_T else lr) * sums[name]


# -- the checker rejects the classic bugs ----------------------------------------------


def test_reference_trainers_pass_the_check():
    check_trainer_against_autograd(notes_trainer)
    check_trainer_against_autograd(train_per_sample)
    check_trainer_against_autograd(train_minibatch, batch_size=7, shuffle=False)
    check_trainer_against_autograd(train_minibatch, batch_size=3, shuffle=False)
    check_trainer_against_autograd(train_minibatch, batch_size=1, shuffle=False, epochs=2)


@pytest.mark.parametrize(
    "bug",
    [
        {"divide_by_T": False},
        {"zero_each_epoch": False},
        {"update_bias": False},
        {"update_each_sample": True},
    ],
    ids=["no-1/T", "sums-not-reset", "bias-not-updated", "update-inside-loop"],
)
def test_check_rejects_buggy_trainers(bug):
    with pytest.raises(AssertionError):
        check_trainer_against_autograd(lambda *a, **k: notes_trainer(*a, **k, **bug))


# -- the notes' algorithm ----------------------------------------------------------------


def test_xor_is_learned_by_a_2_4_1_network():
    """Threshold: mean loss below 1e-3 after 800 epochs (lr 2, seed 0; it gets there in ~450), all four right."""
    net = MLP([2, 4, 1], activation="tanh", output_activation="sigmoid", rng=np.random.default_rng(0))
    history = train_per_sample(net, XOR_X, XOR_Y, lr=2.0, epochs=800)
    assert history.loss[0] > 0.1
    assert history.loss[-1] < 1e-3
    np.testing.assert_array_equal(net.predict_labels(XOR_X), [0, 1, 1, 0])


def test_xor_is_not_learned_without_a_hidden_layer():
    """Why several layers: a single sigmoid unit stays near the best linear fit (loss ~ 1/8)."""
    net = MLP([2, 1], output_activation="sigmoid", rng=np.random.default_rng(0))
    history = train_per_sample(net, XOR_X, XOR_Y, lr=2.0, epochs=500)
    assert history.loss[-1] > 0.1
    assert net.accuracy(XOR_X, XOR_Y) < 1.0


def test_bias_changes_by_exactly_minus_lr_over_T_times_the_sum_of_its_own_gradients():
    """The notes' erratum updates b with the W gradient; the bias must use sum_t db_t."""
    rng = np.random.default_rng(3)
    net = MLP([2, 4, 1], activation="tanh", output_activation="sigmoid", rng=rng)
    X, Y = rng.standard_normal((2, 5)), rng.uniform(size=(1, 5))
    probe = copy.deepcopy(net)
    sums = {name: np.zeros_like(p) for name, p in probe.parameters().items()}
    for t in range(5):
        _, d = mse_loss(probe.forward(X[:, t:t + 1]), Y[:, t:t + 1])
        probe.backward(d)
        for name, g in probe.gradients().items():
            sums[name] += g
    before = {name: p.copy() for name, p in net.parameters().items()}
    lr = 0.3
    train_per_sample(net, X, Y, lr=lr, epochs=1)
    for name, p in net.parameters().items():
        np.testing.assert_allclose(p - before[name], -(lr / 5) * sums[name], rtol=1e-12, atol=1e-16)
    assert np.abs(sums["0.b"]).min() > 0  # the bias gradient is not trivially zero


@pytest.mark.parametrize("epochs", [1, 3])
def test_one_full_batch_equals_per_sample(epochs):
    rng = np.random.default_rng(4)
    a = MLP([3, 5, 2], activation="tanh", output_activation="sigmoid", rng=rng)
    b = copy.deepcopy(a)
    X, Y = rng.standard_normal((3, 9)), rng.uniform(size=(2, 9))
    h_a = train_per_sample(a, X, Y, lr=0.5, epochs=epochs)
    h_b = train_minibatch(b, X, Y, lr=0.5, epochs=epochs, batch_size=9, shuffle=False)
    for name, p in a.parameters().items():
        assert max_rel_error(p, b.parameters()[name]) < 1e-12, name
    np.testing.assert_allclose(h_a.loss, h_b.loss, rtol=1e-12)
    for name in h_a.grad_norms:
        np.testing.assert_allclose(h_a.grad_norms[name], h_b.grad_norms[name], rtol=1e-12)


def test_one_full_batch_equals_per_sample_with_cross_entropy():
    rng = np.random.default_rng(5)
    a = MLP([4, 6, 3], activation="relu", rng=rng)
    b = copy.deepcopy(a)
    X, labels = rng.standard_normal((4, 8)), rng.integers(0, 3, size=8)
    train_per_sample(a, X, labels, loss=softmax_cross_entropy, lr=0.5, epochs=1)
    train_minibatch(b, X, labels, loss=softmax_cross_entropy, lr=0.5, epochs=1, batch_size=8, shuffle=False)
    for name, p in a.parameters().items():
        assert max_rel_error(p, b.parameters()[name]) < 1e-12, name


def test_history_records_loss_and_gradient_norms():
    rng = np.random.default_rng(6)
    net = MLP([2, 3, 1], rng=rng)
    X, Y = rng.standard_normal((2, 4)), rng.standard_normal((1, 4))
    start_loss, _ = mse_loss(net.forward(X), Y)
    net.backward(mse_loss(net.forward(X), Y)[1])
    start_grads = {k: v.copy() for k, v in net.gradients().items()}
    history = train_per_sample(net, X, Y, lr=0.1, epochs=3)
    assert history.epochs == 3 and len(history.loss) == 3
    assert history.loss[0] == pytest.approx(start_loss, rel=1e-12)
    assert list(history.grad_norms) == ["0.W", "0.b", "2.W", "2.b"]
    assert all(len(v) == 3 for v in history.grad_norms.values())
    for name, g in start_grads.items():
        assert history.grad_norms[name][0] == pytest.approx(np.linalg.norm(g), rel=1e-12)
    assert history.loss[-1] < history.loss[0]


def test_history_repr_is_short():
    assert repr(History()) == "History(epochs=0)"
    h = History(loss=[0.5, 0.25], accuracy=[0.5, 0.75])
    assert repr(h) == "History(epochs=2, loss 0.5 -> 0.25, accuracy 0.75)"
    assert History().loss == [] and History().loss is not History().loss


def test_callback_sees_every_epoch_and_can_stop():
    seen = []

    def callback(epoch, model, history):
        seen.append((epoch, history.epochs))
        history.accuracy.append(model.accuracy(XOR_X, XOR_Y))
        return np.float64(history.loss[-1]) < 0.1  # a numpy bool stops training too

    net = MLP([2, 4, 1], activation="tanh", output_activation="sigmoid", rng=np.random.default_rng(0))
    history = train_per_sample(net, XOR_X, XOR_Y, lr=2.0, epochs=5000, callback=callback)
    assert seen == [(e, e + 1) for e in range(len(seen))]
    assert history.epochs == len(seen) < 5000
    assert history.loss[-1] < 0.1 and len(history.accuracy) == history.epochs


# -- mini-batches -------------------------------------------------------------------------


def test_shuffling_is_reproducible_and_matters():
    rng = np.random.default_rng(7)
    X, Y = rng.standard_normal((2, 10)), rng.standard_normal((1, 10))
    nets = [MLP([2, 3, 1], rng=np.random.default_rng(1)) for _ in range(3)]
    train_minibatch(nets[0], X, Y, lr=0.1, epochs=2, batch_size=3, rng=np.random.default_rng(9))
    train_minibatch(nets[1], X, Y, lr=0.1, epochs=2, batch_size=3, rng=np.random.default_rng(9))
    train_minibatch(nets[2], X, Y, lr=0.1, epochs=2, batch_size=3, shuffle=False)
    np.testing.assert_array_equal(nets[0].layers[0].W, nets[1].layers[0].W)
    assert not np.allclose(nets[0].layers[0].W, nets[2].layers[0].W)


def test_minibatch_loss_is_weighted_by_batch_size():
    net = MLP([1, 1], rng=np.random.default_rng(0))
    X, Y = np.arange(5.0).reshape(1, 5), np.zeros((1, 5))
    # a tiny lr: the weights barely move, so the epoch loss is the loss of the start weights
    start, _ = mse_loss(net.forward(X), Y)
    history = train_minibatch(net, X, Y, lr=1e-12, epochs=1, batch_size=2, shuffle=False)
    assert history.loss[0] == pytest.approx(start, rel=1e-9)


def test_a_single_linear_layer_as_softmax_classifier():
    """Concept 29: softmax(W phi + b) on fixed features phi(x), trained by mini-batches."""
    rng = np.random.default_rng(8)
    centres = np.array([[2.0, -2.0, 0.0], [0.0, 0.0, 2.5]])
    labels = rng.integers(0, 3, size=150)
    phi = centres[:, labels] + 0.5 * rng.standard_normal((2, 150))
    clf = Linear(2, 3, rng=rng)
    history = train_minibatch(clf, phi, labels, loss=softmax_cross_entropy, lr=0.5, epochs=30, batch_size=16, rng=rng)
    assert list(history.grad_norms) == ["W", "b"]
    assert history.loss[-1] < 0.2 * history.loss[0]
    assert np.mean(clf.forward(phi).argmax(axis=0) == labels) > 0.95


@pytest.mark.parametrize("trainer", ["per_sample", "minibatch"])
def test_divergence_is_reported_clearly(trainer):
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((2, 20)), rng.standard_normal((1, 20))
    net = MLP([2, 8, 1], activation="relu", rng=rng)
    pattern = r"^training diverged in epoch \d+ .*try a smaller lr \(got lr=1e\+10\)"
    with pytest.raises(FloatingPointError, match=pattern):
        if trainer == "per_sample":
            train_per_sample(net, X, Y, lr=1e10, epochs=50)
        else:
            train_minibatch(net, X, Y, lr=1e10, epochs=50, batch_size=5, rng=rng)


# -- bad input ------------------------------------------------------------------------------


def _net():
    return MLP([2, 3, 1], rng=np.random.default_rng(0))


class CopyingParameters(MLP):
    def parameters(self):
        return {k: v.copy() for k, v in super().parameters().items()}


class MisnamedGradients(MLP):
    def gradients(self):
        return {k.upper(): v for k, v in super().gradients().items()}


class FlatBiasGradient(MLP):
    def gradients(self):
        return {k: (v.ravel() if k.endswith(".b") else v) for k, v in super().gradients().items()}


GOOD = {"X": XOR_X, "Y": XOR_Y, "lr": 0.1, "epochs": 1}

BAD_COMMON = [
    ({"X": np.ones(4)}, ValueError, r"^X: expected a 2-D float array of shape \(n_in, T\), got shape \(4,\)"),
    ({"X": np.full((2, 4), np.nan)}, ValueError, r"^X: expected finite values"),
    ({"X": np.ones((2, 0)), "Y": np.ones((1, 0))}, ValueError, r"^X: expected at least one example"),
    ({"X": np.ones((3, 4))}, ValueError, r"^X: expected shape \(n_in=2, T\) for this model, got shape \(3, 4\)"),
    ({"Y": np.ones((1, 3))}, ValueError,
     r"^Y: expected one target per column of X \(T=4 columns\), got shape \(1, 3\)"),
    ({"Y": np.ones((1, 1, 4))}, ValueError, r"^Y: expected a 1-D or 2-D"),
    ({"Y": np.ones((1, 1, 4), int)}, ValueError, r"^Y: expected shape"),
    ({"Y": [["a", "b", "c", "d"]]}, TypeError, r"^Y: expected a real-valued"),
    ({"lr": 0.0}, ValueError, r"^lr: expected a positive finite float, got 0.0"),
    ({"lr": -1}, ValueError, r"^lr: expected a positive finite float"),
    ({"lr": float("nan")}, ValueError, r"^lr: expected a positive finite float"),
    ({"lr": float("inf")}, ValueError, r"^lr: expected a positive finite float"),
    ({"lr": "0.1"}, TypeError, r"^lr: expected a positive float, got str"),
    ({"lr": True}, TypeError, r"^lr: expected a positive float, got bool"),
    ({"epochs": 0}, ValueError, r"^epochs: expected a positive int \(>= 1\), got 0"),
    ({"epochs": 1.5}, TypeError, r"^epochs: expected a positive int, got float"),
    ({"epochs": True}, TypeError, r"^epochs: expected a positive int, got bool"),
    ({"loss": "mse"}, TypeError, r"^loss: expected a callable"),
    ({"callback": 3}, TypeError, r"^callback: expected None or a callable"),
    ({"model": object()}, TypeError, r"^model: expected an object with forward.*without forward, backward"),
    ({"model": Linear(2, 1, rng=np.random.default_rng(0)).forward}, TypeError, r"^model: expected an object"),
    ({"model": CopyingParameters([2, 3, 1], rng=np.random.default_rng(0))}, TypeError,
     r"^model: parameters\(\) must return the live arrays"),
    ({"model": MisnamedGradients([2, 3, 1], rng=np.random.default_rng(0))}, ValueError, r"^model: gradients\(\) keys"),
    ({"model": FlatBiasGradient([2, 3, 1], rng=np.random.default_rng(0))}, ValueError,
     r"^model: gradient '0.b' has shape \(3,\), expected \(3, 1\)"),
]


@pytest.mark.parametrize("override, error, pattern", BAD_COMMON)
def test_train_per_sample_refuses_bad_input(override, error, pattern):
    args = {"model": _net(), **GOOD, **override}
    with pytest.raises(error, match=pattern):
        train_per_sample(args.pop("model"), args.pop("X"), args.pop("Y"), **args)


@pytest.mark.parametrize(
    "override, error, pattern",
    BAD_COMMON
    + [
        ({"batch_size": 0}, ValueError, r"^batch_size: expected a positive int"),
        ({"batch_size": 5}, ValueError, r"^batch_size: expected at most T=4 \(the number of examples\), got 5"),
        ({"batch_size": 2.0}, TypeError, r"^batch_size: expected a positive int, got float"),
        ({"rng": None}, TypeError,
         r"^rng: expected a numpy.random.Generator to shuffle with \(or shuffle=False\), e\.g\. np\.random\.default_rng\(0\), got NoneType"),
        ({"rng": 42, "shuffle": False}, TypeError, r"^rng: expected a numpy.random.Generator"),
        ({"shuffle": "yes"}, TypeError, r"^shuffle: expected True or False, got str"),
    ],
)
def test_train_minibatch_refuses_bad_input(override, error, pattern):
    args = {"model": _net(), **GOOD, "batch_size": 2, "rng": np.random.default_rng(0), **override}
    with pytest.raises(error, match=pattern):
        train_minibatch(args.pop("model"), args.pop("X"), args.pop("Y"), **args)


# ---- float32 data trains a float32 model in float32; the checks run once (issue 8) ----

def test_float32_data_trains_a_float32_model_in_float32():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((3, 40)).astype(np.float32)
    Y = rng.uniform(size=(2, 40)).astype(np.float32)
    net32 = MLP([3, 5, 2], activation="tanh", rng=np.random.default_rng(0), dtype=np.float32)
    net64 = MLP([3, 5, 2], activation="tanh", rng=np.random.default_rng(0))
    assert all(p.dtype == np.float32 for p in net32.parameters().values())
    h32 = train_minibatch(net32, X, Y, lr=0.1, epochs=3, batch_size=8, rng=np.random.default_rng(1))
    h64 = train_minibatch(net64, X.astype(np.float64), Y, lr=0.1, epochs=3, batch_size=8,
                          rng=np.random.default_rng(1))
    assert all(p.dtype == np.float32 for p in net32.parameters().values())
    assert net32.forward(X).dtype == np.float32
    for name, p in net32.parameters().items():
        np.testing.assert_allclose(p, net64.parameters()[name], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h32.loss, h64.loss, rtol=1e-4)


def test_a_replaced_backward_is_still_used_by_the_trainer():
    # the unchecked fast path must not bypass a layer whose backward was replaced
    rng = np.random.default_rng(12)
    net = MLP([2, 3, 1], rng=rng)
    calls = []
    layer = net.layers[0]
    honest = type(layer).backward

    def counting(dout):
        calls.append(1)
        return honest(layer, dout)

    layer.backward = counting
    train_minibatch(net, rng.standard_normal((2, 8)), rng.standard_normal((1, 8)), lr=0.1, epochs=1,
                    batch_size=4, rng=rng)
    assert len(calls) == 2


def test_nan_data_is_refused_once_at_the_start():
    net = MLP([2, 3, 1], rng=np.random.default_rng(0))
    X = np.ones((2, 6))
    X[1, 4] = np.nan
    with pytest.raises(ValueError, match=r"^X: expected finite values"):
        train_minibatch(net, X, np.ones((1, 6)), lr=0.1, epochs=1, batch_size=2, rng=np.random.default_rng(0))
