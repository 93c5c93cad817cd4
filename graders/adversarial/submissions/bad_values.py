# Returns what is not a right answer in every way a value can be wrong.
import numpy as np

_n = [0]


class Raises:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no array for you")

    def __float__(self):
        raise RuntimeError("no float either")


def sigmoid_slope(z):
    _n[0] += 1
    z = np.asarray(z, dtype=float)
    return [np.full_like(z, np.nan), Raises(), z.astype(np.int64), z.astype(complex),
            np.array(["a"] * z.size).reshape(z.shape), np.full_like(z, np.inf), {1: 2},
            object()][_n[0] % 8]
