"""What crosses the sandbox boundary on the way out: plain data as JSON + ``.npy`` bytes, never pickle.

A message is one *frame*::

    8 bytes   big-endian length N of the rest
    4 bytes   big-endian length H of the JSON header
    H bytes   the header (UTF-8 JSON): {"kind": ..., ..., "value": <tree>, "blobs": [n0, n1, ...]}
    n0 + n1 + ... bytes   the ``.npy`` files of the arrays the tree refers to, in order

A *tree* describes a value made of floats, float64 arrays, tuples and dicts::

    {"t": "none"}                          None (a function that forgot to return)
    {"t": "float", "v": float.hex(x)}      a real number (``nan``/``inf`` spelled as float.hex does)
    {"t": "array", "i": k, "shape": [..], "dtype": "<original dtype>"}   blob k, stored as float64
    {"t": "seq", "items": [tree, ...]}     a tuple or list (arrives as a tuple)
    {"t": "map", "keys": [str, ...], "items": [tree, ...]}   a dict with string keys

:func:`to_plain` runs *inside* the sandbox (it may call the learner object's ``__array__``,
``__float__``, ... there, where they can do no harm); :class:`FrameReader` and :func:`from_plain`
run in the trusted process and check everything: sizes, nesting, dtype (exactly float64),
shapes, and that an array is a plain ``ndarray``. Nothing here imports ``course`` or ``graders``.
"""
from __future__ import annotations

import io
import json
import math
import struct
from typing import Any

import numpy as np

__all__ = ["PlainDataError", "ProtocolError", "FrameReader", "encode_frame", "to_plain", "from_plain",
           "MAX_DEPTH", "MAX_NODES"]

MAX_DEPTH = 8          # nesting of tuples/dicts in one output
MAX_NODES = 10_000     # floats, arrays, tuples and dicts in one output
_REAL_KINDS = "biuf"   # bool, int, unsigned, float: converted to float64 (the dtype is reported)


class PlainDataError(ValueError):
    """A learner's output cannot be turned into plain data (the message says why)."""


class ProtocolError(ValueError):
    """What came out of the sandbox is not a well-formed stream of frames."""


# ----------------------------------------------------------------------------------------------
# inside the sandbox: any object -> tree + blobs
# ----------------------------------------------------------------------------------------------
def to_plain(value: Any, max_bytes: int) -> tuple[dict, list[bytes]]:
    """Convert ``value`` to a tree and its ``.npy`` blobs (at most ``max_bytes`` of them in all).

    Raises
    ------
    PlainDataError
        If ``value`` holds something that is not a real number, an array of real numbers, a
        tuple/list or a dict with string keys, nests deeper than :data:`MAX_DEPTH`, or is too big.
    """
    blobs: list[bytes] = []
    state = {"nodes": 0, "bytes": 0}

    def walk(x: Any, depth: int) -> dict:
        state["nodes"] += 1
        if state["nodes"] > MAX_NODES:
            raise PlainDataError(f"the output has more than {MAX_NODES} parts")
        if depth > MAX_DEPTH:
            raise PlainDataError(f"the output nests deeper than {MAX_DEPTH} levels")
        if x is None:
            return {"t": "none"}
        if type(x) in (bool, int, float) or isinstance(x, (np.floating, np.integer, np.bool_)):
            try:
                f = float(x)
            except (OverflowError, TypeError, ValueError) as exc:
                raise PlainDataError(f"the number {type(x).__name__} cannot be a float: {exc}") from None
            return {"t": "float", "v": f.hex()}
        if isinstance(x, (tuple, list)):
            return {"t": "seq", "items": [walk(item, depth + 1) for item in list(x)]}
        if isinstance(x, dict):
            keys = list(x.keys())
            if not all(type(k) is str for k in keys):
                raise PlainDataError("a dict in the output has keys that are not strings")
            return {"t": "map", "keys": keys, "items": [walk(x[k], depth + 1) for k in keys]}
        return walk_array(x)

    def walk_array(x: Any) -> dict:
        try:
            arr = np.array(x, copy=True, subok=False)
        except Exception as exc:  # noqa: BLE001 - learner objects may raise anything
            raise PlainDataError(f"a {type(x).__name__} in the output could not become an array "
                                 f"({type(exc).__name__}: {str(exc)[:200]})") from None
        if type(arr) is not np.ndarray:  # pragma: no cover - subok=False guarantees it
            arr = np.asarray(arr).view(np.ndarray)
        if arr.dtype.kind not in _REAL_KINDS:
            raise PlainDataError(f"a {type(x).__name__} in the output is not real numbers "
                                 f"(dtype {arr.dtype})")
        original = str(arr.dtype)
        arr = np.ascontiguousarray(arr, dtype=np.float64)
        state["bytes"] += arr.nbytes
        if state["bytes"] > max_bytes:
            raise PlainDataError(f"the output is larger than {max_bytes // 2**20} MB")
        buf = io.BytesIO()
        np.lib.format.write_array(buf, arr, allow_pickle=False)
        blobs.append(buf.getvalue())
        return {"t": "array", "i": len(blobs) - 1, "shape": list(arr.shape), "dtype": original}

    return walk(value, 0), blobs


