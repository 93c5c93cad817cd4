"""diagnose_activation(): the exact sentence for each wrong activation derivative, and its edge cases.

Guards ``course/gradcheck/diagnosis/activation.py``: the full message of every
candidate mistake (a learner reads it word for word), the order in which the two
inverted ReLU masks are told apart, which entries of ``da`` count as usable
(relative to the largest, at any scale), the two-usable-entries minimum, empty
inputs, integer inputs (converted to float before any arithmetic), and that the
caller's ``rtol`` and ``atol`` are the tolerances used. tests/MUTANTS.md lists the
mutants these tests were written against.
"""
from __future__ import annotations

import numpy as np
import pytest

from course.gradcheck.diagnosis.activation import diagnose_activation


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _relu(z):
    return np.maximum(z, 0.0)


def _inputs(seed=11, shape=(4, 6)):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=shape)
    da = rng.normal(size=shape)
    return z, da


PASS_THROUGH = ("The backward pass returns da unchanged: the activation derivative is missing "
                "(dz = da * f'(z)).")
SIGMOID_Z = ("The backward pass uses z * (1 - z): the sigmoid derivative is s * (1 - s) with "
             "s = sigmoid(z), not z.")
TANH_NO_SQUARE = "The backward pass uses 1 - tanh(z): the tanh derivative is 1 - tanh(z)**2."
TANH_OF_Z = ("The backward pass uses 1 - z**2: the tanh derivative is 1 - tanh(z)**2, applied to "
             "tanh(z), not to z.")
ITSELF = ("The backward pass multiplies by f(z), the activation itself, instead of its "
          "derivative f'(z).")
MASK_FROM_DA = ("The backward pass takes the ReLU mask from da (da > 0); it must come from the "
                "input: (z > 0).")
INVERTED_LT = ("The backward pass uses the inverted ReLU mask (z < 0); relu'(z) is 1 where z > 0, "
               "else 0.")
INVERTED_LE = ("The backward pass uses the inverted ReLU mask (z <= 0); relu'(z) is 1 where z > 0, "
               "else 0.")
TWICE = ("The backward pass multiplies by f'(z) twice (e.g. once in the activation and once again "
         "in the layer below).")


@pytest.mark.parametrize(
    "f, wrong, message",
    [
        (np.tanh, lambda z, a, da: np.ones_like(z), PASS_THROUGH),
        (_sig, lambda z, a, da: z * (1 - z), SIGMOID_Z),
        (np.tanh, lambda z, a, da: 1 - np.tanh(z), TANH_NO_SQUARE),
        (np.tanh, lambda z, a, da: 1 - z**2, TANH_OF_Z),
        (np.tanh, lambda z, a, da: a, ITSELF),
        (_relu, lambda z, a, da: (da > 0) * 1.0, MASK_FROM_DA),
        (_relu, lambda z, a, da: (z < 0) * 1.0, INVERTED_LT),
    ],
)
def test_each_mistake_gets_its_exact_sentence(f, wrong, message):
    z, da = _inputs()
    a = f(z)
    d = diagnose_activation(da * wrong(z, a, da), da, z, a)
    assert d is not None
    assert d.name == "activation"
    assert d.message == message


def test_applied_twice_gets_its_exact_sentence():
    z, da = _inputs(12)
    fp = 1 - np.tanh(z) ** 2
    d = diagnose_activation(da * fp**2, da, z, np.tanh(z), fp)
    assert d is not None and d.message == TWICE


def test_inverted_masks_are_told_apart_where_z_is_zero_or_between_0_and_1():
    # z holds exact zeros and values in (0, 1): the two inverted masks differ at z == 0,
    # and neither may be confused with a mask at 1
    z = np.array([[0.0, -1.5, 0.3, 2.0, -0.2, 0.0],
                  [0.7, -0.4, 0.0, 1.3, 0.5, -2.2]])
    da = np.random.default_rng(13).normal(size=z.shape) + 3.0  # all positive, none tiny
    a = _relu(z)
    lt = diagnose_activation(da * (z < 0), da, z, a)
    le = diagnose_activation(da * (z <= 0), da, z, a)
    assert lt is not None and lt.message == INVERTED_LT
    assert le is not None and le.message == INVERTED_LE


def test_inverted_mask_without_zeros_in_z_but_with_values_below_one():
    z = np.array([[0.2, -1.5, 0.3, 2.0, -0.2, 0.9],
                  [0.7, -0.4, 0.1, 1.3, 0.5, -2.2]])
    da = np.random.default_rng(14).normal(size=z.shape)
    d = diagnose_activation(da * (z < 0), da, z, _relu(z))
    assert d is not None and d.message == INVERTED_LT


@pytest.mark.parametrize("scale", [1e-9, 1e-6, 1.0, 1e6])
def test_the_diagnosis_does_not_depend_on_the_scale_of_da(scale):
    # a tiny upstream gradient (deep in a network) is judged like any other
    z, da = _inputs(15)
    da = da * scale
    fp = 1 - np.tanh(z)  # square missing
    d = diagnose_activation(da * fp, da, z, np.tanh(z))
    assert d is not None and d.message == TANH_NO_SQUARE


def test_an_entry_of_da_just_at_1e_8_of_the_largest_is_ignored():
    # dz / da is read only where |da| > 1e-8 * max|da|; an entry exactly at that bound
    # (here 1e-8 with max 1) is not used, whatever dz holds there
    z, da = _inputs(16, (2, 4))
    da = np.sign(da) * (0.5 + np.abs(da))
    da[0, 0] = 1.0
    da[1, 1] = 1e-8
    da = np.clip(da, -1.0, 1.0)
    assert np.abs(da).max() == 1.0
    dz = da.copy()
    dz[1, 1] = 5e-8  # ratio 5 at the ignored entry
    d = diagnose_activation(dz, da, z, np.tanh(z))
    assert d is not None and d.message == PASS_THROUGH


