"""Tests that kill the surviving mutants of course.gradcheck.parameters: how gradcheck_layer checks a
layer's parameter tensors.

* ``accumulating``: a second forward/backward that does not reproduce a gradient (doubled, off by a
  little, tiny, not proportional, of another shape, or missing) is named exactly, and only then;
* ``phi_param`` / ``phi_entry``: a forward that returns junk, NaN or changes its input at perturbed
  parameters is named as ``layer.forward``, along directions and entry by entry; a non-contiguous
  parameter is still perturbed in place;
* ``check_tensors``: the float32 rules (parameters stored in float32, gradients in float32), the
  points rounded to the parameter's dtype, a missing gradient, the forward calls spent, an ``x``
  holding NaN that forward left alone (not a modified input);
* ``screen`` / ``screen_jointly``: the joint check of a large layer is float64-only (no forward spent
  on it for float32 parameters), only for parameters in ``gradients()``, and gives way to the check
  of each tensor when a gradient cannot be used.

See tests/MUTANTS.md.
"""
from __future__ import annotations

import numpy as np
import pytest

from course import Linear, gradcheck_layer
from course.gradcheck.parameters import check_tensors, fast_path, phi_param, screen, screen_jointly
from course.gradcheck.report import GradcheckResult

from layer_doubles import CountingLinear

JOINT_NOTE = "checked together with the other parameters along one random direction"
ACCUMULATES = ("layer.gradients()[{key!r}] after a second forward(x), backward(dout) with the same x and dout "
               "{how}: backward adds to the gradient (e.g. dW += ...) instead of setting it (dW = ...); each "
               "backward must overwrite the gradients of the last one.")


def batch(scale=1.0, shape=(3, 4), seed=1):
    return scale * np.random.default_rng(seed).normal(size=shape)


# ----------------------------------------------------------------------------
# accumulating: what a second forward/backward must reproduce
# ----------------------------------------------------------------------------

