"""The evidence rules of course.checking.nearby.Evidence: scalar, array and complex evaluations.

Guards the parts of :class:`~course.checking.nearby.Evidence` that read single floats (``_scalar``:
± pairs at one entry, a round step from an entry, the same round step at entry after entry;
``_scalar_pair`` and ``_is_entry``: points derived from the inputs, the last sixteen remembered),
arrays (``_array``: which input and sign, reshaped copies and stacks, the TAU and rounding bounds;
``_array_pair``: derived arrays, eight remembered; ``_along_an_input``: directional steps)
and complex arguments (the complex-step trick), through the public ``Evidence.add`` verdict and
its report text. tests/MUTANTS.md lists the mutants these tests were written against.
"""
from __future__ import annotations

import warnings

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


def test_rounding_either_side_of_an_entry_below_one_is_the_entry_itself():
    """Within 8 eps · max(1, |x_i|) of an entry, the bound included, a float is the entry itself: no ± pair."""
    assert verdicts([0.5 + 2.0 ** -49, 0.5 - 2.0 ** -49], inputs=(np.array([0.5, 5.0]),)) == [None, None]


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


def test_an_entry_and_a_relative_step_of_exactly_one_in_a_thousand_is_a_difference():
    """A relative step counts up to 1e-3 included: 3.250247 is 3.247 (1 + 1e-3) exactly (as floats),
    although its absolute step 3.247e-3 is not round."""
    assert last([3.247, 3.250247], inputs=(np.array([3.247, -1.2]),)) == (
        "evaluates f at x0[0] and x0[0] + 3e-03: that is differentiating numerically")


def test_a_step_that_is_round_only_when_multiplied_by_the_entry_is_no_difference():
    """A relative step divides by |x_i|: 3.7 and 3.7 + 1e-6 / 3.7 are no round step apart."""
    assert verdicts([3.7, 3.7 + 1e-6 / 3.7]) == [None, None]


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


def test_a_loop_with_a_relative_step_at_entries_below_one_is_seen():
    """Below 1 a relative step is relative to |x_i|: 0.3 (1 + 1e-6) and 0.7 (1 + 1e-6) are one step."""
    report = last([0.3 * (1 + 1e-6), 0.7 * (1 + 1e-6)], inputs=(np.array([0.3, 0.7]),))
    assert report == ("evaluates f next to entry after entry of x0 with the same step 7e-07: that is "
                      "differentiating numerically")


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


def test_derived_points_a_relative_step_above_tau_apart_are_no_difference():
    """A relative step above TAU is no perturbation: 0.3 and 0.3 (1 + 2^-6) (a doubled 2^-7 relative
    to 0.3, an absolute 4.7e-3 that is not round) are no difference."""
    assert verdicts([0.3, 0.3046875]) == [None, None]


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


def test_a_step_along_an_input_with_a_sideways_part_of_exactly_same_its_length():
    """A difference counts as along an input while its part across it is at most SAME (1e-3) of its
    length, that bound included: z + 2^-20 z with a sideways entry of exactly 1e-3 of the step."""
    z = np.array([1.0, 0.0])
    sideways = float.fromhex("0x1.0624e5c620fffp-30")   # norm([0, y]) == 1e-3 * norm([2^-20, y]) exactly
    report = last([z, np.array([1.0 + 2.0 ** -20, sideways])], inputs=(z,), names=("z",))
    assert report == "evaluates f at points next to z (steps of 1e-06): that is differentiating numerically"


# -- arrays: which input, which sign, which shape ---------------------------------------------

def test_a_plus_minus_pair_at_twice_an_entry_names_it():
    """A pair around 2·x_i (``f(2 * (x + h))``) names the entry as 2·x."""
    assert last([7.4 + 1e-7, 7.4 - 1e-7]) == "evaluates f at 2·x0[0] ± 1e-07: that is differentiating numerically"


def test_a_round_step_next_to_minus_the_input_is_read_against_minus_the_input():
    """-x and -x + 1e-7 are a step next to -x (sign -1 is tried after +1 misses), not two derived points."""
    assert last([-X, -X + 1e-7]) == (
        "evaluates f at points next to -x0 (steps of 1e-07): that is differentiating numerically")


