"""Helpers the tests use to compare the course's code with independent references.

Written here, independently of ``course`` (the tests must not check the library
with the library): error measures, central finite differences, an autograd
forward pass of an ``MLP`` built from its description, and a context in which
floating-point trouble raises. The tests import them with
``from reference_checks import ...`` (pytest puts this folder on ``sys.path``,
as ``tests/`` is not a package). Their self-tests, which show that they reject
wrong derivatives, are in tests/test_functions.py.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager

import autograd.numpy as anp
import numpy as np

# -- error measures -----------------------------------------------------------------


def max_rel_error(actual, expected, floor=1e-8):
    """Largest elementwise |a - e| / (|a| + |e|), after checking shape and finiteness."""
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    assert actual.shape == expected.shape, f"shape {actual.shape} != expected {expected.shape}"
    assert np.all(np.isfinite(actual)), "actual has NaN or inf"
    denom = np.maximum(np.abs(actual) + np.abs(expected), floor)
    return float(np.max(np.abs(actual - expected) / denom, initial=0.0))


def fd_rel_error(actual, numeric):
    """||a - n|| / (||a|| + ||n||): the usual measure against finite differences,
    whose absolute noise (~1e-10) would swamp an elementwise ratio on tiny entries."""
    actual, numeric = np.asarray(actual, float), np.asarray(numeric, float)
    assert actual.shape == numeric.shape, f"shape {actual.shape} != expected {numeric.shape}"
    assert np.all(np.isfinite(actual)), "actual has NaN or inf"
    return float(np.linalg.norm(actual - numeric) / max(np.linalg.norm(actual) + np.linalg.norm(numeric), 1e-300))


# -- central finite differences -------------------------------------------------------


def fd_elementwise(f, z, h=1e-6):
    """Central differences of an elementwise function: (f(z + h) - f(z - h)) / 2h."""
    return (f(z + h) - f(z - h)) / (2 * h)


def fd_jacobian(f, z, h=1e-6):
    """Central-difference Jacobian (outputs x inputs) of f at the column z."""
    z = np.array(z, float)
    n_out = np.asarray(f(z)).size
    J = np.zeros((n_out, z.size))
    for j in range(z.size):
        step = np.zeros(z.size)
        step[j] = h
        step = step.reshape(z.shape)
        J[:, j] = (np.ravel(f(z + step)) - np.ravel(f(z - step))) / (2 * h)
    return J


def fd_gradient_in_place(f, x, h=1e-6):
    """Central differences of the scalar f() w.r.t. the array x, perturbed in place and restored."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        g[i] = (f_plus - f_minus) / (2 * h)
    return g


def fd_gradient(f, x, h=1e-6):
    """Central-difference gradient of the scalar f at x (shape of x); x is not modified.

    f gets a fresh copy of the perturbed x at every call.
    """
    x = np.array(x, float)
    return fd_gradient_in_place(lambda: f(x.copy()), x, h)


# -- an MLP's forward pass in autograd.numpy, from its description --------------------

ANP_F = {
    "tanh": anp.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + anp.exp(-z)),
    "relu": lambda z: anp.maximum(z, 0.0),
    None: lambda z: z,
}


def anp_mlp(model, X, params):
    """The network's forward pass in autograd.numpy, from its description (not its layers' code).

    Uses only ``model.sizes``, ``model.activation`` and ``model.output_activation``;
    ``params`` maps ``"0.W"``, ``"0.b"``, ``"2.W"``, ... to arrays.
    """
    n_linear = len(model.sizes) - 1
    a = X
    for l in range(n_linear):
        idx = 2 * l
        z = anp.dot(params[f"{idx}.W"], a) + params[f"{idx}.b"]
        a = ANP_F[model.activation if l < n_linear - 1 else model.output_activation](z)
    return a


# -- numerical stability ----------------------------------------------------------------


@contextmanager
def no_fp_trouble():
    """Overflow, invalid operations, division by zero and any warning all raise inside."""
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        yield
