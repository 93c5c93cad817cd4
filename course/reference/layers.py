"""Layers for vector backprop (chapter 4): ``Linear`` and elementwise activations.

A layer receives the gradient of the loss with respect to its output and
does two things with it (the notes, 004): it computes the gradient with
respect to its own parameters, to update itself, and the gradient with respect
to its input, to pass down to the layer below.

Examples are columns. For a batch ``a`` of shape ``(n_in, m)``::

    forward    z = W @ a + b                         W (n_out, n_in), b (n_out, 1)
    backward   dW = dz @ a.T                         (n_out, n_in), the shape of W
               db = dz.sum(axis=1, keepdims=True)    (n_out, 1), summed over examples
               da = W.T @ dz                         (n_in, m), the shape of a

and for an elementwise activation ``a = f(z)``::

    backward   dz = da * f'(z)                       elementwise: the diagonal
                                                     Jacobian diag(f'(z)) is never built

``dX`` always means the gradient of the loss with respect to ``X`` and has
``X``'s shape. The loss has already divided by the batch size, so layers only
sum over examples (in ``db``, and through the matrix product in ``dW``).
"""
from __future__ import annotations

from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike

from course.validation import as_float_array, as_generator, as_positive_int

from course.reference.functions import (
    relu,
    relu_prime,
    sigmoid,
    sigmoid_prime,
    tanh_prime,
)

__all__ = ["Layer", "Linear", "Sigmoid", "Tanh", "ReLU", "INITS"]

#: the weight initialisations ``Linear`` accepts
INITS: tuple[str, ...] = ("xavier", "he", "normal")


@runtime_checkable
class Layer(Protocol):
    """What every layer (and a whole ``MLP``) provides.

    ``forward(x) -> out``
        Compute the output and cache what backward needs.
    ``backward(dout) -> dx``
        Given the gradient of the loss w.r.t. the output (shape of ``out``),
        set the parameter gradients and return the gradient w.r.t. the input
        (shape of ``x``).
    ``parameters() -> dict[str, ndarray]``
        The live parameter arrays (updating them in place updates the layer);
        ``{}`` for a layer without parameters.
    ``gradients() -> dict[str, ndarray]``
        Same keys, the gradients from the *last* backward: each backward
        overwrites them, it does not add to them.
    """

    def forward(self, x: ArrayLike) -> np.ndarray: ...

    def backward(self, dout: ArrayLike) -> np.ndarray: ...

    def parameters(self) -> dict[str, np.ndarray]: ...

    def gradients(self) -> dict[str, np.ndarray]: ...


def _check_dout(dout: Any, expected_shape: tuple[int, ...]) -> np.ndarray:
    """Validate the upstream gradient: it must have the forward output's shape."""
    return as_float_array(
        dout,
        "dout",
        ndim=2,
        shape=expected_shape,
        shape_text=f"{expected_shape} (the shape of this layer's forward output)",
    )


