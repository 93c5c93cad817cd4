"""How much memory the sandbox took from the host, measured from outside (by the trusted process).

:class:`TreeRss` samples, every ``interval`` seconds, the proportional resident memory (PSS,
``/proc/<pid>/smaps_rollup``: a page shared by n processes counts 1/n in each, so forked copies
of the zygote are not counted n times) of every descendant of the calling process, and keeps
the largest sum. Tests use it around sandbox runs: ``with TreeRss() as tree: run(...)``, then
``tree.peak_mb``.

What an attack left behind, looked at from the host after it ran (``one`` holds its ``tag``, its
``jobs`` folder and its ``tcp``/``udp`` listeners on 127.0.0.1; ``world`` the ``gradebook`` and
the ``other`` student's folder): :func:`survivors`, :func:`written_outside`, :func:`connections`.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

__all__ = ["TreeRss", "survivors", "written_outside", "connections"]

REPO = Path(__file__).resolve().parents[2]


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


def survivors(one: dict) -> list[str]:
    """Processes whose command line holds the attack's tag or its job folder (host-wide)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if one["tag"] in cmd or str(one["jobs"]) + "/" in cmd:
            found.append(f"{entry}: {cmd[:120]}")
    return found


def written_outside(world: dict, one: dict) -> list[str]:
    """Files with the attack's tag in every place it might write to, and whether the gradebook or
    another student's submission (``world``) changed."""
    places = ["/tmp", "/dev/shm", "/var/tmp", os.path.expanduser("~"), str(world["other"]),
              str(world["gradebook"].parent), str(REPO), str(REPO / "graders"), str(REPO / "solutions"),
              str(Path.cwd())]
    hits = []
    for place in places:
        try:
            names = os.listdir(place)
        except OSError:
            continue
        hits += [os.path.join(place, n) for n in names if one["tag"] in n]
    if world["gradebook"].read_text() != "student,score\nalice,1\n":
        hits.append(str(world["gradebook"]))
    if sorted(os.listdir(world["other"])) != ["chain_rule.ipynb"]:
        hits.append(str(world["other"]))
    return hits


def connections(one: dict) -> int:
    """Connections (TCP) and datagrams (UDP) the attack's listeners received."""
    n = 0
    while True:
        try:
            conn, _ = one["tcp"].accept()
            conn.close()
            n += 1
        except BlockingIOError:
            break
    while True:
        try:
            one["udp"].recv(100)
            n += 1
        except BlockingIOError:
            break
    return n
