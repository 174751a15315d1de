"""A widget's value that must be one of its options, checked before anyone reads it.

Streamlit's selectbox returns whatever string a visitor's browser sends (it accepts new
options on the wire), so a hostile visitor can put any text into ``st.session_state`` under
a selectbox's key. Every selectbox key goes through :func:`selected` before its value is used
as a key into a registry (``SURFACES``, ``OPTIMIZERS``, ``KIND_SETTINGS``, ...): at the top
of a callback that reads it, and before the widget is drawn.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

import streamlit as st


def selected(key: str, options: Sequence, default: Any = None, *,
            ss: MutableMapping[str, Any] | None = None) -> Any:
    """``ss[key]`` (``st.session_state`` unless given) if it is one of ``options``;
    otherwise it is set to ``default`` (the first option when None) and that is returned.
    A key not yet in the state is left alone (the widget's own default applies) and None
    returned."""
    ss = st.session_state if ss is None else ss
    if key not in ss:
        return None
    value = ss[key]
    if not any(type(value) is type(option) and value == option for option in options):
        value = options[0] if default is None else default
        ss[key] = value
    return value
