"""Steps 2-6 of a gradient check, in order, for one tensor: measure, compare, locate, diagnose.

:func:`run` takes a prepared :class:`~course.gradcheck.compare.Probe` (step 1,
:mod:`course.gradcheck.prepare`), measures the numeric side and compares it entry by entry
(:func:`~course.gradcheck.exhaustive.check_exhaustive`) or along random directions, locating wrong
entries by bisection (:func:`~course.gradcheck.directional.check_directional`), then names the
likely cause (:func:`~course.gradcheck.report.name_cause`). :func:`finish` collects the checks
into the result that reports them.
"""
from __future__ import annotations

import numpy as np

from course.gradcheck.compare import Probe, TensorCheck
from course.gradcheck.exhaustive import check_exhaustive
from course.gradcheck.diagnosis import Diagnosis
from course.gradcheck.directional import MAX_ENTRIES, check_directional
from course.gradcheck.report import GradcheckError, GradcheckResult, name_cause
from course.gradcheck.scope import directional_cause

AUTO_EXHAUSTIVE_MAX = 100   # tensors up to this size are checked entry by entry in "auto" mode
DIRECTIONS = 1              # random directions per tensor in directional mode (3 once one fails)
KINK_EXHAUSTIVE_MAX = 10_000  # "auto": a tensor this small whose kinks bisection could not separate is checked
                              # entry by entry (a few seconds at most); a larger one cannot tell


def not_run(name: str, shape: tuple[int, ...], cause: str, message: str) -> TensorCheck:
    """A failed check that could not be measured (bad analytic value, mutation, ...)."""
    check = TensorCheck(name, tuple(shape), "not run", passed=False)
    check.diagnosis = Diagnosis(cause, message)
    return check


def settle_kinks(probe: Probe, check: TensorCheck, mode: str, *, rtol: float, atol: float) -> TensorCheck:
    """A directional check whose directions crossed more kinks than bisection separates, and found nothing wrong.

    In ``"auto"`` modes a tensor of at most ``KINK_EXHAUSTIVE_MAX`` entries is checked entry by entry;
    otherwise, or in ``"directional"`` mode, the check cannot tell (``unsure_why = "kinks"``). Wrong
    entries found already decide: the check has failed.
    """
    if check.entries:
        return check
    if mode in ("auto", "auto-large") and probe.base.size <= KINK_EXHAUSTIVE_MAX:
        spent = check.evaluations
        check = check_exhaustive(probe, rtol=rtol, atol=atol)
        check.evaluations += spent
        check.note = "random directions crossed more kinks than bisection separates, so every entry was checked"
        return check
    check.passed, check.cannot_tell, check.unsure_why = True, True, "kinks"
    return check


def finish(result: GradcheckResult, checks: list[TensorCheck], raise_on_fail: bool) -> GradcheckResult:
    result.checks.extend(checks)
    if raise_on_fail and not result.passed:  # failed, or cannot tell
        raise GradcheckError(result)
    return result


AUTO_TOTAL_EXHAUSTIVE_MAX = 1000  # "auto" on a layer/model with more entries in all: small tensors go directional first


def use_directional(mode: str, size: int) -> bool:
    return mode in ("directional", "auto-large") or (mode == "auto" and size > AUTO_EXHAUSTIVE_MAX)


def auto_mode(mode: str, total: int) -> str:
    """``"auto-large"`` for ``"auto"`` on a layer or model whose tensors have more than 1000 entries in all.

    There, perturbing each small tensor (a bias) entry by entry would cost more than checking
    every large one along a random direction; a small tensor is checked along a direction first
    and entry by entry only if that fails (for the report) or crossed more kinks than bisection separates.
    """
    return "auto-large" if mode == "auto" and total > AUTO_TOTAL_EXHAUSTIVE_MAX else mode


def run(probe: Probe, analytic: np.ndarray, mode: str, rng: np.random.Generator, rtol: float, atol: float,
        batch_size: int | None, what: str | None = None) -> TensorCheck:
    """Check one probe in the chosen mode and name the cause of a failure (``what`` names the analytic side)."""
    if use_directional(mode, probe.base.size):
        check = check_directional(probe, rng=rng, directions=DIRECTIONS, rtol=rtol, atol=atol,
                                  max_entries=MAX_ENTRIES)
        if not check.kinks_resolved:
            check = settle_kinks(probe, check, mode, rtol=rtol, atol=atol)
        elif not check.passed and mode == "auto-large" and probe.base.size <= AUTO_EXHAUSTIVE_MAX:
            spent = check.evaluations  # a small tensor that failed: every entry, for an exact report
            check = check_exhaustive(probe, rtol=rtol, atol=atol)
            check.evaluations += spent
    else:
        check = check_exhaustive(probe, rtol=rtol, atol=atol)
    check.evaluations += 1  # f at the unperturbed point, evaluated when the probe was built
    if not check.passed:
        before = probe.calls[0]  # the cause's own measurements (zero set, rows, columns) count as evaluations
        if check.numeric is None and probe.analytic.shape[0] == 1:
            check.diagnosis = directional_cause(probe, check, analytic, rng=rng, batch_size=batch_size,
                                                rtol=rtol, atol=atol, what=what or f"the gradient for {probe.name}")
        else:
            check.diagnosis = name_cause(check, analytic, batch_size=batch_size, rtol=rtol, atol=atol, what=what)
        check.evaluations += probe.calls[0] - before
    return check
