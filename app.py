"""Descent Lab: race the lecture's optimizers across a loss surface.

The page, top to bottom:

* **the race** (a fragment, ``race``): the story line (the preset's "what to
  look for", or the surface's story), a toolbar (view, what stopped, share,
  presenter mode) and the chart laid out for the visitor's screen (a fragment of
  their own, ``race_chart``), the runs' cards under them, and the panel picked
  under "Explore further" (``panel_area``). A card's slider reruns
  ``race_chart`` and ``panel_area`` only (``st.rerun(scope=...)`` in its
  callback): the cards and the rest of the page stay as drawn;
* **how each optimizer updates**: the lecture's rule and the NumPy code that
  runs, one optimizer at a time (a fragment of its own);
* the surface's formula;
* **the sidebar**: lecture presets, the surface, the start, the steps, noise and
  schedules.

The scene lives in the widgets' state (:mod:`controls.scene_state`) and in the
URL, from which it is restored when the page opens and into which it is kept
(:mod:`controls.address`, docs/links.md); everything computed comes from the
packages.
"""

from __future__ import annotations

import contextlib

import streamlit as st

import surfaces
from analysis.theory import stable_lr_range
from controls import address, delivery, scene_state, sidebar, toolbar, viewport
from controls import lecture as lecture_controls
from controls import room as room_controls
from controls import runs as run_controls
from controls.code import code_block
from controls.computed import Race, formula_error, path_of, race_figure, surface_of
from controls.race_chart import forget, plotly_path, race_chart
from optimizers import OPTIMIZERS
from panels import PANELS, PageState, class_board, offered_panels
from plotting.export import chart_config, file_stem
from plotting.latex import stacked_latex
from plotting.runs import scene_traces
from scenes import PRESETS_BY_KEY, Scene, compute, escape_markdown
from scenes.dynamics import NO_DYNAMICS
from scenes.surface_defaults import defaults_for

# The race's fragments: the chart (with the story and the toolbar above it), and the
# panel under the cards; a card's slider reruns these two and nothing else.
RACE, CHART, PANEL = "race", "race_chart", "panel_area"
ss = st.session_state


# A fragment's run never drops the page's messages still on their way (controls.delivery).
delivery.keep_this_sessions_queue()


# --- a visitor's first run opens the link ---

if "ids" not in ss or address.navigated(ss, st.query_params):  # a link, Back or Forward
    address.open_link(ss, room_controls.scene_link(st.query_params), views=toolbar.VIEWS,
                      panels=PANELS)
    room_controls.arrive(ss, st.query_params)  # ?room=CODE: follow the lecturer's room
room_controls.catch_up(ss, views=toolbar.VIEWS, panels=PANELS)  # the room's new scene
FOLLOWING = room_controls.following(ss)  # the scene is the lecturer's: none of its widgets
if FOLLOWING:
    scene_state.keep(ss)  # their values stay while they are not drawn
scene_state.take_picked_start(ss)
# No page_icon: a Material icon there is fetched from the network, which a lecture hall
# may lack. Presenter mode tucks the sidebar away (the lecturer can still open it).
st.set_page_config(page_title="Descent Lab", layout="wide",
                   initial_sidebar_state="collapsed" if ss.present else "auto")
# This run draws the whole page: the race records what it drew outside itself (presenter
# mode, the optimizers in use), and reruns the page when a change of its own needs them
# drawn again.
ss.drawn = None


# --- presenter mode (the page's room for the chart is set by controls.viewport) ---

# Presenter mode, for a projector: larger text, the rule and its code large enough to read;
# the story line above the chart and the lecture bar's step a little smaller, so that the
# chart and its Play button keep the first screen.
PRESENTER_CSS = """<style>
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li { font-size: 1.35rem; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] p,
[data-testid="stMain"] .rule-caption { font-size: 1.2rem; }
[data-testid="stMain"] .rule-caption code { font-size: 1.1rem; }
[data-testid="stMain"] .katex { font-size: 1.8em; }
[data-testid="stMain"] .rule-code code { font-size: 1.35rem; line-height: 1.5; }
[data-testid="stMain"] [data-testid="stSliderThumbValue"] { transform: translateY(-0.45rem); }
[data-testid="stMain"] .st-key-story [data-testid="stMarkdownContainer"] p { font-size: 1.15rem; }
[data-testid="stMain"] .st-key-lecture_bar [data-testid="stSelectbox"] input { font-size: 1.15rem; }
</style>"""
if ss.present:
    st.html(PRESENTER_CSS)


