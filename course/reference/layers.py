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


def _check_dout(dout: Any, expected_shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Validate the upstream gradient: it must have the forward output's shape."""
    return _as_batch(dout, "dout", expected_shape, f"{expected_shape} (the shape of this layer's forward output)",
                     dtype)


def _as_batch(x: Any, name: str, shape: tuple[int | None, ...], shape_text: str, dtype: np.dtype) -> np.ndarray:
    """``x`` checked (2-D, ``shape``, finite) and in ``dtype``: a float32 array stays float32 for a float32 layer.

    The checks of the public ``forward``/``backward``; an ``MLP`` checks its input once and
    runs its layers' unchecked steps (``_forward``/``_backward``) after that.
    """
    if type(x) is np.ndarray and x.dtype == dtype and x.ndim == 2 and all(
            s is None or s == g for s, g in zip(shape, x.shape)):
        if not np.isfinite(x).all():
            as_float_array(x, name, ndim=2)  # raises, naming the first bad entry
        return x
    return as_float_array(x, name, ndim=2, shape=shape, shape_text=shape_text).astype(dtype, copy=False)


def _float_dtype(dtype: Any) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype: expected numpy.float64 or numpy.float32, got {dtype!r}")
    return dt


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
    dtype : numpy.float64 (default) or numpy.float32
        The dtype of ``W``, ``b`` and of everything the layer computes; inputs
        are converted to it.

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

    def __init__(self, n_in: int, n_out: int, *, rng: np.random.Generator, init: str = "xavier",
                 dtype: Any = np.float64) -> None:
        n_in = as_positive_int(n_in, "n_in")
        n_out = as_positive_int(n_out, "n_out")
        as_generator(rng)
        std = _init_std(init, n_in)
        dt = _float_dtype(dtype)
        self._set_params(rng.normal(0.0, std, size=(n_out, n_in)).astype(dt), np.zeros((n_out, 1), dtype=dt))

    @classmethod
    def from_params(cls, W: ArrayLike, b: ArrayLike) -> Linear:
        """A ``Linear`` layer with the given weights (copied), e.g. the notes' ``V``.

        Parameters
        ----------
        W : (n_out, n_in) array_like
        b : (n_out, 1) array_like
            float32 ``W`` gives a float32 layer; anything else float64.
        """
        dt = np.dtype(np.float32) if np.asarray(W).dtype == np.float32 else np.dtype(np.float64)
        W = as_float_array(W, "W", ndim=2, shape_text="(n_out, n_in)").astype(dt)
        n_out, n_in = W.shape
        if n_out == 0 or n_in == 0:
            raise ValueError(f"W: expected a non-empty array of shape (n_out, n_in), got shape {W.shape}")
        b = as_float_array(b, "b", ndim=2, shape=(n_out, 1), shape_text=f"(n_out={n_out}, 1)").astype(dt)
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
        return self._forward(_as_batch(x, "x", (self.n_in, None), f"(n_in={self.n_in}, m)", self.W.dtype))

    def _forward(self, a: np.ndarray) -> np.ndarray:
        """``forward`` of an input already checked."""
        self._a = a
        z = self.W @ a
        z += self.b
        return z

    def backward(self, dout: ArrayLike) -> np.ndarray:
        """Given ``dz`` of shape ``(n_out, m)``, set ``dW`` and ``db``; return ``da`` ``(n_in, m)``."""
        if self._a is None:
            raise RuntimeError("Linear.backward called before forward: call forward(x) first")
        return self._backward(_check_dout(dout, (self.n_out, self._a.shape[1]), self.W.dtype))

    def _backward(self, dz: np.ndarray, need_dx: bool = True,
                  out: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray | None:
        """``backward`` of an upstream gradient already checked (``need_dx=False``: only dW and db).

        ``out=(dW, db)``: arrays of the parameters' shapes and dtype to write the gradients into
        (a trainer's flat gradient vector, see :mod:`course.reference.packed`) instead of new ones.
        """
        a = self._a
        if out is None:
            self.dW = dz @ a.T
            self.db = dz.sum(axis=1, keepdims=True)
        else:
            self.dW = np.matmul(dz, a.T, out=out[0])
            self.db = np.add.reduce(dz, axis=1, keepdims=True, out=out[1])  # dz.sum(axis=1), into out[1]
        return self.W.T @ dz if need_dx else None

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
    """An activation ``a = f(z)`` applied to every entry; no parameters.

    The input's float dtype is kept (float32 stays float32); other inputs become float64.
    """

    _f: Callable[[np.ndarray], np.ndarray]

    def __init__(self) -> None:
        self._z: np.ndarray | None = None  # the input of the last forward
        self._out: np.ndarray | None = None  # and its output

    def forward(self, x: ArrayLike) -> np.ndarray:
        """``a = f(z)`` elementwise; ``z`` is ``(n, m)`` and so is ``a``."""
        dtype = x.dtype if isinstance(x, np.ndarray) and x.dtype == np.float32 else np.dtype(np.float64)
        return self._forward(_as_batch(x, "x", (None, None), "(n, m)", dtype))

    def _forward(self, z: np.ndarray) -> np.ndarray:
        """``forward`` of an input already checked."""
        self._z = z
        self._out = self._f(z)
        return self._out

    def backward(self, dout: ArrayLike) -> np.ndarray:
        """``dz = da * f'(z)`` elementwise (the diagonal Jacobian, applied implicitly)."""
        if self._z is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward: call forward(x) first")
        return self._backward(_check_dout(dout, self._z.shape, self._z.dtype))

    def _backward(self, da: np.ndarray) -> np.ndarray:
        """``backward`` of an upstream gradient already checked."""
        return da * self._f_prime(self._z, self._out)

    def _f_prime(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def parameters(self) -> dict[str, np.ndarray]:
        """``{}``: an activation has no parameters."""
        return {}

    def gradients(self) -> dict[str, np.ndarray]:
        """``{}``: an activation has no parameters."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """``sigmoid(z) = 1 / (1 + e^-z)`` in ``z``'s dtype, without overflow.

    ``e^-z`` overflows only for ``z`` below ``-log(largest float)`` (-709 in float64, -88 in
    float32); when some ``z`` is that negative (rare: one check of the minimum tells), every
    entry is computed from ``e^-|z|``, which cannot overflow: ``e^z / (1 + e^z)`` for ``z < 0``.
    """
    one = z.dtype.type(1.0)
    if z.size == 0 or z.min() > _EXP_SAFE[z.dtype.type]:
        return one / (one + np.exp(-z))
    e = np.exp(-np.abs(z))                        # e^-|z| in (0, 1]
    return np.where(z >= 0, one, e) / (one + e)   # 1 / (1 + e^-z) for z >= 0, e^z / (1 + e^z) below


#: for z above this, exp(-z) is finite in z's dtype (the layers' float32 or float64), with a margin of 1
_EXP_SAFE = {t: -(float(np.log(np.finfo(t).max)) - 1.0) for t in (np.float32, np.float64)}


class Sigmoid(_Elementwise):
    """Sigmoid layer: ``a = sigma(z)``; backward ``dz = da * sigma(z) (1 - sigma(z))``."""

    _f = staticmethod(_sigmoid)

    def _f_prime(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return a * (1.0 - a)  # sigma'(z) = s (1 - s), from the output s = sigma(z) kept by forward


class Tanh(_Elementwise):
    """Tanh layer: ``a = tanh(z)``; backward ``dz = da * (1 - tanh(z)**2)``."""

    _f = staticmethod(np.tanh)

    def _f_prime(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return 1.0 - a**2  # tanh'(z) = 1 - t**2, from the output t = tanh(z) kept by forward


class ReLU(_Elementwise):
    """ReLU layer: ``a = max(z, 0)``; backward ``dz = da * (z > 0)`` (0 at the kink)."""

    _f = staticmethod(lambda z: np.maximum(z, 0.0, dtype=z.dtype))

    def _f_prime(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return z > 0  # relu'(z): 1 where z > 0, else 0 (the subgradient 0 at the kink)


#: the layer classes whose public forward/backward only check their input before the unchecked step
CHECKED = {"forward": (Linear.forward, _Elementwise.forward), "backward": (Linear.backward, _Elementwise.backward)}


def unchecked(layer: Any, method: str) -> Callable[[np.ndarray], np.ndarray]:
    """``layer._forward`` (or ``_backward``) for a reference layer whose method is not replaced, else the method.

    A subclass or an instance that replaces ``forward``/``backward`` (a deliberately buggy layer in a
    test, a learner's own) is called through its own method, checks included.
    """
    if getattr(type(layer), method, None) in CHECKED[method] and method not in getattr(layer, "__dict__", {}):
        return getattr(layer, "_" + method)
    return getattr(layer, method)
