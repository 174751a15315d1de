"""Where each part of the race chart goes, in pixels, for the screen it is drawn on.

The page measures the chart's container in the browser (its width, and the
height left below its top on the first screen) and passes it here as a
:class:`Screen`. From it :class:`ChartGeometry` lays the chart out in pixels:

* **side by side** (a laptop or a projector): the contour panel (or the grid
  of small multiples) on the left, its colour bar, then the loss panel; the
  legend on top; below, the axis titles and one row of controls (Play/Pause,
  the step slider, the speed menu).
* **stacked** (a phone, anything narrower than :data:`STACK_BELOW`): the
  contour across the full width, a horizontal colour bar under it, the loss
  panel below that, and the controls on two rows of their own (Play/Pause
  and speed, then the step slider).

Every part gets its own band of pixels, sized from the font, so no part can
overlap another: tick labels, axis titles, the colour bar and its title, the
legend, the buttons and the slider with its "step N" label. The contour
panels get exactly the aspect ratio of the surface's domain (equal scales on
x and y), so Plotly does not shrink them and a small multiple's title sits
on its panel. Plotly places everything in fractions of the plot area, so the
geometry is converted at the end (:meth:`ChartGeometry.paper_x` and
:meth:`ChartGeometry.paper_y`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from plotting.colors import LIGHT, THEMES, Theme, theme_named

# Narrower containers than this get the stacked (phone) layout.
STACK_BELOW = 640
# The stacked layout's loss panel is never lower than this, however short the screen (a
# 360 x 800 phone keeps Play on its first screen; the panel then labels fewer decades:
# plotting.figure's LOSS_LABEL_SPACING).
MIN_STACKED_LOSS = 70.0
# ... and its contour panels no lower than this multiple of their width.
MIN_STACKED_ASPECT = 0.55
# A contour panel's height as a multiple of its width is kept within these
# bounds (a very tall or very flat domain is drawn at a readable size, and
# Plotly's equal scales then fit it inside the box).
MIN_ASPECT, MAX_ASPECT = 0.25, 1.25
# Characters in the contour's y tick labels ("−4", "1.5"); the loss panel's
# ("10⁻¹⁰") get the default of _y_axis_band.
CONTOUR_TICK_CHARS = 2.6


@dataclass(frozen=True)
class Screen:
    """The chart's container: ``width`` across and ``height`` the chart may fill, in CSS
    pixels; ``presenter`` for a projector (large type, thick lines); ``theme`` the page's,
    ``"light"`` or ``"dark"`` (:func:`plotting.colors.theme_named`)."""

    width: float = 1000.0
    height: float = 620.0
    presenter: bool = False
    theme: str = "light"

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number of pixels, got {value!r}")
        # Anything narrower than a small phone or shorter than a small laptop is drawn
        # at that size and scrolls: a chart squeezed smaller is unreadable.
        object.__setattr__(self, "width", float(min(max(self.width, 280.0), 4000.0)))
        object.__setattr__(self, "height", float(min(max(self.height, 360.0), 3000.0)))
        if self.theme not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, got {self.theme!r}")

    def themed(self, theme: str | None) -> Screen:
        """This screen on a page of ``theme`` (Streamlit's ``st.context.theme.type``:
        ``"light"``, ``"dark"``, or None before the browser has said: light)."""
        return replace(self, theme="dark" if theme == "dark" else "light")

    @property
    def stacked(self) -> bool:
        return self.width < STACK_BELOW


@dataclass(frozen=True)
class Style:
    """Type and line sizes, in pixels, and the colours of the page's theme."""

    font: float
    line: float
    marker: float
    theme: Theme = LIGHT

    @classmethod
    def of(cls, screen: Screen) -> Style:
        if screen.presenter:
            # Readable from the back of a hall: 17 px at 1280 wide, 24 px at 1920.
            font = min(24.0, max(16.0, screen.width / 75))
        elif screen.stacked:
            font = 12.0
        else:
            font = 14.0
        return cls(font=font, line=round(font * 0.18, 1), marker=round(font * 0.8),
                   theme=theme_named(screen.theme))


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels from the plot area's left and bottom edges."""

    left: float
    bottom: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def top(self) -> float:
        return self.bottom + self.height


