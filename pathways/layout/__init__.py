"""Where everything goes in a pathway diagram: a layered, left-to-right layout of the graph.

Pure Python and networkx (no matplotlib), so the exports and the tests use it without a display.
The steps follow Sugiyama's layered drawing, shaped by what a clinician expects to read:

1. *Structure* (``structure``): transitions between the same two states are merged into
   one arrow whose label (``text``) lists the events ("progression or intolerance"); a
   choice that several states share (the GIST sunitinib schedule after any imatinib) becomes one
   decision point drawn before the states it branches to; edges that go back in the clinical
   course (resection back to imatinib) are set aside as back edges.
2. *Columns* (``columns``): workup first, each line of therapy after every earlier line,
   the end states last; within that, longest-path layering of the forward edges.
3. *Order* (``order``): long edges get a placeholder in every column they cross, and
   barycentre sweeps order each column to reduce crossings.
4. *Coordinates* (``coordinates``): each column is placed as close as possible to its
   neighbours' heights under minimum separations (isotonic regression); gaps between columns are
   as wide as their labels.
5. *Routes and labels* (``routes``, ``labels``): edges are cubic Bézier curves
   between ports spread on the node sides, back edges arcs over the top of their nodes; each label
   goes where it hits no node and no other label, and the spacing grows until every label fits.

This module runs the steps and assembles the ``Layout`` (shapes in ``geometry``, column
headers in ``bands``); it also re-exports the names other modules import from it.

Coordinates are inches with y growing downwards; ``Layout.width`` and ``Layout.height`` bound the
whole drawing of the graph (labels and arcs included).
"""

from __future__ import annotations

from typing import Callable

import networkx as nx

from sarcoma_sim.pathways.layout.bands import ORDINALS, _bands, drawn_line, line_title
from sarcoma_sim.pathways.layout.columns import _layers_and_chains, _ranks, state_columns
from sarcoma_sim.pathways.layout.coordinates import (
    _boxes,
    _column_widths,
    _column_x,
    _gap_widths,
    _heights,
    _separation,
)
from sarcoma_sim.pathways.layout.coordinates import _spaced_isotonic as _spaced_isotonic
from sarcoma_sim.pathways.layout.geometry import DECISION, STATE, Band, Box, Layout, Point, Route, Segment, Spacing
from sarcoma_sim.pathways.layout.labels import _assign_label_gaps, _place_labels
from sarcoma_sim.pathways.layout.order import _order_layers
from sarcoma_sim.pathways.layout.routes import _route_segments, _top_arcs, bezier_point
from sarcoma_sim.pathways.layout.structure import DiagramEdge, Structure, back_edge_keys, diagram_structure
from sarcoma_sim.pathways.layout.text import (
    DETAIL_WRAP,
    LABEL_WRAP,
    NBSP,
    TITLE_WRAP,
    condition_phrase,
    conjuncts,
    edge_label,
    estimate_text_size,
    node_text,
    regimen_detail,
    sizing_texts,
)
from sarcoma_sim.pathways.layout.text import _wrap as _wrap

__all__ = [
    "DECISION", "DETAIL_WRAP", "LABEL_WRAP", "NBSP", "ORDINALS", "STATE", "TITLE_WRAP",
    "DIRECTIONS", "Band", "Box", "DiagramEdge", "Layout", "Measure", "Point", "Route", "Segment", "Spacing",
    "Structure", "back_edge_keys", "bezier_point", "condition_phrase", "conjuncts", "diagram_structure",
    "drawn_line", "edge_label", "estimate_text_size", "extent_bound", "is_stray", "layered_layout",
    "layered_layout_within", "line_title", "node_text", "regimen_detail", "sizing_texts", "state_columns", "transposed",
]

Measure = Callable[[str], tuple[float, float]]


