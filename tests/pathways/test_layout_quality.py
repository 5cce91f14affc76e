"""The layout quality measure (crossings, length, area) and the crossing comparison with Graphviz dot."""

from __future__ import annotations

import shutil

import pytest

from sarcoma_sim.pathways.draw import diagram_layout
from sarcoma_sim.pathways.export import to_dot
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.layout.quality import Drawing, crossings, dot_drawing, layout_drawing, measure, polyline
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype


def _straight(a, b):
    """A cubic Bézier drawing the straight segment a-b."""
    return (a, a, b, b)


def test_two_crossing_arrows_count_once():
    """An X of two arrows is one crossing; parallel arrows none."""
    x = Drawing((), (_straight((0, 0), (2, 2)), _straight((0, 2), (2, 0))), 2, 2)
    assert measure(x).crossings == 1
    parallel = Drawing((), (_straight((0, 0), (2, 0)), _straight((0, 1), (2, 1))), 2, 1)
    assert measure(parallel).crossings == 0


def test_meeting_inside_a_node_is_not_a_crossing():
    """Arrows meeting at a box's ports do not count as crossing."""
    lines = [polyline(_straight((0, 0), (2, 2))), polyline(_straight((0, 2), (2, 0)))]
    assert crossings(lines, [(0.9, 0.9, 1.1, 1.1)]) == 0


def test_length_and_area():
    """Length sums the arrows; area is the drawing's extent."""
    q = measure(Drawing((), (_straight((0, 0), (3, 4)),), 2, 5))
    assert (q.length, q.area) == (5.0, 10.0)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")
@pytest.mark.parametrize("direction", ["right", "down"])
@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_no_more_crossings_than_dot(subtype, direction):
    """Every shipped subtype's layout crosses no more arrows than dot's drawing of its DOT export."""
    graph = build_graph(load_subtype(subtype))
    ours = measure(layout_drawing(diagram_layout(graph, direction=direction))).crossings
    theirs = measure(dot_drawing(to_dot(graph), direction)).crossings
    assert ours <= theirs, f"{subtype} {direction}: {ours} crossings, dot {theirs}"
