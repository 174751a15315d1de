"""The scene <-> the widgets' state: one place that knows how a scene sits in the widgets.

The page's widgets hold the scene while a visitor works with it; a
:class:`~scenes.Scene` is what the packages compute from and what a link holds.
This module moves a scene into the widgets' state (:func:`load_scene`), reads it
back (:func:`read_scene`), adds and removes runs, follows a change of surface
(:func:`switch_surface`), keeps the start inside the plot (:func:`clamp_start`)
and takes a click on the chart as the new start (:func:`pick_start`, then
:func:`take_picked_start` on the next run).

Every function takes the state as ``ss``, a mutable mapping of widget keys to
values: ``st.session_state`` on the page, a plain ``dict`` in the tests.

State keys (the widgets' keys; the tests find widgets by them): ``surface``,
the surface's parameters and word settings by name (``kappa``, ``angle``, the
penguins' ``scaling``), ``expr`` and
``x0``/``x1``/``y0``/``y1`` (a typed formula and its box), ``start_x``,
``start_y``, ``steps``, the noise and schedule keys of :mod:`controls.dynamics`,
``keep_runs``, and per run ``run<id>_optimizer``, ``run<id>_<hyper>``,
``run<id>_on`` and ``run<id>_color``; ``ids`` lists the run ids in order.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import replace
from typing import Any

from controls import dynamics as dynamics_controls
from controls.choice import selected
from optimizers import OPTIMIZERS
from scenes import CUSTOM, DEFAULT_SCENE, RunSpec, Scene, slider_menu
from scenes.model import PALETTE_SIZE, data_rows, plot_box, surface_choices, surface_params
from scenes.surface_defaults import default_start, defaults_for, fallback_runs
from surfaces import SURFACE_PARAMS, SURFACE_WORDS, SURFACES, Domain
from surfaces.expression import DEFAULT_DOMAIN, from_expression
from surfaces.plain_text import finite

State = MutableMapping[str, Any]
SURFACE_OPTIONS = (*SURFACES, CUSTOM)
EXAMPLE_FORMULA = "0.05*x**2 + 2*y**2"
BOX_KEYS = ("x0", "x1", "y0", "y1")
# A sensible first learning rate when a run is added: the lecture scene's.
ADD_LR = {run.optimizer: run.values["lr"] for run in DEFAULT_SCENE.runs}
ADD_MENU = "add_run_menu"  # the state of the "Add a run" popover: open or not


def load_scene(ss: State, scene: Scene) -> None:
    """Put ``scene`` into the widgets' state (before they are drawn)."""
    _load_setting(ss, scene)
    load_runs(ss, scene)


def _load_setting(ss: State, scene: Scene) -> None:
    """The scene's surface, start, steps and dynamics into the widgets' state."""
    ss["surface"] = scene.surface
    for name, value in scene.params + scene.choices:
        ss[name] = value
    if scene.surface == CUSTOM:
        ss["expr"] = scene.expr
        (ss["x0"], ss["x1"]), (ss["y0"], ss["y1"]) = scene.domain or DEFAULT_DOMAIN
    ss["start_x"], ss["start_y"] = scene.start
    ss["steps"] = scene.steps
    dynamics_controls.load(scene.dynamics, ss)


def _load_run(ss: State, rid: int, run: RunSpec) -> None:
    """Run ``rid``'s optimizer, hyperparameters and switch into the widgets' state."""
    ss[f"run{rid}_optimizer"] = run.optimizer
    for name, value in run.hyper:
        ss[f"run{rid}_{name}"] = value
    ss[f"run{rid}_on"] = run.enabled


def keep(ss: State) -> None:
    """Keep the scene in the state through runs that draw none of its widgets (a page
    that follows a lecturer's room shows the scene without them). Streamlit forgets a
    widget's value once a whole run does not draw it; a value set by its key stays. The
    runs keep their ids and colours; the view and the panel stay as they were."""
    scene = read_scene(ss)
    _load_setting(ss, scene)
    for key in ("view", "panel"):  # the toolbar's view and the panel open
        if key in ss:
            ss[key] = ss[key]
    ss["keep_runs"] = ss.get("keep_runs", False)
    for rid, run in zip(ss["ids"], scene.runs, strict=True):
        _load_run(ss, rid, run)


def load_runs(ss: State, scene: Scene) -> None:
    """Replace the runs in the widgets' state by the scene's, each in its colour."""
    ss["ids"] = []
    for run, color in zip(scene.runs, scene.colors(), strict=True):
        add_run(ss, run, color)


