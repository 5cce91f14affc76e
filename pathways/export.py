"""Serialise a pathway graph to text formats other tools read.

``EXPORTERS`` maps a format name to a function ``graph -> str``; the command line offers exactly
these names. JSON is the contract (node-link data, see DESIGN.md). The others:

- ``graphml`` for yEd, Gephi and Cytoscape: every attribute kept, lists flattened to text and
  None written as an empty string (GraphML has neither), via ``networkx.write_graphml``.
- ``dot`` for Graphviz: ``rankdir=LR`` with one ``rank=same`` group per diagram column, so ``dot``
  ranks the states as the matplotlib drawing does; back edges do not constrain the ranking.
- ``mermaid`` (``flowchart LR``) for GitHub/GitLab Markdown and the Mermaid live editor, labels
  escaped with Mermaid's entity codes (``#quot;``).

Every node and every transition is written (parallel transitions stay separate edges), with the
drawing's labels: the state's label and regimen, "event, condition in plain words".
"""

from __future__ import annotations

import io
import json
import re
from typing import Any, Callable

import networkx as nx

from sarcoma_sim.pathways.colours import box_colours, box_kind
from sarcoma_sim.pathways.graph import graph_to_json
from sarcoma_sim.pathways.layout import back_edge_keys, condition_phrase, regimen_detail, state_columns


