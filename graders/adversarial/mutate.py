"""Randomly mutated notebooks for the class grader: a seeded mutator of a solution notebook.

:func:`mutants` turns one notebook (its bytes) into ``n`` submissions, each made by one
mutation drawn from :data:`KINDS` with a :class:`random.Random` seeded by ``seed`` (the same
seed gives the same bytes). Each :class:`Mutant` says what the grader owes it:

``"unreadable"``
    the file cannot be read as a notebook (truncated, corrupted, not UTF-8, not JSON, the wrong
    top level, no list of cells): the row must say so and nothing may run;
``"full"``
    the answers are untouched (the notebook itself, or mutations of cells the grader never uses:
    learner copies of setup and test cells — even an endless loop there — extra cells, outputs,
    kernel names): it must score full marks;
``"any"``
    answer cells damaged (syntax errors, swapped operators, endless loops, output floods, cells
    deleted, duplicated, reordered or retyped, metadata stripped or changed, another nbformat):
    any score from zero to full, but a row with a status.

Families of kinds (weights in :data:`KINDS`): ``bytes`` (file-level damage: cheap, nothing
runs), ``structure`` (cells and metadata), ``answer`` (edits inside answer cells) and
``honest``. Every mutation is bounded: loops end at the sandbox's wall clock, floods are capped
by it, files stay under a few MB.
"""
from __future__ import annotations

import copy
import json
import random
import re
from dataclasses import dataclass
from typing import Callable

__all__ = ["Mutant", "KINDS", "mutants", "mutate"]

Notebook = dict


@dataclass(frozen=True)
class Mutant:
    """One mutated submission: its ``name``, the ``kind`` of mutation, what the grader owes it
    (``expect``: ``"unreadable"``, ``"full"`` or ``"any"``) and the file's ``data``."""

    name: str
    kind: str
    expect: str
    data: bytes


def _answers(nb: Notebook) -> list[dict]:
    return [c for c in nb["cells"] if isinstance(c, dict)
            and (c.get("metadata", {}).get("nbgrader") or {}).get("solution") is True]


