"""The lecture figure in headless Chromium: frames jump both ways, the contour stays.

The figure is loaded on its own (``to_html`` with plotly.js inline, so
nothing is fetched), without Streamlit, to check what only a browser can:
that Plotly applies the frames as the tests of ``test_plotting`` read them.
"""

from __future__ import annotations

import base64

import plotly.io as pio
import pytest

from optimizers import simulate
from plotting import run_traces, scene_figure
from surfaces import make_surface
from tests.conftest import ARTIFACTS
from tests.measures import resolve_frames

pytestmark = pytest.mark.browser

GRAPH = "document.querySelector('.js-plotly-plot')"
IMAGE = ".js-plotly-plot .imagelayer image"


@pytest.fixture(scope="module")
def figure():
    surface = make_surface("ravine", kappa=50)
    configs = [("sgd", {"lr": 1.8}), ("momentum", {"lr": 0.1, "mu": 0.9}),
               ("rmsprop", {"lr": 0.1}), ("sgd", {"lr": 2.3})]  # the last one diverges
    runs = [simulate(surface, n, start=(-8, 1.5), steps=300, **h) for n, h in configs]
    return scene_figure(surface, run_traces(runs))


def show(page, fig) -> None:
    page.set_content(pio.to_html(fig.to_dict(), include_plotlyjs=True, auto_play=False,
                                 validate=False, full_html=True))
    page.wait_for_function(f"{GRAPH} && {GRAPH}._fullData && {GRAPH}._fullData.length > 0")


def jump(page, name: str) -> None:
    """Show frame ``name``: until Plotly's animation to it has finished."""
    page.evaluate(f"""() => Plotly.animate({GRAPH}, ['{name}'], {{mode: 'immediate',
        frame: {{duration: 0, redraw: false}}, transition: {{duration: 0}}}})""")


def drawn(page) -> dict:
    """Per trace index: the opacity of its drawn group and the points it was given."""
    return page.evaluate(f"""() => {{
        const gd = {GRAPH}, out = {{}};
        gd._fullData.forEach((t, i) => {{
            const g = gd.querySelector('.scatterlayer .trace' + t.uid);
            out[i] = {{opacity: g ? Number(getComputedStyle(g).opacity) : null,
                       n: t.x ? t.x.length : 0}};
        }});
        return out;
    }}""")


def test_jumping_back_and_forth_shows_each_frame_and_keeps_the_contour(page, figure):
    show(page, figure)
    fig = figure.to_dict()
    assert page.locator(IMAGE).count() == 1
    for name in ["300", "30", "294", "0", "150"]:  # forwards and backwards
        jump(page, name)
        assert page.locator(IMAGE).count() == 1  # layout images survive redraw: false
        # as the browser resolves it: the frame merged onto its chain of base frames
        frame = next(f for f in resolve_frames(fig["frames"]) if f["name"] == name)
        state = drawn(page)
        for index, update in zip(frame["traces"], frame["data"], strict=True):
            if "opacity" in update:
                assert state[str(index)]["opacity"] == update["opacity"], (name, index)
            else:  # tails, markers, the step line: as many points as the frame sent
                x = update["x"]
                sent = len(base64.b64decode(x["bdata"])) // 4 if isinstance(x, dict) else len(x)
                assert state[str(index)]["n"] == sent, (name, index)
        active = page.evaluate(f"() => {GRAPH}._fullLayout.sliders[0].active")
        assert fig["layout"]["sliders"][0]["steps"][active]["label"] == name
    assert page.problems == []


def test_speed_menu_sets_play_and_play_runs_every_frame_in_order(page, figure):
    show(page, figure)
    page.locator(".updatemenu-header-group", has_text="speed").click()
    page.locator(".updatemenu-dropdown-button", has_text="2×").click()
    duration = page.evaluate(
        f"() => {GRAPH}.layout.updatemenus[0].buttons[0].args[1].frame.duration")
    assert duration == 40
    page.evaluate(f"""() => {{ window.seen = []; window.done = false;
        {GRAPH}.on('plotly_animatingframe', e => window.seen.push(e.name));
        {GRAPH}.on('plotly_animated', () => {{ window.done = true; }}); }}""")
    # (Not paused here: Plotly rejects the interrupted Play promise, unhandled.)
    page.locator(".updatemenu-button", has_text="Play").click()
    page.wait_for_function("() => window.done", timeout=30_000)
    seen = page.evaluate("() => window.seen")
    # From the start, as the figure showed the end; every frame, in order.
    assert seen == [f["name"] for f in figure.to_dict()["frames"]]
    assert page.locator(IMAGE).count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "figure-overlay.png"))
    assert page.problems == []
