"""The whole neutral map drawn once, and a walk laid over it as text (``map_overlay``)."""

from __future__ import annotations

import functools
import re

from hypothesis import given
from hypothesis import strategies as st

from sarcoma_sim.pathways.focus import neutral_graph
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.load import load_subtype

HIGHLIGHT = "#c0392b"
# The ids the drawing code gives (kind:name): a state or decision of the neutral graph, a band or its header.
OUR_ID = re.compile(r"(node|title|detail|step|steptext|edge|label|band|header):.*")
NEUTRAL_ID = re.compile(r"(band|header):[A-Za-z ]+"
                        r"|(node|title|detail|step|steptext):(state-\d+|decision:\d+)"
                        r"|(edge|label):(state-\d+|decision:\d+)-&gt;(state-\d+|decision:\d+)")


@functools.cache
def _dfsp_base():
    """DFSP's neutral map for every walk, drawn once for the module."""
    return _base("dfsp")


def _base(subtype: str, name: str | None = None):
    """(the pathway, its neutral graph, state names, the map drawn for every walk), the states labelled by number
    and the pathway named ``name`` if given."""
    from sarcoma_sim.pathways.map_overlay import neutral_map

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
    from sarcoma_sim.pathways.map_overlay import overlay

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
    from sarcoma_sim.pathways.focus import render_svg
    from sarcoma_sim.pathways.map_overlay import overlay

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
    """Every element id the drawing gives an overlaid GIST map names the neutral graph (state-3, decision:1),
    and no id at all holds a state id of the pathway (which would name its marker)."""
    from sarcoma_sim.pathways.map_overlay import overlay

    pathway, neutral, names, base = _base("gist")
    state_ids = re.compile("|".join(sorted((re.escape(s) for s in pathway.states), key=len, reverse=True)))
    for walk in ([pathway.initial], [pathway.initial, next(iter(build_graph(pathway).successors(pathway.initial)))]):
        svg = overlay(base, [names[s] for s in walk], f"{pathway.name}: your path so far")
        ids = re.findall(r' id="([^"]*)"', svg)
        ours = [i for i in ids if OUR_ID.fullmatch(i)]
        assert ours and all(NEUTRAL_ID.fullmatch(i) for i in ours), [i for i in ours if not NEUTRAL_ID.fullmatch(i)]
        assert not state_ids.findall(" ".join(ids).replace("state-", "")), state_ids.findall(" ".join(ids))


def test_overlay_of_a_one_state_walk_and_no_title():
    """A walk of the start alone numbers only the start, and an empty title writes no title."""
    from sarcoma_sim.pathways.map_overlay import overlay

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

    from sarcoma_sim.pathways.map_overlay import overlay

    _, neutral, _, base = _dfsp_base()
    svg = overlay(base, [next(iter(neutral.nodes))], title)
    ET.fromstring(svg.split("\n", 3)[3])  # well-formed whatever the title (past the declaration and doctype)