def _plain_code(nb: Notebook) -> list[dict]:
    return [c for c in nb["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"
            and not c.get("metadata", {}).get("nbgrader")]


def _src(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def _dump(nb: Notebook) -> bytes:
    return json.dumps(nb, indent=1).encode()


# --- bytes: the file is damaged; nothing of it may run -------------------------------------

def _truncate(raw: bytes, nb: Notebook, r: random.Random) -> bytes:
    return raw[: r.randrange(0, len(raw) - 2)]


def _flip_bytes(raw: bytes, nb: Notebook, r: random.Random) -> bytes:
    data = bytearray(raw)
    structural = [m.start() for m in re.finditer(rb'[{}\[\]":,]', raw)]
    data[r.choice(structural)] = r.choice(b"\x00\xff")     # invalid anywhere in JSON text
    for _ in range(r.randint(0, 7)):                           # then noise
        data[r.randrange(len(data))] = r.randrange(256)
    return bytes(data)


def _not_utf8(raw: bytes, nb: Notebook, r: random.Random) -> bytes:
    i = r.randrange(len(raw))
    return raw[:i] + bytes([r.choice([0xC3, 0xFF, 0xFE, 0x80])]) + b"\xff" + raw[i:]


def _binary(raw: bytes, nb: Notebook, r: random.Random) -> bytes:
    return bytes(r.randrange(256) for _ in range(r.randint(1, 4096)))


def _empty(raw: bytes, nb: Notebook, r: random.Random) -> bytes:
    return r.choice([b"", b" ", b"\n", b"{}", b"null", b"[]", b"0"])


def _deep_json(raw: bytes, nb: Notebook, r: random.Random) -> bytes:
    depth = r.choice([10_000, 100_000, 1_000_000])
    return b"[" * depth + b"]" * depth


def _wrong_top(raw: bytes, nb: Notebook, r: random.Random) -> bytes:
    return json.dumps(r.choice([nb["cells"], "notebook", 4, [nb], {"cells": "none"},
                                {"worksheets": "x"}, {"nbformat": 4}])).encode()


# --- structure: cells and metadata (answers may be lost) -----------------------------------

def _delete_cells(nb: Notebook, r: random.Random) -> Notebook:
    keep = [c for c in nb["cells"] if r.random() > 0.3]
    nb["cells"] = keep
    return nb


def _duplicate_cells(nb: Notebook, r: random.Random) -> Notebook:
    for _ in range(r.randint(1, 4)):
        nb["cells"].insert(r.randrange(len(nb["cells"]) + 1), copy.deepcopy(r.choice(nb["cells"])))
    return nb


def _reorder_cells(nb: Notebook, r: random.Random) -> Notebook:
    r.shuffle(nb["cells"])
    return nb


def _retype_cells(nb: Notebook, r: random.Random) -> Notebook:
    for c in r.sample(nb["cells"], k=min(len(nb["cells"]), r.randint(1, 6))):
        c["cell_type"] = r.choice(["markdown", "raw", "code", "heading", 7, None])
    return nb


def _strip_metadata(nb: Notebook, r: random.Random) -> Notebook:
    for c in nb["cells"]:
        if r.random() < 0.5:
            c.pop("metadata", None) if r.random() < 0.5 else c.get("metadata", {}).pop("nbgrader", None)
    return nb


def _alter_metadata(nb: Notebook, r: random.Random) -> Notebook:
    pool = list({id(c): c for c in _answers(nb) + [c for c in nb["cells"] if c.get("metadata")]}.values())
    for c in r.sample(pool, k=3):
        choice = r.randrange(5)
        meta = c.setdefault("metadata", {})
        if choice == 0:
            c["metadata"] = r.choice(["nbgrader", ["x"], 3, None])
        elif choice == 1 and isinstance(meta.get("nbgrader"), dict):
            meta["nbgrader"]["schema_version"] = r.choice([1, 2, 4, "3", None])
        elif choice == 2 and isinstance(meta.get("nbgrader"), dict):
            meta["nbgrader"]["grade_id"] = r.choice(["", "renamed", 42, None])
        elif choice == 3:
            meta["nbgrader"] = r.choice(["solution", [True], 0])
        elif isinstance(meta.get("nbgrader"), dict):
            meta["nbgrader"]["solution"] = not meta["nbgrader"].get("solution", False)
    return nb


def _wrong_format(nb: Notebook, r: random.Random) -> Notebook:
    choice = r.randrange(4)
    if choice == 0:
        nb["nbformat"] = r.choice([3, 5, "4", None, 99])
    elif choice == 1:                         # an nbformat 3 file: worksheets, input instead of source
        cells = [dict(c, input=c.pop("source")) if c.get("cell_type") == "code" else c for c in nb.pop("cells")]
        nb["worksheets"], nb["nbformat"] = [{"cells": cells}], 3
    elif choice == 2:
        nb["metadata"] = r.choice(["python", [1, 2], None])
    else:
        nb["metadata"]["kernelspec"] = {"name": r.choice(["ir", "julia-1.9", "bash"]), "language": "R"}
    return nb


def _source_types(nb: Notebook, r: random.Random) -> Notebook:
    for c in r.sample(nb["cells"], k=min(len(nb["cells"]), 4)):
        c["source"] = r.choice([None, 17, {"a": 1}, [1, 2], ["ok", 3]])
    return nb


# --- answer: edits inside answer cells -----------------------------------------------------

_SWAPS = [("+", "-"), ("-", "+"), ("*", "/"), ("/", "*"), ("**", "*"), ("1", "2"), ("<", ">"),
          ("return ", "return -"), ("(", "(("), (":", "")]


def _answer_edit(nb: Notebook, r: random.Random) -> Notebook:
    cells = _answers(nb)
    for c in r.sample(cells, k=r.randint(1, len(cells))):
        s = _src(c)
        choice = r.randrange(7)
        if choice == 0:                                        # a syntax error
            i = r.randrange(len(s) + 1)
            s = s[:i] + r.choice(["def (", ")))", "\n  return\n x = ", "\t\tif", "@@"]) + s[i:]
        elif choice == 1:                                      # a swapped operator
            old, new = r.choice(_SWAPS)
            spots = [m.start() for m in re.finditer(re.escape(old), s)]
            if spots:
                i = r.choice(spots)
                s = s[:i] + new + s[i + len(old):]
        elif choice == 2:                                      # an endless loop, in the cell or the function
            s = r.choice(["while True:\n    pass\n" + s,
                          s.replace('"""\n', '"""\n    while True:\n        try:\n            pass\n'
                                    '        except BaseException:\n            pass\n', 1)])
        elif choice == 3:                                      # a huge output
            s = r.choice(["print('x' * 50_000_000)\n", "for _ in range(10**6):\n    print('spam' * 20)\n"]) + s
        elif choice == 4:                                      # a line deleted
            lines = s.split("\n")
            del lines[r.randrange(len(lines))]
            s = "\n".join(lines)
        elif choice == 5:                                      # the stub's answer
            s = re.sub(r'("""[\s\S]*?""")[\s\S]*', r'\1\n    raise NotImplementedError()\n', s, count=1)
        else:                                                  # a raise in the cell
            s = s + "\nraise RuntimeError('learner cell')\n"
        c["source"] = s
    return nb


# --- honest: the answers stand; only what the grader never uses changes --------------------

def _untouched(nb: Notebook, r: random.Random) -> Notebook:
    return nb


def _plain_cells_hostile(nb: Notebook, r: random.Random) -> Notebook:
    """The learner's copies of setup and check cells are never run by the grader (it takes them
    from the release), so an endless loop or a crash in them costs nothing."""
    for c in r.sample(_plain_code(nb), k=3):
        c["source"] = r.choice(["while True:\n    pass\n", "import os\nos._exit(3)\n", "raise SystemExit\n",
                                "print('x' * 10**8)\n", _src(c) + "\n1/0\n"])
    return nb


def _cosmetic(nb: Notebook, r: random.Random) -> Notebook:
    choice = r.randrange(4)
    if choice == 0:
        nb["cells"].insert(r.randrange(len(nb["cells"])), {"cell_type": "markdown", "metadata": {},
                                                           "source": "my notes ```python\nwhile True: pass```"})
    elif choice == 1:
        for c in nb["cells"]:
            if c.get("cell_type") == "code":
                c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "\x1b[31mforged 10/10"}]
                c["execution_count"] = r.randint(1, 99)
    elif choice == 2:
        nb["metadata"]["kernelspec"]["display_name"] = "Python 3.12 (my env)"
        nb["nbformat_minor"] = r.choice([0, 1, 4, 5])
    else:
        nb["metadata"]["widgets"] = {"state": {}, "version": "2.0"}
    return nb


