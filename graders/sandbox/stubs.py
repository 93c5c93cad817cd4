"""The learner-visible ``course`` inside the sandbox: a copy whose answers are stubs that raise.

For the exercises being graded, every function the spec names as an answer — ``reference``,
``forbidden`` and, where the spec has them, ``variants`` and ``shortcuts`` — is rewritten *in the
copied source* (by its file and first line, found in the AST) so that its body is one call of
``course._unavailable.unavailable(name)``, which raises. The real code is not in the sandbox at
all, so nothing recovers it: not ``inspect.getsource`` (it reads the stub), not the closures or
code objects of other functions, not ``gc``, not disabling the profiler. Calling a stub is also
seen by the guard (one sentinel code object) and reported as ``forbidden``.

The copy's ``course.checking`` offers ``check``/``grade`` only as stand-ins that refuse to run:
the sandbox holds no grading logic (and a setup cell's ``from course.checking import check`` no
longer loads every exercise spec in every exercise's process).

Copies are cached on disk per (course tree, stub set) under the system temporary folder and are
byte-compiled with the path they have inside the sandbox, so an exercise's process does not
recompile ``course``.
"""
from __future__ import annotations

import ast
import compileall
import functools
import hashlib
import inspect
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable

import course
from course.exercises import get_spec

__all__ = ["COURSE_DIR", "INSIDE_PKG", "external_answers", "is_analytic", "stub_targets", "stubbed_course"]

COURSE_DIR = Path(course.__file__).resolve().parent
INSIDE_PKG = "/sandbox/pkg"   # where the copy's parent folder is mounted in the sandbox

_CHECKING = '''"""``check`` and ``grade`` do not run in the grading sandbox: scoring happens outside it.

(The rest of ``course.checking`` is still importable, from its modules.)
"""


import importlib

_WHERE = @@WHERE@@   # every other public name -> the module that defines it


def check(*args, **kwargs):
    """Refuses: checks run in your notebook, not while a submission is graded."""
    raise RuntimeError("check(), check_all() and grade() do not run while a submission is graded")


grade = check_all = check


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(name)
'''

_SENTINEL = '''"""Stand-in for the course's answers while a submission is graded."""


class Unavailable(RuntimeError):
    """A course function that answers the exercise being graded was called."""


def unavailable(name):
    """Raise :class:`Unavailable`: ``name`` is not available while this exercise is graded."""
    raise Unavailable(f"{name} is not available while this exercise is graded")
'''


def stub_targets(exercises: Iterable[str]) -> list[tuple[str, int, str]]:
    """``(file relative to course/, first line, qualname)`` of every answer of ``exercises``.

    Functions, methods, lambdas and ``functools.partial`` objects are located through their code
    object; a class stands for all of the functions defined in its body.
    """
    targets = set()
    for fn in _answers(exercises):
        targets.update(_locate(fn))
    return sorted(targets)


def external_answers(exercises: Iterable[str]) -> list[tuple[str, str]]:
    """``(module, qualname)`` of forbidden functions that are not course code (``np.gradient``,
    an autodiff library): they cannot be stubbed, so the sandbox's guard watches for them."""
    out = set()
    for fn in _answers(exercises):
        fn = _unwrap(fn)
        module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
        if (isinstance(module, str) and isinstance(qualname, str) and "<" not in qualname
                and not module.startswith("course") and not _locate(fn)):
            out.add((module, qualname))
    return sorted(out)


def is_analytic(exercise: str) -> bool:
    """Does the exercise ask for a derivative derived by hand (the guard then watches for
    numeric differentiation inside the sandbox)?"""
    return bool(getattr(get_spec(exercise), "analytic", False))


def _answers(exercises: Iterable[str]) -> list[Any]:
    fns: list[Any] = []
    for name in exercises:
        spec = get_spec(name)
        fns += [spec.reference, *spec.forbidden]
        for extra in ("variants", "shortcuts"):
            fns += list(getattr(spec, extra, ()) or ())
    return fns


def _unwrap(fn: Any) -> Any:
    for _ in range(20):
        if isinstance(fn, functools.partial):
            fn = fn.func
        elif inspect.ismethod(fn):
            fn = fn.__func__
        elif isinstance(fn, (staticmethod, classmethod)):
            fn = fn.__func__
        elif getattr(fn, "__wrapped__", None) is not None and not inspect.isclass(fn):
            fn = fn.__wrapped__
        else:
            break
    return fn


