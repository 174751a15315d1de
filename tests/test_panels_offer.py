"""Which panels each surface offers: the pure decision, and the page's "Explore further"."""

from __future__ import annotations

import pytest

from panels import PANELS, offered_panels
from surfaces import SURFACES, from_expression, make_surface
from tests import panel_page

EVERYWHERE = ["phase_map", "inspector", "view3d", "export"]


@pytest.mark.parametrize("name, theory, fit", [
    ("ravine", True, False),        # quadratic, Hessian diag(1/kappa, 1)
    ("booth", True, False),         # (x + 2y - 7)**2 + (2x + y - 5)**2: a quadratic bowl
    ("penguins", True, True),       # a line's mean squared error: quadratic, and data
    ("saddle", False, False),       # quadratic but no minimum: no bowl to have a theory of
    ("rosenbrock", False, False),
    ("beale", False, False),
    ("himmelblau", False, False),
    ("rastrigin", False, False),
    ("plateau", False, False),
])
def test_each_library_surface_offers_the_panels_that_speak_of_it(name, theory, fit):
    offered = offered_panels(SURFACES[name])
    assert offered == [key for key in PANELS
                       if key in EVERYWHERE or (key == "theory" and theory)
                       or (key == "fit" and fit)]


@pytest.mark.parametrize("scaling", ["raw", "centred", "standardised"])
def test_every_scaling_of_the_penguins_offers_the_theory_and_the_line(scaling):
    assert {"theory", "fit"} <= set(offered_panels(make_surface("penguins", scaling=scaling)))


@pytest.mark.parametrize("formula, theory", [
    ("x**2 + 10*y**2", True),
    ("(x - 1)**2 + 3*(y + 2)**2 + x*y + 4", True),   # turned and shifted, still a bowl
    ("x**2 - y**2", False),                          # a saddle
    ("x**2 + y**4", False),                          # degree 4
    ("x**2 + 10*y**2 + 0.01*sin(x)", False),
    ("(x + y)**2", False),                           # a flat valley: lam_min = 0
])
def test_a_typed_formula_gets_the_theory_only_when_it_is_a_quadratic_bowl(formula, theory):
    offered = offered_panels(from_expression(formula))
    assert ("theory" in offered) is theory
    assert "fit" not in offered


def options(at) -> list[str]:
    return list(at.segmented_control(key="panel").options)


def test_the_page_offers_the_ravine_its_theory_but_not_the_fitted_line():
    at = panel_page.open_panel(None, None)
    titles = options(at)
    assert PANELS["theory"].title in titles and PANELS["fit"].title not in titles
    assert titles == [PANELS[k].title for k in offered_panels(SURFACES["ravine"])]


def test_the_page_offers_rosenbrock_neither_and_the_penguins_both():
    at = panel_page.open_panel(None, {"surface": "rosenbrock"})
    assert options(at) == [PANELS[k].title for k in EVERYWHERE]
    at = panel_page.open_panel(None, {"surface": "penguins"})
    assert {PANELS["theory"].title, PANELS["fit"].title} <= set(options(at))


def test_a_link_to_a_panel_the_surface_does_not_offer_opens_without_it():
    at = panel_page.open_panel(None, {"surface": "rosenbrock", "panel": "theory"})
    assert at.segmented_control(key="panel").value is None
    assert not at.table and not at.info