def text_width(text: str, font: float) -> float:
    """About how wide ``text`` is drawn at ``font`` pixels (a proportional sans-serif)."""
    return 0.56 * font * len(text)


def legend_height(names: list[str], font: float, width: float) -> float:
    """Pixels Plotly's horizontal legend takes above the plot for these entries.

    Plotly draws an entry ``max(1.3 * font, 16) + 3`` pixels high (its line height, at
    least the symbol's 16 pixels, and a gap), a row as high as its entries, and pads the
    whole by 5 pixels above and below; the figure's legend has no gap between its runs'
    groups (``tracegroupgap`` 0)."""
    return legend_rows(names, font, width) * (max(1.3 * font, 16.0) + 3) + 12


def wrapped_rows(widths: Iterable[float], width: float, gap: float = 0.0) -> int:
    """How many rows items of these ``widths`` take laid left to right across ``width``,
    ``gap`` between neighbours on a row, the next row begun when an item does not fit (a
    browser wrapping words at spaces, Plotly its horizontal legend)."""
    rows, used = 1, 0.0
    for item in widths:
        if used and used + gap + item > width:
            rows, used = rows + 1, item
        else:
            used += (gap if used else 0.0) + item
    return rows


def legend_rows(names: list[str], font: float, width: float) -> int:
    """How many rows Plotly's horizontal legend takes for these entries across ``width``."""
    # each entry: its name, the line sample and the gaps around it
    return wrapped_rows((text_width(name, font) + 48 for name in names), width)


@dataclass(frozen=True)
class ChartGeometry:
    """The chart laid out in pixels: figure size, margins, and a box per part.

    Attributes:
        width, height: the whole figure.
        margin: Plotly's margins (``l``, ``r``, ``t``, ``b``) around the plot area.
        panels: the contour panels, one for the overlay or one per small multiple.
        title_height: room above each small multiple for its title (0 for the overlay).
        colorbar: where the colour bar is drawn (its bar, labels and title inside).
        loss: the loss panel.
        buttons_y, slider_y: the top of the Play/Pause row and of the step slider,
            in pixels below the plot area's bottom edge.
        slider_x: the slider's left end and length, as fractions of the plot width.
        stacked: the phone layout.
    """

    style: Style
    width: float
    height: float
    margin: dict
    panels: tuple[Box, ...]
    title_height: float
    colorbar: Box
    loss: Box
    buttons_y: float
    slider_y: float
    slider_x: tuple[float, float]
    stacked: bool

    @property
    def plot_width(self) -> float:
        return self.width - self.margin["l"] - self.margin["r"]

    @property
    def plot_height(self) -> float:
        return self.height - self.margin["t"] - self.margin["b"]

    def paper_x(self, pixels: float) -> float:
        return pixels / self.plot_width

    def paper_y(self, pixels: float) -> float:
        return pixels / self.plot_height

    def domain(self, box: Box) -> tuple[list[float], list[float]]:
        """A box as Plotly's axis domains ``([x0, x1], [y0, y1])`` in the plot area."""
        clip = lambda v: min(1.0, max(0.0, v))  # noqa: E731
        return ([clip(self.paper_x(box.left)), clip(self.paper_x(box.right))],
                [clip(self.paper_y(box.bottom)), clip(self.paper_y(box.top))])

    @classmethod
    def of(cls, screen: Screen, *, aspect: float, panels: int, legend: list[str],
           title_lines: int = 0, controls: bool = True) -> ChartGeometry:
        """The layout for ``panels`` contour panels of a domain ``aspect`` (height over
        width) and a legend of these entries, on ``screen``; ``controls``: room below
        for Plotly's own Play/Pause, slider and speed menu (False when the page draws
        its own under the chart)."""
        style = Style.of(screen)
        aspect = min(max(aspect, MIN_ASPECT), MAX_ASPECT)
        if screen.stacked:
            return _stacked(screen, style, aspect, panels, legend, title_lines, controls)
        return _side_by_side(screen, style, aspect, panels, legend, title_lines, controls)


def _grid(panels: int, columns: int) -> tuple[int, int]:
    cols = min(columns, panels)
    return cols, math.ceil(panels / cols)


def _multiples_columns(panels: int, stacked: bool) -> int:
    if stacked:
        return 2
    return 2 if panels == 4 else 3


