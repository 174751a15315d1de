"""What the project takes from Streamlit's undocumented parts is still there.

docs/maintaining.md lists each such dependence; the tests here pin those that need no
browser and no server, each failing with the names that went missing, never passing on
nothing. Their browser half, every selector of the page's stylesheets matching an element
of the real page, is tests/test_streamlit_internals_browser.py.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import streamlit
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.BidiComponent_pb2 import BidiComponent
from streamlit.proto.Block_pb2 import Block
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.DownloadButton_pb2 import DownloadButton
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Html_pb2 import Html
from streamlit.proto.PlotlyChart_pb2 import PlotlyChart
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
# The app's own code: app.py and its packages (the page's stylesheets and scripts).
APP = [ROOT / "app.py", *(p for package in ("controls", "panels", "plotting", "scenes")
                          for p in sorted((ROOT / package).rglob("*"))
                          if p.suffix in (".py", ".js", ".css"))]
# What drives the page in tests and benchmarks (a browser waiting on Streamlit's elements).
HARNESS = [p for folder in ("bench", "harness", "tests") if (ROOT / folder).is_dir()
           for p in sorted((ROOT / folder).rglob("*.py")) if p != Path(__file__).resolve()]
FRONTEND = Path(streamlit.__file__).parent / "static" / "static" / "js"

TESTID = re.compile(r"""data-testid=\\?["']?(\w+)""")


@functools.cache
def frontend() -> str:
    """Streamlit's frontend as it ships: every script of its bundle, as one text."""
    scripts = sorted(FRONTEND.glob("*.js"))
    assert scripts, f"Streamlit's frontend bundle moved: no scripts in {FRONTEND}"
    return "\n".join(p.read_text(errors="replace") for p in scripts)


def in_frontend(name: str) -> bool:
    """Whether the bundle holds ``name`` as a whole string literal (``"stMain"``,
    `` `stMain` ``), not merely inside a longer name."""
    return re.search(rf"""[`"']{re.escape(name)}[`"']""", frontend()) is not None


def named_testids(paths: list[Path]) -> dict[str, list[str]]:
    """Every ``data-testid`` named in ``paths``, with the files naming it."""
    found: dict[str, list[str]] = {}
    for path in paths:
        for name in TESTID.findall(path.read_text()):
            found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return found


def page_stylesheets() -> dict[str, str]:
    """The CSS the app puts on the page, by where it is written: every module-level string
    constant named ``*_CSS`` in app.py and its packages (``<style>`` tags and all), and
    every ``.css`` file of the packages."""
    sheets = {}
    for path in APP:
        if path.suffix == ".css":
            sheets[str(path.relative_to(ROOT))] = path.read_text()
        elif path.suffix == ".py":
            for node in ast.parse(path.read_text()).body:
                if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                        and isinstance(node.value.value, str)):
                    for target in node.targets:
                        if isinstance(target, ast.Name) and target.id.endswith("_CSS"):
                            sheets[f"{path.relative_to(ROOT)}:{target.id}"] = node.value.value
    return sheets


def selectors(css: str) -> list[str]:
    """Each selector of each rule of ``css`` (inside ``@media`` blocks too)."""
    css = re.sub(r"/\*.*?\*/", "", re.sub(r"</?style>", "", css), flags=re.S)
    found = []
    for group in re.findall(r"([^{}]+)\{[^{}]*\}", css):
        found += [s.strip() for s in group.split(",") if s.strip()]
    return found


def streamlit_selectors() -> dict[str, str]:
    """The selectors of the page's stylesheets that reach into Streamlit's page (a
    ``data-testid``, an attribute or class Streamlit sets), by where they are written.
    A selector of the project's own elements only (``.descent-player``) is not one."""
    out = {}
    for where, css in page_stylesheets().items():
        for selector in selectors(css):
            if "data-testid" in selector or ".st-" in selector or ".katex" in selector:
                out[selector] = where
    return out


def test_the_selectors_are_read_from_a_stylesheet():
    css = """<style>
    [data-testid="stMain"] p, .st-key-x li { font-size: 1rem; }
    /* a comment { } */
    @media (max-width: 640px) { [data-testid="stSidebar"][data-collapsed="false"] { x: 1; } }
    .descent-player button { y: 2; }
    </style>"""
    assert selectors(css) == ['[data-testid="stMain"] p', ".st-key-x li",
                              '[data-testid="stSidebar"][data-collapsed="false"]',
                              ".descent-player button"]


def test_the_page_styles_streamlits_elements_where_the_docs_say():
    """Every file whose stylesheet reaches into Streamlit's page is named in
    docs/maintaining.md, beside the constant that holds it."""
    docs = (ROOT / "docs" / "maintaining.md").read_text()
    places = set(streamlit_selectors().values())
    assert len(places) >= 2, places  # presenter mode's and the layout's, at least
    unlisted = sorted(where for where in places
                      if not all(f"`{part}`" in docs for part in where.split(":")))
    assert not unlisted, f"stylesheets docs/maintaining.md does not name: {unlisted}"


