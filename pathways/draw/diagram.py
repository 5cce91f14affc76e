"""The graph a drawing shows and its layout, with box and label sizes measured in the drawing's fonts.

A layout is cached for the process (``layout_key``: the graph's fingerprint and every option), so
a pathway is laid out once however often it is drawn; ``diagram_bound`` is its lower bound without
laying it out. What both start from (the graph's structure, its measured sizes) is kept too, and
while no graph changes (``sarcoma_sim.pathways.unchanged``: cutting a pathway into panels) a
graph's fingerprint is worked out once. Also: the graph of a ``Pathway`` or graph argument, and
the arrows along a highlighted path.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple, Sequence

import networkx as nx

from sarcoma_sim.errors import PathwayError, Problem
from sarcoma_sim.pathways.draw.measure import _TextMeasure
from sarcoma_sim.pathways.draw.style import BAND_HEADER_GAP, DEFAULT_TYPOGRAPHY, PAD, STRAY_GAP, Typography
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.layout import (
    Layout,
    Spacing,
    Structure,
    diagram_structure,
    layered_layout_within,
    sizing_texts,
)
from sarcoma_sim.pathways.model import Pathway
from sarcoma_sim.pathways.unchanged import remembered


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
    """A hash of everything in ``graph`` (attributes of the graph, its nodes and its edges); worked
    out once per graph object inside ``unchanged_graphs`` (``sarcoma_sim.pathways.unchanged``)."""
    return remembered(graph, "fingerprint", lambda: _fingerprint(graph))


def _fingerprint(graph: nx.MultiDiGraph) -> str:
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
               attempts: int = 6, fonts: tuple[tuple, tuple] | None = None) -> LayoutKey:
    """The cache key of a layout: the graph's fingerprint and every option that changes the layout.
    ``fonts``: (family, sans-serif) the sizes are measured in (a ``_TextMeasure``'s), else matplotlib's now."""
    from sarcoma_sim.pathways.layout import text as layout_text

    if fonts is None:
        from matplotlib import rcParams

        fonts = (tuple(rcParams["font.family"]), tuple(rcParams["font.sans-serif"]))
    wraps = (layout_text.TITLE_WRAP, layout_text.DETAIL_WRAP, layout_text.LABEL_WRAP, layout_text.LINK_WRAP)
    return LayoutKey(graph_fingerprint(graph), typography, spacing, direction, attempts, wraps, *fonts)


def diagram_layout(graph: nx.MultiDiGraph, measure: _TextMeasure | None = None,
                   typography: Typography = DEFAULT_TYPOGRAPHY, spacing: Spacing | None = None,
                   direction: str = "right", attempts: int = 6) -> Layout:
    """The layout of ``graph`` with box and label sizes measured in the drawing's fonts.

    ``direction`` is "right" (columns left to right) or "down" (lines of therapy as rows, top to
    bottom). Layouts are cached for the process (``layout_key``), so laying out the same graph
    with the same options again costs only its fingerprint. ``attempts`` is how many times the
    spacing may grow while labels collide (``layered_layout``); one gives the smallest layout.
    """
    found = _layout_within(graph, None, measure or _TextMeasure(), typography, spacing, direction, attempts)
    assert found is not None  # without a limit there is always a layout
    return found


def clear_within(graph: nx.MultiDiGraph, length_limit: float, measure: _TextMeasure,
                 typography: Typography = DEFAULT_TYPOGRAPHY, spacing: Spacing | None = None,
                 direction: str = "right", attempts: int = 6) -> bool:
    """False if ``graph``'s layout (``diagram_layout``) cannot be clear of label collisions within
    ``length_limit`` inches along the lines of therapy: an attempt whose labels collide outgrew it
    (``layout.layered_layout_within``), and it is not grown further. Otherwise True, and the
    layout is the one ``diagram_layout`` gives, kept for it (its size is the caller's to check)."""
    return _layout_within(graph, length_limit, measure, typography, spacing, direction, attempts) is not None


def _layout_within(graph: nx.MultiDiGraph, length_limit: float | None, measure: _TextMeasure,
                   typography: Typography, spacing: Spacing | None, direction: str, attempts: int) -> Layout | None:
    """``diagram_layout``'s layout, kept for the process; None where, held to ``length_limit``, an
    attempt whose labels collide outgrew it (nothing is kept then)."""
    key = layout_key(graph, typography, spacing, direction, attempts, getattr(measure, "fonts", None))
    found = _LAYOUTS.get(key)
    if found is not None:
        return found
    first = None
    if attempts > 1:
        # the first attempt is the layout asked for with one attempt: where its labels are clear,
        # more attempts end with it (fitting a panel lays it out with one attempt first); where
        # they collide, more attempts start from it
        first = _LAYOUTS.get(key._replace(attempts=1))
        if first is not None and first.collisions == 0:
            return first
    found = layered_layout_within(graph, length_limit, spacing=spacing, direction=direction, attempts=attempts,
                                  prepared=_prepared_for(graph, measure, typography, spacing, direction, key),
                                  first=first)
    if found is not None:
        _keep(key, found)
    return found


def _keep(key: LayoutKey, layout: Layout) -> None:
    if len(_LAYOUTS) >= _LAYOUTS_LIMIT:
        _LAYOUTS.clear()
    _LAYOUTS[key] = layout


# What a layout and its bound start from (``layout._prepared``: structure, columns, measured sizes),
# kept for the process by the layout's key less its attempts; a graph's structure by its fingerprint
# and the arrow labels' width (all that its labels depend on). A panel is tried at several widths:
# only the boxes' widths change the sizes, only the labels' width the structure.
_PREPARED: dict[LayoutKey, tuple] = {}
_PREPARED_LIMIT = 1024
_STRUCTURES: dict[tuple[str, int], Structure] = {}
_STRUCTURES_LIMIT = 1024


def _prepared_for(graph: nx.MultiDiGraph, measure: _TextMeasure, typography: Typography, spacing: Spacing | None,
                  direction: str, key: LayoutKey | None = None) -> tuple:
    """``layout._prepared`` for ``graph`` with its sizes measured by ``measure``, at the current
    wrap widths, kept for the process (``key``: the layout's key, when the caller made it)."""
    from sarcoma_sim.pathways.layout import _prepared
    from sarcoma_sim.pathways.layout import text as layout_text

    key = key or layout_key(graph, typography, spacing, direction, 0, getattr(measure, "fonts", None))
    key = key._replace(attempts=0)
    found = _PREPARED.get(key)
    if found is None:
        shape = (key.fingerprint, layout_text.LABEL_WRAP)
        structure = _STRUCTURES.get(shape)
        if structure is None:
            structure = diagram_structure(graph)
            if len(_STRUCTURES) >= _STRUCTURES_LIMIT:
                _STRUCTURES.clear()
            _STRUCTURES[shape] = structure
        node_size, label_size = _sizes(graph, measure, typography)
        found = _prepared(graph, node_size, label_size, drawing_spacing(spacing, typography, measure, direction),
                          direction, structure=structure)
        if len(_PREPARED) >= _PREPARED_LIMIT:
            _PREPARED.clear()
        _PREPARED[key] = found
    structure, rank, sizes, label_sizes, prepared_spacing = found
    # the layout reads these; copies, so that nothing done with one layout reaches the next
    return structure, dict(rank), dict(sizes), dict(label_sizes), prepared_spacing


def drawing_spacing(spacing: Spacing | None, typography: Typography, measure, direction: str) -> Spacing:
    """``spacing`` as a drawing lays out with it: running right, with room for a band's header
    between a state of no line and the line's states under it in a column (``draw.shapes``)."""
    spacing = spacing or Spacing()
    if direction != "right":
        return spacing
    header = band_header_height(typography, measure) + BAND_HEADER_GAP + STRAY_GAP
    return replace(spacing, band_header=header)


def band_header_height(typography: Typography, measure) -> float:
    """The height of a band's header ("First line") in the drawing's fonts, in inches."""
    return measure("First line", typography.header, "bold")[1]


def diagram_bound(graph: nx.MultiDiGraph, measure: _TextMeasure, typography: Typography = DEFAULT_TYPOGRAPHY,
                  spacing: Spacing | None = None, direction: str = "right") -> tuple[float, float]:
    """A lower bound of ``diagram_layout``'s (width, height) for ``graph``, measured in the same fonts
    without laying it out (``layout.extent_bound``): a panel larger than the page on it is never laid out."""
    from sarcoma_sim.pathways.layout import extent_bound

    return extent_bound(graph, spacing=spacing, direction=direction,
                        prepared=_prepared_for(graph, measure, typography, spacing, direction))


def _sizes(graph, measure, typography: Typography):
    """The (width, height) of a state's box and of an arrow's label, in inches, in the drawing's fonts."""
    def node_size(state: str) -> tuple[float, float]:
        sizes = [text_size(title, detail, graph.nodes[state]) for title, detail in sizing_texts(graph.nodes[state])]
        return max(w for w, _ in sizes), max(h for _, h in sizes)

    def text_size(title: str, detail: str | None, attrs: dict) -> tuple[float, float]:
        w, h = measure(title, typography.node_title, _title_weight(attrs))
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
