"""1 000 randomly mutated chapter 1 notebooks through the class grader, in the real sandbox.

The mutants (:mod:`graders.adversarial.mutate`, seed fixed) go through
:func:`graders.grade.batch.grade_class` as one class: every one must get exactly one row in
``grades.csv`` and a feedback file, with a status (never ``grader error``); unreadable files must be
called unreadable; the notebooks whose answers are untouched must score full; the batch ends.

What keeps it affordable for CI: the release is chapter 1 cut down to one graded exercise
(``sigmoid_slope``), so a submission that runs costs one sandbox start and one exercise child;
tight limits make an endless loop cost at most 3 s; and the mix leans on file-level damage, which
the grader rejects before anything runs (:data:`CI_WEIGHTS`: 892 of the 1 000 are unreadable,
108 run in the sandbox). Measured on the 2-core machine shared with other jobs (load 5-7):
62-77 s of grading, 72-92 s for this file. ``BACKPROP_FUZZ_WEIGHTS=default`` runs the unweighted
mix (442 unreadable, 535 sandbox runs): 691 s of grading at load 12.
"""
from __future__ import annotations

import csv
import io
import json
import os
import random
from collections import Counter
from pathlib import Path

import pytest

sandbox = pytest.importorskip("graders.sandbox")

from graders.adversarial.mutate import KINDS, mutants, mutate  # noqa: E402
from graders.grade.batch import grade_class  # noqa: E402
from graders.grade.notebook import parse  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CHAPTER = "ch01_chain_rule"
KEEP = "ch01.sigmoid_slope"
N = 1000
SEED = 20261202
CI_WEIGHTS = {"bytes": 1.0, "structure": 0.1, "answer": 0.1, "honest": 0.1}
STATUSES = {"ok", "notes", "unreadable", "timeout", "memory", "crashed", "output-limit", "protocol-error"}
NAMESPACES = bool(getattr(sandbox.available_mode(), "namespaces", False))


def _solution() -> bytes:
    return (REPO / "solutions" / CHAPTER / "chain_rule.ipynb").read_bytes()


def _one_exercise_release(folder: Path) -> Path:
    """The chapter 1 release with every grade cell but ``KEEP``'s removed."""
    nb = json.loads((REPO / "notebooks" / CHAPTER / "chain_rule.ipynb").read_text())
    kept = []
    for cell in nb["cells"]:
        nbg = cell.get("metadata", {}).get("nbgrader", {})
        if nbg.get("grade") and KEEP not in "".join(cell["source"]):
            continue
        kept.append(cell)
    nb["cells"] = kept
    (folder / CHAPTER).mkdir(parents=True)
    (folder / CHAPTER / "chain_rule.ipynb").write_text(json.dumps(nb))
    return folder


def test_the_mutator_is_seeded_and_each_family_does_what_it_says():
    raw = _solution()
    a, b = mutants(raw, 60, 7), mutants(raw, 60, 7)
    assert [m.data for m in a] == [m.data for m in b]
    assert [m.data for m in a] != [m.data for m in mutants(raw, 60, 8)]
    for kind, (family, *_rest, expect) in KINDS.items():
        for k in range(8):
            data = mutate(raw, kind, random.Random(k))
            nb = parse(data)
            if expect == "unreadable":
                assert nb.fatal, (kind, k)
            else:
                assert nb.fatal is None and data != raw or kind == "untouched", (kind, k)
    with pytest.raises(ValueError, match="expected one of"):
        mutate(raw, "nonsense", random.Random(0))
    with pytest.raises(ValueError, match="unknown families"):
        mutants(raw, 3, 0, weights={"bites": 1})


def test_metadata_mutations_survive_a_cell_drawn_twice():
    """Regression: a cell drawn twice, its metadata already replaced by a non-dict, broke the mutator."""
    raw = _solution()
    for k in range(200):
        parse(mutate(raw, "alter_metadata", random.Random(k)))


def test_a_thousand_mutants_one_row_each(tmp_path):
    weights = None if os.environ.get("BACKPROP_FUZZ_WEIGHTS") == "default" else CI_WEIGHTS
    subs = tmp_path / "subs"
    subs.mkdir()
    made = mutants(_solution(), N, SEED, weights=weights)
    for m in made:
        (subs / f"{m.name}.ipynb").write_bytes(m.data)
    limits = sandbox.Limits(wall_seconds=3.0, cpu_seconds=2.0, case_seconds=1.0, memory_mb=768)
    run = grade_class(CHAPTER, subs, tmp_path / "out", jobs=2, notebooks=_one_exercise_release(tmp_path / "rel"),
                      limits=limits, secret=b"fuzz", require_namespaces=NAMESPACES)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "grades.csv").read_text())))
    students = [r["student"] for r in rows if r["student"] and not r["student"].startswith("#")]
    assert sorted(students) == sorted(m.name for m in made), "not exactly one row per submission"
    by = {r.student: r for r in run.results}
    assert len(by) == N == len(run.results)
    assert {r.status for r in run.results} <= STATUSES, Counter(r.status for r in run.results)
    assert len(list((tmp_path / "out" / "feedback").glob("*.json"))) == N
    wrong = []
    for m in made:
        r = by[m.name]
        if m.expect == "unreadable" and r.status != "unreadable":
            wrong.append((m.name, "expected unreadable", r.status, r.messages[:2]))
        if m.expect == "full" and r.total != r.max:
            wrong.append((m.name, "expected full", r.status, r.total, r.max, r.messages[:2]))
        if m.expect != "full" and r.status == "unreadable" and r.total:
            wrong.append((m.name, "unreadable with points", r.total))
    assert not wrong, wrong[:10]
    expects = Counter(m.expect for m in made)
    assert expects["full"] >= 20 and expects["any"] >= 70 and expects["unreadable"] >= 300, expects
    ran = sum(1 for r in run.results if r.isolation)
    log = (tmp_path / "out" / "grade.log").read_text()
    print(f"\n{N} mutants: {dict(expects)}; statuses {dict(Counter(r.status for r in run.results))}; "
          f"{ran} ran in the sandbox; {run.wall:.1f} s wall")
    assert "grader error" not in log
