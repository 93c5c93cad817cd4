"""How much memory the sandbox took from the host, measured from outside (by the trusted process).

:class:`TreeRss` samples, every ``interval`` seconds, the proportional resident memory (PSS,
``/proc/<pid>/smaps_rollup``: a page shared by n processes counts 1/n in each, so forked copies
of the zygote are not counted n times) of every descendant of the calling process, and keeps
the largest sum. Tests use it around sandbox runs: ``with TreeRss() as tree: run(...)``, then
``tree.peak_mb``.

The host an attack meets, set up before it runs: :func:`host_world` (a ``gradebook`` and the
``other`` student's folder) and :func:`attack_bait` (per attack or batch: a ``tag``, a ``jobs``
folder, ``tcp``/``udp`` listeners on 127.0.0.1, and the ``values`` its payload is rendered with).
What an attack left behind, looked at from the host after it ran: :func:`survivors`,
:func:`written_outside`, :func:`connections`.
"""
from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from pathlib import Path

__all__ = ["TreeRss", "host_world", "attack_bait", "survivors", "written_outside", "connections"]

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


_GRADEBOOK_TEXT = "student,score\nalice,1\n"


def host_world(base: Path) -> dict:
    """Under ``base``: a gradebook and another student's submission, which no attack may touch."""
    gradebook = base / "state" / "gradebook.csv"
    gradebook.parent.mkdir()
    gradebook.write_text(_GRADEBOOK_TEXT)
    other = base / "submitted" / "bob"
    other.mkdir(parents=True)
    (other / "chain_rule.ipynb").write_text("{}")
    return {"gradebook": gradebook, "other": other}


def attack_bait(world: dict, jobs: Path, public: str) -> dict:
    """A fresh tag, the job folder ``jobs`` (created), TCP + UDP listeners on one free 127.0.0.1
    port, and the ``values`` a payload is rendered with (``public``: the public cases' table).
    Close ``tcp`` and ``udp`` when done."""
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    tcp.setblocking(False)
    port = tcp.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    udp.setblocking(False)
    tag = uuid.uuid4().hex[:12]
    jobs.mkdir()
    values = {"PORT": str(port), "TAG": tag, "GRADEBOOK": str(world["gradebook"]),
              "OTHER": str(world["other"]), "REPO": str(REPO), "HOME": os.path.expanduser("~"),
              "PUBLIC": public}
    return {"tag": tag, "tcp": tcp, "udp": udp, "jobs": jobs, "values": values}


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
    if world["gradebook"].read_text() != _GRADEBOOK_TEXT:
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
