"""What a gradient check shows (course/gradcheck/report.py): the tests that kill its mutants.

A :class:`GradcheckResult` is built directly from :class:`TensorCheck` objects, so that every branch
of the report is reached with known numbers: the first line for each verdict, the ``ok:`` line, kinks,
"cannot tell", checks that were not run, entries beyond the three shown, the cut at 20 lines, and the
HTML shown in Jupyter (colour per verdict, escaping). :func:`name_cause` is read on hand-made
exhaustive checks: the check's own verdicts (``wrong``) decide which entries the cause describes, the
tolerances are loosened for the pattern fits, and "no pattern recognised" counts the wrong entries.
tests/MUTANTS.md lists the mutants.
"""
from __future__ import annotations

import html

import numpy as np
import pytest

from course import gradcheck
from course.gradcheck.compare import Entry, Kink, TensorCheck
from course.gradcheck.diagnosis import Diagnosis
from course.gradcheck.report import GradcheckError, GradcheckResult, name_cause

PASSED, CANNOT_TELL, FAILED = "#1a7f37", "#9a6700", "#cf222e"


def _ok(name="b", shape=(3,), mode="exhaustive", error=2.5e-9, evaluations=7, **kw):
    return TensorCheck(name, shape, mode, evaluations=evaluations, max_error=error, **kw)


def _unsure(name="x", shape=(4,), blur=0.5, evaluations=9):
    return TensorCheck(name, shape, "exhaustive", evaluations=evaluations, max_error=1e-7,
                       cannot_tell=True, blur=blur)


def _bad(name="W", shape=(2, 3), mode="exhaustive", evaluations=13, **kw):
    kw.setdefault("max_error", 0.5)
    return TensorCheck(name, shape, mode, passed=False, evaluations=evaluations, **kw)


def _lines(*checks, title="t", **kw):
    return GradcheckResult(title, list(checks), **kw).report().split("\n")


def _wrong_lines(c):
    """The lines of one failed check (after the first line of the report)."""
    return _lines(c)[1:]


def _entry(index, analytic=1.0, numeric=2.0, error=0.5):
    return Entry(index=index, analytic=analytic, numeric=numeric, error=error)


# -- the first line, the ok line -----------------------------------------------------------------

def test_one_passing_tensor_is_named_and_no_ok_line_follows():
    r = GradcheckResult("gradcheck(f)", [_ok("x")])
    assert r.verdict == "passed" and r
    assert r.report().split("\n") == ["gradcheck(f) passed: x, max relative error 2.5e-09 (7 function evaluations)"]
    assert str(r) == repr(r) == r.report()


def test_two_passing_tensors_are_counted_and_listed_on_the_ok_line():
    r = GradcheckResult("g", [_ok("W", error=3e-8, evaluations=5), _ok("b", mode="directional", error=1e-8,
                                                                       evaluations=4)])
    assert r.report() == ("g passed: 2 tensors, max relative error 3.0e-08 (9 function evaluations)\n"
                          "  ok: W (exhaustive), b (directional); max relative error 3.0e-08")


def test_nothing_checked_passes_with_error_zero():
    assert _lines(title="empty") == ["empty passed: 0 tensors, max relative error 0.0e+00 (0 function evaluations)"]


def test_failed_tensors_are_listed_first_and_the_others_only_on_the_ok_line():
    bad1 = _bad("W", n_wrong=1, entries=[_entry((1, 2), -0.25, 0.25, 2.0)],
                diagnosis=Diagnosis("sign", "The gradient for W has the wrong sign at entry (1, 2)."))
    bad2 = _bad("b", shape=(3,), n_wrong=3, evaluations=7)
    r = GradcheckResult("L", [bad1, _ok("c", error=4e-9, evaluations=3), bad2], findings=["layer 2 (dW)"],
                        notes=["float32"])
    assert r.verdict == "failed" and not r and r.failed == ["W", "b"]
    assert r.report().split("\n") == [
        "L FAILED: W, b wrong (2 of 3 tensors; 23 function evaluations)",
        "  where: layer 2 (dW)",
        "  W (shape (2, 3)): WRONG (every entry perturbed: 1 of 6 wrong)",
        "    [1, 2]  analytic -0.25  numeric 0.25  relative error 2",
        "    likely cause: The gradient for W has the wrong sign at entry (1, 2).",
        "  b (shape (3,)): WRONG (every entry perturbed: 3 of 3 wrong)",
        "  ok: c (exhaustive); max relative error 4.0e-09",
        "  note: float32",
    ]


