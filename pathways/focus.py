"""A readable piece of the map: one state's neighbourhood, and a map that answers no question.

``focus_graph`` cuts the pathway's graph down to where the patient came from, where they are and
the states the options lead to. ``neutral_graph`` takes from a graph everything that would answer
a pending decision: the state labels are replaced by the caller's neutral wording (a label such as
"Imatinib 800 mg daily (KIT exon 9)" names the marker it goes with), and the arrows lose their
conditions and notes. ``render_svg`` draws either with the usual drawing code, every text at least
9 pt (12 CSS px when the SVG is shown at its own size, as a phone page does inside a scrolling box).
"""

from __future__ import annotations

import io
from typing import Iterable, Mapping

import networkx as nx

from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.model import Pathway

# Every size at least 9 pt: 12 CSS px at the drawing's own size.
MIN_POINTS = 9.0
SVG_SALT = "sarcoma-sim"


def focus_graph(pathway: Pathway, current: str, came_from: Iterable[str] = (), leads_to: Iterable[str] = ()):
    """The graph of ``current``, the states the patient ``came_from`` and the states the options lead to.

    Only the arrows from where the patient came and to where the options lead are kept; a state the
    pathway does not have is left out (another subtype's regimen offered as a wrong answer).
    """
    graph = build_graph(pathway)
    before = [s for s in dict.fromkeys(came_from) if s in graph and s != current]
    after = [s for s in dict.fromkeys(leads_to) if s in graph]
    nodes = list(dict.fromkeys([*before, current, *after]))
    focus = nx.MultiDiGraph(graph.subgraph(nodes))
    wanted = {(b, current) for b in before} | {(current, a) for a in after}
    for u, v, key in list(focus.edges(keys=True)):
        if (u, v) not in wanted:
            focus.remove_edge(u, v, key)
    return focus


def neutral_graph(graph, labels: Mapping[str, str]) -> tuple[nx.MultiDiGraph, dict[str, str]]:
    """A copy of ``graph`` that names no marker or condition, and the new name of each state.

    ``labels`` (state id -> wording) replaces the states' labels; the states are renamed
    ``state-1``, ``state-2``... in the graph's order, since an id such as ``imatinib_800_exon9``
    would be written into the SVG's element ids; sources and notes are dropped.
    """
    neutral = graph.copy()
    for state, attrs in neutral.nodes(data=True):
        attrs["label"] = labels.get(state, attrs.get("label"))
        attrs["note"] = None
        attrs["sources"] = []
    for _, _, attrs in neutral.edges(data=True):
        attrs.update(when=None, when_plain=None, note=None, sources=[])
    names = {state: f"state-{i}" for i, state in enumerate(neutral.nodes, start=1)}
    return nx.relabel_nodes(neutral, names), names


def readable_typography():
    """The drawing's font sizes, none under ``MIN_POINTS``."""
    from dataclasses import fields, replace

    from sarcoma_sim.pathways.draw import DEFAULT_TYPOGRAPHY

    return replace(DEFAULT_TYPOGRAPHY, **{f.name: max(getattr(DEFAULT_TYPOGRAPHY, f.name), MIN_POINTS)
                                          for f in fields(DEFAULT_TYPOGRAPHY)})


def render_svg(graph, highlight: list[str] | None = None, title: str | None = None, *,
               legend: bool = False) -> str:
    """``graph`` drawn as SVG text (text kept as text), ``highlight`` emphasised where it follows arrows."""
    from matplotlib import rc_context

    from sarcoma_sim.pathways.draw import DPI, _compose

    keys: set = set()
    if highlight:
        for a, b in zip(highlight, highlight[1:]):
            keys.update(graph.get_edge_data(a, b) or {})
    ax, _ = _compose(graph, None, highlight or None, title=title, legend=legend, sources=False,
                     typography=readable_typography(), path_keys=keys if highlight else None)
    buffer = io.StringIO()
    with rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "none"}):
        ax.figure.savefig(buffer, format="svg", dpi=DPI, metadata={"Date": None}, facecolor="white")
    return buffer.getvalue()
