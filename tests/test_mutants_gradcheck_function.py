"""``gradcheck(f, df, x)`` (course/gradcheck/function_check.py): the tests that kill its mutants.

The entry point prepares one check of ``x``: ``df`` and ``f`` are called (and named, with ``x``, in
what they are told when they change their input or return junk), ``raise_on_fail`` holds on every
early return, a ``df`` of ``x``'s shape is read as an elementwise derivative (up to 2000 entries), the
float32 rules pick the steps, ``rtol`` and notes, a float32 gradient is allowed float32 rounding at
the scale of ``f``'s values per entry of ``x`` (``_value_scale``), a large Jacobian is checked along a
direction and its wrong columns entry by entry, and a small failure of a float64 ``f`` gets the note
that float32 arithmetic inside ``f`` could not be detected. See tests/MUTANTS.md.
"""
from __future__ import annotations

import numpy as np
import pytest

from course import gradcheck
from course.gradcheck import GradcheckError
from course.gradcheck.directional import random_direction

EPS32 = float(np.finfo(np.float32).eps)
H = float(np.cbrt(np.finfo(np.float64).eps))  # the first step of an entry with |x| <= 1

MODIFIED = ("{who}: modified its input x in place (entry 0 changed from {old!r} to 0.0); a function being "
            "differentiated must leave its argument unchanged (work on a copy, e.g. x = x.copy(), or avoid "
            "in-place operations such as +=)")
ELEMENTWISE_NOTE = ("df(x) has the shape of x: checked as the elementwise derivative f'(x), entry by entry "
                    "(and that each output depends on its own entry of x only)")
COMPUTES_IN_FLOAT32 = ("f returns float64 values that are all float32 numbers, at x and at a nearby point: "
                       "it computes in float32, so it is differentiated with float32 steps")
FLOAT32_STEPS = ("{name} is evaluated in float32, so its finite differences are only float32-accurate "
                 "(step cbrt(eps32)); compared with rtol=1e-03")
FLOAT32_GRADIENT = ("the analytic gradient for {name} is float32 (the function's values are float64): "
                    "compared with rtol=1e-04 and float32 rounding at the tensor's largest entry")
UNDETECTED = ("f's values are float64 and not all float32 numbers, so float32 arithmetic inside f (converted "
              "again before returning) could not be detected: compute f in float64 for the check, or return "
              "its float32 result as float32, so that gradcheck takes float32 steps and tolerances")
FLAT = ("the numerical derivative is exactly 0 at the wrong entries: f did not change at all for a step of "
        "~6e-6, as when f rounds to float32 inside. ")


def _sum_sq(v):
    return float(np.sum(v**2))


def _zero_first(v):
    v[0] = 0.0


class ChangesItsInputLater:
    """``f(v) = v**2`` (elementwise) that sets ``v[0] = 0`` from its second call on: at a perturbed x."""

    def __init__(self):
        self.calls = 0

    def __call__(self, v):
        self.calls += 1
        out = v**2
        if self.calls > 1:
            _zero_first(v)
        return out


# ----------------------------------------------------------------------------
# gradcheck: df and f are called on copies of x, and named when they change them
# ----------------------------------------------------------------------------

def test_a_df_that_changes_its_input_is_named_as_df_changing_x():
    def df(v):
        _zero_first(v)
        return 2 * v

    check = gradcheck(_sum_sq, df, np.array([1.0, 2.0])).checks[0]
    assert (check.name, check.shape, check.mode, check.diagnosis.name) == ("x", (2,), "not run", "mutation")
    assert check.diagnosis.message == MODIFIED.format(who="df", old=1.0)


def test_a_df_that_changes_its_input_raises_with_raise_on_fail():
    def df(v):
        _zero_first(v)
        return 2 * v

    with pytest.raises(GradcheckError, match="df: modified its input x in place"):
        gradcheck(_sum_sq, df, np.array([1.0, 2.0]), raise_on_fail=True)


