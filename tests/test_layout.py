"""The package's layout stays readable: folders for parts, no import circles, no private imports.

Read statically from the source (``ast``), so the test sees every import, lazy ones included.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "course"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """``(module, names)`` for every ``import``/``from ... import`` of a ``course`` module in ``path``."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == "course":
            out.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.split(".")[0] == "course"]
    return out


def _edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for name, path in MODULES.items():
        for module, names in _imports(path):
            targets = {f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES} or {module}
            graph[name] |= {t for t in targets if t in MODULES and t != name}
    return graph


def test_there_are_no_import_circles_inside_course():
    graph = _edges()
    # The package facade course/__init__ imports lazily from everywhere and nothing imports it
    # for a name it defines, so it is left out of the search.
    graph.pop("course", None)
    for deps in graph.values():
        deps.discard("course")
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycle = path[path.index(dep):] + [dep] if dep in path else [node, dep]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_no_module_imports_another_modules_private_names():
    offenders = [f"{name}: from {module} import {n}"
                 for name, path in MODULES.items() for module, names in _imports(path)
                 for n in names if n.startswith("_") and module != name]
    assert not offenders, offenders


def test_parts_are_folders_not_name_prefixes():
    folders = {p.name for p in ROOT.rglob("*") if p.is_dir() and (p / "__init__.py").exists()}
    stems = {p.stem for p in ROOT.rglob("*.py") if p.stem != "__init__"}
    clashes = [f"{s}.py starts with {f}" for s in stems for f in folders | stems
               if s != f and s.startswith(f + "_")]
    assert not clashes, clashes


def test_the_facade_still_exports_every_public_name():
    import course

    for name in course.__all__:
        assert getattr(course, name) is not None, name
    from course.checking import check, grade  # noqa: F401 - the paths notebooks use
    from course.plots import plot_graph, plot_loss  # noqa: F401
