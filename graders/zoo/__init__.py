"""The bug zoo: known-wrong submissions for every chapter, generated from the specs.

Every graded exercise of every chapter gets at least two wrong submissions, each the chapter's
solution notebook with that exercise's answer cell replaced:

- one per named bug of the spec (``spec.bugs``): the answer *is* the bug's implementation, so
  the grader must take points off that exercise and name that bug (a bug class built on one of
  the chapter's own answer classes is written out with its base classes' source, as a learner
  would hand it in; bugs written on top of the reference, such as ``-reference(x)``, are left
  out: a learner cannot hand those in);
- one per shortcut of the spec (``spec.shortcuts``): it must score 0 there, saying why;
- one that hands in the course's own reference (``spec.forbidden[0]``): it must score 0;
- (if still fewer than two) one that returns ``None``.

An exercise whose solution calls the broken exercise's function (chapter 4's
``mlp_backward`` calls the learner's ``linear_backward``) may lose points too: ``Entry.affects``
lists those. Nothing here is hand-written per exercise, so a new chapter's specs give it a zoo at once.
``python -m graders.zoo <chapter> <folder>`` writes a chapter's zoo as ``<folder>/<entry>.ipynb``
plus ``<folder>/expected.json`` (what each entry must get).
"""
from __future__ import annotations

import ast
import copy
import dataclasses
import functools
import inspect
import json
import re
import textwrap
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

from course.checking.guard import Guard, quiet
from course.exercises import all_specs
from course.exercises.spec import Spec
from graders.grade.extract import Release, load_release
from graders.grade.notebook import parse
from graders.grade.shortcuts import qualname

__all__ = ["Entry", "entries", "write_zoo", "submission_json"]

_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Entry:
    """One wrong submission: which exercise it breaks, how, and what the grader must say.

    ``expect`` is ``"bug"`` (points lost, ``bug`` named), ``"zero"`` (0 points, ``reason`` in
    the message) or ``"loses"`` (points lost).
    """

    name: str
    exercise: str
    kind: str
    expect: str
    bug: str = ""
    reason: str = ""
    code: str = ""
    affects: tuple[str, ...] = ()     # other exercises whose solution calls this one's function


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def _functions(fn: Any) -> list[Any]:
    """``fn`` itself, or for a class the functions defined in its body (what the sandbox stubs)."""
    if not inspect.isclass(fn):
        return [fn]
    out = []
    for member in vars(fn).values():
        member = getattr(member, "__func__", member)
        if isinstance(member, property):
            out += [f for f in (member.fget, member.fset, member.fdel) if f is not None]
        elif inspect.isfunction(member):
            out.append(member)
    return out


def _uses_answer(spec: Spec, impl: Callable[..., Any]) -> bool:
    """Does ``impl`` reach the spec's reference, forbidden, variant or shortcut functions?

    Such a bug (``-reference(x)``, or a subclass of a variant class) cannot be handed in by a
    learner as it is: in the sandbox those functions are stubs, so it would score as a shortcut,
    not as the bug.
    """
    answers = [f for a in (spec.reference, *spec.forbidden, *spec.variants, *spec.shortcuts) for f in _functions(a)]
    guard = Guard(impl if spec.call is None else functools.partial(spec.call, impl), tuple(answers), None)
    with quiet():
        for case in spec.public_cases():
            guard.call(case.args)
    return guard.forbidden_called is not None


def _course_classes(cls: type) -> list[type]:
    """The classes of ``cls``'s MRO defined in ``course`` (base first), or [] if another is there."""
    mro = [c for c in reversed(cls.__mro__) if c is not object]
    return mro if all(getattr(c, "__module__", "").startswith("course.") for c in mro) else []


