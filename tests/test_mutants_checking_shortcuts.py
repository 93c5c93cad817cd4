"""Guards the numeric-shortcut detector (course/checking/shortcuts.py) and its notion of a step
(course/checking/steps.py): which calls of a learner's function count as differentiating
numerically, with which message, and which do not; that numpy/math are given back after a call;
and the step arithmetic (one size per array, round sizes, equal steps up to rounding).

Written against the mutants of those two modules that survived the mutmut run; tests/MUTANTS.md
lists them.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from course.checking.guard import Guard
from course.checking.shortcuts import ShortcutDetector, checker_code, unwatched
from course.checking.steps import EPS, EXACT, TAU, is_round, same_step, step_sizes
from course.reference import chain_rule
from course.reference.functions import sigmoid

H = 1e-5
Z = np.array([0.3, 0.7, 1.1])
TANH_MSG = "evaluates np.tanh at points next to z (steps of 1e-05): that is differentiating numerically"
bound_tanh = np.tanh          # a module-level name bound to numpy's function, as a notebook import is


def shortcut_of(fn, args=(Z,), kwargs=None):
    g = Guard(fn, analytic=True)
    out = g.call(args, kwargs)
    assert out.error is None, out.message
    return g.shortcut, out.value


# ============================================================================ steps.step_sizes
def test_a_step_of_one_absolute_size_has_only_that_size():
    d = np.array([1e-5, -1e-5, 0.0])
    out = step_sizes(d, np.array([3.0, 0.5, 2.0]), 1.0)
    assert out == [pytest.approx(1e-5, rel=1e-12)]
    assert all(type(v) is float for v in out)


def test_no_nonzero_entry_means_no_size():
    assert step_sizes(np.zeros(3), np.array([1.0, 2.0, 3.0]), 1.0) == []


def test_a_relative_step_is_one_size_relative_to_max_1_x_and_to_x():
    x = np.array([2.0, 4.0])
    out = step_sizes(1e-6 * x, x, 4.0)
    assert out == [pytest.approx(1e-6), pytest.approx(1e-6)]


def test_a_step_relative_to_one_plus_x():
    x = np.array([1.0, 3.0])
    out = step_sizes(1e-6 * (1 + x), x, 3.0)
    assert out == [pytest.approx(1e-6)]


def test_a_large_relative_size_is_left_out_but_the_absolute_one_kept():
    out = step_sizes(np.array([0.5, 0.5]), np.array([1.0, 1.0]), 1.0)
    assert out == [0.5]


def test_a_relative_size_of_exactly_tau_is_kept():
    out = step_sizes(np.array([TAU]), np.array([1.0]), 1.0)
    assert out == [TAU, TAU, TAU / 2, TAU]
    just_over = np.nextafter(TAU, 1.0)
    assert step_sizes(np.array([just_over]), np.array([1.0]), 1.0) == [just_over, pytest.approx(just_over / 2)]


def test_a_spread_of_exactly_same_times_the_size_is_one_size():
    x = np.array([5000.0, 5000.0])
    assert step_sizes(np.array([1000.0, 999.0]), x, 1.0) == [1000.0]
    assert step_sizes(np.array([1000.0, 998.99]), x, 1.0) == []


def test_entries_below_rounding_are_ignored_relative_to_the_scale():
    d = np.array([1e-5, 1e-13])
    x = np.array([3.0, 3.0])
    assert step_sizes(d, x, 1000.0)[0] == pytest.approx(1e-5)
    assert step_sizes(d, x, 1.0) == []          # at scale 1, 1e-13 is a real (different) entry
    assert step_sizes(np.array([EXACT * 2.0]), np.array([3.0]), 2.0) == []


def test_a_zero_input_entry_rules_out_the_size_relative_to_x():
    out = step_sizes(np.array([1e-5, 1e-5]), np.array([0.0, 2.0]), 2.0)
    assert out == [pytest.approx(1e-5)]
    out = step_sizes(np.array([1e-5, 1e-5]), np.array([0.0, 0.0]), 1.0)
    assert out == [pytest.approx(1e-5)] * 3


# ============================================================================ steps.is_round
@pytest.mark.parametrize("size", [1e-3, 2.5e-4, 5e-3, 1e-6, 5e-6, 1e-12, 5e-12, 2.0 ** -7, 2.0 ** -20,
                                  2.0 ** -40, EPS ** 0.5, EPS ** (1 / 3), EPS ** 0.25])
def test_round_sizes(size):
    assert is_round(size, 1e-6)
    assert is_round(size, 1e-6, doubled=False)


@pytest.mark.parametrize("size", [2e-6, 1e-2, 2e-12, 2.0 ** -6, 2 * EPS ** (1 / 3)])
def test_twice_a_round_size_is_round_only_when_doubled_is_allowed(size):
    assert is_round(size, 1e-6)
    assert is_round(size, 1e-6, True)
    assert not is_round(size, 1e-6, doubled=False)


@pytest.mark.parametrize("size", [3e-6, 2e-2, 1e-13, 2.0 ** -42, 0.1, 7e-4, 0.0])
def test_sizes_that_are_not_round(size):
    assert not is_round(size, 1e-6)


# ============================================================================ steps.same_step
def test_same_step_up_to_the_rounding_of_x_plus_h():
    assert same_step(1e-6, 1e-6, 1.0)
    assert not same_step(0.0, 0.0, 1.0)
    assert same_step(1e-6, 1e-6 * (1 + 0.5e-6), 1e-9)
    assert not same_step(1e-6, 1e-6 * (1 + 2e-6), 1e-9)
    assert same_step(1e-6 * (1 + 2e-6), 1e-6, 1e-9) is False
    assert same_step(-1e-6, -1e-6 * (1 + 0.5e-6), 1e-9)
    assert same_step(1e-6, 1e-6 + 1e-11, 1e4)          # rounding of points of size 1e4
    assert not same_step(1e-6, 1e-6 + 1e-11, 1.0)
    assert not same_step(1e-6, -1e-6, 1.0)


# ============================================================================ numeric helpers
def test_numpy_gradient_is_a_shortcut():
    found, _ = shortcut_of(lambda z: np.gradient(np.tanh(z)))
    assert found == "calls numpy.gradient, which differentiates numerically"


def test_the_courses_central_difference_is_a_shortcut():
    found, value = shortcut_of(lambda z: chain_rule.central_difference(np.tanh, z, 1e-5))
    assert found == "calls course's central_difference, which differentiates numerically"
    np.testing.assert_allclose(value, 1 - np.tanh(Z) ** 2, rtol=1e-6)


def test_the_courses_forward_difference_is_a_shortcut():
    found, _ = shortcut_of(lambda z: chain_rule.forward_difference(np.tanh, z, 1e-5))
    assert found == "calls course's forward_difference, which differentiates numerically"


# ============================================================================ libraries by module
def _in_module(module_name, func_name="helper"):
    """A function whose frames report ``module_name`` (as a library's would)."""
    space = {"__name__": module_name, "np": np}
    exec(f"def {func_name}(x):\n    return x * 2.0\n", space)
    return space[func_name]


@pytest.mark.parametrize("module,why", [
    ("torch", "uses PyTorch, whose autograd differentiates for you"),
    ("torch.autograd.functional", "uses PyTorch, whose autograd differentiates for you"),
    ("jaxlib", "uses JAX, an automatic-differentiation library"),
    ("sympy.core", "uses SymPy, a computer-algebra system that differentiates for you"),
    ("scipy.differentiate", "uses scipy.differentiate, which differentiates numerically"),
    ("course.gradcheck", "uses the course's finite-difference tools (course.gradcheck), "
                         "which differentiate numerically"),
])
def test_a_frame_of_an_autodiff_module_is_a_shortcut(module, why):
    helper = _in_module(module)
    found, value = shortcut_of(lambda z: helper(z))
    assert found == why
    np.testing.assert_allclose(value, 2 * Z)


@pytest.mark.parametrize("module", ["torchvision", "jaxy", "scipy.optimize", "mycourse.gradcheck"])
def test_a_module_whose_name_only_starts_like_one_is_not(module):
    helper = _in_module(module)
    assert shortcut_of(lambda z: helper(z))[0] is None


@pytest.mark.parametrize("name", ["approx_fprime", "check_grad", "approx_derivative"])
def test_scipys_numeric_derivatives_are_shortcuts_by_name(name):
    helper = _in_module("scipy.optimize._optimize", name)
    found, _ = shortcut_of(lambda z: helper(z))
    assert found == f"calls scipy's {name}, which differentiates numerically"


def test_the_scipy_names_count_only_in_scipy():
    helper = _in_module("mine", "approx_fprime")
    assert shortcut_of(lambda z: helper(z))[0] is None
    helper = _in_module("scipy", "approx_fprime")      # the top-level package is not "scipy."
    assert shortcut_of(lambda z: helper(z))[0] is None


def test_a_frame_whose_globals_have_no_name_is_the_learners():
    space = {"np": np}
    exec("def f(x):\n    return np.sin(x)\n", space)
    space.pop("__name__", None)
    f = space["f"]

    def answer(z):
        return (f(z + H) - f(z - H)) / (2 * H)

    found, _ = shortcut_of(answer)
    assert found is not None and "next to z" in found


# ============================================================================ evaluations seen
def _central_with(f):
    def answer(z):
        return (f(z + H) - f(z - H)) / (2 * H)
    return answer


def test_a_course_function_evaluated_either_side_is_a_shortcut():
    found, value = shortcut_of(_central_with(sigmoid))
    assert found == "evaluates sigmoid at points next to z (steps of 1e-05): that is differentiating numerically"
    s = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(value, s * (1 - s), rtol=1e-6)


def test_a_lambda_is_named_as_one():
    f = lambda x: x ** 3   # noqa: E731
    found, _ = shortcut_of(_central_with(f))
    assert found == ("evaluates an anonymous function (lambda) at points next to z (steps of 1e-05): "
                     "that is differentiating numerically")


def test_a_function_of_star_args_is_seen_with_its_arguments():
    def f(*xs):
        return xs[0] ** 3

    found, _ = shortcut_of(_central_with(f))
    assert found == "evaluates f at points next to z (steps of 1e-05): that is differentiating numerically"


def test_a_keyword_only_argument_is_seen():
    def f(*, x):
        return x ** 3

    def answer(z):
        return (f(x=z + H) - f(x=z - H)) / (2 * H)

    found, _ = shortcut_of(answer)
    assert found == "evaluates f at points next to z (steps of 1e-05): that is differentiating numerically"


def test_a_keyword_only_argument_after_a_positional_one_is_seen():
    def f(a, *, x):
        return x ** 3

    def answer(z):
        return (f(0, x=z + H) - f(0, x=z - H)) / (2 * H)

    found, _ = shortcut_of(answer)
    assert found is not None and "evaluates f at points next to z" in found


def test_a_function_of_no_arguments_is_not_an_evaluation():
    calls = []

    def tick():
        calls.append(1)
        return 1.0

    def answer(z):
        return (1 - np.tanh(z) ** 2) * tick()

    found, value = shortcut_of(answer)
    assert found is None and calls == [1]
    np.testing.assert_allclose(value, 1 - np.tanh(Z) ** 2)


@pytest.mark.parametrize("where,name", [("np", "np.tanh"), ("math", "math.tanh")])
def test_numpy_and_math_functions_are_watched_by_module_attribute(where, name):
    if where == "np":
        def answer(z):
            return (np.tanh(z + H) - np.tanh(z - H)) / (2 * H)
        args = (Z,)
    else:
        def answer(x):
            return (math.tanh(x + H) - math.tanh(x - H)) / (2 * H)
        args = (0.4,)
    found, _ = shortcut_of(answer, args)
    if where == "np":
        assert found == TANH_MSG
    else:
        assert found == "evaluates math.tanh at x ± 1e-05: that is differentiating numerically"


def test_a_module_level_name_bound_to_numpy_is_watched():
    def answer(z):
        return (bound_tanh(z + H) - bound_tanh(z - H)) / (2 * H)

    found, _ = shortcut_of(answer)
    assert found == TANH_MSG
    assert bound_tanh is np.tanh


def _global_answer(z):
    return (bound_tanh(z + H) - bound_tanh(z - H)) / (2 * H)


class _Holder:
    def method(self, z):
        return _global_answer(z)


class _Builds:
    def __init__(self, z):
        self.value = _global_answer(z)


@pytest.mark.parametrize("make", [
    lambda: functools.partial(lambda z, scale: scale * _global_answer(z), scale=1.0),
    lambda: functools.partial(functools.partial(lambda s, z: s * _global_answer(z), 1.0)),
    lambda: _Holder().method,
    lambda: _Builds,
], ids=["partial", "partial of partial", "bound method", "class"])
def test_names_bound_in_the_globals_behind_a_wrapped_callable_are_watched(make):
    found, _ = shortcut_of(make())
    assert found == TANH_MSG


def test_a_partial_argument_that_is_a_function_is_searched_too():
    def outer(f, z):
        return f(z)

    found, _ = shortcut_of(functools.partial(outer, _global_answer))
    assert found == TANH_MSG


def test_a_numpy_function_held_in_a_nested_closure_is_watched_and_given_back():
    def make():
        t = np.tanh

        def inner(z):
            return (t(z + H) - t(z - H)) / (2 * H)

        def outer(z):
            return inner(z)

        return outer, inner

    outer, inner = make()
    found, _ = shortcut_of(outer)
    assert found == TANH_MSG
    assert any(c.cell_contents is np.tanh for c in inner.__closure__)
    assert all(type(c.cell_contents).__name__ != "_Watched" for c in inner.__closure__)


def test_an_empty_closure_cell_does_not_stop_the_watch():
    def make():
        def answer(z):
            if z is None:
                return later            # noqa: F821 - never reached; an empty cell at call time
            return (t(z + H) - t(z - H)) / (2 * H)
        t = np.tanh
        return answer
        later = 1                       # noqa: F841 - the cell stays empty
    found, _ = shortcut_of(make())
    assert found == TANH_MSG


def test_globals_and_module_attributes_are_given_back_after_the_call():
    def answer(z):
        return (bound_tanh(z + H) - np.exp(z - H) + math.exp(0.0)) * 0
    shortcut_of(answer)
    assert bound_tanh is np.tanh
    assert type(np.exp) is np.ufunc and type(np.tanh) is np.ufunc
    assert type(math.exp).__name__ == "builtin_function_or_method"
    assert globals()["bound_tanh"] is np.tanh


def test_a_global_the_learner_rebinds_during_the_call_keeps_the_new_value():
    space = {"__name__": "learner_space", "np": np, "tanh": np.tanh}
    exec("def answer(z):\n    global tanh\n    y = tanh(z)\n    tanh = 'mine'\n    return y\n", space)
    shortcut_of(space["answer"])
    assert space["tanh"] == "mine"


def test_inside_the_call_the_watched_functions_look_like_numpys():
    def answer(z):
        return (repr(np.exp), np.exp.__name__, np.exp.nin, repr(math.sin), bound_tanh.__name__)

    found, value = shortcut_of(answer)
    assert found is None
    assert value == (repr(np.exp), "exp", 1, repr(math.sin), "tanh")


# ============================================================================ handed-over functions
@pytest.mark.parametrize("f,name", [(np.sin, "sin"), (math.sin, "sin"), (np.sinc, "sinc")],
                         ids=["ufunc", "builtin", "array function"])
def test_a_c_function_handed_over_is_watched(f, name):
    def answer(g, z):
        return (g(z + H) - g(z - H)) / (2 * H)

    z = 0.4 if f is math.sin else Z
    found, _ = shortcut_of(answer, (f, z))
    assert found is not None and found.startswith(f"evaluates {name} at ") and found.endswith("numerically")


def test_a_handed_over_c_function_called_with_keyword_arguments_is_watched():
    """``g(x=z + h)``: the points given by keyword are evaluation points as positional ones are."""
    def answer(g, z):
        return (g(x=z + H) - g(x=z - H)) / (2 * H)

    found, _ = shortcut_of(answer, (np.sinc, Z))
    assert found is not None and found.startswith("evaluates sinc at points next to z")


def test_an_out_buffer_is_no_evaluation_point():
    """``np.exp(a, out=buf)`` twice, with ``buf`` holding ``z`` and then ``z + 1e-7``: only ``a`` is a point."""
    def answer(z):
        buf = z.copy()
        np.exp(-z, out=buf)
        buf = z + 1e-7
        np.exp(-z, out=buf)
        return buf

    found, _ = shortcut_of(answer)
    assert found is None


def test_a_handed_over_c_function_as_a_keyword_is_watched():
    def answer(z, g=None):
        return (g(z + H) - g(z - H)) / (2 * H)

    found, _ = shortcut_of(answer, (Z,), {"g": np.sin})
    assert found is not None and found.startswith("evaluates sin at points next to z")


def test_a_handed_over_c_function_called_exactly_is_honest():
    def answer(g, z):
        return g(z) * 0 + np.cos(z)

    found, value = shortcut_of(answer, (np.sin, Z))
    assert found is None
    np.testing.assert_allclose(value, np.cos(Z))


# ============================================================================ honest answers
def test_honest_answers_keep_no_shortcut():
    def answer(z):
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s)

    found, value = shortcut_of(answer)
    assert found is None
    s = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(value, s * (1 - s))


