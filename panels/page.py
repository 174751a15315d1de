"""What every panel gets and is: the page's :class:`PageState` and a :class:`Panel`.

Apart from :mod:`panels` itself, so that the panels import these without
importing the package that registers them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from plotting import RunTrace
from plotting.layout import DEFAULT_SCREEN, Screen
from plotting.runs import scene_traces
from scenes import RunSpec, Scene
from scenes.compute import Trajectory, build_surface, run_scene
from surfaces import Surface


@dataclass(frozen=True, eq=False)
class PageState:
    """What the page computed for the current scene, handed to every panel.

    ``runs`` holds ``(index, run, trajectory)`` for every run switched on
    (``index``: its place in ``scene.runs``); ``traces`` the same runs as drawn,
    each in its colour. ``add_run`` adds a run to the comparison (for panels that
    propose one). ``view`` is the race chart's view (``"overlay"`` or
    ``"multiples"``), ``screen`` the race chart's room in the browser, and
    ``presenter`` whether the page is in presenter mode (large fonts, thick lines).
    """

    scene: Scene
    surface: Surface
    runs: list[tuple[int, RunSpec, Trajectory]]
    traces: list[RunTrace]
    add_run: Callable[[RunSpec], None]
    view: str = "overlay"
    presenter: bool = False
    screen: Screen = DEFAULT_SCREEN

    @classmethod
    def of(cls, scene: Scene) -> PageState:
        """The state of a page showing ``scene``, computed here, uncached (for tests,
        benchmarks and scripts); ``add_run`` does nothing."""
        surface = build_surface(scene.surface_key)
        runs = run_scene(scene, surface)
        traces = scene_traces(scene, {i: path for i, _, path in runs})
        return cls(scene=scene, surface=surface, runs=runs, traces=traces,
                   add_run=lambda run: None)


def everywhere(surface: Surface) -> bool:
    """A panel that applies to every surface."""
    return True


@dataclass(frozen=True)
class Panel:
    """A panel under the race chart: its ``key`` (in links: ``panel=<key>``), the
    ``title`` the page shows, ``render(page)``, which draws it, and ``applies(surface)``,
    whether it has something to say about that surface (the page offers it only then)."""

    key: str
    title: str
    render: Callable[[PageState], None]
    applies: Callable[[Surface], bool] = everywhere
