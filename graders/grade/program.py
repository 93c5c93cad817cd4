"""The source text handed to the sandbox, and how its error messages map back to cells.

The sandbox runs cells separated by ``# %%`` lines, each compiled as ``<cell N>`` (N from 1), and
a failing cell does not stop the next (as nbgrader runs a notebook). Here each cell of a
:class:`~graders.grade.extract.Program` becomes one such cell; :func:`name_cells` turns the
sandbox's ``<cell N>`` back into the cell's name (``answer cell ch01-central_difference-solution``)
so an exception's last frame in learner code is shown by the name the learner knows.
"""
from __future__ import annotations

import re

from graders.grade.extract import Program

__all__ = ["program_source", "name_cells", "SEPARATOR"]

SEPARATOR = "# %%"
_CELL = re.compile(r"<cell (\d+)>")


def program_source(program: Program) -> str:
    """The cells of ``program`` joined by ``# %%`` lines (a cell's own such lines are neutralised)."""
    parts = []
    for _, code in program.cells:
        lines = ["#  %%" if line.strip() == SEPARATOR else line for line in code.splitlines()]
        parts.append("\n".join(lines))
    return f"\n{SEPARATOR}\n".join(parts) + "\n"


def name_cells(text: str, program: Program) -> str:
    """``text`` with every ``<cell N>`` replaced by the name of the program's N-th cell."""
    def named(m: re.Match) -> str:
        k = int(m.group(1)) - 1
        if 0 <= k < len(program.cells):
            label = program.cells[k][0]
            return label if label.startswith("release") or label == "prelude" else f"answer cell {label}"
        return m.group(0)
    return _CELL.sub(named, text or "")
