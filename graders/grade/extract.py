"""What runs in the sandbox: the release's setup code plus the learner's answer cells.

The *release* notebook (``notebooks/<chapter>/<name>.ipynb``) fixes the structure: which cells
are answer cells (nbgrader ``solution``), which grade cell checks which exercise and through
which function name (``check("ch01.central_difference", central_difference)``), and the setup
code (imports, definitions and assignments of its plain cells). From the learner's notebook only
the answer cells are taken, by ``grade_id``; the learner's copies of setup and test cells are
never used. Answer cells whose metadata was stripped are found by the function they define.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from graders.grade.notebook import Cell, Notebook, parse

__all__ = ["Slot", "Release", "Program", "load_release", "build_program"]

_GRADE_CALL = re.compile(r"""\b(?:check|grade)\(\s*["'](?P<ex>ch\d+\.\w+)["']\s*,\s*(?P<fn>[A-Za-z_]\w*)""")
_MAGIC = re.compile(r"^(\s*)[%!].*$", re.MULTILINE)
_PLOT_MODULES = ("matplotlib", "course.plots", "IPython")
PRELUDE = "def display(*args, **kwargs):\n    return None\n"


@dataclass(frozen=True)
class Slot:
    """One graded exercise of the release: its spec name, function name and answer cell id."""

    exercise: str
    function: str
    solution_id: str
    grade_id: str
    points: float


@dataclass
class Release:
    """The release notebook's structure (see the module docstring)."""

    chapter: str
    path: Path
    slots: list[Slot]
    solution_ids: list[str]
    setup: list[tuple[str, str]]            # (label, code), in notebook order
    order: list[str] = field(default_factory=list)        # setup labels and solution ids, in order
    texts: dict[str, str] = field(default_factory=dict)   # solution id -> release (stub) source


@dataclass
class Program:
    """The code the sandbox runs for one submission, and what was odd about the answer cells."""

    cells: list[tuple[str, str]]            # (label, code), executed one by one
    notes: list[str]
    missing: list[str]                      # solution ids with no usable learner cell


def load_release(chapter: str, notebooks_dir: Path) -> Release:
    """Read ``notebooks_dir/<chapter>/*.ipynb`` (the generated learner notebook).

    Raises
    ------
    FileNotFoundError
        If the chapter has no release notebook.
    ValueError
        If the release notebook cannot be parsed or has no grade cells.
    """
    folder = Path(notebooks_dir) / chapter
    paths = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    if not paths:
        raise FileNotFoundError(f"chapter: no release notebook in {folder} "
                                f"(run `python -m graders generate {chapter}`)")
    nb = parse(paths[0].read_bytes())
    if nb.fatal:
        raise ValueError(f"{paths[0]}: {nb.fatal}")
    slots: list[Slot] = []
    solution_ids: list[str] = []
    setup: list[tuple[str, str]] = []
    texts: dict[str, str] = {}
    order: list[str] = []
    last_solution = ""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.role == "solution":
            last_solution = cell.grade_id
            solution_ids.append(cell.grade_id)
            order.append(cell.grade_id)
            texts[cell.grade_id] = cell.source
        elif cell.role == "grade":
            m = _GRADE_CALL.search(cell.source)
            if m:
                slots.append(Slot(m["ex"], m["fn"], last_solution, cell.grade_id, cell.points))
        else:
            code = _setup_code(cell.source)
            if code:
                setup.append((f"release cell {cell.index}", code))
                order.append(setup[-1][0])
    if not slots:
        raise ValueError(f"{paths[0]}: no grade cells calling check(\"chNN.name\", function)")
    return Release(chapter, paths[0], slots, solution_ids, setup, order, texts)


def _setup_code(source: str) -> str:
    """The imports, definitions and assignments of a plain cell (no plots, prints or checks)."""
    try:
        tree = ast.parse(_MAGIC.sub(r"\1pass", source))
    except SyntaxError:
        return ""
    keep = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            if any(n.startswith(_PLOT_MODULES) for n in names):
                continue
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            if used & {"plt", "fig", "ax", "axes", "check", "display"}:
                continue
        elif not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue
        keep.append(ast.get_source_segment(_MAGIC.sub(r"\1pass", source), node) or "")
    return "\n".join(k for k in keep if k)


def _defines(source: str) -> set[str]:
    try:
        tree = ast.parse(_MAGIC.sub(r"\1pass", source))
    except SyntaxError:
        return set(re.findall(r"^(?:def|class)\s+([A-Za-z_]\w*)", source, re.MULTILINE))
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def build_program(release: Release, learner: Notebook) -> Program:
    """The release's setup cells and the learner's answer cells, in the release's order.

    Duplicated answer cells: the last copy counts. A cell retyped to markdown/raw is not run.
    An answer cell without its metadata is found by the function name it defines.
    """
    notes: list[str] = []
    missing: list[str] = []
    by_id: dict[str, list[Cell]] = {}
    for cell in learner.cells:
        if cell.grade_id:
            by_id.setdefault(cell.grade_id, []).append(cell)
    functions = {s.solution_id: s.function for s in release.slots}
    answers: dict[str, str] = {}
    for sid in release.solution_ids:
        found = by_id.get(sid, [])
        if len(found) > 1:
            notes.append(f"answer cell {sid} appears {len(found)} times; the last copy was graded")
        code_cells = [c for c in found if c.cell_type == "code"]
        if found and not code_cells:
            notes.append(f"answer cell {sid} was changed to a {found[-1].cell_type} cell; it was not run")
            missing.append(sid)
            continue
        if not code_cells:
            fn = functions.get(sid)
            by_name = [c for c in learner.cells if c.cell_type == "code" and not c.grade_id
                       and fn and fn in _defines(c.source)]
            if by_name:
                notes.append(f"answer cell {sid} lost its nbgrader metadata; graded the cell defining {fn}")
                code_cells = by_name
            else:
                notes.append(f"answer cell {sid} is missing (deleted?)")
                missing.append(sid)
                continue
        cell = code_cells[-1]
        if cell.role == "grade":
            notes.append(f"answer cell {sid} was marked as a test cell; its code was still graded")
        answers[sid] = _MAGIC.sub(r"\1pass", cell.source)
    setup = dict(release.setup)
    cells = [("prelude", PRELUDE)]
    for label in release.order:
        if label in setup:
            cells.append((label, setup[label]))
        elif label in answers:
            cells.append((label, answers[label]))
    return Program(cells, notes, missing)
