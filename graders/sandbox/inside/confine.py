"""Confinement, applied by the sandbox process to itself before any learner code exists.

The trusted side starts ``python -I -S -B boot.py job.json`` either directly (no namespaces) or
under ``unshare --net --pid --mount --fork --kill-child`` (plus ``--user --map-root-user`` when not
started as root). Then, in this order:

1. :func:`build_root` (namespaces only): a fresh, size-capped tmpfs becomes the new ``/``; only
   what Python needs is bind-mounted into it, read-only (``/usr``, ``/lib*``, the interpreter's
   prefixes, site-packages, ``/etc/ld.so.cache``), plus ``/sandbox`` (the job, read-only), a new
   ``/proc``, four ``/dev`` nodes and empty ``/tmp``, ``/var/tmp``, ``/dev/shm``; then ``chroot``.
   The repository, ``solutions/``, ``graders/``, submissions, results, the gradebook and every home
   directory simply do not exist in there.
2. :func:`set_limits`: address space, CPU seconds, file size, open files, processes, no core files.
3. :func:`drop_privileges`: as real root, ``setgid``/``setuid`` to an unprivileged uid; as "root" of a user
   namespace, empty the capability bounding set and all capability sets; ``no_new_privs`` always.

Everything here uses only the standard library (``ctypes`` for mount/prctl/capset).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import signal

__all__ = ["build_root", "set_limits", "drop_privileges", "count_processes"]

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
_DEV_NODES = ("null", "zero", "random", "urandom")

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = (lambda s: s.encode() if s is not None else None)
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def _bind_readonly(src: str, dst: str) -> None:
    _mount(src, dst, None, MS_BIND | MS_REC)
    st = os.statvfs(src)
    keep = (MS_NODEV if st.f_flag & os.ST_NODEV else 0) | (MS_NOEXEC if st.f_flag & os.ST_NOEXEC else 0)
    _mount(None, dst, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | keep)


def build_root(root: str, keep: list[str], job_dir: str, tmpfs_mb: int, mask: list[str] = (),
               binds: list[tuple[str, str]] = ()) -> bool:
    """Make ``root`` a minimal read-only world with writable ``/tmp``, then ``chroot`` into it.

    Returns whether the new ``/proc`` could be mounted (it shows only the sandbox's processes).

    Parameters
    ----------
    root : str
        An empty directory (host path) to become ``/``.
    keep : list of str
        Host paths (directories or files) bind-mounted read-only at the same path inside.
    job_dir : str
        Host directory mounted read-only at ``/sandbox``.
    tmpfs_mb : int
        Size of the tmpfs that holds everything writable (so a full disk is a full tmpfs).
    mask : list of str
        Paths (inside kept folders) hidden: a folder under an empty read-only tmpfs, a file under
        ``/dev/null`` (e.g. ``pip``).
    binds : list of (host, inside)
        More read-only bind mounts, made after ``/sandbox`` (e.g. the stubbed ``course``).
    """
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, f"size={int(tmpfs_mb)}m,mode=755")
    bound: set[str] = set()
    for path in keep:
        _replicate(path, root, bound)
    os.makedirs(root + "/sandbox")
    _bind_readonly(job_dir, root + "/sandbox")
    for host, inside in binds:
        _bind_readonly(host, root + inside)
    for path in mask:
        if os.path.isdir(root + path):
            _mount("tmpfs", root + path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k")
        elif os.path.isfile(root + path):
            _mount("/dev/null", root + path, None, MS_BIND)
    for d in ("/tmp", "/var/tmp", "/dev/shm"):
        os.makedirs(root + d, exist_ok=True)
        os.chmod(root + d, 0o1777)
    for node in _DEV_NODES:
        target = f"{root}/dev/{node}"
        open(target, "w").close()
        _mount(f"/dev/{node}", target, None, MS_BIND)
    os.symlink("/proc/self/fd", root + "/dev/fd")
    os.makedirs(root + "/proc")
    try:
        _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        proc = True
    except OSError:  # e.g. a container whose /proc has masked entries: go on without one
        proc = False
    os.chroot(root)
    os.chdir("/tmp")
    return proc


def _replicate(path: str, root: str, bound: set[str]) -> None:
    """Make ``path`` exist inside ``root``: a symlink is copied as a symlink (and followed);
    ``bound`` holds the host paths already mounted (their insides need nothing more)."""
    parts = path.strip("/").split("/")
    host = ""
    for i, part in enumerate(parts):
        host += "/" + part
        inside = root + host
        if os.path.islink(host):
            if not os.path.lexists(inside):
                os.makedirs(os.path.dirname(inside), exist_ok=True)
                os.symlink(os.readlink(host), inside)
            target = os.path.join(os.path.dirname(host), os.readlink(host))
            rest = "/".join(parts[i + 1:])
            _replicate(os.path.normpath(os.path.join(target, rest)) if rest else os.path.normpath(target),
                       root, bound)
            return
        if host in bound:
            return
    inside = root + host
    if not os.path.exists(host):
        return
    if os.path.isdir(host):
        os.makedirs(inside, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(inside), exist_ok=True)
        open(inside, "w").close()
    _bind_readonly(host, inside)
    bound.add(host)


def prctl(option: int, value: int) -> None:
    """``prctl(option, value)``; raises OSError when it fails."""
    _check(_libc.prctl(option, value, 0, 0, 0), f"prctl {option}")


def count_processes(uid: int) -> int:
    """How many processes ``uid`` owns now (RLIMIT_NPROC counts them all, not just ours)."""
    n = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    n += 1
            except OSError:
                pass
    return n


def set_limits(memory_mb: int, cpu_seconds: float, file_size_mb: int, open_files: int, processes: int) -> None:
    """Resource limits of this process and everything it starts (soft = hard, except CPU: +1 s)."""
    cpu = max(1, int(round(cpu_seconds)))
    limits = {
        resource.RLIMIT_AS: int(memory_mb) << 20,
        resource.RLIMIT_CPU: (cpu, cpu + 1),
        resource.RLIMIT_FSIZE: int(file_size_mb) << 20,
        resource.RLIMIT_NOFILE: int(open_files),
        resource.RLIMIT_NPROC: int(processes),
        resource.RLIMIT_CORE: 0,
    }
    for which, value in limits.items():
        soft, hard = value if isinstance(value, tuple) else (value, value)
        resource.setrlimit(which, (soft, hard))


def drop_privileges(uid: int | None, gid: int | None) -> list[str]:
    """Give up every privilege this process has; returns the layers that took effect.

    As real root: supplementary groups cleared, ``setgid(gid)``, ``setuid(uid)`` (which clears
    all capabilities). Inside a user namespace (``uid=None``): the bounding set is emptied and
    the effective/permitted/inheritable sets are zeroed, so not even ``execve`` of a root-owned
    program gives a capability back. Always: ``PR_SET_NO_NEW_PRIVS`` (setuid bits do nothing)
    and a parent-death signal.
    """
    done = []
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break
    if uid is not None:
        os.setgroups([])
        os.setgid(gid if gid is not None else uid)
        os.setuid(uid)
        done.append("unprivileged uid")
    else:
        _drop_capabilities()
        done.append("no capabilities")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    _libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    return done


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _drop_capabilities() -> None:
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3: two data structs
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")