def _cube_module(folder, name: str):
    """A module ``name`` defining ``cube(x)``, loaded from its own file in ``folder``."""
    import importlib.util

    folder.mkdir()
    (folder / f"{name}.py").write_text("def cube(x):\n    return x * x * x\n")
    spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_a_library_frame_outside_the_course_is_skipped(tmp_path):
    mod = _cube_module(tmp_path / "site-packages", "cubes_for_shortcut_test")
    assert shortcut_of(_central_with(mod.cube))[0] is None


def test_a_standard_library_function_is_skipped():
    import copy
    assert shortcut_of(_central_with(copy.copy))[0] is None


def test_the_same_function_outside_a_library_is_seen(tmp_path):
    mod = _cube_module(tmp_path / "notes", "cubes_for_shortcut_test2")
    found = shortcut_of(_central_with(mod.cube))[0]
    assert found == "evaluates cube at points next to z (steps of 1e-05): that is differentiating numerically"


# ============================================================================ checker code
def test_checker_code_is_not_an_evaluation_and_returns_the_function():
    def f(x):
        return x ** 3

    g = lambda x: x ** 3   # noqa: E731
    assert checker_code(f) is f
    assert shortcut_of(_central_with(f))[0] is None
    assert shortcut_of(_central_with(g))[0] is not None


