"""Make matplotlib's SVG of a pathway structured: one group per state, with a title and classes.

matplotlib writes each artist as its own ``<g id=...>`` (the drawing gives them ids such as
``node:imatinib_400``, ``title:imatinib_400``). Here the box, its texts and its step badge are
gathered into one ``<g id="state-imatinib_400" class="state therapy">`` whose ``<title>`` carries
the regimen, dose and sources (shown on hover in a browser, read by screen readers); a decision
diamond becomes ``<g id="decision-1" class="decision">`` titled with the states sharing the choice
and its branches; and the
highlighted path's states, arrows and labels get the class ``on-path``. A drug's box with dose
reductions folded into it (slide and page presets) lists them in its title and in
``data-folded="regorafenib_120_reduced regorafenib_80_reduced"``. Pure standard library;
the same input gives the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Sequence

import networkx as nx

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_PARTS = ("node", "title", "detail", "step", "steptext")


def _q(tag: str) -> str:
    return f"{{{SVG_NS}}}{tag}"


def svg_id(state: str) -> str:
    """An XML id for a state: ``state-`` and the state id, characters outside [A-Za-z0-9_.-] as ``_``."""
    return "state-" + re.sub(r"[^A-Za-z0-9_.-]", "_", state)


def state_descriptions(graph: nx.MultiDiGraph, highlight: Sequence[str] | None = None) -> dict:
    """What the SVG needs per state: its hover title, its classes, and the highlighted arrows."""
    from sarcoma_sim.pathways.export import node_label, xml_text
    from sarcoma_sim.pathways.fold import folded_path
    from sarcoma_sim.pathways.model import regimen_setting

    sources = {s.get("id"): s.get("citation") for s in graph.graph.get("sources") or []}

    def described(attrs: dict) -> list[str]:
        lines = [node_label(attrs, whole=True).replace("\n", ", ")]
        if attrs.get("kind") == "therapy" and (attrs.get("adjuvant") or attrs.get("line")):
            lines[0] += f" ({regimen_setting(attrs.get('line'), bool(attrs.get('adjuvant')))})"
        cited = [f"{sid}: {sources.get(sid, '')}" for sid in attrs.get("sources") or []]
        if cited:
            lines.append("Sources: " + "; ".join(cited))
        if attrs.get("beyond_source"):
            lines.append("Beyond the source guideline (evidence table).")
        return lines

    # a dose reduction folded into its drug's box (slide and page presets) is on the path as that box
    path = folded_path(graph, highlight or [])
    states = {}
    for node, attrs in graph.nodes(data=True):
        lines = described(attrs)
        for step in attrs.get("folded_states") or ():
            # (ids in data-folded: a reader's title names states, never by id)
            lines += ["", "Dose reduction for toxicity, listed in this box:", *described(step)]
        classes = ["state", str(attrs.get("kind") or "state")]
        if node in path:
            classes.append("on-path")
        states[node] = {"title": xml_text("\n".join(lines)), "class": " ".join(classes)}
        if attrs.get("folded"):
            states[node]["folded"] = " ".join(attrs["folded"])
    return {"states": states, "path": path, "decisions": decision_descriptions(graph)}


def link_descriptions(graph: nx.MultiDiGraph, highlight: Sequence[str] | None = None) -> dict:
    """The hover title and classes of each link box of a panel's graph: where its arrows go (or
    come from), one line per state on another panel."""
    from sarcoma_sim.pathways.export import xml_text
    from sarcoma_sim.pathways.fold import folded_path

    path = set(folded_path(graph, highlight or []))
    out = {}
    for node, attrs in graph.nodes(data=True):
        if not attrs.get("link_direction"):
            continue
        heading = "Continues on other panels:" if attrs["link_direction"] == "to" else "Entered from other panels:"
        classes = "link" + (" on-path" if path.intersection(attrs.get("link_of") or ()) else "")
        out[node] = {"title": xml_text("\n".join([heading, *(attrs.get("link_rows") or ())])), "class": classes}
    return out


def decision_descriptions(graph: nx.MultiDiGraph) -> dict:
    """The hover title of each decision point the drawing of ``graph`` has (by its node id, e.g.
    ``decision:1``): which states share the choice, on which event, and where each branch goes."""
    from sarcoma_sim.pathways.export import xml_text
    from sarcoma_sim.pathways.layout import diagram_structure

    def name(node: str) -> str:
        return " ".join(str(graph.nodes[node].get("label") or node).split())

    structure = diagram_structure(graph)
    out = {}
    for decision in structure.decisions:
        into = [e for e in structure.edges if e.target == decision]
        events = " or ".join(dict.fromkeys(event for e in into
                                           for event in " ".join(e.label.split()).split(" or ") if event))
        branches = [f"{' '.join(e.label.split()) or 'otherwise'}: {name(e.target)}"
                    for e in structure.edges if e.source == decision]
        lines = [f"Decision shared by {', '.join(name(e.source) for e in into)}"
                 + (f" ({events})" if events else "")] + branches
        out[decision] = xml_text("\n".join(lines))
    return out


def structure_svg(svg: bytes, describe: dict) -> bytes:
    """``svg`` (matplotlib's output) with states grouped, titled and classed as the module says."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg)
    parent_of = {child: parent for parent in root.iter() for child in parent}
    by_id = {gid: el for el in root.iter() if (gid := el.get("id"))}
    states = describe["states"]
    path = describe["path"]
    path_pairs = {(a, b) for a, b in zip(path, path[1:])}
    for gid, element in by_id.items():
        kind, _, rest = gid.partition(":")
        if kind in ("edge", "label") and "->" in rest:
            a, _, b = rest.partition("->")
            if (a, b) in path_pairs:
                element.set("class", f"{'transition' if kind == 'edge' else 'transition-label'} on-path")
            else:
                element.set("class", "transition" if kind == "edge" else "transition-label")
    decisions = describe.get("decisions") or {}
    for gid in list(by_id):
        kind, _, state = gid.partition(":")
        if kind != "node":
            continue
        box = by_id[gid]
        parent = parent_of[box]
        if state.startswith("decision:"):
            # a diamond: its own group and title, like a state's, so hover and screen readers say it
            group = ET.Element(_q("g"), {"id": "decision-" + state.split(":", 1)[1], "class": "decision"})
            title = ET.SubElement(group, _q("title"))
            title.text = decisions.get(state, "Decision")
            parent.insert(list(parent).index(box), group)
            parent.remove(box)
            box.set("id", "diamond-" + state.split(":", 1)[1])
            group.append(box)
            continue
        group = ET.Element(_q("g"), {"id": svg_id(state)})
        info = (describe.get("links") or {}).get(state) or states.get(state)
        if info:
            group.set("class", info["class"])
            if info.get("folded"):
                # the states listed in this box: a page highlighting one of them finds its box here
                group.set("data-folded", info["folded"])
            title = ET.SubElement(group, _q("title"))
            title.text = info["title"]
        parent.insert(list(parent).index(box), group)
        for part in _PARTS:
            part_element = by_id.get(f"{part}:{state}")
            if part_element is None:
                continue
            parent_of[part_element].remove(part_element)
            part_element.set("id", f"{part}-{svg_id(state)[6:]}")
            group.append(part_element)
    out = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return out.replace(b"<?xml version='1.0' encoding='utf-8'?>", b'<?xml version="1.0" encoding="utf-8"?>')