def layered_layout(graph: nx.MultiDiGraph,
                   node_size: Callable[[str], tuple[float, float]] | None = None,
                   label_size: Measure | None = None,
                   spacing: Spacing | None = None,
                   attempts: int = 6, direction: str = "right", prepared: tuple | None = None,
                   first: Layout | None = None) -> Layout:
    """Lay ``graph`` out left to right; sizes in inches come from the two measuring functions.

    ``node_size(state_id)`` gives a state box's natural (width, height) and ``label_size(text)``
    an edge label's; without them sizes are estimated from the text. When labels collide the
    spacing grows, up to ``attempts`` times; ``Layout.collisions`` counts any left.
    ``direction="down"`` lays it out top to bottom instead (``DIRECTIONS``).

    ``prepared`` is what ``_prepared`` gives for these arguments, when the caller kept it (the
    sizes and functions are then not used); ``first`` the layout this function returned for the
    same arguments with one attempt, which is then this layout's first attempt as it is.
    """
    found = layered_layout_within(graph, None, node_size, label_size, spacing, attempts, direction, prepared, first)
    assert found is not None  # without a limit there is always a layout
    return found


def layered_layout_within(graph: nx.MultiDiGraph, length_limit: float | None,
                          node_size: Callable[[str], tuple[float, float]] | None = None,
                          label_size: Measure | None = None,
                          spacing: Spacing | None = None,
                          attempts: int = 6, direction: str = "right", prepared: tuple | None = None,
                          first: Layout | None = None) -> Layout | None:
    """``layered_layout``, or None as soon as an attempt whose labels collide is longer than
    ``length_limit`` along the lines of therapy (its width drawn right, its height drawn down).

    The spacing only grows from one attempt to the next, and the length with it: the columns keep
    their widths and the gaps between them widen. So no later attempt would be clear of collisions
    within the limit. (Across the lines there is no such rule: the columns are aligned anew each
    attempt, and a layout can end narrower than its first attempt, TGCT drawn down on a page by
    an eighth.) Fitting a panel with its labels clear (``draw.cut``) asks only that, and stops
    there instead of growing it up to six times.
    """
    structure, rank, sizes, label_sizes, spacing = prepared or _prepared(graph, node_size, label_size, spacing,
                                                                          direction)
    best = None
    for attempt in range(max(1, attempts)):
        if attempt == 0 and first is not None:
            # transposed twice is the layout as placed (x and y swapped back, nothing computed)
            layout = transposed(first) if direction == "down" else first
        else:
            layout = _place(graph, structure, rank, sizes, label_sizes, spacing)
        if best is None or layout.collisions < best.collisions:
            best = layout
        if layout.collisions == 0:
            break
        # placed left to right: its width is its length along the lines of therapy either way
        if length_limit is not None and layout.width > length_limit:
            return None
        if attempt == 0:
            # first, arrows sharing a box leave or enter it further apart (as far as the box is
            # tall): labels of arrows converging on one state, stacked in one gap, part where
            # wider gaps would not (and the layout stays as small)
            spacing = Spacing(**{**spacing.__dict__, "port_step": spacing.port_step * 6})
            continue
        spacing = Spacing(**{**spacing.__dict__,
                             "node_gap": spacing.node_gap * 1.3,
                             "dummy_gap": spacing.dummy_gap * 1.3,
                             "min_column_gap": spacing.min_column_gap + 0.15,
                             "label_margin": spacing.label_margin + 0.08})
    assert best is not None  # the loop above runs at least once
    return transposed(best) if direction == "down" else best


DIRECTIONS = ("right", "down")