def test_an_f_that_changes_its_input_at_x_is_named_as_f_changing_x():
    def f(v):
        _zero_first(v)
        return _sum_sq(v)

    check = gradcheck(f, lambda v: 2 * v, np.array([1.0, 2.0])).checks[0]
    assert (check.name, check.mode, check.diagnosis.name) == ("x", "not run", "mutation")
    assert check.diagnosis.message == MODIFIED.format(who="f", old=1.0)


def test_an_f_that_changes_its_input_only_at_a_perturbed_x_is_reported_as_a_mutation_of_x():
    """The first perturbed point is x + h e_0: its entry 0 is what f overwrote."""
    x = np.array([0.3, 0.7, 1.1])
    result = gradcheck(ChangesItsInputLater(), lambda v: np.diag(2 * v), x, name="w")
    check = result.checks[0]
    assert not result.passed and result.verdict == "failed"
    assert (check.name, check.shape, check.mode, check.passed) == ("w", (3, 3), "not run", False)
    assert check.diagnosis.name == "mutation"
    assert check.diagnosis.message == MODIFIED.format(who="f", old=float(0.3 + H))
    assert result.notes == []   # not a small failure: no note about float32 inside f


def test_an_elementwise_f_that_changes_its_input_at_a_perturbed_x_keeps_its_mutation_cause():
    """The elementwise reading is for measured checks: a check that was not run keeps its cause."""
    result = gradcheck(ChangesItsInputLater(), lambda v: 2 * v, np.array([0.3, 0.7, 1.1]))
    check = result.checks[0]
    assert (check.mode, check.passed, check.diagnosis.name) == ("not run", False, "mutation")
    assert check.shape == (3,)  # an elementwise derivative is reported in x's own shape
    assert check.diagnosis.message == MODIFIED.format(who="f", old=float(0.3 + H))
    assert result.notes == [ELEMENTWISE_NOTE]


def test_an_int_x_reaches_df_as_float64_and_a_float32_x_as_float32():
    seen = []

    def df(v):
        seen.append((v.dtype, v.tolist()))
        return 2 * v

    assert gradcheck(_sum_sq, df, np.array([1, 2])).passed
    assert gradcheck(_sum_sq, df, np.array([1, 2], dtype=np.float32)).passed
    assert seen == [(np.dtype(np.float64), [1.0, 2.0]), (np.dtype(np.float32), [1.0, 2.0])]


def test_an_f_returning_none_at_x_is_refused_naming_f_and_x():
    with pytest.raises(TypeError, match=r"^f: expected it to return a number or numeric array, got NoneType at x$"):
        gradcheck(lambda v: None, lambda v: v, np.ones(2))


def test_an_f_whose_output_size_changes_at_a_perturbed_x_is_refused():
    calls = []

    def f(v):
        calls.append(1)
        return v[:2] if len(calls) == 1 else v

    with pytest.raises(ValueError, match=r"^f: returned 3 values at a perturbed x but 2 at x$"):
        gradcheck(f, lambda v: np.ones((2, 3)), np.ones(3))


# ----------------------------------------------------------------------------
# gradcheck: an analytic value that cannot be used
# ----------------------------------------------------------------------------

def test_a_single_row_for_a_jacobian_of_two_outputs_is_a_shape_error_not_a_crash():
    """A (1, n) row stands for a gradient only; for f with 2 outputs it is the wrong shape."""
    result = gradcheck(lambda v: 3 * v[:2], lambda v: np.ones((1, 3)), np.ones(3), name="w")
    check = result.checks[0]
    assert (check.name, check.shape, check.mode) == ("w", (2, 3), "not run")
    assert str(check.diagnosis) == ("The Jacobian of f w.r.t. w (outputs x inputs) has shape (1, 3) but should "
                                    "have shape (2, 3).")


def test_a_misshapen_gradient_raises_with_raise_on_fail():
    with pytest.raises(GradcheckError):
        gradcheck(_sum_sq, lambda v: np.ones(3), np.ones(2), raise_on_fail=True)


# ----------------------------------------------------------------------------
# gradcheck: an elementwise derivative, up to 2000 entries
# ----------------------------------------------------------------------------

def _dtanh(v):
    return 1.0 - np.tanh(v) ** 2