def test_two_tensors_that_cannot_tell_are_listed():
    r = GradcheckResult("m", [_unsure("x"), _ok("y", evaluations=2), _unsure("z", evaluations=1)])
    lines = r.report().split("\n")
    assert r.verdict == "cannot tell" and not r and r.undecided == ["x", "z"]
    assert lines[0] == "m CANNOT TELL: x, z (2 of 3 tensors; 12 function evaluations)"
    assert [line for line in lines if not line.startswith("    ")] == [
        lines[0],
        "  x (shape (4,)): CANNOT TELL: nothing disagreed, but only within the allowance for rounding",
        "  z (shape (4,)): CANNOT TELL: nothing disagreed, but only within the allowance for rounding",
        "  ok: y (exhaustive); max relative error 2.5e-09",
    ]


def test_an_error_carries_the_result_and_its_report():
    r = GradcheckResult("t", [_bad("W", n_wrong=2)])
    err = GradcheckError(r)
    assert err.result is r
    assert str(err) == r.report() == "t FAILED: W wrong (1 of 1 tensors; 13 function evaluations)\n" \
                                     "  W (shape (2, 3)): WRONG (every entry perturbed: 2 of 6 wrong)"


# -- at most 20 lines --------------------------------------------------------------------------

def test_twenty_lines_are_shown_whole():
    notes = [f"n{i}" for i in range(19)]
    lines = _lines(_ok("x"), notes=notes)
    assert len(lines) == 20 and lines[-1] == "  note: n18"


def test_more_than_twenty_lines_are_cut_to_nineteen_and_a_count():
    notes = [f"n{i}" for i in range(24)]  # 25 lines
    lines = _lines(_ok("x"), notes=notes)
    assert len(lines) == 20
    assert lines[-2:] == ["  note: n17", "  ... 6 more lines (see result.checks)"]


# -- HTML for Jupyter ---------------------------------------------------------------------------

@pytest.mark.parametrize("checks, colour", [
    ([_ok("x")], PASSED),
    ([_ok("x"), _unsure("y")], CANNOT_TELL),
    ([_unsure("y"), _bad("z")], FAILED),
    ([_ok("x"), _bad("z")], FAILED),
])
def test_the_html_head_has_the_verdicts_colour(checks, colour):
    r = GradcheckResult("t", checks)
    lines = r.report().split("\n")
    head = f'<pre style=\'white-space:pre-wrap\'><b style="color:{colour}">{lines[0]}</b>\n'
    assert r._repr_html_() == head + "\n".join(html.escape(line) for line in lines[1:]) + "</pre>"


def test_the_html_escapes_the_text_and_keeps_every_line_after_the_first():
    r = GradcheckResult("check <lambda> & co", [_ok("x"), _ok("y")], findings=["a < b"], notes=["x & y"])
    assert r._repr_html_() == (
        "<pre style='white-space:pre-wrap'><b style=\"color:#1a7f37\">check &lt;lambda&gt; &amp; co passed: "
        "2 tensors, max relative error 2.5e-09 (14 function evaluations)</b>\n"
        "  where: a &lt; b\n"
        "  ok: x (exhaustive), y (exhaustive); max relative error 2.5e-09\n"
        "  note: x &amp; y</pre>")


def test_the_html_of_a_one_line_report_has_an_empty_body():
    assert GradcheckResult("t", [_ok("x")])._repr_html_() == (
        "<pre style='white-space:pre-wrap'><b style=\"color:#1a7f37\">t passed: x, max relative error 2.5e-09 "
        "(7 function evaluations)</b>\n</pre>")


# -- a failed tensor ----------------------------------------------------------------------------

