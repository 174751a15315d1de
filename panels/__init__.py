"""Optional panels below the race chart: one module per panel, drawn on demand.

Each panel module has a ``PANEL``, a :class:`~panels.page.Panel` whose
``render(page)`` draws it with ``st.*`` calls from the page's
:class:`~panels.page.PageState` (layout only: it computes through the
packages, cached). The page draws only the panel the visitor picked, so a
costly panel (a phase map) costs nothing while closed. Register a panel by
adding its ``PANEL`` to :data:`PANELS`, in the order the page offers them.
"""

from __future__ import annotations

from panels import export, fit, inspector, phase_map, theory, view3d
from panels.page import PageState, Panel

PANELS: dict[str, Panel] = {panel.key: panel for panel in (
    theory.PANEL, phase_map.PANEL, inspector.PANEL, view3d.PANEL, fit.PANEL, export.PANEL)}

__all__ = ["PANELS", "PageState", "Panel"]
