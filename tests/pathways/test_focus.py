"""The focus view and the neutral map: readable sizes, only the labels given, no condition or state id."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from sarcoma_sim.pathways.focus import FOCUS_WIDTH, focus_svg, neutral_graph
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.load import load_subtype


def test_focus_view_is_narrow_and_its_text_is_twelve_px_or_more():
    """The focus view fits a phone (360 px) and every text is at least 12 px."""
    svg = focus_svg("Where you are: A", "A", "Before", ["One option", "Another option " * 8])
    assert f'width="{FOCUS_WIDTH}"' in svg and FOCUS_WIDTH <= 360
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes and min(sizes) >= 12
    assert svg.count('class="state"') == 2 and svg.count('class="on-path state"') == 2


@given(st.text(max_size=60))
def test_focus_view_writes_only_the_labels_given_escaped(label):
    """Any label is written as escaped text: the SVG stays well-formed and carries nothing else."""
    import xml.etree.ElementTree as ET

    svg = focus_svg("T", label, None, [label])
    ET.fromstring(svg.split("\n", 1)[1])  # well-formed whatever the label


def test_neutral_graph_names_no_condition_and_no_state_id():
    """The neutral GIST graph keeps the arrows but drops conditions, notes, sources and the state ids."""
    graph = build_graph(load_subtype("gist"))
    neutral, names = neutral_graph(graph, {s: f"label {i}" for i, s in enumerate(graph.nodes)})
    assert neutral.number_of_edges() == graph.number_of_edges()
    assert not set(neutral.nodes) & set(graph.nodes) and set(names) == set(graph.nodes)
    edges = [d for _, _, d in neutral.edges(data=True)]
    assert all(d["when"] is None and d["when_plain"] is None and not d["sources"] for d in edges)
    assert all(not re.search(r"exon|D842V", d["label"]) for _, d in neutral.nodes(data=True))


def test_render_svg_writes_what_ordinary_axes_draw():
    """The map drawn on axes that track no patch limits is byte for byte the drawing on ordinary axes."""
    import io

    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sarcoma_sim.pathways.draw.figure import _compose, diagram_axes_class
    from sarcoma_sim.pathways.draw.style import DPI
    from sarcoma_sim.pathways.focus import SVG_SALT, readable_typography, render_svg

    graph = build_graph(load_subtype("dfsp"))
    neutral, names = neutral_graph(graph, {s: f"state {i}" for i, s in enumerate(graph.nodes)})
    first = next(iter(graph.nodes))
    walk = [names[first], names[next(iter(graph.successors(first)))]]
    keys = set(neutral.get_edge_data(*walk))
    figure = Figure(figsize=(8, 6), dpi=DPI)
    FigureCanvasAgg(figure)
    ordinary = figure.add_axes((0, 0, 1, 1))
    assert not isinstance(ordinary, diagram_axes_class())
    _, size = _compose(neutral, ordinary, walk, title="t", legend=True, sources=False,
                       typography=readable_typography(), path_keys=keys)
    figure.set_size_inches(*size)
    buffer = io.StringIO()
    with rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", dpi=DPI, metadata={"Date": None}, facecolor="white")
    assert render_svg(neutral, walk, "t", legend=True) == buffer.getvalue()
