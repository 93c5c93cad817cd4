"""The bug zoo: every classic backprop bug is caught (and, where possible, named);
correct MLPs of 1k-100k parameters never fail.

The networks here are small local references written for these tests (examples
are columns, W is (n_out, n_in)), so that each bug can be switched on in
isolation; course.reference.mlp.MLP is checked for false failures too.
"""
from __future__ import annotations

import numpy as np
import pytest

from course.gradcheck import gradcheck_layer, gradcheck_model


# ----------------------------------------------------------------------------
# a local reference network with switchable bugs
# ----------------------------------------------------------------------------

def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


ACTIVATIONS = {
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z))),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0) * 1.0),
}


class Lin:
    def __init__(self, n_in, n_out, *, rng, bug=None):
        self.W = rng.normal(0, 1 / np.sqrt(n_in), size=(n_out, n_in))
        self.b = rng.normal(0, 0.1, size=(n_out, 1))
        self.bug, self.a, self.dW, self.db = bug, None, None, None

    def forward(self, x):
        if not (self.bug == "stale cache" and self.a is not None):
            self.a = np.array(x, dtype=float)
        return self.W @ x + self.b

    def backward(self, dz):
        a, m, bug = self.a, self.a.shape[1], self.bug
        self.dW = {"dW transposed": lambda: a @ dz.T, "dW sign": lambda: -(dz @ a.T),
                   "dW / m": lambda: dz @ a.T / m, "dW never written": lambda: np.zeros_like(self.W),
                   }.get(bug, lambda: dz @ a.T)()
        self.db = {"db not summed": lambda: dz, "db wrong axis": lambda: dz.sum(axis=0, keepdims=True),
                   }.get(bug, lambda: dz.sum(axis=1, keepdims=True))()
        return self.W @ dz if bug == "da uses W" else self.W.T @ dz

    def parameters(self):
        return {"W": self.W, "b": self.b}

    def gradients(self):
        return {"W": self.dW, "b": self.db}


class Act:
    def __init__(self, kind, bug=None):
        self.f, self.fp = ACTIVATIONS[kind]
        self.bug, self.z = bug, None

    def forward(self, z):
        self.z = np.array(z, dtype=float)
        return self.f(z)

    def backward(self, da):
        z = self.z
        local = {"no activation derivative": lambda: 1.0, "sigmoid' as z(1-z)": lambda: z * (1 - z),
                 "tanh' as 1-tanh": lambda: 1 - np.tanh(z), "relu mask from da": lambda: (da > 0) * 1.0,
                 }.get(self.bug, lambda: self.fp(z))()
        return da * local

    def parameters(self):
        return {}

    def gradients(self):
        return {}


class Seq:
    """Linear, activation, Linear, ...; parameters named "<layer index>.W" like course.reference.mlp.MLP."""

    def __init__(self, sizes, activation="tanh", *, rng, bug=None, bug_layer=0):
        self.layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            self.layers.append(Lin(n_in, n_out, rng=rng, bug=bug if 2 * i == bug_layer else None))
            if i < len(sizes) - 2:
                self.layers.append(Act(activation, bug=bug if 2 * i + 1 == bug_layer else None))

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, d):
        for layer in reversed(self.layers):
            d = layer.backward(d)
        return d

    def parameters(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.parameters().items()}

    def gradients(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.gradients().items()}


def mse(out, Y):
    m = out.shape[1]
    return 0.5 * float(np.sum((out - Y) ** 2)) / m, (out - Y) / m


def softmax_ce(logits, y):
    z = logits - logits.max(axis=0, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=0, keepdims=True))
    Y = np.eye(logits.shape[0])[:, y]
    m = logits.shape[1]
    return -float(np.sum(Y * logp)) / m, (np.exp(logp) - Y) / m


M = 8  # batch size of the zoo


def data(rng, sizes, m=M):
    return rng.normal(size=(sizes[0], m)), rng.normal(size=(sizes[-1], m))


# ----------------------------------------------------------------------------
# correct networks never fail
# ----------------------------------------------------------------------------

SIZES = {"1k": [20, 40, 5], "10k": [100, 90, 10], "100k": [784, 128, 10]}


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("label, seeds", [("1k", range(20)), ("10k", range(8))])
def test_no_false_failures(activation, label, seeds):
    sizes = SIZES[label]
    for seed in seeds:
        rng = np.random.default_rng(seed)
        net = Seq(sizes, activation, rng=rng)
        X = rng.normal(size=(sizes[0], 32))
        y = rng.integers(0, sizes[-1], 32)
        r = gradcheck_model(net, X, y, softmax_ce, rng=np.random.default_rng(seed))
        assert r, f"seed {seed}:\n{r!r}"
        X, Y = data(rng, sizes)
        assert gradcheck_model(net, X, Y, mse, rng=np.random.default_rng(seed + 100))


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_no_false_failures_100k(activation):
    for seed in range(5):
        rng = np.random.default_rng(seed)
        net = Seq(SIZES["100k"], activation, rng=rng)
        assert sum(p.size for p in net.parameters().values()) > 100_000
        X = rng.normal(size=(784, 32))
        y = rng.integers(0, 10, 32)
        r = gradcheck_model(net, X, y, softmax_ce, rng=np.random.default_rng(seed))
        assert r, f"seed {seed}:\n{r!r}"


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_no_false_failures_course_mlp(activation):
    from course.reference.losses import mse_loss, softmax_cross_entropy
    from course.reference.mlp import MLP

    for seed in range(4):
        rng = np.random.default_rng(seed)
        net = MLP([30, 50, 40, 6], activation=activation, rng=rng)
        X = rng.normal(size=(30, 16))
        r = gradcheck_model(net, X, rng.integers(0, 6, 16), softmax_cross_entropy, rng=rng)
        assert r, repr(r)
        assert gradcheck_model(net, X, rng.normal(size=(6, 16)), mse_loss, rng=rng)
        a = X
        for layer in net.layers:
            assert gradcheck_layer(layer, a, rng=rng), type(layer).__name__
            a = layer.forward(a)