def test_a_round_absolute_step_next_to_a_large_input_array():
    """The bound is TAU times the input's scale: x and x + 1e-3 next to an input of size 300."""
    big = np.array([300.0, 1.0])
    assert last([big, big + 1e-3], inputs=(big,)) == (
        "evaluates f at points next to x0 (steps of 1e-03): that is differentiating numerically")


def test_a_step_of_exactly_tau_from_an_input_array_is_a_perturbation():
    """0 < max |a - x| <= TAU: a point exactly TAU (scale 1) from the input, after the input, is a step."""
    x = np.array([0.0, 0.25])
    assert last([x, np.array([0.01, 0.25])], inputs=(x,)) == (
        "evaluates f at points next to x0 (steps of 1e-02): that is differentiating numerically")


@pytest.mark.parametrize("x, up, down", [
    (np.array([0.5, 0.25]), np.array([0.5 + 2.0 ** -49, 0.25]), np.array([0.5 - 2.0 ** -49, 0.25])),
    (np.array([300.0, 1.0]), np.array([np.nextafter(300.0, 400.0), 1.0]), np.array([np.nextafter(300.0, 200.0), 1.0])),
], ids=["8 eps at scale 1", "one ulp at scale 300"])
def test_rounding_either_side_of_an_input_array_is_the_input_itself(x, up, down):
    """Differences up to 8 eps times the input's scale (the bound included) are rounding, not a ± pair."""
    assert verdicts([up, down], inputs=(x,)) == [None, None]


def test_a_plus_minus_pair_with_one_point_in_extended_precision():
    """Points are compared as float64: x + Δ as float64 and x − Δ as np.longdouble are a ± pair."""
    delta = np.array([3.7e-6, 3.7e-6])
    report = last([X + delta, (X - delta).astype(np.longdouble)])
    assert report == "evaluates f at points next to x0 (steps of 4e-06): that is differentiating numerically"


def test_a_plus_minus_pair_on_a_reshaped_copy_of_the_input():
    """An array of the input's size but another shape is compared reshaped: x + Δ, then (x − Δ) as a row."""
    delta = np.array([3.1e-7, 1.7e-6])                 # no one size, along no input
    report = last([X + delta, (X - delta).reshape(1, 2)])
    assert report == ("evaluates f at x0 + Δ and x0 − Δ (a difference along a direction): that is "
                      "differentiating numerically")


@pytest.mark.parametrize("other", [np.zeros((2, 3, 2)), np.zeros(5)], ids=["broadcasts larger", "does not broadcast"])
def test_a_stack_is_read_against_a_later_input_after_one_it_does_not_stack(other):
    """[x - h, x, x + h] is a stack of x even when an earlier input's shape does not fit the stack."""
    stack = np.stack([X - 1e-6, X, X + 1e-6])
    report = last([stack], inputs=(other, X))
    assert report is not None and "many points next to x1 at once" in report


def test_evaluations_of_two_functions_next_to_one_input_are_not_combined():
    """f at x and g at x + 1e-7, or f at x + Δ and g at x − Δ: no one function was differenced."""
    assert verdicts([X, X + 1e-7], keys=["f", "g"]) == [None, None]
    delta = np.array([3.1e-7, 1.7e-6])
    assert verdicts([X + delta, X - delta], keys=["f", "g"]) == [None, None]


def test_a_stack_of_exact_copies_of_the_input_twice_is_no_evidence():
    """np.tile(x) is x itself, in a batch: evaluating it twice is no difference (no ± pair of zero steps)."""
    assert verdicts([np.tile(X, (3, 1)), np.tile(X, (3, 1))]) == [None, None]


def test_a_stack_of_exact_copies_is_remembered_as_a_point():
    """A stack of copies of x is remembered among the derived points: a stack 2^-7 from it, read against
    an earlier input it is next to (without a round step), is two points a small step apart."""
    x = np.array([0.5, 0.25])
    w = x + 0.015                                       # x + 2^-7 is next to w, x itself is not
    report = last([np.tile(x, (3, 1)), np.tile(x + 2.0 ** -7, (3, 1))], inputs=(w, x))
    assert report == ("evaluates f at two points a small step apart (largest difference 8e-03): that is "
                      "differentiating numerically")