def _multiples_gap(font: float) -> float:
    """Between two small multiples: the right one's y tick labels and half of the left
    one's last x tick label ("10")."""
    return 0.62 * CONTOUR_TICK_CHARS * font + _last_tick_half(font) + 10


def _last_tick_half(font: float) -> float:
    """Half of a contour's last x tick label ("10": two digits of at most 0.6 em), which
    sticks out past its panel's right edge."""
    return 0.6 * font


def _tick_band(font: float) -> float:
    """Height of a horizontal axis's tick labels and its title, below a panel (Plotly
    draws the ticks 5 px long, the labels about 1.3 font high, the title 4 px below)."""
    return 5 + 1.4 * font + 4 + 1.3 * font + 4


def _y_axis_band(font: float, chars: float = 5.0) -> float:
    """Width of a vertical axis's tick labels (``chars`` characters wide: "−4" is 2,
    "10⁻¹⁰" about 5) and its rotated title."""
    return 0.62 * chars * font + 1.5 * font + 8


def _controls_height(font: float) -> float:
    """One row of controls: the slider's "step N" label, its rail and ticks, or the buttons."""
    return 1.4 * font + 40


def _side_by_side(screen: Screen, style: Style, aspect: float, panels: int, legend: list[str],
                  title_lines: int, controls: bool) -> ChartGeometry:
    f = style.font
    left, right = _y_axis_band(f, CONTOUR_TICK_CHARS), 1.2 * f + 4
    plot_w = screen.width - left - right
    top = 6 + legend_height(legend, f, plot_w) if legend else 12.0
    bottom = _tick_band(f) + (10 + _controls_height(f) + 6 if controls else 4)
    # The colour bar: a gap (half the last contour's last x tick label, "10", sits in
    # it), the bar, its tick labels ("0.001") and its rotated title.
    colorbar_gap = max(10.0, _last_tick_half(f) + 2)
    colorbar_w = colorbar_gap + 14 + 4 + 3.2 * f + 1.6 * f + 8
    loss_gap = _y_axis_band(f)  # the loss panel's own y axis, left of it
    loss_w = min(max(0.24 * plot_w, 180.0), 0.4 * plot_w)
    contour_w = plot_w - colorbar_w - loss_gap - loss_w
    cols, rows = _grid(panels, _multiples_columns(panels, False)) if panels > 1 else (1, 1)
    title_h = (1.25 * title_lines + 0.4) * 0.85 * f if panels > 1 else 0.0
    gap_x = _multiples_gap(f) if panels > 1 else 0.0
    gap_y = _tick_band(f) * 0.55 if panels > 1 else 0.0  # tick labels between rows
    panel_w = (contour_w - gap_x * (cols - 1)) / cols
    # Height the contour would need at full width, and what the screen leaves for it.
    needed = rows * (panel_w * aspect + title_h) + gap_y * (rows - 1)
    room = screen.height - top - bottom
    plot_h = min(max(needed, 280.0), max(room, 280.0))
    if needed > plot_h:  # the height limits the panels: narrower, and the loss panel wider
        panel_w = ((plot_h - gap_y * (rows - 1)) / rows - title_h) / aspect
        spare = contour_w - (panel_w * cols + gap_x * (cols - 1))
        contour_w -= spare
        loss_w = min(loss_w + spare, 0.45 * plot_w)
    panel_h = panel_w * aspect
    boxes = []
    grid_h = rows * (panel_h + title_h) + gap_y * (rows - 1)
    grid_top = plot_h - max(0.0, (plot_h - grid_h) / 2)
    for p in range(panels):
        c, r = p % cols, p // cols
        box_top = grid_top - r * (panel_h + title_h + gap_y) - title_h
        boxes.append(Box(c * (panel_w + gap_x), box_top - panel_h, panel_w, panel_h))
    contour_right = max(b.right for b in boxes)
    colorbar = Box(contour_right + colorbar_gap, plot_h * 0.125, colorbar_w - colorbar_gap,
                   plot_h * 0.75)
    loss_left = contour_right + colorbar_w + loss_gap
    loss = Box(loss_left, 0.0, max(120.0, plot_w - loss_left), plot_h)
    buttons_y = _tick_band(f) + 10
    # Play/Pause on the left, speed on the right, the slider between them.
    buttons_w = 2 * text_width("❚❚ Pause", f) + 40
    speed_w = text_width("speed 1× ▲", f) + 30
    slider_x = (buttons_w + 20) / plot_w
    slider_len = max(0.2, 1 - slider_x - (speed_w + 20) / plot_w)
    return ChartGeometry(
        style=style, width=screen.width, height=top + plot_h + bottom,
        margin={"l": left, "r": right, "t": top, "b": bottom, "pad": 0},
        panels=tuple(boxes), title_height=title_h, colorbar=colorbar, loss=loss,
        buttons_y=buttons_y, slider_y=buttons_y, slider_x=(slider_x, slider_len),
        stacked=False,
    )


