"""How the child imports: course's guard from its file, watched functions by name, lazy pyplot.

- :func:`load_guard` — ``course.checking.guard.Guard`` from ``guard.py`` alone (importing it through
  the ``course.checking`` package would load every exercise spec, ~0.2 s in every child);
- :func:`resolve` — forbidden functions that are not course code (``numpy.gradient``, autodiff
  entry points), by ``[module, qualname]``, imported before any learner code runs;
- :func:`lazy` — modules that load on first use (``matplotlib.pyplot``: setup cells import it,
  grading rarely draws), their import untraced by ``tracemalloc`` (it is not the learner's cost).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from typing import Any

__all__ = ["PausedPeak", "lazy", "load_guard", "resolve"]


class PausedPeak:
    """The traced peak of the current case from before a lazy import paused tracing (bytes)."""

    def __init__(self) -> None:
        self.bytes = 0


def lazy(names: tuple[str, ...]) -> PausedPeak:
    """Make ``names`` load on first use (``importlib.util.LazyLoader``): ``import matplotlib.pyplot
    as plt`` costs ~0.35 s of CPU, and a grading run rarely draws anything. Returns where the
    traced peak is kept while such an import runs untraced."""
    paused = PausedPeak()

    class LazyFinder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):  # noqa: ANN001, ANN201 - importlib protocol
            if name not in names or name in sys.modules:
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = importlib.util.LazyLoader(_Untraced(spec.loader, paused))
            return spec

    sys.meta_path.insert(0, LazyFinder())
    return paused


class _Untraced:
    """A loader that runs the real one with ``tracemalloc`` paused: the library's import is not
    the learner's cost, and tracing it would make it ~20 times slower."""

    def __init__(self, loader: Any, paused: PausedPeak) -> None:
        self.loader = loader
        self.paused = paused

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        import tracemalloc

        tracing = tracemalloc.is_tracing()
        if tracing:
            self.paused.bytes = max(self.paused.bytes, tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        try:
            self.loader.exec_module(module)
        finally:
            if tracing:
                tracemalloc.start()


def load_guard(pkg_dir: str) -> Any:
    """course's ``Guard``, loaded from its file alone: importing it through ``course.checking``
    would load every exercise spec and cost ~0.2 s in every child."""
    path = os.path.join(pkg_dir, "course", "checking", "guard.py")
    spec = importlib.util.spec_from_file_location("course.checking.guard", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module.Guard


def resolve(names: list) -> list:
    """The functions named ``[module, qualname]`` (not course code: numpy, autodiff libraries)
    that are forbidden; those that cannot be imported here cannot be called either."""
    found = []
    for module, qualname in names:
        try:
            obj = importlib.import_module(module)
            for part in qualname.split("."):
                obj = getattr(obj, part)
        except Exception:  # noqa: BLE001 - not installed, or hidden from the sandbox
            continue
        found.append(obj)
    return found
