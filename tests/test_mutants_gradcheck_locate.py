"""Where a gradient bug is (course/gradcheck/locate.py) and the directional check's result
(course/gradcheck/directional.py): the tests that kill the mutants tests/test_gradcheck_locate.py
leaves alive (tests/MUTANTS.md).

``locate`` hands each layer's check the caller's options, names at most the two layers nearest the
output that pass a wrong ``dx`` down and blames the tensors below the topmost of them; without
layers it reads the tensor names ``"<group>.<name>"`` and gives a hint only when every gradient of
the groups nearest the input is wrong and every other one right. A directional check keeps the
tensor's shape and does not count its wrong entries.
"""
from __future__ import annotations

import numpy as np
import pytest

from course.gradcheck import gradcheck, gradcheck_layer
from course.gradcheck.compare import Probe
from course.gradcheck.diagnosis import Diagnosis
from course.gradcheck.directional import check_directional
from course.gradcheck.locate import locate
from course.reference.layers import Linear, Tanh
from test_gradcheck_locate import _Layer, _Model, _Sub, _check, _cube, _dcube

CHAINING = ("every layer passes when checked alone, so the error is in how the model chains them "
            "(a layer skipped or run twice, gradients overwritten instead of accumulated, wrong order)")


def _upstream(top):
    return Diagnosis("upstream", f"layers[{top}] above passes a wrong gradient down to it; fix layers[{top}] first")


def _passes_wrong_dx(i, cause=""):
    return f"checked alone, layers[{i}] (_Layer) passes a wrong gradient down (dx){cause}"


# --------------------------------------------------------------------------- locate: the per-layer search

def test_each_layer_is_checked_with_the_callers_mode_tolerances_and_generator():
    seen = []

    def check_layer(layer, x, **kwargs):
        seen.append(kwargs)
        return _Sub([])

    rng = np.random.default_rng(0)
    checks = [_check("0.W", False), _check("1.W", True)]
    for mode, rtol, atol in [("exhaustive", 1e-5, 1e-7), ("directional", 3e-4, 0.0)]:
        seen.clear()
        assert locate(_Model([_Layer(0), _Layer(1)]), np.zeros((2, 2)), checks, check_layer=check_layer,
                      mode=mode, rtol=rtol, atol=atol, rng=rng) == [CHAINING]
        assert len(seen) == 2
        for kw in seen:
            assert kw["mode"] == mode and kw["rtol"] == rtol and kw["atol"] == atol and kw["rng"] is rng


def test_a_layer_passing_a_wrong_dx_without_a_named_cause_is_reported_without_one():
    checks = [_check("0.W", False), _check("1.W", False)]
    found = locate(_Model([_Layer(0), _Layer(1)]), np.zeros((2, 2)), checks,
                   check_layer=lambda layer, x, **k: _Sub(["x"] if layer.k == 1 else []),
                   mode="auto", rtol=None, atol=1e-9, rng=np.random.default_rng(0))
    assert found == [_passes_wrong_dx(1)]  # nothing after "(dx)": no ": " and no placeholder
    assert checks[0].diagnosis == _upstream(1) and checks[1].diagnosis is None


@pytest.mark.parametrize("seed", range(6))
def test_at_most_two_wrong_layers_are_named_and_the_topmost_is_blamed(seed):
    # a random set of layers passes a wrong dx down: the report names the two nearest the output,
    # and every failed tensor below the topmost one (only those) inherits its error
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 7))
    wrong = sorted(int(i) for i in rng.permutation(n)[: int(rng.integers(2, n + 1))])
    top = wrong[-1]
    checks = [_check(f"{i}.{name}", bool(rng.integers(2))) for i in range(n) for name in ("W", "b")]
    checks[0].passed = checks[-1].passed = False
    found = locate(_Model([_Layer(i) for i in range(n)]), np.zeros((2, 2)), checks,
                   check_layer=lambda layer, x, **k: _Sub(["x"] if layer.k in wrong else [], f"cause {layer.k}"),
                   mode="auto", rtol=None, atol=1e-9, rng=np.random.default_rng(0))
    assert found == [_passes_wrong_dx(i, f": cause {i}") for i in reversed(wrong)][:2]
    for c in checks:
        below = int(c.name.partition(".")[0]) < top
        assert c.diagnosis == (_upstream(top) if below and not c.passed else None), c.name


def test_every_layer_passing_alone_blames_the_chaining_in_full():
    found = locate(_Model([_Layer(0), _Layer(1), _Layer(2)]), np.zeros((2, 2)),
                   [_check("0.W", False), _check("2.b", True)], check_layer=lambda *a, **k: _Sub([]),
                   mode="auto", rtol=None, atol=1e-9, rng=np.random.default_rng(0))
    assert found == [CHAINING]


# --------------------------------------------------------------------------- locate: the hint from the names

class _NoLayers:
    layers = None

    def forward(self, X):
        return X


def _hint(checks):
    return locate(_NoLayers(), np.zeros((2, 2)), checks, check_layer=None, mode="auto", rtol=None, atol=1e-9,
                  rng=np.random.default_rng(0))