def test_checker_code_accepts_objects_without_code():
    assert checker_code(np.sin) is np.sin
    assert shortcut_of(_central_with(np.sin))[0] is not None


def test_unwatched_evaluations_are_not_seen_and_watching_resumes_after():
    def answer(z):
        with unwatched():
            a = np.tanh(z + H) - np.tanh(z - H)
        return a / (2 * H)

    assert shortcut_of(answer)[0] is None

    def answer2(z):
        with unwatched():
            np.tanh(z)
        return (np.tanh(z + H) - np.tanh(z - H)) / (2 * H)

    assert shortcut_of(answer2)[0] == TANH_MSG


def test_unwatched_outside_a_call_does_nothing():
    with unwatched():
        x = 1
    assert x == 1


# ============================================================================ the detector itself
def test_a_fresh_detector_has_found_nothing_and_records_nothing_outside_a_call():
    d = ShortcutDetector()
    assert d.found is None
    d.record("f", "f", (Z + H,))
    d.record("f", "f", (Z - H,))
    assert d.found is None


def test_the_first_finding_is_kept_for_the_life_of_the_guard():
    calls = []

    def answer(z):
        calls.append(1)
        if len(calls) == 1:
            return np.gradient(z)
        return chain_rule.central_difference(np.tanh, z, 1e-5)

    g = Guard(answer, analytic=True)
    g.call((Z,))
    assert g.shortcut == "calls numpy.gradient, which differentiates numerically"
    g.call((Z,))
    assert g.shortcut == "calls numpy.gradient, which differentiates numerically"
    assert len(calls) == 2


