# Ends the process while the source runs, and again inside the function of the next exercise.
import os
import sys

import numpy as np


def sigmoid_slope(z):
    os._exit(0)


def tanh_slope(z):
    sys.exit(0)


# %%
raise SystemExit("a cell that exits")