def _groups(statuses):
    """Checks of groups ``net.h<i>`` (a dot inside the group name too), W and b each; a status is "wrong"
    (both fail), "right" (both pass) or "mixed" (W fails, b passes)."""
    return [_check(f"net.h{i}.{name}", s == "right" or (s == "mixed" and name == "b"))
            for i, s in enumerate(statuses) for name in ("W", "b")]


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_the_hint_names_the_wrong_groups_nearest_the_input_and_the_right_ones_after(n):
    # every split point: the first s groups entirely wrong, the others entirely right
    names = [f"net.h{i}" for i in range(n)]
    for s in range(1, n):
        found = _hint(_groups(["wrong"] * s + ["right"] * (n - s)))
        assert found == [f"all gradients of {', '.join(names[:s])} are wrong but those of "
                         f"{', '.join(names[s:])} (nearer the output) are right: the error enters between "
                         f"{names[s - 1]} and {names[s]} (an activation derivative, or da_prev = W.T @ dz)"], s


@pytest.mark.parametrize("statuses", [
    ["wrong", "mixed", "right"],            # a group with wrong and right gradients
    ["wrong", "right", "mixed"],
    ["mixed", "right", "right"],
    ["right", "wrong", "right"],            # a right group nearer the input than a wrong one
    ["right", "right", "wrong"],
    ["wrong", "right", "wrong", "right"],
    ["wrong", "wrong", "wrong"],            # nothing right: nowhere to say the error enters
])
def test_no_hint_unless_the_wrong_groups_all_come_first_and_entirely_wrong(statuses):
    assert _hint(_groups(statuses)) == []


# --------------------------------------------------------------------------- a backward returning no usable dx

class _SquareLinear(Linear):
    """A square Linear layer whose backward returns ``dx`` through ``wrap`` (the learner's mistake)."""

    def __init__(self, wrap):
        super().__init__(3, 3, rng=np.random.default_rng(1))
        self.wrap = wrap

    def backward(self, dout):
        dx = super().backward(dout)
        return self.wrap(dx, dout, self)


@pytest.mark.parametrize("wrap, cause", [
    (lambda dx, dout, layer: dx.T, "has shape (4, 3) but should have shape (3, 4)"),
    (lambda dx, dout, layer: (dx, layer.dW), "is a tuple"),
    (lambda dx, dout, layer: {"dx": dx}, "is a dict"),
    (lambda dx, dout, layer: "dx", "is a str"),
    (lambda dx, dout, layer: None, "is None"),
])
def test_a_linear_layer_returning_an_unusable_dx_is_reported_not_raised(wrap, cause):
    # (a bug fixed: name_untransposed converted and compared dx before asking whether it could be
    # used, so gradcheck_layer raised ValueError/TypeError on these instead of reporting them)
    r = gradcheck_layer(_SquareLinear(wrap), np.random.default_rng(0).normal(size=(3, 4)))
    x = r.checks[0]
    assert not r and x.name == "x" and x.mode == "not run"
    assert x.diagnosis.message.startswith(f"The gradient for x {cause}")
    assert [c.passed for c in r.checks[1:]] == [True, True]


def test_a_dx_of_strings_equal_to_W_at_dout_keeps_its_cause():
    # dx could not be used (not numbers): its cause is not replaced by the "transposed" one
    wrap = lambda dx, dout, layer: (layer.W @ dout).astype(str)  # noqa: E731  (W @ dout, as text)
    r = gradcheck_layer(_SquareLinear(wrap), np.random.default_rng(0).normal(size=(3, 4)))
    assert r.checks[0].mode == "not run"
    assert r.checks[0].diagnosis.name != "transposed" and "transpose" not in r.report()


def test_an_activation_returning_a_tuple_is_reported_not_raised():
    class Twice(Tanh):
        def backward(self, dout):
            return super().backward(dout), None

    r = gradcheck_layer(Twice(), np.random.default_rng(0).normal(size=(3, 4)))
    assert not r and r.checks[0].mode == "not run"
    assert r.checks[0].diagnosis.message.startswith("The gradient for x is a tuple")


# --------------------------------------------------------------------------- the directional check's result

def test_a_directional_check_of_a_probe_with_several_outputs_is_refused_with_the_reason():
    eps = float(np.finfo(np.float64).eps)
    A = np.arange(6.0).reshape(2, 3)
    p = Probe(name="J", base=np.ones(3), analytic=A, evaluate=lambda v: A @ v, store=np.dtype(np.float64),
              eps_numeric=eps, eps_analytic=eps, f0=A @ np.ones(3))
    with pytest.raises(ValueError) as info:
        check_directional(p, rng=np.random.default_rng(0), directions=1, rtol=1e-6, atol=0.0, max_entries=5)
    assert str(info.value) == "directional checks need a scalar output; scalarise the probe first"


