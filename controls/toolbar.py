"""The row above the race chart: the view, what went wrong, sharing, presenter mode.

What comes and goes with the runs and the link (a run that diverged, what a
link could not use) is a button in this one row that lists it, never a box of
its own, so the chart does not move down the page when a run diverges.

Widget keys: ``view``, ``present`` and ``share_menu`` (Share: open or not).
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from urllib.parse import urlencode

import segno
import streamlit as st

from scenes import escape_markdown

VIEWS = {"overlay": "Overlay", "multiples": "Small multiples"}
# The clicker's keys in presenter mode (controls.lecture, the race chart's script).
LECTURE_KEYS = ("The lecture's keys (a presentation clicker sends them): PageDown or → "
                "plays the step's race, then shows its claim, then goes to the next step; "
                "PageUp or ← goes to the step before. The page never scrolls on them.")


def view_switch(on_change: Callable[[], None] | None = None) -> str:
    """Overlay or small multiples; the view shown. ``on_change``: the switch's callback."""
    view = st.segmented_control("View", list(VIEWS), key="view", format_func=VIEWS.get,
                                label_visibility="collapsed", on_change=on_change)
    return view or "overlay"


def notices(run_messages: list[str], link_messages: list[str]) -> None:
    """What stopped and what a link could not use, each a button that lists it."""
    if run_messages:
        count = len(run_messages)
        label = "1 run stopped" if count == 1 else f"{count} runs stopped"
        with st.popover(label, icon=":material/warning:"):
            for message in run_messages:
                st.markdown(f"- {escape_markdown(message)}")
    if link_messages:
        count = len(link_messages)
        label = f"The link: {count} thing{'s' if count > 1 else ''} ignored"
        with st.popover(label, icon=":material/link_off:"):
            for message in link_messages:
                st.markdown(f"- {escape_markdown(message)}")


def link_of(query: dict) -> str:
    """The page's address with this query, as the visitor's browser knows it."""
    base = (st.context.url or "").rstrip("/")
    return f"{base}/?{urlencode(query, doseq=True, safe=',:=')}" if query else f"{base}/"


def qr_png(link: str, scale: int) -> bytes:
    """The link as a QR code (PNG; ``scale`` pixels per module), drawn here."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=scale, border=2, dark="#111111")
    return out.getvalue()


# Presenter mode's Share: the QR code takes QR_HEIGHT of the screen's height (CSS vh),
# the link under it in large type; the whole popover fits a 1280 x 720 screen.
QR_HEIGHT = 0.42
SHARE_CSS = f"""<style>
.st-key-share_qr [data-testid="stImage"] img, .st-key-share_qr [data-testid="stImage"] {{
  height: {QR_HEIGHT * 100:.0f}vh !important; width: {QR_HEIGHT * 100:.0f}vh !important;
  max-width: none !important; image-rendering: pixelated; }}
.st-key-share_qr {{ align-items: center; }}
.st-key-share_qr .descent-link {{ font-size: 1.6rem; font-weight: 600; margin: 0;
  overflow-wrap: anywhere; max-width: 90vw; text-align: center; }}
</style>"""


SHARE_MENU = "share_menu"  # "Share": open or not


def share(query: dict, presenter: bool, room: Callable[[], None] | None = None) -> None:
    """"Share": the scene's link to copy, and in presenter mode a QR code large enough to
    scan from the back of a hall (:data:`QR_HEIGHT` of the screen's height), the link under
    it in large type. ``room``: draws the room's controls at the popover's top. Its
    contents are drawn only while it is open (opening it reruns the chart's fragment): a
    slider's move sends none of them."""
    menu = st.popover("Share", icon=":material/share:", key=SHARE_MENU, on_change="rerun",
                      help="the link to this scene")
    if not menu.open:
        return
    with menu:
        if room is not None:
            room()
        link = link_of(query)
        if presenter:
            st.html(SHARE_CSS)
            with st.container(key="share_qr", gap="small"):
                st.image(qr_png(link, scale=10))
                st.html(f'<p class="descent-link">{html.escape(link)}</p>')
            return
        st.caption("The address bar holds the whole scene; copy it from here:")
        st.code(link, language=None, wrap_lines=True)


def presenter_switch() -> None:
    st.toggle("Presenter mode", key="present",
              help="For a projector: large type and thick lines, the sidebar tucked away "
                   "(open it with the arrow at the top left), the lecture bar above the "
                   "chart. Links keep it as present=1.\n\n" + LECTURE_KEYS)
