"""Start the sandbox process and read its three pipes until it ends, is killed, or overflows.

The process gets its own session (so its process group can be killed as a whole), stdin from
``/dev/null``, stdout and stderr on pipes of which only ``limits.output_bytes`` are kept (the rest
is read and dropped, so a flood cannot block or fill memory), and the write end of a result pipe
(its number is the last argument). A deadline is enforced here, from outside (the zygote enforces
each exercise's own): at the deadline the process group is sent SIGKILL, and under
``unshare --kill-child`` that ends the whole PID namespace. After the process exits, its group is
killed again (leftovers in the no-namespace mode) and the pipes are read for at most a short grace
period (an orphan may hold them open).
"""
from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass, field

from graders.sandbox.inside.wire import FrameReader, ProtocolError
from graders.sandbox.model import Limits

__all__ = ["Raw", "pump"]

_GRACE = 0.5  # seconds to keep reading after the process ended


@dataclass
class Raw:
    """Everything observed about one sandbox process, before interpretation."""

    stdout: bytes = b""
    stderr: bytes = b""
    dropped: int = 0                       # stdout/stderr bytes not kept
    frames: list = field(default_factory=list)
    frame_error: str | None = None         # the result stream broke the protocol
    overflow: bool = False                 # the results exceeded their cap
    timed_out: bool = False                # killed at the wall-clock limit
    wait_status: int | None = None
    peak_rss_mb: float = 0.0
    cpu_seconds: float = 0.0
    seconds: float = 0.0
    start_error: str | None = None
    cgroup: str = ""                       # "v1"/"v2" when it ran in a memory cgroup
    cgroup_peak_mb: float = 0.0            # all processes together (memory cgroup), 0 without one
    oom_kills: int = 0                     # processes the cgroup's OOM killer ended

    @property
    def signal(self) -> int | None:
        if self.wait_status is not None and os.WIFSIGNALED(self.wait_status):
            return os.WTERMSIG(self.wait_status)
        return None

    @property
    def exit_code(self) -> int | None:
        if self.wait_status is not None and os.WIFEXITED(self.wait_status):
            return os.WEXITSTATUS(self.wait_status)
        return None


def pump(argv: list[str], env: dict[str, str], cwd: str, limits: Limits, seconds: float) -> Raw:
    """Run ``argv`` for at most ``seconds`` and collect a :class:`Raw`; never raises for anything
    the process does. ``limits`` gives the output caps."""
    raw = Raw()
    reader = FrameReader(limits.result_mb << 20)
    r_fd, w_fd = os.pipe()
    start = time.monotonic()
    try:
        proc = subprocess.Popen([*argv, str(w_fd)], env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, pass_fds=(w_fd,), start_new_session=True,
                                close_fds=True)
    except OSError as exc:
        os.close(r_fd)
        os.close(w_fd)
        raw.start_error = f"{type(exc).__name__}: {exc}"
        return raw
    finally:
        if not raw.start_error:
            os.close(w_fd)
    streams = {proc.stdout.fileno(): "stdout", proc.stderr.fileno(): "stderr", r_fd: "result"}
    kept = {"stdout": bytearray(), "stderr": bytearray()}
    sel = selectors.DefaultSelector()
    for fd in streams:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    deadline = start + seconds
    ended_at = None
    try:
        while sel.get_map():
            now = time.monotonic()
            if raw.wait_status is None:
                raw.wait_status = _reap(proc, raw)
                if raw.wait_status is not None:
                    ended_at = now
                    _kill_group(proc.pid)
            if ended_at is not None and now - ended_at > _GRACE:
                break
            if ended_at is None and now >= deadline:
                raw.timed_out = True
                _kill_group(proc.pid)
                ended_at = now
                continue
            timeout = min(0.05, max(0.0, deadline - now)) if ended_at is None else 0.05
            for key, _ in sel.select(timeout):
                fd = key.fd
                try:
                    data = os.read(fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not data:
                    sel.unregister(fd)
                    continue
                name = streams[fd]
                if name == "result":
                    if raw.frame_error is None:
                        try:
                            reader.feed(data)
                        except ProtocolError as exc:
                            raw.frame_error = str(exc)
                            raw.overflow = reader.total > reader.max_bytes
                            _kill_group(proc.pid)
                else:
                    room = limits.output_bytes - len(kept[name])
                    kept[name] += data[:max(room, 0)]
                    raw.dropped += max(0, len(data) - max(room, 0))
    finally:
        _kill_group(proc.pid)
        if raw.wait_status is None:
            raw.wait_status = _reap(proc, raw, block=True)
        sel.close()
        # stdout and stderr are closed through their file objects, which own the descriptors: closing
        # them by number as well closed each twice, and with sandboxes started from several threads the
        # second close could hit a descriptor another thread had just opened (its start failed, EBADF)
        for stream in (proc.stdout, proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        try:
            os.close(r_fd)
        except OSError:
            pass
        proc.stdout = proc.stderr = None
    if reader.leftover and raw.frame_error is None:
        raw.frame_error = f"the result stream ended inside a frame ({reader.leftover} bytes)"
    raw.frames = reader.frames
    raw.stdout, raw.stderr = bytes(kept["stdout"]), bytes(kept["stderr"])
    raw.seconds = time.monotonic() - start
    return raw


def _reap(proc: subprocess.Popen, raw: Raw, block: bool = False) -> int | None:
    """``wait4`` the process (so its rusage, including its reaped children, is ours)."""
    try:
        pid, status, usage = os.wait4(proc.pid, 0 if block else os.WNOHANG)
    except ChildProcessError:
        return proc.returncode if proc.returncode is not None else 0
    if pid == 0:
        return None
    proc.returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    raw.peak_rss_mb = usage.ru_maxrss / 1024.0
    raw.cpu_seconds = usage.ru_utime + usage.ru_stime
    return status


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass

