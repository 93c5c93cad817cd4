"""Step 1 of a gradient check (course/gradcheck/prepare.py) and the choice of "auto" mode for a
layer or model (course/gradcheck/run.py): the tests that kill their mutants.

What they prove, through gradcheck, gradcheck_layer and gradcheck_model: a layer or model that
breaks the protocol gets a TypeError/ValueError that names the object, the method, the key and
what was wrong; the gradients are copied when taken, so a backward that adds to its gradient
arrays in place is still caught; the warm-up forward gets an input of x's shape and scale; the
float32 detection probes f just above x (within 1e-3 of max(1, |x|)) and tells "cannot tell" from
"float32"; a layer whose tensors have more than 1000 entries in all (not 1000) is screened along
one joint direction in "auto" mode only. tests/MUTANTS.md lists the mutants each test was
written against.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from course.gradcheck import gradcheck, gradcheck_layer, gradcheck_model
from course.reference.layers import Linear
from course.reference.losses import mse_loss

from layer_doubles import Chain
from test_mutants_gradcheck import cube, dcube

F32_NOTE = "computes in float32"


# ----------------------------------------------------------------------------
# the Layer protocol: messages that name what is wrong
# ----------------------------------------------------------------------------

class _Stub:
    """A layer-like object: forward is the identity, the other methods return what it was given."""

    def __init__(self, params=None, grads=None):
        self._params = {} if params is None else params
        self._grads = {} if grads is None else grads

    def forward(self, x):
        return np.array(x, dtype=np.float64)

    def backward(self, dout):
        return np.array(dout, dtype=np.float64)

    def parameters(self):
        return self._params

    def gradients(self):
        return self._grads


def _run(kind, obj):
    """gradcheck_layer or gradcheck_model of ``obj`` on a small batch."""
    x = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    if kind == "layer":
        return gradcheck_layer(obj, x)
    return gradcheck_model(obj, x, np.zeros((2, 3)), mse_loss)


class OnlyForward:
    def forward(self, x):
        return x


class ForwardBackward(OnlyForward):
    def backward(self, dout):
        return dout


class NoGradients(ForwardBackward):
    def parameters(self):
        return {}


@pytest.mark.parametrize("kind", ["layer", "model"])
@pytest.mark.parametrize("cls, missing", [(OnlyForward, "backward, parameters, gradients"),
                                          (ForwardBackward, "parameters, gradients"),
                                          (NoGradients, "gradients")])
def test_an_object_without_the_layer_protocol_is_refused_naming_its_class_and_every_missing_method(
        kind, cls, missing):
    """The TypeError names the object's class (not NoneType) and lists the missing methods, ", "-separated."""
    with pytest.raises(TypeError) as exc:
        _run(kind, cls())
    assert str(exc.value) == (f"{kind}: expected an object with methods forward, backward, parameters and "
                              f"gradients (the Layer protocol), got {cls.__name__} without {missing}")


@pytest.mark.parametrize("kind", ["layer", "model"])
@pytest.mark.parametrize("params, error, message", [
    ([np.ones(2)], TypeError, "{kind}.parameters(): expected a dict of arrays, got list"),
    ((), TypeError, "{kind}.parameters(): expected a dict of arrays, got tuple"),
    ({"W": [1.0, 2.0]}, TypeError,
     "{kind}.parameters()['W']: expected a float ndarray (the live parameter), got list"),
    ({"W": 1.5}, TypeError, "{kind}.parameters()['W']: expected a float ndarray (the live parameter), got float"),
    ({"b": np.ones(3), "W": np.arange(4)}, TypeError,
     "{kind}.parameters()['W']: expected a float ndarray (the live parameter), got ndarray of dtype int64"),
    ({"W": np.array([True, False])}, TypeError,
     "{kind}.parameters()['W']: expected a float ndarray (the live parameter), got ndarray of dtype bool"),
    ({"W": np.array([1.0, np.nan])}, ValueError, "{kind}.parameters()['W']: expected finite values, got NaN or inf"),
    ({"b": np.ones(1), "W": np.array([[np.inf]])}, ValueError,
     "{kind}.parameters()['W']: expected finite values, got NaN or inf"),
], ids=["list", "tuple", "list-value", "float-value", "int-array", "bool-array", "nan", "inf"])
def test_parameters_that_are_not_finite_float_arrays_in_a_dict_are_refused_by_name(kind, params, error, message):
    """Every refusal names the object, the key and what the value is (its type, and dtype for an array)."""
    with pytest.raises(error) as exc:
        _run(kind, _Stub(params=params))
    assert type(exc.value) is error
    assert str(exc.value) == message.format(kind=kind)