def test_an_entry_of_da_below_the_bound_is_ignored_at_a_large_scale():
    z, da = _inputs(17, (2, 4))
    da = 1e4 * np.sign(da) * (0.5 + np.abs(da))
    da[1, 1] = 1e-6  # below 1e-8 * max|da| (about 1e-4)
    dz = da.copy()
    dz[1, 1] = 7e-6
    d = diagnose_activation(dz, da, z, np.tanh(z))
    assert d is not None and d.message == PASS_THROUGH


def test_two_usable_entries_are_enough_one_is_not():
    z = np.array([[0.4, -0.8]])
    da = np.array([[1.5, -2.0]])
    d = diagnose_activation(da, da, z, np.tanh(z))
    assert d is not None and d.message == PASS_THROUGH
    # only one entry of da is non-zero: nothing to read the derivative from
    assert diagnose_activation(np.array([[1.5, 0.0]]), np.array([[1.5, 0.0]]), z, np.tanh(z)) is None
    one = np.array([[0.4]])
    assert diagnose_activation(np.array([[2.0]]), np.array([[2.0]]), one, np.tanh(one)) is None


def test_a_zero_entry_of_da_is_skipped_and_two_others_suffice():
    z = np.array([[0.4, -0.8, 1.1]])
    da = np.array([[1.5, -2.0, 0.0]])  # two usable, one zero
    d = diagnose_activation(da * (1 - z**2), da, z, np.tanh(z))
    assert d is not None and d.message == TANH_OF_Z


def test_all_zero_da_gives_none():
    z, _ = _inputs(18)
    zero = np.zeros_like(z)
    assert diagnose_activation(zero, zero, z, np.tanh(z)) is None


@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0)])
def test_empty_arrays_give_none(shape):
    e = np.zeros(shape)
    assert diagnose_activation(e, e, e, e) is None
    assert diagnose_activation(e, e, e, e, e) is None


def test_integer_inputs_are_converted_to_float_before_any_arithmetic():
    # uint8 z (e.g. pixel values): 1 - z must not wrap around
    z = np.array([[2, 3, 5], [7, 4, 6]], dtype=np.uint8)
    zf = z.astype(float)
    da = np.array([[1.0, -2.0, 0.5], [3.0, -1.0, 2.0]])
    a = _sig(zf)
    d = diagnose_activation(da * zf * (1 - zf), da, z, a)
    assert d is not None and d.message == SIGMOID_Z
    d = diagnose_activation(da * (1 - zf**2), da, z, np.tanh(zf))
    assert d is not None and d.message == TANH_OF_Z
    # small int8 inputs everywhere, lists too
    zi = np.array([[1, -2, 3], [-1, 2, -3]], dtype=np.int8)
    dai = np.array([[2, 1, -1], [1, -2, 3]], dtype=np.int8)
    dz = (dai.astype(float) * (zi < 0)).astype(np.int8)
    d = diagnose_activation(dz.tolist(), dai, zi, np.maximum(zi, 0))
    assert d is not None and d.message == INVERTED_LT


def test_an_integer_true_derivative_is_squared_as_float():
    # f(z) = 16 z: f'(z) = 16, given as int8; 16**2 must be 256, not 0 (int8 wraps)
    z, da = _inputs(19)
    fp = np.full(z.shape, 16, dtype=np.int8)
    d = diagnose_activation(da * 256.0, da, z, 16 * z, fp)
    assert d is not None and d.message == TWICE
    # a true derivative of another shape is ignored
    assert diagnose_activation(da * 256.0, da, z, 16 * z, fp[:, :2]) is None


def test_rtol_is_the_callers():
    z, da = _inputs(20)
    dz = da * (1 + 1e-4)  # pass-through, off by 1e-4 relative
    assert diagnose_activation(dz, da, z, np.tanh(z)) is None  # default rtol 1e-6
    d = diagnose_activation(dz, da, z, np.tanh(z), rtol=1e-3)
    assert d is not None and d.message == PASS_THROUGH
    dz = da * (1 + 5e-6)
    assert diagnose_activation(dz, da, z, np.tanh(z), rtol=1e-6) is None


def test_atol_is_the_callers():
    z, da = _inputs(21)
    dz = da * 1.01  # pass-through, off by 0.01 in the ratio
    assert diagnose_activation(dz, da, z, np.tanh(z), rtol=0.0) is None
    d = diagnose_activation(dz, da, z, np.tanh(z), rtol=0.0, atol=0.05)
    assert d is not None and d.message == PASS_THROUGH
    # the default atol is 1e-9: a ratio off by 5e-9 from 0 where the mask is 0 does not match
    zz = np.array([[1.0, -2.0, 0.5], [-0.3, 2.0, -1.0]])
    daa = np.array([[1.0, 2.0, 1.5], [3.0, 1.0, 2.0]])
    ratio = np.where(zz < 0, 1.0, 5e-9)
    assert diagnose_activation(daa * ratio, daa, zz, _relu(zz), rtol=0.0) is None
    d = diagnose_activation(daa * ratio, daa, zz, _relu(zz), rtol=0.0, atol=1e-8)
    assert d is not None and d.message == INVERTED_LT
