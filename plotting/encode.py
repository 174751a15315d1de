"""Arrays as Plotly's base64 typed-array spec, encoded once, here.

``{"dtype": "f4", "bdata": "<base64>"}`` (plus ``"shape": "rows, cols"`` in
2D) is what plotly.py 6+ sends for a NumPy array and what plotly.js decodes
into a typed array. Encoding here rather than leaving NumPy arrays in the
figure matters for speed: ``Figure.to_dict()`` (which ``st.plotly_chart``
calls) otherwise inspects every array through narwhals, about 0.1 ms each,
and an animated figure holds about a thousand of them.
"""

from __future__ import annotations

import base64

import numpy as np

DTYPES = {np.dtype(np.float32): "f4", np.dtype(np.uint8): "u1", np.dtype(np.int32): "i4"}


def typed(a: np.ndarray, dtype=np.float32) -> dict | list:
    """``a`` as ``dtype`` in Plotly's typed-array spec (float32 by default); ``[]`` if empty."""
    a = np.ascontiguousarray(a, dtype=dtype)
    if a.size == 0:
        return []
    spec = {"dtype": DTYPES[a.dtype], "bdata": base64.b64encode(a).decode("ascii")}
    if a.ndim > 1:
        spec["shape"] = ", ".join(map(str, a.shape))
    return spec



def typed_rows(a: np.ndarray, dtype=np.float32) -> list[dict | list]:
    """Each row of the 2D array ``a`` as :func:`typed` would give it, converted once:
    a frame per row costs a slice of one buffer instead of a conversion each."""
    a = np.ascontiguousarray(a, dtype=dtype)
    if a.shape[1] == 0:
        return [[] for _ in range(a.shape[0])]
    kind, raw, width = DTYPES[a.dtype], a.tobytes(), a.shape[1] * a.itemsize
    return [{"dtype": kind, "bdata": base64.b64encode(raw[k * width:(k + 1) * width])
             .decode("ascii")} for k in range(a.shape[0])]