def encode_frame(header: dict, blobs: list[bytes] = ()) -> bytes:
    """One frame: ``header`` (JSON, ``"blobs"`` filled in) followed by ``blobs``."""
    header = dict(header, blobs=[len(b) for b in blobs])
    head = json.dumps(header, allow_nan=False, separators=(",", ":")).encode()
    body = struct.pack(">I", len(head)) + head + b"".join(blobs)
    return struct.pack(">Q", len(body)) + body


# ----------------------------------------------------------------------------------------------
# trusted side: bytes -> frames -> checked values
# ----------------------------------------------------------------------------------------------
class FrameReader:
    """Collects bytes from the sandbox's result pipe and cuts them into frames, within a budget.

    Parameters
    ----------
    max_bytes : int
        All frames together may not exceed this; :meth:`feed` raises :class:`ProtocolError` when
        they do (the caller then stops the sandbox).
    max_header : int
        Largest JSON header accepted.
    """

    def __init__(self, max_bytes: int, max_header: int = 4 << 20) -> None:
        self.max_bytes = max_bytes
        self.max_header = max_header
        self.total = 0
        self._buf = bytearray()
        self.frames: list[tuple[dict, list[bytes]]] = []

    def feed(self, data: bytes) -> None:
        """Add ``data``; complete frames are appended to :attr:`frames`."""
        self.total += len(data)
        if self.total > self.max_bytes:
            raise ProtocolError(f"the sandbox sent more than {self.max_bytes} bytes of results")
        self._buf += data
        while len(self._buf) >= 8:
            (n,) = struct.unpack(">Q", self._buf[:8])
            if n < 4 or n > self.max_bytes:
                raise ProtocolError(f"a frame claims {n} bytes")
            if len(self._buf) < 8 + n:
                return
            body = bytes(self._buf[8:8 + n])
            del self._buf[:8 + n]
            self.frames.append(_parse_body(body, self.max_header))

    @property
    def leftover(self) -> int:
        """Bytes of an incomplete frame at the end (nonzero after a truncated stream)."""
        return len(self._buf)


