"""A minimal PNG encoder for palette images (standard library only).

The contour view's filled bands are drawn as an image (see
:mod:`plotting.contour`); a palette PNG holds one byte per pixel and long
runs of equal bytes, which zlib compresses to a few kilobytes.
"""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def palette_png(index: np.ndarray, palette: np.ndarray) -> bytes:
    """An 8-bit palette PNG: ``index`` (rows top to bottom) picks rows of ``palette`` (RGB)."""
    index = np.asarray(index, dtype=np.uint8)
    palette = np.asarray(palette, dtype=np.uint8)
    if index.ndim != 2 or palette.ndim != 2 or palette.shape[1] != 3 or len(palette) > 256:
        raise ValueError("index must be 2-D and palette at most 256 RGB rows")
    if index.max(initial=0) >= len(palette):
        raise ValueError("index refers past the end of the palette")
    height, width = index.shape
    rows = np.hstack([np.zeros((height, 1), np.uint8), index])  # filter type 0 per row
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return (SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"PLTE", palette.tobytes())
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + _chunk(b"IEND", b""))


def data_uri(png: bytes) -> str:
    """The PNG as a ``data:`` URI: embedded, nothing is fetched."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")