@pytest.mark.parametrize("grads, shown", [([np.ones(2)], "list"), (None, "NoneType"), ("dW", "str")])
def test_gradients_that_are_not_a_dict_are_refused_naming_their_type(grads, shown):
    """gradients() must return a dict; the TypeError names the layer's method and the type it got."""
    stub = _Stub(params={"W": np.ones((2, 2))})
    stub._grads = grads
    with pytest.raises(TypeError) as exc:
        _run("layer", stub)
    assert str(exc.value) == f"layer.gradients(): expected a dict of arrays, got {shown}"


# ----------------------------------------------------------------------------
# gradients are copied when taken
# ----------------------------------------------------------------------------

class InPlaceAccumulatingLinear(Linear):
    """dW and db allocated once and added to in place (``self.dW += ...``): right the first time only."""

    def backward(self, dout):
        if self.dW is None:
            self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)
        self.dW += dout @ self._a.T
        self.db += dout.sum(axis=1, keepdims=True)
        return self.W.T @ dout


def test_a_backward_that_adds_to_its_gradient_arrays_in_place_fails_as_accumulating():
    """The first gradients are copied when taken: the second backward, writing into the same arrays,
    cannot change them, so the 2x gradients of the second run are seen (a live view would be 2x too)."""
    rng = np.random.default_rng(0)
    r = gradcheck_layer(InPlaceAccumulatingLinear(3, 2, rng=rng), rng.normal(size=(3, 4)))
    assert r.failed == ["W", "b"]
    for c in r.checks[1:]:
        assert c.diagnosis.name == "accumulates" and "2 times" in c.diagnosis.message


class ForgetsdW(Linear):
    """backward sets db but leaves dW None in gradients()."""

    def gradients(self):
        return {"W": None, "b": self.db}


def test_a_gradient_left_none_is_reported_as_none():
    """A None gradient is passed on as None (not wrapped in an array), so the report says it is None."""
    rng = np.random.default_rng(1)
    r = gradcheck_layer(ForgetsdW(3, 2, rng=rng), rng.normal(size=(3, 4)))
    assert r.failed == ["W"]
    d = r.checks[1].diagnosis
    assert d.name == "type" and "is None" in d.message and "ndarray" not in d.message


# ----------------------------------------------------------------------------
# the warm-up input
# ----------------------------------------------------------------------------

class RecordingLinear(Linear):
    """A Linear layer that keeps a copy of every input its forward is given."""

    def forward(self, x):
        self.seen = getattr(self, "seen", []) + [np.array(x, dtype=np.float64)]
        return super().forward(x)


@pytest.mark.parametrize("scale", [1e-3, 0.1, 0.7, 3.0, 1e3])
def test_the_warm_up_forward_gets_another_input_of_the_shape_and_scale_of_x(scale):
    """The first forward (before forward(x)) is at an input of x's shape, different from x, whose root
    mean square is max(1, rms(x)) up to sampling error (600 normal entries: within 15 %)."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(20, 30)) * scale
    layer = RecordingLinear(20, 2, rng=rng)
    assert gradcheck_layer(layer, x)
    warm = layer.seen[0]
    assert warm.shape == x.shape and not np.allclose(warm, x)
    np.testing.assert_array_equal(layer.seen[1], x)
    want = max(1.0, float(np.sqrt(np.mean(x**2))))
    assert 0.85 < float(np.sqrt(np.mean(warm**2))) / want < 1.15


class ZeroWidth:
    """A layer with no outputs: (n, m) -> (0, m), as a pruned layer might be."""

    def forward(self, x):
        self.shape = x.shape
        return np.zeros((0, x.shape[1]))

    def backward(self, dout):
        return np.zeros(self.shape)

    def parameters(self):
        return {}

    def gradients(self):
        return {}


class DoubledBias:
    """out = b for every example, whatever the (possibly empty) input; backward gives 2 db."""

    def __init__(self):
        self.b = np.array([[0.1], [-0.3]])

    def forward(self, x):
        self.shape = x.shape
        return np.zeros((2, x.shape[1])) + self.b

    def backward(self, dout):
        self.db = 2 * dout.sum(axis=1, keepdims=True)
        return np.zeros(self.shape)

    def parameters(self):
        return {"b": self.b}

    def gradients(self):
        return {"b": self.db}


def test_a_layer_after_a_zero_width_one_is_checked_alone_without_numpy_warnings():
    """Locating the wrong 1.b checks layers[1] alone at its input, an empty (0, m) batch; its warm-up
    input is then empty too, with no mean of an empty array (a RuntimeWarning) taken for its scale."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = gradcheck_model(Chain(ZeroWidth(), DoubledBias()), np.ones((3, 4)), np.zeros((2, 4)), mse_loss)
    assert r.failed == ["1.b"]
    assert "factor of 2" in r.checks[1].diagnosis.message