def test_a_check_that_was_not_run_says_so_and_gives_the_cause():
    c = _bad("dx", mode="not run", diagnosis=Diagnosis("type", "dx is None: did you forget to return it?"))
    assert _wrong_lines(c) == ["  dx (shape (2, 3)): WRONG (not checked)",
                               "    likely cause: dx is None: did you forget to return it?"]


def test_a_check_without_a_shape_shows_empty_brackets():
    assert _wrong_lines(_bad("dx", shape=None, mode="not run")) == ["  dx (): WRONG (not checked)"]
    assert _wrong_lines(_bad("s", shape=None, n_wrong=1)) == ["  s (): WRONG (every entry perturbed: 1 of 1 wrong)"]


def test_a_gradient_that_changes_on_a_second_backward():
    c = _bad("W", mode="backward run twice", note="dW accumulates: reset it in backward")
    assert _wrong_lines(c) == ["  W (shape (2, 3)): WRONG (a second backward gives a different gradient)",
                               "    dW accumulates: reset it in backward"]


def test_a_scalar_checked_exhaustively_has_one_entry_and_no_index():
    c = _bad("s", shape=(), n_wrong=1, entries=[_entry((), 3.0, 1.5, 1.0)])
    assert _wrong_lines(c) == ["  s (shape ()): WRONG (every entry perturbed: 1 of 1 wrong)",
                               "    analytic 3  numeric 1.5  relative error 1"]


@pytest.mark.parametrize("found, how", [
    (1, "bisection found 1 wrong entry"),
    (2, "bisection found 2 wrong entries"),
    (4, "bisection found 4 wrong entries"),
    (5, "bisection found 5 wrong entries and stopped"),
])
def test_a_directional_failure_counts_the_entries_bisection_found(found, how):
    entries = [_entry((i,), float(i), 2.0 * i + 1, 0.5) for i in range(found)]
    c = _bad("v", shape=(200,), mode="directional", n_wrong=None, entries=entries)
    shown = [f"    [{i}]  analytic {i}  numeric {2 * i + 1}  relative error 0.5" for i in range(min(found, 3))]
    more = [f"    ... and {found - 3} more"] if found > 3 else []
    assert _wrong_lines(c) == [f"  v (shape (200,)): WRONG (random directions disagree; {how})"] + shown + more


def test_exactly_three_entries_are_all_shown_without_a_count():
    entries = [_entry((0, i)) for i in range(3)]
    lines = _wrong_lines(_bad("W", n_wrong=3, entries=entries))
    assert lines[1:] == ["    [0, 0]  analytic 1  numeric 2  relative error 0.5",
                         "    [0, 1]  analytic 1  numeric 2  relative error 0.5",
                         "    [0, 2]  analytic 1  numeric 2  relative error 0.5"]


def test_an_error_spread_too_thinly_is_said_so():
    c = _bad("v", shape=(500,), mode="directional", n_wrong=None, localised=False)
    assert _wrong_lines(c) == [
        "  v (shape (500,)): WRONG (random directions disagree; the error is spread too thinly to localise)"]


# -- cannot tell --------------------------------------------------------------------------------

_WHAT_TO_DO = ("    What to do: subtract the constant part of f, i.e. leave a large constant term out of f "
               "(subtracting f(x0) from its result does not help: the rounding has happened), or check in "
               "smaller pieces; or pass a larger rtol if that resolution is enough.")


@pytest.mark.parametrize("blur, size", [
    (1.0, "larger than the gradient (up to 1 times its size): a wrong gradient would pass as well as a right one"),
    (1.5, "larger than the gradient (up to 1.5 times its size): a wrong gradient would pass as well as a right "
          "one"),
    (0.25, "up to 0.25 times the gradient's size, more than the tolerance rtol allows: an error smaller than "
           "that cannot be told from rounding"),
])
def test_cannot_tell_says_how_large_the_rounding_is_and_what_to_do(blur, size):
    assert _lines(_unsure("x", blur=blur))[1:] == [
        "  x (shape (4,)): CANNOT TELL: nothing disagreed, but only within the allowance for rounding",
        "    f's values are so large compared with its changes over a step that f's rounding at this scale "
        f"can be {size}.",
        _WHAT_TO_DO,
    ]


# -- kinks --------------------------------------------------------------------------------------

