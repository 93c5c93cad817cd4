"""The frame protocol (graders/sandbox/frames.py) on synthetic streams: order, forgery, statuses."""
from __future__ import annotations

import signal

import pytest

from graders.sandbox.frames import parse
from graders.sandbox.inside.wire import to_plain
from graders.sandbox.model import Call, Limits
from graders.sandbox.pump import Raw

LIMITS = Limits(memory_mb=512, cpu_seconds=2)
CALL = Call("ch01.sigmoid_prime", "sigmoid_prime", [(0.0,), (1.0,), (2.0,)])
ORDER = [2, 0, 1]   # the sandbox saw case 2 first


def _case(k, value=0.25, ok=True):
    tree, blobs = to_plain(value, 1 << 20)
    header = {"kind": "case", "call": 0, "case": k, "ok": ok, "error": None if ok else "ValueError: x",
              "value": tree, "obs": {"seconds": 0.1, "forbidden": False, "junk": object.__name__}}
    return header, blobs


def _exit(status=0, timed_out=False, rss=30.0, cpu=0.1):
    return {"kind": "exit", "call": 0, "wait_status": status, "timed_out": timed_out,
            "peak_rss_mb": rss, "cpu_seconds": cpu, "seconds": 0.2}, []


def _good():
    return [({"kind": "ready", "layers": ["private root"]}, []), ({"kind": "source", "call": 0, "errors": [],
            "layers": ["rlimits", "unprivileged uid"]}, []), _case(0, 10.0), _case(1, 11.0), _case(2, 12.0),
            ({"kind": "call-done", "call": 0, "notes": ["printed 1 line"], "forbidden": False}, []), _exit(),
            ({"kind": "done"}, [])]


def _parse(frames, **raw):
    return parse([CALL], [ORDER], Raw(frames=frames, **raw), LIMITS)


def test_a_good_stream_puts_every_case_back_in_its_place():
    parsed = _parse(_good())
    (result,) = parsed.results
    assert result.status == "ok" and parsed.problem is None
    assert [o.value for o in result.outputs] == [11.0, 12.0, 10.0]   # un-shuffled by ORDER
    assert result.notes == ["printed 1 line"] and parsed.layers == ["private root"]
    assert parsed.child_layers == ["rlimits", "unprivileged uid"]
    assert all("junk" not in o.observations for o in result.outputs)
    assert result.outputs[0].observations["process_status"] == "ok"


@pytest.mark.parametrize("edit", ["duplicate", "skip", "early-done", "wrong-call", "forged-exit", "not-ready",
                                  "case-before-source", "after-done"])
def test_anything_out_of_order_is_a_protocol_error(edit):
    frames = _good()
    if edit == "duplicate":
        frames.insert(3, _case(0, 99.0))
    elif edit == "skip":
        del frames[3]
    elif edit == "early-done":
        frames.insert(3, ({"kind": "call-done", "call": 0}, []))
    elif edit == "wrong-call":
        frames[3] = (dict(frames[3][0], call=1), frames[3][1])
    elif edit == "forged-exit":
        frames.insert(3, ({"kind": "something"}, []))
    elif edit == "not-ready":
        frames[0] = ({"kind": "source"}, [])
    elif edit == "case-before-source":
        frames[1], frames[2] = frames[2], frames[1]
    elif edit == "after-done":
        frames.append(_case(0))
    parsed = _parse(frames)
    assert parsed.problem is not None
    assert len(parsed.results) == (1 if edit == "after-done" else 0)


def test_a_forged_exit_ends_only_the_forgers_own_call():
    frames = _good()[:3] + [_exit()] + _good()[3:]
    parsed = _parse(frames)
    (result,) = parsed.results
    assert [o.ok for o in result.outputs].count(True) == 1   # what it had sent so far, nothing more
    assert parsed.problem is not None                       # the real frames that follow break the order


def test_a_malformed_value_is_a_protocol_error():
    frames = _good()
    frames[2] = ({**frames[2][0], "value": {"t": "array", "i": 0, "shape": [1], "dtype": "f"}}, [b"junk"])
    assert _parse(frames).problem is not None


@pytest.mark.parametrize("exit_info, status", [
    (_exit(timed_out=True), "timeout"),
    (_exit(status=int(signal.SIGXCPU)), "timeout"),
    (_exit(status=int(signal.SIGKILL), cpu=5.0), "timeout"),
    (_exit(status=int(signal.SIGSEGV)), "crashed"),
    (_exit(status=int(signal.SIGKILL), rss=500.0), "memory"),
    (_exit(status=1 << 8), "crashed"),
])
def test_a_child_that_ended_early_gets_a_status_and_its_missing_cases_say_why(exit_info, status):
    frames = _good()[:3] + [exit_info, ({"kind": "done"}, [])]
    (result,) = _parse(frames).results
    assert result.status == status
    assert result.outputs[ORDER[0]].ok
    missing = [o for i, o in enumerate(result.outputs) if i != ORDER[0]]
    assert all(not o.ok and o.error.startswith("not run:") for o in missing)


def test_a_memory_error_in_a_case_marks_the_call():
    frames = _good()
    frames[2] = (dict(frames[2][0], ok=False, error="MemoryError (line 2 of f in <cell 1>)", value={"t": "none"}), [])
    (result,) = _parse(frames).results
    assert result.status == "memory"


def test_confinement_failure_is_reported_not_run():
    parsed = _parse([({"kind": "confine-failed", "error": "OSError: mount"}, [])])
    assert parsed.confine_error == "OSError: mount" and parsed.results == []


def test_an_empty_stream_has_no_results():
    parsed = _parse([], frame_error=None)
    assert parsed.results == [] and parsed.problem is None
