"""The evidence rules of course.checking.nearby.Evidence: scalar and complex evaluations.

Guards the parts of :class:`~course.checking.nearby.Evidence` that read single floats (``_scalar``:
± pairs at one entry, a round step from an entry, the same round step at entry after entry;
``_scalar_pair`` and ``_is_entry``: points derived from the inputs, the last sixteen remembered)
and complex arguments (the complex-step trick), through the public ``Evidence.add`` verdict and
its report text. tests/MUTANTS.md lists the mutants these tests were written against.
"""
from __future__ import annotations

import numpy as np
import pytest

from course.checking.nearby import Evidence

X = np.array([3.7, -1.2])


def verdicts(points, inputs=(X,), names=None, keys=None):
    """The verdict on each evaluation of one function (or of ``keys[i]``) at ``points`` in turn."""
    names = tuple(f"x{i}" for i in range(len(inputs))) if names is None else names
    evidence = Evidence(tuple(inputs), {}, names)
    keys = ["f"] * len(points) if keys is None else keys
    return [evidence.add(k, k, (p,)) for k, p in zip(keys, points)]


def last(points, **kw):
    return verdicts(points, **kw)[-1]


# -- the complex-step trick ------------------------------------------------------------------

def test_complex_step_names_the_input_and_the_step():
    assert last([X + 1e-20j]) == ("evaluates f at x0 + i·1e-20 (the complex-step trick): "
                                  "that is differentiating numerically")


def test_complex_step_on_a_stack_of_copies_is_seen():
    assert last([np.tile(X, (3, 1)) + 1e-20j]) is not None


def test_complex_step_on_a_later_input_after_one_of_another_shape():
    report = last([X + 1e-20j], inputs=(np.ones(3), X))
    assert report is not None and "x1 + i·1e-20" in report


def test_an_empty_complex_array_is_no_evidence():
    assert last([np.zeros(0, dtype=complex)], inputs=(200.0,)) is None
    assert last([np.zeros(0, dtype=complex)], inputs=(3.7,)) is None


def test_an_imaginary_part_above_tau_is_no_perturbation():
    small = np.array([0.1, 0.2])
    assert last([small + 0.015j], inputs=(small,)) is None


def test_an_imaginary_part_of_exactly_tau_is_one():
    small = np.array([0.1, 0.2])
    report = last([small + 0.01j], inputs=(small,))
    assert report is not None and "i·1e-02" in report


def test_a_large_input_allows_a_larger_imaginary_step():
    big = np.array([300.0, 1.0])
    assert last([big + 1e-3j], inputs=(big,)) is not None
    assert last([big + 1e-13 + 1e-20j], inputs=(big,)) is not None    # rounding of the real part


@pytest.mark.parametrize("real", [X + 5.0, X * (1 + 1e-7), X + 1e-9], ids=["far", "relative 1e-7", "1e-9"])
def test_a_complex_point_whose_real_part_is_not_the_input_is_no_complex_step(real):
    assert last([real + 1e-20j]) is None


def test_a_complex_array_with_zero_imaginary_part_is_no_complex_step():
    assert last([X + 0j]) is None


# -- one entry: ± pairs and a round step away --------------------------------------------------

def test_a_plus_minus_pair_at_an_entry_names_it():
    assert last([3.7 + 1e-7, 3.7 - 1e-7]) == "evaluates f at x0[0] ± 1e-07: that is differentiating numerically"


def test_a_plus_minus_pair_names_a_matrix_entry_by_row_and_column():
    m = np.array([[1.5, 2.5], [4.25, -3.0]])
    assert last([4.25 + 1e-6, 4.25 - 1e-6], inputs=(m,), names=("W",)) == (
        "evaluates f at W[1, 0] ± 1e-06: that is differentiating numerically")


def test_a_plus_minus_pair_at_a_scalar_input_names_it_without_index():
    assert last([3.7 + 1e-7, 3.7 - 1e-7], inputs=(3.7,), names=("t",)) == (
        "evaluates f at t ± 1e-07: that is differentiating numerically")


def test_a_plus_minus_pair_below_the_smallest_entry():
    report = last([-7.4 - 1e-7, -7.4 + 1e-7])
    assert report == "evaluates f at -2·x0[0] ± 1e-07: that is differentiating numerically"


def test_a_plus_minus_pair_at_a_large_entry_with_a_step_large_in_absolute_terms():
    report = last([300 + 1e-3, 300 - 1e-3], inputs=(np.array([300.0, 1.0]),))
    assert report == "evaluates f at x0[0] ± 1e-03: that is differentiating numerically"


def test_points_more_than_tau_from_a_small_entry_are_no_pair():
    assert verdicts([0.115, 0.085], inputs=(np.array([0.1, 5.0]),)) == [None, None]


def test_the_same_point_twice_is_no_pair():
    assert verdicts([3.7 + 1e-7, 3.7 + 1e-7]) == [None, None]


def test_rounding_either_side_of_a_large_entry_is_the_entry_itself():
    up, down = np.nextafter(300.0, 400.0), np.nextafter(300.0, 200.0)
    assert verdicts([up, down], inputs=(np.array([300.0, 1.0]),)) == [None, None]


def test_an_entry_and_a_point_one_unit_away_are_no_difference():
    assert verdicts([200.0, 199.0], inputs=(np.array([200.0, 1.0]),)) == [None, None]


def test_an_entry_and_a_round_step_away_is_a_difference():
    assert last([3.7, 3.7 + 1e-7]) == ("evaluates f at x0[0] and x0[0] + 1e-07: that is differentiating "
                                      "numerically")