def test_an_elementwise_derivative_of_2000_entries_is_checked():
    result = gradcheck(np.tanh, _dtanh, np.linspace(-2, 2, 2000))
    check = result.checks[0]
    assert result.passed and (check.shape, check.mode) == ((2000,), "directional")
    assert result.notes == [ELEMENTWISE_NOTE]


def test_an_elementwise_derivative_of_2001_entries_is_not_run_with_the_reason():
    result = gradcheck(np.tanh, _dtanh, np.linspace(-2, 2, 2001))
    check = result.checks[0]
    assert (check.shape, check.mode, check.diagnosis.name) == ((2001,), "not run", "size")
    assert check.diagnosis.message == (
        "df returned the elementwise derivative of an f with 2001 entries; its diagonal Jacobian is checked "
        "entry by entry, so use an x of at most 2000 entries")
    with pytest.raises(GradcheckError, match="at most 2000 entries"):
        gradcheck(np.tanh, _dtanh, np.linspace(-2, 2, 2001), raise_on_fail=True)


def test_the_elementwise_note_is_given_in_full():
    result = gradcheck(np.tanh, _dtanh, np.linspace(-1, 1, 3))
    assert result.passed and result.notes == [ELEMENTWISE_NOTE]


# ----------------------------------------------------------------------------
# gradcheck: the float32 rules and their notes
# ----------------------------------------------------------------------------

def test_an_f_returning_float32_takes_float32_steps_without_the_computes_in_float32_note():
    """Its dtype says float32 already: only the note on the float32 steps, naming x by its name."""
    result = gradcheck(lambda v: np.sum(v.astype(np.float32) ** 2), lambda v: 2 * v, np.array([1.0, 2.0]),
                       name="w")
    assert result.passed
    assert result.notes == [FLOAT32_STEPS.format(name="w")]


def test_an_f_returning_float64_values_computed_in_float32_is_recognised_with_its_note():
    result = gradcheck(lambda v: float(np.sum(v.astype(np.float32) ** 2)), lambda v: 2 * v, np.array([1.0, 2.0]))
    assert result.passed
    assert result.notes == [COMPUTES_IN_FLOAT32, FLOAT32_STEPS.format(name="x")]


def test_a_float64_gradient_at_a_float32_x_is_compared_as_float32():
    """df sees float32 values: whatever dtype it returns, its gradient is only float32-accurate."""
    result = gradcheck(_sum_sq, lambda v: (2 * v).astype(np.float64), np.array([1.0, 2.0], dtype=np.float32))
    assert result.passed
    assert result.notes == [FLOAT32_GRADIENT.format(name="x")]


# ----------------------------------------------------------------------------
# gradcheck: a float32 gradient is allowed float32 rounding at f's scale per entry of x
# ----------------------------------------------------------------------------
# The allowance is 16 eps32 |f(x)| / (n * max(1, rms(x))) for a scalar f of n entries, and
# 16 eps32 |f_i(x)| / max(1, rms(x)) for output i of a vector f (f's rounding, the rtol and the
# entry's own rounding are all far smaller here, with |f| = 1e7 and derivatives of order 1).

C = 1e7


def _float32_with_error(df, index, error):
    def wrong(v):
        d = np.array(df(v), dtype=np.float64)
        d[index] += error
        return d.astype(np.float32)
    return wrong


@pytest.mark.parametrize("x", [np.array([0.5, -0.25, 0.75, 0.1]), np.array([3.0, -3.0])],
                         ids=["rms below 1", "rms 3"])
def test_a_float32_gradient_of_a_large_scalar_f_is_allowed_rounding_at_its_value_per_entry(x):
    allowance = 16 * EPS32 * C / (x.size * max(1.0, float(np.sqrt(np.mean(x**2)))))

    def f(v):
        return C + float(np.sum(v**2))

    def grad(v):
        return 2 * v

    assert gradcheck(f, _float32_with_error(grad, 0, 0.9 * allowance), x).verdict == "passed"
    result = gradcheck(f, _float32_with_error(grad, 0, 1.5 * allowance), x)
    assert not result.passed and [e.index for e in result.checks[0].entries] == [(0,)]


