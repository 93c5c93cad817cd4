"""The trainers (course/reference/training.py): the tests that kill their mutants.

Each trainer is compared, number for number, with an independent loop written from its
docstring using only the public steps (forward, the loss, backward, gradients): the losses,
the gradient norms (which sum over *every* batch, the short last one included) and the final
parameters must agree. tests/MUTANTS.md lists the mutants.
"""
from __future__ import annotations

import copy

import numpy as np
import pytest

from course.reference.losses import mse_loss, softmax_cross_entropy
from course.reference.mlp import MLP
from course.reference.training import train_minibatch, train_per_sample


def _data(rng, T, k=2, labels=False):
    X = rng.normal(size=(3, T))
    Y = rng.integers(0, k, size=T) if labels else rng.normal(size=(k, T))
    return X, Y


def _by_hand_minibatch(model, X, Y, loss, lr, epochs, batch_size, rng, shuffle):
    T = X.shape[1]
    losses, norms = [], {}
    for _ in range(epochs):
        order = rng.permutation(T) if shuffle else np.arange(T)
        total, sums = 0.0, {n: np.zeros_like(p) for n, p in model.parameters().items()}
        for start in range(0, T, batch_size):
            batch = order[start:start + batch_size]
            C, dY = loss(model.forward(X[:, batch]), Y[..., batch])
            model.backward(dY)
            grads = model.gradients()
            for n, p in model.parameters().items():
                sums[n] += len(batch) * grads[n]
                p -= lr * grads[n]
            total += C * len(batch)
        losses.append(total / T)
        for n, s in sums.items():
            norms.setdefault(n, []).append(float(np.linalg.norm(s / T)))
    return losses, norms


def _by_hand_per_sample(model, X, Y, loss, lr, epochs):
    T = X.shape[1]
    losses, norms = [], {}
    for _ in range(epochs):
        total, sums = 0.0, {n: np.zeros_like(p) for n, p in model.parameters().items()}
        for t in range(T):
            C, dY = loss(model.forward(X[:, t:t + 1]), Y[..., t:t + 1])
            model.backward(dY)
            for n, g in model.gradients().items():
                sums[n] += g
            total += C
        for n, p in model.parameters().items():
            p -= lr / T * sums[n]
        losses.append(total / T)
        for n, s in sums.items():
            norms.setdefault(n, []).append(float(np.linalg.norm(s / T)))
    return losses, norms


