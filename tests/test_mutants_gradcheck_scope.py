"""The likely cause of a failed directional check (course/gradcheck/scope.py, ``directional_cause``).

``gradcheck(f, df, x)`` on an ``x`` of more than 100 entries checks ``df`` along random directions and
bisects a failure down to at most five wrong entries. The cause it then states must say on which
entries it holds: the whole tensor (an all-zero gradient), exactly the entries found (a complete
search: one entry or several, "it"/"them", with or without a pattern on them), the entries found and
perhaps more (an incomplete search), with a row, a column, a zero block where every wrong entry lies,
or "no pattern recognised"; an error bisection cannot localise is said to be spread thinly. Entries
are listed as ``[i, j]`` (``listed``). See tests/MUTANTS.md.
"""
from __future__ import annotations

import numpy as np
import pytest

from course import gradcheck

SHAPE = (12, 15)  # 180 entries: "auto" checks them along random directions
MORE = "bisection stops at 5, so there may be more"
AGREES = "(a random direction through every other entry agrees)"
SCATTERED = ([0, 1, 2, 3, 4, 5, 6, 7], [0, 3, 6, 9, 12, 1, 4, 7])  # 8 entries in 8 rows, 8 columns
FIRST_FIVE = "[0, 0], [1, 3], [2, 6], [3, 9], [4, 12]"


def _cube(v):
    return float(np.sum(v**3))


def _dcube(v):
    return 3 * v**2


def _x(shape=SHAPE):
    return np.random.default_rng(0).uniform(0.5, 1.5, size=shape)


def _with(bug):
    """The right gradient of ``_cube``, changed in place by ``bug(g)``."""
    def df(v):
        g = _dcube(v)
        bug(g)
        return g
    return df


def _check(df, x=None, **kw):
    r = gradcheck(_cube, df, _x() if x is None else x, name="W", rng=np.random.default_rng(4), **kw)
    assert not r and r.checks[0].mode == "directional"
    return r.checks[0]


# -- the whole tensor, or nothing localised ---------------------------------------------------------

def test_an_all_zero_gradient_is_named_for_the_whole_tensor_with_its_entry_count():
    c = _check(np.zeros_like)
    assert c.diagnosis.name == "zeros"
    assert c.diagnosis.message == (
        "The gradient for W is all zeros (every one of its 180 entries) although the numerical gradient is "
        "not: it looks as if it was never computed, or never written into the array that is returned.")


def test_an_error_bisection_cannot_localise_is_said_to_be_spread_thinly():
    """Every entry off by 0.7 of one entry's tolerance, with the signs of the first random direction."""
    n, rtol = 4096, 1e-3
    x = np.random.default_rng(0).uniform(0.5, 1.5, size=n)
    v = gradcheck(_cube, _dcube, x, mode="directional", rtol=rtol,
                  rng=np.random.default_rng(11)).checks[0].projections[0][2]
    delta = 0.7 * rtol * np.linalg.norm(_dcube(x)) / np.sqrt(n)
    r = gradcheck(_cube, lambda a: _dcube(a) + delta * np.sign(v), x, mode="directional", rtol=rtol,
                  rng=np.random.default_rng(11))
    c = r.checks[0]
    assert not r and c.entries == []
    assert c.diagnosis.name == "unknown"
    assert c.diagnosis.message == (
        "The gradient for x disagrees along random directions, but bisection could not localise the error "
        "(it is spread thinly over many entries); no pattern recognised.")


# -- a complete search: exactly the entries found ---------------------------------------------------

def test_one_sign_flip_found_by_a_complete_search_is_the_wrong_sign_at_that_entry_only():
    c = _check(_with(lambda g: g.__setitem__((1, 2), -g[1, 2])))
    assert c.complete and [e.index for e in c.entries] == [(1, 2)]
    assert c.diagnosis.name == "sign"
    assert c.diagnosis.message == (
        "The gradient for W has the wrong sign at entry [1, 2] and is correct elsewhere (bisection searched "
        "every entry, and a random direction with it corrected agrees): look for a stray minus in the code "
        "that computes it.")


def test_two_sign_flips_found_by_a_complete_search_are_entries_and_them():
    def flip(g):
        g[1, 2] *= -1
        g[4, 7] *= -1

    c = _check(_with(flip))
    assert c.complete and [e.index for e in c.entries] == [(1, 2), (4, 7)]
    assert c.diagnosis.name == "sign"
    assert c.diagnosis.message == (
        "The gradient for W has the wrong sign at entries [1, 2], [4, 7] and is correct elsewhere (bisection "
        "searched every entry, and a random direction with them corrected agrees): look for a stray minus in "
        "the code that computes them.")