def _kink(index):
    return Kink(index=index, analytic=0.5, left=0.0, right=1.0)


_VALID = "one-sided derivatives 0 and 1; analytic 0.5 lies between them, so it is a valid (sub)gradient, not an error"


@pytest.mark.parametrize("kinks, where", [
    ([_kink(None)], "b (a random direction)"),
    ([_kink((1, 2))], "b[1, 2]"),
    ([_kink((3,)), _kink((4,))], "b[3] (and 1 more)"),
    ([_kink((0, 1)), _kink((2, 0)), _kink((1, 1))], "b[0, 1] (and 2 more)"),
])
def test_a_kink_is_shown_where_it_is_with_the_count_of_the_others(kinks, where):
    lines = _lines(_ok("b", kinks=kinks), _ok("c"))
    assert lines[1:] == ["  ok: b (exhaustive), c (exhaustive); max relative error 2.5e-09",
                         f"  kink at {where}: {_VALID}"]


# -- name_cause: the likely cause of a failed exhaustive check ---------------------------------

def _exhaustive(numeric, wrong, n_wrong=None, name="W", shape=None):
    wrong = None if wrong is None else np.asarray(wrong, dtype=bool)
    n = int(wrong.sum()) if n_wrong is None and wrong is not None else n_wrong
    return _bad(name, shape=shape or np.shape(numeric), numeric=np.asarray(numeric, dtype=float), wrong=wrong,
                n_wrong=n)


def test_the_cause_describes_the_entries_the_check_found_wrong():
    # entry (0, 2) is off by only 3e-6 (wrong at the check's rtol 1e-7), entry (1, 1) has the wrong sign:
    # the cause names both, although the loosened fit would see only the sign
    numeric = np.arange(1.0, 7.0)
    analytic = numeric.reshape(2, 3).copy()
    analytic[0, 2] *= 1 + 3e-6
    analytic[1, 1] *= -1
    wrong = np.zeros(6, dtype=bool)
    wrong[[2, 4]] = True
    check = _exhaustive(numeric, wrong, shape=(2, 3))  # numeric and wrong flat, as the Jacobian's row
    d = name_cause(check, analytic, batch_size=None, rtol=1e-7, atol=1e-12)
    assert d == Diagnosis("entries", "The gradient for W is correct except entries (0, 2), (1, 1).")
    # without the check's verdicts, the fit at the loosened tolerance sees the sign error alone
    check.wrong = None
    d = name_cause(check, analytic, batch_size=None, rtol=1e-7, atol=1e-12)
    assert d.name == "sign" and "entry (1, 1)" in d.message


_E = np.array([0.5, -0.5, 0.5, -0.5])
_FACTOR_2 = ("The gradient for b is too large by a factor of 2: check the derivative of a square "
             "(d/dx x**2 = 2x) and any 1/2 in the loss.")


@pytest.mark.parametrize("rtol, spread, cause", [
    # the fit is allowed max(1e-5, 10 rtol): 1e-5 for rtol = 1e-7, 1e-3 for rtol = 1e-4
    (1e-7, 5e-6, _FACTOR_2),
    (1e-4, 0.95e-3, _FACTOR_2),
    (1e-4, 1.05e-3, "The gradient for b: 4 of 4 entries are wrong; no pattern recognised."),
])
def test_the_pattern_fits_allow_ten_times_the_checks_rtol(rtol, spread, cause):
    analytic = 2 * _E * (1 + spread * np.array([1, -1, -1, 1]))
    check = _exhaustive(_E, np.ones(4), name="b")
    assert str(name_cause(check, analytic, batch_size=None, rtol=rtol, atol=1e-12)) == cause


