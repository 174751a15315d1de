"""Groups of sidebar controls that ``app.py`` draws: a part of the scene <-> widget state.

Each module reads its part of the scene from ``st.session_state``, loads it
there (from a link or a preset) and draws its widgets. Layout and widgets only;
what the values mean lives in ``scenes``.
"""
