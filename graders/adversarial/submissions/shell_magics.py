# Shell escapes and magics: pip, a shell command, a download, a system call.
import os
import subprocess

import numpy as np

%pip install --index-url http://127.0.0.1:@@PORT@@/simple numpy
!rm -rf @@OTHER@@
!curl -s http://127.0.0.1:@@PORT@@/
os.system("pip install --index-url http://127.0.0.1:@@PORT@@/simple requests > /dev/null 2>&1")
try:
    subprocess.run(["sh", "-c", "rm -rf @@OTHER@@; echo pwned > /tmp/bpsbx-@@TAG@@"], timeout=5)
except Exception:
    pass


def sigmoid_slope(z):
    return np.zeros_like(np.asarray(z, dtype=float))
