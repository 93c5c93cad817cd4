"""``python -m graders release <chapter|all>``: regenerate ``notebooks/`` and refuse a bad release.

The steps, in order (each chapter):

1. regenerate the learner notebooks from ``solutions/`` with nbgrader (:mod:`graders.generate`);
2. grade the *solution* notebook with the class grader: it must score 100 %;
3. grade the untouched *learner* notebook: it must score 0;
4. run the untouched learner notebook top to bottom in a kernel: no cell may have an error output;
5. look for leaks in ``notebooks/``: the ``### BEGIN SOLUTION`` / ``### BEGIN HIDDEN TESTS``
   blocks of the solution notebook and the body lines of every spec's reference must not appear
   in any learner notebook (lines of at least 12 characters, whitespace normalised, compared with
   and without their trailing comment), unless the solution notebook itself shows that line
   outside its blocks: code the chapter hands the learner is no leak.

Exit status 1 with a list of what is wrong when any step fails, else 0.
"""
from __future__ import annotations

import argparse
import ast
import inspect
import io
import os
import re
import sys
import tempfile
import textwrap
import tokenize
import warnings
from pathlib import Path
from typing import Any

from graders import generate as gen

__all__ = ["add_parser", "run", "check_chapter", "leaks", "error_outputs"]

_BLOCK = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.DOTALL)
_MIN_LINE = 12


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register the ``release`` sub-command."""
    p = commands.add_parser("release", help="regenerate notebooks/ and refuse a release that leaks or fails")
    p.add_argument("chapter", help="chapter folder (e.g. ch01_chain_rule) or 'all'")
    p.add_argument("--no-execute", action="store_true",
                   help="skip running the learner notebook in a kernel (step 4)")


def _norm(line: str) -> str:
    return " ".join(line.split())


def _without_comment(line: str) -> str:
    """``line`` without its trailing ``# comment`` (a ``#`` inside a string is kept)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line).readline))
    except (tokenize.TokenError, SyntaxError):   # a line of a longer statement, an open string
        return line
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            return line[:tok.start[1]]
    return line


def _code_lines(text: str) -> set[str]:
    """Distinctive code lines of ``text``, whitespace normalised, each with and without its comment."""
    out = set()
    for line in text.splitlines():
        for n in {_norm(line), _norm(_without_comment(line))}:
            if len(n) >= _MIN_LINE and not n.startswith(("#", '"""', "'''")):
                out.add(n)
    return out


def _reference_lines(chapter_prefix: str) -> dict[str, set[str]]:
    """Distinctive body lines of each spec's reference (docstrings and comments left out)."""
    from course.exercises import all_specs
    out: dict[str, set[str]] = {}
    for spec in all_specs():
        if not spec.name.startswith(chapter_prefix + "."):
            continue
        try:
            src = inspect.getsource(inspect.unwrap(spec.reference))
        except (OSError, TypeError):
            continue
        try:
            tree = ast.parse(textwrap.dedent(src))
        except SyntaxError:
            continue
        fn = tree.body[0] if tree.body else None
        body = getattr(fn, "body", [])
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
            body = body[1:]                       # the docstring
        text = "\n".join(ast.get_source_segment(textwrap.dedent(src), node) or "" for node in body)
        out[spec.name] = _code_lines(text)
    return out


def _notebook_code(path: Path) -> tuple[str, str]:
    """(all code-cell text, all text) of a notebook, read leniently."""
    from graders.grade.notebook import parse
    nb = parse(path.read_bytes())
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return code, "\n".join(c.source for c in nb.cells)


def leaks(chapter: str, root: Path | None = None) -> list[str]:
    """What of ``solutions/<chapter>`` (or its specs' references) appears in ``notebooks/<chapter>``."""
    root = Path(root or gen.REPO_ROOT)
    problems = []
    released = {p: _notebook_code(p) for p in sorted((root / "notebooks" / chapter).glob("*.ipynb"))}
    for path, (code, text) in released.items():
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            if marker in text:
                problems.append(f"{path.name}: contains the marker {marker!r}")
    stub_lines = set()
    for code, _ in released.values():
        stub_lines |= _code_lines(code)
    given: set[str] = set()      # what the solution notebook shows outside its solution/hidden blocks
    blocks: list[tuple[str, str]] = []
    for sol in sorted((root / "solutions" / chapter).glob("*.ipynb")):
        code, _ = _notebook_code(sol)
        blocks += _BLOCK.findall(code)
        given |= _code_lines(_BLOCK.sub("", code))
    # code the chapter hands the learner (in the solution *and* the learner version, outside any
    # solution block) is no leak, even when a solution or a reference has the same line
    exposed = stub_lines - given
    for kind, block in blocks:
        for line in sorted(_code_lines(block) & exposed):
            problems.append(f"notebooks/{chapter}: a line of a {kind.lower()} block leaked: {line[:60]!r}")
    prefix = chapter.split("_", 1)[0]
    for name, lines in _reference_lines(prefix).items():
        for line in sorted(lines & exposed):
            problems.append(f"notebooks/{chapter}: a line of the reference of {name} appears: {line[:60]!r}")
    return problems