def _written_out(function: str, impl: Any) -> str:
    """A bug class as a learner would hand it in: its source and its course base classes' source,
    after the imports of their modules, then ``function = <the class>`` ("" when not possible).

    A bug written on top of one of the exercise's answers (a subclass of the chapter's model
    engine, say) cannot be handed in by reference: in the sandbox those answers are stubs. Written
    out, it is the learner's own code, as it would be in a notebook.
    """
    if not inspect.isclass(impl) or not _course_classes(impl):
        return ""
    parts, seen_imports = [], []
    try:
        for cls in _course_classes(impl):
            module = inspect.getmodule(cls)
            for node in ast.parse(inspect.getsource(module)).body:
                if isinstance(node, (ast.Import, ast.ImportFrom)) and not (
                        isinstance(node, ast.ImportFrom) and node.module == "__future__"):
                    line = ast.unparse(node)
                    if line not in seen_imports:
                        seen_imports.append(line)
            parts.append(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return ""
    return "\n".join(seen_imports) + "\n\n\n" + "\n\n".join(parts) + f"\n\n{function} = {impl.__name__}\n"


def _loads(code: str, function: str) -> Any:
    """``function`` as defined by ``code`` (trusted: course source written out), or None."""
    namespace: dict[str, Any] = {"__name__": "_zoo_written_out"}
    try:
        exec(compile(code, "<zoo>", "exec"), namespace)  # noqa: S102 - the course's own code
    except Exception:  # noqa: BLE001
        return None
    return namespace.get(function)


def _bug_entry(spec: Spec, function: str, k: int, bug: Any, get: str) -> Entry | None:
    short = spec.name.split(".", 1)[1]
    name = f"{short}--bug-{k}-{_slug(bug.name)}"
    if not _uses_answer(spec, bug.impl):
        return Entry(name, spec.name, "bug", "bug", bug=bug.name, code=f"{get}.bugs[{k}].impl\n")
    code = _written_out(function, bug.impl)
    written = _loads(code, function) if code else None
    if written is None or _uses_answer(spec, written):
        return None
    return Entry(name, spec.name, "bug", "bug", bug=bug.name, code=code)


def _importable_answer(spec: Spec) -> Any:
    """The reference when it is forbidden, else the first of the spec's forbidden answers (then its
    reference) that a learner can import by module and name: a method such as ``Value.__init__``
    cannot be, its class can. (The reference takes the exercise's arguments: another forbidden
    trainer would fail on its signature before its stub could say why.)"""
    import importlib
    first = (spec.reference,) if any(f is spec.reference for f in spec.forbidden) else ()
    for fn in (*first, *spec.forbidden, spec.reference):
        module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
        if not module or not name or "." in name or "<" in name:
            continue
        try:
            if getattr(importlib.import_module(module), name, None) is fn:
                return fn
        except ImportError:
            continue
    return None


def _entries_for(spec: Spec, function: str) -> list[Entry]:
    get = f"from course.exercises import get_spec as _zoo_spec\n{function} = _zoo_spec({spec.name!r})"
    short = spec.name.split(".", 1)[1]
    out = [e for e in (_bug_entry(spec, function, k, b, get) for k, b in enumerate(spec.bugs)) if e is not None]
    out += [Entry(f"{short}--shortcut-{k}", spec.name, "shortcut", "zero", reason="scores 0",
                  code=f"{get}.shortcuts[{k}]\n") for k in range(len(spec.shortcuts))]
    fn = _importable_answer(spec)
    if fn is not None:
        out.append(Entry(f"{short}--calls-reference", spec.name, "forbidden", "zero", reason=qualname(fn),
                         code=f"from {fn.__module__} import {fn.__name__} as _zoo_reference\n"
                              f"{function} = _zoo_reference\n"))
    if len(out) < 2:
        out.append(Entry(f"{short}--returns-none", spec.name, "wrong", "loses",
                         code=f"def {function}(*args, **kwargs):\n    return None\n"))
    return out


def entries(chapter: str, notebooks: Path | None = None) -> tuple[Release, list[Entry]]:
    """The chapter's release structure and its zoo entries (every graded exercise)."""
    notebooks = Path(notebooks or _ROOT / "notebooks")
    release = load_release(chapter, notebooks)
    specs = {s.name: s for s in all_specs()}
    solution = notebooks.parent / "solutions" / chapter / release.path.name
    answers = {c.grade_id: c.source for c in parse(solution.read_bytes()).cells if c.role == "solution"}
    out: list[Entry] = []
    for slot in release.slots:
        if slot.exercise in specs:
            calls = re.compile(rf"\b{re.escape(slot.function)}\s*\(")
            affects = tuple(o.exercise for o in release.slots if o.exercise != slot.exercise
                            and calls.search(answers.get(o.solution_id, "")))
            out += [dataclasses.replace(e, affects=affects) for e in _entries_for(specs[slot.exercise], slot.function)]
    return release, out


def submission_json(solution: dict, release: Release, entry: Entry) -> dict:
    """The solution notebook (as JSON) with ``entry``'s exercise's answer cell replaced."""
    slot = next(s for s in release.slots if s.exercise == entry.exercise)
    nb = copy.deepcopy(solution)
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") == slot.solution_id:
            cell["source"] = entry.code
            cell["outputs"] = []
            cell["execution_count"] = None
    return nb


def write_zoo(chapter: str, folder: Path, *, root: Path | None = None) -> list[Entry]:
    """Write ``folder/<entry>.ipynb`` for every entry and ``folder/expected.json``."""
    root = Path(root or _ROOT)
    release, found = entries(chapter, root / "notebooks")
    solution = json.loads((root / "solutions" / chapter / release.path.name).read_text(encoding="utf-8"))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for entry in found:
        (folder / f"{entry.name}.ipynb").write_text(json.dumps(submission_json(solution, release, entry), indent=1),
                                                     encoding="utf-8")
    (folder / "expected.json").write_text(json.dumps([asdict(e) for e in found], indent=1), encoding="utf-8")
    return found
