"""Shared test setup.

Every test session gets its own nbgrader state directory: ``BACKPROP_COURSE_STATE`` points at a
temporary folder, so no test can write to the instructor's real gradebook (by default
``~/.cache/backprop-course``, see graders/nbgrader_config.py), and none into the repository.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _private_nbgrader_state(tmp_path_factory: pytest.TempPathFactory):
    old = os.environ.get("BACKPROP_COURSE_STATE")
    os.environ["BACKPROP_COURSE_STATE"] = str(tmp_path_factory.mktemp("nbgrader-state"))
    yield
    if old is None:
        os.environ.pop("BACKPROP_COURSE_STATE", None)
    else:
        os.environ["BACKPROP_COURSE_STATE"] = old


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (the nbgrader course directory)."""
    return REPO_ROOT
