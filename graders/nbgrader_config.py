"""nbgrader configuration of the course (read by ``python -m graders`` and by nbgrader itself).

The repository is the nbgrader course directory: ``solutions/`` holds the source notebooks
(solutions and hidden tests), ``notebooks/`` the generated learner notebooks, one assignment per
chapter folder (``solutions/ch01_chain_rule/chain_rule.ipynb`` ->
``notebooks/ch01_chain_rule/chain_rule.ipynb``).

The gradebook database is never kept in the repository (which student code can see): it lives
in ``$BACKPROP_COURSE_STATE`` if that is set, else in ``$XDG_CACHE_HOME/backprop-course`` (by
default ``~/.cache/backprop-course``).

To use the nbgrader command line directly, point it at this file, e.g.
``nbgrader generate_assignment ch01_chain_rule --JupyterApp.config_file=graders/nbgrader_config.py``
(nbgrader has no ``--config`` option: it would print "Unrecognized alias" and use its defaults).
"""
import os
from pathlib import Path

c = get_config()  # noqa: F821 - injected by traitlets when it loads this file

_ROOT = Path(__file__).resolve().parent.parent
_STATE = Path(os.environ.get("BACKPROP_COURSE_STATE")
              or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "backprop-course")

c.CourseDirectory.root = str(_ROOT)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.db_url = f"sqlite:///{_STATE / 'gradebook.db'}"
c.CourseDirectory.course_id = "backprop-course"

# The learner's stub (nbgrader's default, spelled out here so it is easy to find).
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
# A notebook runs in seconds; a generous per-cell limit still ends an endless loop.
c.Execute.timeout = 120
