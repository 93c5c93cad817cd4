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


def sigmoid_prime(z):
    print("z is", z)
    warnings.warn("a warning from the learner")
    z = np.asarray(z, dtype=float)
    s = 1 / (1 + np.exp(-z))
    s *= (1 - s)
    return s


def tanh_prime(z):
    z = np.asarray(z, dtype=float)
    out = [1 - np.tanh(v) ** 2 for v in z.ravel()]
    return np.array(out).reshape(z.shape) if z.ndim else float(out[0])
