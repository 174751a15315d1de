"""The lecture on the page: its bar, each step's question then claim, the clicker's keys.

A step of the lecture (:mod:`scenes.lecture`) is entered through its link
(``?lecture=<key>``), the lecture bar (previous, a list of every step, next) or the
clicker's keys. Entered, it shows its question and its race at step 0; the claim
is hidden until the race has been played to its end (the race chart reports it,
:func:`take_report`) or the lecturer presses forward once more. A visitor who
changes the scene (a slider, another preset) leaves the step: the chart shows the
whole path at once, as for any scene (:func:`follow`).

The keys (presenter mode only; the race chart's script listens for them, see
``controls/race_chart/frontend/README.md``): PageDown and the right arrow go forward
(play the step's race if it has not been played, else show its claim, else the next
step), PageUp and the left arrow go back (the step before). The next and previous
steps are the bar's buttons, which the keys press.

State keys: ``lecture`` (the step open, or None), ``lecture_stage`` (``"ask"``: the
claim hidden; ``"shown"``), ``lecture_entry`` (counts the steps entered, so that the
chart knows a step entered anew), and the bar's widgets ``lecture_pick``,
``lecture_prev``, ``lecture_next``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import streamlit as st

from controls import scene_state
from controls.scene_state import State
from plotting.layout import Screen, Style, wrapped_rows
from scenes.lecture import LECTURE, STEPS_BY_KEY, neighbours, position

ASK, SHOWN = "ask", "shown"
# Line height of the question and the claim, in em.
LINE = 1.25
# Their size on a phone, the page's own text size (the chart and Play need the first screen).
PHONE_PX = 16.0
# Each printable ASCII character's width in em in the page's font (Streamlit's Source Sans)
# at the claim's weight, 600, as Chromium draws it at 100 pixels (rounded up to a
# hundredth); any other character is taken as WIDEST_EM. At a text's own size a browser
# may round each character's width to whole pixels, up or down (Chromium on Linux does):
# :func:`lines` takes each as its width rounded up, so that the claim's room is never a
# line short. tests/test_phone_browser.py checks both on the page.
CLAIM_CHAR_EM = {char: em for em, chars in {
    0.2: " ", 0.26: "ij|", 0.27: ",.:;l", 0.28: "'I", 0.31: "!f", 0.32: "()-[{", 0.33: "]}",
    0.34: "/\\", 0.35: "t", 0.37: "r", 0.43: "s", 0.44: "*?z", 0.45: "c", 0.47: "J",
    0.48: '"x', 0.5: "LY_vy", 0.51: "0123456789#$+<=>F^e~", 0.52: "agk", 0.54: "ESXZ",
    0.55: "TV`o", 0.56: "ACbdhnpqu", 0.58: "P", 0.59: "R", 0.6: "BK", 0.62: "DG", 0.64: "&",
    0.65: "NU", 0.66: "H", 0.68: "OQ", 0.74: "M", 0.75: "w", 0.8: "W", 0.84: "%m", 0.88: "@",
}.items() for char in chars}
WIDEST_EM = max(CLAIM_CHAR_EM.values())


def open_step(ss: State, key: str) -> None:
    """Enter step ``key``: its scene, its question, its race at step 0 (before the
    widgets are drawn: a callback or a first run)."""
    scene = STEPS_BY_KEY[key].scene
    scene_state.load_scene(ss, scene)
    ss["loaded"], ss["preset"], ss["link_messages"] = scene, None, []
    entered(ss, key)


def entered(ss: State, key: str | None, *, claim: bool = False) -> None:
    """Step ``key`` (None: no step) is open, its claim hidden (shown with ``claim``: a
    link's ``claim=1``, a room whose lecturer revealed it)."""
    ss["lecture"] = key
    ss["lecture_last"] = key
    ss["lecture_stage"] = SHOWN if claim and key else ASK
    ss["lecture_entry"] = ss.get("lecture_entry", 0) + 1


def follow(ss: State, scene) -> None:
    """The scene is no longer the open step's: the step is left (``lecture_last`` keeps
    it, for the bar's next and previous); a step the race was paused at on another
    scene is forgotten."""
    paused = ss.get("race_at")
    if paused is not None and paused["scene"] != scene:
        ss["race_at"] = None
    key = ss.get("lecture")
    if key and scene != STEPS_BY_KEY[key].scene:
        ss["lecture"], ss["lecture_last"] = None, key


def token(ss: State) -> str | None:
    """Names the step entered (a step entered anew has a new one), or None."""
    key = ss.get("lecture")
    return f"{key}:{ss.get('lecture_entry', 0)}" if key else None


def chart_message(ss: State, presenter: bool) -> dict:
    """What the race chart is told of the lecture: the keys listen in presenter mode;
    ``open`` (the step entered, :func:`token`) opens its race at step 0 while ``stage``
    is ``"ask"``. Once the claim shows, ``open`` is None: the chart shows the whole
    path (a follower whose lecturer revealed the claim goes to the race's end).
    ``report`` (true, only on a room's lecturer's page): the chart reports the step it
    is paused at (:func:`take_pause`); ``at`` (only on another page, while there is
    one): the step a room's lecturer paused at (:func:`pause_at`), which the chart
    shows, paused."""
    stage = ss.get("lecture_stage", ASK)
    told = {"keys": presenter, "open": token(ss) if stage == ASK else None, "stage": stage}
    if ss.get("room_secret"):
        told["report"] = True
    elif paused_at(ss) is not None:
        told["at"] = paused_at(ss)
    return told


def pause_at(ss: State, step: int | None, scene) -> None:
    """The race is paused at ``step`` of ``scene`` (None: not paused, the whole path)."""
    ss["race_at"] = None if step is None else {"step": int(step), "scene": scene}


def paused_at(ss: State) -> int | None:
    """The step the race is paused at (:func:`pause_at`), or None."""
    paused = ss.get("race_at")
    return paused["step"] if paused is not None else None


def take_pause(ss: State, report: object) -> None:
    """The lecturer's race chart's report ``{"at": step}`` (paused there, or the step
    slider let go there) or ``{"at": None}`` (its race ran to the end): kept with the
    scene, for the room (:func:`controls.room.keep_url`). Anything else a browser may
    send changes nothing."""
    if not (isinstance(report, Mapping) and "at" in report):
        return
    at, scene = report["at"], scene_state.read_scene(ss)
    if at is None:
        pause_at(ss, None, scene)
    elif isinstance(at, int) and not isinstance(at, bool) and 0 <= at <= scene.steps:
        pause_at(ss, at, scene)


def shown(ss: State) -> bool:
    """Whether the open step's claim shows (a room's lecturer writes it, ``claim=1``)."""
    return bool(ss.get("lecture")) and ss.get("lecture_stage") == SHOWN


def take_report(ss: State, report: object) -> None:
    """The race chart's report ``{"action": "ended" | "reveal", "open": token}``: the
    step's race has ended, or the lecturer pressed forward: its claim shows. A report for
    a step no longer open (or anything else a browser sends) changes nothing. On a room's
    lecturer's page, ``{"action": "paused", "at": step}`` too (:func:`take_pause`)."""
    if (isinstance(report, Mapping) and report.get("action") in ("ended", "reveal")
            and report.get("open") is not None and report.get("open") == token(ss)):
        ss["lecture_stage"] = SHOWN
        ss["race_at"] = None  # the claim's race shows its whole path
    elif (isinstance(report, Mapping) and report.get("action") == "paused"
          and ss.get("room_secret")):
        take_pause(ss, report)


def _pick(ss: State) -> None:
    """The list's step picked: entered. Its value comes from the visitor's browser, which
    may send any text (``controls.choice``): anything but a step's key changes nothing."""
    key = ss.get("lecture_pick")
    if isinstance(key, str) and key in STEPS_BY_KEY:
        open_step(ss, key)


def targets(ss: State) -> tuple[str | None, str | None]:
    """The steps the bar's previous and next open: the open step's neighbours; after a
    step was left (its scene changed), that step again and the one after it; with no
    step yet, none and the first."""
    key, last = ss.get("lecture"), ss.get("lecture_last")
    if key is None and last is None:
        return None, LECTURE[0].key
    before, after = neighbours(key or last)
    return ((before.key if before else None) if key else last,
            after.key if after else None)


def _go(ss: State, forward: bool) -> None:
    step = targets(ss)[forward]
    if step is not None:
        open_step(ss, step)


def bar(ss: State, *, following: bool = False) -> None:
    """Previous, the step ("3 of 17: ...", a list of every step) and next, in one row;
    on a page that follows the lecturer's room (``following``), the step alone, as text
    (the lecturer moves through the lecture)."""
    key = ss.get("lecture")
    if following:
        if key is not None:
            with st.container(key="lecture_bar"):
                st.markdown(f"**{html.escape(position(key))}**")
        return
    before, after = targets(ss)
    ss["lecture_pick"] = key  # the list shows the step open (set before it is drawn)
    with st.container(horizontal=True, vertical_alignment="center", key="lecture_bar"):
        st.button(":material/arrow_back:", key="lecture_prev", disabled=before is None,
                  on_click=_go, args=(ss, False),
                  help="The step before (PageUp or ←)")
        st.selectbox("Lecture step", [step.key for step in LECTURE], key="lecture_pick",
                     index=None, format_func=position, on_change=_pick, args=(ss,),
                     placeholder=f"The lecture: {len(LECTURE)} steps", width="stretch",
                     label_visibility="collapsed")
        st.button(":material/arrow_forward:", key="lecture_next", disabled=after is None,
                  on_click=_go, args=(ss, True),
                  help="The next step (PageDown or →, once its claim shows)")


def font_px(screen: Screen) -> float:
    """The question's and the claim's size in presenter mode: the chart's axis titles'
    (plotly.js draws them at 1.2 times the layout's font)."""
    return math.ceil(1.2 * Style.of(screen).font)


def lines(text: str, px: float, width: float) -> int:
    """How many lines the claim ``text`` takes at most at ``px`` in a column ``width``
    wide: its words wrapped at spaces as a browser wraps them, each character as wide as
    :data:`CLAIM_CHAR_EM` says, rounded up to a whole pixel."""
    def wide(chars: str) -> int:
        return sum(math.ceil(CLAIM_CHAR_EM.get(char, WIDEST_EM) * px) for char in chars)

    return wrapped_rows(map(wide, text.split()), width, gap=wide(" "))


def card(ss: State, screen: Screen | None) -> None:
    """The open step's question, and under it its claim once shown (its room kept
    meanwhile, so that the chart does not move when it comes)."""
    step = STEPS_BY_KEY[ss["lecture"]]
    shown = ss.get("lecture_stage") == SHOWN
    width = screen.width if screen is not None else 1000.0
    px = font_px(screen) if screen is not None and screen.presenter else (
        PHONE_PX if screen is not None and screen.stacked else 18.0)
    room = lines(step.claim, px, width) * LINE
    size = f"font-size:{px}px;line-height:{LINE}"
    claim = (f'<p class="descent-claim" style="{size};min-height:{room}em">'
             f'{html.escape(step.claim)}</p>' if shown else
             f'<p class="descent-claim-hidden" style="{size};min-height:{room}em"></p>')
    st.html(f'{CARD_CSS}<div class="descent-lecture"><p class="descent-question" '
            f'style="{size}"><b>Q:</b> {html.escape(step.question)}</p>{claim}</div>')


CARD_CSS = """<style>
.descent-lecture p { margin: 0 0 0.15em 0; }
.descent-lecture .descent-claim { font-weight: 600; }
</style>"""


# The bar in one row on every screen: the step's list takes what the arrows leave, a title
# too long for it ends in an ellipsis, and the list has no clear button (it always shows
# the step open; on a phone that button was squeezed to a dot).
LECTURE_CSS = """<style>
.st-key-lecture_bar { gap: 0.5rem; flex-wrap: nowrap; }
.st-key-lecture_bar [data-testid="stButton"] { flex: 0 0 auto; }
.st-key-lecture_bar button { min-height: 2.4rem; height: 2.4rem; padding: 0 0.7rem; }
.st-key-lecture_bar [data-testid="stSelectbox"] input { text-overflow: ellipsis; }
.st-key-lecture_bar [data-testid="stSelectbox"] [role="group"] > button:not(:last-of-type) {
    display: none; }
</style>"""