def _prepared(graph: nx.MultiDiGraph, node_size, label_size, spacing: Spacing | None, direction: str,
              structure: Structure | None = None) -> tuple:
    """``(structure, rank, sizes, label_sizes, spacing)`` as the layout works on them: sizes
    estimated from the text where no measuring function is given; drawn down, every size
    transposed (the layout runs right, then is transposed back) and no minimum box width.
    ``structure``: ``diagram_structure(graph)``, when the caller has it."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    spacing = spacing or Spacing()
    if node_size is None:
        def node_size(state: str) -> tuple[float, float]:
            sizes = [text_size(title, detail) for title, detail in sizing_texts(graph.nodes[state])]
            return max(w for w, _ in sizes), max(h for _, h in sizes)

        def text_size(title: str, detail: str | None) -> tuple[float, float]:
            w, h = estimate_text_size(title, 11)
            if detail:
                dw, dh = estimate_text_size(detail, 9)
                w, h = max(w, dw), h + dh + 0.04
            return w + 0.24, h + 0.2
    if label_size is None:
        def label_size(text: str) -> tuple[float, float]:
            return estimate_text_size(text, 9)
    structure = structure or diagram_structure(graph)
    rank = _ranks(graph, structure, before_lines=direction == "down")
    sizes = {n: node_size(n) for n in structure.states}
    label_sizes = {e.label: label_size(e.label) for e in structure.edges if e.label}
    if direction == "down":
        # the same layered layout on the transposed sizes, then transposed back: columns become
        # rows, ports on the sides become ports on top and bottom, arcs over the top go round the left
        sizes = {n: (h, w) for n, (w, h) in sizes.items()}
        label_sizes = {t: (h, w) for t, (w, h) in label_sizes.items()}
        # a row's height is its tallest box: no minimum (the minimum width is for columns)
        spacing = Spacing(**{**spacing.__dict__, "min_node_width": 0.0})
    return structure, rank, sizes, label_sizes, spacing


def extent_bound(graph: nx.MultiDiGraph, node_size: Callable[[str], tuple[float, float]] | None = None,
                 label_size: Measure | None = None, spacing: Spacing | None = None,
                 direction: str = "right", prepared: tuple | None = None) -> tuple[float, float]:
    """A lower bound of the (width, height) of ``layered_layout``'s layout of ``graph`` (any number
    of attempts; the same sizes and spacing), in a fraction of its time: no ordering, routing or
    label placement.

    Running right, the width is the span of the columns as the layout sizes them (each column as
    wide as its widest box, each gap as its labels need; every box is as wide as its column), and
    the height is the fullest column's boxes stacked at their least gaps; both with the margins.
    Running down, the same on the transposed sizes. Fitting a panel to a page rejects most
    candidates on this bound alone. ``prepared``: as for ``layered_layout``.
    """
    structure, rank, sizes, label_sizes, spacing = prepared or _prepared(graph, node_size, label_size, spacing,
                                                                          direction)
    layers, chains = _layers_and_chains(structure, rank)
    widths = _column_widths(layers, sizes, spacing)
    label_gap = _assign_label_gaps(structure, rank, chains, _top_arcs(structure, rank))
    gaps = _gap_widths(structure, label_gap, label_sizes, spacing, len(layers))
    # two boxes stacked in a column are at least a node gap apart, or two placeholder gaps where
    # a long arrow passes between them
    least_gap = min(spacing.node_gap, 2 * spacing.dummy_gap)
    stacked: dict[int, list[float]] = {}
    for n in structure.states:
        stacked.setdefault(rank[n], []).append(sizes[n][1])
    for d in structure.decisions:
        stacked.setdefault(rank[d], []).append(spacing.decision_size)
    across = sum(widths) + sum(gaps) + 2 * spacing.margin
    along = max((sum(h) + (len(h) - 1) * least_gap for h in stacked.values()), default=0.0) + 2 * spacing.margin
    return (along, across) if direction == "down" else (across, along)


def transposed(layout: Layout) -> Layout:
    """``layout`` with x and y swapped: a left-to-right layout read top to bottom."""
    def box(b: Box | None) -> Box | None:
        return None if b is None else Box(b.id, b.kind, b.y, b.x, b.height, b.width, b.column)

    routes = tuple(Route(r.edge, tuple(tuple((p[1], p[0]) for p in s) for s in r.segments), box(r.label_box))
                   for r in layout.routes)
    return Layout(layout.structure, {k: box(b) for k, b in layout.boxes.items()}, routes, layout.bands,
                  layout.columns, width=layout.height, height=layout.width, collisions=layout.collisions,
                  spacing=layout.spacing, direction="down" if layout.direction == "right" else "right")


def band_members(graph, layers: list[list]) -> tuple[frozenset, frozenset]:
    """In the columns that hold a line of therapy: its states of no line (not link boxes or
    decision points: the imaging after a resection, a surgery), left outside the line's band where
    they stand before or after the rest (``draw.shapes``), and the rest (boxes and decision points)."""
    strays: set = set()
    banded: set = set()
    for layer in layers:
        real = [n for n in layer if not isinstance(n, tuple)]
        if not any(n in graph and drawn_line(graph.nodes[n]) is not None for n in real):
            continue
        for n in real:
            if is_stray(graph, n):
                strays.add(n)
            else:
                banded.add(n)
    return frozenset(strays), frozenset(banded)


def is_stray(graph, node) -> bool:
    """Whether ``node`` is a state drawn with no line of therapy (``drawn_line``) that is not a link
    box (a surgery, the imaging after a resection, adjuvant therapy, an end of the pathway): beside
    a line's states, outside its band."""
    if node not in graph:
        return False
    attrs = graph.nodes[node]
    return drawn_line(attrs) is None and attrs.get("kind") not in ("link", "decision", None)


