"""Gradient checking: compare analytic derivatives with finite differences.

Three entry points, one result type:

``gradcheck(f, df, x)``
    ``f`` scalar-valued and ``df(x)`` its gradient (the shape of ``x``), or
    ``f`` vector-valued and ``df(x)`` its Jacobian ``(f(x).size, x.size)``
    (outputs x inputs); scalar -> scalar works too.
``gradcheck_layer(layer, x)``
    A layer's ``backward(g)`` against the vector-Jacobian product of its
    ``forward`` for a random upstream gradient ``g``: ``dx`` and the gradient
    of every parameter (``layer.parameters()`` / ``layer.gradients()``).
``gradcheck_model(model, X, Y, loss_fn)``
    A whole model: the loss gradient ``dout`` returned by
    ``loss_fn(out, Y) -> (loss, dout)`` and every parameter gradient.

Each returns a :class:`~course.gradcheck_report.GradcheckResult`, truthy iff
everything passed, that prints as a short report naming the tensor, the index,
the analytic and numerical values and the likely bug.

How it measures (details in :mod:`course.gradcheck_engine`):

* central differences in float64, step ``cbrt(eps) * max(1, |x|)``;
* ``mode="exhaustive"`` perturbs every entry; ``mode="directional"`` compares
  ``<g, v>`` with ``(f(x + t v) - f(x - t v)) / 2t`` for 3 random directions
  unit vectors ``v`` (random signs, comparable magnitudes), with a tolerance
  relative to ``||g||``, and localises wrong entries by bisection; ``mode="auto"`` (default) is
  exhaustive for tensors of at most 100 entries, directional above;
* a pass means ``|analytic - numeric| <= atol + rtol * scale + rounding``;
  ``rtol`` defaults to 1e-6 (1e-4 when the analytic side is float32, 1e-3 when
  the function itself computes in float32);
* kinks (relu at 0, |x| at 0, ties in max) are recognised from one-sided
  differences and reported, not counted as errors.

Nothing passed in is modified: ``x`` is copied, a layer's parameters are
perturbed in place and restored exactly, and a function that modifies its
input is reported as a failure.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike

from course.directional import check_directional, random_direction
from course.gradcheck_engine import Probe, TensorCheck, check_columns
from course.gradcheck_inputs import (
    DIRECTIONS,
    MAX_ENTRIES,
    as_analytic,
    check_options,
    choose_rtol,
    eps_of,
    finish,
    not_run,
    run,
    use_directional,
)
from course.gradcheck_layers import gradcheck_layer, gradcheck_model
from course.gradcheck_report import GradcheckError, GradcheckResult
from course.numeric import InputModifiedError, _as_point, _call, _output
from course.validation import check_callable

__all__ = ["gradcheck", "gradcheck_layer", "gradcheck_model", "GradcheckResult", "GradcheckError"]


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
        ``x``'s own dtype.
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
        Truthy iff the check passed; prints as a short report.

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
    x64 = _as_point(x, "x")
    if x64.size == 0:
        raise ValueError(f"x: expected at least one entry, got an empty array of shape {x64.shape}")
    x_dtype = np.asarray(x).dtype
    result = GradcheckResult("gradcheck")
    try:
        raw = _call(df, x64.astype(x_dtype) if x_dtype.kind == "f" else x64, "df", "x")
        y_raw = _call(f, x64, "f", "x")
    except InputModifiedError as exc:
        return finish(result, [not_run(name, x64.shape, "mutation", str(exc))], raise_on_fail)
    y0 = _output(y_raw, "f", "x").ravel()
    n_out = y0.size
    scalar = n_out == 1
    shape = x64.shape if scalar else (n_out, x64.size)
    if not scalar and _is_elementwise_derivative(raw, y_raw, x64):
        if x64.size > MAX_ELEMENTWISE:
            return finish(result, [not_run(name, shape, "size", (
                f"df returned the elementwise derivative of an f with {x64.size} entries; its diagonal "
                f"Jacobian is checked entry by entry, so use an x of at most {MAX_ELEMENTWISE} entries"))],
                raise_on_fail)
        raw = np.diag(np.asarray(raw).ravel())
        result.notes.append("df(x) has the shape of x: checked as the elementwise derivative, "
                            "i.e. the diagonal Jacobian diag(df(x))")
    what = f"the gradient for {name}" if scalar else f"the Jacobian of f w.r.t. {name} (outputs x inputs)"
    analytic, bad = as_analytic(raw, shape, what, also=((1, x64.size),) if scalar else ())
    if bad is not None:
        return finish(result, [not_run(name, shape, bad.name, bad.message)], raise_on_fail)
    eps_an = eps_of(np.asarray(raw).dtype, x_dtype)
    rtol, note = choose_rtol(rtol, eps_of(np.asarray(y_raw).dtype), eps_an, name)
    result.notes += [note] if note else []

    def evaluate(values: np.ndarray) -> np.ndarray:
        out = _output(_call(f, values, "f", "x"), "f", "a perturbed x").ravel()
        if out.size != n_out:
            raise ValueError(f"f: returned {out.size} values at a perturbed x but {n_out} at x")
        return out

    probe = Probe(name, x64, analytic.reshape(n_out, x64.size), evaluate, np.dtype(np.float64),
                  eps_of(np.asarray(y_raw).dtype), eps_an, y0)
    try:
        if scalar or not use_directional(mode, x64.size):
            check = run(probe, analytic, mode, rng, rtol, atol, batch_size, what=what)
            check.shape = shape
        else:
            check = _directional_jacobian(probe, rng, rtol, atol)
    except InputModifiedError as exc:
        check = not_run(name, shape, "mutation", str(exc))
    return finish(result, [check], raise_on_fail)


MAX_ELEMENTWISE = 2000  # diag(f'(x)) of this size is 32 MB in float64


def _is_elementwise_derivative(raw: Any, y_raw: Any, x: np.ndarray) -> bool:
    """Whether ``df`` returned ``f'(x)`` entry by entry: f(x), df(x) and x all share one shape."""
    d = np.asarray(raw)
    return d.dtype.kind in "fiu" and d.shape == x.shape == np.shape(y_raw) and x.size > 1


def _directional_jacobian(probe: Probe, rng: np.random.Generator, rtol: float, atol: float) -> TensorCheck:
    """Directional check of a Jacobian: scalarise with a random ``u``, then check the wrong columns fully."""
    u = random_direction(rng, probe.analytic.shape[0])  # every output weighs in, none by a tiny amount
    scalar = Probe(probe.name, probe.base, (u @ probe.analytic)[None, :],
                   lambda v: np.array([u @ probe.evaluate(v)]), probe.store, probe.eps_numeric,
                   probe.eps_analytic, np.array([u @ probe.f0]), probe.calls)
    check = check_directional(scalar, rng=rng, directions=DIRECTIONS, rtol=rtol, atol=atol,
                              max_entries=MAX_ENTRIES)
    check.shape = probe.analytic.shape
    check.evaluations += 1  # f(x) itself
    check.projections = []  # projections of u^T J do not name Jacobian patterns
    if not check.passed and check.entries:
        cols = [int(np.ravel_multi_index(e.index, probe.base.shape)) if e.index else 0 for e in check.entries]
        before = probe.calls[0]
        check.entries = check_columns(probe, cols, rtol=rtol, atol=atol)[:MAX_ENTRIES]
        check.evaluations += probe.calls[0] - before
    return check


