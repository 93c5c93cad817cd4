"""Entry point of the sandbox process: ``python -I -S -B <lib>/_inside/boot.py <job.json>``.

``-I`` ignores the environment and the user's site directory, ``-S`` skips ``site`` (no ``.pth``
files, so the editable install of the real ``course`` is never on the path), ``-B`` writes no
bytecode. This script reads the job, puts the folder holding ``_inside`` and the interpreter's
own site-packages on ``sys.path`` (numpy loads before confinement, from the same paths it has
inside), and hands over to the driver.
"""
import json
import os
import sys

with open(sys.argv[1], encoding="utf-8") as _fh:
    _config = json.load(_fh)
sys.path[:] = [os.path.dirname(os.path.dirname(os.path.abspath(__file__))), *_config["site"]]

from _inside import zygote  # noqa: E402

sys.exit(zygote.main(_config))
