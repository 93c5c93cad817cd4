"""Calling a learner's function without letting it disturb the checker.

:class:`Guard` calls a function the way ``check``/``grade`` need it called:

- on a deep copy of the arguments (a function that modifies its input spoils nothing);
- with ``print`` output and warnings captured, never reaching the notebook's stdout/stderr
  (nbgrader gives 0 to a grade cell that writes to stderr) but counted for the report;
- under a profiler that notices any call of a *forbidden* function, by code object, so an
  alias (``from course import sigmoid_prime as s``) is caught as well;
- for an *analytic* exercise, under a :class:`~course.checking.shortcuts.ShortcutDetector` that
  notices numeric differentiation and autodiff libraries (:attr:`Guard.shortcut` says why);
- with a per-call time limit where the platform allows one (SIGALRM, main thread only);
- with every exception caught and summarised in one line, without a traceback.

:func:`quiet` wraps the checker's own (trusted) calls so that nothing they print or warn leaks.
"""
from __future__ import annotations

import contextlib
import copy
import inspect
import io
import os
import signal
import sys
import threading
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from course.checking.shortcuts import ShortcutDetector

__all__ = ["Guard", "Outcome", "quiet"]

_HERE = os.path.dirname(os.path.abspath(__file__))
_KEEP_CHARS = 2000   # printed text kept for the report


class _TimeLimit(BaseException):
    """Raised inside the learner's code when its time is up (BaseException: `except Exception`
    in the learner's code cannot swallow it)."""


