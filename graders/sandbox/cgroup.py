"""One memory cgroup per sandbox process: a single bound on all its processes' memory, tmpfs included.

``RLIMIT_AS`` bounds each process, so without a cgroup a sandbox may use about
``(processes + 1) × memory_mb + tmpfs_mb``. A memory cgroup makes that one number,
``Limits.total_memory_mb``: the kernel charges every page of every process in it (and the pages
of the tmpfs they write) and, past the limit, its OOM killer kills inside the cgroup only.

Where one can be made, strongest first:

``v2``
    the unified hierarchy (``/sys/fs/cgroup/cgroup.controllers`` lists ``memory``) where this
    process's own cgroup is writable and delegates ``memory`` to its children: a child cgroup
    with ``memory.max`` and ``memory.swap.max = 0``;
``v1``
    the legacy ``memory`` hierarchy, under this process's own memory cgroup:
    ``memory.limit_in_bytes`` (and ``memory.memsw.limit_in_bytes`` where swap is accounted).

Neither (no cgroup file system, not delegated, read-only): :func:`create` returns None and only
the per-process limits hold; ``python -m graders doctor`` says which bound is in force.

The sandbox process joins its cgroup before it execs anything (:func:`join_prefix`), so every
process it starts is born inside; nothing in the sandbox can move out (there is no ``/sys`` in
its root, and it holds no capability over the host's cgroups).
"""
from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass

__all__ = ["MemoryCgroup", "create", "base", "join_prefix"]

_ROOT = "/sys/fs/cgroup"
_PREFIX = "bpsbx-"


def _own_path(controller: str) -> str | None:
    """This process's cgroup path in the hierarchy of ``controller`` ("" for v2)."""
    try:
        lines = open("/proc/self/cgroup", encoding="ascii").read().splitlines()
    except OSError:
        return None
    for line in lines:
        _, names, path = line.split(":", 2)
        if (controller == "" and names == "" and line.startswith("0::")) or controller in names.split(","):
            return path
    return None


def _writable_dir(path: str) -> bool:
    return os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


def base() -> tuple[str, str] | None:
    """``(version, folder)`` under which a memory cgroup can be made here, or None."""
    unified = os.path.join(_ROOT, "cgroup.controllers")
    if os.path.exists(unified):
        own = _own_path("")
        if own is not None:
            folder = os.path.normpath(_ROOT + own)
            try:
                delegated = "memory" in open(os.path.join(folder, "cgroup.subtree_control")).read().split()
            except OSError:
                delegated = False
            if delegated and _writable_dir(folder):
                return "v2", folder
    legacy = os.path.join(_ROOT, "memory")
    if os.path.exists(os.path.join(legacy, "memory.limit_in_bytes")):
        own = _own_path("memory") or "/"
        for folder in (os.path.normpath(legacy + own), legacy):
            if os.path.exists(os.path.join(folder, "memory.limit_in_bytes")) and _writable_dir(folder):
                return "v1", folder
    return None


@dataclass
class MemoryCgroup:
    """A memory cgroup made for one sandbox process; :meth:`remove` it when the process ended."""

    version: str
    path: str
    limit_bytes: int

    @property
    def procs(self) -> str:
        """The file a process writes its pid to, to join."""
        return os.path.join(self.path, "cgroup.procs")

    def _read(self, name: str) -> str:
        try:
            with open(os.path.join(self.path, name), encoding="ascii") as fh:
                return fh.read()
        except OSError:
            return ""

    def peak_bytes(self) -> int:
        """The most memory its processes used together (0 where the kernel does not say)."""
        text = self._read("memory.peak" if self.version == "v2" else "memory.max_usage_in_bytes").strip()
        return int(text) if text.isdigit() else 0

    def oom_kills(self) -> int:
        """How many of its processes the kernel killed for exceeding the limit."""
        text = self._read("memory.events" if self.version == "v2" else "memory.oom_control")
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value)
        return 0

    def remove(self, wait: float = 2.0) -> bool:
        """Remove the cgroup once its processes are gone (True when it is gone)."""
        end = time.monotonic() + wait
        while True:
            try:
                os.rmdir(self.path)
                return True
            except FileNotFoundError:
                return True
            except OSError:
                if time.monotonic() > end:
                    return False
                for pid in self._read("cgroup.procs").split():
                    try:
                        os.kill(int(pid), 9)
                    except (OSError, ValueError):
                        pass
                time.sleep(0.02)


def create(limit_mb: int) -> MemoryCgroup | None:
    """A new memory cgroup limited to ``limit_mb`` MB, or None where this machine allows none."""
    if not isinstance(limit_mb, int) or limit_mb <= 0:
        raise ValueError(f"limit_mb: expected a positive integer, got {limit_mb!r}")
    found = base()
    if found is None:
        return None
    version, folder = found
    path = os.path.join(folder, f"{_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}")
    limit = limit_mb << 20
    try:
        os.mkdir(path)
    except OSError:
        return None
    group = MemoryCgroup(version, path, limit)
    try:
        if version == "v2":
            _write(path, "memory.max", limit)
            if os.path.exists(os.path.join(path, "memory.swap.max")):
                _write(path, "memory.swap.max", 0)
        else:
            _write(path, "memory.limit_in_bytes", limit)
            if os.path.exists(os.path.join(path, "memory.memsw.limit_in_bytes")):
                _write(path, "memory.memsw.limit_in_bytes", limit)
    except OSError:
        group.remove(0)
        return None
    return group


def _write(path: str, name: str, value: int) -> None:
    with open(os.path.join(path, name), "w", encoding="ascii") as fh:
        fh.write(str(value))


def join_prefix(group: MemoryCgroup) -> list[str]:
    """A command prefix that puts the process into ``group`` and then execs the rest of the
    command line (it exits with 125 without running anything if it cannot join)."""
    return ["/bin/sh", "-c", 'echo $$ > "$0" || exit 125; exec "$@"', group.procs]
