"""The figure's fast paths: serializing the built dicts, and the contour picture memo."""

import json

import numpy as np
import plotly.graph_objects as go

from plotting import run_traces, scene_figure
from plotting.colors import CONTOUR_SCALE
from plotting.contour import ContourScale, contour_image
from surfaces import SURFACES, ravine


def lecture_figure(view="overlay"):
    from optimizers import simulate

    surface = SURFACES["ravine"]
    runs = [simulate(surface, name, steps=120, lr=lr)
            for name, lr in (("sgd", 1.8), ("momentum", 0.3), ("adam", 0.3))]
    return surface, scene_figure(surface, run_traces(runs), view=view)


def test_to_dict_serializes_exactly_what_plotly_would():
    for view in ("overlay", "multiples"):
        _, fig = lecture_figure(view)
        ours = json.dumps(fig.to_dict(), sort_keys=True)
        plotly_own = json.dumps(go.Figure.to_dict(fig), sort_keys=True)
        assert ours == plotly_own
        assert len(fig.to_dict()["frames"]) == len(fig.frames) > 0


def test_to_dict_hands_out_a_fresh_top_level():
    _, fig = lecture_figure()
    first = fig.to_dict()
    first["data"].clear()
    first["layout"]["title"] = "changed"
    again = fig.to_dict()
    assert again["data"] and again["layout"].get("title") != "changed"


def picture(grid, width=300):
    scale = ContourScale.for_values(grid[2], 0.0)
    return contour_image(grid, scale, CONTOUR_SCALE, width, ("x", "y"))["source"]


def test_contour_picture_is_drawn_once_per_grid_and_width():
    grid = SURFACES["ravine"].grid(40)
    copy = tuple(np.array(a) for a in grid)  # equal content, other arrays
    assert picture(grid) is picture(copy)
    steeper = ravine(kappa=200).grid(40)
    assert picture(steeper) != picture(grid)
    assert picture(grid, width=200) != picture(grid)


def test_holes_where_the_loss_is_undefined_are_hatched_not_a_band():
    import base64
    import zlib

    from plotting.contour import HOLE_RGB, contour_pixels
    from surfaces import from_expression

    surface = from_expression("log(x) + y**2", domain=((-2.0, 2.0), (-1.0, 1.0)))
    grid = surface.grid(41)
    scale = ContourScale.for_values(grid[2], surface.min_value)
    bands, _, holes = contour_pixels(grid, scale, 200)
    left, right = holes[:, :95], holes[:, 105:]  # x < 0: log undefined; x > 0: defined
    assert left.all() and not right.any()
    image = contour_image(grid, scale, CONTOUR_SCALE, 200, ("x", "y"))
    png = base64.b64decode(image["source"].split(",", 1)[1])
    # the palette's last two colours are the hole stripes, and both are used on the left
    start = png.index(b"PLTE") + 4
    length = int.from_bytes(png[start - 8:start - 4], "big")
    palette = np.frombuffer(png[start:start + length], np.uint8).reshape(-1, 3)
    np.testing.assert_array_equal(palette[-2:], HOLE_RGB)
    idat = png.index(b"IDAT") + 4
    size = int.from_bytes(png[idat - 8:idat - 4], "big")
    rows = np.frombuffer(zlib.decompress(png[idat:idat + size]), np.uint8)
    pixels = rows.reshape(holes.shape[0], -1)[:, 1:]  # drop each row's filter byte
    hole_index = {len(palette) - 2, len(palette) - 1}
    assert set(np.unique(pixels[:, :95])) == hole_index
    assert not set(np.unique(pixels[:, 105:])) & hole_index