def test_one_zeroed_entry_found_by_a_complete_search_says_what_it_is_there():
    c = _check(_with(lambda g: g.__setitem__((3, 4), 0.0)))
    assert c.complete and c.diagnosis.name == "entries"
    assert c.diagnosis.message == (
        "Only entry [3, 4] of W is wrong (bisection searched every entry, and a random direction with it "
        "corrected agrees); there it is 0 where the numerical value is not: look for code that writes single "
        "entries, e.g. an index that is off by one.")


def test_two_doubled_entries_found_by_a_complete_search_say_what_they_are_there():
    def double(g):
        g[3, 4] *= 2
        g[5, 6] *= 2

    c = _check(_with(double))
    assert c.complete and c.diagnosis.name == "entries"
    assert c.diagnosis.message == (
        "Only entries [3, 4], [5, 6] of W are wrong (bisection searched every entry, and a random direction "
        "with them corrected agrees); there they are 2 times the numerical value: look for code that writes "
        "single entries, e.g. an index that is off by one.")


def test_one_entry_with_no_pattern_found_by_a_complete_search_adds_nothing_about_it():
    c = _check(_with(lambda g: g.__setitem__((3, 4), 1.7 * g[3, 4])))
    assert c.complete and c.diagnosis.name == "entries"
    assert c.diagnosis.message == (
        "Only entry [3, 4] of W is wrong (bisection searched every entry, and a random direction with it "
        "corrected agrees): look for code that writes single entries, e.g. an index that is off by one.")


def test_two_unrelated_entries_found_by_a_complete_search_add_nothing_about_them():
    def unrelated(g):
        g[3, 4] *= 1.7
        g[5, 6] *= 0.3

    c = _check(_with(unrelated))
    assert c.complete and c.diagnosis.name == "entries"
    assert c.diagnosis.message == (
        "Only entries [3, 4], [5, 6] of W are wrong (bisection searched every entry, and a random direction "
        "with them corrected agrees): look for code that writes single entries, e.g. an index that is off by "
        "one.")


# -- an incomplete search: the entries found, and perhaps more --------------------------------------

def test_scattered_errors_with_no_pattern_are_unknown_and_say_no_pattern_recognised():
    factor = np.random.default_rng(3).uniform(1.2, 3.0, size=len(SCATTERED[0]))
    c = _check(_with(lambda g: g.__setitem__(SCATTERED, g[SCATTERED] * factor)))
    assert not c.complete and len(c.entries) == 5
    assert c.diagnosis.name == "unknown"
    m = c.diagnosis.message
    assert m.startswith(f"Bisection found the 5 wrong entries ({FIRST_FIVE};"), m  # not "entries found ("
    assert m.endswith(f"({FIRST_FIVE}; {MORE}); no pattern recognised."), m
    assert m.count(";") == 2 and "lie in" not in m and " is " not in m, m


def test_scattered_sign_flips_are_stated_on_the_entries_found_and_nowhere_else():
    def flip(g):
        g[SCATTERED] *= -1

    c = _check(_with(flip))
    assert not c.complete and c.diagnosis.name == "sign"
    assert c.diagnosis.message == (
        f"At the 5 wrong entries found ({FIRST_FIVE}; {MORE}), the gradient for W is the opposite sign.")


def test_errors_with_no_pattern_in_one_row_name_the_row_and_no_pattern():
    c = _check(_with(lambda g: g.__setitem__(3, g[3] * np.linspace(1.3, 2.9, SHAPE[1]))))
    assert not c.complete and c.diagnosis.name == "entries"
    m = c.diagnosis.message
    assert m.startswith("Bisection found the 5 wrong entries "), m
    assert m.endswith(f"([3, 0], [3, 1], [3, 2], [3, 3], [3, 4]; {MORE}); all the wrong entries lie in row 3 "
                      f"of W {AGREES}."), m
    assert "no pattern" not in m


def test_errors_with_no_pattern_in_two_columns_name_the_columns():
    c = _check(_with(lambda g: g.__setitem__((slice(None), [5, 8]),
                                             g[:, [5, 8]] * np.linspace(1.3, 2.9, SHAPE[0])[:, None])))
    assert not c.complete and c.diagnosis.name == "entries"
    assert c.diagnosis.message.endswith(
        f"([0, 5], [0, 8], [1, 5], [1, 8], [2, 5]; {MORE}); all the wrong entries lie in columns 5, 8 of W "
        f"{AGREES}."), c.diagnosis.message


def test_a_sign_flipped_row_states_both_the_sign_and_the_row():
    c = _check(_with(lambda g: g.__setitem__(3, -g[3])))
    assert not c.complete and c.diagnosis.name == "sign"
    assert c.diagnosis.message == (
        f"At the 5 wrong entries found ([3, 0], [3, 1], [3, 2], [3, 3], [3, 4]; {MORE}), the gradient for W is "
        f"the opposite sign; all the wrong entries lie in row 3 of W {AGREES}.")