def test_the_first_of_two_shortcuts_in_one_call_is_named():
    def answer(z):
        a = _central_with(bound_tanh)(z)
        np.gradient(z)
        return a

    assert shortcut_of(answer)[0] == TANH_MSG


def test_the_detector_is_inactive_after_the_call():
    g = Guard(lambda z: np.tanh(z), analytic=True)
    g.call((Z,))
    d = g.detector
    d.record(id(np.tanh), "np.tanh", (Z + H,))
    d.record(id(np.tanh), "np.tanh", (Z - H,))
    assert d.found is None


def test_a_nested_guard_does_not_wrap_twice_and_both_restore():
    inner = Guard(_central_with(lambda x: np.tanh(x)), analytic=True)

    def outer(z):
        return inner.call((z,)).value

    found, value = shortcut_of(outer)
    np.testing.assert_allclose(value, 1 - np.tanh(Z) ** 2, rtol=1e-6)
    assert inner.shortcut is not None and "next to z" in inner.shortcut
    assert type(np.tanh) is np.ufunc


# ============================================================================ what is searched for bound names
TANH_ANY = "evaluates np.tanh at points next to argument 1 (steps of 1e-05): that is differentiating numerically"


def _learner_space(name):
    """A notebook of its own: ``tanh`` bound to numpy's, and an answer differencing with it."""
    space = {"__name__": name, "np": np, "H": H}
    exec("from numpy import tanh\n"
         "def central(z):\n    return (tanh(z + H) - tanh(z - H)) / (2 * H)\n"
         "def outer(*fs_and_z):\n    return central(fs_and_z[-1])\n", space)
    return space