def test_relu_net_with_exact_kinks_does_not_fail():
    """Zero biases and an all-zero example put every hidden pre-activation exactly at relu's kink."""
    rng = np.random.default_rng(3)
    net = Seq([6, 8, 3], "relu", rng=rng)
    net.layers[0].b[...] = 0.0
    X, Y = data(rng, [6, 8, 3])
    X[:, 0] = 0.0
    r = gradcheck_model(net, X, Y, mse)
    assert r, repr(r)
    assert any(c.kinks for c in r.checks)


# ----------------------------------------------------------------------------
# the zoo: each bug caught, its cause named where a pattern exists
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("activation, sizes", [("tanh", (6, 6, 6)), ("sigmoid", (6, 6, 6)),
                                               ("relu", (6, 6, 6)), ("tanh", (5, 7, 3))])
@pytest.mark.parametrize("mode", ["exhaustive", "directional"])
def test_zoo_setup_passes_without_a_bug(activation, sizes, mode):
    """The same networks, data and losses as the zoo, bug-free: so each failure below is the bug's."""
    rng = np.random.default_rng(7)
    net = Seq(list(sizes), activation, rng=rng)
    X, Y = data(rng, sizes)
    assert gradcheck_model(net, X, Y, mse, mode=mode, rng=rng)


def check_bug(bug, *, layer=0, activation="tanh", sizes=(6, 6, 6), loss=mse, mode="auto"):
    rng = np.random.default_rng(7)
    net = Seq(list(sizes), activation, rng=rng, bug=bug, bug_layer=layer)
    X, Y = data(rng, sizes)
    r = gradcheck_model(net, X, Y, loss, mode=mode, rng=rng)
    assert not r, f"{bug} was not caught"
    assert len(repr(r).splitlines()) <= 20
    return r


def cause(r, tensor):
    c = next(c for c in r.checks if c.name == tensor)
    assert not c.passed, f"{tensor} passed"
    return c.diagnosis


@pytest.mark.parametrize("mode", ["exhaustive", "directional"])
def test_dW_missing_transpose_square(mode):
    r = check_bug("dW transposed", mode=mode)
    assert r.failed == ["0.W"] and cause(r, "0.W").name == "transposed"


def test_dW_missing_transpose_non_square():
    r = check_bug("dW transposed", sizes=(5, 7, 3))
    assert cause(r, "0.W").name == "shape" and "transpose" in cause(r, "0.W").message


def test_db_not_summed_over_batch():
    r = check_bug("db not summed")
    assert r.failed == ["0.b"] and "one column per example" in cause(r, "0.b").message


def test_db_summed_over_wrong_axis():
    r = check_bug("db wrong axis")
    assert r.failed == ["0.b"] and "wrong axis" in cause(r, "0.b").message


@pytest.mark.parametrize("mode", ["exhaustive", "directional"])
def test_sign_flipped(mode):
    r = check_bug("dW sign", mode=mode)
    assert r.failed == ["0.W"] and cause(r, "0.W").name == "sign"


@pytest.mark.parametrize("mode", ["exhaustive", "directional"])
def test_extra_factor_one_over_m_in_a_layer(mode):
    r = check_bug("dW / m", mode=mode)
    d = cause(r, "0.W")
    assert d.name == "factor" and f"m = {M}" in d.message and "too small" in d.message


def test_missing_factor_one_over_m_in_the_loss():
    r = check_bug(None, loss=lambda out, Y: (mse(out, Y)[0], out - Y))
    assert r.failed == ["dout"]  # the parameters are right given dout: the bug is pinned on the loss
    d = cause(r, "dout")
    assert d.name == "factor" and f"m = {M}" in d.message and "too large" in d.message
    assert any("fix the loss first" in n for n in r.notes)


def test_mse_gradient_off_by_two():
    r = check_bug(None, loss=lambda out, Y: (mse(out, Y)[0], 2 * (out - Y) / out.shape[1]))
    assert r.failed == ["dout"] and "factor of 2" in cause(r, "dout").message


def test_mse_gradient_sign_flipped():
    r = check_bug(None, loss=lambda out, Y: (mse(out, Y)[0], (Y - out) / out.shape[1]))
    assert cause(r, "dout").name == "sign"


