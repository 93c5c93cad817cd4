"""The learner's workspace: a copy of the course notebooks that is the learner's own.

``python -m course.workspace`` (the README's open command) copies ``notebooks/`` into a
workspace folder on first start and opens it in JupyterLab. Learners never edit the tracked
``notebooks/``, so updating the course (``git pull``) never touches their work, and ``git status``
stays clean after they save (the default folder, ``workspace/`` in the clone, is git-ignored).

* :mod:`.sync` — what is copied when: every chapter on first start, new chapters after a
  course update, never over a learner's file; ``--reset CHAPTER`` gets a fresh copy of one
  chapter and keeps the old one beside it.
* :mod:`.jupyter` — how JupyterLab is started: as a learner (no news pop-up, no instructor
  panels, works as root) or, with ``--instructor``, with nbgrader's full UI on the repository.
"""
from course.workspace.sync import ChapterCopy, sync_workspace
from course.workspace.jupyter import lab_command, write_jupyter_config

__all__ = ["ChapterCopy", "sync_workspace", "lab_command", "write_jupyter_config"]