# --- the race ---

def story(scene: Scene, surface, stopped: int) -> None:
    """One line on what to look for: the preset's sentence, or the story of the surface's
    own runs while those are on show, or else the surface's lesson (and, when ``stopped``
    runs of the visitor's own stopped, that its claim is for the surface's own runs); for
    a typed formula that cannot be used (``surface`` None), that it cannot be used yet.

    Under a library surface's story, hidden in the same place (viewport.css), lies its
    lesson, and under its lesson its story: the line takes the room of the longer one, so
    that a first move away from the surface's own runs (or an undo back to them) leaves the
    chart where it is. The hidden line is a second markdown element of the story (AppTest
    lists it too)."""
    if ss.preset:
        preset = PRESETS_BY_KEY[ss.preset]
        st.markdown(f"**{preset.title}.** {preset.look_for}")
    elif surface is None:  # its error shows once, beside the formula in the sidebar
        st.markdown("**Custom formula.** This formula cannot be used yet: the sidebar's "
                    "**Surface** says why. Once it can, its runs race here.")
    else:
        told, other, shown = surface.lesson, None, False
        if scene.surface in surfaces.SURFACES:
            defaults = defaults_for(scene.surface, scene.params, scene.choices)
            # the story's numbers are for exact gradients at a constant lr
            shown = scene.runs == defaults.runs and scene.dynamics == NO_DYNAMICS
            told, other = (defaults.story, told) if shown else (told, defaults.story)
        if stopped and not shown:
            told += (f" That is what its own runs show; {stopped} of yours stopped here. Its "
                     f"own runs come when you choose it with “Keep my runs” switched off."
                     if scene.surface in surfaces.SURFACES
                     else f" {stopped} of these runs stopped.")
        with st.container(key="surface_story"):
            st.markdown(surface_line(surface, told))
            if other is not None:  # hidden, in the same place: the room of either line
                with st.container(key="story_twin"):
                    st.markdown(surface_line(surface, other))


def surface_line(surface, told: str) -> str:
    """The story line of a surface: its title, what to look for, and Play."""
    return (f"**{escape_markdown(surface.title)}.** {escape_markdown(told)} "
            f"Press **Play** to watch them race.")


def chart(scene: Scene, surface, traces: list, screen, view: str) -> None:
    """The race chart; a click on the start picker becomes the new start."""
    figure, font = race_figure(scene, screen, view, surface, traces)
    point = race_chart(ss, figure, chart_config(file_stem(scene)), key="race", font=font,
                       lecture=lecture_controls.chart_message(ss, bool(ss.present)),
                       on_lecture=take_lecture_report)
    if scene_state.pick_start(ss, point):
        st.rerun()


def take_lecture_report() -> None:
    """The race chart reported on the lecture step (its race ended: the claim shows)."""
    state = ss.get("race")
    lecture_controls.take_report(ss, state.get("lecture") if state is not None else None)


def rerun_race() -> None:
    st.rerun(scope=RACE)


def rerun_chart() -> None:
    """A run's setting moved: the chart, and the panel under the cards when one is open;
    not the cards."""
    st.rerun(scope=[CHART, PANEL] if ss.get("panel") else CHART)


def rerun_chart_and_panel() -> None:
    """Another panel picked: the panel, and the chart's fragment that keeps the link."""
    st.rerun(scope=[CHART, PANEL])


def undo_scene() -> None:
    """Undo; the whole page when the sidebar's settings change with it (a fragment's run
    would leave the browser's sidebar showing the old values, and sending them back)."""
    if scene_state.undo(ss):
        st.rerun()
    rerun_race()


def undo_button() -> None:
    """Undo: back to the scene before the last change (a stray tap, a slider, a preset)."""
    st.button("Undo", key="undo_button", icon=":material/undo:", on_click=undo_scene,
              disabled=not ss.get("undo"), help="back to the scene before the last change")


