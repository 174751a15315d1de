"""The race chart's messages read back in Python, as its script applies them
(``controls/race_chart/frontend/README.md``): a whole figure, or a move that changes some
traces and their steps in the figure the chart holds, as Plotly's figure with its frames."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator

from controls.race_chart import ITEM_SIZES


def _step(steps: dict, t: int):
    """Trace ``t``'s steps in ``steps`` (keyed by number, or by text as JSON has them)."""
    return steps.get(t, steps.get(str(t)))


def resent(trace: dict, steps) -> dict:
    """``trace`` with each attribute sent as ``{"sent": j}`` (``controls.race_chart.
    sent_once``) put back: the ``j``-th array of its ``steps``' column of that name."""
    out = dict(trace)
    for name, value in trace.items():
        if isinstance(value, dict) and "sent" in value:
            column = steps["columns"][name]
            out[name] = {"dtype": column["dtype"], "bdata": column["bdata"][value["sent"]]}
    return out


def apply(fig: dict, change: dict) -> dict:
    """``change`` applied to ``fig`` as the chart's script applies it: the changed
    attributes set on their traces, and each moved trace's steps in place of its old ones."""
    changed = {str(i): resent(attributes, _step(change["steps"], int(i)))
               for i, attributes in change["traces"].items()}
    data = [{**trace, **changed.get(str(i), {})} for i, trace in enumerate(fig["data"])]
    moved = {int(t): unpack(steps) for t, steps in change["steps"].items()}
    frames = []
    for k, frame in enumerate(fig["frames"]):
        kept = [(t, d) for t, d in zip(frame["traces"], frame["data"], strict=True)
                if t not in moved]
        kept += [(t, update) for t, steps in moved.items() for j, update in steps if j == k]
        frames.append({**frame, "traces": [t for t, _ in kept], "data": [d for _, d in kept]})
    return {"data": data, "layout": fig["layout"], "frames": frames}


def whole(figure: dict) -> dict:
    """A whole figure as the chart is sent it (``names`` and each animated trace's
    ``steps`` in place of the frames) as Plotly's figure: data, layout and frames, each
    frame holding what changed since the one before it, which it names as its
    ``baseframe`` (``plotting.build.Layers.frames`` with ``delta``)."""
    names = figure["names"]
    frames = [{"name": name, **({"baseframe": names[k - 1]} if k else {}),
               "traces": [], "data": []} for k, name in enumerate(names)]
    for t, steps in sorted(figure["steps"].items(), key=lambda item: int(item[0])):
        for k, update in unpack(steps):
            frames[k]["traces"].append(int(t))
            frames[k]["data"].append(update)
    data = [resent(trace, _step(figure["steps"], t)) for t, trace in enumerate(figure["data"])]
    return {"data": data, "layout": figure["layout"], "frames": frames}


def unpack(steps) -> list:
    """A trace's steps, ``[[k, update], ...]``, from their columns (a column named by a
    path, ``marker.size``, set in its nested attribute)."""
    if isinstance(steps, list):
        return steps

    def value(column, j):
        if isinstance(column, list):
            return column[j]
        if "take" in column:  # the first n values of the i-th array
            i, n = column["take"][j]
            whole = base64.b64decode(column["bdata"][i])
            return {"dtype": column["dtype"],
                    "bdata": base64.b64encode(whole[:n * ITEM_SIZES[column["dtype"]]]).decode()}
        return {"dtype": column["dtype"], "bdata": column["bdata"][j]}
    ks = steps["k"]
    if isinstance(ks, dict):  # frames that follow one another
        ks = range(ks["from"], ks["from"] + ks["count"])
    def update(j: int) -> dict:
        out: dict = {}
        for name, column in steps["columns"].items():
            *path, last = name.split(".")
            inner = out
            for part in path:
                inner = inner.setdefault(part, {})
            inner[last] = value(column, j)
        return out

    return [[k, update(j)] for j, k in enumerate(ks)]


def figures(messages: Iterable[dict]) -> Iterator[dict]:
    """The figure the chart shows after each message that changed it: a whole figure as
    it is, a move applied to the figure before it ("nothing new" yields nothing)."""
    shown = None
    for message in messages:
        if "figure" in message:
            shown = whole(message["figure"])
        elif "traces" in message:
            if shown is None:
                raise ValueError("a move came before any whole figure")
            shown = apply(shown, message)
        else:
            continue
        yield shown
