"""``python -m course.workspace``: copy the course into your workspace and open it in JupyterLab.

usage: python -m course.workspace [--dir DIR] [--reset CHAPTER ...] [--instructor]
                                  [--no-browser] [--port N] [--prepare-only] [-- JUPYTER ARGS]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from course.workspace.sync import sync_workspace
from course.workspace.jupyter import lab_command, write_jupyter_config

REPO = Path(__file__).resolve().parents[2]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m course.workspace", description=(
        "Copy the course's notebooks into a workspace of your own (first start, and new chapters "
        "later; your files are never overwritten) and open it in JupyterLab."))
    p.add_argument("--dir", type=Path, default=None,
                   help="your workspace folder (default: workspace/ in this clone, ignored by git)")
    p.add_argument("--reset", nargs="+", default=(), metavar="CHAPTER",
                   help="get a fresh copy of these chapters (e.g. ch02); your old copy is kept beside it")
    p.add_argument("--instructor", action="store_true",
                   help="open the repository with nbgrader's full instructor UI instead")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--port", type=int, default=None, help="the port for JupyterLab")
    p.add_argument("--prepare-only", action="store_true",
                   help="copy and configure, print the command, but do not start JupyterLab")
    p.add_argument("jupyter_args", nargs="*", help="more arguments for jupyter lab (after --)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    notebooks = REPO / "notebooks"
    if not notebooks.is_dir():
        print(f"course.workspace: no notebooks/ folder at {REPO}; run this from a clone of the "
              "course installed with pip install -e .", file=sys.stderr)
        return 2
    workspace = (args.dir or REPO / "workspace").resolve()
    try:
        done = sync_workspace(notebooks, workspace, reset=tuple(args.reset))
    except ValueError as exc:
        print(f"course.workspace: {exc}", file=sys.stderr)
        return 2
    for c in done:
        extra = f" (your previous copy: {c.backup.name})" if c.backup else ""
        print(f"  {c.chapter}: {c.action}{extra}")
    print(f"Your workspace: {workspace}")
    env = write_jupyter_config(workspace / ".jupyter", instructor=args.instructor,
                               nbgrader_config=REPO / "graders" / "nbgrader_config.py")
    root = REPO if args.instructor else workspace
    cmd = lab_command(root, port=args.port, open_browser=not args.no_browser, extra=tuple(args.jupyter_args))
    if args.prepare_only:
        print(" ".join(f"{k}={v}" for k, v in env.items()) + " " + " ".join(cmd))
        return 0
    # Become JupyterLab (no parent left behind): Ctrl-C and signals reach the server itself.
    os.chdir(root)
    os.execve(cmd[0], cmd, {**os.environ, **env})
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
