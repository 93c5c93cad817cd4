"""The sandbox's first process: confine once, load numpy once, fork one child per exercise.

``boot.py`` hands over to :func:`main`, which

1. builds the private root (:func:`.confine.build_root`, namespaces only) — still privileged,
   but no learner code has run or ever runs in this process;
2. imports what every child needs (numpy, the driver, and matplotlib when the source imports
   it), so a child starts in milliseconds;
3. sends ``ready`` with the layers in force;
4. for each call: forks a child (:func:`.driver.child`: limits, privileges dropped, the
   exercise's own stubbed ``course``, the source, the cases), waits for it at most the call's
   wall-clock seconds (then SIGKILL), kills whatever the child left behind — every other process
   of the PID namespace, or the child's process group without namespaces — and sends ``exit``
   with the child's wait status, peak memory and CPU time as measured here, outside the child;
5. sends ``done`` and exits (as PID 1 of its namespace, taking everything with it).

The trusted side additionally kills the whole process group at its own deadline, so a stopped or
killed zygote only costs the exercise it was running (the rest run in a fresh sandbox).
"""
from __future__ import annotations

import importlib
import os
import signal
import sys
import time

from . import confine, driver

__all__ = ["main"]

PR_SET_DUMPABLE = 4


def main(config: dict) -> int:
    """Run the job described by ``config`` (the JSON the trusted side wrote; see ``boot.py``)."""
    out = driver.Channel(int(sys.argv[-1]), config["result_bytes"])
    layers = []
    try:
        if config["mode"] != "none":
            proc = confine.build_root(config["root"], config["keep"], config["job_dir"], config["tmpfs_mb"],
                                      config["mask"], [tuple(b) for b in config["binds"]])
            layers += ["private root"] + (["own /proc"] if proc else [])
        confine.prctl(PR_SET_DUMPABLE, 0)
        if config["mode"] == "none":
            confine.prctl(confine.PR_SET_PDEATHSIG, int(signal.SIGKILL))
    except Exception as exc:  # noqa: BLE001 - report why confinement failed, run nothing
        out.send({"kind": "confine-failed", "error": f"{type(exc).__name__}: {exc}"})
        os._exit(2)
    _seed_matplotlib_cache(config)
    import numpy  # noqa: F401 - loaded once here, shared by every child
    import pickle  # noqa: F401
    import tracemalloc  # noqa: F401
    for name in config.get("preload", []):  # a fixed allowlist (matplotlib), chosen outside
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the child will meet the same error on its own
            pass
    out.send({"kind": "ready", "layers": layers})
    for index, call in enumerate(config["calls"]):
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            if config["mode"] == "none":
                os.setpgid(0, 0)
            driver.child(index, config, out)
            os._exit(70)  # pragma: no cover - child() never returns
        status, usage, timed_out = _wait(pid, start + call["wall_seconds"], config["mode"] == "none")
        _kill_leftovers(pid, config["mode"] == "none")
        out.send({"kind": "exit", "call": index, "wait_status": status, "timed_out": timed_out,
                  "peak_rss_mb": usage.ru_maxrss / 1024.0 if usage else 0.0,
                  "cpu_seconds": (usage.ru_utime + usage.ru_stime) if usage else 0.0,
                  "seconds": time.monotonic() - start})
    out.send({"kind": "done"})
    os._exit(0)


def _seed_matplotlib_cache(config: dict) -> None:
    """Copy the host's matplotlib font list into the writable config folder (saves ~1 s per
    sandbox that imports matplotlib: building the list scans every font)."""
    src, dst = config.get("mpl_cache"), os.environ.get("MPLCONFIGDIR")
    if not src or not dst:
        return
    src = os.path.join(config["job_dir_inside"], src)
    try:
        os.makedirs(dst, exist_ok=True)
        for name in os.listdir(src):
            with open(os.path.join(src, name), "rb") as fin, open(os.path.join(dst, name), "wb") as fout:
                fout.write(fin.read())
        if config.get("uid") is not None:
            for path in [dst, *(os.path.join(dst, n) for n in os.listdir(dst))]:
                os.chown(path, config["uid"], config["gid"])
    except OSError:
        pass


def _wait(pid: int, deadline: float, own_group: bool) -> tuple[int, object, bool]:
    """Wait for ``pid`` until ``deadline`` (then SIGKILL it); returns (status, rusage, timed out)."""
    delay, timed_out = 0.0005, False
    while True:
        try:
            got, status, usage = os.wait4(pid, os.WNOHANG)
        except ChildProcessError:
            return 0, None, timed_out
        if got == pid:
            return status, usage, timed_out
        if time.monotonic() >= deadline and not timed_out:
            timed_out = True
            _kill(pid, own_group)
            continue
        time.sleep(delay)
        delay = min(delay * 2, 0.01)


def _kill(pid: int, own_group: bool) -> None:
    try:
        if own_group:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_leftovers(pid: int, own_group: bool) -> None:
    """Everything the child started dies now: as PID 1, ``kill(-1)`` reaches every other process
    of the namespace (and none outside it); without namespaces, the child's process group."""
    if own_group:
        _kill(pid, True)
    else:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:  # reap what was reparented to us
        try:
            got, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if got == 0:
            time.sleep(0.001)
