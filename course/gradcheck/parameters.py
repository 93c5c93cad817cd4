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
from course.gradcheck.numeric import as_output, call_checked
from course.gradcheck.prepare import gradients_of
from course.gradcheck.run import not_run

__all__ = ["accumulating", "fast_path", "phi_param", "screen_jointly"]


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
               fname: str) -> Callable[[int, float], np.ndarray]:
    """``(j, value) -> [sum(g * forward(x))]`` with flat entry ``j`` of the live ``p`` set to ``value``.

    The fast path of an exhaustive check: one entry changes and is put back, ``x`` is passed
    as it is (whether ``forward`` changed it is checked once, after the whole tensor).
    """
    flat, orig = p.reshape(-1), original.reshape(-1)
    if not np.shares_memory(flat, p):  # a non-contiguous parameter: no flat view to write through
        phi = phi_param(forward, p, original, x, g, fname)
        work = original.copy()
        wflat = work.reshape(-1)

        def slow(j: int, value: float) -> np.ndarray:
            wflat[j] = value
            try:
                return phi(work)
            finally:
                wflat[j] = orig[j]
        return slow

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
                   atol: float) -> list[TensorCheck] | None:
    """Passed checks for every ``(name, live parameter, its saved values, analytic gradient)`` if one
    joint direction agrees.

    All the parameters are perturbed together along one random direction ``v`` (random signs,
    magnitudes within a factor 2, so every entry of every tensor weighs in): ``2`` evaluations
    of ``forward`` instead of ``2`` per tensor. The tolerance is relative to the norm of the whole
    gradient (see :mod:`course.gradcheck.directional`), so a single wrong entry is still seen.
    ``None`` (check each tensor on its own) if the direction disagrees or met a kink.
    """
    params = [p for _, p, _, _ in tensors]
    saved = [s for _, _, s, _ in tensors]
    sizes = np.cumsum([0] + [p.size for p in params])

    def evaluate(values: np.ndarray) -> np.ndarray:
        for p, lo, hi in zip(params, sizes[:-1], sizes[1:]):
            p[...] = values[lo:hi].reshape(p.shape)
        try:
            y = as_output(forward(x), "forward", "perturbed parameters")
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
    if not joint.passed or joint.kinks:
        return None
    checks = []
    for k, (name, p, *_) in enumerate(tensors):
        check = TensorCheck(name, p.shape, "directional", passed=True, max_error=joint.max_error,
                            evaluations=joint.evaluations + 1 if k == 0 else 0)
        check.note = "" if k else f"checked together with the other parameters along one random direction"
        checks.append(check)
    return checks