def _fillers(n):
    """``n`` distinct plain functions of a namespace that binds nothing of numpy's."""
    space = {"__name__": "fillers"}
    exec("def make():\n    return lambda x: x\n", space)
    return [space["make"]() for _ in range(n)]


def test_a_helper_held_in_a_wrappers_closure_is_searched():
    central = _learner_space("nb_closure")["central"]

    def wrapped(z):
        return central(z)

    assert shortcut_of(wrapped)[0] == TANH_MSG


@pytest.mark.parametrize("n_fillers,seen", [(63, True), (64, False)])
def test_at_most_64_functions_are_searched(n_fillers, seen):
    outer = _learner_space("nb_limit")["outer"]
    fn = functools.partial(outer, *_fillers(n_fillers))   # outer is searched last
    found = shortcut_of(fn)[0]
    assert (found == TANH_ANY) if seen else (found is None)


def test_a_function_met_twice_is_searched_once_and_the_rest_still_searched():
    outer = _learner_space("nb_twice")["outer"]
    (f,) = _fillers(1)
    assert shortcut_of(functools.partial(outer, *[f] * 70))[0] == TANH_ANY
    assert shortcut_of(functools.partial(outer, f, f))[0] == TANH_ANY


@pytest.mark.parametrize("extra", ["partial", "class", "builtin class", "number", "checker function"])
def test_whatever_else_a_partial_holds_the_answer_is_still_searched(extra):
    outer = _learner_space("nb_extra_" + extra.replace(" ", "_"))["outer"]
    (f,) = _fillers(1)

    class Helper:
        def method(self):
            return 1

    held = {"partial": functools.partial(f), "class": Helper, "builtin class": int, "number": 1.5,
            "checker function": checker_code}[extra]
    assert shortcut_of(functools.partial(outer, held))[0] == TANH_ANY


