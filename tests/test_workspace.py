"""The learner's workspace: copied once, never overwritten, reset per chapter; a learner's Lab.

The slow test starts the real JupyterLab the README's open command starts (as the user running
the tests, root included) and reads what the browser would get.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from course.workspace import lab_command, sync_workspace, write_jupyter_config
from course.workspace.jupyter import INSTRUCTOR_PANELS

REPO = Path(__file__).resolve().parent.parent


def _course(tmp_path: Path) -> Path:
    nb = tmp_path / "notebooks"
    for ch in ("ch01_chain_rule", "ch02_jacobian"):
        (nb / ch).mkdir(parents=True)
        (nb / ch / f"{ch[5:]}.ipynb").write_text(f"course {ch} v1")
    (nb / "GLOSSARY.md").write_text("terms")
    return nb


def test_first_start_copies_every_chapter_and_later_starts_keep_the_learners_work(tmp_path):
    nb, ws = _course(tmp_path), tmp_path / "ws"
    assert [c.action for c in sync_workspace(nb, ws)] == ["copied", "copied"]
    assert (ws / "GLOSSARY.md").read_text() == "terms"
    mine = ws / "ch01_chain_rule" / "chain_rule.ipynb"
    mine.write_text("my answers")
    (nb / "ch01_chain_rule" / "chain_rule.ipynb").write_text("course ch01 v2")   # a course update
    (nb / "ch03_graphs").mkdir()
    (nb / "ch03_graphs" / "graphs.ipynb").write_text("new chapter")
    done = sync_workspace(nb, ws)
    assert [(c.chapter, c.action) for c in done] == [
        ("ch01_chain_rule", "kept"), ("ch02_jacobian", "kept"), ("ch03_graphs", "copied")]
    assert mine.read_text() == "my answers"
    assert (ws / "ch03_graphs" / "graphs.ipynb").read_text() == "new chapter"


def test_reset_gives_a_fresh_chapter_and_keeps_the_old_copy(tmp_path):
    nb, ws = _course(tmp_path), tmp_path / "ws"
    sync_workspace(nb, ws)
    (ws / "ch02_jacobian" / "jacobian.ipynb").write_text("half done")
    done = sync_workspace(nb, ws, reset=("ch02",), now=0.0)
    assert [c.action for c in done] == ["kept", "reset"]
    assert (ws / "ch02_jacobian" / "jacobian.ipynb").read_text() == "course ch02_jacobian v1"
    assert done[1].backup is not None and (done[1].backup / "jacobian.ipynb").read_text() == "half done"
    assert done[1].backup.name.startswith("ch02_jacobian.before-reset-")


def test_bad_arguments_say_what_was_expected(tmp_path):
    nb = _course(tmp_path)
    with pytest.raises(ValueError, match=r"reset: expected one of ch01_chain_rule, ch02_jacobian .*got 'ch09'"):
        sync_workspace(nb, tmp_path / "ws", reset=("ch09",))
    with pytest.raises(FileNotFoundError, match="notebooks: expected a folder of chapter folders"):
        sync_workspace(tmp_path / "nothing", tmp_path / "ws")


def test_the_learner_view_turns_instructor_parts_and_news_off(tmp_path):
    env = write_jupyter_config(tmp_path / "cfg", instructor=False)
    cfg = Path(env["JUPYTER_CONFIG_DIR"])
    server = json.loads((cfg / "jupyter_server_config.json").read_text())["ServerApp"]["jpserver_extensions"]
    assert server and not any(server.values())
    assert "nbgrader.server_extensions.validate_assignment" not in server       # Validate stays
    page = json.loads((cfg / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    assert set(page) == set(INSTRUCTOR_PANELS) and all(page.values())
    news = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / "@jupyterlab/apputils-extension/notification.jupyterlab-settings"
    assert json.loads(news.read_text()) == {"fetchNews": "false", "checkForUpdates": False}
    assert not (cfg / "nbgrader_config.py").exists()


def test_the_instructor_view_turns_them_on_with_the_course_config(tmp_path):
    env = write_jupyter_config(tmp_path / "cfg", instructor=True,
                               nbgrader_config=REPO / "graders" / "nbgrader_config.py")
    cfg = Path(env["JUPYTER_CONFIG_DIR"])
    server = json.loads((cfg / "jupyter_server_config.json").read_text())["ServerApp"]["jpserver_extensions"]
    assert all(server.values())
    assert not any(json.loads((cfg / "labconfig" / "page_config.json").read_text())["disabledExtensions"].values())
    assert str(REPO / "graders" / "nbgrader_config.py") in (cfg / "nbgrader_config.py").read_text()
    write_jupyter_config(tmp_path / "cfg", instructor=False)                     # and back
    assert not (cfg / "nbgrader_config.py").exists()


def test_lab_command_allows_root_only_as_root(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert "--allow-root" in lab_command(tmp_path)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    cmd = lab_command(tmp_path, port=8123, open_browser=False)
    assert "--allow-root" not in cmd and "--port=8123" in cmd and "--no-browser" in cmd
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in cmd


def test_the_default_workspace_is_ignored_by_git():
    probe = REPO / "workspace" / "ch01_chain_rule" / "chain_rule.ipynb"
    out = subprocess.run(["git", "check-ignore", "-q", str(probe)], cwd=REPO)
    assert out.returncode == 0, "workspace/ must be in .gitignore so saving work leaves git status clean"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_the_open_command_starts_a_learners_lab(tmp_path):
    ws = tmp_path / "ws"
    port = _free_port()
    log = tmp_path / "lab.log"
    cmd = [sys.executable, "-m", "course.workspace", "--dir", str(ws), "--no-browser", "--port", str(port),
           "--", "--IdentityProvider.token=t0ken", "--ServerApp.ip=127.0.0.1"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
        try:
            page = None
            for _ in range(120):
                time.sleep(0.5)
                try:
                    page = urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token=t0ken", timeout=5).read().decode()
                    break
                except OSError:
                    assert proc.poll() is None, log.read_text()
            assert page is not None, log.read_text()
            for panel in INSTRUCTOR_PANELS:
                assert panel in page                                      # listed as disabled
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/formgrader?token=t0ken", timeout=5)
            tree = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token=t0ken", timeout=5).read())
            assert {"ch01_chain_rule", "ch02_jacobian"} <= {item["name"] for item in tree["content"]}
        finally:
            proc.terminate()            # the launcher has become JupyterLab: this stops the server
            proc.wait(timeout=30)
    assert proc.returncode is not None
    text = "\n".join(line for line in log.read_text().splitlines()
                     if "404 GET /formgrader" not in line)              # the request this test made
    assert "WARNING" not in text and "[W " not in text and "No nbgrader_config.py" not in text, text
    assert (ws / "ch01_chain_rule").is_dir()
