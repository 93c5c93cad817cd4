# Honest answers that leave processes behind: a new session, a double-forked daemon, a sleep.
import os
import subprocess
import time

import numpy as np

subprocess.Popen(["sleep", "61.@@TAG@@"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(61)
    os._exit(0)


def sigmoid_slope(z):
    s = np.asarray(z, dtype=float)
    return s * (1 - s)