def test_equal_steps_are_the_same_even_with_no_rounding_allowance():
    assert same_step(1e-6, 1e-6, 0.0)
    assert same_step(2.0 ** -20, 2.0 ** -20 + 2.0 ** -40, 0.0) is True   # within 1e-6 relative


def test_a_handed_over_lambda_is_seen_as_a_python_function_not_wrapped():
    def answer(g, z):
        return (g(z + H) - g(z - H)) / (2 * H)

    found, _ = shortcut_of(answer, (lambda x: x ** 3, Z))
    assert found == ("evaluates an anonymous function (lambda) at points next to z (steps of 1e-05): "
                     "that is differentiating numerically")


def test_two_different_functions_either_side_of_an_input_are_not_a_difference():
    def answer(z):
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s) + 0 * (np.sin(z + H) + np.cos(z - H))

    found, value = shortcut_of(answer)
    assert found is None
    s = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(value, s * (1 - s))


def test_a_difference_of_exactly_the_allowance_is_the_same_step():
    assert same_step(1e6, 1e6 + 1.0, 0.0)          # |a - b| == 1e-6 * |a| exactly
    assert not same_step(1e6, 1e6 + 1.0 + 2 ** -32 * 1e6, 0.0)


# ============================================================================ what a frame's arguments are
def test_a_generators_locals_are_not_its_arguments():
    """Only a function's parameters are evaluation points: a generator resumed with locals ``z ± h``
    bound (the profiler sees every resume as a call) is not differencing when nothing is evaluated there."""
    def points(z):
        p = z + H
        yield p
        p = z - H
        yield p

    def answer(z):
        list(points(z))
        return 1 - np.tanh(z) ** 2

    found, value = shortcut_of(answer)
    assert found is None
    np.testing.assert_allclose(value, 1 - np.tanh(Z) ** 2)


