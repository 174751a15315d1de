"""Descent Lab: race the lecture's optimizers across a loss surface.

Layout and widgets only. The scene (surface, start, steps, runs) is read from
the widgets into a :class:`scenes.Scene`; everything computed comes from the
packages: ``scenes`` (links, presets, simulation), ``plotting`` (the figure),
``optimizers`` and ``surfaces``. The scene lives in the URL (see the README,
"Shared links") and is restored from it when the page opens.

Widget keys (the tests find widgets by them): ``surface``, ``kappa``,
``angle``, ``expr``, ``x0``/``x1``/``y0``/``y1`` (a typed formula's box),
``start_x``, ``start_y``, ``steps``, ``view``, ``preset_<key>``, the noise and
schedule keys of :mod:`controls.dynamics`, ``present`` (presenter mode),
``add_optimizer``, ``add_run``, and per run ``run<id>_<hyper>``,
``run<id>_on``, ``run<id>_remove``.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

import streamlit as st

import surfaces
from controls import dynamics as dynamics_controls
from controls.choice import checked
from optimizers import OPTIMIZERS
from panels import PANELS, PageState
from plotting import scene_figure
from plotting.colors import run_color
from plotting.export import chart_config, file_stem
from plotting.selection import picked_point
from scenes import (
    CUSTOM,
    DEFAULT_SCENE,
    MAX_RUNS,
    MAX_STEPS,
    PRESETS,
    PRESETS_BY_KEY,
    RunSpec,
    Scene,
    choices,
    compute,
    escape_markdown,
    scene_from_query,
    scene_to_query,
)
from scenes.dynamics import NO_DYNAMICS, Dynamics
from scenes.links import presenter_from_query
from scenes.model import (
    MAX_EXPR_LENGTH,
    default_start,
    plot_box,
    surface_params,
)
from surfaces import SURFACE_PARAMS, SURFACES
from surfaces.expression import DEFAULT_DOMAIN, DOMAIN_LIMIT

GRID_N = 120  # contour resolution: fine enough for a projector, small enough to ship
SURFACE_CHOICES = (*SURFACES, CUSTOM)
EXAMPLE_FORMULA = "0.05*x**2 + 2*y**2"
VIEWS = {"overlay": "Overlay", "multiples": "Small multiples"}

# No page_icon: a Material icon there is fetched from the network, which a lecture hall may lack.
st.set_page_config(page_title="Descent Lab", layout="wide")
ss = st.session_state


# --- cached computing (keys are plain values: tuples of names and numbers) ---

@st.cache_resource(max_entries=64, show_spinner=False)
def surface_of(key: tuple) -> surfaces.Surface:
    return compute.build_surface(key)


@st.cache_data(max_entries=64, show_spinner=False)
def grid_of(key: tuple) -> tuple:
    return surface_of(key).grid(GRID_N)


@st.cache_data(max_entries=512, show_spinner=False)
def path_of(key: tuple, optimizer: str, hyper: tuple, start: tuple, steps: int,
            dynamics: Dynamics = NO_DYNAMICS):
    run = RunSpec(optimizer, hyper)
    return compute.trajectory(surface_of(key), run, start, steps, dynamics)


# --- the scene <-> the widgets ---

def load_scene(scene: Scene) -> None:
    """Put ``scene`` into the widgets' state (before they are drawn)."""
    ss.surface = scene.surface
    for name, value in scene.params:
        ss[name] = value
    if scene.surface == CUSTOM:
        ss.expr = scene.expr
        (ss.x0, ss.x1), (ss.y0, ss.y1) = scene.domain
    ss.start_x, ss.start_y = scene.start
    ss.steps = scene.steps
    dynamics_controls.load(scene.dynamics)
    ss.ids = []
    for run in scene.runs:
        add_run(run)


def add_run(run: RunSpec) -> None:
    rid = ss.get("next_id", 0)
    ss.next_id = rid + 1
    ss.ids = [*ss.ids, rid]
    ss[f"run{rid}_optimizer"] = run.optimizer
    for name, value in run.hyper:
        ss[f"run{rid}_{name}"] = value
    ss[f"run{rid}_on"] = run.enabled


def remove_run(rid: int) -> None:
    ss.ids = [i for i in ss.ids if i != rid]


def add_chosen_run() -> None:
    name = checked("add_optimizer", list(OPTIMIZERS))
    add_run(RunSpec.make(name, lr=ADD_LR[name]))


