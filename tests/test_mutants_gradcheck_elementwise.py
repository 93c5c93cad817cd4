"""Reports on an elementwise derivative (course/gradcheck/elementwise.py): the tests that kill its mutants.

``gradcheck(f, df, x)`` with a ``df`` of ``x``'s shape checks ``diag(f'(x))``; the report must speak
of ``x``'s own shape and indices, tell a non-elementwise ``f`` by the output that moves with another
entry, and carry over everything the Jacobian check measured. tests/MUTANTS.md lists the mutants.
"""
from __future__ import annotations

import numpy as np
import pytest

from course import gradcheck
from course.gradcheck.compare import TensorCheck
from course.gradcheck.elementwise import as_elementwise


def _dtanh(v):
    return 1.0 - np.tanh(v) ** 2


def _x(shape, seed=1):
    return np.random.default_rng(seed).uniform(0.2, 1.5, shape)


def _as_jacobian(df):
    """The same derivative as the full diagonal Jacobian ``(x.size, x.size)``."""
    return lambda v: np.diag(np.asarray(df(v)).ravel())


def _sign_flip_at(index):
    def df(v):
        d = _dtanh(v)
        d[index] *= -1.0
        return d
    return df


# -- exhaustive mode (x of at most 100 entries) ------------------------------------------------

def test_an_exhaustive_report_uses_the_shape_and_indices_of_x():
    x = np.linspace(-1, 1, 12).reshape(3, 4) + 0.05
    df = _sign_flip_at((1, 2))
    r = gradcheck(np.tanh, df, x)
    c = r.checks[0]
    assert not r and c.mode == "exhaustive" and c.shape == (3, 4)
    assert c.n_wrong == 1 and [e.index for e in c.entries] == [(1, 2)]
    assert c.entries[0].analytic == pytest.approx(-_dtanh(x[1, 2])) and c.entries[0].numeric == pytest.approx(
        _dtanh(x[1, 2]), rel=1e-6)
    assert c.numeric.shape == (3, 4) and np.allclose(c.numeric, _dtanh(x), rtol=1e-6)
    expected_wrong = np.zeros((3, 4), dtype=bool)
    expected_wrong[1, 2] = True
    assert c.wrong.shape == (3, 4) and (c.wrong == expected_wrong).all()
    # the cause is read on f'(x) itself, and named as the learner's derivative
    assert c.diagnosis.name == "sign"
    assert c.diagnosis.message.startswith("The derivative df(x) has the wrong sign at entry (1, 2)"), c.diagnosis
    # what the Jacobian check measured is carried over unchanged
    jac = gradcheck(np.tanh, _as_jacobian(df), x).checks[0]
    assert c.evaluations == jac.evaluations > 2 * x.size
    assert c.max_error == jac.max_error > 1.0
    assert f"; {c.evaluations} function evaluations)" in r.report()
    assert "[1, 2]  analytic" in r.report()


def test_a_passing_elementwise_check_keeps_its_counts_and_error():
    x = np.linspace(-1, 1, 12).reshape(3, 4) + 0.05
    r = gradcheck(np.tanh, _dtanh, x)
    jac = gradcheck(np.tanh, _as_jacobian(_dtanh), x).checks[0]
    c = r.checks[0]
    assert r and c.n_wrong == 0 and c.entries == [] and c.diagnosis is None
    assert c.evaluations == jac.evaluations == 2 * x.size + 1
    assert c.max_error == jac.max_error and 0.0 < c.max_error < 1e-6
    assert f"max relative error {c.max_error:.1e}" in r.report()


def test_a_batch_size_factor_of_an_elementwise_derivative_is_named():
    x = _x((2, 3))
    text = str(gradcheck(np.tanh, lambda v: _dtanh(v) / 4, x, batch_size=4).checks[0].diagnosis)
    assert "m = 4 (the batch size)" in text and text.startswith("The derivative df(x)"), text
    plain = str(gradcheck(np.tanh, lambda v: _dtanh(v) / 4, x).checks[0].diagnosis)
    assert "batch size" not in plain and "factor of 4" in plain, plain


def _coupled(v):
    """v**2 where output [0, 0] also moves with x[0, 1] (slope 0.01) and output [1, 1] with x[1, 0] (slope 5)."""
    out = v**2
    out[0, 0] += 0.01 * v[0, 1]
    out[1, 1] += 5.0 * v[1, 0]
    return out


def test_an_f_that_is_not_elementwise_is_named_by_the_first_output_that_moves_with_another_entry():
    x = _x((2, 3), seed=3)
    r = gradcheck(_coupled, lambda v: 2 * v, x)
    c = r.checks[0]
    assert not r and c.diagnosis.name == "not elementwise"
    # the first such pair in the order of the Jacobian (not the worst one, d f[1, 1] / d x[1, 0] = 5)
    assert c.diagnosis.message.startswith(
        "f is not elementwise: output [0, 0] changes with x[0, 1] (numerical d f[0, 0] / d x[0, 1] = 0.01), "
        "so its derivative is not one number per entry of x; return the Jacobian, shape (f(x).size, x.size)."), \
        c.diagnosis.message
    # the report then speaks of the Jacobian the check compared: its shape, its entries
    jac = gradcheck(_coupled, _as_jacobian(lambda v: 2 * v), x).checks[0]
    assert c.shape == (6, 6) and c.n_wrong == jac.n_wrong == 2
    assert [e.index for e in c.entries] == [e.index for e in jac.entries] == [(4, 3), (0, 1)]
    assert "[4, 3]  analytic 0  numeric 5" in r.report()


