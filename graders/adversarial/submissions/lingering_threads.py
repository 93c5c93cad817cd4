# Honest answers that start non-daemon threads which never end.
import threading
import time

import numpy as np


def _spin():
    while True:
        time.sleep(0.01)


for _ in range(3):
    threading.Thread(target=_spin, daemon=False).start()


_started = []


def sigmoid_slope(z):
    if not _started:
        _started.append(threading.Thread(target=_spin))
        _started[0].start()
    s = np.asarray(z, dtype=float)
    return s * (1 - s)
