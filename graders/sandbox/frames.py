"""Read one sandbox's frames in the only order they are written, and decide each call's status.

The stream must be ``ready`` (sent by the zygote before any learner code exists), then for each
call ``source``, one ``case`` per case in order and ``call-done`` (all written by that call's child,
so possibly missing after a crash), then ``exit`` (written by the zygote after the child and all it
started are dead: wait status, peak memory, CPU, time-out), and finally ``done``.

Learner code runs in the child, so it *can* write frames; but a forged frame can only say what
its function could have returned anyway, and anything out of order is a protocol error: the call
it happens in loses its remaining cases, and the calls after it run again in a fresh sandbox.
"""
from __future__ import annotations

import os
import signal
from dataclasses import dataclass, field
from typing import Any

from graders.sandbox.inside.wire import ProtocolError, from_plain
from graders.sandbox.model import Call, CallResult, CaseOutput, Limits
from graders.sandbox.pump import Raw
from graders.sandbox.text import clean

__all__ = ["Parsed", "parse", "build_result", "why_not_run"]

_OBS_TYPES = {"seconds": float, "alloc_peak_bytes": int, "forbidden": bool, "timed_out": bool}


@dataclass
class _Pending:
    """What has arrived so far for one call."""

    got: list
    next_case: int = 0
    source_errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    forbidden: bool = False
    seen_source: bool = False
    seen_done: bool = False


@dataclass
class Parsed:
    """The finished calls of one sandbox run, and why the stream stopped where it did."""

    results: list[CallResult]          # one per call finished (in order), possibly fewer than asked
    layers: list[str]
    problem: str | None = None         # a protocol error (its call is the first unfinished one)
    confine_error: str | None = None
    child_layers: list[str] = field(default_factory=list)
    partial: list = field(default_factory=list)   # the outputs that arrived for the first unfinished call


def parse(calls: list[Call], orders: list[list[int]], raw: Raw, limits: Limits) -> Parsed:
    """Turn ``raw.frames`` into results for the calls that finished; see the module docstring."""
    parsed = Parsed([], [])
    frames = iter(raw.frames)
    try:
        header, _ = next(frames)
    except StopIteration:
        parsed.problem = raw.frame_error
        return parsed
    if header.get("kind") == "confine-failed":
        parsed.confine_error = clean(str(header.get("error")), 300)
        return parsed
    if header.get("kind") != "ready":
        parsed.problem = "the first frame is not 'ready'"
        return parsed
    parsed.layers = [clean(str(x), 40) for x in _list(header.get("layers"))][:12]
    index, pending = 0, _Pending([None] * (len(calls[0].cases) if calls else 0))
    try:
        done = False
        for header, blobs in frames:
            _expect(not done, "a frame after 'done'")
            if index >= len(calls):
                _expect(header.get("kind") == "done", "a frame after the last call")
                done = True
                continue
            if header.get("kind") == "exit" and header.get("call") == index:
                parsed.results.append(_finish(calls[index], orders[index], pending, header, limits))
                index += 1
                if index < len(calls):
                    pending = _Pending([None] * len(calls[index].cases))
                continue
            _take(header, blobs, pending, index, parsed)
    except ProtocolError as exc:
        parsed.problem = str(exc)
    else:
        if raw.frame_error:
            parsed.problem = raw.frame_error
    if index < len(calls):
        parsed.partial = pending.got
    return parsed


def _take(header: dict, blobs: list[bytes], p: _Pending, index: int, parsed: Parsed) -> None:
    kind = header.get("kind")
    _expect(header.get("call") == index, f"a frame for call {str(header.get('call'))[:10]} during call {index}")
    if kind == "source":
        _expect(not p.seen_source, "a second 'source' frame")
        p.seen_source = True
        p.source_errors = [clean(str(x), 500) for x in _list(header.get("errors"))][:50]
        parsed.child_layers = [clean(str(x), 40) for x in _list(header.get("layers"))][:12]
    elif kind == "case":
        k = header.get("case")
        _expect(p.seen_source and not p.seen_done and type(k) is int and k == p.next_case < len(p.got),
                f"a case frame out of order (expected case {p.next_case})")
        p.got[k] = _case_output(header, blobs)
        p.next_case += 1
    elif kind == "call-done":
        _expect(p.next_case == len(p.got) and not p.seen_done, "'call-done' before every case")
        p.seen_done = True
        p.notes = [clean(str(x), 500) for x in _list(header.get("notes"))][:20]
        p.forbidden = header.get("forbidden") is True
    else:
        raise ProtocolError(f"unexpected frame {str(kind)[:20]!r}")


