"""The row above the race chart: the view, what went wrong, sharing, presenter mode.

What comes and goes with the runs and the link (a run that diverged, what a
link could not use) is a button in this one row that lists it, never a box of
its own, so the chart does not move down the page when a run diverges.

Widget keys: ``view`` and ``present`` (the popovers have none).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from urllib.parse import urlencode

import segno
import streamlit as st

from scenes import escape_markdown

VIEWS = {"overlay": "Overlay", "multiples": "Small multiples"}


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
    return f"{base}/?{urlencode(query, doseq=True, safe=',:=')}"


def qr_png(link: str, scale: int) -> bytes:
    """The link as a QR code (PNG; ``scale`` pixels per module), drawn here."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=scale, border=2, dark="#111111")
    return out.getvalue()


def share(query: dict, presenter: bool) -> None:
    """"Share": the scene's link to copy, and in presenter mode a QR code large enough to
    scan from the back of a hall."""
    with st.popover("Share", icon=":material/share:", help="the link to this scene"):
        link = link_of(query)
        if presenter:
            st.markdown("**Open this scene on your phone or laptop:**")
            st.image(qr_png(link, scale=10), width=360)
        st.caption("The address bar holds the whole scene; copy it from here:")
        st.code(link, language=None, wrap_lines=True)


def presenter_switch() -> None:
    st.toggle("Presenter mode", key="present",
              help="For a projector: large type and thick lines, the sidebar tucked away "
                   "(open it with the arrow at the top left). Links keep it as present=1.")
