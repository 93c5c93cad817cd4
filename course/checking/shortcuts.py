"""Seeing a numeric shortcut: an answer that differentiates numerically instead of by hand.

An *analytic* exercise (``Spec.analytic``) asks for a derivative worked out by hand. An answer
that gets it numerically instead scores 0. :class:`ShortcutDetector` watches one guarded call of
the learner's function (the :class:`~course.checking.guard.Guard` drives it, so the class
grader's sandbox, which calls through a Guard too, sees the same) and sets :attr:`found` to the
reason when the call

1. **runs a numeric differentiator**: ``numpy.gradient``, the course's own finite differences
   (anything in :mod:`course.gradcheck`, ``central_difference``/``forward_difference`` of
   :mod:`course.reference.chain_rule`), scipy's ``approx_fprime``/``derivative``/
   ``scipy.differentiate``, numdifftools, findiff (seen by code object or module, whatever name
   the learner gave them);
2. **delegates to an automatic-differentiation library**: any frame of autograd, torch, jax,
   tensorflow, sympy, ...;
3. **evaluates a function at points a small step apart** (:mod:`course.checking.nearby`): the
   arguments of every evaluation are compared with the call's own inputs (float arrays and
   floats, also negated or doubled, as in ``np.exp(-(z + h))``) and with the function's
   earlier arguments (a point derived from the inputs, ``z`` recovered from ``s = σ(z)``), and
   the evidence rules of :meth:`course.checking.nearby.Evidence.add` decide. The evaluations
   seen are

   - calls of Python functions (the learner's own helpers and lambdas, ``course`` functions such
     as ``sigmoid``, the functions a case hands over), through the Guard's profiler, which sees
     each new frame's arguments;
   - calls of numpy's elementary functions (``np.exp``, ``np.tanh``, ``np.log``, ``np.sin``, ...,
     ``np.maximum``) and of :mod:`math`'s, which are wrapped for the duration of the call;
   - calls of C functions the case hands over (``np.sin`` as ``f``), wrapped in the arguments.

Honest answers keep full marks: computing ``σ(z)`` themselves (``np.exp(-z)`` is an exact
evaluation at ``-z``, not a perturbed one), recomputing forward values, loops over entries,
in-place updates (inputs are snapshot before the call), broadcasting, ``np.einsum``.

Limits, honestly
----------------
- numpy's and math's functions are wrapped where the answer can reach them by name: module
  attributes, names in its globals (``from numpy import exp``) and closure cells. One hidden
  elsewhere (a default argument, a container) is not wrapped; calls through Python functions
  are still seen.
- Arithmetic written inline on a perturbed copy, with no function call at all
  (``((W + E) @ x - W @ x) / h``), is not seen: operators are not evaluations the detector can
  watch. For an affine map such a difference is exact for any step, so a spec should also vary
  what the answer must not depend on.
- Steps larger than 1% of an input's scale are not called perturbations (a central difference
  with such a step is too inexact to pass the exercise's tolerance on a curved function).
- It reads the arguments of evaluations, not the learner's intent: an honest answer that, by
  chance, evaluates one function at two points differing from an input by the same tiny step
  would be flagged. The rules (a ± pair, a shared step across entries, a step of one pattern
  repeated) make this improbable; the tests run honest styles on hundreds of random cases.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import math
import os
import sys
from typing import Any, Callable, Iterator

import numpy as np

from course.checking.nearby import Evidence

__all__ = ["ShortcutDetector", "unwatched", "checker_code", "NUMPY_WATCHED", "MATH_WATCHED", "AUTODIFF_MODULES"]

_HERE = os.path.dirname(os.path.abspath(__file__))
_COURSE = os.path.dirname(_HERE)

NUMPY_WATCHED = ("exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan",
                 "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
                 "arctanh", "sqrt", "cbrt", "square", "reciprocal", "power", "float_power",
                 "maximum", "minimum", "logaddexp", "arctan2", "hypot")
MATH_WATCHED = ("exp", "expm1", "log", "log1p", "log2", "log10", "sin", "cos", "tan", "asin",
                "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sqrt", "pow",
                "erf", "atan2", "hypot")
AUTODIFF_MODULES = {
    "autograd": "autograd, an automatic-differentiation library",
    "torch": "PyTorch, whose autograd differentiates for you",
    "jax": "JAX, an automatic-differentiation library",
    "jaxlib": "JAX, an automatic-differentiation library",
    "tensorflow": "TensorFlow, whose GradientTape differentiates for you",
    "sympy": "SymPy, a computer-algebra system that differentiates for you",
    "numdifftools": "numdifftools, which differentiates numerically",
    "findiff": "findiff, which differentiates numerically",
    "scipy.differentiate": "scipy.differentiate, which differentiates numerically",
    "scipy.misc": "scipy.misc.derivative, which differentiates numerically",
    "scipy.optimize._numdiff": "scipy's approx_derivative, which differentiates numerically",
    "course.gradcheck": "the course's finite-difference tools (course.gradcheck), which differentiate numerically",
}
_SCIPY_NUMERIC = ("approx_fprime", "check_grad", "approx_derivative")
_ACTIVE: list["ShortcutDetector"] = []      # detectors watching a call right now (innermost last)
_CHECKER_CODES: dict[int, Any] = {}          # id(code) -> code of functions marked by checker_code
_SKIP, _WATCH = "skip", "watch"


def _numeric_helpers() -> dict[int, tuple[Any, str]]:
    """Code objects that differentiate numerically, by id (the objects are kept alive)."""
    from course.reference import chain_rule

    helpers = {"numpy.gradient": np.gradient, "course's central_difference": chain_rule.central_difference,
               "course's forward_difference": chain_rule.forward_difference}
    out = {}
    for name, f in helpers.items():
        code = getattr(getattr(f, "__wrapped__", f), "__code__", None)
        if code is not None:
            out[id(code)] = (code, f"calls {name}, which differentiates numerically")
    return out


class ShortcutDetector:
    """Watches guarded calls for numeric differentiation; :attr:`found` says why, or is None.

    Use :meth:`watching` around each call and :meth:`on_call` from the profiler on every
    ``"call"`` event; the first finding is kept for the whole life of the detector (one
    exercise).
    """

    def __init__(self) -> None:
        self.found: str | None = None
        self._helpers = _numeric_helpers()
        self._kinds: dict[int, tuple[Any, str]] = {}
        self._evidence: Evidence | None = None
        self._busy = False

    # -- one guarded call --------------------------------------------------------------------
    @contextlib.contextmanager
    def watching(self, args: tuple, kwargs: dict, names: tuple[str, ...] = (),
                 fn: Any = None) -> Iterator[tuple[tuple, dict]]:
        """Snapshot the inputs, wrap C callables in the arguments and numpy's/math's functions.

        numpy's and math's functions are wrapped where ``fn`` can reach them: as module
        attributes (``np.exp``), and as names bound to them in ``fn``'s globals and closure
        (``from numpy import exp`` in the notebook, ``f = np.tanh`` captured by a closure).
        Yields the arguments to call the learner's function with.
        """
        self._busy = True
        try:
            self._evidence = Evidence(args, kwargs, names)
        finally:
            self._busy = False
        _ACTIVE.append(self)
        wrapped_args = tuple(self._wrap_arg(a) for a in args)
        wrapped_kwargs = {k: self._wrap_arg(v) for k, v in kwargs.items()}
        saved: list[tuple[Any, str, Any]] = []
        swapped: list[tuple[Any, Any, Any, Any]] = []       # (dict or cell, key, original, wrapper)
        try:
            wrappers: dict[int, _Watched] = {}
            for module, attrs, prefix in ((np, NUMPY_WATCHED, "np."), (math, MATH_WATCHED, "math.")):
                for attr in attrs:
                    original = getattr(module, attr, None)
                    if original is not None and not isinstance(original, _Watched):
                        saved.append((module, attr, original))
                        wrappers[id(original)] = _Watched(original, prefix + attr, self)
                        setattr(module, attr, wrappers[id(original)])
            _swap_bound_names(fn, wrappers, swapped)
            yield wrapped_args, wrapped_kwargs
        finally:
            for place, key, original, wrapper in reversed(swapped):
                if isinstance(place, dict):
                    if place.get(key) is wrapper:
                        place[key] = original
                elif place.cell_contents is wrapper:
                    place.cell_contents = original
            for module, attr, original in reversed(saved):
                setattr(module, attr, original)
            self._evidence = None
            _ACTIVE.remove(self)

    def _wrap_arg(self, value: Any) -> Any:
        if isinstance(value, np.ufunc) or (callable(value) and type(value).__name__ in (
                "builtin_function_or_method", "_ArrayFunctionDispatcher")):
            return _Watched(value, getattr(value, "__name__", "f"), self)
        return value

    # -- what the learner's function does ------------------------------------------------------
    def record(self, key: Any, name: str, values: tuple) -> None:
        """One evaluation of the function ``key`` (shown as ``name``) with arguments ``values``."""
        if self.found is None and self._evidence is not None and not self._busy:
            self._busy = True           # the detector's own numpy calls are not the learner's
            try:
                self.found = self._evidence.add(key, name, values)
            finally:
                self._busy = False

    def on_call(self, frame: Any) -> None:
        """The profiler's ``"call"`` event: a numeric helper, an autodiff library, or an evaluation."""
        if self.found is not None or self._evidence is None or self._busy:
            return
        code = frame.f_code
        helper = self._helpers.get(id(code))
        if helper is not None:
            self.found = helper[1]
            return
        known = self._kinds.get(id(code))      # by id (hashing a code object reads all of it);
        if known is None:                      # the entry keeps the code alive, so ids stay unique
            known = self._kinds[id(code)] = (code, self._kind(code, frame.f_globals.get("__name__") or ""))
        kind = known[1]
        if kind == _SKIP:
            return
        if kind != _WATCH:
            self.found = kind
            return
        n = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & 0x04)
        if n:
            local = frame.f_locals
            values = []
            for name in code.co_varnames[:n]:
                v = local.get(name)
                values.extend(v if isinstance(v, tuple) else (v,))
            name = code.co_name if code.co_name.isidentifier() else "an anonymous function (lambda)"
            self.record(code, name, tuple(values))

    def _kind(self, code: Any, module: str) -> str:
        """``_SKIP``, ``_WATCH``, or the reason a frame of this code is a shortcut by itself."""
        for prefix, why in AUTODIFF_MODULES.items():
            if module == prefix or module.startswith(prefix + "."):
                return f"uses {why}"
        if module.startswith("scipy.") and code.co_name in _SCIPY_NUMERIC:
            return f"calls scipy's {code.co_name}, which differentiates numerically"
        path = os.path.abspath(code.co_filename)
        if path.startswith(_HERE + os.sep) or id(code) in _CHECKER_CODES:
            return _SKIP                         # the checker itself, a harness's own wrappers
        if path.startswith(_COURSE + os.sep):
            return _WATCH                        # course functions the learner may call
        if "site-packages" in path or "dist-packages" in path or path.startswith(
                (sys.base_prefix + os.sep, sys.prefix + os.sep)) or code.co_filename.startswith("<frozen"):
            return _SKIP                         # numpy, the standard library, IPython
        return _WATCH                            # the learner's own code


