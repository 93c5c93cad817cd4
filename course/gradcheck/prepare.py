"""Step 1 of a gradient check: prepare the inputs and choose the tolerances.

Options (``mode``, ``rtol``, ``atol``, ``rng``), the layer/model protocol, analytic gradients
that may be missing, misshapen or non-finite (these become failed checks with a named cause, not
exceptions), and the float32 rules for ``rtol``. The steps that follow are in
:mod:`course.gradcheck.run`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from course.gradcheck.diagnosis import Diagnosis, diagnose
from course.validation import as_generator

MODES = ("auto", "directional", "exhaustive")
EPS64 = float(np.finfo(np.float64).eps)
PROTOCOL = ("forward", "backward", "parameters", "gradients")


def check_options(mode: Any, rtol: Any, atol: Any, rng: Any) -> tuple[str, float, np.random.Generator]:
    """Validate the common keyword arguments; ``rng=None`` becomes ``default_rng(0)``."""
    if mode not in MODES:
        raise ValueError(f"mode: expected one of {', '.join(map(repr, MODES))}, got {mode!r}")
    for label, value in (("rtol", rtol), ("atol", atol)):
        if value is None and label == "rtol":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not value >= 0:
            shown = float(value) if isinstance(value, np.floating) else value  # a plain number, not np.float64(...)
            raise ValueError(f"{label}: expected a non-negative number, got {shown!r}")
    if rng is None:
        rng = np.random.default_rng(0)
    return mode, float(atol), as_generator(rng)


def eps_of(*dtypes: Any) -> float:
    """The largest machine epsilon among the float dtypes given (float64's for non-floats)."""
    out = EPS64
    for dt in dtypes:
        dt = np.dtype(dt)
        if dt.kind == "f":
            out = max(out, float(np.finfo(dt).eps))
    return out


def choose_rtol(rtol: float | None, eps_numeric: float, eps_analytic: float,
                name: str) -> tuple[float, str | None]:
    """``rtol`` to use and a note explaining it when float32 is involved.

    float64 on both sides: 1e-6 (finite differences agree to ~1e-10, correct
    analytic code to ~1e-12). float32 analytic values (numeric side still in
    float64): 1e-4, since float32 rounding alone is ~1e-7 per operation and
    accumulates over sums. A function that computes in float32: 1e-3, since
    its central differences are only accurate to ~eps32**(2/3) ~ 2e-5 times
    the function's scale. An explicit ``rtol`` is always kept.
    """
    if eps_numeric > EPS64:
        chosen = 1e-3 if rtol is None else float(rtol)
        return chosen, (f"{name} is evaluated in float32, so its finite differences are only float32-accurate "
                        f"(step cbrt(eps32)); compared with rtol={chosen:.0e}")
    if eps_analytic > EPS64:
        chosen = 1e-4 if rtol is None else float(rtol)
        return chosen, (f"the analytic gradient for {name} is float32 (the function's values are float64): "
                        f"compared with rtol={chosen:.0e} and float32 rounding at the tensor's largest entry")
    return (1e-6 if rtol is None else float(rtol)), None


def float32_values(y: np.ndarray) -> bool:
    """Whether every value of the float64 array ``y`` is exactly a float32 number (and not all 0)."""
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(over="ignore"):
        return bool(y.size and y.any() and np.array_equal(y.astype(np.float32).astype(np.float64), y))


def computes_in_float32(f: Any, x: np.ndarray, y0: np.ndarray) -> bool:
    """Whether ``f`` works in float32 although it returns float64 (e.g. a Python float).

    A float64 computation almost never lands on float32 numbers; a float32 one always does,
    whatever it is converted to on the way out. ``f(x)`` alone can be a float32 number by
    accident (``sum(x**2)`` at integer ``x``), so ``f`` is also evaluated at a nearby point.
    Arithmetic in float32 whose result is changed again in float64 cannot be seen this way.
    """
    if not float32_values(y0):
        return False
    near = x + 1e-3 * np.maximum(1.0, np.abs(x)) * np.linspace(0.3, 0.7, x.size).reshape(x.shape)
    try:
        y1 = np.asarray(f(near), dtype=np.float64)
    except Exception:  # noqa: BLE001 - f may refuse other points; then we cannot tell
        return False
    return float32_values(y1)


def as_analytic(value: Any, shape: tuple[int, ...], what: str,
                also: tuple[tuple[int, ...], ...] = ()) -> tuple[np.ndarray, Diagnosis | None]:
    """An analytic gradient as float64 of ``shape``, or why it cannot be used.

    ``what`` names the value in messages (``"the gradient for W"``).
    ``also`` lists other accepted shapes with the same entries (e.g. a
    ``(1, n)`` Jacobian row for a gradient); a size-1 value fits a size-1 shape.
    """
    arr = None
    if value is not None and not isinstance(value, (str, bytes)):
        try:
            arr = np.asarray(value)
        except Exception:
            arr = None
    size = int(np.prod(shape))
    if arr is not None and arr.dtype.kind in "biuf":
        if arr.shape != shape and (arr.shape in also or (size == 1 and arr.size == 1)):
            arr = arr.reshape(shape)
        if arr.shape == shape and np.isfinite(arr).all():
            return arr.astype(np.float64), None
    found = diagnose(value, np.ones(shape), what=what)
    return np.zeros(shape), found or Diagnosis("type", f"{what} cannot be used.")


def check_protocol(obj: Any, name: str) -> None:
    """TypeError unless ``obj`` has the Layer protocol's four methods."""
    missing = [m for m in PROTOCOL if not callable(getattr(obj, m, None))]
    if missing:
        raise TypeError(
            f"{name}: expected an object with methods forward, backward, parameters and gradients "
            f"(the Layer protocol), got {type(obj).__name__} without {', '.join(missing)}"
        )


def parameters_of(obj: Any, name: str) -> dict[str, np.ndarray]:
    """``obj.parameters()``, checked to be a dict of float arrays (the live arrays)."""
    params = obj.parameters()
    if not isinstance(params, dict):
        raise TypeError(f"{name}.parameters(): expected a dict of arrays, got {type(params).__name__}")
    for key, p in params.items():
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            raise TypeError(
                f"{name}.parameters()[{key!r}]: expected a float ndarray (the live parameter), "
                f"got {type(p).__name__}{' of dtype ' + str(p.dtype) if isinstance(p, np.ndarray) else ''}"
            )
        if not np.isfinite(p).all():
            raise ValueError(f"{name}.parameters()[{key!r}]: expected finite values, got NaN or inf")
    return params


def gradients_of(obj: Any, name: str) -> dict[str, Any]:
    """Copies of ``obj.gradients()`` taken at once (later calls may overwrite them)."""
    grads = obj.gradients()
    if not isinstance(grads, dict):
        raise TypeError(f"{name}.gradients(): expected a dict of arrays, got {type(grads).__name__}")
    return {k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v) for k, v in grads.items()}


def other_input(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A different input of the same shape, for a warm-up forward that exposes stale caches."""
    scale = max(1.0, float(np.sqrt(np.mean(x**2)))) if x.size else 1.0
    return rng.standard_normal(x.shape) * scale


def changed_parameters(params: dict[str, np.ndarray], saved: dict[str, np.ndarray]) -> list[str]:
    return [k for k in params if not np.array_equal(params[k], saved[k], equal_nan=True)]


def restore(params: dict[str, np.ndarray], saved: dict[str, np.ndarray]) -> None:
    for k, p in params.items():
        p[...] = saved[k]