# ----------------------------------------------------------------------------
# float32 work returned as float64: the probe at a nearby point
# ----------------------------------------------------------------------------

def test_the_float32_probe_is_just_above_x_in_every_entry_and_has_the_shape_of_x():
    """f is probed once with every entry moved: up, by 1e-4 to 1e-3 of max(1, |x_i|) (far enough not
    to be lost in rounding, near enough to stay where f is defined), at an x of any shape."""
    x = np.array([[3.0, -40.0], [0.2, -0.5]])
    calls = []

    def f(v):
        calls.append(np.array(v, copy=True))
        return float(np.sum(v.astype(np.float32) ** 2))

    r = gradcheck(f, lambda v: 2 * v, x, mode="exhaustive")
    assert any(F32_NOTE in n for n in r.notes), r.notes
    moved = [v for v in calls if v.shape == x.shape and np.all(v != x)]
    assert len(moved) == 1, f"{len(moved)} calls moved every entry"
    rel = (moved[0] - x) / np.maximum(1.0, np.abs(x))
    assert np.all(rel >= 1e-4) and np.all(rel <= 1e-3), rel


def test_float64_work_at_a_large_x_with_a_float32_value_is_not_taken_for_float32():
    """sum(x**2) at x = (2^30, 2^31) is 5 * 2^60, a float32 number; the probe near x moves by a
    relative 1e-3, not by 1e-3 / |x| (which 2^30 would round away), so f is seen to be float64."""
    x = np.array([2.0**30, 2.0**31])
    r = gradcheck(lambda v: float(np.sum(v**2)), lambda v: 2 * v, x)
    assert r, r.report()
    assert not any("float32" in n for n in r.notes), r.notes


def test_a_function_that_cannot_be_evaluated_near_x_is_not_taken_for_float32():
    """sqrt(c - sum(x)) is 2^-5 at x, a float32 number by accident, and undefined at the nearby probe
    point (a domain error): "cannot tell" is not "float32", so f is checked in float64 and passes."""
    x = np.array([0.5, 0.25, 0.25])
    c = 1.0 + 2.0**-10

    def f(v):
        return math.sqrt(c - float(np.sum(v)))

    r = gradcheck(f, lambda v: np.full(v.shape, -0.5 / f(v)), x, mode="exhaustive")
    assert r, r.report()
    assert not any("float32" in n for n in r.notes), r.notes


@pytest.mark.parametrize("elsewhere, shown", [({"loss": 0.5}, "dict"), ("n/a", "str")])
def test_f_returning_a_non_number_away_from_x_gets_gradchecks_own_message(elsewhere, shown):
    """f(x) is 0.5 (a float32 number) but f returns a non-number anywhere else: the float32 probe
    cannot tell, and the error is gradcheck's, naming f and where, not one from numpy's conversion."""
    x = np.array([0.3, 0.6])

    def f(v):
        return 0.5 if np.array_equal(v, x) else elsewhere

    with pytest.raises(TypeError) as exc:
        gradcheck(f, lambda v: np.zeros_like(v), x)
    assert str(exc.value) == f"f: expected it to return a number or numeric array, got {shown} at a perturbed x"


# ----------------------------------------------------------------------------
# "auto" on a layer: more than 1000 entries in all are screened jointly first
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("m, screened", [(919, False), (920, False), (921, True)])
def test_auto_screens_a_layer_jointly_only_above_1000_entries_in_all(m, screened):
    """Linear(1, 40) on a (1, m) batch has 40 + 40 + m entries in all: at 1000 the 40-entry W and b are
    still checked entry by entry, at 1001 they pass along one joint direction; x always goes directional."""
    rng = np.random.default_rng(3)
    r = gradcheck_layer(Linear(1, 40, rng=rng), rng.normal(size=(1, m)))
    assert r, r.report()
    x, W, b = r.checks
    assert (x.name, W.name, b.name) == ("x", "W", "b")
    assert x.mode == "directional"  # more than 100 entries: along random directions, screened or not
    assert W.mode == b.mode == ("directional" if screened else "exhaustive")
    assert ("together" in r.checks[1].note) == screened


