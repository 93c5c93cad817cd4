"""How JupyterLab is started on a workspace: the learner's view, or the instructor's.

Both views run the same ``jupyter lab`` with a configuration folder of their own
(``JUPYTER_CONFIG_DIR``, ``JUPYTERLAB_SETTINGS_DIR``), written by :func:`write_jupyter_config`
into ``<workspace>/.jupyter``, so nothing in the user's ``~/.jupyter`` or the environment is
changed:

* **learner**: JupyterLab's news pop-up and update check are off; nbgrader's instructor parts
  (formgrader, the course and assignment lists, Create Assignment) are off, server side and in
  the browser; its Validate button stays. The root folder is the workspace.
* **instructor** (``--instructor``): nbgrader's full UI, with the course's
  ``graders/nbgrader_config.py`` loaded, on the repository root.

Running as root (Docker, cloud VMs) adds ``--allow-root``, which JupyterLab otherwise demands.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

__all__ = ["INSTRUCTOR_PANELS", "lab_command", "write_jupyter_config"]

# nbgrader's parts that only an instructor uses: server extensions and JupyterLab plugins.
INSTRUCTOR_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
)
INSTRUCTOR_PANELS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:menu",          # the "Nbgrader" menu, empty without the panels above
)
_NO_NEWS = {"fetchNews": "false", "checkForUpdates": False}


def write_jupyter_config(config_dir: Path, *, instructor: bool, nbgrader_config: Path | None = None) -> dict[str, str]:
    """Write the configuration of one view into ``config_dir``; return the environment to use.

    Parameters
    ----------
    config_dir : Path
        A folder of the launcher's own (``<workspace>/.jupyter``); created if missing.
    instructor : bool
        The instructor's view (nbgrader's full UI) instead of the learner's.
    nbgrader_config : Path, optional
        The course's ``graders/nbgrader_config.py``, loaded in the instructor's view.

    Returns
    -------
    dict
        ``JUPYTER_CONFIG_DIR`` and ``JUPYTERLAB_SETTINGS_DIR`` for the ``jupyter lab`` process.
    """
    config_dir = Path(config_dir)
    settings = config_dir / "lab-user-settings"
    (config_dir / "labconfig").mkdir(parents=True, exist_ok=True)
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(json.dumps(_NO_NEWS, indent=2))
    off = not instructor
    server = {"ServerApp": {"jpserver_extensions": {name: not off for name in INSTRUCTOR_SERVER_EXTENSIONS}}}
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(server, indent=2))
    page = {"disabledExtensions": {name: off for name in INSTRUCTOR_PANELS}}
    (config_dir / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=2))
    nbgrader = config_dir / "nbgrader_config.py"
    if instructor and nbgrader_config is not None:
        nbgrader.write_text("# Written by python -m course.workspace --instructor: the course's own config.\n"
                            f"load_subconfig({str(Path(nbgrader_config).resolve())!r})\n")
    elif nbgrader.exists():
        nbgrader.unlink()
    return {"JUPYTER_CONFIG_DIR": str(config_dir), "JUPYTERLAB_SETTINGS_DIR": str(settings)}


def lab_command(root_dir: Path, *, port: int | None = None, open_browser: bool = True,
                extra: tuple[str, ...] = ()) -> list[str]:
    """The ``jupyter lab`` command line for ``root_dir`` (``--allow-root`` when run as root)."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={Path(root_dir).resolve()}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    if port is not None:
        cmd.append(f"--port={int(port)}")
    if not open_browser:
        cmd.append("--no-browser")
    return cmd + list(extra)
