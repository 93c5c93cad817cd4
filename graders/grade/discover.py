"""Find the submissions of one chapter: a folder of notebooks, nbgrader's layout, or an LMS zip.

Accepted forms of ``python -m graders grade <chapter> <submissions>``:

``folder/<student>.ipynb``
    one notebook per student, named by the student id;
``submitted/<student>/<chapter>/<notebook>.ipynb``
    nbgrader's layout (the folder given may be ``submitted/`` or the course root holding it);
``class.zip``
    an LMS download: ``<student>/<anything>.ipynb`` or ``<student>_<id>_<id>_<name>.ipynb``
    (Canvas) or ``<student>.ipynb`` entries. Entries are read in memory, never extracted.

Every student found yields one :class:`Submission`, also when there is nothing to grade (then
``error`` says why), so every student gets a row.
"""
from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = ["Submission", "discover", "safe_id"]

_MAX_ENTRY = 20_000_000
_CANVAS = re.compile(r"^(?P<student>[^_]+)_(?:LATE_)?\d+_\d+_")
_MOODLE = re.compile(r"_\d+_assignsubmission_\w*$")


@dataclass(frozen=True)
class Submission:
    """One student's notebook (or why there is none).

    ``data`` holds the file's bytes (None with ``error`` set); ``origin`` says where it came from.
    """

    student: str
    origin: str
    data: bytes | None = None
    error: str | None = None
    note: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest() if self.data is not None else ""


def safe_id(name: str) -> str:
    """A student id usable as a file name: letters, digits, ``.``, ``-``, ``_`` (others -> ``_``)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name.strip()).strip("._") or "student"
    return cleaned[:100]


def discover(where: Path, chapter: str, notebook_name: str) -> list[Submission]:
    """All submissions of ``chapter`` under ``where`` (folder or zip), sorted by student id.

    Parameters
    ----------
    where : Path
        A folder of ``<student>.ipynb``, an nbgrader ``submitted/`` folder (or its parent), or a
        ``.zip`` file.
    chapter : str
        The assignment, e.g. ``"ch01_chain_rule"``.
    notebook_name : str
        The release notebook's file name, e.g. ``"chain_rule.ipynb"`` (preferred when a student
        handed in several notebooks).

    Raises
    ------
    FileNotFoundError
        If ``where`` does not exist.
    ValueError
        If ``where`` is a file but not a zip archive.
    """
    where = Path(where)
    if not where.exists():
        raise FileNotFoundError(f"submissions: no such file or folder: {where}")
    if where.is_file():
        if not zipfile.is_zipfile(where):
            raise ValueError(f"submissions: expected a folder or a .zip file, got {where}")
        found = _from_zip(where, notebook_name)
    elif (where / "submitted").is_dir():
        found = _from_nbgrader(where / "submitted", chapter, notebook_name)
    elif any((p / chapter).is_dir() for p in where.iterdir() if p.is_dir()):
        found = _from_nbgrader(where, chapter, notebook_name)
    else:
        found = _from_folder(where)
    return _unique(sorted(found, key=lambda s: (s.student, s.origin)))


def _read(path: Path) -> tuple[bytes | None, str | None]:
    try:
        size = path.stat().st_size
        if size > _MAX_ENTRY:
            return None, f"the file is {size / 1e6:.1f} MB, more than {_MAX_ENTRY / 1e6:.0f} MB"
        return path.read_bytes(), None
    except OSError as exc:
        return None, f"could not read the file: {exc.strerror or exc}"


def _from_folder(folder: Path) -> list[Submission]:
    out = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".ipynb" and path.is_file():
            data, err = _read(path)
            out.append(Submission(safe_id(path.stem), str(path), data, err))
    return out


def _choose(paths: list[Path], notebook_name: str) -> tuple[Path | None, str]:
    if not paths:
        return None, ""
    exact = [p for p in paths if p.name == notebook_name]
    if exact:
        extra = len(paths) - 1
        return exact[0], f"{extra} other notebook(s) ignored" if extra else ""
    chosen = max(paths, key=lambda p: (p.stat().st_size, p.name))
    return chosen, (f"no {notebook_name}; graded {chosen.name}"
                    + (f" ({len(paths) - 1} other notebook(s) ignored)" if len(paths) > 1 else ""))


def _from_nbgrader(submitted: Path, chapter: str, notebook_name: str) -> list[Submission]:
    out = []
    for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir()):
        student = safe_id(student_dir.name)
        folder = student_dir / chapter
        if not folder.is_dir():
            continue                             # this student did not hand in this chapter
        paths = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
        chosen, note = _choose(paths, notebook_name)
        if chosen is None:
            out.append(Submission(student, str(folder), None, "no notebook in the submission folder"))
            continue
        data, err = _read(chosen)
        out.append(Submission(student, str(chosen), data, err, note))
    return out


def _zip_student(name: str) -> str | None:
    parts = tuple(p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("..", ".", "/"))
    if not parts or parts[-1].startswith(".") or "__MACOSX" in parts or not name.endswith(".ipynb"):
        return None
    if len(parts) > 1:
        return _MOODLE.sub("", parts[-2] if parts[-2] not in ("submitted",) else parts[0])
    m = _CANVAS.match(parts[-1])
    return m.group("student") if m else PurePosixPath(parts[-1]).stem


def _from_zip(path: Path, notebook_name: str) -> list[Submission]:
    by_student: dict[str, list[zipfile.ZipInfo]] = {}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            student = None if info.is_dir() else _zip_student(info.filename)
            if student is not None:
                by_student.setdefault(safe_id(student), []).append(info)
        out = []
        for student, infos in by_student.items():
            exact = [i for i in infos if PurePosixPath(i.filename).name == notebook_name]
            info = (exact or sorted(infos, key=lambda i: -i.file_size))[0]
            note = f"{len(infos) - 1} other notebook(s) ignored" if len(infos) > 1 else ""
            origin = f"{path}!{info.filename}"
            if info.file_size > _MAX_ENTRY:
                out.append(Submission(student, origin, None, f"the file is {info.file_size / 1e6:.1f} MB"))
                continue
            try:
                with zf.open(info) as fh:
                    data = fh.read(_MAX_ENTRY + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                out.append(Submission(student, origin, None, f"could not read the zip entry: {exc}"))
                continue
            if len(data) > _MAX_ENTRY:
                out.append(Submission(student, origin, None, "the file is too large"))
            else:
                out.append(Submission(student, origin, data, None, note))
    return out


def _unique(subs: list[Submission]) -> list[Submission]:
    """Make student ids unique (``ada``, ``ada-2``) so nobody's row overwrites another's."""
    seen: dict[str, int] = {}
    out = []
    for s in subs:
        n = seen.get(s.student, 0) + 1
        seen[s.student] = n
        if n > 1:
            s = Submission(f"{s.student}-{n}", s.origin, s.data, s.error,
                           (s.note + "; " if s.note else "") + f"a second submission of {s.student}")
        out.append(s)
    return out