def test_an_f_that_is_not_elementwise_is_found_in_directional_mode_too():
    x = _x((10, 15))
    r = gradcheck(lambda v: v * v.sum(), lambda v: 2 * v, x)
    c = r.checks[0]
    assert not r and c.mode == "directional" and c.diagnosis.name == "not elementwise"
    off = next(e for e in c.entries if e.index[0] != e.index[1])
    i, j = (tuple(int(k) for k in np.unravel_index(n, x.shape)) for n in off.index)
    assert c.diagnosis.message.startswith(
        f"f is not elementwise: output [{i[0]}, {i[1]}] changes with x[{j[0]}, {j[1]}] "
        f"(numerical d f[{i[0]}, {i[1]}] / d x[{j[0]}, {j[1]}] = {off.numeric:.6g})"), c.diagnosis.message
    assert c.shape == (150, 150) and c.entries


def test_a_kink_is_reported_at_its_entry_of_x():
    x = np.array([[0.5, 1.0], [-2.0, 0.0]])
    r = gradcheck(np.abs, np.sign, x)
    c = r.checks[0]
    assert r and c.mode == "exhaustive"
    assert [(k.index, k.analytic) for k in c.kinks] == [((1, 1), 0.0)]
    assert c.kinks[0].left == pytest.approx(-1.0) and c.kinks[0].right == pytest.approx(1.0)
    assert "kink at x[1, 1]: one-sided derivatives -1 and 1; analytic 0" in r.report(), r.report()


def test_a_kink_met_along_a_random_direction_keeps_no_entry_index():
    x = _x((10, 15))
    x[2, 3] = 0.0
    r = gradcheck(np.abs, np.sign, x)
    c = r.checks[0]
    assert r and c.mode == "directional" and len(c.kinks) >= 1
    assert all(k.index is None for k in c.kinks)
    assert "kink at x (a random direction)" in r.report()


@pytest.mark.parametrize("shape", [(5,), (150,)])
def test_cannot_tell_is_carried_over_for_an_elementwise_derivative(shape):
    # 1e10 + v**2: f's rounding (~1e-6 per step, over a step of ~6e-6) hides a derivative of ~1
    x = _x(shape, seed=7)
    r = gradcheck(lambda v: 1e10 + v**2, lambda v: 2 * v, x)
    c = r.checks[0]
    assert r.verdict == "cannot tell" and c.verdict == "cannot tell" and c.cannot_tell and c.blur > 1, r
    assert r.report().startswith("gradcheck CANNOT TELL: x")


# -- directional mode (x of more than 100 entries): causes read on the entries found -----------

def test_a_complete_search_that_found_one_sign_flip_says_correct_elsewhere():
    x = _x((10, 15))
    r = gradcheck(np.tanh, _sign_flip_at((1, 2)), x)
    c = r.checks[0]
    assert c.mode == "directional" and c.complete and [e.index for e in c.entries] == [(1, 2)]
    assert c.diagnosis.name == "sign"
    assert c.diagnosis.message == (
        "The derivative df(x) has the wrong sign at entry [1, 2] and is correct elsewhere (bisection searched "
        "every entry): look for a stray minus in the code that computes it.")


def test_a_complete_search_names_exactly_the_wrong_entries_and_their_pattern():
    x = _x((10, 15))

    def twice_at_two(v):
        d = _dtanh(v)
        d[1, 2] *= 2.0
        d[4, 7] *= 2.0
        return d

    c = gradcheck(np.tanh, twice_at_two, x).checks[0]
    assert c.complete and c.diagnosis.name == "factor"
    assert c.diagnosis.message == ("Only entries [1, 2], [4, 7] of the derivative df(x) are wrong (bisection "
                                   "searched every entry); there they are 2 times the numerical value.")

    def two_unrelated(v):
        d = _dtanh(v)
        d[1, 2] *= 1.7
        d[4, 7] *= 0.3
        return d

    r = gradcheck(np.tanh, two_unrelated, x)
    c = r.checks[0]
    assert c.diagnosis.name == "entries"
    assert c.diagnosis.message == ("Only entries [1, 2], [4, 7] of the derivative df(x) are wrong (bisection "
                                   "searched every entry); no pattern recognised.")
    # errors of 40 % and 70 % are no float32 rounding inside f: no note suggests it
    assert not any("could not be detected" in n for n in r.notes), r.notes


