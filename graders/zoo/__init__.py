"""The bug zoo: known-wrong submissions for every chapter, generated from the specs.

Every graded exercise of every chapter gets at least two wrong submissions, each the chapter's
solution notebook with that exercise's answer cell replaced:

- one per named bug of the spec (``spec.bugs``): the answer *is* the bug's implementation, so
  the grader must take points off that exercise and name that bug (bugs written on top of the
  reference, such as ``-reference(x)``, are left out: a learner cannot hand those in);
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

import copy
import dataclasses
import functools
import json
import re
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


def _uses_answer(spec: Spec, impl: Callable[..., Any]) -> bool:
    """Does ``impl`` reach the spec's reference, forbidden, variant or shortcut functions?

    Such a bug (``-reference(x)``) cannot be handed in by a learner: in the sandbox those
    functions are stubs, so it would score as a shortcut, not as the bug.
    """
    guard = Guard(impl if spec.call is None else functools.partial(spec.call, impl),
                  (spec.reference, *spec.forbidden, *spec.variants, *spec.shortcuts), None)
    with quiet():
        for case in spec.public_cases():
            guard.call(case.args)
    return guard.forbidden_called is not None


def _entries_for(spec: Spec, function: str) -> list[Entry]:
    get = f"from course.exercises import get_spec as _zoo_spec\n{function} = _zoo_spec({spec.name!r})"
    short = spec.name.split(".", 1)[1]
    out = [Entry(f"{short}--bug-{k}-{_slug(b.name)}", spec.name, "bug", "bug", bug=b.name,
                 code=f"{get}.bugs[{k}].impl\n") for k, b in enumerate(spec.bugs)
           if not _uses_answer(spec, b.impl)]
    out += [Entry(f"{short}--shortcut-{k}", spec.name, "shortcut", "zero", reason="scores 0",
                  code=f"{get}.shortcuts[{k}]\n") for k in range(len(spec.shortcuts))]
    if spec.forbidden:
        fn = spec.forbidden[0]
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
