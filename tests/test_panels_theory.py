"""The theory panel on the page: the ravine's numbers worked by hand, measured beside
predicted, and "Set to optimal"."""

from __future__ import annotations

import math

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from analysis.theory import QuadraticTheory
from panels.theory import optimal_runs, rate_rows, runs_to_add, steps_per_tenfold, tenfold_text
from scenes import (
    DEFAULT_SCENE,
    MAX_RUNS,
    PRESETS_BY_KEY,
    RunSpec,
    scene_from_query,
    scene_to_query,
)
from scenes.compute import run_scene
from tests import panel_page

KAPPA = 50.0  # the lecture scene's ravine: lam_min = 1/50, lam_max = 1
SQ = math.sqrt(KAPPA)


def open_panel(query: dict | None = None) -> AppTest:
    return panel_page.open_panel("theory", query)


def table(at: AppTest) -> dict[str, dict[str, str]]:
    """The rate table: run label -> its row."""
    frame = at.table[0].value
    return {row["run"]: row for row in frame.to_dict("records")}


def test_the_ravine_numbers_are_shown_with_their_formulas():
    at = open_panel()
    latex = " ".join(e.value for e in at.latex)
    for formula, value in [
        (r"\kappa = \frac", KAPPA),
        (r"\frac{2}{\lambda_{\max}}", 2.0),
        (r"\frac{2}{\lambda_{\min} + \lambda_{\max}}", 2 / (1 / KAPPA + 1)),
        (r"\frac{\kappa - 1}{\kappa + 1}", (KAPPA - 1) / (KAPPA + 1)),
        (r"(\sqrt{\lambda_{\max}} + \sqrt{\lambda_{\min}})^2}", 4 / (1 + 1 / SQ) ** 2),
        (r"\mu^* = \left(", ((SQ - 1) / (SQ + 1)) ** 2),
        (r"\rho = \frac{\sqrt{\kappa} - 1}{\sqrt{\kappa} + 1}", (SQ - 1) / (SQ + 1)),
    ]:
        assert formula in latex
        number = f"{value:.4g}" if "rho" not in formula else f"{value:.4f}"
        assert f"= {number}" in latex, (formula, number)


def test_each_run_measured_beside_predicted_and_adaptive_ones_have_no_closed_form():
    rows = table(open_panel())
    assert len(rows) == len(DEFAULT_SCENE.runs)
    sgd = rows["SGD (lr = 1.8)"]
    # SGD multiplies the two eigen-coordinates by 1 - lr * lam: the slower is 1 - 1.8/50.
    assert sgd["predicted ρ"] == f"{max(abs(1 - 1.8 / KAPPA), abs(1 - 1.8)):.4f}" == "0.9640"
    assert float(sgd["measured ρ"]) == pytest.approx(0.964, abs=2e-3)
    momentum = rows["Momentum (lr = 0.3, mu = 0.9)"]
    # Heavy ball with complex roots contracts by sqrt(mu) per step.
    assert momentum["predicted ρ"] == f"{math.sqrt(0.9):.4f}"
    assert float(momentum["measured ρ"]) == pytest.approx(math.sqrt(0.9), abs=5e-3)
    for label in ("AdaGrad (lr = 0.3)", "Adam (lr = 0.3)"):
        assert rows[label]["predicted ρ"] == "no closed form"
        assert rows[label]["measured ρ"] != "—"


def test_set_to_optimal_adds_sgd_and_heavy_ball_at_their_best_settings():
    at = open_panel({"run": ["sgd:lr=1.8", "adam:lr=0.3"]})
    at.button(key="theory_optimal").click().run()
    assert not at.exception, at.exception
    scene, messages = scene_from_query(at.query_params)
    assert messages == []
    best_lr = 2 / (1 / KAPPA + 1)
    polyak_lr, polyak_mu = 4 / (1 + 1 / SQ) ** 2, ((SQ - 1) / (SQ + 1)) ** 2
    assert scene.runs[:2] == (RunSpec.make("sgd", lr=1.8), RunSpec.make("adam", lr=0.3))
    sgd, momentum = scene.runs[2:]
    assert sgd.optimizer == "sgd" and sgd.values["lr"] == pytest.approx(best_lr, rel=1e-12)
    assert momentum.optimizer == "momentum"
    assert momentum.values["lr"] == pytest.approx(polyak_lr, rel=1e-12)
    assert momentum.values["mu"] == pytest.approx(polyak_mu, rel=1e-12)
    rows = table(at)
    assert rows[sgd.label]["predicted ρ"] == f"{(KAPPA - 1) / (KAPPA + 1):.4f}"
    assert rows[momentum.label]["predicted ρ"] == f"{(SQ - 1) / (SQ + 1):.4f}"
    # The optimal heavy ball is measured close to its rate (a double root: a little slower).
    assert float(rows[momentum.label]["measured ρ"]) == pytest.approx((SQ - 1) / (SQ + 1),
                                                                      abs=0.02)
    assert at.button(key="theory_optimal").disabled  # both are in the comparison now


def test_optimal_runs_are_added_once_and_only_while_there_is_room():
    theory = QuadraticTheory(lam_min=1 / KAPPA, lam_max=1.0)
    sgd, momentum = optimal_runs(theory)
    assert runs_to_add(DEFAULT_SCENE, theory) == [sgd, momentum]  # six runs: room for two
    assert runs_to_add(DEFAULT_SCENE.with_runs([*DEFAULT_SCENE.runs, sgd]), theory) == [momentum]
    full = DEFAULT_SCENE.with_runs([RunSpec.make("adam", lr=0.1)] * MAX_RUNS)
    assert runs_to_add(full, theory) == []