def _assert_same(history, model, expected, twin):
    losses, norms = expected
    np.testing.assert_allclose(history.loss, losses, rtol=1e-10, atol=1e-14)
    assert history.grad_norms.keys() == norms.keys()
    for n in norms:
        np.testing.assert_allclose(history.grad_norms[n], norms[n], rtol=1e-9, atol=1e-14)
    for n, p in model.parameters().items():
        np.testing.assert_allclose(p, twin.parameters()[n], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("T, batch_size", [(12, 4), (13, 4), (13, 1), (13, 13), (7, 6)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_minibatch_matches_a_loop_written_from_its_docstring(T, batch_size, shuffle):
    rng = np.random.default_rng(T * 100 + batch_size)
    X, Y = _data(rng, T)
    model = MLP([3, 4, 2], rng=np.random.default_rng(1))
    twin = copy.deepcopy(model)
    h = train_minibatch(model, X, Y, lr=0.3, epochs=3, batch_size=batch_size,
                        rng=np.random.default_rng(5) if shuffle else None, shuffle=shuffle)
    expected = _by_hand_minibatch(twin, X, Y, mse_loss, 0.3, 3, batch_size, np.random.default_rng(5), shuffle)
    _assert_same(h, model, expected, twin)
    assert h.epochs == 3


def test_minibatch_with_labels_and_cross_entropy_matches_the_loop():
    rng = np.random.default_rng(3)
    X, y = _data(rng, 11, k=3, labels=True)
    model = MLP([3, 5, 3], activation="relu", rng=np.random.default_rng(2))
    twin = copy.deepcopy(model)
    h = train_minibatch(model, X, y, loss=softmax_cross_entropy, lr=0.5, epochs=2, batch_size=4,
                        rng=np.random.default_rng(9))
    expected = _by_hand_minibatch(twin, X, y, softmax_cross_entropy, 0.5, 2, 4, np.random.default_rng(9), True)
    _assert_same(h, model, expected, twin)


def test_minibatch_with_labels_and_a_loss_of_ones_own_matches_the_loop():
    """A loss that is not the reference's gets the 1-d labels themselves, batch by batch (no one-hot)."""
    rng = np.random.default_rng(4)
    X, y = _data(rng, 11, k=3, labels=True)
    seen = []

    def own_loss(z, labels):
        seen.append(labels.shape)
        return softmax_cross_entropy(z, labels)

    model = MLP([3, 5, 3], activation="relu", rng=np.random.default_rng(2))
    twin = copy.deepcopy(model)
    h = train_minibatch(model, X, y, loss=own_loss, lr=0.5, epochs=2, batch_size=4, rng=np.random.default_rng(9))
    assert seen == [(4,), (4,), (3,)] * 2
    expected = _by_hand_minibatch(twin, X, y, softmax_cross_entropy, 0.5, 2, 4, np.random.default_rng(9), True)
    _assert_same(h, model, expected, twin)


@pytest.mark.parametrize("T", [1, 5])
def test_per_sample_matches_a_loop_written_from_its_docstring(T):
    rng = np.random.default_rng(T)
    X, Y = _data(rng, T)
    model = MLP([3, 4, 2], rng=np.random.default_rng(1))
    twin = copy.deepcopy(model)
    h = train_per_sample(model, X, Y, lr=0.7, epochs=3)
    _assert_same(h, model, _by_hand_per_sample(twin, X, Y, mse_loss, 0.7, 3), twin)


def test_gradient_norms_of_a_short_last_batch_count_with_its_size():
    # all batches equal but the last: the epoch's mean gradient is sum_b |b| g_b / T, so the norms
    # differ from those of an unweighted mean and from those of the last or the full batches alone
    rng = np.random.default_rng(0)
    X, Y = _data(rng, 10)
    model = MLP([3, 2], rng=np.random.default_rng(4))
    twin = copy.deepcopy(model)
    h = train_minibatch(model, X, Y, lr=1e-12, epochs=1, batch_size=4, shuffle=False)  # params ~ fixed
    grads = []
    for batch in (slice(0, 4), slice(4, 8), slice(8, 10)):
        _, dY = mse_loss(twin.forward(X[:, batch]), Y[:, batch])
        twin.backward(dY)
        grads.append({n: g.copy() for n, g in twin.gradients().items()})
    for n in h.grad_norms:
        weighted = (4 * grads[0][n] + 4 * grads[1][n] + 2 * grads[2][n]) / 10
        assert h.grad_norms[n][0] == pytest.approx(float(np.linalg.norm(weighted)), rel=1e-9)
        assert h.grad_norms[n][0] != pytest.approx(float(np.linalg.norm(grads[2][n] * 2 / 10)), rel=1e-3)


def test_a_callback_that_returns_true_stops_after_that_epoch():
    rng = np.random.default_rng(0)
    X, Y = _data(rng, 6)
    seen = []

    def stop_at_two(epoch, model, history):
        seen.append((epoch, history.epochs))
        return epoch == 1

    for train in (lambda m, cb: train_minibatch(m, X, Y, lr=0.1, epochs=5, batch_size=3, shuffle=False, callback=cb),
                  lambda m, cb: train_per_sample(m, X, Y, lr=0.1, epochs=5, callback=cb)):
        seen.clear()
        h = train(MLP([3, 2], rng=np.random.default_rng(1)), stop_at_two)
        assert h.epochs == 2 and seen == [(0, 1), (1, 2)]


def test_minibatch_argument_errors_name_the_argument():
    rng = np.random.default_rng(0)
    X, Y = _data(rng, 5)
    model = MLP([3, 2], rng=rng)
    with pytest.raises(ValueError, match=r"^batch_size: expected at most T=5 \(the number of examples\), got 6$"):
        train_minibatch(model, X, Y, lr=0.1, epochs=1, batch_size=6, rng=rng)
    with pytest.raises(TypeError, match=r"^shuffle: expected True or False, got int$"):
        train_minibatch(model, X, Y, lr=0.1, epochs=1, batch_size=2, rng=rng, shuffle=1)
    with pytest.raises(TypeError, match="to shuffle with \\(or shuffle=False\\)"):
        train_minibatch(model, X, Y, lr=0.1, epochs=1, batch_size=2)
    with pytest.raises(ValueError, match=r"^X: expected shape \(n_in=3, T\) for this model, got shape \(2, 5\)$"):
        train_minibatch(model, X[:2], Y, lr=0.1, epochs=1, batch_size=2, rng=rng)
    with pytest.raises(ValueError, match=r"^Y: expected one target per column of X \(T=5 columns\), got shape \(2, 4\)$"):
        train_minibatch(model, X, Y[:, :4], lr=0.1, epochs=1, batch_size=2, rng=rng)
    with pytest.raises(ValueError, match=r"^X: expected at least one example \(column\), got shape \(3, 0\)$"):
        train_per_sample(model, X[:, :0], Y[:, :0], lr=0.1, epochs=1)
    with pytest.raises(ValueError, match=r"^Y: expected shape \(k, T=5\) or \(5,\) labels, got shape \(1, 1, 5\)$"):
        train_per_sample(model, X, np.zeros((1, 1, 5), dtype=int), lr=0.1, epochs=1)


def test_the_callback_gets_the_model_being_trained():
    rng = np.random.default_rng(0)
    X, Y = _data(rng, 6)
    model = MLP([3, 2], rng=np.random.default_rng(1))
    seen = []
    train_minibatch(model, X, Y, lr=0.1, epochs=2, batch_size=3, shuffle=False,
                    callback=lambda e, m, h: seen.append(m))
    train_per_sample(model, X, Y, lr=0.1, epochs=1, callback=lambda e, m, h: seen.append(m))
    assert len(seen) == 3 and all(m is model for m in seen)


def test_divergence_names_the_epoch_the_loss_and_the_learning_rate():
    rng = np.random.default_rng(0)
    X, Y = _data(rng, 8)
    with pytest.raises(FloatingPointError, match=r"^training diverged in epoch \d+ \(.*(the loss is (inf|nan)|overflow).*\); "
                       r"try a smaller lr \(got lr=1e\+100\)$"):
        train_minibatch(MLP([3, 4, 2], activation="relu", rng=np.random.default_rng(1)), X * 1e3, Y * 1e3,
                        lr=1e100, epochs=5, batch_size=2, shuffle=False)


# ---- the fast paths of the split trainer: one boundary check, gradients read in parameter order ----


class _ReorderedGradients:
    """A model (not an MLP) whose gradients() lists its keys in the reverse order of parameters()."""

    def __init__(self, rng):
        self.net = MLP([3, 4, 2], rng=rng)

    def forward(self, x):
        return self.net.forward(x)

    def backward(self, d):
        return self.net.backward(d)

    def parameters(self):
        return self.net.parameters()

    def gradients(self):
        return dict(reversed(list(self.net.gradients().items())))


@pytest.mark.parametrize("T, batch_size", [(12, 4), (13, 4)])
def test_a_model_whose_gradients_come_in_another_order_is_updated_name_by_name(T, batch_size):
    # every parameter is updated with its own gradient, whatever order gradients() lists them in
    rng = np.random.default_rng(T)
    X, Y = _data(rng, T)
    model = _ReorderedGradients(np.random.default_rng(1))
    twin = copy.deepcopy(model.net)
    h = train_minibatch(model, X, Y, lr=0.3, epochs=2, batch_size=batch_size, rng=np.random.default_rng(5))
    expected = _by_hand_minibatch(twin, X, Y, mse_loss, 0.3, 2, batch_size, np.random.default_rng(5), True)
    _assert_same(h, model, expected, twin)


def test_all_finite_agrees_with_the_entrywise_test_even_when_the_sum_overflows():
    from course.reference.trainer_checks import all_finite

    rng = np.random.default_rng(0)
    for dtype in (np.float64, np.float32):
        big = np.finfo(dtype).max / 2
        for _ in range(50):
            a = rng.choice(np.array([1.0, -2.5, big, -big, np.nan, np.inf, -np.inf], dtype=dtype),
                           size=(rng.integers(1, 4), rng.integers(1, 6)),
                           p=[0.3, 0.3, 0.15, 0.15, 0.04, 0.03, 0.03])
            assert all_finite(a) == bool(np.isfinite(a).all()), a
        assert all_finite(np.full((3, 4), big, dtype=dtype))          # the sum overflows; every entry is finite
        assert not all_finite(np.array([[np.inf, -np.inf]], dtype=dtype))  # the sum is nan


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_float_data_with_a_non_finite_entry_is_rejected_before_training(dtype, bad):
    X, Y = _data(np.random.default_rng(0), 6)
    X = X.astype(dtype)
    X[1, 4] = bad
    model = MLP([3, 4, 2], rng=np.random.default_rng(1), dtype=dtype)
    before = {n: p.copy() for n, p in model.parameters().items()}
    with pytest.raises(ValueError, match=r"X: .*finite"):
        train_minibatch(model, X, Y, lr=0.1, epochs=1, batch_size=2, rng=np.random.default_rng(2))
    for n, p in model.parameters().items():
        np.testing.assert_array_equal(p, before[n])   # nothing was updated


def test_huge_but_finite_float64_data_is_accepted_by_the_boundary_check():
    # entries near the float64 maximum: their sum overflows, but every entry is finite, so the
    # data is valid and whatever happens is training's business (here: it diverges, and says so)
    X = np.full((3, 4), np.finfo(np.float64).max / 2)
    model = MLP([3, 2], rng=np.random.default_rng(1))
    with pytest.raises(FloatingPointError, match="diverged"):
        train_minibatch(model, X, np.zeros((2, 4)), lr=0.1, epochs=1, batch_size=2, shuffle=False)