def add_run(ss: State, run: RunSpec, color: int | None = None) -> int:
    """Add ``run`` after the others, in ``color`` (else its own, else the first colour no
    run has), and return its id."""
    rid = ss.get("next_id", 0)
    ss["next_id"] = rid + 1
    if color is None:
        color = run.color if run.color is not None else free_color(ss)
    ss["ids"] = [*ss.get("ids", []), rid]
    _load_run(ss, rid, run)
    ss[f"run{rid}_color"] = color
    return rid


def add_optimizer(ss: State) -> int:
    """Add a run of the optimizer picked under ``add_optimizer``, at the lecture scene's
    learning rate for it, and close "Add a run" (its popover's state, ``ADD_MENU``)."""
    optimizer = selected("add_optimizer", list(OPTIMIZERS), ss=ss) or "sgd"
    ss[ADD_MENU] = False
    return add_run(ss, RunSpec.make(optimizer, lr=ADD_LR[optimizer]))


def change_optimizer(ss: State, rid: int) -> None:
    """Run ``rid`` becomes a run of the optimizer picked under ``run<rid>_pick``, with its
    defaults, keeping the run's lr when the new optimizer accepts it (else the lecture
    scene's lr for it), its colour and whether it is on."""
    old = ss[f"run{rid}_optimizer"]
    optimizer = selected(f"run{rid}_pick", list(OPTIMIZERS), old, ss=ss) or old
    if optimizer == old:
        return
    try:
        run = RunSpec.make(optimizer, lr=ss[f"run{rid}_lr"])
    except ValueError:
        run = RunSpec.make(optimizer, lr=ADD_LR[optimizer])
    ss[f"run{rid}_optimizer"] = optimizer
    for name, value in run.hyper:
        ss[f"run{rid}_{name}"] = value


def free_color(ss: State) -> int:
    """The first palette colour no run has (the first colour again when all are taken)."""
    used = {ss.get(f"run{rid}_color") for rid in ss.get("ids", [])}
    return next((c for c in range(PALETTE_SIZE) if c not in used), 0)


def remove_run(ss: State, rid: int) -> None:
    """Take run ``rid`` out; the others keep their ids and colours."""
    ss["ids"] = [i for i in ss.get("ids", []) if i != rid]


def run_spec(ss: State, rid: int) -> RunSpec:
    """Run ``rid`` as the widgets hold it."""
    opt = OPTIMIZERS[ss[f"run{rid}_optimizer"]]
    values = {h.name: ss[f"run{rid}_{h.name}"] for h in opt.hyper}
    return RunSpec.make(opt.name, bool(ss[f"run{rid}_on"]), color=ss.get(f"run{rid}_color"),
                        **values)


def params_of(ss: State, name: str) -> tuple:
    """The parameters of surface ``name`` as the widgets hold them (defaults for any
    widget not drawn)."""
    return surface_params(name, {p.name: ss.get(p.name, p.default)
                                 for p in SURFACE_PARAMS.get(name, ())})


def choices_of(ss: State, name: str) -> tuple:
    """The word settings of surface ``name`` as the widgets hold them (defaults for any
    widget not drawn, or holding a word that is not a choice)."""
    return surface_choices(name, {c.name: selected(c.name, c.choices, c.default, ss=ss)
                                  or c.default for c in SURFACE_WORDS.get(name, ())})


def typed_box(ss: State) -> Domain | None:
    """A typed formula's plotting box, or None for a library surface."""
    if ss.get("surface") != CUSTOM:
        return None
    return ((ss["x0"], ss["x1"]), (ss["y0"], ss["y1"]))


def surface_name(ss: State) -> str:
    """The surface picked, one of :data:`SURFACE_OPTIONS` (a browser may send anything)."""
    return selected("surface", SURFACE_OPTIONS, ss=ss)


def read_scene(ss: State) -> Scene:
    """The scene the widgets show."""
    name = surface_name(ss)
    return Scene(surface=name, params=params_of(ss, name), choices=choices_of(ss, name),
                 expr=ss["expr"] if name == CUSTOM else "", domain=typed_box(ss),
                 start=(float(ss["start_x"]), float(ss["start_y"])), steps=int(ss["steps"]),
                 runs=tuple(run_spec(ss, rid) for rid in ss["ids"]),
                 dynamics=dynamics_controls.read(ss, data_rows(name)))


