# Returns outputs too large to send back: a 200 MB array, a million-part tuple, deep nesting.
import numpy as np

_calls = [0]


def sigmoid_slope(z):
    _calls[0] += 1
    kind = _calls[0] % 3
    if kind == 0:
        return np.ones((5000, 5000))
    if kind == 1:
        return tuple(float(i) for i in range(10**6))
    out = 0.0
    for _ in range(10**5):
        out = (out,)
    return out