@st.fragment(key=CHART)
def race_chart_area() -> Race | None:
    """The story line, the toolbar and the chart; None while a browser's screen is not
    known yet."""
    box = scene_state.clamp_start(ss)
    scene = scene_state.read_scene(ss)
    drawn = (bool(ss.present), run_controls.used_optimizers(scene))
    if ss.drawn is None:
        ss.drawn = drawn
    elif drawn != ss.drawn:
        st.rerun()  # presenter mode or the optimizers in use changed: the whole page
    address.follow(ss, scene)
    scene_state.remember(ss, scene)
    query = room_controls.keep_url(ss, st.query_params, scene)  # and the room's
    error = formula_error(scene)
    surface = None if error else surface_of(scene.surface_key)
    paths = {i: path_of(scene.surface_key, run.optimizer, run.hyper, scene.start, scene.steps,
                        scene.dynamics)
             for i, run in scene.enabled_runs} if surface else {}
    stops = {i: compute.divergence_message(run, paths[i], scene.dynamics)
             for i, run in scene.enabled_runs if i in paths}
    messages = [m for i, run in scene.enabled_runs if i in paths
                for m in (stops[i], compute.fan_message(run, paths[i], scene.dynamics)) if m]
    with st.container(key="story"):
        if ss.get("lecture"):  # a lecture step: its question, then its claim
            lecture_controls.card(ss, viewport.reported_screen(ss, bool(ss.present)))
        else:
            story(scene, surface, stopped=sum(1 for m in stops.values() if m))
    following = room_controls.following(ss)  # a follower's scene and link are the lecturer's
    # The toolbar's row; a follower has no toolbar, only what stopped and the measuring.
    with contextlib.nullcontext() if following else st.container(
            horizontal=True, vertical_alignment="center"):
        view = (ss.get("view") or "overlay") if following else \
            toolbar.view_switch(on_change=rerun_chart)
        toolbar.notices(messages, ss.link_messages)
        if not following:
            st.space("stretch")
            undo_button()
            run_controls.add_run(ss, rerun=rerun_race)
            with st.container(key="share", width="content"):  # a phone shows only its icon
                toolbar.share(query, bool(ss.present),
                              room=lambda: room_controls.share_menu(ss, bool(ss.present),
                                                                    toolbar.link_of))
            toolbar.presenter_switch()
        screen = viewport.measure(ss, bool(ss.present), on_change=rerun_race,
                                  preload=[plotly_path()])
    if screen is None:  # a browser's first run: the page waits for its screen
        ss.probing = True
        st.caption("Drawing the page for your screen…")
        return None
    screen = screen.themed(st.context.theme.type)  # the figures follow a dark page
    if ss.get("probing"):  # the screen has come: now the whole page, drawn for it
        ss.probing = False
        st.rerun()
    traces = scene_traces(scene, paths) if surface else []
    if surface is not None:
        chart(scene, surface, traces, screen, view)
    else:
        forget(ss, "race")
    # Under the chart: the chart and its Play button take the first screen below the
    # toolbar (controls.viewport measures from there).
    for line in scene.dynamics.describe(scene.rows):
        st.caption(line)
    ss.race_now = Race(box, scene, surface, paths, traces, screen, view)
    return ss.race_now


@st.fragment(key=PANEL)
def panel_area() -> None:
    """The panel picked under "Explore further", for the race the chart shows."""
    now: Race = ss.race_now
    offered = offered_panels(now.surface) if now.surface is not None else []
    if now.surface is not None and ss.get("panel") not in offered:  # nothing to say about it
        ss.panel = None
    if not offered:
        return
    if len(ss.ids) != len(now.scene.runs):
        st.rerun()  # a panel added runs: the whole page, cards and rules with them
    panel = ss.get("panel") if room_controls.following(ss) else st.segmented_control(
        "Explore further", offered, key="panel", format_func=lambda k: PANELS[k].title,
        on_change=rerun_chart_and_panel)
    if panel:
        PANELS[panel].render(PageState(
            scene=now.scene, surface=now.surface,
            runs=[(i, run, now.paths[i]) for i, run in now.scene.enabled_runs],
            traces=now.traces, add_run=lambda run: scene_state.add_run(ss, run),
            view=now.view, presenter=bool(ss.present), screen=now.screen))


