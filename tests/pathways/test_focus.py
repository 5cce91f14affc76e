"""The focus view and the neutral map: readable sizes, only the labels given, no condition or state id."""

from __future__ import annotations

import functools
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


# The neutral map drawn once, a walk laid over it as text (focus.neutral_map, focus.overlay).

HIGHLIGHT = "#c0392b"
NEUTRAL_ID = re.compile(r"(figure|axes|patch|text|line2d)_\d+|legend|title|subtitle|(band|header):[A-Za-z ]+"
                        r"|(node|title|detail|step|steptext):(state-\d+|decision:\d+)"
                        r"|(edge|label):(state-\d+|decision:\d+)-&gt;(state-\d+|decision:\d+)|[mp][0-9a-f]{10}")


@functools.cache
def _dfsp_base():
    """DFSP's neutral map for every walk, drawn once for the module."""
    return _base("dfsp")


def _base(subtype: str, name: str | None = None):
    """(the pathway, its neutral graph, state names, the map drawn for every walk), the states labelled by number
    and the pathway named ``name`` if given."""
    from sarcoma_sim.pathways.focus import neutral_map

    pathway = load_subtype(subtype)
    graph = build_graph(pathway)
    neutral, names = neutral_graph(graph, {s: f"Option {i} of the case" for i, s in enumerate(graph.nodes)})
    if name is not None:
        neutral.graph["name"] = name
    return pathway, neutral, names, neutral_map(neutral)


def _walk_with_a_return(graph) -> list[str]:
    """A walk from the start that comes back to a state it left (so that state has two step numbers)."""
    start = next(iter(graph.nodes))
    for a in graph.successors(start):
        for b in graph.successors(a):
            if graph.has_edge(b, a):
                return [start, a, b, a]
    raise AssertionError("no return in this pathway")


def _groups(svg: str) -> dict[str, str]:
    """Each top-level group of the map's axes by its id (one per id in these drawings)."""
    return {m.group(1): m.group(0) for m in re.finditer(r'^   <g id="([^"]*)">\n.*?^   </g>\n', svg, re.S | re.M)}


def test_overlay_highlights_exactly_the_walks_states_and_arrows():
    """Overlaid, the walk's boxes and arrows are highlighted, every other one faded, its states numbered in order."""
    from sarcoma_sim.pathways.focus import overlay

    _, neutral, _, base = _base("dfsp")
    walk = _walk_with_a_return(neutral)
    svg = overlay(base, walk, "DFSP: your path so far")
    groups = _groups(svg)
    steps = {s: ",".join(str(i) for i, w in enumerate(walk, start=1) if w == s) for s in walk}
    for state in neutral.nodes:
        assert (HIGHLIGHT in groups[f"node:{state}"]) == (state in walk), state
        assert ("opacity" in groups[f"node:{state}"]) == (state not in walk), state
        badge = groups.get(f"steptext:{state}")
        assert (badge is not None and f">{steps[state]}</text>" in badge) == (state in walk), state
    on_path = {f"edge:{a}-&gt;{b}" for a, b in zip(walk, walk[1:])}
    edges = {gid: text for gid, text in groups.items() if gid.startswith("edge:") and "decision" not in gid}
    assert on_path <= set(edges)
    for gid, text in edges.items():
        assert (HIGHLIGHT in text) == (gid in on_path), gid
    assert "2,4" in steps.values()   # a state visited twice carries both numbers
    assert "Highlighted path: " + " → ".join(neutral.nodes[s]["label"] for s in walk) in svg.replace("\n", "")


def test_overlay_is_the_walks_own_drawing_under_its_headings():
    """Every box, arrow and label of the overlay has the style and place the walk's own drawing gives it (moved
    down under the same title and path line), and the two documents are the same size."""
    from sarcoma_sim.pathways.focus import overlay, render_svg

    name = "Dermatofibrosarcoma protuberans with a name long enough to wrap the title " * 4
    _, neutral, _, base = _base("dfsp", name.strip())
    walk = _walk_with_a_return(neutral) * 3   # a path line of several lines
    title = f"{name.strip()}: your path so far"
    new, old = overlay(base, walk, title), render_svg(neutral, walk, title, legend=True)
    size = re.compile(r'<svg [^>]*width="([\d.]+)pt" height="([\d.]+)pt"')
    assert size.search(new).groups() == size.search(old).groups()
    shift = float(re.search(r'<g transform="translate\(0 ([\d.]+)\)">', new).group(1))
    new_groups, old_groups = _groups(new), _groups(old)
    text = re.compile(r">([^<]+)</text>")
    for heading in ("title", "subtitle"):
        assert "".join(text.findall(new_groups[heading])) == "".join(text.findall(old_groups[heading]))
    style = re.compile(r'style="([^"]*)"')
    numbers = re.compile(r'\bd="([^"]*)"')
    kinds = ("node:", "edge:", "label:", "title:", "detail:", "steptext:")
    compared = 0
    for gid, drawn in old_groups.items():
        if not gid.startswith(kinds):
            continue
        assert style.findall(new_groups[gid]) == style.findall(drawn), gid
        for ours, theirs in zip(numbers.findall(new_groups[gid]), numbers.findall(drawn)):
            xs = [float(v) for v in re.findall(r"-?[\d.]+", ours)]
            ys = [float(v) for v in re.findall(r"-?[\d.]+", theirs)]
            moved = [v + shift * (i % 2) for i, v in enumerate(xs)]
            assert max(abs(a - b) for a, b in zip(moved, ys)) < 0.01, gid
            compared += 1
    assert compared > 10


def test_overlay_ids_name_only_the_neutral_graph():
    """Every element id of an overlaid GIST map is the neutral graph's (state-3, decision:1) or matplotlib's own:
    none holds a state id of the pathway (which would name its marker)."""
    from sarcoma_sim.pathways.focus import overlay

    pathway, neutral, names, base = _base("gist")
    state_ids = re.compile("|".join(sorted((re.escape(s) for s in pathway.states), key=len, reverse=True)))
    for walk in ([pathway.initial], [pathway.initial, next(iter(build_graph(pathway).successors(pathway.initial)))]):
        svg = overlay(base, [names[s] for s in walk], f"{pathway.name}: your path so far")
        ids = re.findall(r' id="([^"]*)"', svg)
        assert ids and all(NEUTRAL_ID.fullmatch(i) for i in ids), [i for i in ids if not NEUTRAL_ID.fullmatch(i)]
        assert not state_ids.findall(" ".join(ids).replace("state-", "")), state_ids.findall(" ".join(ids))


def test_overlay_of_a_one_state_walk_and_no_title():
    """A walk of the start alone numbers only the start, and an empty title writes no title."""
    from sarcoma_sim.pathways.focus import overlay

    _, neutral, _, base = _base("dfsp")
    start = next(iter(neutral.nodes))
    svg = overlay(base, [start], "")
    groups = _groups(svg)
    assert "title" not in groups and [g for g in groups if g.startswith("steptext:")] == [f"steptext:{start}"]
    assert not any(HIGHLIGHT in text for gid, text in groups.items() if gid.startswith("edge:"))


@given(st.text(max_size=80))
def test_overlay_writes_any_title_as_escaped_text(title):
    """Any title is written as escaped text: the overlaid SVG stays well-formed."""
    import xml.etree.ElementTree as ET

    from sarcoma_sim.pathways.focus import overlay

    _, neutral, _, base = _dfsp_base()
    svg = overlay(base, [next(iter(neutral.nodes))], title)
    ET.fromstring(svg.split("\n", 3)[3])  # well-formed whatever the title (past the declaration and doctype)
