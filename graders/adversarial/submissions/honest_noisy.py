# Honest answers with habits that must not cost points: prints, warnings, in-place updates of
# the input, a list instead of an array, matplotlib imported, a module-level cell that fails.
import warnings

import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: F401

print("debugging output in the answer cell")
# %%
raise RuntimeError("a failing cell does not stop the next one")
# %%


def sigmoid_slope(s):
    print("s is", s)
    warnings.warn("a warning from the learner")
    s = np.array(s, dtype=float)
    s *= (1 - s)
    return s


def tanh_slope(t):
    t = np.asarray(t, dtype=float)
    out = [1 - v ** 2 for v in t.ravel()]
    return np.array(out).reshape(t.shape) if t.ndim else float(out[0])