def stable_limits(now: Race) -> dict[int, float]:
    """Each run's stable lr's upper end (by run id), where the surface is a quadratic bowl
    and the theory has one for its optimizer."""
    if now.surface is None:
        return {}
    limits = {}
    for rid, run in zip(ss.ids, now.scene.runs, strict=True):
        found = stable_lr_range(now.surface, run.optimizer, float(run.values.get("mu", 0.0)))
        if found is not None:
            limits[rid] = found[1]
    return limits


@st.fragment(key=RACE)
def race() -> Race | None:
    """The race: the chart's fragment, the runs' cards under it, then the panel."""
    now = race_chart_area()
    if now is None:
        return None
    if room_controls.following(ss):  # the lecturer's runs, and panel if one is open
        run_controls.summary(ss, now.scene)
        if ss.get("panel"):
            panel_area()
        return now
    run_controls.strip(ss, now.scene, now.screen, on_move=rerun_chart,
                       limits=stable_limits(now))
    panel_area()
    return now


# --- the sidebar: lecture presets and the scene's setting ---

def scene_sidebar() -> None:
    """The presets and the scene's setting, in the sidebar (under its title)."""
    with st.sidebar:
        box = scene_state.clamp_start(ss)  # the start, inside the box, before its widgets
        shown = scene_state.read_scene(ss)
        address.follow(ss, shown)  # the preset's highlight goes once the scene is not its
        sidebar.presets(ss)
        sidebar.surface(ss, formula_error(shown),
                        surface_of(shown.surface_key).dataset if shown.rows else None)
        sidebar.start_and_steps(box)
        sidebar.noise_and_schedules(shown.dynamics, shown.rows)


# Drawn before the race: the browser then has a new scene's settings (a preset's steps, an
# undone start) before the story line and the chart, whose reports (the chart's new top,
# say) would otherwise carry the old values back. A browser's first run draws only the
# title.
if FOLLOWING:  # the title and one sentence, in one element
    st.sidebar.markdown(f"# Descent Lab\n\n{room_controls.FOLLOWING_SIDEBAR}")
else:
    st.sidebar.title("Descent Lab")
    if not viewport.waiting(ss):
        scene_sidebar()


# --- the lecture bar: in presenter mode, and on a page that opened a lecture step (its
# previous and next lead back into the lecture from the step left) ---

if ss.present or ss.get("lecture_last"):
    if not FOLLOWING:  # the bar's buttons and list (a follower's bar is a line of text)
        st.html(lecture_controls.LECTURE_CSS)
    lecture_controls.bar(ss, following=FOLLOWING)

ROOM_LINE = st.container()  # following the lecturer's room, or a room's message
RACE_NOW = race()
if RACE_NOW is None:
    # A browser's first run draws only what measuring its screen needs (the browser
    # fetches plotly.js meanwhile); the rest follows once the screen is known.
    st.stop()
SCENE = RACE_NOW.scene
with ROOM_LINE:  # above the race, drawn once the screen is known (its poll, its key)
    room_controls.bar(ss)


# --- how each optimizer updates ---

@st.fragment
def rules(used: tuple[str, ...]) -> None:
    """The lecture's rule of one optimizer in use, as math and as the NumPy code that runs."""
    st.subheader("How each optimizer updates")
    name = st.segmented_control("Optimizer", used, key="rule", default=used[0],
                                format_func=lambda n: OPTIMIZERS[n].title,
                                label_visibility="collapsed") or used[0]
    opt = OPTIMIZERS[name if name in used else used[0]]
    # Several lines: KaTeX breaks lines (\\) only inside an environment.
    st.latex(r"\begin{gathered}" + opt.latex + r"\end{gathered}")
    st.html(code_block(opt.source, st.context.theme.type,
                       above="The NumPy code that runs (x, dx and the state are arrays of all "
                             "runs):", equals=opt.torch))


if ss.get("room_secret"):  # the lecturer's page: the class's runs, ranked
    class_board.board(SCENE, RACE_NOW.surface,
                      lambda run: path_of(SCENE.surface_key, run.optimizer, run.hyper,
                                          SCENE.start, SCENE.steps, SCENE.dynamics))
if ss.drawn[1]:
    rules(ss.drawn[1])
if formula_error(SCENE) is None:
    latex = surface_of(SCENE.surface_key).latex  # a phone: its parts one under another
    latex = stacked_latex(latex) if RACE_NOW.screen.stacked else latex
    st.markdown(f"### The surface\n\n$$\n{latex}\n$$")  # a heading and st.latex's $$

