"""A multi-layer perceptron built from ``course.reference.layers`` (chapter 4).

``MLP([n_0, n_1, ..., n_L])`` stacks, for each layer ``l = 1 .. L``, a
``Linear(n_{l-1}, n_l)`` and (except after the last one, unless
``output_activation`` is given) an activation. The forward pass is the notes'
``a^l = f(W^l a^{l-1} + b^l)``; the backward pass runs the layers in reverse,
each one turning the gradient w.r.t. its output into the gradient w.r.t. its
input, which gives the notes' recursion
``delta^l = ((W^{l+1})^T delta^{l+1}) * f'(z^l)``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course.validation import as_float_array, as_positive_int

from course.reference.layers import INITS, Linear, ReLU, Sigmoid, Tanh, unchecked
from course.reference.packed import pack

__all__ = ["MLP", "ACTIVATIONS"]

#: activation names ``MLP`` accepts -> layer class
ACTIVATIONS: dict[str, type] = {"tanh": Tanh, "sigmoid": Sigmoid, "relu": ReLU}


class MLP:
    """Multi-layer perceptron: ``Linear`` layers with activations between them.

    Parameters
    ----------
    sizes : sequence of int, length >= 2
        ``[n_0, n_1, ..., n_L]``: input size, hidden sizes, output size.
    activation : {"tanh", "sigmoid", "relu"}
        Activation after every hidden ``Linear`` layer.
    output_activation : {None, "tanh", "sigmoid", "relu"}
        Activation after the last ``Linear`` layer; ``None`` (the default)
        leaves the output linear, e.g. logits for ``softmax_cross_entropy``.
    rng : numpy.random.Generator
        Source of the initial weights.
    init : {None, "xavier", "he", "normal"}
        Weight initialisation of every ``Linear`` (see ``Linear``); ``None``
        picks ``"he"`` for ReLU and ``"xavier"`` otherwise.
    dtype : numpy.float64 (default) or numpy.float32
        The dtype of every parameter and of the computation (float32 data is
        trained in float32 by a float32 model).

    Attributes
    ----------
    layers : list of layers
        ``Linear``, activation, ``Linear``, activation, ..., in order. A
        parameter is named ``"<index in layers>.<name>"``: ``"0.W"``,
        ``"0.b"``, ``"2.W"``, ...

        The parameters are views, in that order, of one flat vector, so that a
        trainer can update all of them with one operation
        (:mod:`course.reference.packed`); each is still an ordinary array of its
        own shape, updated in place.

    Notes
    -----
    The notes' two-layer network (004) has first-layer weights ``V`` and
    second-layer weights ``W``: hidden ``y = f(V x)``, output ``o = f(W y)``.
    ``MLP([n, h, k], activation="sigmoid", output_activation="sigmoid", rng=rng)``
    is that network: ``layers[0].W`` (parameter ``"0.W"``, shape ``(h, n)``) is
    ``V`` and ``layers[2].W`` (``"2.W"``, shape ``(k, h)``) is ``W``. The notes
    draw no bias; with ``"0.b"`` and ``"2.b"`` at their initial zeros the
    forward pass and the gradients for ``V`` and ``W`` are the same.

    Examples
    --------
    >>> import numpy as np
    >>> net = MLP([2, 4, 1], activation="tanh", output_activation="sigmoid",
    ...           rng=np.random.default_rng(0))
    >>> net.forward(np.zeros((2, 3))).shape
    (1, 3)
    >>> sorted(net.parameters())
    ['0.W', '0.b', '2.W', '2.b']
    """

    def __init__(
        self,
        sizes: Sequence[int],
        *,
        activation: str = "tanh",
        output_activation: str | None = None,
        rng: np.random.Generator,
        init: str | None = None,
        dtype: Any = np.float64,
    ) -> None:
        self.sizes = _check_sizes(sizes)
        self.activation = _check_activation(activation, "activation")
        self.output_activation = (
            None if output_activation is None else _check_activation(output_activation, "output_activation")
        )
        if init is None:
            init = "he" if self.activation == "relu" else "xavier"
        elif init not in INITS:
            raise ValueError(f"init: expected None or one of {INITS}, got {init!r}")
        self.layers: list[Any] = []
        n_linear = len(self.sizes) - 1
        for l in range(n_linear):
            self.layers.append(Linear(self.sizes[l], self.sizes[l + 1], rng=rng, init=init, dtype=dtype))
            if l < n_linear - 1:
                self.layers.append(ACTIVATIONS[self.activation]())
            elif self.output_activation is not None:
                self.layers.append(ACTIVATIONS[self.output_activation]())
        linears = [layer for layer in self.layers if isinstance(layer, Linear)]
        views = iter(pack([p for layer in linears for p in (layer.W, layer.b)]))
        for layer in linears:  # one flat vector behind all parameters (see course.reference.packed)
            layer.W, layer.b = next(views), next(views)
        self._out_shape: tuple[int, int] | None = None
        self._has_gradients = False

    @property
    def n_in(self) -> int:
        """Number of inputs, ``sizes[0]``."""
        return self.sizes[0]

    @property
    def n_out(self) -> int:
        """Number of outputs, ``sizes[-1]``."""
        return self.sizes[-1]

    # -- the Layer protocol -------------------------------------------------

    def forward(self, X: ArrayLike) -> np.ndarray:
        """Output of the network for a batch ``X`` of shape ``(n_0, m)``; returns ``(n_L, m)``."""
        a = as_float_array(X, "X", ndim=2, shape=(self.sizes[0], None), shape_text=f"(n_in={self.sizes[0]}, m)")
        return self._forward(a.astype(self.dtype, copy=False))

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the first layer's weights (every layer's, for an ``MLP`` built here)."""
        first = self.layers[0]
        return first.W.dtype if hasattr(first, "W") else np.dtype(np.float64)

    def _forward(self, a: np.ndarray) -> np.ndarray:
        """``forward`` of an input already checked: the layers' own checks are not repeated."""
        for layer in self.layers:
            a = unchecked(layer, "forward")(a)
        self._out_shape = a.shape
        return a

    def backward(self, dout: ArrayLike) -> np.ndarray:
        """Backprop ``dout`` (gradient w.r.t. the output, ``(n_L, m)``); returns ``dX`` ``(n_0, m)``.

        Sets the gradients of every layer (read them with ``gradients()``).
        """
        if self._out_shape is None:
            raise RuntimeError("MLP.backward called before forward: call forward(X) first")
        d = as_float_array(
            dout, "dout", ndim=2, shape=self._out_shape,
            shape_text=f"{self._out_shape} (the shape of the forward output)",
        )
        return self._backward(d.astype(self.dtype, copy=False))

    def _backward(self, d: np.ndarray) -> np.ndarray:
        """``backward`` of an upstream gradient already checked: the layers' own checks are not repeated."""
        for layer in reversed(self.layers):
            d = unchecked(layer, "backward")(d)
        self._has_gradients = True
        return d

    def parameters(self) -> dict[str, np.ndarray]:
        """Live parameter arrays named ``"<layer index>.W"`` and ``"<layer index>.b"``."""
        return {
            f"{i}.{name}": p for i, layer in enumerate(self.layers) for name, p in layer.parameters().items()
        }

    def gradients(self) -> dict[str, np.ndarray]:
        """Gradients from the last ``backward``, with the keys of ``parameters()``."""
        if not self._has_gradients:
            raise RuntimeError("MLP.gradients called before backward: there are no gradients yet")
        return {
            f"{i}.{name}": g for i, layer in enumerate(self.layers) for name, g in layer.gradients().items()
        }

    # -- predictions --------------------------------------------------------

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The network output for ``X`` (``(n_0, m)`` -> ``(n_L, m)``); same as ``forward``."""
        return self.forward(X)

    def predict_labels(self, X: ArrayLike, *, threshold: float | None = None) -> np.ndarray:
        """Class labels ``(m,)``: the row with the largest output, or a threshold for one output.

        With several outputs the label is ``argmax`` over axis 0. With one
        output it is ``1`` where the output exceeds ``threshold`` and ``0``
        elsewhere; the default threshold is the middle of the output range:
        0 for tanh, 0.5 otherwise (sigmoid, or a linear output trained on 0/1
        targets with ``mse_loss``).
        """
        out = self.forward(X)
        if out.shape[0] > 1:
            return out.argmax(axis=0)
        if threshold is None:
            threshold = 0.0 if self.output_activation == "tanh" else 0.5
        return (out[0] > threshold).astype(int)

    def accuracy(self, X: ArrayLike, y: ArrayLike) -> float:
        """Fraction of the ``m`` examples whose ``predict_labels`` equals the target.

        ``y`` is ``(m,)`` integer labels, or ``(k, m)`` targets: one-hot
        (compared by argmax) or, for ``k == 1``, 0/1 values.
        """
        labels = self.predict_labels(X)
        y_arr = as_float_array(y, "y", ndim=(1, 2), shape_text=f"({labels.size},) or (k, {labels.size})")
        if y_arr.ndim == 2:
            y_arr = np.rint(y_arr[0]) if y_arr.shape[0] == 1 else y_arr.argmax(axis=0)
        if y_arr.shape != labels.shape:
            raise ValueError(f"y: expected {labels.size} targets (one per column of X), got shape {np.shape(y)}")
        return float(np.mean(labels == y_arr))

    def __repr__(self) -> str:
        lines = [
            f"MLP(sizes={self.sizes}, activation={self.activation!r}, "
            f"output_activation={self.output_activation!r})"
        ]
        for i, layer in enumerate(self.layers):
            shapes = "  ".join(f"{name} {p.shape}" for name, p in layer.parameters().items())
            lines.append(f"  {i}: {layer!r}" + (f"  {shapes}" if shapes else ""))
        return "\n".join(lines)


def _check_sizes(sizes: Any) -> list[int]:
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes: expected a list of layer sizes like [2, 4, 1], got {type(sizes).__name__}")
    if len(sizes) < 2:
        raise ValueError(f"sizes: expected at least 2 sizes (input and output), got {list(sizes)}")
    return [as_positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]


def _check_activation(name: Any, arg: str) -> str:
    if not isinstance(name, str) or name not in ACTIVATIONS:
        extra = " (for classes use a linear output with softmax_cross_entropy)" if name == "softmax" else ""
        raise ValueError(f"{arg}: expected one of {sorted(ACTIVATIONS)}, got {name!r}{extra}")
    return name