@pytest.mark.parametrize("scale, atol, zero, nonzero", [
    (1e6, 1e-9, 0.1, 5.0),        # allowed max(atol, 1e-7 * 8e6) = 0.8
    (1e-3, 1e-12, 1e-10, 5e-9),   # allowed 1e-7 * 8e-3 = 8e-10 (not 1e-7: no floor of 1 on the scale)
    (1.0, 1e-5, 1e-6, 1e-4),      # allowed atol itself
])
def test_the_pattern_fits_allow_the_rounding_of_the_numeric_values(scale, atol, zero, nonzero):
    # wrong entries within the allowance count as zero (a mask); above it, the ratio to the numeric
    # value varies from entry to entry (an activation derivative)
    numeric = scale * np.arange(1.0, 9.0)
    wrong = np.arange(8) % 2 == 0
    check = _exhaustive(numeric, wrong)
    mask, ratio = numeric.copy(), numeric.copy()
    mask[wrong], ratio[wrong] = zero, nonzero
    d = name_cause(check, mask, batch_size=None, rtol=1e-6, atol=atol)
    assert d.name == "mask" and "but 0 at 4 of 8 entries where it should not be" in d.message, d
    d = name_cause(check, ratio, batch_size=None, rtol=1e-6, atol=atol)
    assert d.name == "activation", d


def test_no_pattern_counts_the_wrong_entries():
    rng = np.random.default_rng(0)
    numeric = rng.uniform(1, 2, 6)
    analytic = numeric * rng.uniform(-3, 3, 6)
    check = _exhaustive(numeric, np.ones(6), n_wrong=6)
    assert name_cause(check, analytic, batch_size=None, rtol=1e-6, atol=1e-9) == Diagnosis(
        "unknown", "The gradient for W: 6 of 6 entries are wrong; no pattern recognised.")
    assert name_cause(check, analytic, batch_size=None, rtol=1e-6, atol=1e-9, what="df(x)") == Diagnosis(
        "unknown", "Df(x): 6 of 6 entries are wrong; no pattern recognised.")


@pytest.mark.parametrize("n_wrong", [None, 0])
def test_without_numeric_values_or_a_count_it_is_just_wrong(n_wrong):
    check = _bad("v", shape=(5,), mode="directional", n_wrong=n_wrong)
    assert name_cause(check, np.ones(5), batch_size=None, rtol=1e-6, atol=1e-9) == Diagnosis(
        "unknown", "The gradient for v: it is wrong; no pattern recognised.")


def test_an_empty_tensor_has_no_pattern():
    check = _exhaustive(np.zeros(0), np.zeros(0), n_wrong=0, name="e")
    assert name_cause(check, np.zeros(0), batch_size=None, rtol=1e-6, atol=1e-9) == Diagnosis(
        "unknown", "The gradient for e: it is wrong; no pattern recognised.")


def test_one_entry_off_by_a_hair_is_no_factor_of_1():
    # name_cause loosens the tolerance for its fits; a least-squares factor of ~1 then "fitted"
    # and was named "too large by a factor of 1"
    x = np.linspace(0.3, 1.7, 60)

    def df(v):
        g = 2 * v
        g[2] *= 1 + 1e-5
        return g

    diagnosis = gradcheck(lambda v: np.sum(v**2), df, x).checks[0].diagnosis
    assert "factor of 1" not in str(diagnosis)
    assert str(diagnosis) == "The gradient for x is correct except entry (2,)."


def test_the_kink_cannot_tell_report_in_full():
    """A gradient through more kinks than bisection separates, in directional mode: the three lines in full
    (what happened, why the check cannot decide, what to do with the evaluations mode='exhaustive' costs)."""
    x = np.random.default_rng(0).uniform(-1, 1, size=300)
    x[::4] = 0.0
    result = gradcheck(lambda v: float(np.sum(np.maximum(v, 0))), lambda v: (v > 0).astype(float), x,
                       mode="directional")
    assert result.checks[0].unsure_why == "kinks"
    assert str(result).splitlines()[1:] == [
        "  x (shape (300,)): CANNOT TELL: random directions cross more kinks than bisection separates (it stops "
        "at 16 kinked entries), and no entry was found wrong",
        "    Along a direction through several kinks at once, the analytic slope need only lie between the "
        "one-sided slopes, which sum over the kinks (a wrong gradient can lie there, and a valid subgradient need "
        "not), so this check cannot decide.",
        "    What to do: mode='exhaustive' checks every entry (600 evaluations), or check at an x with no entry "
        "exactly on a kink (e.g. no pre-activation exactly 0 for a ReLU)."]
