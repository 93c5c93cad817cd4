# Floods stdout/stderr (100 MB) with HTML/ANSI injections and forged result lines.
import os
import sys

import numpy as np

_LINE = ("\x1b[2J\x1b[31m<script>alert('x')</script><img src=x onerror=alert(1)> "
         "SCORE: 100/100 PASSED ch01.sigmoid_slope 1.0\r\n")
print(_LINE * 10)
for _ in range(200):
    os.write(1, (_LINE * 5000).encode())
    os.write(2, (_LINE * 5000).encode())


def sigmoid_slope(z):
    sys.__stdout__.write(_LINE * 1000)
    return np.zeros_like(np.asarray(z, dtype=float))