@pytest.mark.parametrize("mode", ["exhaustive", "directional"])
def test_an_explicit_mode_is_kept_on_a_layer_of_more_than_1000_entries(mode):
    """mode="exhaustive" or "directional" is not turned into the "auto" screening, however large the layer."""
    rng = np.random.default_rng(4)
    r = gradcheck_layer(Linear(30, 30, rng=rng), rng.normal(size=(30, 3)), mode=mode)  # 1020 entries
    assert r, r.report()
    assert [c.mode for c in r.checks] == [mode] * 3
    assert not any("together" in c.note for c in r.checks)


# ----------------------------------------------------------------------------
# options: messages, the limits of rtol and atol, rng=None
# ----------------------------------------------------------------------------

def test_an_unknown_mode_is_refused_listing_the_modes():
    """The ValueError lists the three modes, quoted and ", "-separated, and the mode given."""
    with pytest.raises(ValueError) as exc:
        gradcheck(cube, dcube, np.ones(3), mode="fast")
    assert str(exc.value) == "mode: expected one of 'auto', 'directional', 'exhaustive', got 'fast'"


@pytest.mark.parametrize("label", ["rtol", "atol"])
@pytest.mark.parametrize("value, shown", [(-1.0, "-1.0"), (np.float64(-2.5), "-2.5"), (np.float32(-0.5), "-0.5"),
                                          (True, "True"), ("0", "'0'"), ([1e-9], "[1e-09]"),
                                          (float("nan"), "nan")])
def test_a_tolerance_that_is_not_a_non_negative_number_is_refused_showing_it_plainly(label, value, shown):
    """The ValueError names the option and shows the value as a plain Python value (-2.5, not np.float64(-2.5))."""
    with pytest.raises(ValueError) as exc:
        gradcheck(cube, dcube, np.ones(3), **{label: value})
    assert str(exc.value) == f"{label}: expected a non-negative number, got {shown}"


@pytest.mark.parametrize("rtol, atol", [(0.0, 1e-9), (0, 1e-9), (1e-6, 0.0), (None, 0), (0.0, 0.0)])
def test_zero_tolerances_are_accepted(rtol, atol):
    """0 is a non-negative number: accepted for either tolerance, and the check runs."""
    r = gradcheck(lambda v: float(np.sum(2.0 * v)), lambda v: np.full(v.shape, 2.0), np.ones(4),
                  rtol=rtol, atol=atol, mode="exhaustive")
    assert r.checks[0].mode == "exhaustive"


def test_rng_none_is_default_rng_0():
    """Without rng, a directional check uses np.random.default_rng(0): the same points every time, the
    points of rng=default_rng(0), and not those of another seed."""
    def points(rng):
        calls = []

        def f(v):
            calls.append(np.array(v, copy=True))
            return cube(v)

        assert gradcheck(f, dcube, np.linspace(-1.0, 1.0, 200), rng=rng)
        return np.array(calls)

    none = points(None)
    np.testing.assert_array_equal(none, points(None))
    np.testing.assert_array_equal(none, points(np.random.default_rng(0)))
    other = points(np.random.default_rng(1))
    assert none.shape != other.shape or not np.array_equal(none, other)


# ----------------------------------------------------------------------------
# rtol: an explicit one is kept, whatever the precision
# ----------------------------------------------------------------------------

def _tanh_sq(v):
    return float(np.sum(np.tanh(v) ** 2))


def _tanh_sq_grad(v):
    return 2 * np.tanh(v) * (1 - np.tanh(v) ** 2)


def _tanh_sq_f32(v):
    return float(np.sum(np.tanh(v.astype(np.float32)) ** 2))


_PRECISIONS = {  # f, df, the default rtol, the note that names the precision (None: float64 throughout)
    "float64": (_tanh_sq, _tanh_sq_grad, 1e-6, None),
    "float32 analytic": (_tanh_sq, lambda v: _tanh_sq_grad(v).astype(np.float32), 1e-4, "analytic gradient"),
    "float32 function": (_tanh_sq_f32, _tanh_sq_grad, 1e-3, "is evaluated in float32"),
}


