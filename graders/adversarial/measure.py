"""How much memory the sandbox took from the host, measured from outside (by the trusted process).

:class:`TreeRss` samples, every ``interval`` seconds, the proportional resident memory (PSS,
``/proc/<pid>/smaps_rollup``: a page shared by n processes counts 1/n in each, so forked copies
of the zygote are not counted n times) of every descendant of the calling process, and keeps
the largest sum. Tests use it around sandbox runs: ``with TreeRss() as tree: run(...)``, then
``tree.peak_mb``.
"""
from __future__ import annotations

import os
import threading
import time

__all__ = ["TreeRss"]


class TreeRss:
    """Peak total PSS (MB) of this process's descendants, sampled from outside while running."""

    def __init__(self, interval: float = 0.005) -> None:
        self.peak_mb = 0.0
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> "TreeRss":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            parent, rss = {}, {}
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry}/stat", "rb") as fh:
                        stat = fh.read().rsplit(b")", 1)[1].split()
                    with open(f"/proc/{entry}/smaps_rollup", "rb") as fh:
                        pss = next(line for line in fh if line.startswith(b"Pss:"))
                    rss[int(entry)] = int(pss.split()[1]) << 10
                    parent[int(entry)] = int(stat[1])
                except (OSError, IndexError, ValueError):
                    continue
            total = 0
            for pid, size in rss.items():
                p, seen = parent.get(pid), 0
                while p is not None and p not in (me, 0, 1) and seen < 64:
                    p, seen = parent.get(p), seen + 1
                if p == me and pid != me:
                    total += size
            self.peak_mb = max(self.peak_mb, total / 2**20)
            time.sleep(self.interval)
