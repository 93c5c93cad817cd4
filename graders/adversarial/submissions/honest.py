# An honest submission: the control. Every case right, nothing else.
def sigmoid_slope(s):
    return s * (1 - s)


def tanh_slope(t):
    return 1 - t**2