def choose_preset(key: str) -> None:
    load_scene(PRESETS_BY_KEY[key].scene)
    ss.preset = key


def reset_start() -> None:
    """A new surface (or a turned ravine) starts from its own default start.

    Also fills in the new surface's parameters (and a typed formula's text and
    box) when their widgets were not drawn in the last run.
    """
    name = checked("surface", SURFACE_CHOICES)
    if name == CUSTOM:
        ss.setdefault("expr", EXAMPLE_FORMULA)
        for k, v in zip(("x0", "x1", "y0", "y1"), (*DEFAULT_DOMAIN[0], *DEFAULT_DOMAIN[1]),
                        strict=True):
            ss.setdefault(k, v)
    params = surface_params(name, {p.name: ss.get(p.name, p.default)
                                   for p in SURFACE_PARAMS.get(name, ())})
    for key, value in params:  # Streamlit forgets the state of widgets not drawn last run
        ss[key] = value
    ss.start_x, ss.start_y = default_start(name, params, widget_domain(), ss.get("expr", ""))


def widget_domain():
    return ((ss.x0, ss.x1), (ss.y0, ss.y1)) if ss.get("surface") == CUSTOM else None


def scene_from_widgets() -> Scene:
    name = ss.surface
    params = surface_params(name, {p.name: ss[p.name] for p in SURFACE_PARAMS.get(name, ())})
    runs = []
    for rid in ss.ids:
        opt = OPTIMIZERS[ss[f"run{rid}_optimizer"]]
        values = {h.name: ss[f"run{rid}_{h.name}"] for h in opt.hyper}
        runs.append(RunSpec.make(opt.name, ss[f"run{rid}_on"], **values))
    return Scene(surface=name, params=params,
                 expr=ss.expr if name == CUSTOM else "", domain=widget_domain(),
                 start=(float(ss.start_x), float(ss.start_y)), steps=int(ss.steps),
                 runs=tuple(runs), dynamics=dynamics_controls.read())


# A sensible first learning rate when a run is added: the default scene's.
ADD_LR = {run.optimizer: run.values["lr"] for run in DEFAULT_SCENE.runs}


# --- the first run of a session: the scene comes from the link ---

if "ids" not in ss:
    link = {key: st.query_params.get_all(key) for key in st.query_params}
    scene, ss.link_messages = scene_from_query(link)
    ss.present, present_messages = presenter_from_query(link)
    ss.link_messages = [*ss.link_messages, *present_messages]
    load_scene(scene)
    ss.loaded = scene
    ss.preset = None
if "picked" in ss:  # a click on the chart in the last run: the new start
    ss.start_x, ss.start_y = ss.pop("picked")
# A selectbox passes on any text a browser sends: back to one of its options before use.
checked("surface", SURFACE_CHOICES)
checked("add_optimizer", list(OPTIMIZERS))


# The start stays inside the plot when the box is turned or resized.
(bx0, bx1), (by0, by1) = plot_box(Scene(surface=ss.surface, domain=widget_domain(), params=(
    surface_params(ss.surface, {p.name: ss[p.name] for p in SURFACE_PARAMS.get(ss.surface, ())}))))
BOX_OK = bx0 < bx1 and by0 < by1  # a typed box may be upside down until it is fixed
if BOX_OK:
    ss.start_x = min(max(ss.start_x, bx0), bx1)
    ss.start_y = min(max(ss.start_y, by0), by1)

scene = scene_from_widgets()
if scene != ss.loaded:  # the visitor moved on from the link (or preset) they opened
    ss.link_messages = []
    if ss.preset and scene != PRESETS_BY_KEY[ss.preset].scene:
        ss.preset = None
    ss.loaded = scene
query = scene_to_query(scene)
address = {**query, **({"present": "1"} if ss.present else {})}  # the scene, and how it shows
if {k: st.query_params.get_all(k) for k in st.query_params} != {
        k: v if isinstance(v, list) else [v] for k, v in address.items()}:
    st.query_params.from_dict(address)
# Presenter mode: the sidebar's controls tucked away (the lecturer can still open it).
st.set_page_config(initial_sidebar_state="collapsed" if ss.present else "auto")


# --- main area (drawn before the sidebar, so that the chart reaches the browser first) ---