@pytest.mark.parametrize("precision", list(_PRECISIONS))
@pytest.mark.parametrize("factor", [10.0, 30.0])
def test_an_explicit_rtol_is_kept_at_every_precision(precision, factor):
    """A gradient off by a relative e = 2 * default rtol fails by default and passes with rtol = factor * e;
    the float32 note states the rtol used."""
    f, df, default, note = _PRECISIONS[precision]
    x = np.linspace(-1.5, 1.5, 8)
    e = 2 * default
    off = lambda v: df(v) * np.asarray(1 + e, dtype=np.asarray(df(v)).dtype)  # noqa: E731
    assert gradcheck(f, df, x)
    assert not gradcheck(f, off, x)
    rtol = factor * e
    r = gradcheck(f, off, x, rtol=rtol)
    assert r, r.report()
    if note is not None:
        [text] = [n for n in r.notes if note in n]
        assert f"rtol={rtol:.0e}" in text, text
    else:
        assert not any("rtol=" in n for n in r.notes), r.notes


def test_values_beyond_float32s_range_are_checked_without_an_overflow_warning():
    """exp(v) near 700 is ~1e304, no float32 number: the float32 test rounds it to float32 (inf) silently."""
    x = np.array([700.0, 701.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = gradcheck(lambda v: float(np.sum(np.exp(v))), np.exp, x)
    assert r, r.report()
    assert not any("float32" in n for n in r.notes)


# ----------------------------------------------------------------------------
# analytic gradients: the shapes accepted, and a failed check naming the problem otherwise
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("x, df", [
    (np.float64(0.5), lambda v: 3 * v**2),                        # 0-d for a 0-d x
    (np.float64(0.5), lambda v: [3 * float(v) ** 2]),             # one entry, shape (1,), for a 0-d x
    (np.float64(0.5), lambda v: np.full((1, 1), 3 * float(v) ** 2)),
    (np.array([0.5]), lambda v: float(3 * v[0] ** 2)),            # a Python float for a 1-entry x
    (np.array([0.5]), lambda v: (3 * v**2).reshape(1, 1)),
    (np.array([1.0, -2.0, 0.5]), lambda v: (3 * v**2)[None, :]),  # the (1, n) Jacobian row of a scalar f
], ids=["0d-0d", "0d-(1,)", "0d-(1,1)", "(1,)-float", "(1,)-(1,1)", "(3,)-(1,3)"])
def test_a_gradient_with_the_same_entries_in_an_accepted_shape_passes(x, df):
    """One entry fits a one-entry x in any shape; a scalar f's gradient may be its (1, n) Jacobian row."""
    r = gradcheck(cube, df, x)
    assert r, r.report()


@pytest.mark.parametrize("x, df, message", [
    (np.ones(3), lambda v: 2.0, "The gradient for x has shape () but should have shape (3,)."),
    (np.ones(3), lambda v: np.ones(1), "The gradient for x has shape (1,) but should have shape (3,)."),
    (np.array([0.5]), lambda v: np.ones(2), "The gradient for x has shape (2,) but should have shape (1,)."),
    (np.array([0.5]), lambda v: np.ones(3), "The gradient for x has shape (3,) but should have shape (1,)."),
    (np.float64(0.5), lambda v: np.ones(2), "The gradient for x has shape (2,) but should have shape (): "
     "it should be a single number (did you forget to sum?)."),
    (np.ones(3), lambda v: np.ones(2), "The gradient for x has shape (2,) but should have shape (3,)."),
    (np.ones(3), lambda v: [[1.0, 2.0], [3.0]], "The gradient for x is a list, not a number or numeric array."),
], ids=["scalar-for-3", "(1,)-for-3", "2-for-1", "3-for-1", "2-for-0d", "2-for-3", "ragged"])
def test_a_gradient_of_another_size_or_a_ragged_one_is_a_failed_check_naming_it(x, df, message):
    """Only one entry fits one entry: a gradient with a different number of entries (or a ragged
    list, which is no array at all) is a failed check with the shape or type named, not a crash."""
    r = gradcheck(cube, df, x)
    assert not r
    c = r.checks[0]
    assert c.mode == "not run" and c.diagnosis.message == message