def test_every_data_testid_relied_on_is_in_streamlits_frontend():
    """The page's CSS and scripts, and the harness's waits, name Streamlit's elements by
    ``data-testid``; each must still be one the installed frontend sets."""
    named = named_testids(APP) | named_testids(HARNESS)
    assert {"stMain", "stMainBlockContainer", "stSidebar", "stStatusWidget"} <= set(named)
    missing = {name: where for name, where in named.items() if not in_frontend(name)}
    assert not missing, f"data-testid no longer in Streamlit's frontend: {missing}"


def test_every_attribute_and_class_the_stylesheets_select_is_in_streamlits_frontend():
    """Besides data-testid: ``[data-collapsed=...]`` on the sidebar, the ``st-key-<key>``
    class of a keyed element, KaTeX's ``katex`` class."""
    needed = set()
    for selector in streamlit_selectors():
        needed |= set(re.findall(r"\[([\w-]+)=", selector)) - {"data-testid"}
        needed |= {"st-key-"} if ".st-key-" in selector else set()
    assert {"data-collapsed", "st-key-"} <= needed
    missing = sorted(name for name in needed
                     if not re.search(rf"""[`"']{re.escape(name)}""", frontend()))
    assert not missing, f"no longer in Streamlit's frontend: {missing}"


# The protobuf fields the tests and the harness build or read (AppTest's elements, the
# websocket's messages): a renamed field would otherwise read as empty or default.
FIELDS = {
    BidiComponent: ("id", "component_name", "bytes"),
    PlotlyChart: ("id", "spec", "config"),
    Html: ("body",),
    DownloadButton: ("label", "deferred_file_id"),
    Block.Popover: ("label", "help"),
    WidgetState: ("id", "string_value", "json_trigger_value", "double_value", "int_value",
                  "bool_value", "string_trigger_value"),
    BackMsg: ("rerun_script",),
    ClientState: ("query_string", "widget_states", "page_script_hash", "fragment_id",
                  "cached_message_hashes", "context_info"),
    ForwardMsg: ("new_session", "delta", "script_finished", "ref_hash", "hash", "metadata",
                 "page_info_changed"),
}


def test_the_protobuf_fields_read_and_written_are_there():
    missing = [f"{message.DESCRIPTOR.full_name}.{name}"
               for message, names in FIELDS.items() for name in names
               if name not in message.DESCRIPTOR.fields_by_name]
    assert not missing, f"fields gone from Streamlit's protos: {missing}"


def test_apptests_private_parts_the_tests_use_are_there():
    """A chart's selection and a component's trigger are sent through AppTest's
    ``_tree.get_widget_states()`` and ``_run(states)``, and a trigger's widget id is
    built from ``STREAMLIT_INTERNAL_KEY_PREFIX`` (tests/test_app_hostile.py,
    tests/test_panels_phase_map.py)."""
    from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX

    assert isinstance(STREAMLIT_INTERNAL_KEY_PREFIX, str) and STREAMLIT_INTERNAL_KEY_PREFIX
    at = AppTest.from_string("import streamlit as st\nst.slider('s', key='s')")
    at.run()
    states = at._tree.get_widget_states()
    assert [state.id.endswith("-s") for state in states.widgets] == [True]
    at._run(states)
    assert not at.exception and at.slider(key="s").value == 0


def test_apptest_lists_a_components_element_with_its_name_and_data():
    """``harness.page.components`` finds the race chart as a ``bidi_component`` element
    whose proto carries its ``component_name`` and its data's ``bytes``."""
    at = AppTest.from_string(
        "import streamlit as st\n"
        "probe = st.components.v2.component('probe', html='<div></div>',\n"
        "                                   js='export default function () {}')\n"
        "probe(key='probe', data=b'{}')\n")
    at.run()
    assert not at.exception
    assert [(e.proto.component_name, e.proto.bytes) for e in at.get("bidi_component")] == [
        ("probe", b"{}")]


def test_the_server_runs_on_uvloop_which_the_requirements_install():
    """Streamlit's server takes uvloop's event loop when uvloop is installed: a script run
    hands each of its messages to that loop, and uvloop wakes once for many where
    asyncio's own loop writes to its wake-up socket for each."""
    import uvloop
    from streamlit.web import bootstrap

    assert bootstrap._get_uvloop_loop_factory() is uvloop.new_event_loop
    pinned = (Path(__file__).resolve().parents[1] / "requirements.txt").read_text()
    assert re.search(rf"^uvloop=={re.escape(uvloop.__version__)}$", pinned, re.M)
