"""The registry of exercises: every ``course/exercises/chNN.py`` module and its ``SPECS``.

Each chapter module defines ``SPECS: tuple[Spec, ...]`` with names ``"chNN.<exercise>"``. The
registry finds the modules with :mod:`pkgutil`, so a new chapter needs no registration anywhere::

    >>> from course.exercises import get_spec, all_specs
    >>> get_spec("ch01.central_difference").points
    2.0

Nothing is cached at module level: Python's import system already keeps each chapter module
loaded, and building the name table from them costs microseconds.
"""
from __future__ import annotations

import difflib
import importlib
import pkgutil
import re

from course.exercises.spec import Bug, Case, Spec

__all__ = ["Bug", "Case", "Spec", "UnknownExerciseError", "all_specs", "chapter_modules", "get_spec"]

_CHAPTER_MODULE = re.compile(r"ch\d+$")


class UnknownExerciseError(KeyError):
    """``get_spec`` was given a name no chapter defines (a ``KeyError`` with a readable message)."""

    def __str__(self) -> str:  # KeyError would show the repr of the message, quotes and all
        return str(self.args[0]) if self.args else ""


def chapter_modules() -> list[str]:
    """Full module names of the chapter modules, ``["course.exercises.ch01", ...]``, sorted."""
    return sorted(
        f"{__name__}.{info.name}"
        for info in pkgutil.iter_modules(__path__)
        if _CHAPTER_MODULE.match(info.name)
    )


def all_specs() -> list[Spec]:
    """Every exercise spec, chapter by chapter, in the order each chapter lists them.

    Raises
    ------
    TypeError
        If a chapter module has no ``SPECS`` tuple of :class:`Spec`.
    ValueError
        If two specs share a name, or a spec's name does not start with its module's ``chNN.``.
    """
    specs: list[Spec] = []
    seen: dict[str, str] = {}
    for module_name in chapter_modules():
        module = importlib.import_module(module_name)
        chapter = module_name.rsplit(".", 1)[1]
        found = getattr(module, "SPECS", None)
        if not isinstance(found, tuple) or not all(isinstance(s, Spec) for s in found):
            raise TypeError(
                f"{module_name}.SPECS: expected a tuple of Spec, got {type(found).__name__}"
            )
        for spec in found:
            if not spec.name.startswith(chapter + "."):
                raise ValueError(
                    f"{module_name}: spec name {spec.name!r} should start with {chapter + '.'!r}"
                )
            if spec.name in seen:
                raise ValueError(
                    f"duplicate exercise name {spec.name!r} (in {seen[spec.name]} and {module_name})"
                )
            seen[spec.name] = module_name
            specs.append(spec)
    return specs


def get_spec(name: str) -> Spec:
    """The spec called ``name``, e.g. ``"ch01.central_difference"``.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    UnknownExerciseError
        (a ``KeyError``) if no chapter defines ``name``; the message lists the known names and
        the closest match.
    """
    if not isinstance(name, str):
        raise TypeError(
            f"name: expected the exercise name as a string, e.g. 'ch01.central_difference', "
            f"got {type(name).__name__}"
        )
    specs = {spec.name: spec for spec in all_specs()}
    try:
        return specs[name]
    except KeyError:
        pass
    close = difflib.get_close_matches(name, list(specs), n=1, cutoff=0.5)
    suggestion = f" Did you mean {close[0]!r}?" if close else ""
    known = ", ".join(sorted(specs)) or "(none)"
    raise UnknownExerciseError(f"name: no exercise called {name!r}.{suggestion} Known exercises: {known}")
