"""Per-student hidden inputs: seeds from a keyed hash of a course secret, never from the clock.

A hidden case of exercise ``e`` for student ``s`` is ``spec.make_case(default_rng(seed))`` with ::

    seed = int.from_bytes(HMAC-SHA256(secret, "s\\x00e\\x00i")[:8], "big")        i = case index

so every student gets different inputs, a regrade gets exactly the same ones (bit-identical
grades), and nobody without the secret can compute them. The secret is never stored in the
repository (which student code can see): it is ``$BACKPROP_COURSE_SECRET`` if set, else the file
``<state dir>/course_secret`` (created with 32 random bytes and mode 0600 on first use), the state
dir being the gradebook's (``$BACKPROP_COURSE_STATE`` or ``~/.cache/backprop-course``).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

__all__ = ["SECRET_ENV", "state_dir", "course_secret", "case_seed"]

SECRET_ENV = "BACKPROP_COURSE_SECRET"
_SECRET_FILE = "course_secret"


def state_dir() -> Path:
    """Where the course keeps instructor state (gradebook, secret): outside the repository."""
    explicit = os.environ.get("BACKPROP_COURSE_STATE")
    if explicit:
        return Path(explicit)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "backprop-course"


def course_secret(state: Path | None = None) -> bytes:
    """The course secret: ``$BACKPROP_COURSE_SECRET``, else ``<state>/course_secret`` (made once).

    Raises
    ------
    OSError
        If the secret file cannot be read or created.
    """
    env = os.environ.get(SECRET_ENV)
    if env:
        return env.encode("utf-8")
    folder = Path(state) if state is not None else state_dir()
    path = folder / _SECRET_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    text = path.read_text().strip()
    if not text:
        raise OSError(f"{path}: the course secret file is empty; delete it to make a new one")
    return text.encode("utf-8")


def case_seed(secret: bytes, student: str, exercise: str, index: int) -> int:
    """The seed (a 64-bit int) of hidden case ``index`` of ``exercise`` for ``student``.

    Parameters
    ----------
    secret : bytes
        The course secret (:func:`course_secret`).
    student, exercise : str
        Student id and exercise name, e.g. ``"ada"``, ``"ch01.central_difference"``.
    index : int
        Case number, 0, 1, ...
    """
    if not isinstance(secret, (bytes, bytearray)) or not secret:
        raise TypeError(f"secret: expected non-empty bytes, got {type(secret).__name__}")
    message = f"{student}\x00{exercise}\x00{int(index)}".encode("utf-8")
    digest = hmac.new(bytes(secret), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")