def _place(graph, structure: Structure, rank: dict[str, int], sizes, label_sizes,
           spacing: Spacing) -> Layout:
    layers, chains = _layers_and_chains(structure, rank)
    n_columns = len(layers)

    _order_layers(graph, structure, layers, chains)

    arcs_top = _top_arcs(structure, rank)
    strays, banded = band_members(graph, layers) if spacing.band_header else (frozenset(), frozenset())
    separation = _separation(structure, sizes, label_sizes, spacing, arcs_top, strays, banded)
    y = _heights(layers, chains, separation)

    widths = _column_widths(layers, sizes, spacing)
    label_gap = _assign_label_gaps(structure, rank, chains, arcs_top)
    gap_widths = _gap_widths(structure, label_gap, label_sizes, spacing, n_columns)
    x_col = _column_x(widths, gap_widths)
    boxes = _boxes(structure, rank, sizes, x_col, y, widths, spacing)

    def column_bounds(c: int) -> tuple[float, float]:
        return x_col[c] - widths[c] / 2, x_col[c] + widths[c] / 2

    routes_geometry = _route_segments(structure, chains, boxes, y, column_bounds, spacing, arcs_top)
    label_boxes, collisions = _place_labels(structure, routes_geometry, boxes, label_sizes, label_gap,
                                            column_bounds, arcs_top, rank)

    routes = tuple(Route(edge, tuple(routes_geometry[i]), label_boxes.get(i))
                   for i, edge in enumerate(structure.edges))
    return _normalise(graph, structure, boxes, routes, layers, rank, x_col, widths, gap_widths,
                      collisions, spacing)


def _normalise(graph, structure, boxes, routes, layers, rank, x_col, widths, gap_widths,
               collisions, spacing) -> Layout:
    xs, ys = [], []
    for b in boxes.values():
        xs += [b.left, b.right]
        ys += [b.top, b.bottom]
    for r in routes:
        for px, py in r.points:
            xs.append(px)
            ys.append(py)
        if r.label_box:
            xs += [r.label_box.left, r.label_box.right]
            ys += [r.label_box.top, r.label_box.bottom]
    if not xs:
        xs, ys = [0.0], [0.0]
    dx = spacing.margin - min(xs)
    dy = spacing.margin - min(ys)

    def move(b: Box | None) -> Box | None:
        if b is None:
            return None
        return Box(b.id, b.kind, b.x + dx, b.y + dy, b.width, b.height, b.column)

    def shift(p: Point) -> Point:
        return (p[0] + dx, p[1] + dy)

    boxes = {k: move(b) for k, b in boxes.items()}
    routes = tuple(Route(r.edge, tuple(tuple(shift(p) for p in s) for s in r.segments), move(r.label_box))
                   for r in routes)
    bands = _bands(graph, layers, rank, [x + dx for x in x_col], widths, gap_widths)
    columns = {n: rank[n] for n in structure.states}
    return Layout(structure, boxes, routes, bands, columns,
                  width=max(xs) - min(xs) + 2 * spacing.margin,
                  height=max(ys) - min(ys) + 2 * spacing.margin,
                  collisions=collisions, spacing=spacing)
