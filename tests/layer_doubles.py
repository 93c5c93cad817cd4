"""Small Layer-protocol objects that the gradcheck_layer / gradcheck_model tests share.

``Chain`` (a model of any layers), ``Square`` (a parameter-free ``x ** 2``), ``CountingLinear`` (counts
its forward calls) and ``NoneWhenWMoves`` (a forward that returns junk once W is perturbed). The tests
import them with ``from layer_doubles import ...`` (pytest puts this folder on ``sys.path``, as
``tests/`` is not a package).
"""
from __future__ import annotations

import numpy as np

from course import Linear


class Chain:
    """A model of ``layers`` (any Layer-protocol objects) with parameter keys ``"<index>.<name>"``."""

    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def parameters(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.parameters().items()}

    def gradients(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.gradients().items()}


class Square:
    """A parameter-free ``x ** 2`` for any shape of x."""

    def forward(self, x):
        self.x = x
        return x**2

    def backward(self, dout):
        return 2 * self.x * dout

    def parameters(self):
        return {}

    def gradients(self):
        return {}


class CountingLinear(Linear):
    """A reference Linear that counts its forward calls."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return super().forward(x)


class NoneWhenWMoves(Linear):
    """A reference Linear whose forward returns None once W is perturbed away from the W it was built with."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._W0 = self.W.copy()

    def forward(self, x):
        out = super().forward(x)
        return out if np.array_equal(self.W, self._W0) else None