@st.fragment
def chart(surface: surfaces.Surface, traces: list, surface_key: tuple, filename: str) -> None:
    """The view switch and the chart: switching views reruns only this fragment.

    A click on the start picker stores the new start and reruns the whole page.
    The toolbar's camera icon saves the chart as ``filename``.png.
    """
    view = st.segmented_control("View", list(VIEWS), key="view", default="overlay",
                                format_func=VIEWS.get, label_visibility="collapsed")
    fig = scene_figure(surface, traces, view=view or "overlay", grid=grid_of(surface_key),
                       start_picker=True, presenter=ss.present)
    picker = next(n for n, trace in enumerate(fig.data) if trace.name == "start picker")
    # theme=None: the figure carries its own styling, and the browser draws it sooner
    # without Streamlit's theme merged into every trace.
    state = st.plotly_chart(fig, key=f"chart{ss.get('picks', 0)}", on_select="rerun",
                            selection_mode="points", config=chart_config(filename),
                            theme=None)
    point = picked_point(state, picker)
    if point:
        ss.picked = point
        ss.picks = ss.get("picks", 0) + 1  # a fresh chart: the old selection is used up
        st.rerun()



# Presenter mode, for a projector: larger text, less padding, fewer captions.
PRESENTER_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.5rem; padding-bottom: 2rem; }
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li { font-size: 1.45rem; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] p { font-size: 1.25rem; }
</style>"""

title, switch = st.columns([4, 1], vertical_alignment="bottom")
if not ss.present:
    title.title("Descent Lab")
switch.toggle("Presenter mode", key="present",
              help="For a projector: large fonts and thick lines, the sidebar tucked away "
                   "(open it with the arrow at the top left). Links keep it as present=1.")
if ss.present:
    st.html(PRESENTER_CSS)
for message in ss.link_messages:
    st.warning(f"From the link: {escape_markdown(message)}", icon=":material/link_off:")
if ss.preset:
    preset = PRESETS_BY_KEY[ss.preset]
    st.info(f"**{preset.title}.** {preset.look_for}", icon=":material/visibility:")

try:
    surface = surface_of(scene.surface_key)
except ValueError as error:
    surface = None
    st.error(f"The formula cannot be used: {escape_markdown(str(error))}")

if surface is not None:
    star = ", the star the minimum" if surface.minima else ""
    if not ss.present:
        st.caption(f"**{escape_markdown(surface.title)}.** {escape_markdown(surface.lesson)} "
                   f"Each line is one optimizer stepping from the same start; the dot is where "
                   f"it is now{star}, and the right panel its loss at every step. "
                   f"Press **Play** to watch them race.")
    paths = {i: path_of(scene.surface_key, run.optimizer, run.hyper, scene.start, scene.steps,
                        scene.dynamics)
             for i, run in scene.enabled_runs}
    for i, run in scene.enabled_runs:
        for message in (compute.divergence_message(run, paths[i], scene.dynamics),
                        compute.fan_message(run, paths[i], scene.dynamics)):
            if message:
                st.warning(message, icon=":material/warning:")
    traces = [compute.run_trace(i, run, paths[i], scene.dynamics)
              for i, run in scene.enabled_runs]
    for line in scene.dynamics.describe():
        st.caption(line)

    chart(surface, traces, scene.surface_key, file_stem(scene))

    if PANELS:
        panel = st.segmented_control("Explore further", list(PANELS), key="panel",
                                     format_func=lambda k: PANELS[k].title)
        if panel:
            PANELS[panel].render(PageState(
                scene=scene, surface=surface,
                runs=[(i, run, paths[i]) for i, run in scene.enabled_runs],
                traces=traces, add_run=add_run, view=ss.get("view") or "overlay",
                presenter=ss.present))

    st.subheader("The surface")
    st.latex(surface.latex)

used = list(dict.fromkeys(run.optimizer for _, run in scene.enabled_runs))
if used:
    st.subheader("How each optimizer updates")
    for tab, name in zip(st.tabs([OPTIMIZERS[n].title for n in used]), used, strict=True):
        opt = OPTIMIZERS[name]
        with tab:
            # Several lines: KaTeX breaks lines (\\) only inside an environment.
            st.latex(r"\begin{gathered}" + opt.latex + r"\end{gathered}")
            st.caption("The NumPy code that runs (x, dx and the state are arrays of all runs):")
            st.code(opt.source, language="python")
            st.caption(f"Equals `{opt.torch}` for a constant lr.")

with st.expander("Share this scene"):
    st.caption("The address bar holds the whole scene; this is its query part"
               + (" (without presenter mode, for the audience)." if ss.present else "."))
    st.code("?" + urlencode(query, doseq=True, safe=",:="), language=None)


# --- sidebar: the scene's controls (their values were read above) ---

def fmt_value(v: float) -> str:
    return f"{v:g}"


with st.sidebar:
    st.header("Lecture presets")
    for preset in PRESETS:
        st.button(preset.title, key=f"preset_{preset.key}", on_click=choose_preset,
                  args=(preset.key,), width="stretch",
                  type="primary" if ss.preset == preset.key else "secondary")

    st.header("Surface")
    st.selectbox("Surface", SURFACE_CHOICES, key="surface", on_change=reset_start,
                 format_func=lambda n: "Custom formula" if n == CUSTOM else SURFACES[n].title,
                 label_visibility="collapsed")
    if ss.surface == "ravine":
        st.select_slider("kappa (condition number)", choices("kappa", ss.kappa), key="kappa",
                         format_func=fmt_value, help=SURFACE_PARAMS["ravine"][0].help)
        st.slider("angle", -90.0, 90.0, step=1.0, format="%.0f°", key="angle",
                  on_change=reset_start,
                  help=SURFACE_PARAMS["ravine"][1].help)
    elif ss.surface == CUSTOM:
        st.text_input("f(x, y) =", key="expr", max_chars=MAX_EXPR_LENGTH, on_change=reset_start,
                      help="x and y, numbers, + - * / **, pi, e, and functions such as sin, "
                           "cos, exp, log, sqrt, abs, tanh")
        left, right = st.columns(2)
        for column, key, label in ((left, "x0", "x from"), (right, "x1", "x to"),
                                   (left, "y0", "y from"), (right, "y1", "y to")):
            column.number_input(label, -DOMAIN_LIMIT, DOMAIN_LIMIT, key=key, step=1.0)

    st.caption("Start (or click the chart)")
    left, right = st.columns(2)
    left.number_input("start x", bx0 if BOX_OK else None, bx1 if BOX_OK else None,
                      key="start_x", step=0.1, format="%.4g")
    right.number_input("start y", by0 if BOX_OK else None, by1 if BOX_OK else None,
                       key="start_y", step=0.1, format="%.4g")
    st.slider("steps", 1, MAX_STEPS, key="steps")

    with st.expander("Noise and schedules", expanded=scene.dynamics != NO_DYNAMICS):
        dynamics_controls.draw()

    st.header("Runs")
    for i, rid in enumerate(ss.ids):
        opt = OPTIMIZERS[ss[f"run{rid}_optimizer"]]
        values = {h.name: ss[f"run{rid}_{h.name}"] for h in opt.hyper}
        label = scene.dynamics.label(RunSpec.make(opt.name, **values).label, values)
        with st.container(border=True):
            # The colour is one of the palette's hex codes; the label is escaped.
            st.markdown(f'<span style="color:{run_color(i)};font-size:1.4em">&#9632;</span> '
                        f"**{html.escape(label)}**", unsafe_allow_html=True)
            on, remove = st.columns([3, 2])
            on.toggle("on", key=f"run{rid}_on")
            remove.button("Remove", key=f"run{rid}_remove", on_click=remove_run, args=(rid,),
                          disabled=len(ss.ids) == 1)
            for h in opt.hyper:
                key = f"run{rid}_{h.name}"
                if h.kind == "bool":
                    st.toggle(h.name.replace("_", " "), key=key, help=h.help)
                else:
                    annealed = h.name == "mu" and scene.dynamics.anneals
                    st.select_slider(h.name, choices(h.name, ss[key]), key=key,
                                     format_func=fmt_value, disabled=annealed,
                                     help="annealed: see Noise and schedules" if annealed
                                     else h.help)
    full = len(ss.ids) >= MAX_RUNS
    st.selectbox("Optimizer to add", list(OPTIMIZERS), key="add_optimizer",
                 format_func=lambda n: OPTIMIZERS[n].title, disabled=full)
    st.button("Add run", key="add_run", on_click=add_chosen_run, disabled=full,
              help=f"at most {MAX_RUNS} runs" if full else None)