# -- arrays derived from the inputs ----------------------------------------------------------

P = np.array([42.125, -17.5])                         # next to no input (nor to -x, 2x, -2x)


def test_two_derived_arrays_a_round_step_apart():
    """Two arrays next to no input, 1e-7 apart everywhere, are a difference (with its size in the report)."""
    assert last([P, P + 1e-7]) == (
        "evaluates f at two points a small step apart (largest difference 1e-07): that is "
        "differentiating numerically")


def test_derived_arrays_of_two_functions_are_no_difference():
    """The memory of derived arrays is per function: f at p and g at p + 1e-7 are no difference."""
    assert verdicts([P, P + 1e-7], keys=["f", "g"]) == [None, None]


def test_derived_arrays_more_than_tau_apart_are_no_difference():
    """Below scale 1 the bound is TAU itself: arrays 2^-6 (a doubled round step) apart are no step."""
    p = np.array([0.3, 0.5])
    assert verdicts([p, p + 2.0 ** -6]) == [None, None]


def test_derived_arrays_exactly_tau_apart_near_zero():
    """0 < max |a - old| <= TAU · max(1, max |old|), the bound included."""
    assert last([np.array([0.0, 0.5]), np.array([0.01, 0.5])]) is not None


def test_derived_arrays_a_round_absolute_step_apart_at_a_large_scale():
    """The bound grows with the point: 1e-3 apart at size 150 is a step."""
    p = np.array([150.0, 151.5])
    assert last([p, p + 1e-3]) is not None


def test_a_derived_array_given_in_extended_precision_is_read_as_a_float():
    """Two evaluations that differ only below float64 rounding (2^20 + 2^-37 as np.longdouble) are one point."""
    p = np.array([2.0 ** 20, 2.0 ** 20])
    moved = p.astype(np.longdouble) + np.longdouble(2.0 ** -36) * G.astype(np.longdouble)
    assert moved[0] != p[0]                            # the extended value does differ
    assert verdicts([p, moved], inputs=(Z, G)) == [None, None]


def test_of_nine_distinct_derived_arrays_eight_are_remembered():
    """The memory of derived arrays holds eight: of nine far-apart points, exactly eight are seen again."""
    points = [np.array([50.0 + 1.37 * k, 60.0 + 2.1 * k]) for k in range(9)]
    seen = [last(points + [p + 1e-7]) is not None for p in points]
    assert sum(seen) == 8


def test_repeated_evaluations_at_one_derived_array_take_one_place_in_memory():
    """Eight evaluations at one point fill one place: a ninth point is still remembered."""
    q = np.array([70.0, 80.5])
    assert last([P] * 8 + [q, q + 1e-7]) is not None


def test_non_finite_arrays_do_not_push_derived_points_out_of_memory():
    """Arrays with nan or inf are explained (nothing to compare) and are not remembered."""
    bad = [np.array([np.nan, float(k)]) for k in range(8)]
    assert last(bad + [P, P + 1e-7]) is not None


# -- derived floats at the boundaries ------------------------------------------------------------

def test_derived_points_a_relative_step_of_exactly_tau_apart():
    """A relative step counts up to TAU included: 0.3025 and 0.305525 differ by exactly 1 % of 0.3025
    (a doubled 5e-3) although 0.003025 itself is no round step."""
    assert last([0.3025, 0.305525]) == (
        "evaluates f at 0.3025 and at 0.305525, a step of 3e-03 apart: that is differentiating numerically")


@pytest.mark.parametrize("offset, remembered", [(2.0 ** -49, True), (2.0 ** -48, False)],
                         ids=["8 eps: the entry", "16 eps: a derived point"])
def test_points_within_rounding_of_an_entry_are_not_derived_points(offset, remembered):
    """A float within 8 eps · max(1, |a|) of an entry (bound included) is that entry and is not remembered;
    one just beyond is a derived point, and sixteen of them push an older one out of memory."""
    inputs = (np.array([0.5, 5.0]),)
    report = last([42.123] + [0.5 + offset] * 16 + [42.123 + 1e-7], inputs=inputs)
    assert (report is not None) == remembered


