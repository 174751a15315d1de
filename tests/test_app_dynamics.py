"""The page's "Noise and schedules" through Streamlit's AppTest: widgets, links, chart."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from optimizers.schedules import Schedule
from scenes import DEFAULT_SCENE, PRESETS_BY_KEY, scene_from_query, scene_to_query
from scenes.dynamics import NO_DYNAMICS, Dynamics
from tests.test_app import figure, link_notices, run_notices, story
from tests.test_app import open_page as open_query

EXAMPLE = "noise=0.5&seed=7&fan=5&schedule=step:drop=0.5,every=100&anneal=0.5,0.99,100"


def open_page(link: str = "") -> AppTest:
    """The page opened with ``link``, a query string."""
    return open_query({key: values if len(values) > 1 else values[0]
                       for key, values in parse_qs(link).items()})


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def fan_names(at: AppTest) -> list[str]:
    """The fans' names, one per run with a fan (each fan is drawn in several blocks)."""
    return list(dict.fromkeys(t["name"] for t in figure(at)["data"]
                              if t.get("name", "").endswith("more seeds")))


def url_dynamics(at: AppTest) -> Dynamics:
    """The dynamics in the page's URL, as the page wrote it."""
    scene, messages = scene_from_query(at.query_params)
    assert messages == []
    return scene.dynamics


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def test_the_schema_example_opens_as_it_says():
    at = open_page(EXAMPLE)
    assert not link_notices(at) and not run_notices(at)  # nothing ignored, nothing diverged
    assert (at.select_slider(key="noise").value, at.number_input(key="seed").value,
            at.number_input(key="fan").value, at.selectbox(key="schedule").value) == \
        (0.5, 7, 5, "step")
    assert (at.select_slider(key="schedule_drop").value,
            at.select_slider(key="schedule_every").value) == (0.5, 100)
    assert at.toggle(key="anneal").value
    assert (at.select_slider(key="anneal_mu_start").value,
            at.select_slider(key="anneal_mu_end").value,
            at.select_slider(key="anneal_steps").value) == (0.5, 0.99, 100)
    assert url_dynamics(at) == scene_from_query(parse_qs(EXAMPLE))[0].dynamics
    text = captions(at)
    assert "standard deviation 0.5 (seed 7" in text and "seeds 8 to 11" in text
    assert "multiplied by 0.5 every 100 steps" in text and "from 0.5 towards 0.99" in text
    # every run has a fan of four more seeds; Momentum and Nesterov show their annealed mu
    names = fan_names(at)
    assert len(names) == 6 and all(n.endswith(": 4 more seeds") for n in names)
    assert "Momentum (lr = 0.3, mu = 0.5 → 0.99): 4 more seeds" in names
    # their mu sliders are not in use while mu is annealed
    momentum_mu = at.select_slider(key="run1_mu")
    assert momentum_mu.disabled and "annealed" in momentum_mu.help
    # and each run's card says so where its settings are listed
    helps = [block.proto.popover.help for block in at.get("popover")]
    assert any("Momentum (lr = 0.3, mu = 0.5 → 0.99)" in h for h in helps)


def test_noise_seed_and_fan_from_the_sidebar():
    at = open_page()
    assert url_dynamics(at) == NO_DYNAMICS and "noise" not in at.query_params
    assert at.number_input(key="fan").disabled  # a fan needs noise
    exact = figure(at)["data"]
    at.select_slider(key="noise").set_value(0.5)
    rerun(at)
    assert url_dynamics(at) == Dynamics(noise=0.5) and not at.number_input(key="fan").disabled
    assert figure(at)["data"] != exact  # other paths
    at.number_input(key="fan").set_value(3)
    at.number_input(key="seed").set_value(5)
    rerun(at)
    assert url_dynamics(at) == Dynamics(noise=0.5, seed=5, fan=3)
    assert len(fan_names(at)) == 6 and "seeds 6 to 7" in captions(at)
    at.select_slider(key="noise").set_value(0.0)
    rerun(at)
    assert fan_names(at) == [] and "Gradient noise" not in captions(at)
    assert url_dynamics(at) == Dynamics(seed=5, fan=3)  # kept for when the noise returns


def test_each_schedule_shows_its_own_settings():
    at = open_page()
    assert at.selectbox(key="schedule").value == "constant"
    drawn = {"schedule_drop", "schedule_every", "schedule_gamma", "schedule_k"}

    def shown():
        return {s.key for s in at.select_slider if s.key in drawn}

    assert shown() == set()
    at.selectbox(key="schedule").set_value("exponential")
    rerun(at)
    assert shown() == {"schedule_gamma"}
    assert url_dynamics(at).schedule == Schedule("exponential", gamma=0.99)
    at.select_slider(key="schedule_gamma").set_value(0.95)
    rerun(at)
    assert url_dynamics(at).schedule == Schedule("exponential", gamma=0.95)
    assert "multiplied by 0.95 at every step" in captions(at)
    at.selectbox(key="schedule").set_value("step")
    rerun(at)
    assert shown() == {"schedule_drop", "schedule_every"}
    at.select_slider(key="schedule_every").set_value(50)
    rerun(at)
    assert url_dynamics(at).schedule == Schedule("step", drop=0.5, every=50)
    at.selectbox(key="schedule").set_value("inverse")
    rerun(at)
    assert shown() == {"schedule_k"}
    assert url_dynamics(at).schedule == Schedule("inverse", k=0.01)


