"""The bare page: the floor of this stack, a Streamlit script (``streamlit run`` it).

One select slider keyed as the page's first run's lr (``run0_lr``), so that the same
visitors drive both pages, and one small Plotly chart whose data follows it.
"""

import plotly.graph_objects as go
import streamlit as st

# The page's lr choices (scenes.slider_menu("lr", 1.8)), written out: importing the
# project would add its modules to this page's memory.
LR = sorted({round(m * 10.0**e, 6) for e in range(-4, 2)
             for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8)} | {1.8, 100.0})

lr = st.select_slider("lr", LR, value=1.8, key="run0_lr", format_func=lambda v: f"{v:g}")
st.plotly_chart(go.Figure(go.Scatter(x=[0, 1, 2], y=[1, lr, 1])))
