"""Probes of a layer's or model's parameters: ``sum(g * forward(x))`` as a function of one tensor.

``phi_param`` evaluates it at any values of a live parameter (set in place, then restored),
``phi_entry`` with one flat entry changed (the fast path of an exhaustive check), and
``screen_jointly`` checks all the parameters of a large model along one random direction at
once (2 evaluations in all) before any tensor is checked on its own. :func:`accumulating`
checks that ``backward`` sets its gradients rather than adding to them.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from course.gradcheck.compare import Probe, TensorCheck
from course.gradcheck.directional import check_directional
from course.gradcheck.numeric import InputModifiedError, as_output, call_checked
from course.gradcheck.prepare import as_analytic, choose_rtol, eps_of, gradients_of
from course.gradcheck.report import GradcheckResult
from course.gradcheck.run import auto_mode, not_run, run

__all__ = ["accumulating", "check_tensors", "fast_path", "phi_param", "screen", "screen_jointly"]


def accumulating(obj: Any, x: np.ndarray, dout: np.ndarray, first: dict[str, Any], owner: str,
                 describe: Callable[[str], str]) -> dict[str, TensorCheck]:
    """Failed checks for the gradients that a second ``forward(x)``, ``backward(dout)`` does not reproduce.

    ``backward`` must *set* the gradients: the same input and upstream gradient give the same
    gradients every time. A ``backward`` that adds to them (``dW += ...`` with no reset) gives
    ``2 dW`` the second time, which a check of one fresh backward cannot see.
    """
    obj.forward(x.copy())
    obj.backward(dout.copy())
    again = gradients_of(obj, owner)
    out = {}
    for key, g1 in first.items():
        g2 = again.get(key)
        if not (isinstance(g1, np.ndarray) and isinstance(g2, np.ndarray)) or g1.shape != g2.shape:
            continue
        if np.array_equal(g1, g2):
            continue
        g1f, g2f = g1.astype(np.float64), g2.astype(np.float64)
        if np.allclose(g2f, g1f, rtol=1e-9, atol=1e-12 * float(np.abs(g1f).max(initial=0.0))):
            continue
        ratio = float(g2f.ravel() @ g1f.ravel()) / max(float(g1f.ravel() @ g1f.ravel()), 1e-300)
        how = (f"is {ratio:.3g} times the first one" if np.allclose(g2f, ratio * g1f, rtol=1e-6, atol=1e-12)
               else "differs from the first one")
        out[key] = check = not_run(key, g1.shape, "accumulates", (
            f"{owner}.gradients()[{key!r}]{describe(key)} after a second forward(x), backward(dout) with the "
            f"same x and dout {how}: backward adds to the gradient (e.g. dW += ...) instead of setting it "
            f"(dW = ...); each backward must overwrite the gradients of the last one."))
        check.mode = "backward run twice"
    return out


def phi_param(forward: Callable, p: np.ndarray, original: np.ndarray, x: np.ndarray, g: np.ndarray,
               fname: str) -> Callable[[np.ndarray], np.ndarray]:
    """``values -> [sum(g * forward(x))]`` with the live parameter ``p`` set to ``values``, then restored."""

    def phi(values: np.ndarray) -> np.ndarray:
        p[...] = values
        try:
            y = as_output(call_checked(forward, x, fname, "x"), fname, "perturbed parameters")
        finally:
            p[...] = original
        return np.array([np.sum(g * y)])

    return phi


def phi_entry(forward: Callable, p: np.ndarray, original: np.ndarray, x: np.ndarray, g: np.ndarray,
               fname: str) -> Callable[[int, float], np.ndarray] | None:
    """``(j, value) -> [sum(g * forward(x))]`` with flat entry ``j`` of the live ``p`` set to ``value``.

    The fast path of an exhaustive check: one entry changes and is put back, ``x`` is passed
    as it is (whether ``forward`` changed it is checked once, after the whole tensor).
    """
    flat, orig = p.reshape(-1), original.reshape(-1)
    if not np.shares_memory(flat, p):  # a non-contiguous parameter: no flat view to write through
        return None  # the probe then changes a working copy and calls phi_param

    def at(j: int, value: float) -> np.ndarray:
        flat[j] = value
        try:
            y = forward(x)
        finally:
            flat[j] = orig[j]
        out = np.sum(g * np.asarray(y, dtype=np.float64))
        if not np.isfinite(out):
            as_output(y, fname, "perturbed parameters")  # raises, naming the problem
        return np.array([out])

    return at


def fast_path(forward: Callable, p: np.ndarray, original: np.ndarray, x: np.ndarray, g: np.ndarray, out: np.ndarray,
          fname: str) -> tuple:
    """(entry evaluation, phi at the unperturbed point, (x as passed, a copy)) for a parameter probe.

    ``phi(base)`` is ``sum(g * forward(x))`` at the parameters as they are, i.e. ``sum(g * out)``
    from the forward already run.
    """
    work = x.copy()
    return (phi_entry(forward, p, original, work, g, fname), np.array([np.sum(g * out)]), (work, x))


def screen_jointly(tensors: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]], forward: Callable,
                   x: np.ndarray, g: np.ndarray, out: np.ndarray, *, rng: np.random.Generator, rtol: float,
                   atol: float, fname: str = "forward") -> list[TensorCheck] | None:
    """Passed checks for every ``(name, live parameter, its saved values, analytic gradient)`` if one
    joint direction agrees.

    All the parameters are perturbed together along one random direction ``v`` (random signs,
    magnitudes within a factor 2, so every entry of every tensor weighs in): ``2`` evaluations
    of ``forward`` instead of ``2`` per tensor. The tolerance is relative to the norm of the whole
    gradient (see :mod:`course.gradcheck.directional`), so a single wrong entry is still seen.
    ``None`` (check each tensor on its own) if the direction disagrees or met a kink. ``fname``
    names ``forward`` in errors.
    """
    params = [p for _, p, _, _ in tensors]
    saved = [s for _, _, s, _ in tensors]
    sizes = np.cumsum([0] + [p.size for p in params])

    def evaluate(values: np.ndarray) -> np.ndarray:
        for p, lo, hi in zip(params, sizes[:-1], sizes[1:]):
            p[...] = values[lo:hi].reshape(p.shape)
        try:
            y = as_output(forward(x), fname, "perturbed parameters")
        finally:
            for p, s in zip(params, saved):
                p[...] = s
        return np.array([np.sum(g * y)])

    eps = float(np.finfo(np.float64).eps)
    probe = Probe(name="parameters", base=np.concatenate([s.ravel() for s in saved]),
                  analytic=np.concatenate([a.ravel() for *_, a in tensors])[None, :], evaluate=evaluate,
                  store=np.dtype(np.float64), eps_numeric=eps, eps_analytic=eps, f0=np.array([np.sum(g * out)]))
    joint = check_directional(probe, rng=rng, directions=1, rtol=rtol, atol=atol, max_entries=0,
                              more_on_failure=False)
    if not joint.passed or joint.kinks or joint.cannot_tell:
        return None
    checks = []
    for k, (name, p, *_) in enumerate(tensors):
        check = TensorCheck(name, p.shape, "directional", passed=True, max_error=joint.max_error,
                            evaluations=joint.evaluations + 1 if k == 0 else 0)
        check.note = "" if k else f"checked together with the other parameters along one random direction"
        checks.append(check)
    return checks


def check_tensors(tensors: list, *, grads_keys: set, mode: str, rng: np.random.Generator, rtol: float | None,
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
        screened = screen(tensors, joint, grads_keys=grads_keys, rng=rng, rtol=rtol, atol=atol,
                          fname=f"{owner}.forward")
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
            check = run(probe, analytic, mode, rng, tol, atol, batch)
            if x_in is not None and not np.array_equal(x_in[0], x_in[1], equal_nan=True):
                raise InputModifiedError(f"{owner}.forward: modified its input x in place; a forward pass "
                                         f"must leave its input unchanged (work on a copy, avoid +=)")
            checks.append(check)  # only now: a forward that changed x leaves the mutation check alone
        except InputModifiedError as exc:
            checks.append(not_run(name, shape, "mutation", str(exc)))
    return checks


def screen(tensors: list, joint: tuple, *, grads_keys: set, rng: np.random.Generator, rtol: float | None,
            atol: float, fname: str) -> dict[str, TensorCheck]:
    """The parameters' checks if they pass together along one direction (float64 only), else ``{}``.

    ``fname`` names the forward in errors (``"layer.forward"``)."""
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
                            atol=atol, fname=fname)
    return {} if checks is None else {c.name: c for c in checks}

