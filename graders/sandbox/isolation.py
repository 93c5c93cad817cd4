"""Which isolation this machine offers, and the command line, environment and paths that use it.

Three modes, strongest first:

``root-ns``
    started as root: ``unshare --net --pid --mount --ipc --uts --fork --kill-child``; inside, a private
    root (see :mod:`.inside.confine`) and then ``setuid`` to a fresh unprivileged uid of its own
    (:func:`fresh_uid`: no other process has it, so ``RLIMIT_NPROC`` counts only this sandbox's
    processes and concurrent sandboxes cannot touch each other's).
``user-ns``
    started as an ordinary user: the same plus ``--user --map-root-user``; inside, every
    capability is dropped instead of changing user.
``none``
    no namespaces (``unshare`` missing or forbidden): ``python -I`` with resource limits, a
    scrubbed environment, its own process group and a private working folder; as root it still
    changes to a fresh unprivileged uid when the interpreter is readable by anyone. The network, the file
    system and processes that leave the process group are *not* contained: :func:`graders.sandbox.run`
    refuses this mode unless called with ``require_namespaces=False``.

Bubblewrap is not needed: ``unshare`` (util-linux) and a few mount calls give the same layers, and
CI installs nothing by hand. :mod:`.doctor` reports what works.
"""
from __future__ import annotations

import os
import shutil
import stat
import sys
import sysconfig
from dataclasses import dataclass

__all__ = ["Mode", "candidate_modes", "fresh_uid", "command_prefix", "keep_paths", "masked_paths", "site_paths",
           "scrubbed_env", "readable_by", "NOBODY"]

NOBODY = (65534, 65534)         # stands for "change to an unprivileged uid" in a Mode
_UID_BASE, _UID_SPAN = 200_000, 65_536
AUTODIFF = ("autograd", "jax", "jaxlib", "torch", "functorch", "tensorflow")
_NS_FLAGS = ("--net", "--pid", "--mount", "--ipc", "--uts", "--fork", "--kill-child")


@dataclass(frozen=True)
class Mode:
    """One way of starting the sandbox process."""

    name: str                  # "root-ns", "user-ns" or "none"
    prefix: tuple[str, ...]    # command line before the interpreter
    uid: int | None            # user to change to inside (None: keep)
    gid: int | None

    @property
    def namespaces(self) -> bool:
        return self.name != "none"


def candidate_modes() -> list[Mode]:
    """The modes worth trying here, strongest first (the last one always works)."""
    unshare = shutil.which("unshare")
    modes = []
    root = os.geteuid() == 0
    if unshare and root:
        modes.append(Mode("root-ns", (unshare, *_NS_FLAGS), *NOBODY))
    if unshare:
        modes.append(Mode("user-ns", (unshare, "--user", "--map-root-user", *_NS_FLAGS), None, None))
    uid = NOBODY if root and readable_by(sys.executable, *NOBODY) and all(
        readable_by(p, *NOBODY) for p in site_paths()) else (None, None)
    modes.append(Mode("none", (), *uid))
    return modes


def fresh_uid() -> int:
    """An unprivileged uid (and gid) no process uses now, for one sandbox (no passwd entry needed:
    everything the sandbox reads is world-readable, and what it writes is its own tmpfs)."""
    import secrets

    from graders.sandbox.inside.confine import count_processes

    for _ in range(20):
        uid = _UID_BASE + secrets.randbelow(_UID_SPAN)
        if count_processes(uid) == 0:
            return uid
    return uid


def command_prefix(mode: Mode) -> list[str]:
    return list(mode.prefix)


def site_paths() -> list[str]:
    """The interpreter's own import path (stdlib, lib-dynload, site-packages), nothing else."""
    prefixes = tuple({os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
                      sys.prefix, sys.base_prefix})
    paths = [p for p in sys.path if p and os.path.isdir(p) and p.startswith(prefixes)]
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p and os.path.isdir(p) and p not in paths:
            paths.append(p)
    return paths


def keep_paths() -> list[str]:
    """Host paths bind-mounted read-only into the private root."""
    paths = ["/usr", "/bin", "/lib", "/lib64", "/lib32", "/etc/ld.so.cache", "/etc/localtime",
             sys.base_prefix, sys.prefix, os.path.dirname(os.path.realpath(sys.executable)),
             os.path.dirname(sys.executable)]
    paths += site_paths()
    seen, out = set(), []
    for p in paths:
        if p and p not in seen and os.path.lexists(p):
            seen.add(p)
            out.append(p)
    return out


def masked_paths() -> list[str]:
    """Paths hidden inside the root: the package installers (folders under an empty tmpfs, programs
    under ``/dev/null``), so neither ``import pip`` nor a shell's ``pip install`` works, and the
    autodiff libraries (an answer may not delegate to them)."""
    import glob

    folders = [*site_paths(), *glob.glob("/usr/lib/python3*/dist-packages"),
               *glob.glob("/usr/local/lib/python3*/dist-packages"), *glob.glob("/usr/local/lib/python3*/site-packages")]
    out = []
    for site in dict.fromkeys(folders):
        for name in ("pip", "setuptools", "_distutils_hack", *AUTODIFF):
            p = os.path.join(site, name)
            if os.path.isdir(p):
                out.append(p)
    bins = {os.path.dirname(sys.executable), "/usr/bin", "/usr/local/bin", "/bin"}
    for folder in bins:
        out += sorted(p for p in glob.glob(os.path.join(folder, "pip*")) if os.path.isfile(p))
    return list(dict.fromkeys(os.path.realpath(p) for p in out))


def scrubbed_env(home: str) -> dict[str, str]:
    """The whole environment of the sandbox: no course state, no gradebook, no pip, one thread."""
    one = "1"
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home, "TMPDIR": home,
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": one, "OMP_NUM_THREADS": one, "MKL_NUM_THREADS": one,
        "NUMEXPR_NUM_THREADS": one, "VECLIB_MAXIMUM_THREADS": one, "BLIS_NUM_THREADS": one,
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": os.path.join(home, ".matplotlib"),
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": one,
        "PIP_NO_INDEX": one, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": one,
    }


def readable_by(path: str, uid: int, gid: int) -> bool:
    """Can ``uid``/``gid`` (not root) reach and read ``path``? Checks every parent's x bit."""
    parts = os.path.realpath(path).split("/")
    for i in range(1, len(parts) + 1):
        p = "/".join(parts[:i]) or "/"
        try:
            st = os.stat(p)
        except OSError:
            return False
        need = stat.S_IXOTH if (i < len(parts) or stat.S_ISDIR(st.st_mode)) else stat.S_IROTH
        if st.st_uid == uid:
            ok = st.st_mode & (need << 6)
        elif st.st_gid == gid:
            ok = st.st_mode & (need << 3)
        else:
            ok = st.st_mode & need
        if not ok:
            return False
    return True
