"""Copy the course's learner notebooks into a workspace without ever overwriting a learner's work.

The unit is a chapter folder (``notebooks/ch02_jacobian/``). :func:`sync_workspace`:

* copies every chapter folder the workspace does not have yet (all of them on first start, a new
  chapter after a course update), plus the top-level files of ``notebooks/`` (the glossary) that
  are missing;
* leaves every chapter the workspace already has untouched, even when the course's copy changed;
* with ``reset=("ch02",)`` moves the learner's copy of that chapter aside to
  ``ch02_jacobian.before-reset-<time>/`` and copies a fresh one (nothing is deleted).
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ChapterCopy", "sync_workspace", "chapter_folders"]


@dataclass(frozen=True)
class ChapterCopy:
    """What happened to one chapter: ``action`` is ``"copied"``, ``"kept"`` or ``"reset"``.

    ``backup`` is where a reset chapter's previous copy went (None otherwise).
    """

    chapter: str
    action: str
    backup: Path | None = None


def chapter_folders(notebooks: Path) -> list[Path]:
    """The chapter folders of ``notebooks`` (``chNN_<topic>/``), sorted."""
    return sorted(p for p in Path(notebooks).iterdir() if p.is_dir() and p.name[:2] == "ch"
                  and p.name[2:4].isdigit())


def sync_workspace(notebooks: Path, workspace: Path, *, reset: tuple[str, ...] = (),
                   now: float | None = None) -> list[ChapterCopy]:
    """Bring ``workspace`` up to date with ``notebooks`` without overwriting anything.

    Parameters
    ----------
    notebooks : Path
        The course's learner notebooks (the repository's ``notebooks/``).
    workspace : Path
        The learner's folder; created if missing.
    reset : tuple of str
        Chapters to replace by a fresh copy, each named by its folder (``ch02_jacobian``) or its
        number prefix (``ch02``); the old copy is moved aside, not deleted.
    now : float, optional
        The time used in a backup's name (for tests); default ``time.time()``.

    Returns
    -------
    list of ChapterCopy
        One entry per chapter of the course, in order.

    Raises
    ------
    FileNotFoundError
        If ``notebooks`` is not a folder with chapter folders in it.
    ValueError
        If a name in ``reset`` matches no chapter (the message lists the chapters).
    """
    notebooks, workspace = Path(notebooks), Path(workspace)
    if not notebooks.is_dir() or not chapter_folders(notebooks):
        raise FileNotFoundError(f"notebooks: expected a folder of chapter folders (chNN_<topic>/), got {notebooks}")
    chapters = chapter_folders(notebooks)
    names = [c.name for c in chapters]
    wanted = set()
    for name in reset:
        match = [n for n in names if n == name or n.split("_", 1)[0] == name]
        if not match:
            raise ValueError(f"reset: expected one of {', '.join(names)} (or ch01, ch02, ...), got {name!r}")
        wanted.update(match)
    workspace.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if now is None else now))
    done: list[ChapterCopy] = []
    for chapter in chapters:
        target = workspace / chapter.name
        backup = None
        if target.exists() and chapter.name in wanted:
            backup = workspace / f"{chapter.name}.before-reset-{stamp}"
            target.rename(backup)
        if target.exists():
            done.append(ChapterCopy(chapter.name, "kept"))
            continue
        shutil.copytree(chapter, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        done.append(ChapterCopy(chapter.name, "reset" if backup else "copied", backup))
    for extra in sorted(p for p in notebooks.iterdir() if p.is_file()):
        if not (workspace / extra.name).exists():
            shutil.copy2(extra, workspace / extra.name)
    return done