#: kind -> (family, weight, function, what the grader owes it)
KINDS: dict[str, tuple[str, float, Callable, str]] = {
    "truncate": ("bytes", 3, _truncate, "unreadable"),
    "flip_bytes": ("bytes", 2, _flip_bytes, "unreadable"),
    "not_utf8": ("bytes", 1, _not_utf8, "unreadable"),
    "binary": ("bytes", 1, _binary, "unreadable"),
    "empty": ("bytes", 1, _empty, "unreadable"),
    "deep_json": ("bytes", 0.5, _deep_json, "unreadable"),
    "wrong_top": ("bytes", 1, _wrong_top, "unreadable"),
    "delete_cells": ("structure", 1, _delete_cells, "any"),
    "duplicate_cells": ("structure", 1, _duplicate_cells, "any"),
    "reorder_cells": ("structure", 1, _reorder_cells, "any"),
    "retype_cells": ("structure", 1, _retype_cells, "any"),
    "strip_metadata": ("structure", 1, _strip_metadata, "any"),
    "alter_metadata": ("structure", 1, _alter_metadata, "any"),
    "wrong_format": ("structure", 1, _wrong_format, "any"),
    "source_types": ("structure", 0.5, _source_types, "any"),
    "answer_edit": ("answer", 3, _answer_edit, "any"),
    "untouched": ("honest", 1, _untouched, "full"),
    "plain_cells_hostile": ("honest", 1, _plain_cells_hostile, "full"),
    "cosmetic": ("honest", 1, _cosmetic, "full"),
}


def mutate(raw: bytes, kind: str, r: random.Random) -> bytes:
    """``raw`` (a notebook's bytes) after one mutation of ``kind`` drawn with ``r``."""
    if kind not in KINDS:
        raise ValueError(f"mutation kind: expected one of {sorted(KINDS)}, got {kind!r}")
    family, _, fn, _ = KINDS[kind]
    nb = json.loads(raw)
    if family == "bytes":
        return fn(raw, nb, r)
    return _dump(fn(nb, r))


def mutants(raw: bytes, n: int, seed: int, *, weights: dict[str, float] | None = None) -> list[Mutant]:
    """``n`` mutants of the notebook ``raw``, the same for the same ``seed``.

    ``weights`` (family -> factor, default 1) rescales the families of :data:`KINDS`, e.g.
    ``{"answer": 0}`` for no answer edits.
    """
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"n: expected a non-negative integer, got {n!r}")
    weights = weights or {}
    unknown = set(weights) - {f for f, *_ in KINDS.values()}
    if unknown:
        raise ValueError(f"weights: unknown families {sorted(unknown)}; expected bytes, structure, answer, honest")
    kinds = list(KINDS)
    w = [KINDS[k][1] * weights.get(KINDS[k][0], 1.0) for k in kinds]
    r = random.Random(seed)
    out = []
    for i in range(n):
        kind = r.choices(kinds, w)[0]
        out.append(Mutant(f"m{i:04d}-{kind}", kind, KINDS[kind][3], mutate(raw, kind, random.Random(r.random()))))
    return out
