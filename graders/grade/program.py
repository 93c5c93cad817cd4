"""The source text handed to the sandbox: every cell run on its own, errors reported, never fatal.

Each cell (release setup, learner answer) is compiled under its own name (``<cell
ch01-central_difference-solution>``) and run with ``exec`` in the module's namespace, so a syntax
error or an exception in one answer cell leaves the other answers defined. A failing cell prints
one line, ``[grader] cell <name>: <error>``, to stderr; it is feedback only (learner code could
print the same line, and nothing is scored from it).
"""
from __future__ import annotations

import re

from graders.grade.extract import Program

__all__ = ["program_source", "cell_errors", "CELL_ERROR"]

CELL_ERROR = "[grader] cell "
_RUNNER = '''
def __grader_run_cells(cells):
    import sys, traceback
    for label, code in cells:
        try:
            exec(compile(code, "<cell " + label + ">", "exec"), globals())
        except BaseException as exc:
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<cell")]
            where = " (line %d)" % frames[-1].lineno if frames else ""
            text = " ".join(str(exc).split())[:200]
            sys.stderr.write("%s%s: %s%s%s\\n" % ({marker!r}, label, type(exc).__name__,
                                                 ": " + text if text else "", where))
__grader_run_cells({cells!r})
del __grader_run_cells
'''


def program_source(program: Program) -> str:
    """Python source that runs ``program``'s cells one by one (see the module docstring)."""
    return _RUNNER.format(marker=CELL_ERROR, cells=[(label, code) for label, code in program.cells])


def cell_errors(stderr: str) -> list[str]:
    """The ``[grader] cell ...`` lines of the sandbox's stderr, without the marker."""
    return [line[len(CELL_ERROR):] for line in re.findall(r"^\[grader\] cell .*$", stderr or "", re.MULTILINE)][:20]
