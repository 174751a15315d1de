"""Arrays in Plotly's typed-array spec (``plotting.encode``), read back as plotly.js would:
base64 of the array's bytes in the named dtype."""

from __future__ import annotations

import base64

import numpy as np

from plotting.encode import typed, typed_rows


def decoded(spec: dict) -> np.ndarray:
    dtype = {"f4": np.float32, "u1": np.uint8, "i4": np.int32}[spec["dtype"]]
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=dtype)


def test_an_array_travels_as_float32_bytes():
    a = np.array([1.5, -2.25, 1e-3])
    assert typed(a)["dtype"] == "f4"
    np.testing.assert_array_equal(decoded(typed(a)), a.astype(np.float32))
    assert typed(np.array([])) == []


def test_each_row_is_the_row_encoded_alone():
    rows = np.random.default_rng(3).normal(size=(7, 4))
    specs = typed_rows(rows)
    assert specs == [typed(row) for row in rows]
    for spec, row in zip(specs, rows, strict=True):
        np.testing.assert_array_equal(decoded(spec), row.astype(np.float32))
    # a view that is not contiguous (a column slice) is read by its values, not its memory
    np.testing.assert_array_equal(decoded(typed_rows(rows[:, ::2])[1]),
                                  rows[1, ::2].astype(np.float32))
    assert typed_rows(np.zeros((2, 0))) == [[], []]