def test_two_different_python_functions_either_side_of_an_input_are_not_a_difference():
    """Evaluations are told apart by function: ``f(z + h)`` and ``g(z - h)`` of two functions is no ± pair."""
    def f(x):
        return x ** 3

    def g(x):
        return x ** 3

    def answer(z):
        return 0 * (f(z + H) + g(z - H)) + 3 * z ** 2

    found, value = shortcut_of(answer)
    assert found is None
    np.testing.assert_allclose(value, 3 * Z ** 2)


def test_a_code_object_keeps_the_kind_of_its_first_frame():
    """A code object is classified once, at its first frame: the same code run later as a function
    of another module (``types.FunctionType`` with other globals) keeps that kind."""
    import types

    space = {"__name__": "learner_cache"}
    exec("def helper(x):\n    return x * 2.0\n", space)
    mine = space["helper"]
    as_torch = types.FunctionType(mine.__code__, {"__name__": "torch"})
    assert shortcut_of(lambda z: mine(z) + as_torch(z))[0] is None
    fresh = types.FunctionType(compile("def helper(x):\n    return x * 2.0\n", "<t>", "exec").co_consts[0],
                               {"__name__": "torch"})
    assert shortcut_of(lambda z: fresh(z))[0] == "uses PyTorch, whose autograd differentiates for you"


# ============================================================================ where library code lives
def test_a_library_frame_in_dist_packages_is_skipped(tmp_path):
    """Debian's ``dist-packages`` is a library folder like ``site-packages``: its functions are not evaluations."""
    mod = _cube_module(tmp_path / "dist-packages", "cubes_for_shortcut_test3")
    assert shortcut_of(_central_with(mod.cube))[0] is None


