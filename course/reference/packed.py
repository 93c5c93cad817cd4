"""Parameters stored as views of one flat vector, so that a trainer updates them all at once.

A trainer updates every parameter after every batch, ``W <- W - lr * dW`` for each weight matrix
and bias vector. For a small network the time of that is mostly numpy's cost per call (two calls
per array, a few microseconds each), not the arithmetic. When the arrays ``W^1, b^1, W^2, ...``
are consecutive views of one flat vector ``theta`` (and the gradients views of one flat
``grad``), the same update is ``theta <- theta - lr * grad``: two calls for the whole network, the
same arithmetic entry by entry. ``MLP`` stores its parameters this way (:func:`pack`); a trainer
asks :func:`flat_of` whether they still are (a user may have replaced an array since) and falls
back to one update per array when they are not.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["pack", "flat_of", "views_of"]


def pack(arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Copies of ``arrays`` that are consecutive views, in order, of one new flat array.

    Parameters
    ----------
    arrays : sequence of ndarray, one dtype
        E.g. ``[W^1 (n_1, n_0), b^1 (n_1, 1), W^2 (n_2, n_1), ...]``.

    Returns
    -------
    list of ndarray
        Same shapes and values; ``flat_of`` of the list is the flat array behind them,
        of size ``sum(a.size for a in arrays)``.
    """
    dtypes = {a.dtype for a in arrays}
    if len(dtypes) != 1:
        raise ValueError(f"arrays: expected one dtype to pack them into one flat array, got {sorted(map(str, dtypes))}")
    views = views_of(np.empty(sum(a.size for a in arrays), dtype=dtypes.pop()), [a.shape for a in arrays])
    for view, a in zip(views, arrays):
        view[...] = a
    return views


def views_of(flat: np.ndarray, shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """Consecutive views of the 1-D array ``flat`` with the given shapes, which must fill it exactly."""
    sizes = [int(np.prod(shape, dtype=np.int64)) for shape in shapes]
    if flat.ndim != 1 or sum(sizes) != flat.size:
        raise ValueError(f"flat: expected a 1-D array of {sum(sizes)} entries for shapes {list(shapes)}, "
                         f"got shape {flat.shape}")
    views, start = [], 0
    for shape, size in zip(shapes, sizes):
        views.append(flat[start:start + size].reshape(shape))
        start += size
    return views


def flat_of(arrays: Sequence[np.ndarray]) -> np.ndarray | None:
    """The flat array whose consecutive views ``arrays`` are (in order, filling it), or ``None``.

    ``None`` for anything else: an array replaced by another one, views in another order or
    with gaps, a non-contiguous view or one of another dtype.
    """
    if not arrays:
        return None
    flat = arrays[0].base
    if not isinstance(flat, np.ndarray) or flat.ndim != 1 or not flat.flags.c_contiguous:
        return None
    address = flat.__array_interface__["data"][0]
    for a in arrays:
        if a.base is not flat or a.dtype != flat.dtype or not a.flags.c_contiguous or a.__array_interface__["data"][0] != address:
            return None
        address += a.nbytes
    if address != flat.__array_interface__["data"][0] + flat.nbytes:
        return None
    return flat
