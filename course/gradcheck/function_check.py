"""``gradcheck(f, df, x)``: check a gradient, a Jacobian or an elementwise derivative of a function.

The package docstring (:mod:`course.gradcheck`) describes the steps and the numerics.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike

from course.gradcheck.directional import MAX_ENTRIES, check_directional, flat_index, random_direction
from course.gradcheck.compare import Probe, TensorCheck
from course.gradcheck.diagnosis import Diagnosis
from course.gradcheck.exhaustive import check_columns
from course.gradcheck.prepare import as_analytic, check_options, choose_rtol, computes_in_float32, eps_of
from course.gradcheck.elementwise import as_elementwise
from course.gradcheck.run import DIRECTIONS, finish, not_run, run, settle_kinks, use_directional
from course.gradcheck.report import GradcheckError, GradcheckResult
from course.gradcheck.scope import entries_pattern, listed
from course.gradcheck.numeric import InputModifiedError, as_point, call_checked, as_output
from course.validation import check_callable

__all__ = ["gradcheck"]


def gradcheck(
    f: Callable[[np.ndarray], Any],
    df: Callable[[np.ndarray], Any],
    x: ArrayLike,
    *,
    mode: str = "auto",
    rtol: float | None = None,
    atol: float = 1e-9,
    raise_on_fail: bool = False,
    rng: np.random.Generator | None = None,
    name: str = "x",
    batch_size: int | None = None,
) -> GradcheckResult:
    """Check ``df`` (the gradient or Jacobian of ``f``) at ``x`` against finite differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` (scalar-valued) or ``f(x) -> array`` (vector-valued).
    df : callable
        ``df(x) -> gradient`` with the shape of ``x`` when ``f`` is
        scalar-valued; ``df(x) -> (f(x).size, x.size)`` Jacobian otherwise.
        For an elementwise ``f`` (``f(x)`` has the shape of ``x``), ``df``
        may return the elementwise derivative ``f'(x)`` with the shape of
        ``x``: it is checked as the diagonal Jacobian ``diag(f'(x))``, so a
        ``df`` like that for an ``f`` that is not elementwise fails.
    x : array_like or float
        The point (finite). ``f`` receives float64 copies; ``df`` a copy in
        ``x``'s own dtype if that is a float dtype (float64 otherwise).
    mode : {"auto", "directional", "exhaustive"}
        ``"auto"``: exhaustive up to 100 entries, directional above.
    rtol, atol : float
        Tolerances; ``rtol=None`` picks 1e-6 (float64), 1e-4 (float32
        analytic side) or 1e-3 (``f`` computes in float32).
    raise_on_fail : bool
        Raise :class:`GradcheckError` (an ``AssertionError``) with the report
        instead of returning a failed result.
    rng : numpy.random.Generator, optional
        For the random directions; default ``np.random.default_rng(0)``.
    name : str
        What to call ``x`` in the report.
    batch_size : int, optional
        ``m``, so that a factor of the batch size is named as such.

    Returns
    -------
    GradcheckResult
        Truthy iff the check passed; ``.verdict`` is ``"passed"``, ``"failed"`` or
        ``"cannot tell"`` (the rounding of ``f`` at its scale hides what a wrong gradient
        would change); prints as a short report.

    Examples
    --------
    >>> import numpy as np
    >>> bool(gradcheck(lambda x: np.sum(x**3), lambda x: 3 * x**2, np.array([1.0, -2.0])))
    True
    >>> bool(gradcheck(np.tanh, lambda x: 1 - np.tanh(x) ** 2, np.linspace(-2, 2, 5)))
    True
    """
    check_callable(f, "f")
    check_callable(df, "df")
    mode, atol, rng = check_options(mode, rtol, atol, rng)
    x64 = as_point(x, "x")
    if x64.size == 0:
        raise ValueError(f"x: expected at least one entry, got an empty array of shape {x64.shape}")
    x_dtype = np.asarray(x).dtype
    result = GradcheckResult("gradcheck")
    try:
        raw = call_checked(df, x64.astype(x_dtype) if x_dtype.kind == "f" else x64, "df", "x")
        y_raw = call_checked(f, x64, "f", "x")
    except InputModifiedError as exc:
        return finish(result, [not_run(name, x64.shape, "mutation", str(exc))], raise_on_fail)
    y0 = as_output(y_raw, "f", "x").ravel()
    n_out = y0.size
    scalar = n_out == 1
    shape = x64.shape if scalar else (n_out, x64.size)
    elementwise = not scalar and _is_elementwise_derivative(raw, y_raw, x64)
    if elementwise:
        if x64.size > MAX_ELEMENTWISE:
            return finish(result, [not_run(name, x64.shape, "size", (
                f"df returned the elementwise derivative of an f with {x64.size} entries; its diagonal "
                f"Jacobian is checked entry by entry, so use an x of at most {MAX_ELEMENTWISE} entries"))],
                raise_on_fail)
        derivative = np.asarray(raw, dtype=np.float64).reshape(x64.shape)
        raw = np.diag(np.asarray(raw).ravel())
        result.notes.append("df(x) has the shape of x: checked as the elementwise derivative f'(x), entry "
                            "by entry (and that each output depends on its own entry of x only)")
    what = f"the gradient for {name}" if scalar else f"the Jacobian of f w.r.t. {name} (outputs x inputs)"
    analytic, bad = as_analytic(raw, shape, what, also=((1, x64.size),) if scalar else ())
    if bad is not None:
        return finish(result, [not_run(name, shape, bad.name, bad.message)], raise_on_fail)
    eps_an = eps_of(np.asarray(raw).dtype, x_dtype)
    eps_num = eps_of(np.asarray(y_raw).dtype)
    if eps_num == eps_of(np.float64) and computes_in_float32(f, x64, y0):
        eps_num = eps_of(np.float32)
        result.notes.append("f returns float64 values that are all float32 numbers, at x and at a nearby "
                            "point: it computes in float32, so it is differentiated with float32 steps")
    rtol, note = choose_rtol(rtol, eps_num, eps_an, name)
    result.notes += [note] if note else []

    def evaluate(values: np.ndarray) -> np.ndarray:
        out = as_output(call_checked(f, values, "f", "x"), "f", "a perturbed x").ravel()
        if out.size != n_out:
            raise ValueError(f"f: returned {out.size} values at a perturbed x but {n_out} at x")
        return out

    probe = Probe(name=name, base=x64, analytic=analytic.reshape(n_out, x64.size), evaluate=evaluate,
                  store=np.dtype(np.float64), eps_numeric=eps_num, eps_analytic=eps_an,
                  f0=y0, value_scale=_value_scale(y0, x64, scalar))
    try:
        if scalar or not use_directional(mode, x64.size):
            check = run(probe, analytic, mode, rng, rtol, atol, batch_size, what=what)
            check.shape = shape
        else:
            check = _directional_jacobian(probe, rng, rtol, atol)
    except InputModifiedError as exc:  # an elementwise derivative is reported in x's own shape
        check = not_run(name, x64.shape if elementwise else shape, "mutation", str(exc))
    if elementwise and check.mode != "not run":
        check = as_elementwise(check, derivative, rtol=rtol, atol=atol, batch_size=batch_size)
    if not check.passed and check.mode != "not run" and eps_num == eps_of(np.float64):
        flat = check.entries and all(e.numeric == 0.0 for e in check.entries)
        # float32 rounding inside f shows as small errors; in directional mode max_error is the
        # error along a direction, diluted over the tensor, so the entries found weigh in too
        worst = max([check.max_error] + [e.error for e in check.entries])
        if flat or worst < 0.05:
            why = ("the numerical derivative is exactly 0 at the wrong entries: f did not change at all for "
                   "a step of ~6e-6, as when f rounds to float32 inside. " if flat else "")
            result.notes.append(f"{why}f's values are float64 and not all float32 numbers, so float32 arithmetic "
                                f"inside f (converted again before returning) could not be detected: compute f in "
                                f"float64 for the check, or return its float32 result as float32, so that gradcheck "
                                f"takes float32 steps and tolerances")
    return finish(result, [check], raise_on_fail)


MAX_ELEMENTWISE = 2000  # diag(f'(x)) of this size is 32 MB in float64


def _is_elementwise_derivative(raw: Any, y_raw: Any, x: np.ndarray) -> bool:
    """Whether ``df`` returned ``f'(x)`` entry by entry: f(x), df(x) and x all share one shape."""
    d = np.asarray(raw)
    return d.dtype.kind in "fiu" and d.shape == x.shape == np.shape(y_raw) and x.size > 1


def _directional_jacobian(probe: Probe, rng: np.random.Generator, rtol: float, atol: float) -> TensorCheck:
    """Directional check of a Jacobian: scalarise with a random ``u``, then check the wrong columns fully."""
    u = random_direction(rng, probe.analytic.shape[0])  # every output weighs in, none by a tiny amount
    scalar = Probe(name=probe.name, base=probe.base, analytic=(u @ probe.analytic)[None, :],
                   evaluate=lambda v: np.array([u @ probe.evaluate(v)]), store=probe.store,
                   eps_numeric=probe.eps_numeric, eps_analytic=probe.eps_analytic,
                   f0=np.array([u @ probe.f0]), calls=probe.calls)
    check = check_directional(scalar, rng=rng, directions=DIRECTIONS, rtol=rtol, atol=atol,
                              max_entries=MAX_ENTRIES)
    if not check.kinks_resolved:
        check = settle_kinks(probe, check, "directional", rtol=rtol, atol=atol)  # cannot tell, or failed
    # a kink bisection found is an input of the combination u^T J, not an (output, input) entry of J
    check.kinks = [k if k.index is None else replace(k, index=None) for k in check.kinks]
    check.shape = probe.analytic.shape
    check.evaluations += 1  # f(x) itself
    check.projections = []  # projections of u^T J do not name Jacobian patterns
    cols, found = [], []
    if not check.passed and check.entries:
        cols = [flat_index(probe, e.index) for e in check.entries]
        before = probe.calls[0]
        found = check_columns(probe, cols, rtol=rtol, atol=atol)
        check.entries = found[:MAX_ENTRIES]
        check.evaluations += probe.calls[0] - before
    if not check.passed:
        check.diagnosis = _jacobian_cause(check, sorted(set(cols)), found, probe.analytic.shape[0], atol)
    return check


def _jacobian_cause(check: TensorCheck, cols: list[int], found: list, n_out: int, atol: float) -> Diagnosis:
    """What a failed directional Jacobian check establishes about the columns ``cols`` that bisection found
    and that were re-checked for every output (``found``: all their wrong entries); nothing is said of the
    other columns beyond what the random combinations showed. No ``cols``: bisection localised nothing."""
    if not cols:
        return Diagnosis("unknown", f"The Jacobian of f w.r.t. {check.name} disagrees along random directions, "
                                    f"but bisection could not localise the error (it is spread thinly over many "
                                    f"inputs); no pattern recognised.")
    which = f"column{'s' if len(cols) > 1 else ''} {', '.join(map(str, cols))}"
    where = f"{which} of the Jacobian of f w.r.t. {check.name}"
    if not found:
        return Diagnosis("unknown", f"Bisection pointed at {where}, but every entry there agrees when checked "
                                    f"one by one; no pattern recognised.")
    key, on_found = entries_pattern(found, atol, None)
    total = len(cols) * n_out
    text = (f"In {where} (the inputs bisection found, each re-checked for every output), {len(found)} of "
            f"{total} entries {'is' if len(found) == 1 else 'are'} wrong"
            + (f" ({listed(found)})" if len(found) <= MAX_ENTRIES else ""))
    text += f": there the Jacobian is {on_found}" if on_found else "; no pattern recognised"
    rest = ("bisection searched every input, so the other columns agree in a random combination of the "
            "outputs" if check.complete else "bisection stopped, so other columns may be wrong too")
    return Diagnosis(key or "entries", f"{text} ({rest}).")


def _value_scale(y0: np.ndarray, x: np.ndarray, scalar: bool) -> np.ndarray:
    """Per output: ``|f(x)|`` shared out over the entries of ``x`` (for a scalar ``f``), per unit of ``x``."""
    per_unit = max(1.0, float(np.sqrt(np.mean(x**2))))
    return np.abs(y0) / ((x.size if scalar else 1) * per_unit)

