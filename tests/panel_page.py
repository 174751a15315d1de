"""Helpers for the analysis panels' tests: the page with a panel open, and chart arrays."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_panel(panel: str, query: dict | None = None) -> AppTest:
    """The page opened with ``query`` (a link's parameters), then ``panel`` picked."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query or {})
    at.run()
    at.segmented_control(key="panel").set_value(panel).run()
    assert not at.exception, at.exception
    return at


def decode(array) -> np.ndarray:
    """A chart's array as float64: plain (``None`` as NaN) or Plotly's base64 typed form
    (reshaped when it has a ``shape``)."""
    if not isinstance(array, dict):
        return np.array([np.nan if v is None else v for v in array], dtype=float)
    flat = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).astype(float)
    shape = array.get("shape")
    return flat.reshape([int(n) for n in shape.split(",")]) if shape else flat
