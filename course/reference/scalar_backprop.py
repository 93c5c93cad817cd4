"""Backpropagation by hand on small scalar graphs and a 2-2-1 network (chapter 3).

Every function here fills a graph in backwards, node by node, with the rule
``downstream = local gradient x upstream gradient``, and returns every intermediate gradient in
a dict keyed by the node's name. These are the reference answers of the chapter's hand-backprop
exercises, so they are not exported from :mod:`course`.

The graphs
----------
``worked_example(x, y, z)``
    ``q = x + y``, ``f = q * z``: the notes' first example, an add gate then a mul gate.
``fanout_example(x, y, z)``
    ``a = x * y``, ``m = max(a, z)``, ``s = y + z``, ``f = m * s``: ``y`` and ``z`` are each used
    twice (copy gates), and the max gate routes (a tie goes to ``a``, the first input).
``network_221(x, W1, b1, w2, b2, d)``
    A 2-2-1 network in the notes' scalar notation, ``z_j = sum_i w_ji y_i + b_j``, ``y_j = f(z_j)``
    with ``f_1 = tanh`` (hidden) and ``f_2 = sigmoid`` (output), and the divergence
    ``Div = (y - d)^2 / 2``.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["worked_example", "fanout_example", "network_221_forward", "network_221_backward"]


def worked_example(x: float, y: float, z: float) -> dict[str, float]:
    """Every gradient of ``f = (x + y) * z``, filled in from ``df/df = 1``.

    Returns
    -------
    dict
        ``{"q": df/dq, "x": df/dx, "y": df/dy, "z": df/dz}`` with ``q = x + y``.
    """
    q = x + y
    df = 1.0
    dq = z * df              # mul gate: the other input
    dz = q * df
    dx = 1.0 * dq            # add gate: distributes
    dy = 1.0 * dq
    return {"q": float(dq), "x": float(dx), "y": float(dy), "z": float(dz)}


def fanout_example(x: float, y: float, z: float) -> dict[str, float]:
    """Every gradient of ``f = max(x*y, z) * (y + z)``.

    Returns
    -------
    dict
        ``{"m", "s", "a", "x", "y", "z"}``: df/d(node) for ``a = x y``, ``m = max(a, z)``,
        ``s = y + z``; ``y`` and ``z`` sum the gradients of both of their uses.
    """
    a = x * y
    m = max(a, z)
    s = y + z
    dm, ds = s, m                                  # mul gate f = m * s
    da, dz_max = (dm, 0.0) if a >= z else (0.0, dm)   # max gate, a tie routes to a
    dx, dy_mul = y * da, x * da                    # mul gate a = x * y
    dy_add, dz_add = ds, ds                        # add gate s = y + z
    return {"m": float(dm), "s": float(ds), "a": float(da), "x": float(dx),
            "y": float(dy_mul + dy_add), "z": float(dz_max + dz_add)}


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def network_221_forward(x: np.ndarray, W1: np.ndarray, b1: np.ndarray, w2: np.ndarray,
                        b2: float, d: float) -> dict[str, object]:
    """The forward pass of the 2-2-1 network, in scalar loops.

    Parameters
    ----------
    x : (2,) ndarray
        The input ``y^(0)``.
    W1 : (2, 2) ndarray
        ``W1[j, i]`` is the weight to hidden neuron ``j`` from input ``i``.
    b1 : (2,) ndarray
    w2 : (2,) ndarray
        ``w2[j]`` is the weight to the output from hidden neuron ``j``.
    b2, d : float
        The output bias and the target.

    Returns
    -------
    dict
        ``z1``, ``y1`` (2,) arrays; ``z2``, ``y`` and ``div`` floats.
    """
    z1 = np.array([sum(W1[j, i] * x[i] for i in range(2)) + b1[j] for j in range(2)])
    y1 = np.tanh(z1)
    z2 = float(sum(w2[j] * y1[j] for j in range(2)) + b2)
    y = _sigmoid(z2)
    return {"z1": z1, "y1": y1, "z2": z2, "y": y, "div": 0.5 * (y - d) ** 2}


def network_221_backward(x: np.ndarray, W1: np.ndarray, b1: np.ndarray, w2: np.ndarray,
                         b2: float, d: float) -> dict[str, object]:
    """Every gradient of ``Div`` in the 2-2-1 network by the scalar formulas.

    ``dDiv/dy`` at the output, then ``dDiv/dz = f'(z) dDiv/dy``, ``dDiv/dw = y_prev dDiv/dz``,
    ``dDiv/db = dDiv/dz`` and ``dDiv/dy_prev = sum_j w_j dDiv/dz_j``, layer by layer.

    Returns
    -------
    dict
        ``"dy"``, ``"dz2"``, ``"db2"`` floats; ``"dw2"`` (2,); ``"dy1"``, ``"dz1"``, ``"db1"``
        (2,); ``"dW1"`` (2, 2), the shape of ``W1``; ``"dx"`` (2,).
    """
    fw = network_221_forward(x, W1, b1, w2, b2, d)
    y1, y = fw["y1"], fw["y"]
    dy = y - d                                      # d[(y - d)^2 / 2]/dy
    dz2 = y * (1.0 - y) * dy                        # f_2 = sigmoid
    dw2 = np.array([y1[j] * dz2 for j in range(2)])
    dy1 = np.array([w2[j] * dz2 for j in range(2)])     # one neuron above: one term
    dz1 = np.array([(1.0 - y1[j] ** 2) * dy1[j] for j in range(2)])   # f_1 = tanh
    dW1 = np.array([[x[i] * dz1[j] for i in range(2)] for j in range(2)])
    dx = np.array([sum(W1[j, i] * dz1[j] for j in range(2)) for i in range(2)])
    return {"dy": float(dy), "dz2": float(dz2), "dw2": dw2, "db2": float(dz2),
            "dy1": dy1, "dz1": dz1, "dW1": dW1, "db1": dz1.copy(), "dx": dx}
