"""Run an answer-free check (trusted code) against the learner's *recorded* outputs.

:mod:`graders.grade.cases` recorded the arguments each check passes to the learner's function;
the sandbox called the learner's function on them. Here the check runs again in the trusted
process with a stand-in function that returns those outputs in order, so the check decides as it
would in the notebook, without learner code beside it. A call the recording does not have
(other arguments, or more calls) means the check took another path: it counts as failed.
"""
from __future__ import annotations

import pickle
from typing import Any, Callable

import numpy as np

from course.checking.guard import quiet
from graders.grade.errors import describe_error

__all__ = ["replay_check", "LearnerFailed", "Diverged"]

_MAX_REPLAY_BYTES = 1 << 34


class LearnerFailed(Exception):
    """The learner's function raised on a recorded call (its message is the sandbox's)."""


class Diverged(Exception):
    """The check asked for a call the recording does not have."""


def _same(a: tuple, b: tuple) -> bool:
    try:
        return pickle.dumps(a) == pickle.dumps(b)
    except Exception:  # noqa: BLE001
        return False


def replay_check(chk: Callable[..., Any], calls: list[tuple], outputs: list[Any],
                 keywords: list[tuple] | None = None) -> str | None:
    """``chk(stand_in)``: the check's message (None when it passes) on the recorded outputs.

    Parameters
    ----------
    chk : callable
        The answer-free check, ``chk(fn) -> str | None``.
    calls : list of tuple
        The recorded arguments, in call order.
    keywords : list of tuple, optional
        The recorded keyword arguments of each call, as sorted ``(name, value)`` pairs (none
        when omitted).
    outputs : list
        For each recorded call, the sandbox's ``CaseOutput`` (``ok``, ``value``, ``error``,
        ``observations``). When the observations give the call's peak memory
        (``"alloc_peak_bytes"``), the stand-in allocates as much, so a memory check measures it.
    """
    position = [0]
    keywords = [()] * len(calls) if keywords is None else keywords

    def stand_in(*args: Any, **kwargs: Any) -> Any:
        i = position[0]
        position[0] += 1
        if i >= len(calls) or not _same(args, calls[i]) or not _same(tuple(sorted(kwargs.items())), keywords[i]):
            raise Diverged()
        out = outputs[i]
        if not out.ok:
            raise LearnerFailed(out.error or "failed")
        obs = out.observations or {}
        peak = obs.get("alloc_peak_bytes", obs.get("peak_bytes"))
        if isinstance(peak, (int, float)) and 0 < peak < _MAX_REPLAY_BYTES:
            np.empty(int(peak), dtype=np.uint8)      # traced by tracemalloc, never touched
        return out.value

    try:
        with quiet():
            return chk(stand_in)
    except LearnerFailed as failed:
        return describe_error(str(failed))
    except Diverged:
        return ("this check takes another path on your outputs than on the reference's (it asked "
                "for different inputs); counted as failed")
    except Exception as exc:  # noqa: BLE001 - as course.checking: report, never crash
        return (f"This check could not run ({type(exc).__name__}: {exc}); your output may have "
                "an unexpected type")