def test_an_incomplete_search_says_there_may_be_more():
    x = _x((10, 15))
    c = gradcheck(np.tanh, lambda v: 2 * _dtanh(v), x).checks[0]
    assert not c.complete and len(c.entries) == 5 and c.diagnosis.name == "factor"
    names = ", ".join(f"[{e.index[0]}, {e.index[1]}]" for e in c.entries)
    assert c.diagnosis.message == (f"At the 5 wrong entries found ({names}; there may be more), the derivative "
                                   f"df(x) is 2 times the numerical value.")
    c = gradcheck(np.tanh, lambda v: _dtanh(v) + 0.25, x, batch_size=4).checks[0]
    assert c.diagnosis.name == "offset" and "+0.25 = +1/m (m = 4, the batch size)" in c.diagnosis.message
    c = gradcheck(np.tanh, lambda v: _dtanh(v) + 0.25, x).checks[0]
    assert c.diagnosis.name == "offset" and "batch size" not in c.diagnosis.message
    wobble = np.random.default_rng(5).uniform(0.5, 1.5, x.shape)
    c = gradcheck(np.tanh, lambda v: _dtanh(v) * wobble, x).checks[0]
    names = ", ".join(f"[{e.index[0]}, {e.index[1]}]" for e in c.entries)
    assert c.diagnosis.name == "unknown"
    assert c.diagnosis.message == (f"The derivative df(x) is wrong at the {len(c.entries)} wrong entries found "
                                   f"({names}; there may be more); no pattern recognised.")


def test_entries_off_by_a_hair_in_both_directions_are_no_factor_of_1():
    x = _x((10, 15))
    signs = np.random.default_rng(5).choice([-1.0, 1.0], x.shape)
    c = gradcheck(np.tanh, lambda v: _dtanh(v) * (1 + 1e-4 * signs), x).checks[0]
    assert not c.passed and c.entries
    assert "1 times" not in c.diagnosis.message and c.diagnosis.name == "unknown", c.diagnosis


# -- as_elementwise on a Jacobian check: everything measured is carried over -------------------

def _unlocalised(**fields):
    return TensorCheck("x", (6, 6), "directional", passed=False, evaluations=41, max_error=0.003,
                       n_wrong=None, entries=[], **fields)


def test_a_failure_bisection_could_not_localise_is_said_so_in_the_terms_of_x():
    out = as_elementwise(_unlocalised(localised=False, complete=False, note="met kinks"),
                         np.ones((2, 3)), rtol=1e-6, atol=1e-9, batch_size=None)
    assert out.shape == (2, 3) and not out.passed and out.n_wrong is None
    assert (out.evaluations, out.max_error, out.localised, out.complete, out.note) == (41, 0.003, False, False,
                                                                                     "met kinks")
    assert out.diagnosis.name == "unknown"
    assert out.diagnosis.message == ("The derivative df(x) disagrees along random directions; no pattern "
                                     "recognised.")


def test_the_fields_of_the_jacobian_check_are_carried_over():
    out = as_elementwise(_unlocalised(localised=True, complete=True, cannot_tell=False, blur=0.25),
                         np.ones((2, 3)), rtol=1e-6, atol=1e-9, batch_size=None)
    assert (out.localised, out.complete, out.blur, out.note) == (True, True, 0.25, "")


def test_the_words_of_a_complete_search_agree_with_the_number_of_entries():
    x = _x((10, 15))

    def zero_at_one(v):
        d = _dtanh(v)
        d[3, 4] = 0.0
        return d

    c = gradcheck(np.tanh, zero_at_one, x).checks[0]
    assert c.complete and c.diagnosis.name == "zeros"
    assert c.diagnosis.message == ("Only entry [3, 4] of the derivative df(x) is wrong (bisection searched every "
                                   "entry); there it is 0 where the numerical value is not.")

    def two_sign_flips(v):
        d = _dtanh(v)
        d[1, 2] *= -1.0
        d[6, 9] *= -1.0
        return d

    c = gradcheck(np.tanh, two_sign_flips, x).checks[0]
    assert c.complete and c.diagnosis.name == "sign"
    assert c.diagnosis.message == (
        "The derivative df(x) has the wrong sign at entries [1, 2], [6, 9] and is correct elsewhere (bisection "
        "searched every entry): look for a stray minus in the code that computes them.")


def test_an_elementwise_derivative_through_many_kinks_cannot_tell_and_keeps_why():
    """ReLU's derivative at an x with 100 entries exactly 0, in directional mode: the elementwise check
    is "cannot tell" for the reason of the Jacobian's check (kinks), and the report says so."""
    x = np.random.default_rng(0).uniform(-1, 1, size=400)
    x[::4] = 0.0
    result = gradcheck(lambda v: np.maximum(v, 0), lambda v: (v > 0).astype(float), x, mode="directional")
    check = result.checks[0]
    assert (check.shape, check.cannot_tell, check.unsure_why) == ((400,), True, "kinks")
    assert "random directions cross more kinks than bisection separates" in str(result)