def error_outputs(notebook: Path, timeout: int = 120) -> list[str]:
    """Run ``notebook`` top to bottom in a kernel (cwd: its folder); describe each error output."""
    import nbformat
    from nbclient import NotebookClient
    with warnings.catch_warnings():         # a cell without an id is not this check's business
        warnings.simplefilter("ignore")
        nb = nbformat.read(str(notebook), as_version=4)
    with tempfile.TemporaryDirectory(prefix="backprop-release-") as tmp:
        env_mpl = os.environ.get("MPLBACKEND")
        os.environ["MPLBACKEND"] = "Agg"
        try:
            NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": str(notebook.parent)}}).execute()
        finally:
            if env_mpl is None:
                os.environ.pop("MPLBACKEND", None)
            else:
                os.environ["MPLBACKEND"] = env_mpl
        del tmp
    out = []
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                out.append(f"{notebook.name}: cell {i} raised {o.get('ename')}: {str(o.get('evalue'))[:120]}")
            elif o.get("output_type") == "stream" and o.get("name") == "stderr" and "Traceback" in o.get("text", ""):
                out.append(f"{notebook.name}: cell {i} printed a traceback")
    return out


def check_chapter(chapter: str, *, root: Path | None = None, api: Any = None, execute: bool = True) -> list[str]:
    """Steps 2-5 for one (already generated) chapter: the list of problems ([] if releasable)."""
    from graders.grade.discover import Submission
    from graders.grade.extract import load_release
    from graders.grade.runner import grade_submission
    from course.exercises import all_specs
    root = Path(root or gen.REPO_ROOT)
    problems: list[str] = []
    release = load_release(chapter, root / "notebooks")
    specs = {s.name: s for s in all_specs()}
    missing = [s.exercise for s in release.slots if s.exercise not in specs]
    if missing:
        problems.append(f"{chapter}: grade cells name exercises no spec defines: {missing}")
    secret = b"release-check"
    solution = root / "solutions" / chapter / release.path.name
    sol = grade_submission(Submission("solution", str(solution), solution.read_bytes()), release, specs,
                           secret, api=api)
    for e in sol.exercises:
        if e.score < e.points:
            problems.append(f"{chapter}: the solution scores {e.score:g}/{e.points:g} on {e.exercise} "
                            f"({e.status}: {e.message or _first_failure(e)})")
    if sol.status not in ("ok", "notes"):
        problems.append(f"{chapter}: grading the solution: {sol.status} ({'; '.join(sol.messages)})")
    stub = grade_submission(Submission("learner", str(release.path), release.path.read_bytes()), release,
                            specs, secret, api=api)
    for e in stub.exercises:
        if e.score > 0:
            problems.append(f"{chapter}: the untouched learner notebook scores {e.score:g} on {e.exercise}")
    if execute:
        problems += [f"{chapter}: {p}" for p in error_outputs(release.path)]
    problems += leaks(chapter, root)
    return problems


def _first_failure(e: Any) -> str:
    bad = [c for c in e.cases if not c.passed]
    return f"{bad[0].label}: {bad[0].detail}" if bad else "no cases"


def run(args: argparse.Namespace) -> int:
    """Run ``release``: 0 when every chapter is releasable, else 1 (the problems are printed)."""
    chapters = gen.chapters() if args.chapter == "all" else [args.chapter]
    try:
        gen.generate(None if args.chapter == "all" else chapters)
    except (ValueError, gen.GenerateError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    problems = []
    for chapter in chapters:
        try:
            found = check_chapter(chapter, execute=not args.no_execute)
        except (FileNotFoundError, ValueError, ImportError) as exc:
            found = [f"{chapter}: {exc}"]
        problems += found
        print(f"{chapter}: {'refused' if found else 'ready to release'}")
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    return 1 if problems else 0
