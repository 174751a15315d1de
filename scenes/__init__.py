"""Scenes: what the page shows, as plain values, with shared links and presets.

>>> from scenes import DEFAULT_SCENE, scene_to_query, scene_from_query
>>> scene, messages = scene_from_query(scene_to_query(DEFAULT_SCENE))
>>> scene == DEFAULT_SCENE, messages
(True, [])

* :mod:`scenes.model`: :class:`Scene` and :class:`RunSpec` (``RunSpec.make`` checks a
  run; a scene is checked where it comes in: a link, the page's widgets);
* :mod:`scenes.links`: a scene to URL query parameters and back;
* :mod:`scenes.presets`: the default scene and one preset per lecture claim;
* :mod:`scenes.lecture`: the presets as the lecture's steps, each with its question;
* :mod:`scenes.surface_defaults`: each library surface's own default runs and start
  (:func:`default_scene`, :func:`default_runs`);
* :mod:`scenes.dynamics`: gradient noise, seeds and lr schedules for every run;
* :mod:`scenes.compute`: a scene run through ``optimizers.simulate``.
"""

from __future__ import annotations

from scenes.links import escape_markdown, scene_from_query, scene_to_query
from scenes.model import CUSTOM, MAX_RUNS, MAX_STEPS, RunSpec, Scene, slider_menu
from scenes.presets import DEFAULT_SCENE, PRESETS, PRESETS_BY_KEY, Preset
from scenes.surface_defaults import SURFACE_DEFAULTS, default_runs, default_scene

__all__ = [
    "CUSTOM", "DEFAULT_SCENE", "MAX_RUNS", "MAX_STEPS", "PRESETS", "PRESETS_BY_KEY", "Preset",
    "RunSpec", "SURFACE_DEFAULTS", "Scene", "slider_menu", "default_runs", "default_scene",
    "escape_markdown", "scene_from_query", "scene_to_query",
]
