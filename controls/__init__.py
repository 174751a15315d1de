"""The page's controls: the widgets ``app.py`` draws, and the scene they hold.

* :mod:`controls.scene_state`: the scene in the widgets' state and back, runs added
  and removed, a new surface, the start kept in the box (no widget drawn);
* :mod:`controls.sidebar`: the lecture presets, the surface, the start and the steps;
* :mod:`controls.dynamics`: the sidebar's "Noise and schedules";
* :mod:`controls.toolbar`: the row above the race chart (view, what stopped, Share,
  presenter mode);
* :mod:`controls.lecture`: the lecture bar, a step's question then its claim, the
  clicker's keys;
* :mod:`controls.runs`: the run cards under the chart, and "Add a run";
* :mod:`controls.viewport`: the chart's room, measured in the visitor's browser;
* :mod:`controls.choice`: a selectbox's value checked against its options.

Layout and widgets only; what the values mean lives in ``scenes``.
"""
