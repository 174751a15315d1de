"""Optional panels below the race chart: one module per panel, drawn on demand.

Each panel module has a ``PANEL``, a :class:`~panels.page.Panel` whose
``render(page)`` draws it with ``st.*`` calls from the page's
:class:`~panels.page.PageState` (layout only: it computes through the
packages, cached). The page draws only the panel the visitor picked, so a
costly panel (a phase map) costs nothing while closed. Register a panel by
adding its ``PANEL`` to :data:`PANELS`, in the order the page offers them.

A panel is offered only on the surfaces it speaks of (its ``applies``):
:func:`offered_panels` is the one place that decides, for the page and its tests.
The theory panel needs a quadratic bowl, the fitted line a surface fitted to data;
the others apply everywhere.
"""

from __future__ import annotations

from panels import export, fit, inspector, phase_map, theory, view3d
from panels.page import PageState, Panel
from surfaces import Surface

PANELS: dict[str, Panel] = {panel.key: panel for panel in (
    theory.PANEL, phase_map.PANEL, inspector.PANEL, view3d.PANEL, fit.PANEL, export.PANEL)}


def offered_panels(surface: Surface) -> list[str]:
    """The keys of the panels that say something about ``surface``, in the page's order:
    every panel of :data:`PANELS` whose ``applies(surface)`` holds."""
    return [key for key, panel in PANELS.items() if panel.applies(surface)]


__all__ = ["PANELS", "PageState", "Panel", "offered_panels"]