def test_a_float32_jacobian_of_a_large_vector_f_is_allowed_rounding_at_each_output_value():
    x = np.array([0.5, -0.25, 0.75])
    A = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    allowance = 16 * EPS32 * (C + A[0] @ x)

    def f(v):
        return C + A @ v

    assert gradcheck(f, _float32_with_error(lambda v: A, (0, 1), 0.9 * allowance), x).verdict == "passed"
    result = gradcheck(f, _float32_with_error(lambda v: A, (0, 1), 1.1 * allowance), x)
    assert not result.passed and [e.index for e in result.checks[0].entries] == [(0, 1)]


# ----------------------------------------------------------------------------
# gradcheck: the batch size reaches the diagnosis of a gradient
# ----------------------------------------------------------------------------

def test_a_gradient_too_small_by_the_batch_size_is_named_as_such():
    x = np.array([0.5, 1.0, 1.5])
    named = gradcheck(_sum_sq, lambda v: 2 * v / 4, x, batch_size=4).checks[0].diagnosis
    assert str(named) == ("The gradient for x is too small by a factor of m = 4 (the batch size): the division "
                          "by m happens more than once; only the loss divides by m.")
    assert str(gradcheck(_sum_sq, lambda v: 2 * v / 4, x).checks[0].diagnosis) == (
        "The gradient for x is too small by a factor of 4.")


# ----------------------------------------------------------------------------
# gradcheck: a Jacobian checked along a direction
# ----------------------------------------------------------------------------

def _three_times(v):
    return np.array([1.0, 2.0, 3.0]) * v


def test_a_wrong_jacobian_of_a_0d_x_has_its_column_checked_entry_by_entry():
    """x of shape (): the bisection finds entry () of u^T J, which is column 0 of the Jacobian."""
    result = gradcheck(_three_times, lambda v: np.array([[1.0], [2.5], [3.0]]), np.array(0.5), mode="directional")
    check = result.checks[0]
    assert (check.mode, check.shape, check.passed) == ("directional", (3, 1), False)
    assert [e.index for e in check.entries] == [(1, 0)]
    assert check.entries[0].analytic == 2.5 and check.entries[0].numeric == pytest.approx(2.0, rel=1e-6)


def test_a_jacobian_error_bisection_cannot_localise_is_said_to_be_spread_thinly():
    """Every column off by 0.7 of one entry's tolerance in u^T J, with the signs of the first direction.

    J (3, 4096) is scalarised with a random u; the error is w sign(v)^T with u^T w = 1, so u^T J is off
    by the same amount as in the gradient case of test_mutants_gradcheck_scope: no half of the inputs
    fails alone, and the diagnosis names no column."""
    n, m, rtol = 4096, 3, 1e-3
    x = np.random.default_rng(0).uniform(0.5, 1.5, size=n)

    def f(v):
        return np.array([np.sum(v**3), np.sum(np.sin(v)), np.sum(v**2)])

    def jac(v):
        return np.stack([3 * v**2, np.cos(v), 2 * v])

    rng = np.random.default_rng(11)
    u = random_direction(rng, m)     # the Jacobian check's first draw; its scalarised check goes on with rng
    v = gradcheck(lambda a: float(u @ f(a)), lambda a: u @ jac(a), x, mode="directional", rtol=rtol,
                  rng=rng).checks[0].projections[0][2]
    delta = 0.7 * rtol * np.linalg.norm(u @ jac(x)) / np.sqrt(n)
    wrong = np.outer(u / (u @ u), delta * np.sign(v))
    result = gradcheck(f, lambda a: jac(a) + wrong, x, mode="directional", rtol=rtol, rng=np.random.default_rng(11))
    check = result.checks[0]
    assert not result and check.entries == []
    assert check.diagnosis.name == "unknown"
    assert check.diagnosis.message == (
        "The Jacobian of f w.r.t. x disagrees along random directions, but bisection could not localise the "
        "error (it is spread thinly over many inputs); no pattern recognised.")


_A = np.arange(24.0).reshape(3, 8) / 10 + 1


