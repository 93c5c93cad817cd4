"""Run All works on every untouched learner notebook: no error output, no stderr, and the chapter's
``check_all`` reports 0 (slow: one kernel per notebook).

This is what a learner meets on opening a chapter and pressing Run All before writing anything:
every stub raises ``NotImplementedError``, yet no cell may show an error (a demo that needs an
unfinished exercise says so and draws its picture from the reference, or waits), and the
check_all cell at the end (a probe appended here, whether or not the chapter ends with one)
reports 0 of the chapter's points.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from graders import generate as gen
from test_pipeline import CHECK_ALL_PROBE, check_all_probe, errors_in

NOTEBOOKS = sorted((gen.REPO_ROOT / "notebooks").glob("ch[0-9][0-9]_*/*.ipynb"))


def test_there_are_learner_notebooks():
    assert NOTEBOOKS, "no learner notebooks in notebooks/"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_untouched_learner_notebook_runs_top_to_bottom_without_errors(path: Path, tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    chapter = path.parent.name[:4]
    nb.cells.append(nbformat.v4.new_code_cell(CHECK_ALL_PROBE.format(chapter=chapter)))
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    bad = errors_in(nb)
    assert not bad, f"{len(bad)} error outputs in the untouched {path.parent.name}/{path.name}:\n" + "\n".join(bad)
    score, points = check_all_probe(nb)
    assert score == 0 and points > 0, f"check_all on the untouched notebook: {score}/{points}"
