"""The checker's guard (course/checking/guard.py): the tests that kill its mutants.

The guard runs learner code: it must give back everything it borrowed (the SIGALRM handler,
a running timer, the profiler), keep the caller's arguments intact, and describe what the code
did in words a learner can act on. tests/MUTANTS.md lists the mutants.
"""
from __future__ import annotations

import signal
import sys
import time
import warnings

import numpy as np
import pytest

from course.checking.guard import Guard, Outcome, quiet

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM timers (Unix)")


def _spin():
    while True:
        pass


def _boom():
    raise ValueError("bad value")


def test_the_previous_sigalrm_handler_is_restored_after_every_kind_of_call():
    def mine(signum, frame):  # pragma: no cover - never fires
        pass

    old = signal.signal(signal.SIGALRM, mine)
    try:
        g = Guard(lambda: 1, time_limit=5.0)
        assert g.call(()).value == 1
        assert signal.getsignal(signal.SIGALRM) is mine
        assert Guard(_boom, time_limit=5.0).call(()).error is not None
        assert signal.getsignal(signal.SIGALRM) is mine
        out = Guard(_spin, time_limit=0.2).call(())
        assert out.timed_out
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # no timer left behind
    finally:
        signal.signal(signal.SIGALRM, old)


def test_someone_elses_running_timer_is_given_back():
    fired = []
    old = signal.signal(signal.SIGALRM, lambda s, f: fired.append(s))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30.0, 7.0)
        assert Guard(lambda: 2, time_limit=1.0).call(()).value == 2
        delay, interval = signal.getitimer(signal.ITIMER_REAL)
        assert 25.0 < delay <= 30.0 and interval == pytest.approx(7.0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert fired == []


def test_a_call_past_its_time_limit_is_stopped_and_described():
    start = time.perf_counter()
    out = Guard(_spin, time_limit=0.25).call(())
    assert time.perf_counter() - start < 5.0
    assert out.timed_out and out.value is None
    assert out.message == "did not finish within 0.25 s (an endless loop?)"
    assert not out.not_implemented
    fast = Guard(lambda: time.sleep(0.01) or 3, time_limit=2.0).call(())
    assert fast.value == 3 and not fast.timed_out and fast.error is None and fast.message == ""


@pytest.mark.parametrize("limit", [None, 0])
def test_no_time_limit_means_no_timer(limit):
    seen = []
    out = Guard(lambda: seen.append(signal.getitimer(signal.ITIMER_REAL)) or 4, time_limit=limit).call(())
    assert out.value == 4 and seen == [(0.0, 0.0)]


def test_the_timer_is_armed_during_the_call():
    seen = []
    Guard(lambda: seen.append(signal.getitimer(signal.ITIMER_REAL)[0]), time_limit=3.0).call(())
    assert 0.0 < seen[0] <= 3.0


def test_errors_are_described_on_one_line_with_the_learners_line():
    out = Guard(_boom).call(())
    assert isinstance(out.error, ValueError)
    assert out.message.startswith("raised ValueError: bad value (line ")
    assert out.message.endswith(" of _boom)")

    def todo():
        raise NotImplementedError

    out = Guard(todo).call(())
    assert out.not_implemented
    assert out.message == "not implemented yet (it raises NotImplementedError)"

    def silent():
        raise KeyError()

    assert Guard(silent).call(()).message.startswith("raised KeyError (line ")

    def long():
        raise RuntimeError("x" * 500)

    msg = Guard(long).call(()).message
    assert "x" * 159 + "…" in msg and "x" * 160 not in msg
    out = Guard(lambda: sys.exit(3)).call(())
    assert isinstance(out.error, SystemExit)


def test_keyboard_interrupt_is_not_swallowed():
    def stop():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Guard(stop).call(())


def test_arguments_are_deep_copied_and_kwargs_passed():
    a = np.ones(3)
    nested = {"w": [np.zeros(2)]}

    def vandal(x, d, *, k):
        x += 1
        d["w"][0][:] = 5
        return k

    out = Guard(vandal).call((a, nested), {"k": 9})
    assert out.value == 9
    np.testing.assert_array_equal(a, np.ones(3))
    np.testing.assert_array_equal(nested["w"][0], np.zeros(2))


def test_the_profiler_is_restored_and_a_forbidden_call_is_named():
    def helper():
        return 1

    def cheat():
        return helper() + 1

    prof = lambda frame, event, arg: None  # noqa: E731
    sys.setprofile(prof)
    try:
        g = Guard(cheat, forbidden=(helper,))
        assert g.call(()).value == 2
        assert sys.getprofile() is prof
    finally:
        sys.setprofile(None)
    assert g.forbidden_called is not None and g.forbidden_called.endswith("helper")
    assert g.forbidden_called == f"{helper.__module__}.{helper.__qualname__}"
    honest = Guard(lambda: 1 + 1, forbidden=(helper,))
    honest.call(())
    assert honest.forbidden_called is None
    g2 = Guard(cheat)  # nothing forbidden: no profiler installed at all
    seen = []
    Guard(lambda: seen.append(sys.getprofile())).call(())
    assert seen == [None] and g2.forbidden_called is None


def test_warnings_and_prints_are_captured_and_summarised():
    def noisy(n):
        for i in range(n):
            print(f"debug {i}")
            warnings.warn("careful", RuntimeWarning)
        return n

    g = Guard(noisy)
    assert g.call((1,)).value == 1
    assert g.notes() == [
        "Your function emitted a warning: RuntimeWarning: careful",
        "Your function printed 1 line (not shown here; it starts: 'debug 0'). "
        "Remove debugging prints when you are done.",
    ]
    g.call((2,))
    warn, printed = g.notes()
    assert warn == "Your function emitted a warning (3 in all, 1 different): RuntimeWarning: careful"
    assert printed.startswith("Your function printed 3 lines (not shown here; it starts: 'debug 0')")
    assert Guard(lambda: 0).notes() == []

    def two_kinds():
        warnings.warn("a", UserWarning)
        warnings.warn("b", UserWarning)
        warnings.warn("b", UserWarning)

    g = Guard(two_kinds)
    g.call(())
    assert g.notes() == ["Your function emitted a warning (3 in all, 2 different): UserWarning: b"]
    g = Guard(lambda: print("   "))
    g.call(())
    assert g.notes() == ["Your function printed 1 line (not shown here). Remove debugging prints when you are done."]


def test_quiet_swallows_output_and_warnings(capsys):
    with quiet():
        print("hidden")
        print("also", file=sys.stderr)
        warnings.warn("hidden warning")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_outcome_defaults():
    o = Outcome()
    assert o.value is None and o.error is None and o.message == "" and not o.timed_out and not o.not_implemented


def test_a_print_followed_by_an_empty_write_is_still_reported():
    def chatty():
        print("abc")
        print("", end="")  # writes "" last: the count of characters must be a running total

    g = Guard(chatty)
    g.call(())
    assert g.notes() == ["Your function printed 1 line (not shown here; it starts: 'abc'). "
                         "Remove debugging prints when you are done."]


def test_only_the_first_2000_printed_characters_are_kept_for_the_report():
    def padded():
        print(" " * 2100)
        print("hello")

    g = Guard(padded)
    g.call(())
    # the kept head is blank: nothing to quote, although 'hello' was printed later
    assert g.notes() == ["Your function printed 2 lines (not shown here). Remove debugging prints when you are done."]


def test_errors_raised_inside_numpy_name_the_learners_line_not_numpys():
    def learner(a):
        return np.reshape(a, (2, 2))

    msg = Guard(learner).call((np.ones(3),)).message
    assert msg.startswith("raised ValueError: ") and msg.endswith(" of learner)")
    msg = Guard(np.reshape).call((np.ones(3), (2, 2))).message  # no learner frame at all
    assert msg.startswith("raised ValueError: ") and "(line " not in msg


def test_a_message_of_exactly_160_characters_is_kept_whole():
    def exact():
        raise RuntimeError("y" * 160)

    msg = Guard(exact).call(()).message
    assert "y" * 160 in msg and "…" not in msg


def test_two_warnings_are_counted_as_two():
    def twice():
        warnings.warn("w", UserWarning)
        warnings.warn("w", UserWarning)

    g = Guard(twice)
    g.call(())
    assert g.notes() == ["Your function emitted a warning (2 in all, 1 different): UserWarning: w"]


def test_the_captured_stdout_says_it_is_writable():
    # code that asks before writing (logging handlers, some libraries) must still see a writable stream
    assert Guard(lambda: (sys.stdout.writable(), sys.stderr.writable())).call(()).value == (True, True)


def test_forbidden_entries_without_code_module_or_name_are_handled():
    def helper():
        return 1

    class Nameless:  # carries helper's code, but has no __module__ (and, as an instance, no __qualname__)
        def __getattribute__(self, name):
            if name == "__module__":
                raise AttributeError(name)
            return object.__getattribute__(self, name)

        def __repr__(self):
            return "nameless"

    nameless = Nameless()
    object.__setattr__(nameless, "__code__", helper.__code__)
    g = Guard(lambda: helper() + 1, forbidden=(len, nameless))  # len has no __code__: ignored
    assert g.call(()).value == 2
    assert g.forbidden_called == "?.nameless"


def test_keyword_arguments_are_deep_copied_too_and_stderr_is_captured():
    w = np.zeros(2)

    def vandal(*, weights):
        weights[0] = 9.0
        sys.stderr.write("to stderr\n")
        return "done"

    g = Guard(vandal)
    assert g.call((), {"weights": w}).value == "done"
    np.testing.assert_array_equal(w, np.zeros(2))
    assert g.notes() == ["Your function printed 1 line (not shown here; it starts: 'to stderr'). "
                         "Remove debugging prints when you are done."]


class _OddCallable:
    """A learner's callable object whose attribute lookups raise (KeyError, not AttributeError)."""

    def __getattr__(self, name):
        raise KeyError(name)

    def __call__(self, x):
        return 2 * x


def test_a_callable_whose_attributes_raise_is_still_guarded():
    # inspect.signature looks up __wrapped__ and raised KeyError out of Guard(analytic=True).
    out = Guard(_OddCallable(), analytic=True, time_limit=5.0).call((np.array([1.0, 2.0]),))
    assert out.error is None
    np.testing.assert_array_equal(out.value, [2.0, 4.0])



# ---------------------------------------------------------------- the printed-output sink
def test_the_sink_counts_every_character_and_keeps_exactly_the_first_2000_over_several_writes():
    def chatty():
        print("a" * 1500, end="")
        print("b" * 1000, end="")
        print("c" * 10, end="")

    g = Guard(chatty)
    g.call(())
    assert g.printed.chars == 2510
    assert g.printed.head == "a" * 1500 + "b" * 500
    assert g.printed.lines == 0


# ---------------------------------------------------------------- the shortcut detector
def _tanh_near(x):
    return np.tanh(x)


def _central(zz, *rest, step=1e-5):
    return (_tanh_near(zz + step) - _tanh_near(zz - step)) / (2 * step)


_Z = np.array([0.3, 0.7, 1.1])


def test_an_analytic_guard_sees_a_numeric_derivative_and_names_the_parameter():
    g = Guard(_central, analytic=True)
    assert g.shortcut is None
    out = g.call((_Z,))  # watch defaults to True
    assert out.error is None
    np.testing.assert_allclose(out.value, 1 - np.tanh(_Z) ** 2, rtol=1e-6)
    assert g.shortcut == ("evaluates _tanh_near at points next to zz (steps of 1e-05): "
                          "that is differentiating numerically")


def test_watch_false_leaves_the_detector_out_of_the_call():
    g = Guard(_central, analytic=True)
    out = g.call((_Z,), watch=False)
    np.testing.assert_allclose(out.value, 1 - np.tanh(_Z) ** 2, rtol=1e-6)
    assert g.shortcut is None
    g.call((_Z,), watch=True)
    assert g.shortcut is not None and "next to zz" in g.shortcut


def test_a_guard_that_is_not_analytic_has_no_shortcut():
    g = Guard(_central)
    g.call((_Z,))
    assert g.shortcut is None


def test_a_numpy_function_held_in_a_closure_is_watched_too():
    def make():
        t = np.tanh  # bound in a closure cell, called as a C function: the profiler cannot see it
        h = 1e-5

        def deriv(z):
            return (t(z + h) - t(z - h)) / (2 * h)

        return deriv

    g = Guard(make(), analytic=True)
    g.call((_Z,))
    assert g.shortcut == "evaluates np.tanh at points next to z (steps of 1e-05): that is differentiating numerically"


def test_a_non_analytic_guard_does_not_inspect_the_learners_callable():
    looked_up = []

    class Learner:
        def __getattr__(self, name):  # learner code: must not run outside a guarded call
            looked_up.append(name)
            raise AttributeError(name)

        def __call__(self, x):
            return x + 1

    g = Guard(Learner())
    assert looked_up == []
    assert g.call((1,)).value == 2
    assert looked_up == []


# ---------------------------------------------------------------- the profiler
def test_a_forbidden_call_is_caught_when_it_starts_even_if_the_profiler_is_then_switched_off():
    def switch_off():
        sys.setprofile(None)

    def helper():
        switch_off()  # its own return is never seen by the guard's profiler
        return 1

    def cheat():
        return helper() + 1

    g = Guard(cheat, forbidden=(helper,))
    assert g.call(()).value == 2
    assert g.forbidden_called == f"{helper.__module__}.{helper.__qualname__}"


# ---------------------------------------------------------------- describing an error
def test_a_frame_in_a_site_packages_library_is_skipped_in_favour_of_the_learners_line(tmp_path):
    import importlib.util

    lib = tmp_path / "site-packages"
    lib.mkdir()
    (lib / "fancylib_for_guard_test.py").write_text("def explode():\n    raise ValueError('deep')\n")
    spec = importlib.util.spec_from_file_location("fancylib_for_guard_test", lib / "fancylib_for_guard_test.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)

    def learner():
        return mod.explode()

    msg = Guard(learner).call(()).message
    assert msg.startswith("raised ValueError: deep (line ") and msg.endswith(" of learner)")
