"""The graph a drawing shows and its layout, with box and label sizes measured in the drawing's fonts.

A layout is cached for the process (``layout_key``: the graph's fingerprint and every option), so
a pathway is laid out once however often it is drawn; ``diagram_bound`` is its lower bound without
laying it out. Also: the graph of a ``Pathway`` or graph argument, and the arrows along a
highlighted path.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import networkx as nx

from sarcoma_sim.errors import PathwayError, Problem
from sarcoma_sim.pathways.draw.measure import _TextMeasure
from sarcoma_sim.pathways.draw.style import DEFAULT_TYPOGRAPHY, PAD, Typography
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.layout import Layout, Spacing, layered_layout, node_text
from sarcoma_sim.pathways.model import Pathway


def _graph_of(pathway_or_graph) -> tuple[nx.MultiDiGraph, str]:
    if isinstance(pathway_or_graph, Pathway):
        return build_graph(pathway_or_graph), pathway_or_graph.file or pathway_or_graph.id
    if isinstance(pathway_or_graph, nx.MultiDiGraph):
        return pathway_or_graph, str(pathway_or_graph.graph.get("subtype", "<graph>"))
    raise TypeError(f"expected a Pathway or the MultiDiGraph of one, got {type(pathway_or_graph).__name__}")


def highlighted_keys(graph: nx.MultiDiGraph, highlight: Sequence[str], file: str = "") -> set:
    """The transition keys along ``highlight`` (a sequence of state ids).

    Raises ``PathwayError`` naming the first unknown state or the first missing edge, e.g.
    "no transition from 'workup' to 'sunitinib_50_intermittent'".
    """
    if isinstance(highlight, str):
        highlight = [highlight]
    highlight = list(highlight)
    if not highlight:
        raise PathwayError(Problem(file, None, "highlight", "expected at least one state id"))
    for i, state in enumerate(highlight):
        if state not in graph:
            raise PathwayError(Problem(file, None, f"highlight[{i}]",
                                       f"unknown state {state!r}; expected one of {', '.join(graph.nodes)}"))
    keys = set()
    for i, (a, b) in enumerate(zip(highlight, highlight[1:]), start=1):
        found = graph.get_edge_data(a, b) or {}
        if not found:
            raise PathwayError(Problem(file, None, f"highlight[{i}]", f"no transition from {a!r} to {b!r}"))
        keys.update(found)
    return keys


# Layouts kept for the process, keyed by everything that decides them (the graph's content, the
# type sizes, spacing, direction, wrap widths and fonts): a pathway is laid out once however many
# panels, presets, formats, map requests or focus views draw it.
_LAYOUTS: dict[LayoutKey, Layout] = {}
_LAYOUTS_LIMIT = 512


def graph_fingerprint(graph: nx.MultiDiGraph) -> str:
    """A hash of everything in ``graph`` (attributes of the graph, its nodes and its edges)."""
    import hashlib
    import json

    data = [graph.graph, list(graph.nodes(data=True)), list(graph.edges(keys=True, data=True))]
    text = json.dumps(data, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class LayoutKey(NamedTuple):
    """What a layout depends on: the graph's fingerprint and every option that changes it."""

    fingerprint: str
    typography: Typography
    spacing: Spacing | None
    direction: str
    attempts: int
    wraps: tuple
    font_family: tuple
    sans_serif: tuple


def layout_key(graph: nx.MultiDiGraph, typography: Typography, spacing: Spacing | None, direction: str,
               attempts: int = 6) -> LayoutKey:
    """The cache key of a layout: the graph's fingerprint and every option that changes the layout."""
    from matplotlib import rcParams

    from sarcoma_sim.pathways.layout import text as layout_text

    wraps = (layout_text.TITLE_WRAP, layout_text.DETAIL_WRAP, layout_text.LABEL_WRAP, layout_text.LINK_WRAP)
    return LayoutKey(graph_fingerprint(graph), typography, spacing, direction, attempts, wraps,
                     tuple(rcParams["font.family"]), tuple(rcParams["font.sans-serif"]))


def diagram_layout(graph: nx.MultiDiGraph, measure: _TextMeasure | None = None,
                   typography: Typography = DEFAULT_TYPOGRAPHY, spacing: Spacing | None = None,
                   direction: str = "right", attempts: int = 6) -> Layout:
    """The layout of ``graph`` with box and label sizes measured in the drawing's fonts.

    ``direction`` is "right" (columns left to right) or "down" (lines of therapy as rows, top to
    bottom). Layouts are cached for the process (``layout_key``), so laying out the same graph
    with the same options again costs only its fingerprint. ``attempts`` is how many times the
    spacing may grow while labels collide (``layered_layout``); one gives the smallest layout.
    """
    key = layout_key(graph, typography, spacing, direction, attempts)
    found = _LAYOUTS.get(key)
    if found is None and attempts > 1:
        # the first attempt is the layout asked for with one attempt: where its labels are clear,
        # more attempts end with it (fitting a panel lays it out with one attempt first)
        first = _LAYOUTS.get(key._replace(attempts=1))
        if first is not None and first.collisions == 0:
            found = first
    if found is None:
        found = _measured_layout(graph, measure or _TextMeasure(), typography, spacing, direction, attempts)
        if len(_LAYOUTS) >= _LAYOUTS_LIMIT:
            _LAYOUTS.clear()
        _LAYOUTS[key] = found
    return found


def _measured_layout(graph, measure, typography: Typography, spacing: Spacing | None, direction: str,
                     attempts: int = 6) -> Layout:
    node_size, label_size = _sizes(graph, measure, typography)
    return layered_layout(graph, node_size=node_size, label_size=label_size, spacing=spacing, direction=direction,
                          attempts=attempts)


def diagram_bound(graph: nx.MultiDiGraph, measure: _TextMeasure, typography: Typography = DEFAULT_TYPOGRAPHY,
                  spacing: Spacing | None = None, direction: str = "right") -> tuple[float, float]:
    """A lower bound of ``diagram_layout``'s (width, height) for ``graph``, measured in the same fonts
    without laying it out (``layout.extent_bound``): a panel larger than the page on it is never laid out."""
    from sarcoma_sim.pathways.layout import extent_bound

    node_size, label_size = _sizes(graph, measure, typography)
    return extent_bound(graph, node_size, label_size, spacing, direction)


def _sizes(graph, measure, typography: Typography):
    """The (width, height) of a state's box and of an arrow's label, in inches, in the drawing's fonts."""
    def node_size(state: str) -> tuple[float, float]:
        title, detail = node_text(graph.nodes[state])
        w, h = measure(title, typography.node_title, _title_weight(graph.nodes[state]))
        if detail:
            dw, dh = measure(detail, typography.node_detail, style="italic")
            w, h = max(w, dw), h + dh + 0.05
        return w + 2 * PAD + 0.04, h + 2 * PAD

    def label_size(text: str) -> tuple[float, float]:
        return measure(text, typography.label)

    return node_size, label_size


def _title_weight(attrs: dict) -> str:
    """A state's name is bold; a link box's rows (conditions and names of states elsewhere) are not."""
    return "normal" if attrs.get("link_direction") else "bold"