def test_a_directional_layer_check_keeps_each_tensors_shape_in_the_result_and_the_report():
    class WrongW(Linear):
        def backward(self, dout):
            dx = super().backward(dout)
            self.dW = 1.5 * self.dW
            return dx

    layer = WrongW(3, 5, rng=np.random.default_rng(1))
    r = gradcheck_layer(layer, np.random.default_rng(0).normal(size=(3, 4)), mode="directional")
    assert [(c.name, c.mode, c.shape) for c in r.checks] == [
        ("x", "directional", (3, 4)), ("W", "directional", (5, 3)), ("b", "directional", (5, 1))]
    assert [c.passed for c in r.checks] == [True, False, True]
    assert "  W (shape (5, 3)): WRONG (random directions disagree;" in r.report()


@pytest.mark.parametrize("c", [1.0, 2.0])
def test_a_directional_check_does_not_count_the_wrong_entries(c):
    # n_wrong is None ("not counted"), never 0 (which would claim that none is wrong), passed or failed;
    # an exhaustive check counts them
    x = np.random.default_rng(2).uniform(0.5, 1.5, size=300)
    r = gradcheck(_cube, lambda v: c * _dcube(v), x, mode="directional", rng=np.random.default_rng(3))
    assert bool(r) is (c == 1.0) and r.checks[0].mode == "directional" and r.checks[0].n_wrong is None
    r = gradcheck(_cube, lambda v: c * _dcube(v), x[:20], mode="exhaustive")
    assert r.checks[0].n_wrong == (0 if c == 1.0 else 20)


def test_the_bisection_follows_the_first_direction_that_failed(monkeypatch):
    # every direction fails (the gradient doubled); the search halves the support of the first one:
    # its first probe is that direction restricted to the first half (renormalised), not a later one
    from course.gradcheck import directional

    probes = []
    judge = directional.judge

    def recording(p, v, *args, **kwargs):
        if kwargs.get("support") is not None:
            probes.append((kwargs["support"].copy(), np.ravel(v).copy()))
        return judge(p, v, *args, **kwargs)

    monkeypatch.setattr(directional, "judge", recording)
    x = np.random.default_rng(4).uniform(0.5, 1.5, size=64)
    chk = gradcheck(_cube, lambda v: 2 * _dcube(v), x, mode="directional", rng=np.random.default_rng(5)).checks[0]
    assert len(chk.projections) == 3 and all(a == pytest.approx(2 * c, rel=1e-6) for a, c, _ in chk.projections)
    half, u = probes[0]
    assert half.tolist() == list(range(32)) and np.count_nonzero(u) == 32
    cosines = [abs(w[half] @ u[half]) / (np.linalg.norm(w[half]) * np.linalg.norm(u[half]))
               for _, _, w in chk.projections]
    assert cosines[0] == pytest.approx(1.0, abs=1e-9) and max(cosines[1:]) < 0.9, cosines


def test_a_directional_check_counts_only_its_own_evaluations():
    # check_directional on a probe that has been evaluated before (its call counter is not 0):
    # evaluations is what this check spent, not the counter's total
    eps = float(np.finfo(np.float64).eps)
    x = np.random.default_rng(6).uniform(0.5, 1.5, size=50)
    p = Probe(name="x", base=x, analytic=_dcube(x)[None, :], evaluate=lambda v: np.array([_cube(v)]),
              store=np.dtype(np.float64), eps_numeric=eps, eps_analytic=eps, f0=np.array([_cube(x)]))
    first = check_directional(p, rng=np.random.default_rng(0), directions=2, rtol=1e-6, atol=0.0, max_entries=5)
    spent = p.calls[0]
    assert first.passed and first.evaluations == spent > 0
    again = check_directional(p, rng=np.random.default_rng(1), directions=2, rtol=1e-6, atol=0.0, max_entries=5)
    assert again.passed and again.evaluations == p.calls[0] - spent == spent


@pytest.mark.parametrize("delta, complete", [(0.0, True), (3.3e-4, False), (5e-4, False)])
def test_whether_the_entries_found_explain_everything_is_judged_on_the_fixed_gradient(delta, complete):
    # one huge wrong entry (found) and, with delta > 0, a small error spread along the direction of
    # the final look (the 4th random direction): the look replaces the entry found by its numeric
    # value and must judge the rounding of that fixed float32 gradient, not of the one with the huge
    # entry (64 eps32 * 1e4 * |u_0|: several times the tolerance at rtol=1e-6), or the spread error passes
    from course.gradcheck.directional import random_direction

    n, H, seed = 100, 1e4, 7
    x = np.random.default_rng(8).uniform(0.5, 1.5, size=n)
    rng = np.random.default_rng(seed)
    u = [random_direction(rng, n) for _ in range(4)][3]

    def df(v):
        g = _dcube(v) + delta * np.sign(u)
        g[0] += H
        return g.astype(np.float32)

    r = gradcheck(_cube, df, x, mode="directional", rtol=1e-6, rng=np.random.default_rng(seed))
    chk = r.checks[0]
    assert not r and len(chk.projections) == 3 and [e.index for e in chk.entries] == [(0,)] and chk.localised
    assert chk.complete is complete
