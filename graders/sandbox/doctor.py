"""``python -m graders doctor``: which isolation layers work on this machine, proven by trying them.

It runs one probe submission in the sandbox (the strongest mode that starts) and looks, from
inside and outside, at what the probe could do: reach a listener the doctor opened on 127.0.0.1,
see the repository or the home folder, write a file that appears outside, see other processes,
keep its user, exceed its limits. Each layer is printed as ``works`` or ``MISSING`` with a detail;
optional layers (the memory cgroup: without it a looser memory bound holds) as ``works`` or
``weaker``, and they do not make the exit code 1.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import tempfile
import uuid
from pathlib import Path

from graders.sandbox import cgroup, isolation
from graders.sandbox.model import Call, Limits
from graders.sandbox.runner import available_mode, run

__all__ = ["main", "check_layers"]

_REPO = Path(__file__).resolve().parents[2]

_PROBE = '''
import os, socket, resource
def probe(port, repo, marker):
    out = {}
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        out["net"] = 1.0
    except OSError:
        out["net"] = 0.0
    out["repo"] = float(any(os.path.exists(os.path.join(repo, p)) for p in ("solutions", "graders", "course", ".git")))
    seen = set()
    for home in ("/root", "/home"):
        if os.path.isdir(home):
            seen.update(os.path.join(home, p) for p in os.listdir(home))
    out["home_names"] = {p: 1.0 for p in sorted(seen)}
    try:
        with open(marker, "w") as fh:
            fh.write("x")
    except OSError:
        pass
    out["pids"] = float(sum(1 for p in os.listdir("/proc") if p.isdigit()))
    out["uid"] = float(os.getuid())
    out["as_mb"] = float(resource.getrlimit(resource.RLIMIT_AS)[0] >> 20)
    out["env"] = float(any(k.startswith("BACKPROP") for k in os.environ))
    return out
'''


def check_layers(require_namespaces: bool = False) -> list[tuple[str, bool, str]]:
    """``(layer, works, detail)`` for every layer, by running the probe in the sandbox."""
    rows: list[tuple[str, bool, str]] = []
    unshare = shutil.which("unshare")
    rows.append(("unshare (util-linux)", bool(unshare), unshare or "not found"))
    bwrap = shutil.which("bwrap")
    rows.append(("bubblewrap (optional, not used)", True, bwrap or "not installed; unshare is enough"))
    mode = available_mode()
    rows.append(("Linux namespaces", mode.namespaces,
                 f"mode {mode.name}" + ("" if mode.namespaces else ": run() needs require_namespaces=False")))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0)
    port = listener.getsockname()[1]
    marker = os.path.join(tempfile.gettempdir(), f"bpsbx-doctor-{uuid.uuid4().hex}")
    try:
        result = run(_PROBE, [Call("", "probe", [(port, str(_REPO), marker)])],
                     limits=Limits(wall_seconds=20, memory_mb=1024), require_namespaces=require_namespaces,
                     trace_memory=False)
        out = result.calls[0].outputs[0] if result.calls else None
        try:
            listener.accept()[0].close()
            connected = True
        except OSError:
            connected = False
    finally:
        listener.close()
    written = os.path.exists(marker)
    if written:
        os.unlink(marker)
    if out is None or not out.ok:
        rows.append(("sandbox starts", False, f"{result.status}: {out.error if out else 'no output'}"))
        return rows
    v = out.value
    rows.append(("sandbox starts", True, f"{result.seconds:.2f} s for one probe; layers: {', '.join(result.isolation)}"))
    rows.append(("no network", not connected and v["net"] == 0.0, "connection to 127.0.0.1 refused"
                 if not connected else "the probe reached a listener on 127.0.0.1"))
    rows.append(("repository hidden", v["repo"] == 0.0, f"{_REPO}/{{solutions,graders,course,.git}} absent"))
    needed = {p for p in v["home_names"] if any(k == p or k.startswith(p + "/") for k in isolation.keep_paths())}
    extra = sorted(set(v["home_names"]) - needed)
    rows.append(("home folders hidden", not extra, "only the interpreter's own folders are visible"
                 if not extra else f"visible: {', '.join(extra[:5])}"))
    rows.append(("writes stay inside", not written, f"{tempfile.gettempdir()} on the host"))
    rows.append(("own PID namespace", v["pids"] <= 3, f"{int(v['pids'])} processes visible"))
    root = os.geteuid() == 0
    rows.append(("unprivileged user", (v["uid"] != 0) if root else True,
                 f"uid {int(v['uid'])} inside" + ("" if root else " (not started as root: capabilities dropped)")))
    rows.append(("memory limit", 0 < v["as_mb"] <= Limits(memory_mb=1024).memory_mb, f"{int(v['as_mb'])} MB address space"))
    rows.append(("scrubbed environment", v["env"] == 0.0, "no BACKPROP_* variables"))
    rows += _memory_rows(require_namespaces)
    return rows


_HOG = ('def hog():\n    b = bytearray(300 << 20)\n'
        '    b[::4096] = b"\\x01" * len(range(0, len(b), 4096))\n    return 1.0\n')


def _memory_rows(require_namespaces: bool) -> list[tuple[str, bool, str]]:
    """The memory cgroup, proven by a 300 MB allocation (allowed by its address-space limit) in a
    200 MB cgroup, and the bound on all of a sandbox's processes that holds with or without it."""
    limits = Limits()
    found = cgroup.base()
    if found is None:
        return [(f"memory cgroup{OPTIONAL}", False, "cannot make one here (no cgroup v2 delegation of "
                 "'memory', no writable v1 memory hierarchy)"),
                ("memory bound, all processes", True, f"{limits.memory_bound_mb(cgroup=False)} MB per sandbox "
                 f"(RLIMIT_AS {limits.memory_mb} MB × {limits.processes + 1} processes + {limits.tmpfs_mb} MB tmpfs)")]
    probe = run(_HOG, [Call("", "hog", [()])], limits=Limits(memory_mb=1024, total_memory_mb=200, wall_seconds=20),
                require_namespaces=require_namespaces, trace_memory=False)
    works = "memory cgroup" in probe.isolation and probe.status == "memory"
    version, folder = found
    return [(f"memory cgroup{OPTIONAL}", works, f"{version} under {folder}: a 300 MB allocation in a 200 MB "
             f"cgroup {'was killed' if works else 'ended ' + probe.status}"),
            ("memory bound, all processes", True, f"{limits.memory_bound_mb(cgroup=works)} MB per sandbox ("
             + ("its memory cgroup, tmpfs included; Limits.total_memory_mb" if works else
                f"RLIMIT_AS {limits.memory_mb} MB × {limits.processes + 1} processes + {limits.tmpfs_mb} MB tmpfs")
             + ")")]


OPTIONAL = " (optional)"


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit code 0 when every layer works, 1 when some are missing."""
    parser = argparse.ArgumentParser(prog="python -m graders doctor", description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    rows = check_layers()
    width = max(len(name) for name, _, _ in rows)
    for name, ok, detail in rows:
        state = "works  " if ok else "weaker " if name.endswith(OPTIONAL) else "MISSING"
        print(f"{name:<{width}}  {state}  {detail}")
    missing = [name for name, ok, _ in rows if not ok and not name.endswith(OPTIONAL)]
    if missing:
        print(f"\n{len(missing)} layer(s) missing: grading here needs --no-namespaces and every "
              "report will say so.")
    else:
        print(f"\nall layers work (python {sys.version.split()[0]}, mode {available_mode().name}, "
              f"{len(isolation.keep_paths())} read-only mounts)")
    return 1 if missing else 0
