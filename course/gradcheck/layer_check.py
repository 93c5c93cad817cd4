"""Gradient checks of objects with the Layer protocol: one layer, or a whole model.

``gradcheck_layer(layer, x)`` checks ``backward`` as the vector-Jacobian
product of ``forward`` (for ``x`` and every parameter);
``gradcheck_model(model, X, Y, loss_fn)`` checks the loss gradient ``dout``
and every parameter gradient. Both are re-exported by :mod:`course.gradcheck`;
see there for the method.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike

from course.gradcheck.compare import Probe, TensorCheck
from course.gradcheck.prepare import (
    as_analytic,
    changed_parameters,
    check_options,
    check_protocol,
    choose_rtol,
    float32_values,
    eps_of,
    gradients_of,
    other_input,
    parameters_of,
    restore,
)
from course.gradcheck.parameters import accumulating, fast_path, phi_param, screen_jointly
from course.gradcheck.run import auto_mode, finish, not_run, run
from course.gradcheck.locate import locate, name_activation, name_untransposed
from course.gradcheck.report import GradcheckResult
from course.gradcheck.numeric import InputModifiedError, as_point, call_checked, as_output
from course.validation import check_callable

__all__ = ["gradcheck_layer", "gradcheck_model"]


def gradcheck_layer(
    layer: Any,
    x: ArrayLike,
    *,
    mode: str = "auto",
    rtol: float | None = None,
    atol: float = 1e-9,
    raise_on_fail: bool = False,
    rng: np.random.Generator | None = None,
) -> GradcheckResult:
    """Check a layer's ``backward`` against finite differences of its ``forward``.

    With a random upstream gradient ``g`` (the shape of ``forward(x)``), the
    scalar ``phi = sum(g * forward(x))`` has gradient ``dx = backward(g)``
    with respect to ``x``, and ``gradients()[k]`` with respect to each
    parameter ``parameters()[k]``: the vector-Jacobian products that
    backprop computes. Before the checked forward, ``forward`` runs once on a
    different input, so a backward that uses a stale cache is caught.
    Parameters are perturbed in place and restored exactly; afterwards the
    layer is left as after ``forward(x)``, ``backward(g)``.

    Parameters
    ----------
    layer : object with forward, backward, parameters, gradients
        E.g. ``Linear``, ``Tanh``, ``ReLU``, ``Sigmoid`` or a whole ``MLP``.
    x : (n_in, m) array_like
        The input batch (examples are columns).
    mode, rtol, atol, raise_on_fail, rng
        As for :func:`course.gradcheck.gradcheck`.

    Returns
    -------
    GradcheckResult
        One check per tensor: ``x`` then each parameter.
    """
    check_protocol(layer, "layer")
    mode, atol, rng = check_options(mode, rtol, atol, rng)
    result = _check_layer(layer, _non_empty(as_point(x, "x"), "x"), mode=mode, rtol=rtol, atol=atol, rng=rng)
    result.notes += _low_precision_note(x, "x")
    return finish(result, [], raise_on_fail)


def _non_empty(x: np.ndarray, name: str) -> np.ndarray:
    """``x`` unless it has no entries (an empty batch checks nothing): ValueError, as in ``gradcheck``."""
    if x.size == 0:
        raise ValueError(f"{name}: expected at least one entry (a batch of at least one example), "
                         f"got an empty array of shape {x.shape}")
    return x


def _low_precision_note(x: Any, name: str) -> list[str]:
    """A note when the input was float32 (or float16): the check ran on a float64 copy."""
    dtype = np.asarray(x).dtype
    if dtype.kind == "f" and dtype.itemsize < 8:
        return [f"{name} is {dtype.name}: the check ran on a float64 copy of it (both sides in float64)"]
    return []


def _check_layer(layer: Any, x64: np.ndarray, *, mode: str, rtol: float | None, atol: float,
                 rng: np.random.Generator, only: set[str] | None = None) -> GradcheckResult:
    """The work of :func:`gradcheck_layer`; ``only`` restricts which parameters are checked (``x`` always is)."""
    params = parameters_of(layer, "layer")
    saved = {k: p.copy() for k, p in params.items()}
    result = GradcheckResult(f"gradcheck_layer({type(layer).__name__})")
    batch = x64.shape[1] if x64.ndim == 2 else None
    try:
        out_raw, out = _forward_after_warm_up(layer, x64, rng, owner="layer", arg="x")
        g = rng.standard_normal(out.shape)
        dx_raw = call_checked(layer.backward, g, "layer.backward", "dout")
        grads = gradients_of(layer, "layer")
    except InputModifiedError as exc:
        return _finish_restored(result, [not_run("x", x64.shape, "mutation", str(exc))], params, saved, False)
    if moved := _moved_parameter_checks(params, saved):
        return _finish_restored(result, moved, params, saved, False)
    try:
        def phi_x(values: np.ndarray) -> np.ndarray:
            y = as_output(call_checked(layer.forward, values, "layer.forward", "x"), "layer.forward", "a perturbed x")
            return np.array([np.sum(g * y)])

        tensors = [("x", x64, np.dtype(np.float64), dx_raw, phi_x, out_raw)]
        for key, p in params.items():
            if only is None or key in only:
                tensors.append((key, p, p.dtype, grads.get(key),
                                phi_param(layer.forward, p, saved[key], x64, g, "layer.forward"), out_raw,
                                *fast_path(layer.forward, p, saved[key], x64, g, out, "layer.forward")))
        result.checks = _check_tensors(tensors, grads_keys=set(grads), mode=mode, rng=rng, rtol=rtol,
                                       atol=atol, batch=batch, result=result, owner="layer",
                                       joint=(layer.forward, x64, g, out, saved))
        if not params and not result.checks[0].passed and out.shape == x64.shape:
            name_activation(result.checks[0], dx_raw, g, x64, out)
        if "W" in params and not result.checks[0].passed:
            name_untransposed(result.checks[0], dx_raw, params["W"], g)
    finally:
        restore(params, saved)
    # leave the layer as after one forward/backward at x; the gradients must be the same again
    accumulated = accumulating(layer, x64, g, grads, "layer", lambda key: "")
    result.checks = [accumulated.get(c.name, c) for c in result.checks]
    return result


def gradcheck_model(
    model: Any,
    X: ArrayLike,
    Y: Any,
    loss_fn: Callable[[np.ndarray, Any], tuple[float, np.ndarray]],
    *,
    mode: str = "auto",
    rtol: float | None = None,
    atol: float = 1e-9,
    raise_on_fail: bool = False,
    rng: np.random.Generator | None = None,
) -> GradcheckResult:
    """Check every gradient of a model and its loss against finite differences.

    Two things are checked separately, so that a bug is pinned to its place:

    * ``dout`` from ``loss, dout = loss_fn(model.forward(X), Y)`` against
      finite differences of the loss with respect to the model output;
    * each ``model.gradients()[k]`` after ``model.backward(dout)`` against
      finite differences of ``sum(dout * model.forward(X))`` with respect to
      ``model.parameters()[k]`` (the vector-Jacobian product; with a correct
      ``dout`` this is exactly the gradient of the loss).

    Parameters
    ----------
    model : object with forward, backward, parameters, gradients
        E.g. an ``MLP``.
    X : (n_0, m) array_like
        Input batch, examples as columns; ``m`` is the batch size.
    Y : array_like
        Targets, passed to ``loss_fn`` unchanged (a copy each time).
    loss_fn : callable
        ``loss_fn(out, Y) -> (loss, dout)``, e.g. ``mse_loss``.
    mode, rtol, atol, raise_on_fail, rng
        As for :func:`course.gradcheck.gradcheck`.

    Returns
    -------
    GradcheckResult
        One check for ``dout``, then one per parameter.
    """
    check_protocol(model, "model")
    check_callable(loss_fn, "loss_fn")
    mode, atol, rng = check_options(mode, rtol, atol, rng)
    X64 = _non_empty(as_point(X, "X"), "X")
    Y0 = np.array(Y, copy=True)
    params = parameters_of(model, "model")
    saved = {k: p.copy() for k, p in params.items()}
    result = GradcheckResult(f"gradcheck_model({type(model).__name__})")
    batch = X64.shape[1] if X64.ndim == 2 else None
    try:
        out_raw, out = _forward_after_warm_up(model, X64, rng, owner="model", arg="X")
        loss_value, dout_raw = _loss(loss_fn, out, Y0)
        dout, bad = as_analytic(dout_raw, out.shape, "dout (returned by loss_fn)")
        if bad is not None:
            return finish(result, [not_run("dout", out.shape, bad.name, bad.message)], raise_on_fail)
        call_checked(model.backward, dout, "model.backward", "dout")
        grads = gradients_of(model, "model")
    except InputModifiedError as exc:
        return _finish_restored(result, [not_run("model", X64.shape, "mutation", str(exc))], params, saved,
                                raise_on_fail)
    if moved := _moved_parameter_checks(params, saved):
        return _finish_restored(result, moved, params, saved, raise_on_fail)
    try:
        def phi_out(values: np.ndarray) -> np.ndarray:
            return np.array([_loss(loss_fn, values, Y0)[0]])

        tensors = [("dout", out, np.dtype(np.float64), dout_raw, phi_out, np.float64(loss_value))]
        for key, p in params.items():
            tensors.append((key, p, p.dtype, grads.get(key), phi_param(model.forward, p, saved[key], X64, dout,
                                                                       "model.forward"), out_raw,
                            *fast_path(model.forward, p, saved[key], X64, dout, out, "model.forward")))
        result.checks = _check_tensors(tensors, grads_keys=set(grads), mode=mode, rng=rng, rtol=rtol,
                                       atol=atol, batch=batch, result=result, owner="model",
                                       joint=(model.forward, X64, dout, out, saved))
        if not result.checks[0].passed:
            result.notes.append("dout (from loss_fn) is wrong: fix the loss first. The parameters were checked "
                                "against backward(dout) itself, so their results do not depend on the loss.")
    finally:
        restore(params, saved)
    if any(not c.passed for c in result.checks[1:]):
        result.findings += locate(model, X64, result.checks[1:], check_layer=_check_layer, mode=mode, rtol=rtol,
                                  atol=atol, rng=rng)
    # leave the model as after one forward/backward at X; the gradients must be the same again
    accumulated = accumulating(model, X64, dout, grads, "model", lambda key: _layer_of(model, key))
    result.checks = [accumulated.get(c.name, c) for c in result.checks]
    result.notes += _low_precision_note(X, "X")
    return finish(result, [], raise_on_fail)


def _layer_of(model: Any, key: str) -> str:
    """`` (layers[0], Linear)`` for a parameter ``"0.W"`` of a model with ``layers``, else ``""``."""
    layers = getattr(model, "layers", None)
    index = key.partition(".")[0]
    if isinstance(layers, (list, tuple)) and index.isdigit() and int(index) < len(layers):
        return f" (layers[{index}], {type(layers[int(index)]).__name__})"
    return ""


def _forward_after_warm_up(obj: Any, x: np.ndarray, rng: np.random.Generator, *, owner: str,
                          arg: str) -> tuple[Any, np.ndarray]:
    """``obj.forward(x)`` as returned and as a checked float64 array, after one forward on another input.

    The warm-up forward overwrites whatever ``obj`` cached, so a ``backward`` that
    uses a stale cache instead of the one from ``forward(x)`` is caught.
    """
    warm = obj.forward(other_input(x, rng))
    out_raw = call_checked(obj.forward, x, f"{owner}.forward", arg)
    out = as_output(out_raw, f"{owner}.forward", arg)
    if np.asarray(out_raw).dtype == np.float64 and float32_values(out):
        try:
            if float32_values(np.asarray(warm, dtype=np.float64)):
                out_raw = out_raw.astype(np.float32)  # float32 work, returned as float64: judged as float32
        except (TypeError, ValueError):
            pass
    return out_raw, out


def _moved_parameter_checks(params: dict[str, np.ndarray], saved: dict[str, np.ndarray]) -> list[TensorCheck]:
    """A failed "mutation" check for each parameter that forward/backward changed in place (none: ``[]``)."""
    return [not_run(k, params[k].shape, "mutation", f"forward/backward changed the parameter {k} in place; "
                    f"only an optimiser step should change parameters") for k in changed_parameters(params, saved)]


def _finish_restored(result: GradcheckResult, checks: list[TensorCheck], params: dict[str, np.ndarray],
                     saved: dict[str, np.ndarray], raise_on_fail: bool) -> GradcheckResult:
    """Put the parameters back to ``saved``, then finish ``result`` with ``checks`` (a check that stopped early)."""
    restore(params, saved)
    return finish(result, checks, raise_on_fail)


def _loss(loss_fn: Callable, out: np.ndarray, Y: np.ndarray) -> tuple[float, Any]:
    """``loss_fn(copy of out, copy of Y)`` with its output checked."""
    value = call_checked(lambda o: loss_fn(o, Y.copy()), out, "loss_fn", "out")
    if not (isinstance(value, tuple) and len(value) == 2):
        raise TypeError(f"loss_fn: expected it to return (loss, dout), got {type(value).__name__}")
    loss = as_output(value[0], "loss_fn", "the model output")
    if loss.size != 1:
        raise ValueError(f"loss_fn: expected a scalar loss, got an array of shape {loss.shape}")
    return float(loss.reshape(())), value[1]


def _check_tensors(tensors: list, *, grads_keys: set, mode: str, rng: np.random.Generator, rtol: float | None,
                   atol: float, batch: int | None, result: GradcheckResult, owner: str,
                   joint: tuple | None = None) -> list[TensorCheck]:
    """Build a probe per (name, values, store dtype, analytic, phi, output) and check it.

    ``joint = (forward, x, g, out, saved parameters)``: in ``"auto"`` mode on a large layer or model, the
    parameters are first checked together along one direction (:func:`screen_jointly`).
    """
    checks = []
    mode = auto_mode(mode, sum(int(np.size(t[1])) for t in tensors))
    screened = {}
    if mode == "auto-large" and joint is not None:
        screened = _screen(tensors, joint, grads_keys=grads_keys, rng=rng, rtol=rtol, atol=atol)
    for name, values, store, raw, phi, y_raw, *fast in tensors:
        if name in screened:
            checks.append(screened[name])
            continue
        entry, f0, x_in = fast if fast else (None, None, None)
        shape = values.shape
        if name not in ("x", "dout") and name not in grads_keys:
            checks.append(not_run(name, shape, "missing", f"{owner}.gradients() has no entry {name!r}: "
                                  f"backward must set a gradient for every parameter"))
            continue
        analytic, bad = as_analytic(raw, shape, f"the gradient for {name}")
        if bad is not None:
            checks.append(not_run(name, shape, bad.name, bad.message))
            continue
        eps_num = eps_of(store, np.asarray(y_raw).dtype)
        eps_an = eps_of(np.asarray(raw).dtype)
        tol, note = choose_rtol(rtol, eps_num, eps_an, name)
        if note and note not in result.notes:
            result.notes.append(note)
        base = np.array(values, dtype=np.float64)
        probe = Probe(name=name, base=base, analytic=analytic.reshape(1, -1), evaluate=phi, store=np.dtype(store),
                      eps_numeric=eps_num, eps_analytic=eps_an, f0=f0 if f0 is not None else phi(base),
                      entry=entry)
        try:
            checks.append(run(probe, analytic, mode, rng, tol, atol, batch))
            if x_in is not None and not np.array_equal(x_in[0], x_in[1], equal_nan=True):
                raise InputModifiedError(f"{owner}.forward: modified its input x in place; a forward pass "
                                         f"must leave its input unchanged (work on a copy, avoid +=)")
        except InputModifiedError as exc:
            checks.append(not_run(name, shape, "mutation", str(exc)))
    return checks


def _screen(tensors: list, joint: tuple, *, grads_keys: set, rng: np.random.Generator, rtol: float | None,
            atol: float) -> dict[str, TensorCheck]:
    """The parameters' checks if they pass together along one direction (float64 only), else ``{}``."""
    forward, x, g, out, saved = joint
    params = []
    for name, values, store, raw, *_ in tensors:
        if name in ("x", "dout"):
            continue
        if name not in grads_keys or np.dtype(store) != np.float64 or np.asarray(raw).dtype != np.float64:
            return {}
        analytic, bad = as_analytic(raw, values.shape, f"the gradient for {name}")
        if bad is not None:
            return {}
        params.append((name, values, saved[name], analytic))
    if not params or np.asarray(out).dtype != np.float64:
        return {}
    checks = screen_jointly(params, forward, x, g, out, rng=rng, rtol=1e-6 if rtol is None else float(rtol),
                            atol=atol)
    return {} if checks is None else {c.name: c for c in checks}