def test_annealing_switches_the_mu_sliders_off_and_back_on():
    at = open_page()
    assert not at.select_slider(key="run1_mu").disabled
    at.toggle(key="anneal").set_value(True)
    rerun(at)
    assert url_dynamics(at).schedule == Schedule(mu_start=0.5, mu_end=0.99, anneal_steps=100)
    assert at.select_slider(key="run1_mu").disabled and at.select_slider(key="run2_mu").disabled
    at.select_slider(key="anneal_steps").set_value(200)
    rerun(at)
    assert url_dynamics(at).schedule == Schedule(mu_start=0.5, mu_end=0.99, anneal_steps=200)
    hovers = [t["hovertemplate"] for t in figure(at)["data"] if t.get("xaxis") == "x2"
              and t.get("mode") == "lines" and t.get("legendgroup")]
    assert any("Nesterov (lr = 0.3, mu = 0.5 → 0.99)" in h for h in hovers)
    at.toggle(key="anneal").set_value(False)
    rerun(at)
    assert "anneal" not in at.query_params and not at.select_slider(key="run1_mu").disabled


@pytest.mark.parametrize("key", ["noise_lr_decay", "noise_adagrad"])
def test_noisy_presets_load_their_dynamics(key):
    at = open_page()
    at.button(key=f"preset_{key}").click()
    rerun(at)
    preset = PRESETS_BY_KEY[key]
    assert scene_from_query(at.query_params) == (preset.scene, [])
    assert at.select_slider(key="noise").value == preset.scene.dynamics.noise
    assert at.number_input(key="fan").value == preset.scene.dynamics.fan
    assert preset.look_for in story(at)
    assert len(fan_names(at)) == len(preset.scene.runs)


def test_a_malformed_link_says_what_it_ignored_and_the_page_works():
    at = open_page("noise=lots&fan=20&schedule=cosine&anneal=0.5,2,100&run=sgd:lr=0.5")
    warnings = link_notices(at)
    for needle in ("noise='lots'", "fan=20 is out of range", "unknown schedule",
                   "anneal='0.5,2,100'"):
        assert any(needle in w for w in warnings), (needle, warnings)
    assert url_dynamics(at) == Dynamics(fan=8)
    assert figure(at)["data"]


def test_a_fan_whose_seeds_diverge_says_so():
    at = open_page("surface=rosenbrock&start=-1.5,2&steps=200&noise=20&fan=8&run=sgd:lr=0.002")
    warnings = run_notices(at)
    assert len(warnings) == 1
    assert warnings[0].startswith("SGD (lr = 0.002): 2 of the fan's 7 other seeds diverged, "
                                  "the first at step ")


def test_the_url_round_trips_what_the_widgets_show():
    scene = replace(DEFAULT_SCENE, dynamics=Dynamics(
        noise=0.37, seed=123, fan=2, schedule=Schedule("inverse", k=0.003, mu_start=0.6,
                                                       mu_end=0.97, anneal_steps=77)))
    query = scene_to_query(scene)
    at = open_page("&".join(f"{k}={v}" for k, v in query.items() if k != "run"))
    assert url_dynamics(at) == scene.dynamics  # values off the sliders' menus are kept
    assert at.select_slider(key="noise").value == 0.37
    assert at.select_slider(key="schedule_k").value == 0.003


# --- the real page in Chromium -----------------------------------------------------------------

GRAPH = "document.querySelector('.js-plotly-plot')"
FANS_DRAWN = f"""() => {{
    const gd = {GRAPH};
    const drawn = {{}};  // per run: its fan blocks drawn (shown, with a line)
    gd._fullData.filter(t => (t.name || '').endsWith('more seeds')).forEach(t => {{
        const g = gd.querySelector('.scatterlayer .trace' + t.uid);
        const shown = g && Number(getComputedStyle(g).opacity) > 0 && [...g.querySelectorAll(
            'path.js-line')].some(p => (p.getAttribute('d') || '').length > 10);
        drawn[t.legendgroup] = (drawn[t.legendgroup] || 0) + (shown ? 1 : 0);
    }});
    return Object.values(drawn);
}}"""


@pytest.mark.browser
def test_a_noisy_link_draws_its_fans_in_chromium_and_they_grow_while_playing(page, app_url):
    page.goto(f"{app_url}/?{EXAMPLE}&steps=60")  # the schedules' changes, a shorter race
    every_fan = f"() => {{ const d = ({FANS_DRAWN})(); return d.length === 6 && d.every(n => n); }}"
    page.wait_for_function(f"{GRAPH} && {GRAPH}._fullData && ({every_fan})()", timeout=30_000)
    assert page.get_by_test_id("stException").count() == 0
    assert "noise=0.5" in page.url and "fan=5" in page.url  # the scene stays in the URL
    drawn = page.evaluate(FANS_DRAWN)
    assert len(drawn) == 6 and all(lines >= 1 for lines in drawn)
    page.locator(".descent-player select").select_option("40")  # the fastest speed, 2×
    page.locator(".descent-player button[name=play]").click()  # from the start
    # While it plays, a frame shows every run's fan with fewer blocks than the last frame.
    slider = "document.querySelector('.descent-player input[type=range]')"
    page.wait_for_function(f"""want => {{
        const d = ({FANS_DRAWN})();
        return Number({slider}.value) >= 1 && d.length === 6 && d.every((n, i) => n < want[i]);
    }}""", arg=drawn, timeout=30_000)
    # At the last frame, every fan has grown back.
    page.wait_for_function(f"want => JSON.stringify(({FANS_DRAWN})()) === JSON.stringify(want)"
                           f" && {slider}.value === {slider}.max", arg=drawn, timeout=30_000)
    assert page.problems == []