def _finish(call: Call, order: list[int], p: _Pending, exit_info: dict, limits: Limits) -> CallResult:
    status_word = exit_info.get("wait_status")
    rss = _num(exit_info.get("peak_rss_mb"))
    cpu = _num(exit_info.get("cpu_seconds"))
    status = _status(p, status_word if type(status_word) is int else None,
                     exit_info.get("timed_out") is True, rss, cpu, limits)
    return build_result(call, order, p.got, status, _why(status, status_word, limits), rss,
                        _num(exit_info.get("seconds")), p)


def build_result(call: Call, order: list[int], got: list, status: str, why: str, rss: float,
                 seconds: float, p: "_Pending | None" = None) -> CallResult:
    """Cases back in ``call``'s order; a case that did not arrive fails with ``why``."""
    n = len(call.cases)
    outputs = [CaseOutput(False, None, why, {}) for _ in range(n)]
    for j in range(n):
        if j < len(got) and got[j] is not None:
            outputs[order[j]] = got[j]
    for out in outputs:
        out.observations = dict(out.observations, process_status=status, process_peak_rss_mb=round(rss, 1))
    return CallResult(call.exercise, outputs, status=status, notes=p.notes if p else [],
                      forbidden=p.forbidden if p else False, source_errors=p.source_errors if p else [],
                      peak_rss_mb=round(rss, 1), seconds=seconds)


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise ProtocolError(message)


def _list(x: Any) -> list:
    return x if isinstance(x, list) else []


def _num(x: Any) -> float:
    return float(x) if type(x) in (int, float) and x == x else 0.0


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
        guard = raw_obs.get("guard")
        if isinstance(guard, dict):
            obs["guard"] = {clean(str(k), 60): (clean(v, 300) if isinstance(v, str) else v)
                            for k, v in list(guard.items())[:20]
                            if type(v) in (bool, int, float, str) and v == v}
    if not ok:
        return CaseOutput(False, None, clean(error, 600), obs)
    value, facts = from_plain(header.get("value"), blobs)
    obs["dtypes"] = [clean(d, 20) for d in facts["dtypes"]]
    obs["nonfinite"] = facts["nonfinite"]
    return CaseOutput(True, value, None, obs)


def _status(p: _Pending, wait_status: int | None, timed_out: bool, rss: float, cpu: float,
            limits: Limits) -> str:
    if timed_out:
        return "timeout"
    exited_ok = wait_status is not None and os.WIFEXITED(wait_status) and os.WEXITSTATUS(wait_status) == 0
    texts = [o.error or "" for o in p.got if o is not None] + p.source_errors
    if any(t.startswith("MemoryError") or "bad output: MemoryError" in t for t in texts):
        return "memory"
    if p.seen_done and exited_ok:
        return "ok"
    sig = os.WTERMSIG(wait_status) if wait_status is not None and os.WIFSIGNALED(wait_status) else None
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= limits.cpu_seconds - 0.5):
        return "timeout"
    if rss >= 0.9 * limits.memory_mb:
        return "memory"
    return "crashed"


def why_not_run(status: str, limits: Limits, detail: str = "") -> str:
    """The error of a case that did not run, for a call that ended with ``status``."""
    if status == "timeout":
        return (f"not run: the exercise's time ran out ({limits.wall_seconds:g} s wall clock, "
                f"{limits.cpu_seconds:g} s CPU)")
    if status == "output-limit":
        return f"not run: the outputs exceeded {limits.result_mb} MB"
    if status == "protocol-error":
        return f"not run: the results could not be read ({clean(detail, 200)})"
    if status == "memory":
        return f"not run: the exercise ran out of memory ({limits.memory_mb} MB)"
    if status == "sandbox-error":
        return f"not run: the sandbox failed to start ({clean(detail, 300)})"
    return f"not run: the process ended before this case ({detail or 'no result'})"


def _why(status: str, wait_status: Any, limits: Limits) -> str:
    detail = ""
    if type(wait_status) is int:
        detail = (f"signal {os.WTERMSIG(wait_status)}" if os.WIFSIGNALED(wait_status)
                  else f"exit code {os.WEXITSTATUS(wait_status)}")
    return why_not_run(status, limits, detail)
