"""graders/sandbox/pump.py: the pipes of a sandbox process are each closed once, so sandboxes can be
started from several threads at a time (the class grader runs two) without one closing another's
descriptor (a start that fails with EBADF)."""
from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from graders.sandbox import pump as pump_module
from graders.sandbox.model import Limits
from graders.sandbox.pump import pump

SAY_HI = [sys.executable, "-c", "import sys; print('hi'); print('err', file=sys.stderr)"]


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_each_pipe_of_the_process_is_closed_once_and_none_is_left_open(monkeypatch, tmp_path):
    closed, procs = [], []
    real_close, real_popen = os.close, subprocess.Popen

    def spy_close(fd):
        if procs:  # only the closes after the start (subprocess closes the child's ends itself)
            closed.append(fd)
        real_close(fd)

    def spy_popen(*args, **kwargs):
        procs.append(real_popen(*args, **kwargs))
        procs[-1].fds = (procs[-1].stdout.fileno(), procs[-1].stderr.fileno())
        return procs[-1]

    monkeypatch.setattr(pump_module.os, "close", spy_close)
    monkeypatch.setattr(pump_module.subprocess, "Popen", spy_popen)
    before = _open_fds()
    raw = pump(SAY_HI, dict(os.environ), str(tmp_path), Limits(), 30.0)
    monkeypatch.undo()
    assert (raw.start_error, raw.stdout, raw.stderr, raw.exit_code) == (None, b"hi\n", b"err\n", 0)
    assert _open_fds() == before  # the result pipe's two ends and stdout/stderr all closed
    (proc,) = procs
    assert proc.stdout is None and proc.stderr is None
    # stdout/stderr were closed through their file objects only: closing them by number as well would
    # close each descriptor twice (the second time possibly another thread's new descriptor)
    assert not set(proc.fds) & set(closed), (proc.fds, closed)
    assert len(closed) == len(set(closed)) == 2, closed  # the result pipe's write end (after the start), read end


def test_sandbox_processes_started_from_many_threads_all_start_and_report():
    def one(_):
        raw = pump(SAY_HI, dict(os.environ), "/tmp", Limits(), 30.0)
        return raw.start_error, raw.stdout, raw.stderr

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(one, range(48)))
    assert results == [(None, b"hi\n", b"err\n")] * 48