def _locate(fn: Any) -> list[tuple[str, int, str]]:
    fn = _unwrap(fn)
    if inspect.isclass(fn):
        found = []
        for member in vars(fn).values():
            if isinstance(member, property):
                for part in (member.fget, member.fset, member.fdel):
                    if part is not None:
                        found += _locate(part)
            elif inspect.isfunction(_unwrap(member)):
                found += _locate(member)
        return found
    code = getattr(fn, "__code__", None)
    if code is None:
        return []  # a builtin or numpy ufunc: not course code, nothing to hide
    path = Path(code.co_filename).resolve()
    try:
        rel = path.relative_to(COURSE_DIR)
    except ValueError:
        return []
    return [(str(rel), code.co_firstlineno, getattr(fn, "__qualname__", code.co_name))]


def stubbed_course(targets: list[tuple[str, int, str]], cache_root: str | None = None) -> Path:
    """A folder holding ``course/`` with ``targets`` stubbed (built once, then reused).

    Returns the folder to put on ``sys.path`` (its ``course`` subfolder is the package).
    """
    cache_root = Path(cache_root or tempfile.gettempdir()) / f"bpsbx-course-{os.getuid()}"
    key = hashlib.sha256(repr((_tree_stamp(), targets, _CHECKING, _SENTINEL)).encode()).hexdigest()[:20]
    final = cache_root / key
    if (final / "course" / "__init__.py").exists():
        return final
    cache_root.mkdir(parents=True, exist_ok=True)
    os.chmod(cache_root, 0o755)
    build = Path(tempfile.mkdtemp(prefix="build-", dir=cache_root))
    dest = build / "course"
    shutil.copytree(COURSE_DIR, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    by_file: dict[str, list[tuple[int, str]]] = {}
    for rel, line, qualname in targets:
        by_file.setdefault(rel, []).append((line, qualname))
    for rel, items in by_file.items():
        path = dest / rel
        path.write_text(_rewrite(path.read_text(encoding="utf-8"), items), encoding="utf-8")
    (dest / "_unavailable.py").write_text(_SENTINEL, encoding="utf-8")
    init = dest / "checking" / "__init__.py"
    if init.exists():  # no grading logic in the sandbox (and cheap to import)
        init.write_text(_CHECKING.replace("@@WHERE@@", repr(_exports(init.read_text(encoding="utf-8")))),
                        encoding="utf-8")
    compileall.compile_dir(str(dest), ddir=f"{INSIDE_PKG}/course", quiet=2)
    for p in [build, *build.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    try:
        os.rename(build, final)
    except OSError:  # another process built it first
        shutil.rmtree(build, ignore_errors=True)
    _prune(cache_root, keep=final)
    return final


def _prune(cache_root: Path, keep: Path, limit: int = 64) -> None:
    """Keep the ``limit`` most recently built copies (each course edit makes new keys)."""
    copies = sorted((p for p in cache_root.iterdir() if p.is_dir() and not p.name.startswith("build-")),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in copies[limit:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def _exports(init_source: str) -> dict[str, str]:
    """``name -> module`` of every ``from course... import name`` in a package ``__init__``."""
    out = {}
    for node in ast.walk(ast.parse(init_source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.update({a.asname or a.name: node.module for a in node.names})
    return out


def _tree_stamp() -> list[tuple[str, int, int]]:
    return sorted((str(p.relative_to(COURSE_DIR)), p.stat().st_size, p.stat().st_mtime_ns)
                  for p in COURSE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _rewrite(text: str, items: list[tuple[int, str]]) -> str:
    """Replace the bodies of the functions that start at the given lines by a stub call."""
    tree = ast.parse(text)
    wanted = {line: qualname for line, qualname in items}

    def stub_call(qualname: str) -> ast.expr:
        return ast.parse(f"__import__('course._unavailable', fromlist=['unavailable'])"
                         f".unavailable({qualname!r})", mode="eval").body

    class Stubber(ast.NodeTransformer):
        def visit_FunctionDef(self, node: Any) -> Any:
            self.generic_visit(node)
            first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            if first in wanted or node.lineno in wanted:
                qualname = wanted.get(first, wanted.get(node.lineno))
                node.body = [ast.Expr(stub_call(qualname))]
            return node

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Lambda(self, node: ast.Lambda) -> Any:
            self.generic_visit(node)
            if node.lineno in wanted:
                node.body = stub_call(wanted[node.lineno])
            return node

    tree = ast.fix_missing_locations(Stubber().visit(tree))
    return ast.unparse(tree) + "\n"