def switch_surface(ss: State) -> None:
    """A new surface (or a turned ravine, or a new formula) starts from its own start.

    A library surface also brings its own runs and steps (``scenes.surface_defaults``),
    and a typed formula runs whose learning rates were picked by running each
    optimizer on it (``fallback_runs``), unless ``keep_runs`` is on. Also fills in the
    new surface's parameters (and a typed formula's text and box) when their widgets
    were not drawn in the last run: Streamlit forgets the state of widgets that were
    not drawn.
    """
    name = surface_name(ss)
    if name == CUSTOM:
        ss.setdefault("expr", EXAMPLE_FORMULA)
        for key, value in zip(BOX_KEYS, (*DEFAULT_DOMAIN[0], *DEFAULT_DOMAIN[1]), strict=True):
            ss.setdefault(key, value)
    params, words = params_of(ss, name), choices_of(ss, name)
    for key, value in params + words:
        ss[key] = value
    start = default_start(name, params, typed_box(ss), ss.get("expr", ""), words)
    keep = ss.get("keep_runs", False)
    if not keep and name != CUSTOM:
        defaults = defaults_for(name, params, words)
        load_runs(ss, Scene(runs=defaults.runs))
        ss["steps"] = defaults.steps
        start = defaults.start or start
    elif not keep:  # a typed formula: learning rates picked by running each optimizer on it
        try:
            surface = from_expression(ss.get("expr", ""), typed_box(ss) or DEFAULT_DOMAIN)
        except ValueError:
            pass  # the page says what is wrong with the formula; the runs wait
        else:
            steps = int(ss.get("steps", DEFAULT_SCENE.steps))
            load_runs(ss, Scene(runs=fallback_runs(surface, start, steps)))
    ss["start_x"], ss["start_y"] = start


def turn_surface(ss: State) -> None:
    """A changed surface setting (the ravine's angle, the penguins' scaling): the start
    follows the surface's own (it turns with the ravine). The runs and steps stay, so
    that the same optimizers show what the change did."""
    name = surface_name(ss)
    ss["start_x"], ss["start_y"] = default_start(name, params_of(ss, name),
                                                 choices=choices_of(ss, name))


def clamp_start(ss: State) -> Domain | None:
    """Keep the start inside the plotting box; the box, or None while a typed box is
    upside down (it may be, until the visitor has typed both ends)."""
    name = surface_name(ss)
    (x0, x1), (y0, y1) = box = plot_box(Scene(surface=name, params=params_of(ss, name),
                                              choices=choices_of(ss, name),
                                              domain=typed_box(ss)))
    if not (x0 < x1 and y0 < y1):
        return None
    for key, low, high in (("start_x", x0, x1), ("start_y", y0, y1)):
        value = float(ss[key])
        if not low <= value <= high:  # written only then: its widget may be drawn already
            ss[key] = min(max(value, low), high)
    return box


def pick_start(ss: State, point: tuple[float, float] | None) -> bool:
    """Take ``point``, the chart's click in this run (or None), as the start for the
    next run; whether the page must run again to show it.

    A click is taken once: the same point arriving again without a run in between that
    had no click (the run the click started; a component state a visitor's websocket
    keeps sending) is not taken again, so that no visitor can make the page rerun
    forever."""
    if point is None:
        ss["click_taken"] = None
        return False
    if point == ss.get("click_taken"):
        return False
    ss["click_taken"] = ss["picked"] = point
    return True


def take_picked_start(ss: State) -> None:
    """A click on the chart in the last run (``picked``) becomes the start."""
    if "picked" in ss:
        ss["start_x"], ss["start_y"] = ss.pop("picked")


def step_lr(ss: State, rid: int, step: int) -> None:
    """Run ``rid``'s lr ``step`` positions along its slider's menu (kept at its ends)."""
    key = f"run{rid}_lr"
    current = finite(ss.get(key))
    if current is None:
        return  # not an lr the slider can hold (a forged state): nothing to step from
    menu = slider_menu("lr", current)
    at = min(max(menu.index(current) + step, 0), len(menu) - 1)
    ss[key] = menu[at]


# --- undo: the scenes the visitor left, newest last ---

UNDO_DEPTH = 20  # how many scenes back Undo can go


def remember(ss: State, scene: Scene) -> None:
    """Note ``scene`` as the one on show; the one before it (if it differs) goes on the
    undo stack ``undo`` (at most :data:`UNDO_DEPTH`)."""
    shown = ss.get("undo_shown")
    if shown is not None and shown != scene:
        ss["undo"] = [*ss.get("undo", []), shown][-UNDO_DEPTH:]
    ss["undo_shown"] = scene


def undo(ss: State) -> bool:
    """Back to the scene before the last change (its runs, start, surface and setting);
    whether more than its runs changed (the sidebar's widgets then show another value)."""
    stack = list(ss.get("undo", []))
    if not stack:
        return False
    shown, scene = ss.get("undo_shown"), stack.pop()
    ss["undo"], ss["undo_shown"] = stack, scene
    load_scene(ss, scene)
    return shown is None or replace(shown, runs=()) != replace(scene, runs=())
