"""The adversarial suite graded as one class: every hostile submission of graders/adversarial/ as a
chapter 1 notebook, through the class grader (:func:`graders.grade.batch.grade_class`).

Required of the batch: every submission gets exactly one row (never ``grader error``); no attack
gains more than its real answers deserve on the exercises it answers; the honest ones score full;
and, looked at after the whole batch, no process survives, nothing is written outside, no
connection reaches the listener on 127.0.0.1. The release is chapter 1 cut down to the two
exercises the attacks answer (so a submission costs one sandbox start and two exercise children).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from graders.adversarial.catalog import ATTACKS, public_table, render
from graders.adversarial.measure import attack_bait, connections, host_world, survivors, written_outside
from graders.sandbox import Limits, available_mode

REPO = Path(__file__).resolve().parents[1]
NAMESPACES = available_mode().namespaces

CHAPTER = "ch01_chain_rule"
GRADED = ("ch01.sigmoid_slope", "ch01.tanh_slope")
BATCH = Limits(wall_seconds=4, cpu_seconds=4, case_seconds=2, memory_mb=768, result_mb=32)


def _notebook(source: str) -> bytes:
    """The chapter 1 solution notebook with the attack's cells (``# %%``) as its first answer cells."""
    nb = json.loads((REPO / "solutions" / CHAPTER / "chain_rule.ipynb").read_text())
    answers = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    chunks = [c for c in source.split("\n# %%") if c.strip()]
    assert len(chunks) <= len(answers)
    for cell, chunk in zip(answers, chunks + ["pass\n"] * (len(answers) - len(chunks))):
        cell["source"] = chunk
    return json.dumps(nb).encode()


def _release(folder: Path) -> Path:
    """Chapter 1's release with the grade cells of ``GRADED`` only (what the attacks answer)."""
    nb = json.loads((REPO / "notebooks" / CHAPTER / "chain_rule.ipynb").read_text())
    nb["cells"] = [c for c in nb["cells"] if not c.get("metadata", {}).get("nbgrader", {}).get("grade")
                   or any(g in "".join(c["source"]) for g in GRADED)]
    (folder / CHAPTER).mkdir(parents=True)
    (folder / CHAPTER / "chain_rule.ipynb").write_text(json.dumps(nb))
    return folder


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """Every attack as one student's notebook, graded as one class (two at a time), with one tag
    and one listener for the whole batch; what was left behind is looked at after the batch."""
    if not NAMESPACES:
        pytest.skip("this machine cannot make Linux namespaces: the attacks are not run")
    from graders.grade.batch import grade_class
    base = tmp_path_factory.mktemp("adversarial-class")
    world = host_world(base)
    gradebook = world["gradebook"]
    one = attack_bait(world, base / "jobs", public_table())
    values = one["values"]
    subs = base / "subs"
    subs.mkdir()
    for attack in ATTACKS:
        (subs / f"{attack.name}.ipynb").write_bytes(_notebook(render(attack.name, values)))
    old = os.environ.get("BACKPROP_COURSE_STATE")
    os.environ["BACKPROP_COURSE_STATE"] = str(gradebook.parent)
    try:
        run_ = grade_class(CHAPTER, subs, base / "out", jobs=2, notebooks=_release(base / "release"),
                           limits=BATCH, secret=b"adversarial")
    finally:
        if old is None:
            os.environ.pop("BACKPROP_COURSE_STATE", None)
        else:
            os.environ["BACKPROP_COURSE_STATE"] = old
    got = {"run": run_, "out": base / "out", "survivors": survivors(one),
           "written": written_outside(world, one), "connections": connections(one)}
    one["tcp"].close()
    one["udp"].close()
    return got


def test_every_attack_gets_one_row_and_no_more_points_in_the_class_grader(graded_class):
    run_ = graded_class["run"]
    rows = (graded_class["out"] / "grades.csv").read_text().splitlines()[1:]
    assert sorted(r.split(",")[0] for r in rows) == sorted(a.name for a in ATTACKS)
    by = {r.student: r for r in run_.results}
    assert "grader error" not in {r.status for r in run_.results}
    too_many, too_few = [], []
    for attack in ATTACKS:
        r = by[attack.name]
        mine = [e for e in r.exercises if e.exercise in attack.exercises]     # the others stay unanswered
        assert len(mine) == len(attack.exercises) and all(e.status for e in r.exercises)
        share = sum(e.score for e in mine) / sum(e.points for e in mine)
        if share > attack.max_score + 1e-9:
            too_many.append((attack.name, r.total, r.max, r.status))
        if attack.min_score == 1.0 and share < 1.0:
            too_few.append((attack.name, r.total, r.max, r.status, r.messages[:3],
                            [(e.exercise, e.status, e.message) for e in r.exercises if e.score < e.points]))
    assert not too_many, too_many
    assert not too_few, too_few


def test_the_class_batch_leaves_nothing_behind(graded_class):
    assert graded_class["survivors"] == []
    assert graded_class["written"] == []
    assert graded_class["connections"] == 0
