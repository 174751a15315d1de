"""The state-inspector panel: one run's gradient, velocity and step sizes at a chosen step.

The panel has its own step slider (the main figure's animation runs in the
browser and stays as it is, so its payload does not grow); the step-size chart
marks the chosen step. The run is simulated again with ``record_state=True``
(one run, cached on the scene's settings for it), only while the panel is open.
The panel is a fragment: moving its slider or picking another run reruns
only the panel.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from controls.choice import selected
from optimizers import Run
from panels.page import PageState, Panel
from plotting.inspector import inspector_figure
from scenes import Scene
from scenes.compute import simulated
from surfaces import Surface

DEFAULT_STEP = 10

READING = {
    "sgd": "SGD steps −lr · gradient: its step size is lr along both axes.",
    "momentum": "The step taken is μ·v plus −lr · gradient: the velocity carries the earlier "
                "gradients along the valley while the steep direction's cancel. The step "
                "size on the gradient is lr along both axes.",
    "nesterov": "Nesterov takes the gradient at the look-ahead point x, μ·v ahead of the "
                "textbook position x − μ·v. The step size on the gradient is lr along both "
                "axes.",
    "adagrad": "AdaGrad divides lr by the root of each axis's summed squared gradients: the "
               "step size can only shrink, towards zero over a long run (the lecture's Q2).",
    "rmsprop": "RMSProp's cache forgets old gradients at decay_rate, so its step size settles "
               "instead of decaying to zero.",
    "adam": "Adam steps −(step size) · m along each axis; the step size includes both bias "
            "corrections, lr / (1 − β1^t) / (√(v / (1 − β2^t)) + eps).",
}

STEP_SIZES = ("On the right, each axis's step size: the number the rule multiplies that "
              "axis's gradient by (Adam: its average gradient m) to make a step, as the "
              "gradients up to that step set it. AdaGrad, RMSProp and Adam have no gradients "
              "behind them at step 0, so none is drawn there.")

ss = st.session_state


@st.cache_data(max_entries=32, show_spinner=False)
def inspected(scene: Scene, _surface: Surface) -> Run:
    """The scene's only run, simulated with its state recorded (``_surface`` is the scene's)."""
    (run,) = scene.runs
    return simulated(_surface, run, scene.start, scene.steps, record_state=True,
                     dynamics=scene.dynamics)


def last_step(run: Run) -> int:
    """The last step with a finite position: the inspector's slider ends there."""
    return run.steps if run.diverged_at is None else max(0, run.diverged_at - 1)


def render(page: PageState) -> None:
    _inspector(page)


@st.fragment
def _inspector(page: PageState) -> None:
    if not page.runs:
        st.info("Switch a run on to inspect its state.")
        return
    traces = {i: trace for (i, _, _), trace in zip(page.runs, page.traces, strict=True)}
    specs = {i: spec for i, spec, _ in page.runs}
    selected("inspector_run", list(specs))  # its run was removed or switched off
    left, right = st.columns([2, 3])
    index = left.selectbox("Run", list(specs), key="inspector_run",
                           format_func=lambda i: traces[i].label)
    run = inspected(replace(page.scene, runs=(replace(specs[index], enabled=True),)),
                    page.surface)
    last = last_step(run)
    ss.inspector_step = min(ss.get("inspector_step", DEFAULT_STEP), last)
    if last > 0:
        k = right.slider("step", 0, last, key="inspector_step",
                         help="the step whose state is drawn; the right chart marks it")
    else:
        k = 0
        right.caption("The run left the plot at once: only its start can be inspected.")
    fig = inspector_figure(page.surface, run, k, label=traces[index].label,
                           theme=page.screen.theme,
                           phone_width=page.screen.width if page.screen.stacked else None,
                           color=traces[index].color, presenter=page.presenter)
    st.plotly_chart(fig, key="inspector_chart", theme=None, config={"displaylogo": False})
    st.caption(READING[run.optimizer.name] + " " + STEP_SIZES)


PANEL = Panel(key="inspector", title="State inspector", render=render)
