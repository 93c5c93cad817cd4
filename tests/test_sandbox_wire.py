"""The wire format (graders/sandbox/inside/wire.py) and the text cleaner: what crosses the boundary."""
from __future__ import annotations

import io
import json
import math
import struct

import numpy as np
import pytest

from graders.sandbox.inside.wire import (
    MAX_DEPTH, FrameReader, PlainDataError, ProtocolError, encode_frame, from_plain, to_plain)
from graders.sandbox.text import clean

BIG = 1 << 30


def roundtrip(value):
    tree, blobs = to_plain(value, BIG)
    reader = FrameReader(BIG)
    reader.feed(encode_frame({"kind": "case", "value": tree}, blobs))
    (header, got_blobs), = reader.frames
    return from_plain(header["value"], got_blobs)


def test_plain_values_come_back_as_float64_with_their_structure():
    value = (1, 2.5, np.float32(0.5), True, None, np.arange(6, dtype=np.int32).reshape(2, 3),
             [np.ones(2, dtype=np.float32)], {"dx": np.zeros((1, 0)), "db": 3.0})
    got, facts = roundtrip(value)
    assert got[0] == 1.0 and type(got[0]) is float and got[2] == 0.5 and got[3] == 1.0 and got[4] is None
    assert got[5].dtype == np.float64 and got[5].shape == (2, 3) and type(got[5]) is np.ndarray
    assert isinstance(got[6], tuple) and got[6][0].dtype == np.float64
    assert set(got[7]) == {"dx", "db"} and got[7]["dx"].shape == (1, 0)
    assert facts["dtypes"] == ["int32", "float32", "float64"]


def test_nan_and_inf_survive_and_are_counted():
    got, facts = roundtrip((float("nan"), np.array([np.inf, 1.0, -np.inf])))
    assert math.isnan(got[0]) and np.isinf(got[1]).sum() == 2
    assert facts["nonfinite"] == 3


def test_an_ndarray_subclass_arrives_as_a_plain_ndarray():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    got, _ = roundtrip(np.arange(3.0).view(Liar))
    assert type(got) is np.ndarray and list(got) == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("bad, words", [
    (np.ones(2, dtype=complex), "not real numbers"),
    (np.array(["a"]), "not real numbers"),
    (object(), "not real numbers"),
    ({1: 2.0}, "not strings"),
    (np.ones(10), "larger than"),
])
def test_what_is_not_plain_data_is_refused_inside(bad, words):
    with pytest.raises(PlainDataError, match=words):
        to_plain(bad, 40)


def test_nesting_and_size_are_bounded():
    deep = 0.0
    for _ in range(MAX_DEPTH + 2):
        deep = (deep,)
    with pytest.raises(PlainDataError, match="deeper"):
        to_plain(deep, BIG)
    with pytest.raises(PlainDataError, match="parts"):
        to_plain(tuple(range(20000)), BIG)


def test_an_array_interface_that_raises_is_a_plain_data_error():
    class Raises:
        def __array__(self, dtype=None, copy=None):
            raise RuntimeError("no")

    with pytest.raises(PlainDataError, match="could not become an array"):
        to_plain(Raises(), BIG)


def _npy(arr, allow_pickle=False):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


@pytest.mark.parametrize("tree, blobs", [
    ({"t": "array", "i": 0, "shape": [2], "dtype": "float64"}, [_npy(np.ones(2, dtype=np.float32))]),
    ({"t": "array", "i": 0, "shape": [3], "dtype": "float64"}, [_npy(np.ones(2))]),
    ({"t": "array", "i": 0, "shape": [1], "dtype": "O"}, [_npy(np.array([object()]), allow_pickle=True)]),
    ({"t": "array", "i": 1, "shape": [2], "dtype": "float64"}, [_npy(np.ones(2))]),
    ({"t": "seq", "items": [{"t": "array", "i": 0, "shape": [2], "dtype": "f"}] * 2}, [_npy(np.ones(2))]),
    ({"t": "array", "i": 0, "shape": [2], "dtype": "float64"}, [b"\x93NUMPY garbage"]),
    ({"t": "float", "v": "not a hex float"}, []),
    ({"t": "pickle", "v": "x"}, []),
    ({"t": "map", "keys": ["a", "a"], "items": [{"t": "none"}, {"t": "none"}]}, []),
    ("just a string", []),
])
def test_the_trusted_side_rejects_malformed_values(tree, blobs):
    with pytest.raises(ProtocolError):
        from_plain(tree, blobs)


def test_frames_arrive_whole_even_when_fed_byte_by_byte():
    data = encode_frame({"kind": "a"}) + encode_frame({"kind": "b"}, [b"xyz"])
    reader = FrameReader(BIG)
    for i in range(len(data)):
        reader.feed(data[i:i + 1])
    assert [h["kind"] for h, _ in reader.frames] == ["a", "b"]
    assert reader.frames[1][1] == [b"xyz"] and reader.leftover == 0


@pytest.mark.parametrize("data", [
    struct.pack(">Q", 2) + b"ab",                                   # shorter than its own header
    struct.pack(">Q", BIG * 4),                                     # claims more than the budget
    (lambda h: struct.pack(">Q", 4 + len(h)) + struct.pack(">I", len(h)) + h)(b"[1, 2]"),
    (lambda h: struct.pack(">Q", 4 + len(h)) + struct.pack(">I", len(h)) + h)(b'{"x": NaN}'),
    (lambda h: struct.pack(">Q", 4 + len(h)) + struct.pack(">I", len(h)) + h)(b'{"blobs": [5]}'),
    (lambda h: struct.pack(">Q", 4 + len(h)) + struct.pack(">I", len(h)) + h)(b"\xff\xfe"),
])
def test_malformed_frames_are_protocol_errors(data):
    with pytest.raises(ProtocolError):
        FrameReader(BIG).feed(data)


def test_the_result_budget_is_enforced_while_reading():
    reader = FrameReader(100)
    with pytest.raises(ProtocolError, match="more than 100 bytes"):
        reader.feed(encode_frame({"kind": "x", "pad": "y" * 200}))


def test_a_truncated_stream_leaves_bytes_over():
    reader = FrameReader(BIG)
    reader.feed(encode_frame({"kind": "x"})[:-3])
    assert reader.frames == [] and reader.leftover > 0


def test_clean_removes_terminal_escapes_and_control_characters():
    text = "ok\x1b[2J\x1b[31mred\x1b[0m\x1b]0;title\x07 \r\x00bell\x07\u202etab\tnl\n"
    out = clean(text)
    assert out == "okred belltab\tnl\n"
    assert "\x1b" not in out and "\r" not in out and "\x00" not in out and "\u202e" not in out
    assert "red" in out and "\t" in out and "\n" in out
    assert clean("x" * 50, 10) == "x" * 9 + "…"
    json.dumps(out)