class _Sink(io.TextIOBase):
    """A write-only text stream that counts what it is given and keeps only its beginning."""

    def __init__(self) -> None:
        super().__init__()
        self.head = ""
        self.chars = 0
        self.lines = 0

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        s = str(s)
        self.chars += len(s)
        self.lines += s.count("\n")
        if len(self.head) < _KEEP_CHARS:
            self.head += s[: _KEEP_CHARS - len(self.head)]
        return len(s)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Swallow stdout, stderr and warnings of the code inside (the checker's own calls)."""
    sink = _Sink()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
            warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        yield


@dataclass
class Outcome:
    """What one guarded call produced: a value, or an exception (``error``), and why."""

    value: Any = None
    error: BaseException | None = None
    message: str = ""          # one line describing the error ("" when there was none)
    timed_out: bool = False

    @property
    def not_implemented(self) -> bool:
        return isinstance(self.error, NotImplementedError)


class Guard:
    """Calls one learner function again and again, collecting what it does along the way.

    Parameters
    ----------
    fn : callable
        The learner's function.
    forbidden : tuple of callable
        Functions the learner's function must not call (matched by code object).
    time_limit : float or None
        Seconds per call; None for no limit.
    analytic : bool
        Watch for numeric differentiation (:mod:`course.checking.shortcuts`); the first one
        seen is :attr:`shortcut`.
    """

    def __init__(self, fn: Callable[..., Any], forbidden: tuple[Callable[..., Any], ...] = (),
                 time_limit: float | None = None, analytic: bool = False) -> None:
        self.fn = fn
        self.time_limit = time_limit
        self.detector = ShortcutDetector() if analytic else None
        self._names = _parameter_names(fn) if analytic else ()
        # id(code) -> name. Identity, not equality: code objects compare equal by content, and
        # a learner's function that merely looks like the reference is not a call of it. The
        # functions in ``forbidden`` keep their code objects (and so the ids) alive.
        self._codes: dict[int, str] = {}
        for f in forbidden:
            code = getattr(inspect.unwrap(f), "__code__", None)
            if code is not None:
                self._codes[id(code)] = f"{getattr(f, '__module__', '?')}.{getattr(f, '__qualname__', f)}"
        self.forbidden_called: str | None = None
        self.warnings: Counter[str] = Counter()
        self.printed = _Sink()

    # -- one call --------------------------------------------------------------------------
    def call(self, args: tuple, kwargs: dict | None = None, *, watch: bool = True) -> Outcome:
        """``fn(*deepcopy(args), **deepcopy(kwargs))``, guarded. Never raises (except ^C).

        ``watch=False`` leaves the shortcut detector out of this call (a measurement of the
        function's own memory must not count the detector's).
        """
        args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs or {})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with contextlib.redirect_stdout(self.printed), contextlib.redirect_stderr(self.printed):
                outcome = self._call_profiled(args, kwargs, watch)
        for w in caught:
            self.warnings[f"{w.category.__name__}: {w.message}"] += 1
        return outcome

    @property
    def shortcut(self) -> str | None:
        """Why the function's answer is a numeric shortcut (analytic exercises), or None."""
        return None if self.detector is None else self.detector.found

    def _call_profiled(self, args: tuple, kwargs: dict, watch: bool) -> Outcome:
        previous = sys.getprofile()
        detector = self.detector if watch else None
        watching = (detector.watching(args, kwargs, self._names, self.fn) if detector is not None
                    else contextlib.nullcontext((args, kwargs)))
        try:
            with watching as (args, kwargs):
                sys.setprofile(self._profile if self._codes or detector is not None else previous)
                with _time_limit(self.time_limit):
                    value = self.fn(*args, **kwargs)
            return Outcome(value=value)
        except _TimeLimit as exc:
            return Outcome(error=exc, timed_out=True,
                           message=f"did not finish within {self.time_limit:g} s (an endless loop?)")
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - learner code may raise anything, SystemExit too
            return Outcome(error=exc, message=_describe(exc))
        finally:
            sys.setprofile(previous)

    def _profile(self, frame: Any, event: str, arg: Any) -> None:
        if event != "call":
            return
        if self.forbidden_called is None:
            name = self._codes.get(id(frame.f_code))
            if name is not None:
                self.forbidden_called = name
        if self.detector is not None:
            self.detector.on_call(frame)

    # -- what it did overall ---------------------------------------------------------------
    def notes(self) -> list[str]:
        """Sentences for the report about warnings and printed output."""
        out = []
        if self.warnings:
            total = sum(self.warnings.values())
            (first, n), *_ = self.warnings.most_common(1)
            more = f" ({total} in all, {len(self.warnings)} different)" if total > 1 else ""
            out.append(f"Your function emitted a warning{more}: {_short(first)}")
        if self.printed.chars:
            first = self.printed.head.strip().splitlines()[:1]
            shown = f"; it starts: {_short(first[0])!r}" if first else ""
            n = max(self.printed.lines, 1)
            out.append(f"Your function printed {n} line{'s' if n != 1 else ''} "
                       f"(not shown here{shown}). Remove debugging prints when you are done.")
        return out


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`_TimeLimit` in the running code after ``seconds`` (Unix main thread only)."""
    usable = (seconds is not None and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return
    armed = [True]

    def on_alarm(signum: int, frame: Any) -> None:
        if armed[0]:
            armed[0] = False
            raise _TimeLimit()

    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay > 0:  # someone else's timer was running: give it back (approximately)
            signal.setitimer(signal.ITIMER_REAL, old_delay, old_interval)


def _parameter_names(fn: Callable[..., Any]) -> tuple[str, ...]:
    """``fn``'s positional parameter names, for messages (() when they cannot be read).

    Any exception counts as "cannot be read": ``inspect.signature`` looks up attributes such as
    ``__wrapped__`` on ``fn``, and a learner's callable object may raise anything from them.
    """
    try:
        params = inspect.signature(fn).parameters.values()
    except Exception:  # noqa: BLE001 - learner objects may raise anything here
        return ()
    return tuple(p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _describe(exc: BaseException) -> str:
    """``"raised ValueError: bad (line 3 of central_difference)"`` — one line, no traceback."""
    if isinstance(exc, NotImplementedError):
        return "not implemented yet (it raises NotImplementedError)"
    text = f"raised {type(exc).__name__}"
    if str(exc):
        text += f": {_short(str(exc))}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not os.path.abspath(f.filename).startswith(_HERE + os.sep)
              and "site-packages" not in f.filename
              and not f.filename.startswith((sys.prefix, sys.base_prefix))]
    if frames:
        text += f" (line {frames[-1].lineno} of {frames[-1].name})"
    return text


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
