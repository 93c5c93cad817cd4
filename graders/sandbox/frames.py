"""Read one process's frames in the only order the driver writes them, and decide its status.

The stream must be: ``ready`` (the layers in force, sent before any learner code ran), ``source``
(the cells that raised), one ``case`` frame per case in order, ``call-done``, ``done``. A frame out of
order, a second copy of a case, a malformed value — anything else — is a protocol error: what came
before it is kept, the rest of the cases fail. Learner code runs in the same process as the driver,
so it *can* write frames; but a forged frame can only say what its function could have returned,
and a forged stream breaks the order and costs the forger its remaining cases.
"""
from __future__ import annotations

import signal
from typing import Any

from graders.sandbox.inside.wire import ProtocolError, from_plain
from graders.sandbox.model import Call, CallResult, CaseOutput, Limits
from graders.sandbox.pump import Raw
from graders.sandbox.text import clean

__all__ = ["assemble"]

_OBS_TYPES = {"seconds": float, "alloc_peak_bytes": int, "forbidden": bool, "timed_out": bool}


def assemble(call: Call, order: list[int], raw: Raw, limits: Limits) -> tuple[CallResult, list[str]]:
    """The :class:`CallResult` of one process, cases back in ``call``'s order; and its layers."""
    n = len(call.cases)
    got: list[CaseOutput | None] = [None] * n
    state = _State()
    problem = raw.frame_error
    for header, blobs in raw.frames:
        if problem is not None or state.confine_error is not None:
            break
        try:
            state.take(header, blobs, got, n)
        except ProtocolError as exc:
            problem = str(exc)
    status = _status(raw, state, problem, got, limits)
    why = _why(status, raw, limits, problem, state)
    outputs: list[CaseOutput] = [CaseOutput(False, None, why, {}) for _ in range(n)]
    for j, out in enumerate(got):
        outputs[order[j]] = out if out is not None else CaseOutput(False, None, why, {})
    for out in outputs:
        out.observations = dict(out.observations, process_status=status,
                                process_peak_rss_mb=round(raw.peak_rss_mb, 1))
    result = CallResult(call.exercise, outputs, status=status, notes=state.notes, forbidden=state.forbidden,
                        source_errors=state.source_errors, peak_rss_mb=round(raw.peak_rss_mb, 1))
    return result, state.layers


class _State:
    """Where in the expected sequence of frames we are, and what the frames said."""

    def __init__(self) -> None:
        self.stage = "ready"
        self.next_case = 0
        self.done = False
        self.layers: list[str] = []
        self.source_errors: list[str] = []
        self.notes: list[str] = []
        self.forbidden = False
        self.confine_error: str | None = None

    def take(self, header: dict, blobs: list[bytes], got: list, n: int) -> None:
        kind = header.get("kind")
        if self.stage == "ready":
            if kind == "confine-failed":
                self.confine_error = clean(str(header.get("error")), 300)
                return
            _expect(kind == "ready", "the first frame is not 'ready'")
            self.layers = [clean(str(x), 40) for x in _list(header.get("layers"))][:12]
            self.stage = "source"
        elif self.stage == "source":
            _expect(kind == "source", "the second frame is not 'source'")
            self.source_errors = [clean(str(x), 500) for x in _list(header.get("errors"))][:50]
            self.stage = "cases"
        elif self.stage == "cases" and kind == "case":
            k = header.get("case")
            _expect(header.get("call") == 0 and type(k) is int and k == self.next_case < n,
                    f"a case frame is out of order (expected case {self.next_case})")
            got[k] = _case_output(header, blobs)
            self.next_case += 1
        elif self.stage == "cases" and kind == "call-done":
            _expect(self.next_case == n, "'call-done' came before every case")
            self.notes = [clean(str(x), 500) for x in _list(header.get("notes"))][:20]
            self.forbidden = header.get("forbidden") is True
            self.stage = "end"
        elif self.stage == "end" and kind == "done":
            self.done = True
            self.stage = "after"
        else:
            raise ProtocolError(f"unexpected frame {str(kind)[:20]!r} at stage {self.stage}")


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise ProtocolError(message)


def _list(x: Any) -> list:
    return x if isinstance(x, list) else []


def _case_output(header: dict, blobs: list[bytes]) -> CaseOutput:
    ok, error = header.get("ok"), header.get("error")
    _expect(type(ok) is bool, "a case frame has no ok flag")
    _expect(error is None if ok else isinstance(error, str), "a case frame's error does not match its ok flag")
    obs: dict[str, Any] = {}
    raw_obs = header.get("obs")
    if isinstance(raw_obs, dict):
        for key, kind in _OBS_TYPES.items():
            v = raw_obs.get(key)
            if type(v) is kind or (kind is float and type(v) is int):
                obs[key] = kind(v)
    if not ok:
        return CaseOutput(False, None, clean(error, 600), obs)
    value, facts = from_plain(header.get("value"), blobs)
    obs["dtypes"] = [clean(d, 20) for d in facts["dtypes"]]
    obs["nonfinite"] = facts["nonfinite"]
    return CaseOutput(True, value, None, obs)


def _status(raw: Raw, state: _State, problem: str | None, got: list, limits: Limits) -> str:
    if raw.start_error is not None or state.confine_error is not None:
        return "sandbox-error"
    if raw.timed_out:
        return "timeout"
    if raw.overflow:
        return "output-limit"
    if problem is not None:
        return "protocol-error"
    if state.done and raw.exit_code == 0:
        return "ok"
    if raw.signal == signal.SIGXCPU or (raw.signal == signal.SIGKILL
                                        and raw.cpu_seconds >= limits.cpu_seconds - 0.5):
        return "timeout"
    texts = [o.error or "" for o in got if o is not None] + state.source_errors
    texts.append(raw.stderr[-4000:].decode("utf-8", "replace"))
    if any("MemoryError" in t for t in texts) or raw.peak_rss_mb >= 0.9 * limits.memory_mb:
        return "memory"
    return "crashed"


def _why(status: str, raw: Raw, limits: Limits, problem: str | None, state: _State) -> str:
    if status == "sandbox-error":
        return f"not run: the sandbox failed to start ({raw.start_error or state.confine_error})"
    if status == "timeout":
        return (f"not run: the exercise's time ran out ({limits.wall_seconds:g} s wall clock, "
                f"{limits.cpu_seconds:g} s CPU)")
    if status == "output-limit":
        return f"not run: the outputs exceeded {limits.result_mb} MB"
    if status == "protocol-error":
        return f"not run: the results could not be read ({clean(problem or '', 200)})"
    if status == "memory":
        return f"not run: the exercise ran out of memory ({limits.memory_mb} MB)"
    code = f"signal {raw.signal}" if raw.signal is not None else f"exit code {raw.exit_code}"
    return f"not run: the process ended before this case ({code})"
