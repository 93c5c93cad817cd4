# An honest submission: the control. Every case right, nothing else.
import numpy as np
from course import sigmoid


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


def tanh_prime(z):
    t = np.tanh(z)
    return 1 - t**2
