"""Read a notebook file without ever raising: cells, their nbgrader roles, and what was odd.

Learners' files arrive in every state: truncated or binary, empty, deeply nested JSON, nbformat 3
or 5, metadata that is a string or a list, cells duplicated, deleted or turned into markdown.
:func:`parse` reads what it can with :mod:`json` only (no schema validation, which is what makes
stock tools abort) and returns a :class:`Notebook` whose ``problems`` name everything unusual.
``fatal`` is set only when no cell at all could be read.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Cell", "Notebook", "parse", "MAX_BYTES"]

MAX_BYTES = 20_000_000      # larger files are refused unread


@dataclass(frozen=True)
class Cell:
    """One cell: its position, type, source text and nbgrader role.

    ``role`` is ``"solution"`` (an answer cell), ``"grade"`` (a test cell), or ``"plain"``;
    ``grade_id`` is nbgrader's id (``""`` when there is none).
    """

    index: int
    cell_type: str
    source: str
    role: str = "plain"
    grade_id: str = ""
    points: float = 0.0


@dataclass
class Notebook:
    """What :func:`parse` found: the cells, what was odd about them, and a fatal error if any."""

    cells: list[Cell] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    fatal: str | None = None
    nbformat: int | None = None
    kernel: str = ""


def parse(data: bytes) -> Notebook:
    """Parse a notebook's bytes. Never raises (except ``KeyboardInterrupt``/``MemoryError``)."""
    if not isinstance(data, (bytes, bytearray)):
        return Notebook(fatal=f"expected the file's bytes, got {type(data).__name__}")
    if len(data) == 0:
        return Notebook(fatal="the file is empty")
    if len(data) > MAX_BYTES:
        return Notebook(fatal=f"the file is {len(data) / 1e6:.1f} MB, more than {MAX_BYTES / 1e6:.0f} MB")
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Notebook(fatal=f"the file is not UTF-8 text (a binary file?): byte {exc.start}")
    try:
        raw = json.loads(text)
    except RecursionError:
        return Notebook(fatal="the file is JSON nested too deeply to be a notebook")
    except ValueError as exc:
        return Notebook(fatal=f"the file is not valid JSON (truncated or edited by hand?): {exc}")
    if not isinstance(raw, dict):
        return Notebook(fatal=f"the file is JSON but not a notebook (top level is {type(raw).__name__})")
    return _from_json(raw)


def _from_json(raw: dict) -> Notebook:
    nb = Notebook()
    major = raw.get("nbformat")
    nb.nbformat = major if isinstance(major, int) else None
    if nb.nbformat != 4:
        nb.problems.append(f"nbformat {major!r} (expected 4); read anyway")
    meta = raw.get("metadata")
    if isinstance(meta, dict):
        spec = meta.get("kernelspec")
        if isinstance(spec, dict):
            nb.kernel = str(spec.get("name", ""))
            lang = str(spec.get("language", "python") or "python")
            if "python" not in nb.kernel.lower() and "python" not in lang.lower():
                nb.problems.append(f"kernel {nb.kernel!r} is not a Python kernel; graded as Python")
    elif meta is not None:
        nb.problems.append(f"notebook metadata is a {type(meta).__name__}, not a dict; ignored")
    cells = raw.get("cells")
    if cells is None and isinstance(raw.get("worksheets"), list):   # nbformat 3
        cells = [c for ws in raw["worksheets"] if isinstance(ws, dict)
                 for c in (ws.get("cells") or []) if isinstance(ws.get("cells"), list)]
    if not isinstance(cells, list):
        nb.fatal = "the notebook has no list of cells"
        return nb
    for i, c in enumerate(cells):
        cell = _cell(i, c, nb.problems)
        if cell is not None:
            nb.cells.append(cell)
    if not nb.cells:
        nb.fatal = "the notebook has no readable cells"
    return nb


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return "".join(value)
    return None


def _cell(i: int, c: Any, problems: list[str]) -> Cell | None:
    if not isinstance(c, dict):
        problems.append(f"cell {i} is a {type(c).__name__}, not a cell; skipped")
        return None
    cell_type = c.get("cell_type")
    if not isinstance(cell_type, str):
        problems.append(f"cell {i} has no cell type; skipped")
        return None
    source = _text(c.get("source", c.get("input", "")))
    if source is None:
        problems.append(f"cell {i} source is not text; skipped")
        return None
    if cell_type == "code" and "input" in c and "source" not in c:
        pass                                    # nbformat 3 code cell
    meta = c.get("metadata", {})
    if not isinstance(meta, dict):
        problems.append(f"cell {i} metadata is a {type(meta).__name__}, not a dict; treated as empty")
        meta = {}
    nbg = meta.get("nbgrader")
    if nbg is None:
        return Cell(i, cell_type, source)
    if not isinstance(nbg, dict):
        problems.append(f"cell {i} nbgrader metadata is a {type(nbg).__name__}; treated as empty")
        return Cell(i, cell_type, source)
    gid = nbg.get("grade_id")
    gid = gid if isinstance(gid, str) else ""
    version = nbg.get("schema_version")
    if version not in (3, None):
        problems.append(f"cell {i} ({gid or 'no id'}) has nbgrader schema version {version!r}; read anyway")
    role = "grade" if nbg.get("grade") is True else "solution" if nbg.get("solution") is True else "plain"
    points = nbg.get("points", 0)
    points = float(points) if isinstance(points, (int, float)) and not isinstance(points, bool) else 0.0
    return Cell(i, cell_type, source, role, gid, points)