class Rebackward(Linear):
    """Honest on the first backward; each later one replaces dW / db by ``again[key](honest value)``."""

    def __init__(self, again, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.again, self.backwards = again, 0

    def backward(self, dout):
        dx = super().backward(dout)
        self.backwards += 1
        if self.backwards > 1:
            self.dW = self.again.get("W", lambda g: g)(self.dW)
            self.db = self.again.get("b", lambda g: g)(self.db)
        return dx

    def gradients(self):
        return {"W": self.dW, "b": self.db}


def accumulated(again, x):
    """``{name: message}`` of the checks replaced by "backward run twice", and the result."""
    result = gradcheck_layer(Rebackward(again, 3, 2, rng=np.random.default_rng(0)), x)
    found = {c.name: c.diagnosis.message for c in result.checks if c.mode == "backward run twice"}
    for c in result.checks:
        if c.name in found:
            assert (c.passed, c.diagnosis.name, c.shape) == (False, "accumulates", (2, 3) if c.name == "W" else (2, 1))
    return found, result


def _alternate(g):
    """``g`` with every other entry times 1.5: not a multiple of ``g``."""
    return g * np.where(np.arange(g.size).reshape(g.shape) % 2, 1.5, 1.0)


def test_a_tiny_gradient_that_doubles_is_named_2_times_the_first():
    """dW ~ 1e-14 (tiny x): doubling it is still seen (the tolerance is relative to dW itself,
    no absolute floor), and the factor is the least-squares ratio even for a tiny |dW|^2."""
    found, _ = accumulated({"W": lambda g: 2 * g}, batch(1e-14))
    assert found == {"W": ACCUMULATES.format(key="W", how="is 2 times the first one")}


@pytest.mark.parametrize("scale", [1e-10, 0.1])
def test_a_gradient_that_changes_but_not_by_a_factor_differs_from_the_first(scale):
    """Every other entry of dW times 1.5: no factor fits, at the scale of dW (no absolute floor of
    1e-8 or 1, no relative slack of 100 %)."""
    found, _ = accumulated({"W": _alternate}, batch(scale))
    assert found == {"W": ACCUMULATES.format(key="W", how="differs from the first one")}


def test_a_gradient_twice_the_first_but_for_one_entry_off_by_5e_6_differs():
    """A factor must fit every entry within 1e-6: 2 dW with its smallest entry off by 5e-6 differs."""
    def almost_twice(g):
        out = 2 * g
        k = np.unravel_index(np.argmin(np.abs(g)), g.shape)
        out[k] *= 1 + 5e-6
        return out

    found, _ = accumulated({"W": almost_twice}, batch())
    assert found == {"W": ACCUMULATES.format(key="W", how="differs from the first one")}


def test_a_gradient_off_by_1e_7_accumulates_one_off_by_1e_11_does_not():
    """The second gradient must equal the first within 1e-9 (relative): dW off by 1e-7 is named
    (about 1 times the first one); off by 1e-11 (rounding) it is not, and the next one is still checked."""
    found, _ = accumulated({"W": lambda g: g * (1 + 1e-7)}, batch())
    assert found == {"W": ACCUMULATES.format(key="W", how="is 1 times the first one")}
    found, result = accumulated({"W": lambda g: g * (1 + 1e-11), "b": lambda g: 2 * g}, batch())
    assert found == {"b": ACCUMULATES.format(key="b", how="is 2 times the first one")}
    assert result.checks[1].name == "W" and result.checks[1].passed


@pytest.mark.parametrize("second", [lambda g: None, lambda g: g.T.copy(), lambda g: g.tolist()])
def test_a_gradient_that_is_gone_or_of_another_shape_the_second_time_is_skipped_not_the_next(second):
    found, result = accumulated({"W": second, "b": lambda g: 2 * g}, batch())
    assert found == {"b": ACCUMULATES.format(key="b", how="is 2 times the first one")}
    W = result.checks[1]
    assert (W.name, W.mode, W.passed) == ("W", "exhaustive", True)


class TextGradient(Linear):
    """A gradient for W that is an array of strings, the same every time."""

    def gradients(self):
        return {"W": np.array([["oops"] * 3] * 2), "b": self.db}


def test_a_gradient_of_strings_is_a_failed_check_not_an_error_when_backward_runs_twice():
    result = gradcheck_layer(TextGradient(3, 2, rng=np.random.default_rng(0)), batch())
    x, W, b = result.checks
    assert (x.passed, W.passed, W.mode, b.passed) == (True, False, "not run", True)
    assert W.diagnosis.name == "type"


class ListGradientsLater(Linear):
    """gradients() is a dict the first time, a list after that."""

    calls = 0

    def gradients(self):
        self.calls += 1
        return super().gradients() if self.calls == 1 else [self.dW]


def test_gradients_that_are_no_dict_after_the_second_backward_are_refused_as_the_layers():
    with pytest.raises(TypeError, match=r"^layer\.gradients\(\): expected a dict of arrays, got list$"):
        gradcheck_layer(ListGradientsLater(3, 2, rng=np.random.default_rng(0)), batch())


# ----------------------------------------------------------------------------
# phi_param / phi_entry: the forward at perturbed parameters
# ----------------------------------------------------------------------------

class JunkWhenWMoves(Linear):
    """A forward that returns ``junk`` (None, NaN) once W differs from the W it was built with;
    ``times`` such forwards at most (then it is honest)."""

    def __init__(self, junk, *args, times=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.junk, self.times, self._W0 = junk, times, self.W.copy()

    def forward(self, x):
        out = super().forward(x)
        if np.array_equal(self.W, self._W0) or self.times == 0:
            return out
        if self.times is not None:
            self.times -= 1
        return None if self.junk is None else np.full_like(out, self.junk)


def test_a_forward_returning_none_at_perturbed_parameters_along_a_direction_is_named():
    with pytest.raises(TypeError, match=r"^layer\.forward: expected it to return a number or numeric array, "
                                        r"got NoneType at perturbed parameters$"):
        gradcheck_layer(JunkWhenWMoves(None, 3, 2, rng=np.random.default_rng(0)), batch(), mode="directional")


@pytest.mark.parametrize("times", [None, 1])
@pytest.mark.parametrize("mode", ["exhaustive", "directional"])
def test_a_forward_returning_nan_at_perturbed_parameters_is_named_even_once(times, mode):
    """NaN at a perturbed W, every time or only the first time: named at once, never retried."""
    layer = JunkWhenWMoves(np.nan, 3, 2, times=times, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"^layer\.forward: returned NaN or inf at perturbed parameters; "
                                         r"finite differences need finite values$"):
        gradcheck_layer(layer, batch(), mode=mode)


class LastRowIgnored:
    """``W @ x[:-1] + b``: the last row of x is not used; forward adds 1 to x[-1, 0] in place
    whenever W differs from the W it was built with (so the outputs stay right)."""

    def __init__(self):
        rng = np.random.default_rng(0)
        self.W, self.b = rng.normal(size=(2, 3)), rng.normal(size=(2, 1))
        self._W0 = self.W.copy()

    def forward(self, x):
        self.x = x[:-1].copy()
        out = self.W @ self.x + self.b
        if not np.array_equal(self.W, self._W0):
            x[-1, 0] += 1.0
        return out

    def backward(self, dout):
        self.dW, self.db = dout @ self.x.T, dout.sum(axis=1, keepdims=True)
        return np.vstack([self.W.T @ dout, np.zeros((1, dout.shape[1]))])

    def parameters(self):
        return {"W": self.W, "b": self.b}

    def gradients(self):
        return {"W": self.dW, "b": self.db}


def test_a_forward_changing_x_at_perturbed_parameters_entry_by_entry_is_named_after_the_tensor():
    """Entry by entry, x is passed as it is and checked once after the tensor."""
    result = gradcheck_layer(LastRowIgnored(), batch(shape=(4, 3)))
    x, b = result.checks[0], result.checks[-1]
    (W,) = [c for c in result.checks if c.mode == "not run"]
    assert (x.passed, b.passed, b.mode) == (True, True, "exhaustive")
    assert (W.name, W.mode, W.passed, W.diagnosis.name) == ("W", "not run", False, "mutation")
    assert W.diagnosis.message == ("layer.forward: modified its input x in place; a forward pass must leave its "
                                   "input unchanged (work on a copy, avoid +=)")


def test_a_forward_changing_x_at_perturbed_parameters_is_one_failed_check_of_that_parameter():
    """Bug fixed: the check of W was kept as well as its failed "mutation" check (W reported both ok
    and wrong, 4 checks for 3 tensors)."""
    result = gradcheck_layer(LastRowIgnored(), batch(shape=(4, 3)))
    assert [(c.name, c.mode, c.passed) for c in result.checks] == [
        ("x", "exhaustive", True), ("W", "not run", False), ("b", "exhaustive", True)]
    assert str(result).startswith("gradcheck_layer(LastRowIgnored) FAILED: W wrong (1 of 3 tensors;")
    assert "ok: x (exhaustive), b (exhaustive);" in str(result)


def test_a_forward_changing_x_at_perturbed_parameters_along_a_direction_is_named_with_the_entry():
    X = batch(shape=(4, 3))
    result = gradcheck_layer(LastRowIgnored(), X, mode="directional")
    x, W, b = result.checks
    assert (x.passed, b.passed) == (True, True)
    assert (W.name, W.mode, W.passed, W.diagnosis.name) == ("W", "not run", False, "mutation")
    assert W.diagnosis.message == (
        f"layer.forward: modified its input x in place (entry (3, 0) changed from {float(X[3, 0])!r} to "
        f"{float(X[3, 0] + 1.0)!r}); a function being differentiated must leave its argument unchanged (work on "
        f"a copy, e.g. x = x.copy(), or avoid in-place operations such as +=)")


class FortranW(Linear):
    """W stored column-major: no flat view of it can be written through."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.W = np.asfortranarray(self.W)


def test_a_non_contiguous_parameter_is_perturbed_in_place_and_passes():
    layer = FortranW(3, 2, rng=np.random.default_rng(0))
    W0 = layer.W.copy()
    result = gradcheck_layer(layer, batch())
    assert result.passed and [(c.name, c.mode) for c in result.checks] == [
        ("x", "exhaustive"), ("W", "exhaustive"), ("b", "exhaustive")]
    assert result.checks[1].evaluations == 2 * 6 + 1
    np.testing.assert_array_equal(layer.W, W0)


def test_the_parameters_reuse_the_forward_already_run_at_the_unperturbed_point():
    """Forward calls: the warm-up, the checked one and the second one for the accumulation check,
    x's evaluations (its f0 included) and each parameter's (f0 counted, but not run again)."""
    layer = CountingLinear(3, 2, rng=np.random.default_rng(0))
    result = gradcheck_layer(layer, batch())
    assert [c.evaluations for c in result.checks] == [25, 13, 5]
    assert layer.calls == 3 + 25 + (13 - 1) + (5 - 1)


# ----------------------------------------------------------------------------
# check_tensors: the float32 rules
# ----------------------------------------------------------------------------

class Float64Forward(Linear):
    """float32 parameters, but forward and backward computed in float64 from them."""

    def forward(self, x):
        self._a = np.asarray(x, dtype=np.float64)
        return self.W.astype(np.float64) @ self._a + self.b

    def backward(self, dout):
        self.dW = dout @ self._a.T
        self.db = dout.sum(axis=1, keepdims=True)
        return self.W.T.astype(np.float64) @ dout


def test_float32_parameters_evaluated_in_float64_take_float32_steps_at_float32_points():
    """A parameter stored in float32 is perturbed in float32 steps (its note says so), and the
    perturbed points are rounded to float32 before the slopes are measured: then a linear
    forward agrees to float64 precision, even at rtol=1e-9."""
    layer = Float64Forward(3, 2, rng=np.random.default_rng(0), dtype=np.float32)
    result = gradcheck_layer(layer, batch())
    assert result.passed
    assert result.notes == [f"{k} is evaluated in float32, so its finite differences are only float32-accurate "
                            f"(step cbrt(eps32)); compared with rtol=1e-03" for k in ("W", "b")]
    tight = gradcheck_layer(layer, batch(), rtol=1e-9)
    assert [c.verdict for c in tight.checks] == ["passed"] * 3
    assert max(c.max_error for c in tight.checks[1:]) < 1e-12


def test_huge_float32_parameters_are_checked_along_a_direction_without_overflow():
    """W ~ 1e20 in float32: its mean square overflows float32, not the float64 copy the check uses."""
    layer = Float64Forward(3, 2, rng=np.random.default_rng(0), dtype=np.float32)
    layer.W *= np.float32(1e20)
    result = gradcheck_layer(layer, batch(), mode="directional")
    x, W, b = result.checks
    assert [c.mode for c in result.checks] == ["directional"] * 3
    assert (x.verdict, W.verdict) == ("passed", "passed")   # b: f ~ 1e20 is too rounded to tell
    assert W.max_error < 1e-12


class Float32Gradients(Linear):
    """A float64 layer whose gradients() are float32."""

    def gradients(self):
        return {k: v.astype(np.float32) for k, v in super().gradients().items()}


class CountingFloat64Forward(Float64Forward):
    calls = 0

    def forward(self, x):
        self.calls += 1
        return super().forward(x)


def test_a_large_layer_with_float32_parameters_is_not_checked_jointly_and_spends_no_forward_on_it():
    """float32 parameters with float64 gradients: the joint check is float64-only, so no forward is
    spent on it (a joint direction through float32 points disagrees and costs 6 forwards for nothing)."""
    layer = CountingFloat64Forward(40, 30, rng=np.random.default_rng(0), dtype=np.float32)
    result = gradcheck_layer(layer, batch(shape=(40, 2)))
    assert result.passed
    assert [(c.mode, c.evaluations, c.note) for c in result.checks] == [("directional", 3, "")] * 3
    # the warm-up, the checked forward, the accumulation check; x's evaluations; W's and b's (f0 reused)
    assert layer.calls == 3 + 3 + 2 + 2


def test_float32_gradients_of_a_float64_layer_get_their_note():
    result = gradcheck_layer(Float32Gradients(3, 2, rng=np.random.default_rng(0)), batch())
    assert result.passed
    assert result.notes == [f"the analytic gradient for {k} is float32 (the function's values are float64): "
                            f"compared with rtol=1e-04 and float32 rounding at the tensor's largest entry"
                            for k in ("W", "b")]


class NoWGradient(Linear):
    def gradients(self):
        return {"b": self.db}


def test_a_missing_first_gradient_does_not_stop_the_check_of_the_next():
    result = gradcheck_layer(NoWGradient(3, 2, rng=np.random.default_rng(0)), batch())
    assert [(c.name, c.mode, c.passed) for c in result.checks] == [
        ("x", "exhaustive", True), ("W", "not run", False), ("b", "exhaustive", True)]
    assert result.checks[1].diagnosis.message == ("layer.gradients() has no entry 'W': backward must set a "
                                                  "gradient for every parameter")


# ----------------------------------------------------------------------------
# screen / screen_jointly: the joint check of a large layer
# ----------------------------------------------------------------------------

class TransposedGradient(Linear):
    """A large layer whose dW has the shape of W.T."""

    def gradients(self):
        return {"W": self.dW.T.copy(), "b": self.db}


def test_a_large_layer_with_a_misshapen_gradient_checks_each_tensor_and_names_the_shape():
    result = gradcheck_layer(TransposedGradient(40, 30, rng=np.random.default_rng(0)), batch(shape=(40, 2)))
    x, W, b = result.checks
    assert (W.name, W.mode, W.passed, W.diagnosis.name) == ("W", "not run", False, "shape")
    assert W.diagnosis.message.startswith("The gradient for W has shape (40, 30) but should have shape (30, 40)")
    assert b.passed and b.note != JOINT_NOTE


def test_a_large_float64_layer_with_float32_gradients_is_not_checked_jointly():
    result = gradcheck_layer(Float32Gradients(40, 30, rng=np.random.default_rng(0)), batch(shape=(40, 2)))
    assert result.passed
    assert [c.note for c in result.checks] == ["", "", ""]
    assert [c.mode for c in result.checks] == ["directional", "directional", "directional"]
    assert result.notes == [f"the analytic gradient for {k} is float32 (the function's values are float64): "
                            f"compared with rtol=1e-04 and float32 rounding at the tensor's largest entry"
                            for k in ("W", "b")]


def test_screen_jointly_names_its_forward_forward_by_default():
    p = np.ones((2, 2))

    def forward(x):
        return None if p[0, 0] != 1.0 else p @ x

    x, g = np.ones((2, 1)), np.ones((2, 1))
    with pytest.raises(TypeError, match=r"^forward: expected it to return a number or numeric array, got NoneType "
                                        r"at perturbed parameters$"):
        screen_jointly([("p", p, p.copy(), g @ x.T)], forward, x, g, p @ x, rng=np.random.default_rng(0),
                       rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(p, np.ones((2, 2)))


def _linear_tensor(x):
    """``W @ nan_to_num(x)`` with W (2, 3) as the one parameter: (tensor tuple, joint, forward)."""
    W = np.random.default_rng(0).normal(size=(2, 3))
    saved = W.copy()

    def forward(a):
        return W @ np.nan_to_num(a)

    g, out = np.ones((2, x.shape[1])), forward(x)
    dW = g @ np.nan_to_num(x).T
    tensor = ("W", W, W.dtype, dW, phi_param(forward, W, saved, x, g, "layer.forward"), out,
              *fast_path(forward, W, saved, x, g, out, "layer.forward"))
    return tensor, (forward, x, g, out, {"W": saved})


def test_screen_leaves_a_parameter_that_gradients_has_no_entry_for_to_the_check_of_each_tensor():
    """Only parameters in grads_keys are screened: with W not among them, no joint check at all
    (whatever gradient the tuple holds), so check_tensors reports it missing."""
    tensor, joint = _linear_tensor(batch())
    kwargs = dict(rng=np.random.default_rng(0), rtol=None, atol=1e-9, fname="layer.forward")
    assert screen([tensor], joint, grads_keys=set(), **kwargs) == {}
    (W,) = screen([tensor], joint, grads_keys={"W"}, **kwargs).values()
    assert (W.name, W.mode, W.passed, W.note) == ("W", "directional", True, JOINT_NOTE)


def test_check_tensors_does_not_call_an_x_with_nan_that_forward_left_alone_modified():
    """x itself is compared with what forward was given (NaN equal to NaN): a forward that reads
    NaN as 0 and leaves x alone passes, it did not modify its input."""
    x = batch()
    x[1, 2] = np.nan
    tensor, _ = _linear_tensor(x)
    result = GradcheckResult("t")
    (W,) = check_tensors([tensor], grads_keys={"W"}, mode="exhaustive", rng=np.random.default_rng(0), rtol=None,
                         atol=1e-9, batch=None, result=result, owner="layer")
    assert (W.name, W.mode, W.passed, W.diagnosis) == ("W", "exhaustive", True, None)
    assert W.evaluations == 2 * 6 + 1
    assert np.isnan(x[1, 2]) and result.notes == []
