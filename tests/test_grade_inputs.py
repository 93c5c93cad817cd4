"""The class grader's input side: seeds, lenient notebook parsing, discovery, answer extraction."""
from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from graders.grade.discover import discover, safe_id
from graders.grade.extract import build_program, load_release
from graders.grade.notebook import parse
from graders.grade.seeds import SECRET_ENV, case_seed, course_secret

REPO = Path(__file__).resolve().parent.parent
CH01 = "ch01_chain_rule"


# -- seeds -------------------------------------------------------------------------------------
def test_seeds_differ_per_student_exercise_and_case_and_repeat_exactly():
    s = b"course secret"
    base = case_seed(s, "ada", "ch01.sigmoid_slope", 0)
    assert base == case_seed(s, "ada", "ch01.sigmoid_slope", 0)
    others = {case_seed(s, "bob", "ch01.sigmoid_slope", 0), case_seed(s, "ada", "ch01.tanh_slope", 0),
              case_seed(s, "ada", "ch01.sigmoid_slope", 1), case_seed(b"other", "ada", "ch01.sigmoid_slope", 0)}
    assert base not in others and len(others) == 4
    assert 0 <= base < 2**64


def test_secret_comes_from_env_or_a_private_file_made_once(tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    first = course_secret(tmp_path)
    path = tmp_path / "course_secret"
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert course_secret(tmp_path) == first and len(first) >= 32
    assert not str(path.resolve()).startswith(str(REPO))
    monkeypatch.setenv(SECRET_ENV, "from-env")
    assert course_secret(tmp_path) == b"from-env"


def test_seed_rejects_an_empty_secret():
    with pytest.raises(TypeError, match="secret"):
        case_seed(b"", "ada", "ch01.x", 0)


# -- parsing never raises ----------------------------------------------------------------------
def _nb(cells, **top):
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells, **top}).encode()


@pytest.mark.parametrize("data, fragment", [
    (b"", "empty"),
    (b'{"cells": [', "not valid JSON"),
    (bytes(range(256)) * 10, "not UTF-8"),
    (b"[" * 100000 + b"]" * 100000, "nested too deeply"),
    (b"[1, 2]", "not a notebook"),
    (json.dumps({"nbformat": 4, "cells": "no"}).encode(), "no list of cells"),
    (json.dumps({"nbformat": 4, "cells": [1, "x", None]}).encode(), "no readable cells"),
])
def test_malformed_files_are_fatal_with_a_reason(data, fragment):
    nb = parse(data)
    assert nb.fatal is not None and fragment in nb.fatal


def test_odd_but_readable_notebooks_parse_with_problems_listed():
    cell = {"cell_type": "code", "source": ["def f(x):\n", "    return x\n"],
            "metadata": {"nbgrader": {"grade_id": "a-solution", "solution": True, "schema_version": 1}}}
    nb = parse(_nb([cell, {"cell_type": "code", "source": "x", "metadata": "oops"},
                    {"cell_type": "code", "source": 5}, {"cell_type": "markdown", "source": "m",
                                                          "metadata": {"nbgrader": ["list"]}}],
                   nbformat=5, metadata="strange"))
    assert nb.fatal is None
    assert [c.role for c in nb.cells] == ["solution", "plain", "plain"]
    assert nb.cells[0].source == "def f(x):\n    return x\n"
    text = " ".join(nb.problems)
    for fragment in ("nbformat 5", "schema version 1", "metadata is a str", "source is not text",
                     "nbgrader metadata is a list", "notebook metadata is a str"):
        assert fragment in text