def _parse_body(body: bytes, max_header: int) -> tuple[dict, list[bytes]]:
    (h,) = struct.unpack(">I", body[:4])
    if h > max_header or 4 + h > len(body):
        raise ProtocolError(f"a frame header claims {h} bytes")
    try:
        header = json.loads(body[4:4 + h].decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ProtocolError(f"a frame header is not JSON ({type(exc).__name__})") from None
    if not isinstance(header, dict):
        raise ProtocolError("a frame header is not a JSON object")
    sizes = header.get("blobs", [])
    if not isinstance(sizes, list) or not all(type(n) is int and n >= 0 for n in sizes):
        raise ProtocolError("a frame header has a bad blob list")
    if 4 + h + sum(sizes) != len(body):
        raise ProtocolError("a frame's blobs do not add up to its length")
    blobs, at = [], 4 + h
    for n in sizes:
        blobs.append(body[at:at + n])
        at += n
    return header, blobs


def _no_constants(name: str) -> Any:
    raise ProtocolError(f"a frame header contains {name}")


def from_plain(tree: Any, blobs: list[bytes]) -> tuple[Any, dict]:
    """Rebuild a value from ``tree`` and ``blobs``, checking every part.

    Returns
    -------
    value : None, float, float64 ndarray, or tuples/dicts of them
    facts : dict
        ``{"dtypes": [...original dtypes of the arrays...], "nonfinite": count of NaN/inf entries}``.

    Raises
    ------
    ProtocolError
        If the tree is malformed, an array's bytes are not a float64 ``.npy`` of the stated shape,
        or a blob is used twice.
    """
    facts = {"dtypes": [], "nonfinite": 0}
    used: set[int] = set()
    count = [0]

    def build(node: Any, depth: int) -> Any:
        count[0] += 1
        if count[0] > MAX_NODES or depth > MAX_DEPTH:
            raise ProtocolError("an output tree is too large or too deep")
        if not isinstance(node, dict) or not isinstance(node.get("t"), str):
            raise ProtocolError("an output tree node is not an object with a type")
        t = node["t"]
        if t == "none":
            return None
        if t == "float":
            v = node.get("v")
            if not isinstance(v, str) or len(v) > 40:
                raise ProtocolError("a float node is malformed")
            try:
                f = float.fromhex(v)
            except (ValueError, OverflowError):
                raise ProtocolError("a float node is not a number") from None
            facts["nonfinite"] += 0 if math.isfinite(f) else 1
            return f
        if t == "seq":
            items = node.get("items")
            if not isinstance(items, list):
                raise ProtocolError("a seq node has no item list")
            return tuple(build(item, depth + 1) for item in items)
        if t == "map":
            keys, items = node.get("keys"), node.get("items")
            if (not isinstance(keys, list) or not isinstance(items, list) or len(keys) != len(items)
                    or not all(isinstance(k, str) for k in keys) or len(set(keys)) != len(keys)):
                raise ProtocolError("a map node is malformed")
            return {k: build(item, depth + 1) for k, item in zip(keys, items)}
        if t == "array":
            return load_array(node)
        raise ProtocolError(f"unknown output node type {t[:20]!r}")

    def load_array(node: dict) -> np.ndarray:
        i, shape, dtype = node.get("i"), node.get("shape"), node.get("dtype")
        if type(i) is not int or not 0 <= i < len(blobs) or i in used:
            raise ProtocolError("an array node refers to a missing or reused blob")
        if (not isinstance(shape, list) or len(shape) > 32
                or not all(type(n) is int and n >= 0 for n in shape)):
            raise ProtocolError("an array node has a bad shape")
        if not isinstance(dtype, str) or len(dtype) > 20:
            raise ProtocolError("an array node has a bad dtype")
        used.add(i)
        try:
            arr = np.lib.format.read_array(io.BytesIO(blobs[i]), allow_pickle=False)
        except Exception as exc:  # noqa: BLE001 - any malformed .npy is a protocol error
            raise ProtocolError(f"an array is not a valid .npy file ({type(exc).__name__})") from None
        if type(arr) is not np.ndarray or arr.dtype != np.float64 or list(arr.shape) != shape:
            raise ProtocolError("an array is not float64 of the stated shape")
        facts["dtypes"].append(dtype)
        facts["nonfinite"] += int(arr.size - np.count_nonzero(np.isfinite(arr)))
        return arr.astype(np.float64, copy=False)

    return build(tree, 0), facts
