"""The one way the figures are built: plain dicts wrapped in a :class:`BuiltFigure`.

Every figure here is assembled as plain dicts (traces, layout, frames) from
attribute names known to Plotly, and wrapped by :func:`build_figure` without
Plotly's per-attribute validation: ``go.Figure(dict)`` validates every value,
which took about 100 ms for the lecture's race chart, six times its whole
build, and ``st.plotly_chart`` then deep-copies the figure through
``to_dict``. :class:`Layers` collects traces in drawing order together with
their updates in every animation frame.

Also here: the type and axis styles the figures share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from plotting.colors import LIGHT, Theme

FONT_FAMILY = '"Source Sans Pro", "Source Sans 3", Arial, Helvetica, sans-serif'
AXIS_STYLE = {"showgrid": False, "zeroline": False, "ticks": "outside",
              "linecolor": "#444444", "tickcolor": "#444444", "mirror": True}


@dataclass(frozen=True)
class PanelStyle:
    """Sizes of the panels' own figures (phase map, inspector, 3D) on a laptop or a
    projector; the race chart sizes itself to the screen (:mod:`plotting.layout`)."""

    font: float
    line: float
    marker: float
    height: int


NORMAL = PanelStyle(font=14, line=2.5, marker=11, height=560)
PRESENTER = PanelStyle(font=22, line=4.5, marker=17, height=760)


def panel_style(presenter: bool) -> PanelStyle:
    return PRESENTER if presenter else NORMAL


class Layers:
    """Traces in drawing order, and for the animated ones their update in every frame.

    The figure shows frame ``initial`` before playback: each animated trace
    starts as that frame's update merged into its static part.
    """

    def __init__(self, initial: int) -> None:
        self.initial = initial
        self.data: list[dict] = []
        self.animated: list[tuple[int, list[dict]]] = []

    def add(self, trace: dict, updates: list[dict] | None = None) -> None:
        if updates is not None:
            self.animated.append((len(self.data), updates))
            trace = dict(trace)
            for key, value in updates[self.initial].items():  # nested ones key by key
                nested = isinstance(value, dict) and "dtype" not in value
                trace[key] = {**trace.get(key, {}), **value} if nested else value
        self.data.append(trace)

    def frames(self, names: list[str], *, delta: bool = False) -> list[dict]:
        """One frame per name, each setting every animated trace; or with ``delta``, the
        first so and each later one only what changed since the frame before it, which
        it names as its ``baseframe``; Plotly's ``computeFrame`` merges a frame onto its
        chain of base frames (``tests.measures.resolve_frames`` does the same, for the tests)."""
        indices = [i for i, _ in self.animated]
        frames, before = [], None
        for k, name in enumerate(names):
            now = [u[k] for _, u in self.animated]
            if not delta or before is None:
                frames.append({"name": name, "traces": indices, "data": now})
            else:
                changed = [j for j, (a, b) in enumerate(zip(now, before, strict=True)) if a != b]
                frames.append({"name": name, "baseframe": names[k - 1],
                               "traces": [indices[j] for j in changed],
                               "data": [now[j] for j in changed]})
            before = now
        return frames


class BuiltFigure(go.Figure):
    """A ``go.Figure`` that serializes the dicts it was built from, as they are.

    ``st.plotly_chart`` (and ``write_html``) call ``to_dict``, which in Plotly
    deep-copies the whole figure and walks it for NumPy arrays to encode: a
    third of the page's script run. The dicts built here hold no NumPy arrays
    (see :mod:`plotting.encode`) and nothing changes them after the build, so
    ``to_dict`` hands them over in a fresh top-level dict. Treat the figure as
    read-only: to change it, build it again.
    """

    @property
    def _frame_objs(self) -> tuple:
        """Plotly's frame objects (what ``fig.frames`` reads), made from the built frames
        on the first read: serializing (``to_dict``) never needs them, and making them
        costs a third of the race figure's build."""
        if "_made_frames" not in self.__dict__:
            built = self.__dict__.get("_built")
            self.__dict__["_made_frames"] = tuple(
                go.Frame(f, _validate=False) for f in built["frames"]) if built else ()
        return self.__dict__["_made_frames"]

    @_frame_objs.setter
    def _frame_objs(self, frames: tuple) -> None:
        if frames:  # go.Figure's own __init__ sets none; build_figure sets the built ones
            self.__dict__["_made_frames"] = tuple(frames)

    def to_dict(self) -> dict:
        spec = {"data": list(self._built["data"]), "layout": dict(self._built["layout"])}
        if self._built["frames"]:
            spec["frames"] = list(self._built["frames"])
        return spec


def build_figure(data: list[dict], layout: dict, frames: Sequence[dict] = (),
                 theme: Theme = LIGHT) -> BuiltFigure:
    """A :class:`BuiltFigure` holding these dicts as they are, without Plotly's validation.

    ``theme``: the figures are built in light colours; for :data:`~plotting.colors.DARK`
    every colour of the data, layout and frames is swapped for its dark counterpart
    (:meth:`~plotting.colors.Theme.color`, new dicts: the built ones and the constants
    they share stay as they are), and Plotly's toolbar gets dark colours.

    ``_validate=False`` skips validation for data and layout but not for
    frames, so the frames become the figure's ``_frame_objs`` (the tuple
    ``go.Figure`` itself keeps) only when something reads ``fig.frames``
    (:attr:`BuiltFigure._frame_objs`; plotly is pinned in requirements.txt, and the
    tests read every frame back through both ``to_dict`` and ``fig.frames``).
    """
    return built(figure_spec(data, layout, frames, theme))


def figure_spec(data: list[dict], layout: dict, frames: Sequence[dict] = (),
                theme: Theme = LIGHT) -> dict:
    """The figure as :func:`build_figure` holds it, ``{"data", "layout", "frames"}``, in
    ``theme``'s colours: for a page that sends these dicts as they are, no ``go.Figure``
    made (making one costs a third of the race figure's build, even unvalidated)."""
    frames = list(frames)
    if theme.dark:
        data, layout, frames = (recolored(part, theme) for part in (data, layout, frames))
        layout["modebar"] = {"bgcolor": "rgba(14, 17, 23, 0.5)", "color": "#9aa1ac",
                             "activecolor": theme.text, **layout.get("modebar", {})}
    return {"data": data, "layout": layout, "frames": frames}


def built(spec: dict) -> BuiltFigure:
    """A :class:`BuiltFigure` of ``spec`` (:func:`figure_spec`'s dicts), frames read lazily."""
    fig = BuiltFigure(data=spec["data"], layout=spec["layout"], _validate=False)
    fig._built = spec
    return fig


def recolored(part, theme: Theme, key: str = ""):
    """``part`` (a figure's dicts and lists) with every colour swapped by ``theme``: the
    values under a key naming a colour (``color``, ``bgcolor``, ``linecolor``, ...,
    one or a list), and inline ``color:`` in a title's HTML (``text``)."""
    if isinstance(part, dict):
        return {k: recolored(v, theme, k) for k, v in part.items()}
    if isinstance(part, list):
        return [recolored(v, theme, key) for v in part]
    if isinstance(part, str):
        if "color" in key:
            return theme.color(part)
        if key == "text":
            return theme.text_colors(part)
    return part