@contextlib.contextmanager
def unwatched() -> Iterator[None]:
    """Run trusted checker code inside a watched call unseen: a harness (``Spec.call``) building
    a case's graph from the course's ``Value`` evaluates ``exp`` at nodes that may, by chance, lie
    a small step apart, and that is not the learner's doing. Outside a watched call it does nothing.
    """
    paused = [d for d in _ACTIVE if not d._busy]
    for d in paused:
        d._busy = True
    try:
        yield
    finally:
        for d in paused:
            d._busy = False


def checker_code(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``fn`` (a decorator) as the checker's own code: its frames are not evaluations.

    For a harness's wrappers around the learner's objects (a ``__setattr__`` that counts writes
    of ``data``): their arguments are the learner's values, already seen where they were made.
    """
    code = getattr(fn, "__code__", None)
    if code is not None:
        _CHECKER_CODES[id(code)] = code
    return fn


def _functions_of(fn: Any) -> list[Any]:
    """The plain functions behind ``fn``: itself, those its closure holds, a partial's function and
    arguments, a class's methods."""
    out, todo, seen = [], [fn], set()
    while todo and len(out) < 64:
        f = todo.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        if isinstance(f, functools.partial):
            todo += [f.func, *f.args]
        elif inspect.ismethod(f):
            todo.append(f.__func__)
        elif inspect.isfunction(f):
            out.append(f)
            for cell in f.__closure__ or ():           # helpers a closure holds (a wrapped answer)
                try:
                    todo.append(cell.cell_contents)
                except ValueError:
                    pass
        elif inspect.isclass(f) and f.__module__ not in ("builtins",):
            todo += [v for v in vars(f).values() if inspect.isfunction(v)]
    return out


def _swap_bound_names(fn: Any, wrappers: dict[int, "_Watched"], swapped: list) -> None:
    """Bind the wrappers in place of numpy's/math's functions in ``fn``'s globals and closure cells."""
    seen: set[int] = set()
    for f in _functions_of(fn):
        if os.path.abspath(f.__code__.co_filename).startswith(_HERE + os.sep):
            continue                                           # the checker's own functions
        space = f.__globals__
        if id(space) not in seen:
            seen.add(id(space))
            for key, value in list(space.items()):
                wrapper = wrappers.get(id(value))
                if wrapper is not None and wrapper._original is value:
                    space[key] = wrapper
                    swapped.append((space, key, value, wrapper))
        for cell in f.__closure__ or ():
            try:
                value = cell.cell_contents
            except ValueError:                                  # an empty cell
                continue
            wrapper = wrappers.get(id(value))
            if wrapper is not None and wrapper._original is value:
                cell.cell_contents = wrapper
                swapped.append((cell, None, value, wrapper))


class _Watched:
    """A stand-in for a C function (``np.exp``, ``math.sin``, a case's ``f``) that reports its calls."""

    __slots__ = ("_original", "_name", "_detector")

    def __init__(self, original: Callable[..., Any], name: str, detector: ShortcutDetector) -> None:
        self._original, self._name, self._detector = original, name, detector

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # keyword arguments are evaluation points too (g(x=z + h)); an ``out=`` buffer is not
        points = args + tuple(v for k, v in kwargs.items() if k != "out") if kwargs else args
        self._detector.record(id(self._original), self._name, points)
        return self._original(*args, **kwargs)

    def __getattr__(self, attr: str) -> Any:       # np.exp.nin, f.__name__, ...
        return getattr(self._original, attr)

    def __repr__(self) -> str:
        return repr(self._original)