def test_nbformat_3_worksheets_are_read():
    raw = {"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "code", "input": "y = 1", "metadata": {}}]}]}
    nb = parse(json.dumps(raw).encode())
    assert nb.fatal is None and nb.cells[0].source == "y = 1"


# -- discovery ---------------------------------------------------------------------------------
def test_a_folder_of_student_notebooks(tmp_path):
    (tmp_path / "ada.ipynb").write_text("{}")
    (tmp_path / "bob smith.ipynb").write_text("{}")
    (tmp_path / "notes.txt").write_text("not a notebook")
    subs = discover(tmp_path, CH01, "chain_rule.ipynb")
    assert [s.student for s in subs] == ["ada", "bob_smith"]
    assert all(s.data == b"{}" and len(s.sha256) == 64 for s in subs)


def test_the_nbgrader_submitted_layout(tmp_path):
    for student in ("ada", "bob", "cy"):
        (tmp_path / "submitted" / student / CH01).mkdir(parents=True)
    (tmp_path / "submitted" / "ada" / CH01 / "chain_rule.ipynb").write_text("{}")
    (tmp_path / "submitted" / "ada" / CH01 / "scratch.ipynb").write_text("{ }")
    (tmp_path / "submitted" / "bob" / CH01 / "renamed.ipynb").write_text("{}")
    (tmp_path / "submitted" / "dee" / "ch02_jacobian").mkdir(parents=True)
    subs = {s.student: s for s in discover(tmp_path, CH01, "chain_rule.ipynb")}
    assert set(subs) == {"ada", "bob", "cy"}            # dee handed in another chapter only
    assert subs["ada"].origin.endswith("chain_rule.ipynb") and "ignored" in subs["ada"].note
    assert "renamed.ipynb" in subs["bob"].note
    assert subs["cy"].data is None and "no notebook" in subs["cy"].error
    assert {s.student for s in discover(tmp_path / "submitted", CH01, "chain_rule.ipynb")} == set(subs)


def test_an_lms_zip_is_read_in_memory(tmp_path):
    path = tmp_path / "class.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("lovelaceada_1234_5678_chain_rule.ipynb", "{}")
        zf.writestr("Bob Byte_42_assignsubmission_file_/chain_rule.ipynb", "{}")
        zf.writestr("cy.ipynb", "{}")
        zf.writestr("__MACOSX/._cy.ipynb", "junk")
        zf.writestr("../evil.ipynb", "{}")
    subs = discover(path, CH01, "chain_rule.ipynb")
    assert {s.student for s in subs} == {"lovelaceada", "Bob_Byte", "cy", "evil"}
    assert not (tmp_path.parent / "evil.ipynb").exists()


def test_duplicate_ids_stay_separate_rows_and_bad_paths_are_refused(tmp_path):
    (tmp_path / "a b.ipynb").write_text("{}")
    (tmp_path / "a_b.ipynb").write_text("{}")
    assert [s.student for s in discover(tmp_path, CH01, "x.ipynb")] == ["a_b", "a_b-2"]
    with pytest.raises(FileNotFoundError):
        discover(tmp_path / "nope", CH01, "x.ipynb")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ValueError, match="folder or a .zip"):
        discover(tmp_path / "file.txt", CH01, "x.ipynb")
    assert safe_id("../../etc/passwd") == "etc_passwd"


# -- extraction --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def release():
    return load_release(CH01, REPO / "notebooks")


def _solution_cells():
    return json.loads((REPO / "solutions" / CH01 / "chain_rule.ipynb").read_text())


def test_release_structure_maps_exercises_to_functions(release):
    assert ("ch01.central_difference", "central_difference") in [(s.exercise, s.function) for s in release.slots]
    assert all(s.solution_id.endswith("-solution") for s in release.slots)
    setup = "\n".join(code for _, code in release.setup)
    assert "from course" in setup and "plt." not in setup and "matplotlib" not in setup


def test_only_the_learners_answer_cells_are_taken(release):
    nb = _solution_cells()
    for cell in nb["cells"]:   # the learner edits a test cell and a setup cell: neither is used
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade"):
            cell["source"] = "_report = 'forged'\n8.0"
        elif cell["cell_type"] == "code" and not meta:
            cell["source"] = "LEARNER_SETUP = 1"
    program = build_program(release, parse(json.dumps(nb).encode()))
    text = "\n".join(code for _, code in program.cells)
    assert "forged" not in text and "LEARNER_SETUP" not in text
    assert "def central_difference" in text and not program.missing


def test_duplicated_deleted_retyped_and_stripped_answer_cells(release):
    nb = _solution_cells()
    cells = nb["cells"]
    ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id"): i for i, c in enumerate(cells)}
    dup = dict(cells[ids["ch01-central_difference-solution"]])
    dup["source"] = "def central_difference(f, x, h):\n    return 'second copy'\n"
    cells.append(dup)                                                     # duplicated: last wins
    cells[ids["ch01-chain_rule_derivative-solution"]]["cell_type"] = "markdown"   # retyped: not run
    cells[ids["ch01-sigmoid_slope-solution"]]["metadata"] = {}            # stripped: found by name
    del cells[ids["ch01-two_path_derivative-solution"]]                            # deleted
    program = build_program(release, parse(json.dumps(nb).encode()))
    text = "\n".join(code for _, code in program.cells)
    notes = " ".join(program.notes)
    assert "second copy" in text and "appears 2 times" in notes
    assert "changed to a markdown cell" in notes and "ch01-chain_rule_derivative-solution" in program.missing
    assert "lost its nbgrader metadata" in notes and "def sigmoid_slope" in text
    assert "ch01-two_path_derivative-solution" in program.missing and "missing (deleted?)" in notes