def test_a_zeroed_block_states_the_zeros_and_the_block():
    c = _check(_with(lambda g: g.__setitem__((slice(2, 5), slice(3, 7)), 0.0)))
    assert not c.complete and c.diagnosis.name == "zeros"
    assert c.diagnosis.message == (
        f"At the 5 wrong entries found ([2, 3], [2, 4], [2, 5], [2, 6], [3, 3]; {MORE}), the gradient for W is "
        f"0 where the numerical value is not; all the wrong entries lie in the 12 entries where it is exactly "
        f"0: the block of rows 2-4, columns 3-6 of W {AGREES}.")


def _counted(x, bug):
    """``(the check, how often f was called)`` for ``gradcheck(f, df, x)`` with ``df`` changed by ``bug``."""
    calls = [0]

    def f(v):
        calls[0] += 1
        return _cube(v)

    r = gradcheck(f, _with(bug), x, rng=np.random.default_rng(4))
    assert not r and r.checks[0].mode == "directional"
    return r, calls[0]


def test_the_exact_zeros_of_a_gradient_are_looked_at_only_when_the_entries_found_are_zeros():
    """A vector has no rows to try: a sign pattern costs no evaluation beyond the check, even with zeros in g."""
    x = np.random.default_rng(1).uniform(0.5, 1.5, size=200)
    x[:10] = 0.0  # g = 3 x**2 is exactly 0 there (and right)

    def flip(g):
        g[50:70] *= -1

    r, calls = _counted(x, flip)
    assert r.checks[0].diagnosis.name == "sign" and calls == r.evaluations
    assert r.checks[0].diagnosis.message == (
        f"At the 5 wrong entries found ([50], [51], [52], [53], [54]; {MORE}), the gradient for x is the "
        f"opposite sign.")

    def zero(g):
        g[50:70] = 0.0

    r, calls = _counted(x, zero)  # zeros found: a random direction through the non-zero entries tells where they lie
    assert r.checks[0].diagnosis.name == "zeros"
    assert calls == r.evaluations  # the report's count includes that measurement (it left it out)
    assert r.checks[0].diagnosis.message.endswith(
        f"the gradient for x is 0 where the numerical value is not; all the wrong entries lie in the 30 "
        f"entries where it is exactly 0 {AGREES}.")


def test_exact_zeros_elsewhere_cost_no_evaluation_when_the_entries_found_are_not_zeros():
    """The same sign flip, with and without exact (right) zeros in g: the same evaluations, the same cause."""
    x = np.random.default_rng(1).uniform(0.5, 1.5, size=200)

    def flip(g):
        g[50:70] *= -1

    r_plain, _ = _counted(x, flip)
    x[:10] = 0.0
    r_zeros, _ = _counted(x, flip)
    assert r_zeros.checks[0].diagnosis.name == r_plain.checks[0].diagnosis.name == "sign"
    assert r_zeros.evaluations == r_plain.evaluations


def test_fewer_than_five_entries_from_an_incomplete_search_do_not_claim_bisection_stopped_there():
    """Bisection stops at 5 entries; with 4 found and the search incomplete it missed some (here entries
    whose errors cancel within one half): the text says so, not "bisection stops at 4"."""
    x = _x((10,))

    def df(v):
        g = np.zeros(10, dtype=np.float32)
        g[9] = 1.0
        return g

    r = gradcheck(lambda v: float(1e6 + 0.5 * np.sum(v[:7] ** 2) + 1.12 * v[9]), df, x, mode="directional")
    c = r.checks[0]
    assert not c.complete and len(c.entries) == 4
    assert c.diagnosis.message.startswith(
        "At the 4 wrong entries found ([0], [1], [5], [6]; bisection did not search every entry, so there may "
        "be more), the gradient for x is 0 where the numerical value is not;"), c.diagnosis.message


def test_a_whole_tensor_cause_needs_one_ratio_along_every_direction():
    """Two of three projections off by the sign and one right is no whole-tensor sign (it was once read as
    "the wrong sign at entries (0,), (2,)" of the projections, said to hold for the whole tensor)."""
    from course.gradcheck.compare import TensorCheck
    from course.gradcheck.scope import _whole_tensor

    check = TensorCheck(name="x", shape=(5,), mode="directional", passed=False,
                        projections=[(-1.0, 1.0, None), (2.0, 2.0, None), (-3.0, 3.0, None)])
    args = dict(batch_size=None, rtol=1e-6, atol=1e-9, subject="The gradient for x")
    assert _whole_tensor(check, np.arange(1.0, 6.0), **args) is None
    check.projections = [(-1.0, 1.0, None), (-2.0, 2.0, None), (-3.0, 3.0, None)]
    assert _whole_tensor(check, np.arange(1.0, 6.0), **args).name == "sign"