def test_an_input_of_zeros_is_no_direction_and_raises_no_warning():
    """An all-zero input has no direction to step along: a point next to it is read without 0 / 0."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert verdicts([np.array([1e-7, 3e-7])], inputs=(np.zeros(2),)) == [None]


def test_perturbations_that_mirror_each_other_only_roughly_are_no_plus_minus_pair():
    """x + Δ and x − Δ' pair only when Δ' = Δ up to SAME (1e-3) times the size, absolutely: a mismatch
    of 3.02e-9 in steps of size 3e-6 is just beyond it."""
    x = np.zeros(2)
    first, second = np.array([1e-6, 3e-6]), np.array([-1e-6, -3e-6 + 3.02e-9])
    assert verdicts([first, second], inputs=(x,)) == [None, None]


def test_of_nine_irregular_perturbations_eight_are_remembered():
    """The memory of perturbations without one size holds eight: of nine, the mirror x − Δ of exactly
    eight is seen as a ± pair."""
    deltas = [np.array([1e-7 * (k + 1.3), 1.7e-6 * (k + 1) ** 1.5]) for k in range(9)]
    seen = [last([X + d for d in deltas] + [X - delta]) is not None for delta in deltas]
    assert sum(seen) == 8


@pytest.mark.parametrize("x, noise", [(np.array([0.5, 0.25]), 2.0 ** -49), (np.array([300.0, 1.0]), 2.0 ** -52)],
                         ids=["8 eps at scale 1", "one ulp at scale 300"])
def test_entries_moved_by_rounding_only_have_no_sign_in_a_stack(x, noise):
    """A stack of x + h e_0 (h not round, one-sided) whose other entry is off by rounding (up to
    8 eps · scale, included) the other way is no stack of points on both sides of x."""
    row = np.array([x[0] + 3.7e-6, x[1] - noise])
    assert verdicts([np.stack([row, row])], inputs=(x,)) == [None]


def test_a_stack_on_both_sides_of_the_input_with_a_step_that_is_not_round():
    """[x - h, x, x + h] with h = 3.7e-6 (not round) is many points next to x at once (signs on both sides)."""
    report = last([np.stack([X - 3.7e-6, X, X + 3.7e-6])])
    assert report == ("evaluates f at many points next to x0 at once (steps of 4e-06): that is "
                      "differentiating numerically")


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["above", "below"])
def test_a_stack_moved_to_one_side_in_one_entry_by_a_step_that_is_not_round_is_no_evidence(sign):
    """A stack of x ± h e_0 (one side only, h = 3.7e-6 not round, the other entry exact) is no difference."""
    x = np.array([0.5, 0.25])
    row = x + sign * np.array([3.7e-6, 0.0])
    assert verdicts([np.stack([row, row])], inputs=(x,)) == [None]


def test_a_plus_minus_pair_along_one_coordinate_with_a_step_that_is_not_round():
    """x + h e_0 and x - h e_0 with h = 3.7e-6 (round in no sense at x_0 = 0.5): the unmoved entry's sign
    is 0 on both sides (not -0.0 on one), so the two perturbations mirror each other."""
    x = np.array([0.5, 0.25])
    e0 = np.array([3.7e-6, 0.0])
    assert last([x + e0, x - e0], inputs=(x,)) == (
        "evaluates f at points next to x0 (steps of 4e-06): that is differentiating numerically")


def test_the_last_eight_derived_arrays_are_remembered():
    """Nine derived arrays, then a round step from the ninth: still seen (the last eight are kept)."""
    pts = [np.array([40.0 + k, 50.0 + 2 * k]) for k in range(9)]
    assert last(pts + [pts[-1] + 1e-7]) is not None


# -- which arguments are inputs (Evidence.__init__ and _collect) ---------------------------------

def _evidence(args, kwargs=None, names=()):
    return Evidence(tuple(args), dict(kwargs or {}), names)


def test_the_arrays_of_a_tuple_argument_are_inputs_named_by_position():
    ev = _evidence([(np.array([0.5, 2.0]), np.array([5.0, 9.0]))], names=("params",))
    assert ev.add("f", "f", (5.0 + 1e-6,)) is None
    assert ev.add("f", "f", (5.0 - 1e-6,)) == "evaluates f at params[1][0] ± 1e-06: that is differentiating numerically"


def test_a_keyword_argument_is_an_input_named_by_its_keyword():
    ev = _evidence([], {"w": np.array([0.5, 2.0])})
    ev.add("f", "f", (2.0 + 1e-6,))
    assert ev.add("f", "f", (2.0 - 1e-6,)) == "evaluates f at w[1] ± 1e-06: that is differentiating numerically"


def test_the_arrays_of_a_tuple_keyword_argument_are_inputs():
    ev = _evidence([], {"p": (np.array([0.5, 2.0]),)})
    ev.add("f", "f", (2.0 + 1e-6,))
    assert ev.add("f", "f", (2.0 - 1e-6,)) == "evaluates f at p[0][1] ± 1e-06: that is differentiating numerically"


def test_a_one_entry_array_is_an_input_and_an_empty_one_is_none():
    ev = _evidence([np.array([0.75]), np.array([], dtype=float)])
    assert [label for label, _ in ev.inputs] == ["argument 1"]
    ev.add("f", "f", (0.75 + 1e-6,))
    assert ev.add("f", "f", (0.75 - 1e-6,)) is not None


def test_a_perturbation_is_at_most_tau_times_max_one_and_the_inputs_largest_entry():
    """x = [0.5, 1.0]: x ± 0.015 is more than TAU·1 away (no pair); x = [300, 1]: x ± 1 is within TAU·300."""
    small = np.array([0.5, 1.0])
    assert verdicts([small + 0.015, small - 0.015], inputs=(small,)) == [None, None]
    assert last([small + 0.009, small - 0.009], inputs=(small,)) is not None
    large = np.array([300.0, 1.0])
    assert last([large + 1.0, large - 1.0], inputs=(large,)) is not None


# -- array points next to an input: mirrors, round steps, what is remembered ----------------------

XA = np.array([0.5, 0.25])


def test_an_array_plus_minus_pair_with_a_step_round_in_no_sense_is_seen_by_its_mirror():
    d = np.array([3.7e-6, 3.7e-6])
    assert last([XA + d, XA - d], inputs=(XA,)) == (
        "evaluates f at points next to x0 (steps of 4e-06): that is differentiating numerically")


def test_a_round_step_after_another_step_of_the_input_is_a_difference():
    """x + 3.7e-6 (no round size) and then x + 1e-7: the second is a round step next to x, after one other."""
    assert verdicts([XA + 3.7e-6, XA + 1e-7], inputs=(XA,)) == [
        None, "evaluates f at points next to x0 (steps of 1e-07): that is differentiating numerically"]
    assert last([XA + 1e-7, XA + 2.5e-7], inputs=(XA,)) is not None


def test_the_input_and_a_round_step_from_it_name_the_input():
    assert verdicts([XA.copy(), XA + 1e-7], inputs=(XA,)) == [
        None, "evaluates f at points next to x0 (steps of 1e-07): that is differentiating numerically"]


def test_points_next_to_an_input_are_also_remembered_as_derived_points():
    """x + 3.7e-6 and x + 3.8e-6: neither is a round step from x, but they are 1e-7 apart."""
    assert verdicts([XA + 3.7e-6, XA + 3.8e-6], inputs=(XA,))[-1] is not None


def test_evaluations_at_the_input_itself_take_no_place_among_derived_points():
    """Eight derived arrays, x itself, then a round step from the first derived one: still remembered."""
    derived = [np.array([40.0 + k, 50.0 + 3 * k]) for k in range(8)]
    assert last(derived + [XA.copy(), derived[0] + 1e-7], inputs=(XA,)) is not None


def test_a_round_step_from_the_input_and_then_the_input_itself_name_the_input():
    assert verdicts([XA + 1e-7, XA.copy()], inputs=(XA,)) == [
        None, "evaluates f at points next to x0 (steps of 1e-07): that is differentiating numerically"]