class Linear:
    """Fully connected layer ``z = W @ a + b``.

    Parameters
    ----------
    n_in : int
        Number of inputs (the ``k`` neurons of layer ``l - 1`` in the notes).
    n_out : int
        Number of outputs (the ``j`` neurons of layer ``l``).
    rng : numpy.random.Generator
        Source of the random initial weights.
    init : {"xavier", "he", "normal"}
        Standard deviation of the normal initial weights: ``"xavier"``
        ``sqrt(1 / n_in)`` (for tanh and sigmoid), ``"he"`` ``sqrt(2 / n_in)``
        (for ReLU), ``"normal"`` 0.01 (small random weights).

    Attributes
    ----------
    W : (n_out, n_in) ndarray
        ``W[j, k]`` is the notes' ``w^l_jk``, from input ``k`` to output ``j``.
    b : (n_out, 1) ndarray
        Biases, initialised to zero.
    dW, db : ndarray or None
        Gradients from the last ``backward`` (shapes of ``W`` and ``b``);
        ``None`` before the first one.

    See Also
    --------
    Linear.from_params : a layer with given weights.
    """

    def __init__(self, n_in: int, n_out: int, *, rng: np.random.Generator, init: str = "xavier") -> None:
        n_in = as_positive_int(n_in, "n_in")
        n_out = as_positive_int(n_out, "n_out")
        as_generator(rng)
        std = _init_std(init, n_in)
        self._set_params(rng.normal(0.0, std, size=(n_out, n_in)), np.zeros((n_out, 1)))

    @classmethod
    def from_params(cls, W: ArrayLike, b: ArrayLike) -> Linear:
        """A ``Linear`` layer with the given weights (copied), e.g. the notes' ``V``.

        Parameters
        ----------
        W : (n_out, n_in) array_like
        b : (n_out, 1) array_like
        """
        W = as_float_array(W, "W", ndim=2, shape_text="(n_out, n_in)")
        n_out, n_in = W.shape
        if n_out == 0 or n_in == 0:
            raise ValueError(f"W: expected a non-empty array of shape (n_out, n_in), got shape {W.shape}")
        b = as_float_array(b, "b", ndim=2, shape=(n_out, 1), shape_text=f"(n_out={n_out}, 1)")
        layer = cls.__new__(cls)
        layer._set_params(W.copy(), b.copy())
        return layer

    def _set_params(self, W: np.ndarray, b: np.ndarray) -> None:
        self.n_out, self.n_in = W.shape
        self.W: np.ndarray = W
        self.b: np.ndarray = b
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None
        self._a: np.ndarray | None = None  # the input of the last forward

    def forward(self, x: ArrayLike) -> np.ndarray:
        """``z = W @ a + b`` for a batch ``a`` of shape ``(n_in, m)``; returns ``(n_out, m)``."""
        a = as_float_array(x, "x", ndim=2, shape=(self.n_in, None), shape_text=f"(n_in={self.n_in}, m)")
        self._a = a
        return self.W @ a + self.b

    def backward(self, dout: ArrayLike) -> np.ndarray:
        """Given ``dz`` of shape ``(n_out, m)``, set ``dW`` and ``db``; return ``da`` ``(n_in, m)``."""
        if self._a is None:
            raise RuntimeError("Linear.backward called before forward: call forward(x) first")
        a = self._a
        dz = _check_dout(dout, (self.n_out, a.shape[1]))
        self.dW = dz @ a.T
        self.db = dz.sum(axis=1, keepdims=True)
        return self.W.T @ dz

    def parameters(self) -> dict[str, np.ndarray]:
        """``{"W": W, "b": b}``, the live arrays."""
        return {"W": self.W, "b": self.b}

    def gradients(self) -> dict[str, np.ndarray]:
        """``{"W": dW, "b": db}`` from the last backward."""
        if self.dW is None or self.db is None:
            raise RuntimeError("Linear.gradients called before backward: there are no gradients yet")
        return {"W": self.dW, "b": self.db}

    def __repr__(self) -> str:
        return f"Linear(n_in={self.n_in}, n_out={self.n_out})"


def _init_std(init: Any, n_in: int) -> float:
    """Standard deviation of the initial weights for ``init``."""
    if init == "xavier":
        return float(np.sqrt(1.0 / n_in))
    if init == "he":
        return float(np.sqrt(2.0 / n_in))
    if init == "normal":
        return 0.01
    raise ValueError(f"init: expected one of {INITS}, got {init!r}")


class _Elementwise:
    """An activation ``a = f(z)`` applied to every entry; no parameters."""

    _f: Callable[[np.ndarray], np.ndarray]
    _f_prime: Callable[[np.ndarray], np.ndarray]

    def __init__(self) -> None:
        self._z: np.ndarray | None = None  # the input of the last forward

    def forward(self, x: ArrayLike) -> np.ndarray:
        """``a = f(z)`` elementwise; ``z`` is ``(n, m)`` and so is ``a``."""
        z = as_float_array(x, "x", ndim=2, shape_text="(n, m)")
        self._z = z
        return self._f(z)

    def backward(self, dout: ArrayLike) -> np.ndarray:
        """``dz = da * f'(z)`` elementwise (the diagonal Jacobian, applied implicitly)."""
        if self._z is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward: call forward(x) first")
        z = self._z
        da = _check_dout(dout, z.shape)
        return da * self._f_prime(z)

    def parameters(self) -> dict[str, np.ndarray]:
        """``{}``: an activation has no parameters."""
        return {}

    def gradients(self) -> dict[str, np.ndarray]:
        """``{}``: an activation has no parameters."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(_Elementwise):
    """Sigmoid layer: ``a = sigma(z)``; backward ``dz = da * sigma(z) (1 - sigma(z))``."""

    _f = staticmethod(sigmoid)
    _f_prime = staticmethod(sigmoid_prime)


class Tanh(_Elementwise):
    """Tanh layer: ``a = tanh(z)``; backward ``dz = da * (1 - tanh(z)**2)``."""

    _f = staticmethod(np.tanh)
    _f_prime = staticmethod(tanh_prime)


class ReLU(_Elementwise):
    """ReLU layer: ``a = max(z, 0)``; backward ``dz = da * (z > 0)`` (0 at the kink)."""

    _f = staticmethod(relu)
    _f_prime = staticmethod(relu_prime)