def test_a_frozen_standard_library_function_is_skipped():
    """Frozen modules (``<frozen importlib._bootstrap>``) are the standard library: their frames are skipped."""
    import importlib._bootstrap as bootstrap

    assert bootstrap._object_name.__code__.co_filename.startswith("<frozen")

    def answer(z):
        bootstrap._object_name(z + H)
        bootstrap._object_name(z - H)
        return 1 - np.tanh(z) ** 2

    assert shortcut_of(answer)[0] is None


# ============================================================================ unwatched and the busy detector
def test_a_numeric_helper_run_unwatched_is_not_a_shortcut():
    """Inside :func:`unwatched` (trusted checker code) even ``np.gradient`` and a library frame are unseen."""
    torch_helper = _in_module("torch")

    def answer(z):
        with unwatched():
            np.gradient(z)
            torch_helper(z)
        return 1 - np.tanh(z) ** 2

    assert shortcut_of(answer)[0] is None


# ============================================================================ the stand-ins
def test_a_watched_numpy_function_keeps_its_keyword_arguments():
    """``np.exp(-z, out=buf)`` through the stand-in still writes ``buf``: keywords are passed on."""
    def answer(z):
        buf = np.zeros_like(z)
        np.exp(-z, out=buf)
        s = 1 / (1 + buf)
        return s * (1 - s)

    found, value = shortcut_of(answer)
    assert found is None
    s = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(value, s * (1 - s))


class builtin_function_or_method:   # noqa: N801 - a callable whose type has the C functions' name
    """A handed-over callable taken for a C function (by its type's name) that has no ``__name__``."""

    def __call__(self, x):
        return np.sin(x)


def test_a_handed_over_c_callable_without_a_name_is_called_f():
    """A C-like callable with no ``__name__`` is wrapped and named ``f`` in the message."""
    def answer(g, z):
        return (g(z + H) - g(z - H)) / (2 * H)

    g = builtin_function_or_method()
    assert not hasattr(g, "__name__")
    found, _ = shortcut_of(answer, (g, Z))
    assert found == "evaluates f at points next to z (steps of 1e-05): that is differentiating numerically"


# ============================================================================ checker code stays marked, alone
def test_a_function_made_after_a_marked_one_is_gone_is_still_seen():
    """:func:`checker_code` keeps the marked code alive, so a later function whose code could take the
    freed memory (the same id) is not taken for checker code."""
    import gc
    import types

    space = {"__name__": "code_reuse"}

    def make(n):
        return [types.FunctionType(compile("def f(x):\n    return x ** 3\n", "<answer>", "exec").co_consts[0],
                                   space) for _ in range(n)]

    fresh = []
    for _ in range(4):
        marked = [checker_code(f) for f in make(20)]
        del marked
        gc.collect()
        fresh += make(20)               # made at once, while the marked ones' memory is free
    found = [shortcut_of(_central_with(f))[0] for f in fresh]
    assert all(f == "evaluates f at points next to z (steps of 1e-05): that is differentiating numerically"
               for f in found)


def test_the_detectors_own_numpy_calls_are_not_the_learners():
    """Judging an evaluation, the detector calls ``np.maximum`` itself (step sizes relative to
    ``max(1, |x|)``); those calls are not recorded as the learner's, so one evaluation of
    ``np.maximum`` at ``z + h`` alone (no second point) is no difference."""
    def answer(z):
        return np.maximum(z + H, 0.0) * 0 + 1.0

    found, value = shortcut_of(answer)
    assert found is None
    np.testing.assert_allclose(value, np.ones(3))
    assert shortcut_of(lambda z: np.maximum(z, 0.0) + np.maximum(z + H, 0.0))[0] == (
        "evaluates np.maximum at points next to z (steps of 1e-05): that is differentiating numerically")
