"""Helpers for the analysis panels' tests: the page with a panel open, and chart arrays."""

from __future__ import annotations

import base64

import numpy as np

from harness.page import open_page


def open_panel(panel: str, query: dict | None = None):
    """The page opened with ``query`` (a link's parameters), then ``panel`` picked
    (:func:`harness.page.open_page`, the AppTest page the benchmarks use too)."""
    return open_page(query, panel=panel)


def decode(array) -> np.ndarray:
    """A chart's array as float64: plain (``None`` as NaN) or Plotly's base64 typed form
    (reshaped when it has a ``shape``)."""
    if not isinstance(array, dict):
        return np.array([np.nan if v is None else v for v in array], dtype=float)
    flat = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).astype(float)
    shape = array.get("shape")
    return flat.reshape([int(n) for n in shape.split(",")]) if shape else flat