def test_a_one_sided_step_of_twice_a_round_size_is_not_round_by_itself():
    assert verdicts([3.7, 3.7 + 2e-7]) == [None, None]


def test_an_entry_and_the_entry_times_one_plus_a_round_relative_step_is_a_difference():
    """x_i and x_i (1 + 1e-6): a one-sided step of 1e-6 relative to |x_i|, above 1 and below it."""
    assert last([3.7, 3.7 * (1 + 1e-6)]) == (
        "evaluates f at x0[0] and x0[0] + 4e-06: that is differentiating numerically")
    small = np.array([0.0026485, 5.0])
    assert last([0.0026485, 0.0026485 * (1 + 1e-6)], inputs=(small,)) is not None
    assert verdicts([0.0026485, 0.0026485 * (1 + 3.3e-6)], inputs=(small,)) == [None, None]   # not round


@pytest.mark.parametrize("h", [1e-2, 1e-4, 1e-7])
def test_a_plus_minus_pair_around_an_entry_that_is_exactly_zero(h):
    """0 is also -0, 2·0 and -2·0: 0 + h and 0 - h are one entry's pair, named as the entry of x."""
    assert last([h, -h], inputs=(np.array([0.0, 5.0]),)) == (
        f"evaluates f at x0[0] ± {h:.0e}: that is differentiating numerically")


def test_a_plus_minus_pair_around_a_value_two_entries_share():
    """x[0] = x[2]: the pair around either is one entry's pair (the first of them is named)."""
    assert last([0.5 + 1e-6, 0.5 - 1e-6], inputs=(np.array([0.5, 2.0, 0.5]),)) == (
        "evaluates f at x0[0] ± 1e-06: that is differentiating numerically")


def test_a_zero_entry_and_a_point_beyond_tau_are_no_difference():
    assert verdicts([0.0, 0.02, -0.02], inputs=(np.array([0.0, 5.0]),)) == [None, None, None]


# -- entry after entry with the same step -----------------------------------------------------

def test_a_loop_of_forward_differences_is_seen_with_the_step_in_the_report():
    assert last([3.7 + 1e-7, -1.2 + 1e-7]) == (
        "evaluates f next to entry after entry of x0 with the same step 1e-07: that is "
        "differentiating numerically")


def test_a_loop_with_a_relative_step_is_seen():
    report = last([3.7 * (1 + 1e-6), -1.2 * (1 + 1e-6)])
    assert report is not None and "entry after entry of x0" in report


def test_entries_of_different_inputs_are_not_one_loop():
    inputs = (np.array([3.7, 5.0]), np.array([9.0, -1.2]))
    assert verdicts([3.7 + 1e-7, -1.2 + 1e-7], inputs=inputs) == [None, None]


@pytest.mark.parametrize("steps", [(1.3e-5, 4.1e-6), (3.3e-6, 3.3e-6), (2e-7, 2e-7)],
                         ids=["different", "same but not round", "twice round"])
def test_entries_moved_by_steps_that_are_not_one_round_step_are_no_loop(steps):
    assert verdicts([3.7 + steps[0], -1.2 + steps[1]]) == [None, None]


# -- points derived from the inputs ----------------------------------------------------------

def test_two_derived_points_a_round_step_apart():
    assert last([42.123, 42.123 + 1e-7]) == (
        "evaluates f at 42.123 and at 42.123, a step of 1e-07 apart: that is differentiating numerically")


def test_derived_points_of_two_functions_are_no_difference():
    assert verdicts([42.123, 42.123 + 1e-7], keys=["f", "g"]) == [None, None]


def test_evaluations_at_input_entries_do_not_push_derived_points_out_of_memory():
    inputs = (np.array([300.0, 3.7]),)
    at_entry = np.nextafter(-600.0, 0.0)          # -2·x0[0], up to rounding: the smallest entry
    report = last([42.123] + [at_entry] * 16 + [42.123 + 1e-7], inputs=inputs)
    assert report is not None and "42.123" in report


def test_the_last_sixteen_derived_points_are_remembered():
    others = [50.0 + 1.37 * k for k in range(16)]
    assert last([42.123] + others[:15] + [42.123 + 1e-7]) is not None
    assert last([42.123] + others + [42.123 + 1e-7]) is None


def test_derived_points_more_than_tau_apart_are_no_difference():
    assert verdicts([0.3, 0.3 + 2.0 ** -6]) == [None, None]


def test_derived_points_a_round_absolute_step_apart_at_a_large_scale():
    assert last([150.0, 150.0 + 1e-3]) is not None


def test_derived_points_exactly_tau_apart_near_zero():
    assert last([0.0, 0.01]) is not None


# -- a step along one of the inputs (a directional difference) --------------------------------

Z, G = np.array([1.0, 2.0]), np.array([0.5, 0.25])     # z + 2^-20 g is exact: d is exactly 2^-20 g


def test_a_one_sided_step_along_another_input_is_a_difference():
    report = last([Z, Z + 2.0 ** -20 * G], inputs=(Z, G), names=("z", "g"))
    assert report == "evaluates f at points next to z (steps of 1e-06): that is differentiating numerically"


def test_a_step_along_an_input_after_an_input_of_another_size():
    report = last([Z, Z + 2.0 ** -20 * G], inputs=(0.5, Z, G), names=("c", "z", "g"))
    assert report == "evaluates f at points next to z (steps of 1e-06): that is differentiating numerically"


def test_a_step_that_is_not_along_any_input_and_has_no_one_size_is_no_difference():
    assert verdicts([Z, Z + np.array([3.1e-7, 1.7e-6])], inputs=(Z, G)) == [None, None]