@pytest.mark.parametrize("wrong, where", [([(1, 2)], "column 2"), ([(1, 2), (0, 5)], "columns 2, 5")])
def test_the_columns_bisection_found_in_a_jacobian_are_named_singular_and_plural(wrong, where):
    """One wrong column is "column 2", two are "columns 2, 5"; every entry of them is re-checked."""
    def df(v):
        jac = _A.copy()
        for index, factor in zip(wrong, (2.0, -1.0)):   # no common factor: no pattern
            jac[index] *= factor
        return jac

    check = gradcheck(lambda v: _A @ v, df, np.linspace(-1, 1, 8), mode="directional").checks[0]
    assert sorted(e.index for e in check.entries) == sorted(wrong)
    n = len(wrong)
    assert check.diagnosis.message == (
        f"In {where} of the Jacobian of f w.r.t. x (the inputs bisection found, each re-checked for every "
        f"output), {n} of {3 * n} entries {'is' if n == 1 else 'are'} wrong ({', '.join(str(list(i)) for i in wrong)}); "
        f"no pattern recognised (bisection searched every input, so the other columns agree in a random "
        f"combination of the outputs).")


_B = np.arange(80.0).reshape(2, 40) / 10 + 1


@pytest.mark.parametrize("wrong, listed", [
    ([(0, 0), (1, 0), (0, 1), (1, 1), (0, 2)], " ([0, 0], [1, 0], [0, 1], [1, 1], [0, 2])"),
    ([(0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 2)], ""),
], ids=["MAX_ENTRIES wrong: listed", "one more: counted only"])
def test_the_wrong_entries_of_the_found_columns_are_listed_up_to_max_entries(wrong, listed):
    """The Jacobian's message lists up to MAX_ENTRIES (5) wrong entries of the columns bisection found."""
    def df(v):
        jac = _B.copy()
        for index in wrong:
            jac[index] *= 2.0 if index[0] == 0 else -1.0
        return jac

    check = gradcheck(lambda v: _B @ v, df, np.linspace(-1, 1, 40), mode="directional").checks[0]
    n = len(wrong)
    assert check.diagnosis.message.startswith(
        f"In columns 0, 1, 2 of the Jacobian of f w.r.t. x (the inputs bisection found, each re-checked for every "
        f"output), {n} of 6 entries are wrong{listed}; ")


def test_a_jacobian_checked_along_a_direction_keeps_no_projections():
    """The projections measured are of u^T J, a scalarised function: they describe no Jacobian pattern."""
    for wrong in (2.0, 2.5):
        check = gradcheck(_three_times, lambda v: np.array([[1.0], [wrong], [3.0]]), np.array(0.5),
                          mode="directional").checks[0]
        assert check.mode == "directional" and check.projections == []


# ----------------------------------------------------------------------------
# gradcheck: the note that float32 arithmetic inside a float64 f could not be detected
# ----------------------------------------------------------------------------

def test_a_small_failure_of_a_float64_f_gets_the_note_without_the_flat_part():
    result = gradcheck(_sum_sq, lambda v: 2 * v * (1 + 1e-3), np.array([0.5, 1.0]))
    assert not result.passed
    assert result.notes == [UNDETECTED]


def test_an_f_flat_at_the_step_gets_the_note_with_the_flat_part():
    """f rounds to float32 at 1e4: a step of ~6e-6 does not change it, the numeric derivative is 0."""
    result = gradcheck(lambda v: 1.1 * float(np.float32(1e4 + np.sum(v**2))), lambda v: 2 * v, np.array([0.5, 1.0]))
    check = result.checks[0]
    assert not result.passed and [e.numeric for e in check.entries] == [0.0, 0.0]
    assert result.notes == [FLAT + UNDETECTED]


@pytest.mark.parametrize("slope, note", [(19.0, False), (19.5, True), (21.0, True)])
def test_the_note_needs_an_error_strictly_below_5_percent(slope, note):
    """f = slope * x at 0, df = 20: the numeric slope is exact, the error |20 - slope| / max(20, slope)."""
    result = gradcheck(lambda v: slope * v[0], lambda v: np.array([20.0]), np.array([0.0]))
    (entry,) = result.checks[0].entries
    assert (entry.numeric, entry.error) == (slope, abs(20.0 - slope) / max(20.0, slope))
    assert result.notes == ([UNDETECTED] if note else [])