def test_softmax_cross_entropy_gradient_missing_minus_y():
    def ce_without_y(logits, y):
        loss, _ = softmax_ce(logits, y)
        z = np.exp(logits - logits.max(axis=0))
        return loss, z / z.sum(axis=0) / logits.shape[1]

    rng = np.random.default_rng(1)
    net = Seq([5, 7, 10], "tanh", rng=rng)
    X, y = rng.normal(size=(5, 12)), rng.integers(0, 10, 12)
    r = gradcheck_model(net, X, y, ce_without_y)
    assert r.failed == ["dout"]
    d = cause(r, "dout")
    assert d.name == "offset" and "1/m (m = 12" in d.message and "a term is missing or extra" in d.message
    c = r.checks[0]
    assert c.mode == "directional" and {e.index for e in c.entries} <= {(int(y[j]), j) for j in range(12)}
    r = gradcheck_model(net, X, y, ce_without_y, mode="exhaustive")
    assert r.checks[0].n_wrong == 12 and "at 12 of 120 entries" in cause(r, "dout").message


@pytest.mark.parametrize("bug, words", [
    ("no activation derivative", "derivative is missing"),
    ("tanh' as 1-tanh", "1 - tanh(z)**2"),
])
def test_wrong_tanh_derivative(bug, words):
    r = check_bug(bug, layer=1)
    assert r.failed == ["0.W", "0.b"]  # wrong below the activation, right above it
    assert any("layers[1] (Act)" in f and words in f for f in r.findings), r.findings
    assert cause(r, "0.W").name == "upstream"


def test_sigmoid_derivative_as_z_times_one_minus_z():
    r = check_bug("sigmoid' as z(1-z)", layer=1, activation="sigmoid")
    assert any("s * (1 - s)" in f for f in r.findings)


def test_relu_derivative_with_wrong_mask():
    r = check_bug("relu mask from da", layer=1, activation="relu")
    assert any("from da" in f for f in r.findings)


@pytest.mark.parametrize("mode", ["exhaustive", "directional"])
def test_gradient_never_written(mode):
    r = check_bug("dW never written", mode=mode)
    assert cause(r, "0.W").name == "zeros"


def test_da_uses_W_instead_of_W_transpose():
    r = check_bug("da uses W", layer=2)
    assert r.failed == ["0.W", "0.b"]
    assert any("layers[2] (Lin)" in f and "W.T" in f for f in r.findings)
    r = gradcheck_layer(Lin(5, 5, rng=np.random.default_rng(0), bug="da uses W"), np.ones((5, 3)))
    assert r.failed == ["x"] and r.checks[0].diagnosis.name == "transposed"


def test_stale_cache_is_caught():
    """A layer that caches only the input of its first forward: gradcheck runs forward on another input first."""
    rng = np.random.default_rng(2)
    layer = Lin(4, 3, rng=rng, bug="stale cache")
    r = gradcheck_layer(layer, rng.normal(size=(4, 5)))
    assert r.failed == ["W"]
    r = check_bug("stale cache")
    assert "0.W" in r.failed


def test_overwritten_instead_of_accumulated_shared_parameter():
    """z1 = W x, a = tanh(z1), z2 = W a: dW must add both uses of W (fan-out)."""

    class Tied:
        def __init__(self, n, rng, accumulate):
            self.W = rng.normal(0, 1 / np.sqrt(n), size=(n, n))
            self.accumulate = accumulate

        def forward(self, x):
            self.x = x
            self.a = np.tanh(self.W @ x)
            return self.W @ self.a

        def backward(self, dz2):
            dW = dz2 @ self.a.T
            dz1 = (self.W.T @ dz2) * (1 - self.a**2)
            self.dW = dW + dz1 @ self.x.T if self.accumulate else dz1 @ self.x.T  # overwritten
            return self.W.T @ dz1

        def parameters(self):
            return {"W": self.W}

        def gradients(self):
            return {"W": self.dW}

    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(5, M)), rng.normal(size=(5, M))
    assert gradcheck_model(Tied(5, rng, accumulate=True), X, Y, mse)
    r = gradcheck_model(Tied(5, rng, accumulate=False), X, Y, mse)
    assert r.failed == ["W"] and r.checks[1].n_wrong == 25


def test_single_corrupted_entry_among_100k_parameters_is_localised():
    rng = np.random.default_rng(5)
    net = Seq(SIZES["100k"], "tanh", rng=rng)
    lin = net.layers[0]
    honest = Lin.backward

    def corrupted(dz):
        dx = honest(lin, dz)
        lin.dW[77, 400] += 0.01 * np.abs(lin.dW).max()
        return dx

    lin.backward = corrupted
    X, y = rng.normal(size=(784, 32)), rng.integers(0, 10, 32)
    r = gradcheck_model(net, X, y, softmax_ce, rng=rng)
    assert r.failed == ["0.W"]
    check = r.checks[1]
    assert check.mode == "directional" and [e.index for e in check.entries] == [(77, 400)]
    assert "[77, 400]" in repr(r)
    assert r.evaluations < 1000  # instead of 2 * 100 480 for perturbing every parameter
