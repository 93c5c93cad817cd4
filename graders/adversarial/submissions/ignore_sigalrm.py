# Ignores SIGALRM (the in-process time limit) and loops for ever.
import signal

signal.signal(signal.SIGALRM, signal.SIG_IGN)


def sigmoid_slope(z):
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        pass
