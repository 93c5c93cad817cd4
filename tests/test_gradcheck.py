"""gradcheck / gradcheck_layer / gradcheck_model: API, modes, kinks, float32, mutation, reports, errors.

The bug zoo (one test per classic backprop bug) and the no-false-failure
sweeps over MLPs are in test_gradcheck_zoo.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from course.gradcheck import GradcheckError, GradcheckResult, gradcheck, gradcheck_layer, gradcheck_model
from course.reference.layers import Linear, ReLU, Tanh
from course.reference.losses import mse_loss


def cube(x):
    return float(np.sum(x * x * x))  # x * x * x: several times faster than x**3 on large arrays


def dcube(x):
    return 3 * x**2


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


# ----------------------------------------------------------------------------
# the three kinds of function check
# ----------------------------------------------------------------------------

def test_gradient_passes_and_fails(rng):
    x = rng.normal(size=(3, 4))
    ok = gradcheck(cube, dcube, x)
    assert ok and ok.passed and isinstance(ok, GradcheckResult)
    assert ok.checks[0].mode == "exhaustive" and ok.evaluations >= 2 * x.size
    bad = gradcheck(cube, lambda x: 3 * x**2 + 1e-3, x)
    assert not bad and bad.failed == ["x"]


def test_scalar_to_scalar():
    assert gradcheck(np.sin, np.cos, 0.7)
    assert gradcheck(np.sin, lambda t: np.array([np.cos(t)]), 0.7)  # size-1 array is fine
    r = gradcheck(np.sin, lambda t: -np.cos(t), 0.7)
    assert not r and r.checks[0].diagnosis.name == "sign"


def test_jacobian_exhaustive(rng):
    A = rng.normal(size=(3, 4))
    x = rng.normal(size=4)
    assert gradcheck(lambda v: np.tanh(A @ v), lambda v: (1 - np.tanh(A @ v)[:, None] ** 2) * A, x)
    r = gradcheck(lambda v: A @ v, lambda v: A.T, x)  # (4, 3) instead of (3, 4)
    assert not r and r.checks[0].diagnosis.name == "shape" and "transpose" in r.checks[0].diagnosis.message
    W = rng.normal(size=(4, 4))
    r = gradcheck(lambda v: W @ v, lambda v: W.T, x)  # square: values transposed
    assert not r and r.checks[0].diagnosis.name == "transposed"


def test_jacobian_directional_localises_output_and_input(rng):
    A = rng.normal(size=(5, 300))
    x = rng.normal(size=300)
    assert gradcheck(lambda v: A @ v, lambda v: A, x, mode="directional")
    wrong = A.copy()
    wrong[2, 123] += 1.0
    r = gradcheck(lambda v: A @ v, lambda v: wrong, x)
    assert not r and r.checks[0].mode == "directional"
    assert [e.index for e in r.checks[0].entries] == [(2, 123)]


def test_jacobian_row_accepted_for_scalar_function(rng):
    x = rng.normal(size=3)
    assert gradcheck(cube, lambda v: dcube(v)[None, :], x)


def test_layer_check_covers_input_and_parameters(rng):
    layer = Linear(4, 3, rng=rng)
    r = gradcheck_layer(layer, rng.normal(size=(4, 5)))
    assert r and [c.name for c in r.checks] == ["x", "W", "b"]
    assert gradcheck_layer(Tanh(), rng.normal(size=(3, 5)))


def test_model_check_covers_loss_and_parameters(rng):
    from course.reference.mlp import MLP

    net = MLP([3, 5, 2], activation="tanh", rng=rng)
    X, Y = rng.normal(size=(3, 7)), rng.normal(size=(2, 7))
    r = gradcheck_model(net, X, Y, mse_loss)
    assert r and [c.name for c in r.checks] == ["dout", "0.W", "0.b", "2.W", "2.b"]


# ----------------------------------------------------------------------------
# modes and the directional check
# ----------------------------------------------------------------------------

def test_directional_on_tiny_inputs(rng):
    r = gradcheck(np.sin, lambda t: 2 * np.cos(t), 0.7, mode="directional")
    assert not r and r.checks[0].diagnosis.name == "factor"
    r = gradcheck(cube, lambda v: 1.5 * dcube(v), np.array([1.0, 2.0, 3.0]), mode="directional")
    assert not r and [e.index for e in r.checks[0].entries] == [(0,), (1,), (2,)]
    assert gradcheck(cube, dcube, np.array([2.0]), mode="directional")


def test_auto_mode_switches_at_100_entries(rng):
    assert gradcheck(cube, dcube, rng.normal(size=100)).checks[0].mode == "exhaustive"
    assert gradcheck(cube, dcube, rng.normal(size=101)).checks[0].mode == "directional"
    assert gradcheck(cube, dcube, rng.normal(size=101), mode="exhaustive").checks[0].mode == "exhaustive"
    assert gradcheck(cube, dcube, rng.normal(size=5), mode="directional").checks[0].mode == "directional"


def test_directional_is_cheap_and_finds_a_single_wrong_entry(rng):
    x = rng.normal(size=(200, 500))  # 100 000 entries

    def df(v):
        g = dcube(v)
        g[123, 321] *= 1.5
        return g

    assert gradcheck(cube, dcube, x).evaluations < 20
    r = gradcheck(cube, df, x)
    assert not r
    (entry,) = r.checks[0].entries
    assert entry.index == (123, 321)
    assert entry.numeric == pytest.approx(3 * x[123, 321] ** 2, rel=1e-6)
    assert entry.analytic == pytest.approx(1.5 * entry.numeric)
    assert r.evaluations < 400  # bisection, not 200 000 evaluations


def test_directional_tolerance_is_relative_to_the_whole_gradient(rng):
    """A wrong entry whose own contribution to <g, v> is far below rtol * |<g, v>|... still fails."""
    x = rng.normal(size=10_000)

    def df(v):
        g = dcube(v)
        g[7] += 0.05 * np.linalg.norm(g)  # shifts <g, v> by only 5e-4 ||g||
        return g

    r = gradcheck(cube, df, x)
    assert not r and [e.index for e in r.checks[0].entries] == [(7,)]


def test_equal_errors_do_not_cancel(rng):
    """Two equal wrong entries: with +-1/sqrt(n) directions they cancel in half of all directions
    (so all 3 directions miss them 1 time in 8); random magnitudes make that impossible."""
    x = rng.normal(size=10_000)
    for seed in range(20):
        i, j = np.random.default_rng(seed).choice(10_000, size=2, replace=False)

        def df(v, i=i, j=j):
            g = dcube(v)
            g[[i, j]] += 1.0
            return g

        r = gradcheck(cube, df, x, rng=np.random.default_rng(seed))
        assert not r, f"seed {seed}"
        assert sorted(e.index for e in r.checks[0].entries) == sorted([(int(i),), (int(j),)])
        assert r.checks[0].complete


def test_error_spread_over_everything_reports_at_most_five_entries(rng):
    x = rng.normal(size=5000)
    r = gradcheck(cube, lambda v: 2 * dcube(v), x)
    assert not r
    assert len(r.checks[0].entries) == 5
    assert r.checks[0].diagnosis.name == "factor" and "factor of 2" in r.checks[0].diagnosis.message


def test_directional_names_transpose_and_zeros(rng):
    M = rng.normal(size=(40, 40))
    f = lambda W: float(np.sum(M * W**2))  # noqa: E731
    assert gradcheck(f, lambda W: 2 * M * W, rng.normal(size=(40, 40)))
    r = gradcheck(f, lambda W: (2 * M * W).T, rng.normal(size=(40, 40)))
    assert r.checks[0].mode == "directional" and r.checks[0].diagnosis.name == "transposed"
    r = gradcheck(f, lambda W: np.zeros_like(W), rng.normal(size=(40, 40)))
    assert r.checks[0].diagnosis.name == "zeros"


def test_rng_makes_the_directions_reproducible(rng):
    x = rng.normal(size=500)
    a = gradcheck(cube, dcube, x, rng=np.random.default_rng(5))
    b = gradcheck(cube, dcube, x, rng=np.random.default_rng(5))
    assert [p[0] for p in a.checks[0].projections] == [p[0] for p in b.checks[0].projections]
    first = gradcheck(cube, dcube, x).checks[0].projections[0][0]
    assert gradcheck(cube, dcube, x).checks[0].projections[0][0] == first  # default rng is seeded


# ----------------------------------------------------------------------------
# kinks
# ----------------------------------------------------------------------------

def relu_sum(x):
    return float(np.sum(np.maximum(x, 0)))


def test_relu_at_zero_is_a_kink_not_an_error():
    x = np.array([0.0, 1.0, -2.0, 0.0])
    r = gradcheck(relu_sum, lambda v: (v > 0) * 1.0, x)
    assert r
    kinks = r.checks[0].kinks
    assert [k.index for k in kinks] == [(0,), (3,)]
    assert kinks[0].left == pytest.approx(0.0, abs=1e-6) and kinks[0].right == pytest.approx(1.0)
    assert "kink" in repr(r)


def test_any_subgradient_inside_the_kink_passes_but_outside_fails():
    x = np.array([0.0, 1.0])
    assert gradcheck(relu_sum, lambda v: np.where(v > 0, 1.0, 0.5 * (v == 0)), x)   # relu'(0) = 0.5
    r = gradcheck(relu_sum, lambda v: np.where(v > 0, 1.0, 2.0 * (v == 0)), x)       # relu'(0) = 2
    assert not r and r.checks[0].entries[0].index == (0,)
    r = gradcheck(relu_sum, lambda v: np.where(v > 0, 1.0, -1.0 * (v == 0)), x)      # relu'(0) = -1
    assert not r


def test_abs_at_zero_is_a_kink():
    r = gradcheck(lambda v: float(np.sum(np.abs(v))), np.sign, np.array([0.0, -3.0]))
    assert r and [k.index for k in r.checks[0].kinks] == [(0,)]
    assert r.checks[0].kinks[0].left == pytest.approx(-1.0) and r.checks[0].kinks[0].right == pytest.approx(1.0)


def test_max_with_a_tie_is_a_kink():
    def dmax(v):
        g = np.zeros_like(v)
        g[np.argmax(v)] = 1.0
        return g

    x = np.array([2.0, 5.0, 5.0, 1.0])
    r = gradcheck(lambda v: float(np.max(v)), dmax, x)
    assert r and {k.index for k in r.checks[0].kinks} == {(1,), (2,)}
    r = gradcheck(lambda v: float(np.max(v)), lambda v: np.array([0.0, 1.0, 1.0, 0.0]), x)
    assert r  # each tied entry alone has one-sided derivatives 0 and 1: 1 is a subgradient of each
    r = gradcheck(lambda v: float(np.max(v)), lambda v: np.array([0.0, 2.0, 0.0, 0.0]), x)
    assert not r


def test_kinks_in_directional_mode(rng):
    x = rng.normal(size=(30, 30))
    x[::3] = 0.0  # a third of the entries exactly at the kink: more than bisection separates
    r = gradcheck(relu_sum, lambda v: (v > 0) * 1.0, x, mode="directional")
    assert r.verdict == "cannot tell" and r.checks[0].mode == "directional" and r.checks[0].unsure_why == "kinks"
    r = gradcheck(relu_sum, lambda v: (v >= 0) * 1.0, x)  # relu'(0) = 1 is also a subgradient
    assert r and r.checks[0].mode == "exhaustive" and len(r.checks[0].kinks) == 300
    # relu'(0) = 2 is not a subgradient, but along a random direction through 300 kinks it can
    # still lie between the one-sided slopes: bisection through the kinks finds entries that are wrong
    wrong = lambda v: (v > 0) * 1.0 + 2.0 * (v == 0)  # noqa: E731
    for mode in ("auto", "directional"):
        r = gradcheck(relu_sum, wrong, x, mode=mode)
        assert r.verdict == "failed" and r.checks[0].entries, r.report()
        assert all(x[e.index] == 0.0 and e.analytic == 2.0 for e in r.checks[0].entries)
    r = gradcheck(relu_sum, wrong, x, mode="exhaustive")
    assert r.checks[0].n_wrong == 300


def test_relu_layer_with_inputs_at_zero(rng):
    x = rng.normal(size=(4, 6))
    x[0] = 0.0
    r = gradcheck_layer(ReLU(), x)
    assert r and r.checks[0].kinks


# ----------------------------------------------------------------------------
# float32
# ----------------------------------------------------------------------------

def test_float32_numeric_side_is_float64_and_the_report_says_so(rng):
    x32 = rng.normal(size=(3, 4)).astype(np.float32)
    seen = []

    def f(v):
        seen.append(v.dtype)
        return float(np.sum(np.tanh(v)))

    r = gradcheck(f, lambda v: (1 - np.tanh(v) ** 2).astype(np.float32), x32)
    assert r
    assert set(seen) == {np.dtype(np.float64)}
    assert any("float32" in n and "float64" in n for n in r.notes)
    assert "float32" in repr(r)
    assert x32.dtype == np.float32
    r = gradcheck(f, lambda v: (1 - np.tanh(v)).astype(np.float32), x32)
    assert not r


def test_float32_df_receives_float32(rng):
    x32 = rng.normal(size=4).astype(np.float32)
    seen = []

    def df(v):
        seen.append(v.dtype)
        return 3 * v**2

    assert gradcheck(cube, df, x32)
    assert seen == [np.dtype(np.float32)]


def test_function_computing_in_float32_is_recognised(rng):
    x = rng.normal(size=5)
    f32 = lambda v: np.float32(np.sum(v.astype(np.float32) ** 3))  # noqa: E731
    r = gradcheck(f32, dcube, x)
    assert r and any("evaluated in float32" in n for n in r.notes)
    assert not gradcheck(f32, lambda v: 1.01 * dcube(v), x)


def test_float32_layer_input_is_noted(rng):
    r = gradcheck_layer(Tanh(), rng.normal(size=(3, 4)).astype(np.float32))
    assert r and any("x is float32" in n and "float64" in n for n in r.notes)
    assert not any("float32" in n for n in gradcheck_layer(Tanh(), rng.normal(size=(3, 4))).notes)


def test_float32_layer_parameters(rng):
    layer = Linear(5, 4, rng=rng)
    layer.W = layer.W.astype(np.float32)
    layer.b = layer.b.astype(np.float32)
    r = gradcheck_layer(layer, rng.normal(size=(5, 3)))
    assert r, repr(r)
    assert layer.W.dtype == np.float32


# ----------------------------------------------------------------------------
# nothing passed in is modified; functions that modify their input are caught
# ----------------------------------------------------------------------------

def test_caller_arrays_untouched(rng):
    x = rng.normal(size=(3, 3))
    keep = x.copy()
    gradcheck(cube, dcube, x)
    gradcheck(cube, dcube, x, mode="directional")
    np.testing.assert_array_equal(x, keep)


def test_layer_parameters_restored_exactly(rng):
    layer = Linear(30, 20, rng=rng)  # 600 weights: directional + bisection when wrong
    W, b = layer.W.copy(), layer.b.copy()
    x = rng.normal(size=(30, 4))
    x_keep = x.copy()
    gradcheck_layer(layer, x)
    np.testing.assert_array_equal(layer.W, W)
    np.testing.assert_array_equal(layer.b, b)
    np.testing.assert_array_equal(x, x_keep)
    # the layer is left consistent: its cache and gradients belong to x
    assert layer.parameters()["W"] is layer.W


def test_parameters_restored_when_forward_raises_midway(rng):
    class Flaky(Linear):
        def forward(self, x):
            if not np.array_equal(self.W, W):  # a perturbed parameter: fail right now
                raise RuntimeError("learner bug")
            return super().forward(x)

    layer = Flaky(4, 3, rng=rng)
    W, b = layer.W.copy(), layer.b.copy()
    with pytest.raises(RuntimeError, match="learner bug"):
        gradcheck_layer(layer, rng.normal(size=(4, 2)))
    np.testing.assert_array_equal(layer.W, W)
    np.testing.assert_array_equal(layer.b, b)


def test_function_modifying_its_input_fails(rng):
    def sneaky(v):
        v -= 1.0
        return float(np.sum(v**2))

    x = rng.normal(size=4)
    keep = x.copy()
    r = gradcheck(sneaky, lambda v: 2 * (v - 1), x)
    assert not r and r.checks[0].diagnosis.name == "mutation"
    assert "modified its input" in repr(r)
    np.testing.assert_array_equal(x, keep)

    def sneaky_df(v):
        v[0] = 0.0
        return dcube(v)

    r = gradcheck(cube, sneaky_df, x)
    assert not r and "df: modified its input" in r.checks[0].diagnosis.message


def test_layer_modifying_input_or_dout_fails(rng):
    class InPlaceTanh(Tanh):
        def forward(self, x):
            x = np.asarray(x)
            np.tanh(x, out=x)  # overwrites the caller's array
            return x

    class InPlaceReLU(ReLU):
        def forward(self, x):
            self.mask = np.asarray(x) > 0
            return np.maximum(x, 0.0)

        def backward(self, dout):
            dout[~self.mask] = 0.0  # corrupts the upstream gradient array
            return dout

    r = gradcheck_layer(InPlaceTanh(), rng.normal(size=(2, 3)) * 0.5)
    assert not r and r.checks[0].diagnosis.name == "mutation" and "layer.forward" in repr(r)
    r = gradcheck_layer(InPlaceReLU(), rng.normal(size=(2, 3)))
    assert not r and "layer.backward: modified its input dout" in repr(r)


def test_backward_that_updates_parameters_fails(rng):
    class SelfUpdating(Linear):
        def backward(self, dout):
            dx = super().backward(dout)
            self.W -= 0.1 * self.dW
            return dx

    layer = SelfUpdating(3, 2, rng=rng)
    W = layer.W.copy()
    r = gradcheck_layer(layer, rng.normal(size=(3, 4)))
    assert not r and r.checks[0].diagnosis.name == "mutation" and "changed the parameter W" in repr(r)
    np.testing.assert_array_equal(layer.W, W)  # restored


# ----------------------------------------------------------------------------
# unusable analytic values become named failures
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("df, name", [
    (lambda v: None, "type"),
    (lambda v: "grad", "type"),
    (lambda v: np.ones(5), "shape"),
    (lambda v: np.full(v.shape, np.nan), "nonfinite"),
])
def test_unusable_gradients(rng, df, name):
    r = gradcheck(cube, df, rng.normal(size=(2, 3)))
    assert not r and r.checks[0].diagnosis.name == name and r.checks[0].mode == "not run"


def test_layer_missing_gradient(rng):
    class Forgetful(Linear):
        def gradients(self):
            return {"W": self.dW}

    r = gradcheck_layer(Forgetful(3, 2, rng=rng), rng.normal(size=(3, 4)))
    assert not r and r.failed == ["b"] and r.checks[-1].diagnosis.name == "missing"


# ----------------------------------------------------------------------------
# the report, raise_on_fail
# ----------------------------------------------------------------------------

def test_report_names_tensor_index_values_and_cause(rng):
    x = rng.normal(size=(3, 4))

    def df(v):
        g = dcube(v)
        g[1, 2] = -g[1, 2]
        return g

    text = repr(gradcheck(cube, df, x, name="W"))
    assert "FAILED" in text and "W" in text and "[1, 2]" in text
    assert f"{-3 * x[1, 2] ** 2:.6g}" in text and f"{3 * x[1, 2] ** 2:.6g}" in text
    assert "relative error 2" in text
    assert "likely cause" in text and "entry (1, 2)" in text


def test_report_at_most_20_lines(rng):
    from course.reference.mlp import MLP

    net = MLP([4, 6, 6, 6, 6, 6, 3], activation="tanh", rng=rng)
    for layer in net.layers[::2]:
        def broken(dout, layer=layer):
            dx = Linear.backward(layer, dout)
            layer.dW, layer.db = 2 * layer.dW, -layer.db
            return dx

        layer.backward = broken
    r = gradcheck_model(net, rng.normal(size=(4, 5)), rng.normal(size=(3, 5)), mse_loss)
    assert not r and len(r.failed) >= 10
    lines = repr(r).splitlines()
    assert len(lines) <= 20 and "more lines" in lines[-1]
    assert len(str(r).splitlines()) <= 20
    assert len(repr(gradcheck(cube, dcube, rng.normal(size=3))).splitlines()) <= 20


def test_html_report(rng):
    r = gradcheck(cube, lambda v: -dcube(v), rng.normal(size=3), name="<W>")
    page = r._repr_html_()
    assert page.startswith("<pre") and "FAILED" in page and "&lt;W&gt;" in page and "<W>" not in page


def test_raise_on_fail(rng):
    x = rng.normal(size=3)
    assert gradcheck(cube, dcube, x, raise_on_fail=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(cube, lambda v: -dcube(v), x, raise_on_fail=True)
    assert isinstance(info.value, AssertionError)
    assert "FAILED" in str(info.value) and "sign" in str(info.value)
    assert not info.value.result
    with pytest.raises(AssertionError):
        gradcheck_layer(Tanh(), rng.normal(size=(2, 2)), raise_on_fail=True) or None
        raise AssertionError("reached only if the correct layer passed")


# ----------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------

def test_bad_arguments(rng):
    x = rng.normal(size=3)
    with pytest.raises(TypeError, match="f: expected a callable.*got int"):
        gradcheck(3, dcube, x)
    with pytest.raises(TypeError, match="df: expected a callable.*got ndarray"):
        gradcheck(cube, np.ones(3), x)
    with pytest.raises(ValueError, match="x: expected finite"):
        gradcheck(cube, dcube, np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match="x: expected a real number"):
        gradcheck(cube, dcube, "abc")
    with pytest.raises(ValueError, match="x: expected at least one entry"):
        gradcheck(cube, dcube, np.zeros((0, 3)))
    with pytest.raises(ValueError, match="mode: expected one of"):
        gradcheck(cube, dcube, x, mode="fast")
    with pytest.raises(ValueError, match="rtol: expected a non-negative"):
        gradcheck(cube, dcube, x, rtol=-1.0)
    with pytest.raises(ValueError, match="atol"):
        gradcheck(cube, dcube, x, atol="0")
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator"):
        gradcheck(cube, dcube, x, rng=0)
    with pytest.raises(TypeError, match="layer: expected an object with methods"):
        gradcheck_layer(object(), x)
    with pytest.raises(TypeError, match="loss_fn: expected a callable"):
        gradcheck_model(Tanh(), rng.normal(size=(2, 2)), None, "mse")
    with pytest.raises(TypeError, match=r"loss_fn: expected it to return \(loss, dout\)"):
        gradcheck_model(Tanh(), rng.normal(size=(2, 2)), None, lambda out, y: 1.0)
    with pytest.raises(ValueError, match="f: returned NaN"):
        gradcheck(lambda v: np.nan, dcube, x)


def test_explicit_tolerances_are_used(rng):
    x = rng.normal(size=4)
    almost = lambda v: dcube(v) * (1 + 1e-4)  # noqa: E731
    assert not gradcheck(cube, almost, x)
    assert gradcheck(cube, almost, x, rtol=1e-3)


# ----------------------------------------------------------------------------------------------
# elementwise f with df returning f'(x) in the shape of x (the diagonal Jacobian)
# ----------------------------------------------------------------------------------------------


def test_elementwise_derivative_in_the_shape_of_x_is_checked_as_a_diagonal_jacobian():
    x = np.linspace(-2, 2, 7).reshape(7, 1)
    result = gradcheck(np.tanh, lambda v: 1 - np.tanh(v) ** 2, x)
    assert result
    assert "elementwise derivative" in repr(result)


@pytest.mark.parametrize("wrong", [
    lambda v: 1 - np.tanh(v),            # tanh' written as 1 - tanh
    lambda v: -(1 - np.tanh(v) ** 2),    # sign flipped
    lambda v: np.zeros_like(v),          # never written
])
def test_wrong_elementwise_derivatives_are_rejected(wrong):
    assert not gradcheck(np.tanh, wrong, np.linspace(-2, 2, 7))


def test_an_elementwise_looking_df_for_a_coupled_f_is_rejected():
    from course.reference.functions import softmax

    x = np.linspace(-1, 1, 5)
    assert not gradcheck(softmax, lambda v: softmax(v) * (1 - softmax(v)), x)


def test_elementwise_derivative_of_a_huge_x_is_refused_with_a_message():
    result = gradcheck(np.tanh, lambda v: 1 - np.tanh(v) ** 2, np.linspace(-2, 2, 3000))
    assert not result
    assert "at most 2000" in repr(result)
