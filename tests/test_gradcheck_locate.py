"""Naming where a layer's gradient bug is (course/gradcheck/locate.py) and a check that could not run
(course/gradcheck/run.py ``not_run``): the tests that kill their mutants (tests/MUTANTS.md).

``name_untransposed`` and ``name_activation`` run after a failed layer check; they must name the
classic bug exactly when it is there, and leave the check's diagnosis alone otherwise.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from course.gradcheck.compare import TensorCheck
from course.gradcheck.diagnosis import Diagnosis
from course.gradcheck.locate import locate, name_activation, name_untransposed
from course.gradcheck.run import not_run

TRANSPOSED = "dx is W @ dout: the gradient passed down is da_prev = W.T @ dz, with the transpose."
KEPT = Diagnosis("earlier", "the diagnosis found before")


def _failed(numeric=None) -> TensorCheck:
    check = TensorCheck("x", (3, 4), "exhaustive", passed=False, numeric=numeric)
    check.diagnosis = KEPT
    return check


@pytest.mark.parametrize("seed", range(5))
def test_dx_equal_to_W_at_dout_is_named_transposed(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 6)), int(rng.integers(1, 5))
    W, g = rng.normal(size=(n, n)), rng.normal(size=(n, m))
    check = _failed()
    name_untransposed(check, W @ g, W, g)
    assert check.diagnosis == Diagnosis("transposed", TRANSPOSED)
    # as a nested list (converted to float64) and within the tolerance: still named
    check = _failed()
    name_untransposed(check, ((W @ g) * (1 + 1e-8)).tolist(), W, g)
    assert check.diagnosis.name == "transposed"


@pytest.mark.parametrize("seed", range(5))
def test_anything_else_leaves_the_diagnosis_alone(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 6)), int(rng.integers(1, 5))
    W, g = rng.normal(size=(n, n)), rng.normal(size=(n, m))
    S = W + W.T  # symmetric: W @ g is W.T @ g, nothing to name
    cases = [
        (W.T @ g, W, g),                         # the right dx
        ((W @ g) * (1 + 1e-4), W, g),            # W @ g, but beyond rtol 1e-6
        (W @ g + 1e-6, W, g),                    # beyond atol 1e-9 as well
        (W @ (1e-6 * g) + 5e-9, W, 1e-6 * g),    # a small dout: atol 1e-9 decides
        (S @ g, S, g),                           # symmetric W
        (W @ g[:, 0], W, g[:, 0]),               # dout not a matrix
    ]
    R = rng.normal(size=(n, n + 1))              # not square
    G = rng.normal(size=(n, m))
    cases.append((R.T @ G, R, G))
    for dx, W_, g_ in cases:
        check = _failed()
        name_untransposed(check, dx, W_, g_)
        assert check.diagnosis is KEPT


def test_a_dout_with_other_rows_than_W_is_not_named():
    W = np.arange(9.0).reshape(3, 3) + np.eye(3)
    g = np.ones((2, 3))  # g.shape[0] != W.shape[0]: W @ g is not even defined
    check = _failed()
    name_untransposed(check, np.zeros((3, 3)), W, g)
    assert check.diagnosis is KEPT


def test_a_nearly_symmetric_W_is_symmetric_at_allclose_tolerance():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(3, 3))
    S = A + A.T
    g = rng.normal(size=(3, 2))
    for skew, named in [(1e-10, False), (1e-2, True)]:
        W = S + skew * (A - A.T)
        check = _failed()
        name_untransposed(check, W @ g, W, g)
        assert (check.diagnosis.name == "transposed") is named


def _tanh_case(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(3, 4))
    g = rng.normal(size=(3, 4))
    out = np.tanh(x)
    return x, g, out, 1 - out**2


@pytest.mark.parametrize("seed", range(4))
def test_a_derivative_applied_twice_is_named_only_with_the_numeric_side(seed):
    x, g, out, fp = _tanh_case(seed)
    numeric = (g * fp).reshape(1, -1)  # what the check measured: the true dx
    check = _failed(numeric)
    name_activation(check, (g * fp**2).tolist(), g, x, out)
    assert check.diagnosis == Diagnosis("activation", "The backward pass multiplies by f'(z) twice (e.g. once in "
                                                      "the activation and once again in the layer below).")
    check = _failed(None)  # without the numeric side, f' is not known: nothing to name
    name_activation(check, g * fp**2, g, x, out)
    assert check.diagnosis is KEPT


def test_entries_where_dout_is_zero_do_not_spoil_the_true_derivative():
    x, g, out, fp = _tanh_case(7)
    g[0, 0] = g[2, 3] = 0.0
    g[1, 1] = 1.0  # and a dout of exactly 1 is an ordinary entry
    numeric = g * fp
    numeric[0, 0] = 0.5  # the numeric side need not vanish where dout does: x / 0 and 0 / 0, silently
    check = _failed(numeric.reshape(1, -1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        name_activation(check, g * fp**2, g, x, out)
    assert check.diagnosis.name == "activation" and "twice" in check.diagnosis.message


@pytest.mark.parametrize("seed", range(3))
def test_a_classic_activation_bug_is_named_and_a_right_one_keeps_the_diagnosis(seed):
    x, g, out, fp = _tanh_case(seed)
    check = _failed((g * fp).reshape(1, -1))
    name_activation(check, g, g, x, out)  # da passed through
    assert check.diagnosis.name == "activation" and "derivative is missing" in check.diagnosis.message
    check = _failed((g * fp).reshape(1, -1))
    name_activation(check, g * fp * 1.5, g, x, out)  # wrong, but no classic pattern
    assert check.diagnosis is KEPT


def test_a_check_that_could_not_run_is_a_failure_with_its_cause():
    check = not_run("W", [2, 3], "mutation", "f changed its input")
    assert check.name == "W" and check.shape == (2, 3) and type(check.shape) is tuple
    assert check.mode == "not run" and check.passed is False and check.verdict == "failed"
    assert check.diagnosis == Diagnosis("mutation", "f changed its input")
    assert check.entries == [] and check.evaluations == 0


# --------------------------------------------------------------------------- bisection (directional.py)

def _cube(v):
    return float(np.sum(v**3))


def _dcube(v):
    return 3 * v**2


def test_bisection_of_an_error_spread_too_thinly_stops_at_its_budget(monkeypatch):
    # every entry off by 0.7 of the tolerance of one entry (rtol ||g|| / sqrt(n)), with the sign of
    # the first random direction: every support of 4 or more entries fails, none of 1 or 2 does,
    # so the search would visit thousands of supports; it stops after
    # 4 * max_entries * (ceil(log2 n) + 1) probes (rtol 1e-3: f's rounding is far below the tolerance)
    from course.gradcheck import directional, gradcheck
    from course.gradcheck.run import MAX_ENTRIES

    n, seed, rtol = 4096, 11, 1e-3
    x = np.random.default_rng(0).uniform(0.5, 1.5, size=n)
    first = gradcheck(_cube, _dcube, x, mode="directional", rtol=rtol, rng=np.random.default_rng(seed))
    assert first.verdict == "passed"
    v = first.checks[0].projections[0][2]  # the first random direction (as x+ - x- over 2t)
    g = _dcube(x)
    delta = 0.7 * rtol * np.linalg.norm(g) / np.sqrt(n)
    probes = []
    judge = directional.judge

    def counting(*args, **kwargs):
        if kwargs.get("support") is not None:
            probes.append(kwargs["support"].size)
        return judge(*args, **kwargs)

    monkeypatch.setattr(directional, "judge", counting)
    r = gradcheck(_cube, lambda a: _dcube(a) + delta * np.sign(v), x, mode="directional", rtol=rtol,
                  rng=np.random.default_rng(seed))
    chk = r.checks[0]
    assert not r and chk.entries == [] and not chk.localised and not chk.complete
    assert "spread too thinly to localise" in r.report()
    budget = 4 * MAX_ENTRIES * (int(np.ceil(np.log2(n))) + 1)
    assert len(probes) == budget, (len(probes), budget)
    assert min(probes) >= 2  # no single entry was ever wrong enough to be probed and kept


def test_a_single_entry_tensor_is_localised_by_bisection():
    # one entry: the first split has an empty half, which is skipped (not the end of the search)
    from course.gradcheck import gradcheck

    r = gradcheck(_cube, lambda a: 2 * _dcube(a), np.array([1.3]), mode="directional")
    chk = r.checks[0]
    assert not r and [e.index for e in chk.entries] == [(0,)] and chk.localised and chk.complete
    assert chk.entries[0].analytic == pytest.approx(6 * 1.3**2, rel=1e-12)
    assert chk.entries[0].numeric == pytest.approx(3 * 1.3**2, rel=1e-6)


# --------------------------------------------------------------------------- locate (a model's layers)

class _Layer:
    def __init__(self, k, dtype=np.float64):
        self.k, self.dtype = k, dtype

    def forward(self, a):
        return (np.asarray(a) + self.k).astype(self.dtype)


class _Model:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, X):
        for layer in self.layers:
            X = layer.forward(X)
        return X


class _Sub:
    """What a per-layer check returns, as far as locate reads it."""

    def __init__(self, failed, message=None):
        self.failed = failed
        self.passed = not failed
        check = TensorCheck("x", (2, 2), "exhaustive", passed="x" not in failed)
        check.diagnosis = Diagnosis("transposed", message) if message else None
        self.checks = [check]


def _check(name, passed):
    return TensorCheck(name, (2, 2), "exhaustive", passed=passed)


def test_locate_names_the_layer_passing_a_wrong_gradient_down_and_blames_only_failed_tensors_below():
    seen = []

    def check_layer(layer, x, *, mode, rtol, atol, rng, only):
        seen.append((layer.k, x.dtype, x.copy(), sorted(only)))
        return _Sub(["x"], "dx is W @ dout") if layer.k == 2 else _Sub([])

    X = np.zeros((2, 2), dtype=np.float32)
    model = _Model([_Layer(0, np.float32), _Layer(1, np.float32), _Layer(2, np.float32), _Layer(3, np.float32)])
    checks = [_check("0.W", False), _check("1.W", True), _check("1.b", False), _check("2.W", False),
              _check("3.W", False), _check("0.a.b", False)]
    found = locate(model, X, checks, check_layer=check_layer, mode="auto", rtol=None, atol=1e-9,
                   rng=np.random.default_rng(0))
    assert found == ["checked alone, layers[2] (_Layer) passes a wrong gradient down (dx): dx is W @ dout"]
    # layers checked from the output down, each on its own input, in float64
    assert [(k, dt) for k, dt, _, _ in seen] == [(3, np.float64), (2, np.float64), (1, np.float64), (0, np.float64)]
    assert [float(x[0, 0]) for _, _, x, _ in seen] == [3.0, 1.0, 0.0, 0.0]  # inputs 0, 0, 0+1, 0+1+2
    assert [only for *_, only in seen] == [["W"], ["W"], ["b"], ["W", "a.b"]]  # only the failed tensors
    upstream = Diagnosis("upstream", "layers[2] above passes a wrong gradient down to it; fix layers[2] first")
    by_name = {c.name: c.diagnosis for c in checks}
    assert by_name["0.W"] == upstream and by_name["1.b"] == upstream
    assert by_name["1.W"] is None and by_name["2.W"] is None and by_name["3.W"] is None
    assert by_name["0.a.b"] == upstream  # "<layer>.<name>": the layer is what comes before the first dot


def test_locate_with_every_layer_passing_alone_blames_the_chaining():
    model = _Model([_Layer(0), _Layer(1)])
    checks = [_check("0.W", False), _check("1.W", True)]
    found = locate(model, np.zeros((2, 2)), checks, check_layer=lambda *a, **k: _Sub(["W"] if a[0].k == 0 else []),
                   mode="auto", rtol=None, atol=1e-9, rng=np.random.default_rng(0))
    assert found == []  # a layer failed alone, but none passes a wrong dx down: nothing to say about where
    assert checks[0].diagnosis is None
    found = locate(model, np.zeros((2, 2)), checks, check_layer=lambda *a, **k: _Sub([]),
                   mode="auto", rtol=None, atol=1e-9, rng=np.random.default_rng(0))
    assert len(found) == 1 and found[0].startswith("every layer passes when checked alone")


def test_locate_without_layers_reads_the_parameter_names():
    class Flat:
        layers = []  # empty: no layers to check one by one

        def forward(self, X):
            return X

    checks = [_check("first.W", False), _check("first.b", False), _check("second.W", True),
              _check("second.b", True)]
    found = locate(Flat(), np.zeros((2, 2)), checks, check_layer=None, mode="auto", rtol=None, atol=1e-9,
                   rng=np.random.default_rng(0))
    assert found == ["all gradients of first are wrong but those of second (nearer the output) are right: the "
                     "error enters between first and second (an activation derivative, or da_prev = W.T @ dz)"]


def test_bisection_stops_as_soon_as_it_has_found_max_entries(monkeypatch):
    # seven wrong entries: the search ends with the step (two halves probed) that finds the fifth
    from course.gradcheck import directional, gradcheck

    x = np.random.default_rng(2).uniform(0.5, 1.5, size=3000)
    probes = []
    judge = directional.judge

    def counting(*args, **kwargs):
        if kwargs.get("support") is not None:
            probes.append(kwargs["support"].tolist())
        return judge(*args, **kwargs)

    def df7(v):
        g = _dcube(v)
        g[[1, 2, 3, 4, 5, 6, 7]] += 3.0
        return g

    monkeypatch.setattr(directional, "judge", counting)
    chk = gradcheck(_cube, df7, x, mode="directional", rng=np.random.default_rng(3)).checks[0]
    assert [e.index for e in chk.entries] == [(1,), (2,), (3,), (4,), (5,)] and not chk.complete
    assert probes[-2:] == [[5], [6, 7]], probes[-4:]


def test_layers_that_do_not_chain_to_the_model_are_not_checked_one_by_one():
    # model.forward is not exactly its layers in order (here off by 1e-9): the per-layer search
    # would judge another function, so only the structural hint from the names is given
    class Off(_Model):
        def forward(self, X):
            return super().forward(X) + 1e-9

    def check_layer(*args, **kwargs):
        raise AssertionError("a layer was checked alone")

    checks = [_check("0.W", False), _check("1.W", True)]
    found = locate(Off([_Layer(0), _Layer(1)]), np.ones((2, 2)), checks, check_layer=check_layer, mode="auto",
                   rtol=None, atol=1e-9, rng=np.random.default_rng(0))
    assert found == ["all gradients of 0 are wrong but those of 1 (nearer the output) are right: the error enters "
                     "between 0 and 1 (an activation derivative, or da_prev = W.T @ dz)"]