def to_json(graph: nx.MultiDiGraph) -> str:
    """Node-link JSON of ``graph``, indented, UTF-8 kept as is."""
    return json.dumps(graph_to_json(graph), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# ------------------------------------------------------------------------------------ labels

def node_label(attrs: dict, whole: bool = False) -> str:
    """A state's label for the exports: its label as written, then on a new line what its dose and
    schedule add to it (``regimen_detail``; with ``whole``, each of them whole, route and all)."""
    label = str(attrs.get("label") or "")
    detail = regimen_detail(attrs, whole=whole)
    return f"{label}\n{detail}" if detail else label


def transition_label(graph: nx.MultiDiGraph, source: str, target: str, key) -> str:
    """One transition's label: "event, condition in plain words" ("progression, limited")."""
    event = str(graph.edges[source, target, key].get("event", ""))
    phrase = condition_phrase(graph, source, target, key, name_option=True)
    return f"{event}, {phrase}" if phrase else event


def _sorted_edges(graph: nx.MultiDiGraph):
    def order(edge):
        key = edge[2]
        return (0, key, "") if isinstance(key, (int, float)) else (1, 0, str(key))
    return sorted(graph.edges(keys=True, data=True), key=order)


# ----------------------------------------------------------------------------------- GraphML

# XML 1.0 cannot hold most C0 control characters, lone surrogates or U+FFFE/U+FFFF, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry replaced by U+FFFD (shown as �).

    Tabs and line breaks stay. A pathway label with a bell character (BEL, 0x07) would otherwise
    make the whole GraphML or SVG file unreadable (issue 13, item 8).
    """
    return _NOT_XML.sub(REPLACEMENT, text)


def _flatten(value):
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, dict) and "id" in v for v in value):
            return xml_text("\n".join(f"{v['id']}: {v.get('citation', '')}"
                                      + (" (beyond the source guideline)" if v.get("beyond_source") else "")
                                      for v in value))
        return xml_text(", ".join(str(_flatten(v)) if isinstance(v, (list, tuple, dict)) else str(v)
                                  for v in value))
    if isinstance(value, dict):
        return xml_text(json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False))
    if isinstance(value, str):
        return xml_text(value)
    return value


def _typed(record: dict) -> dict:
    """The record without None values: GraphML leaves a missing value out, so ints stay ints."""
    return {name: value for name, value in record.items() if value is not None}


def _unify(records: list[dict]) -> None:
    """Give each attribute one GraphML type: text wherever any element has text for it."""
    textual = {name for record in records for name, value in record.items()
               if isinstance(value, str)}
    for record in records:
        for name in textual & record.keys():
            value = record[name]
            if not isinstance(value, str):
                record[name] = str(value)


def flat_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``graph`` with attributes GraphML can hold, named as the tools expect.

    Nodes get ``name`` = the state id (igraph's vertex key; Cytoscape's node name), ``label`` =
    the state's label as in the JSON export and ``display`` = label with dose and schedule as the
    drawing shows them; edges get ``label`` ("event, condition"). Lists become text, a missing
    value (None) is left out so integers (``line``, ``order``) and booleans keep their types, and
    characters XML cannot hold become U+FFFD.
    """
    flat = nx.MultiDiGraph()
    graph_record = {}
    for name, value in graph.graph.items():
        if name == "imaging_interval_months" and isinstance(value, (list, tuple)) and len(value) == 2:
            graph_record["imaging_interval_months_min"], graph_record["imaging_interval_months_max"] = value
        else:
            graph_record[name] = _flatten(value)
    flat.graph.update(_typed(graph_record))
    node_records = []
    for node, attrs in graph.nodes(data=True):
        record = {k: _flatten(v) for k, v in attrs.items()}
        record["name"] = xml_text(str(node))
        record["display"] = xml_text(node_label(attrs))
        node_records.append((node, _typed(record)))
    edge_records = []
    for u, v, k, attrs in _sorted_edges(graph):
        record = {k2: _flatten(v2) for k2, v2 in attrs.items()}
        record["label"] = xml_text(transition_label(graph, u, v, k))
        edge_records.append((u, v, k, _typed(record)))
    _unify([r for _, r in node_records])
    _unify([r for *_, r in edge_records])
    for node, record in node_records:
        flat.add_node(xml_text(str(node)), **record)
    for u, v, k, record in edge_records:
        flat.add_edge(xml_text(str(u)), xml_text(str(v)), key=k, **record)
    return flat


def to_graphml(graph: nx.MultiDiGraph) -> str:
    """GraphML of ``graph`` (UTF-8 XML), readable by yEd, Gephi, Cytoscape, igraph and networkx."""
    buffer = io.BytesIO()
    nx.write_graphml(flat_graph(graph), buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue().decode("utf-8")


# ------------------------------------------------------------------------------ yEd (yFiles)

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
YFILES_NS = "http://www.yworks.com/xml/graphml"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
YED_SHAPES = {"terminal": "roundrectangle", "workup": "rectangle", "surgery": "hexagon",
              "assessment": "octagon"}


def _yed_fill(attrs: dict[str, Any]) -> tuple[str, str]:
    """Fill and border colours of a state, as the matplotlib drawing uses them."""
    edge, fill = box_colours(attrs)
    return fill, edge


def to_yed_graphml(graph: nx.MultiDiGraph) -> str:
    """GraphML with yEd's yFiles extension: every state placed as the diagram places it, with its
    label, colour, shape and (beyond the source guideline) dashed border; arrows labelled.

    The plain GraphML data (``name``, ``label``, typed ``line``...) stays, so other tools still read
    it; yEd additionally opens the file styled and laid out. Positions come from the diagram
    layout with estimated text sizes (no fonts needed), in yEd's pixels (72 per inch).
    """
    import xml.etree.ElementTree as ET

    from sarcoma_sim.pathways.layout import layered_layout

    ET.register_namespace("", GRAPHML_NS)
    ET.register_namespace("y", YFILES_NS)
    ET.register_namespace("xsi", XSI_NS)
    root = ET.fromstring(to_graphml(graph).encode("utf-8"))
    g = f"{{{GRAPHML_NS}}}"
    y = f"{{{YFILES_NS}}}"
    keys = [k for k in root.findall(f"{g}key")]
    at = list(root).index(keys[-1]) + 1 if keys else 0
    root.insert(at, ET.Element(f"{g}key", {"for": "node", "id": "yed_node", "yfiles.type": "nodegraphics"}))
    root.insert(at + 1, ET.Element(f"{g}key", {"for": "edge", "id": "yed_edge", "yfiles.type": "edgegraphics"}))
    layout = layered_layout(graph)
    inch = 72.0
    for node in root.iter(f"{g}node"):
        state = node.attrib["id"]  # networkx writes an id on every node
        attrs = graph.nodes[state]
        box = layout.boxes[state]
        data = ET.SubElement(node, f"{g}data", {"key": "yed_node"})
        shape = ET.SubElement(data, f"{y}ShapeNode")
        ET.SubElement(shape, f"{y}Geometry", {
            "x": f"{(box.x - box.width / 2) * inch:.1f}", "y": f"{(box.y - box.height / 2) * inch:.1f}",
            "width": f"{box.width * inch:.1f}", "height": f"{box.height * inch:.1f}"})
        fill, border = _yed_fill(attrs)
        ET.SubElement(shape, f"{y}Fill", {"color": fill, "transparent": "false"})
        dash = "dashed" if attrs.get("beyond_source") else "line"
        ET.SubElement(shape, f"{y}BorderStyle", {"color": border, "type": dash, "width": "1.5"})
        label = ET.SubElement(shape, f"{y}NodeLabel", {"fontFamily": "Dialog", "fontSize": "11",
                                                        "modelName": "internal", "modelPosition": "c"})
        label.text = xml_text(node_label(attrs))
        ET.SubElement(shape, f"{y}Shape", {"type": YED_SHAPES.get(attrs.get("kind"), "roundrectangle")})
    edges = {(u, v, str(k)): d for u, v, k, d in graph.edges(keys=True, data=True)}
    for edge in root.iter(f"{g}edge"):
        # networkx writes source, target and (for a multigraph) the key as id on every edge
        u, v, k = edge.attrib["source"], edge.attrib["target"], edge.attrib["id"]
        attrs = edges.get((u, v, k), {})
        key = next(kk for a, b, kk in graph.edges(keys=True) if (a, b, str(kk)) == (u, v, k))
        data = ET.SubElement(edge, f"{g}data", {"key": "yed_edge"})
        line = ET.SubElement(data, f"{y}PolyLineEdge")
        dash = "dashed" if attrs.get("beyond_source") else "line"
        ET.SubElement(line, f"{y}LineStyle", {"color": "#3A3A3A", "type": dash, "width": "1.0"})
        ET.SubElement(line, f"{y}Arrows", {"source": "none", "target": "standard"})
        label = ET.SubElement(line, f"{y}EdgeLabel", {"fontFamily": "Dialog", "fontSize": "9"})
        label.text = xml_text(transition_label(graph, u, v, key))
        ET.SubElement(line, f"{y}BendStyle", {"smoothed": "true"})
    text = ET.tostring(root, encoding="unicode")
    return "<?xml version='1.0' encoding='utf-8'?>\n" + text + "\n"


# --------------------------------------------------------------------------------------- DOT

def dot_quote(text) -> str:
    """``text`` as a double-quoted DOT string.

    Backslashes and quotes are backslash-escaped, ``&``, ``<`` and ``>`` become the character
    entities Graphviz decodes (so a literal "&amp;" cannot be misread), and line breaks become
    Graphviz's centred ``\\n``. Non-ASCII text stays as is (the file is UTF-8).
    """
    s = str(text)
    s = s.replace("\\", "\\\\").replace('"', '\\"')
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{s}"'


def _dot_attrs(attrs: dict) -> str:
    return ", ".join(f"{name}={dot_quote(value)}" for name, value in attrs.items())


def to_dot(graph: nx.MultiDiGraph) -> str:
    """Graphviz DOT of ``graph``: left to right, one rank per diagram column, labels escaped."""
    columns = state_columns(graph)
    back = back_edge_keys(graph)
    out = [f"digraph {dot_quote(graph.graph.get('subtype') or 'pathway')} {{"]
    graph_attrs = {'rankdir': 'LR', 'charset': 'UTF-8', 'nodesep': '0.35', 'ranksep': '0.6',
                   'label': graph.graph.get('name') or '', 'labelloc': 't', 'fontname': 'Helvetica'}
    out.append(f"  graph [{_dot_attrs(graph_attrs)}];")
    node_attrs = {'shape': 'box', 'style': 'rounded,filled', 'fontname': 'Helvetica', 'fontsize': '11'}
    out.append(f"  node [{_dot_attrs(node_attrs)}];")
    out.append(f"  edge [{_dot_attrs({'fontname': 'Helvetica', 'fontsize': '9'})}];")
    for node, attrs in graph.nodes(data=True):
        kind = attrs.get("kind")
        fill = box_colours(attrs)[1]
        style = "rounded,filled" + (",dashed" if attrs.get("beyond_source") else "")
        data = {"label": node_label(attrs), "fillcolor": fill, "style": style,
                "kind": kind or "", "line": "" if attrs.get("line") is None else attrs.get("line"),
                "drugs": _flatten(attrs.get("drugs")), "dose": _flatten(attrs.get("dose")),
                "schedule": _flatten(attrs.get("schedule")), "sources": _flatten(attrs.get("sources")),
                "beyond_source": str(bool(attrs.get("beyond_source"))).lower()}
        if kind == "terminal":
            data["style"] += ",bold"
        out.append(f"  {dot_quote(node)} [{_dot_attrs(data)}];")
    by_column: dict[int, list[str]] = {}
    for node, column in columns.items():
        by_column.setdefault(column, []).append(node)
    for column in sorted(by_column):
        members = " ".join(f"{dot_quote(n)};" for n in by_column[column])
        out.append(f"  {{ rank=same; {members} }}")
    for u, v, k, attrs in _sorted_edges(graph):
        data = {"label": transition_label(graph, u, v, k), "key": k, "event": attrs.get("event", ""),
                "when": _flatten(attrs.get("when")), "order": attrs.get("order", 0),
                "sources": _flatten(attrs.get("sources"))}
        if attrs.get("beyond_source"):
            data["style"] = "dashed"
        if k in back:
            data["constraint"] = "false"
        out.append(f"  {dot_quote(u)} -> {dot_quote(v)} [{_dot_attrs(data)}];")
    out.append("}")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------------- Mermaid

MERMAID_RESERVED = {"end", "graph", "subgraph", "flowchart", "style", "class", "classdef", "click",
                    "linkstyle", "direction", "default", "call", "href", "callback", "interpolate"}


def mermaid_id(state_id: str) -> str:
    """A Mermaid node id for ``state_id``: itself when safe, otherwise a cleaned form.

    Mermaid ids are letters, digits and underscores; ``end`` and other keywords break a flowchart.
    """
    clean = re.sub(r"[^A-Za-z0-9_]", "_", str(state_id))
    if not clean or not clean[0].isalpha():
        clean = f"s_{clean}"
    if clean.lower() in MERMAID_RESERVED:
        clean = f"{clean}_state"
    return clean


def mermaid_text(text) -> str:
    """``text`` for a quoted Mermaid label: entity codes for what Mermaid or HTML would read.

    ``#`` (which starts an entity code), quotes, ``&``, ``<``, ``>``, ``|`` and backticks
    become ``#35;``-style codes; line breaks become ``<br>``. Non-ASCII text stays as is.
    """
    codes = {"#": "#35;", '"': "#quot;", "&": "#amp;", "<": "#lt;", ">": "#gt;", "|": "#124;",
             "`": "#96;"}
    s = "".join(codes.get(ch, ch) for ch in str(text).replace("\r\n", "\n").replace("\r", "\n"))
    return s.replace("\n", "<br>")


def to_mermaid(graph: nx.MultiDiGraph) -> str:
    """A Mermaid ``flowchart LR`` of ``graph``, styled by kind and line, beyond-source dashed."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for node in graph.nodes:
        candidate = base = mermaid_id(node)
        n = 2
        while candidate in used:
            candidate, n = f"{base}_{n}", n + 1
        ids[node] = candidate
        used.add(candidate)
    title = str(graph.graph.get("name") or graph.graph.get("subtype") or "")
    out = ["---", f"title: {json.dumps(title, ensure_ascii=False)}", "---", "flowchart LR"]
    shapes = {"terminal": ('(["', '"])'), "surgery": ('[["', '"]]'), "workup": ('["', '"]'),
              "assessment": ('{{"', '"}}')}
    classes: dict[str, list[str]] = {}
    # each class's colours as the drawing colours its states (``pathways.colours``)
    styles = {"beyond": "stroke-dasharray:5 4"}
    for node, attrs in graph.nodes(data=True):
        kind = attrs.get("kind")
        opening, closing = shapes.get(kind, ('("', '")'))
        out.append(f"    {ids[node]}{opening}{mermaid_text(node_label(attrs))}{closing}")
        cls = box_kind(attrs).key
        classes.setdefault(cls, []).append(ids[node])
        edge, fill = box_colours(attrs)
        styles.setdefault(cls, f"fill:{fill},stroke:{edge}")
        if attrs.get("beyond_source"):
            classes.setdefault("beyond", []).append(ids[node])
    for u, v, k, attrs in _sorted_edges(graph):
        arrow = "-.->" if attrs.get("beyond_source") else "-->"
        label = mermaid_text(transition_label(graph, u, v, k))
        out.append(f"    {ids[u]} {arrow}|\"{label}\"| {ids[v]}")
    for cls, members in classes.items():
        if cls in styles:
            out.append(f"    classDef {cls} {styles[cls]}")
            out.append(f"    class {','.join(members)} {cls}")
    return "\n".join(out) + "\n"


EXPORTERS: dict[str, Callable[[nx.MultiDiGraph], str]] = {
    "json": to_json,
    "graphml": to_graphml,
    "dot": to_dot,
    "mermaid": to_mermaid,
}