def _stacked(screen: Screen, style: Style, aspect: float, panels: int, legend: list[str],
             title_lines: int, controls: bool) -> ChartGeometry:
    f = style.font
    left, right = _y_axis_band(f, CONTOUR_TICK_CHARS), 1.2 * f + 4
    plot_w = screen.width - left - right
    top = 4 + legend_height(legend, f, plot_w) if legend else 10.0
    cols, rows = _grid(panels, _multiples_columns(panels, True)) if panels > 1 else (1, 1)
    title_h = (1.25 * title_lines + 0.4) * 0.85 * f if panels > 1 else 0.0
    gap_x = _multiples_gap(f) if panels > 1 else 0.0
    gap_y = _tick_band(f) * 0.55 if panels > 1 else 0.0
    panel_w = (plot_w - gap_x * (cols - 1)) / cols
    colorbar_h = 12 + 1.4 * f + 1.4 * f + 10  # the bar, its labels below, its title above
    buttons_y = _tick_band(f) + 8
    slider_y = buttons_y + 2.2 * f + 18
    bottom = slider_y + _controls_height(f) + 4 if controls else _tick_band(f) + 4
    # A tall domain gets a lower panel (Plotly's equal scales then draw it narrower) when
    # the screen's height is short of it, down to MIN_STACKED_ASPECT of its width.
    fixed = top + _tick_band(f) + colorbar_h + 1.4 * f + bottom + MIN_STACKED_LOSS
    fits = (screen.height - fixed - gap_y * (rows - 1)) / rows - title_h
    panel_h = max(min(panel_w * aspect, fits), panel_w * min(aspect, MIN_STACKED_ASPECT))
    # From the top down: the contour grid, its x axis, the colour bar, the loss panel.
    grid_h = rows * (panel_h + title_h) + gap_y * (rows - 1)
    # The loss panel takes what is left of the screen's height (so that the chart fits a
    # phone's first screen), within MIN_STACKED_LOSS and its natural height.
    fixed = top + grid_h + _tick_band(f) + colorbar_h + 1.4 * f + bottom
    loss_h = min(max(160.0, 0.6 * plot_w), max(MIN_STACKED_LOSS, screen.height - fixed))
    plot_h = grid_h + _tick_band(f) + colorbar_h + 1.4 * f + loss_h
    boxes = []
    for p in range(panels):
        c, r = p % cols, p // cols
        box_top = plot_h - r * (panel_h + title_h + gap_y) - title_h
        boxes.append(Box(c * (panel_w + gap_x), box_top - panel_h, panel_w, panel_h))
    colorbar_top = plot_h - grid_h - _tick_band(f)
    colorbar = Box(0.1 * plot_w, colorbar_top - colorbar_h, 0.8 * plot_w, colorbar_h)
    # The loss panel's own tick labels ("10⁻¹⁰") are wider than the contour's.
    loss_left = max(0.0, _y_axis_band(f) - left)
    loss = Box(loss_left, 0.0, plot_w - loss_left, loss_h)
    return ChartGeometry(
        style=style, width=screen.width, height=top + plot_h + bottom,
        margin={"l": left, "r": right, "t": top, "b": bottom, "pad": 0},
        panels=tuple(boxes), title_height=title_h, colorbar=colorbar, loss=loss,
        buttons_y=buttons_y, slider_y=slider_y, slider_x=(0.0, 1.0), stacked=True,
    )


DEFAULT_SCREEN = Screen()  # a laptop's chart area, for a figure built without a browser