def test_a_diverging_run_is_predicted_to_diverge():
    scene, _ = scene_from_query({"run": ["sgd:lr=2.5", "momentum:lr=1,mu=1"], "steps": "100"})
    theory = QuadraticTheory(lam_min=1 / KAPPA, lam_max=1.0)
    sgd, frictionless = rate_rows(theory, run_scene(scene), 0.0)
    assert sgd.predicted == pytest.approx(1.5)  # |1 - 2.5 * 1|
    assert "diverges, as predicted (step 22)" == sgd.note
    assert frictionless.predicted == pytest.approx(1.0)
    assert "does not converge" in frictionless.note


def test_a_surface_that_is_not_a_quadratic_bowl_is_told_which_are():
    # The page does not offer the panel there (tests/test_panels_offer.py); a link or a
    # script that opens it anyway gets a plain sentence, not a traceback.
    def panel() -> None:
        from panels.page import PageState
        from panels.theory import render
        from scenes import scene_from_query

        render(PageState.of(scene_from_query({"surface": "rosenbrock", "steps": "20"})[0]))

    at = AppTest.from_function(panel)
    at.run()
    assert not at.exception
    assert any("quadratic bowl" in e.value for e in at.info)


def test_the_penguins_panel_derives_the_presets_limit_of_0_198():
    # Raw flipper lengths: Hessian 2/n X^T X with eigenvalues 0.0078 and 10.1 (worked out
    # independently here from the data), so SGD is stable below 2 / 10.1 = 0.198.
    from surfaces.penguins import penguin_data

    data = penguin_data("raw")
    x = data.x
    h = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    low, high = np.linalg.eigvalsh(h)
    assert round(2 / high, 3) == 0.198
    at = open_panel(scene_to_query(PRESETS_BY_KEY["unscaled"].scene))
    latex = " ".join(e.value for e in at.latex)
    assert r"\frac{2}{\lambda_{\max}} = 0.198" in latex
    assert rf"\lambda_{{\max}} = {high:.4g}" in latex
    assert r"\text{in } (w, b)" in latex and r"\begin{pmatrix}" in latex
    assert any("mean squared error of a line is quadratic" in c.value for c in at.caption)
    rows = table(at)
    sgd = rows["SGD (lr = 0.15)"]
    # SGD multiplies the eigen-coordinates by 1 - lr * lam: the slow one by 1 - 0.15 * 0.0078.
    assert sgd["predicted ρ"] == f"{1 - 0.15 * low:.4f}"
    assert float(sgd["measured ρ"]) == pytest.approx(1 - 0.15 * low, abs=1e-4)
    momentum = rows["Momentum (lr = 0.1, mu = 0.9)"]
    assert float(momentum["measured ρ"]) == pytest.approx(float(momentum["predicted ρ"]),
                                                          abs=1e-4)
    assert rows["Adam (lr = 0.5)"]["predicted ρ"] == "no closed form"


def test_a_typed_quadratic_gets_its_theory_from_sympy_and_its_own_minimum():
    # f = (x - 1)**2 + 10*(y + 2)**2: Hessian diag(2, 20), minimum 0 at (1, -2), which the
    # formula does not name: the rates are measured against the quadratic's own minimum.
    at = open_panel({"surface": "custom", "expr": "(x - 1)**2 + 10*(y + 2)**2",
                     "run": ["sgd:lr=0.05", "momentum:lr=0.02,mu=0.5"], "steps": "300"})
    assert not at.exception, at.exception
    latex = " ".join(e.value for e in at.latex)
    assert r"\lambda_{\min} = 2" in latex and r"\lambda_{\max} = 20" in latex
    assert r"\frac{2}{\lambda_{\max}} = 0.1" in latex
    assert any("polynomial of degree 2" in c.value for c in at.caption)
    rows = table(at)
    sgd = rows["SGD (lr = 0.05)"]
    assert sgd["predicted ρ"] == f"{max(abs(1 - 0.05 * 2), abs(1 - 0.05 * 20)):.4f}" == "0.9000"
    assert float(sgd["measured ρ"]) == pytest.approx(0.9, abs=1e-3)
    momentum = rows["Momentum (lr = 0.02, mu = 0.5)"]
    assert float(momentum["measured ρ"]) == pytest.approx(float(momentum["predicted ρ"]),
                                                          abs=2e-3)


def test_noise_is_named_as_a_reason_the_rates_may_differ():
    at = open_panel({**scene_to_query(DEFAULT_SCENE), "noise": "0.5"})
    assert any("exact gradients and a constant lr" in e.value and "noise" in e.value
               for e in at.caption)


def test_steps_per_tenfold_from_a_rate():
    assert steps_per_tenfold(0.1) == pytest.approx(1.0)
    assert steps_per_tenfold(10 ** -0.5) == pytest.approx(2.0)
    assert steps_per_tenfold(1.0) == math.inf
    assert tenfold_text(0.0) == "the minimum in one step"  # kappa = 1: one step of lr = 1
    assert tenfold_text(0.999) == "2,301 steps per tenfold"  # ln 10 / -ln 0.999, not 2.3e+03
    at = open_panel({"kappa": "1"})
    assert any("Heavy ball: the minimum in one step; SGD: the minimum in one step" in c.value
               for c in at.caption)
