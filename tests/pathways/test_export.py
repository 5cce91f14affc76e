"""Tests of the exports: each format read back by an independent reader, for every pathway."""

from __future__ import annotations

import functools
import html
import importlib
import io
import itertools
import json
import re
import shutil
import subprocess
import warnings
import xml.etree.ElementTree as ET
from collections import Counter

import networkx as nx
import pydot
import pytest

from sarcoma_sim.cli.dispatch import main
from sarcoma_sim.pathways.export import (
    EXPORTERS,
    dot_quote,
    mermaid_id,
    mermaid_text,
    node_label,
    to_dot,
    to_graphml,
    to_mermaid,
    transition_label,
)
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.layout import state_columns
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype, parse_pathway

from helpers.budget import heavy_matrix
from helpers.paths import REPRODUCERS

GRAPHML_NS = {"g": "http://graphml.graphdrawing.org/xmlns"}
TRICKY = 'Drug "A" & <b>x</b> #1 | `tick` \\ back\nline two: Schöffski'


def graph_of(subtype: str) -> nx.MultiDiGraph:
    return build_graph(load_subtype(subtype))


def edge_multiset(graph) -> Counter:
    return Counter((str(u), str(v), str(k)) for u, v, k in graph.edges(keys=True))


@pytest.fixture
def tricky_graph(small_pathway_text):
    """The small pathway with quotes, &, <, >, #, |, a backslash, a line break and "Schöffski" in it."""
    yaml_label = json.dumps(TRICKY, ensure_ascii=False)
    text = (small_pathway_text
            .replace("label: Drug A", f"label: {yaml_label}")
            .replace("dose: 100 mg daily", 'dose: "100 mg & <more>"')
            .replace("citation: Trial X, J Demo 2020;1:1", 'citation: "Schöffski P, \\"Trial\\" <X> & Y"'))
    return build_graph(parse_pathway(text))


def test_exporters_offer_the_four_formats():
    """The command line's --format choices are json, graphml, dot and mermaid."""
    assert set(EXPORTERS) == {"json", "graphml", "dot", "mermaid"}


# ----------------------------------------------------------------------------------- GraphML

@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_graphml_round_trips_through_networkx(subtype):
    """networkx reads the GraphML back with every node, every edge (keyed) and flattened attributes."""
    graph = graph_of(subtype)
    back = nx.read_graphml(io.BytesIO(to_graphml(graph).encode("utf-8")), force_multigraph=True)
    assert set(back.nodes) == set(graph.nodes)
    assert edge_multiset(back) == edge_multiset(graph)
    for node, attrs in graph.nodes(data=True):
        read = back.nodes[node]
        assert read["label"] == attrs["label"]
        assert read["drugs"] == ", ".join(attrs["drugs"])
        assert read.get("line") == attrs["line"]
        assert read["name"] == node
        assert read["beyond_source"] is attrs["beyond_source"]
    for u, v, k, attrs in graph.edges(keys=True, data=True):
        read = back.edges[u, v, k]
        assert read["event"] == attrs["event"]
        assert read.get("when") == attrs["when"]
        assert read["order"] == attrs["order"]
        assert read["label"] == transition_label(graph, u, v, k)


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_graphml_is_plain_graphml_for_an_xml_reader(subtype):
    """A bare XML parser finds every node and edge in the GraphML namespace, each key declared once."""
    graph = graph_of(subtype)
    root = ET.fromstring(to_graphml(graph).encode("utf-8"))
    g = root.find("g:graph", GRAPHML_NS)
    assert g.get("edgedefault") == "directed"
    assert {n.get("id") for n in g.findall("g:node", GRAPHML_NS)} == set(graph.nodes)
    edges = Counter((e.get("source"), e.get("target"), e.get("id")) for e in g.findall("g:edge", GRAPHML_NS))
    assert edges == edge_multiset(graph)
    keys = [(k.get("for"), k.get("attr.name")) for k in root.findall("g:key", GRAPHML_NS)]
    assert len(keys) == len(set(keys)), "an attribute declared twice (mixed types)"


@pytest.mark.parametrize("subtype", heavy_matrix(SUBTYPE_IDS))
def test_graphml_opens_in_igraph(subtype, tmp_path):
    """python-igraph (a second, C-based GraphML reader) loads every node and edge."""
    igraph = pytest.importorskip("igraph")
    graph = graph_of(subtype)
    path = tmp_path / f"{subtype}.graphml"
    path.write_text(to_graphml(graph), encoding="utf-8")
    read = igraph.Graph.Read_GraphML(str(path))
    assert read.is_directed()
    assert sorted(read.vs["id"]) == sorted(graph.nodes)
    names = read.vs["id"]
    assert Counter((names[e.source], names[e.target]) for e in read.es) == \
        Counter((u, v) for u, v in graph.edges())


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_graphml_in_igraph_is_keyed_by_state_id_with_typed_values(subtype, tmp_path):
    """igraph finds a state by ``name`` = its id; ``line`` and ``order`` are numbers, ``beyond_source`` booleans."""
    igraph = pytest.importorskip("igraph")
    graph = graph_of(subtype)
    path = tmp_path / f"{subtype}.graphml"
    path.write_text(to_graphml(graph), encoding="utf-8")
    read = igraph.Graph.Read_GraphML(str(path))
    for node, attrs in graph.nodes(data=True):
        vertex = read.vs.find(name=node)
        assert vertex["label"] == attrs["label"]
        assert vertex["display"] == node_label(attrs)
        assert vertex["beyond_source"] is attrs["beyond_source"]
        if attrs["line"] is not None:
            # igraph keeps every number as a C double; the value is the whole number of the line
            assert vertex["line"] == attrs["line"] and float(vertex["line"]).is_integer()
    assert sorted(read.es["order"]) == sorted(d["order"] for *_, d in graph.edges(data=True))


def test_gist_graphml_finds_imatinib_400_in_igraph(tmp_path):
    """The issue's check: ``vs.find(name="imatinib_400")`` works and its line is the first line."""
    igraph = pytest.importorskip("igraph")
    path = tmp_path / "gist.graphml"
    path.write_text(to_graphml(graph_of("gist")), encoding="utf-8")
    vertex = igraph.Graph.Read_GraphML(str(path)).vs.find(name="imatinib_400")
    assert vertex["line"] == 1 and vertex["kind"] == "therapy"


def test_graphml_declares_integer_and_boolean_keys():
    """``line`` and ``order`` are declared as integers, ``beyond_source`` as booleans, not strings."""
    root = ET.fromstring(to_graphml(graph_of("gist")).encode("utf-8"))
    types = {(k.get("for"), k.get("attr.name")): k.get("attr.type") for k in root.findall("g:key", GRAPHML_NS)}
    assert types[("node", "line")] in ("int", "long")
    assert types[("edge", "order")] in ("int", "long")
    assert types[("node", "beyond_source")] == types[("edge", "beyond_source")] == "boolean"


def test_graphml_of_a_label_with_a_control_character_is_well_formed():
    """Reproducer r05 (a BEL in a label): the GraphML parses, the character shown as U+FFFD."""

    from sarcoma_sim.pathways.load import load_pathway
    graph = build_graph(load_pathway(REPRODUCERS / "r05_pathway_ctrl_label.yaml"))
    text = to_graphml(graph)
    back = nx.read_graphml(io.BytesIO(text.encode("utf-8")))
    assert back.nodes["done"]["label"] == "E\ufffd"
    assert "\x07" not in text


def test_export_command_writes_well_formed_graphml_for_r05(tmp_path, capsys):
    """``export r05 --format graphml`` exits 0 with XML a strict parser accepts."""
    r05 = REPRODUCERS / "r05_pathway_ctrl_label.yaml"
    assert main(["export", str(r05), "--format", "graphml"]) == 0
    ET.fromstring(capsys.readouterr().out.encode("utf-8"))


def test_graphml_keeps_special_characters(tricky_graph):
    """Quotes, &, <, >, line breaks and "Schöffski" survive GraphML for both readers."""
    text = to_graphml(tricky_graph)
    back = nx.read_graphml(io.BytesIO(text.encode("utf-8")))
    assert back.nodes["drug_a"]["label"] == TRICKY
    assert back.nodes["drug_a"]["dose"] == "100 mg & <more>"
    assert 'Schöffski P, "Trial" <X> & Y' in back.graph["sources"]
    root = ET.fromstring(text.encode("utf-8"))
    key = next(k.get("id") for k in root.findall("g:key", GRAPHML_NS)
               if k.get("for") == "node" and k.get("attr.name") == "label")
    node = next(n for n in root.iter("{http://graphml.graphdrawing.org/xmlns}node") if n.get("id") == "drug_a")
    assert next(d.text for d in node.findall("g:data", GRAPHML_NS) if d.get("key") == key) == TRICKY


# --------------------------------------------------------------------------------------- DOT

def dot_unquote(value: str) -> str:
    """Read a DOT quoted string the way Graphviz does (escapes, then character entities)."""
    assert value.startswith('"') and value.endswith('"'), value
    out, body, i = [], value[1:-1], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "\\": "\\", '"': '"'}.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(body[i])
            i += 1
    return html.unescape("".join(out))


@functools.lru_cache(maxsize=8)   # pydot's pure-Python parse of GIST takes about a second; tests only read it
def parse_dot(text: str):
    """pydot's parse; pydot 4 uses pyparsing names that pyparsing 3.3 deprecates (their warning, not ours)."""
    pyparsing_warnings = importlib.import_module("pyparsing.warnings")
    with warnings.catch_warnings():
        for name in ("PyparsingWarning", "PyparsingDeprecationWarning"):
            if hasattr(pyparsing_warnings, name):
                warnings.simplefilter("ignore", getattr(pyparsing_warnings, name))
        graphs = pydot.graph_from_dot_data(text)
    assert graphs and len(graphs) == 1
    return graphs[0]


def all_dot_nodes(graph):
    nodes = {n.get_name(): n for n in graph.get_nodes() if n.get_name() not in ("node", "edge", "graph")}
    for sub in graph.get_subgraphs():
        for n in sub.get_nodes():
            nodes.setdefault(n.get_name(), n)
    return nodes


@pytest.mark.parametrize("subtype", heavy_matrix(SUBTYPE_IDS))
def test_dot_round_trips_through_pydot(subtype):
    """pydot reads every node and every edge; labels are the drawing's; rankdir is LR."""
    graph = graph_of(subtype)
    dot = parse_dot(to_dot(graph))
    assert dot_unquote(dot.get_graph_defaults()[0]["rankdir"]) == "LR"
    nodes = {dot_unquote(name): n for name, n in all_dot_nodes(dot).items()}
    assert set(nodes) == set(graph.nodes)
    for node, attrs in graph.nodes(data=True):
        assert dot_unquote(nodes[node].get_attributes()["label"]) == node_label(attrs)
    edges = Counter((dot_unquote(e.get_source()), dot_unquote(e.get_destination()),
                     dot_unquote(e.get_attributes()["key"])) for e in dot.get_edges())
    assert edges == edge_multiset(graph)


@pytest.mark.parametrize("subtype", heavy_matrix(SUBTYPE_IDS))
def test_dot_ranks_match_the_drawing_columns(subtype):
    """Each ``rank=same`` group is exactly one column of the matplotlib layout, in column order."""
    graph = graph_of(subtype)
    columns = state_columns(graph)
    groups = [sorted(dot_unquote(n.get_name()) for n in sub.get_nodes())
              for sub in parse_dot(to_dot(graph)).get_subgraphs()]
    expected = [sorted(n for n, c in columns.items() if c == col) for col in sorted(set(columns.values()))]
    assert groups == expected


def test_dot_back_edges_do_not_constrain_ranking():
    """GIST's resection -> imatinib edge has constraint=false, so Graphviz keeps imatinib to the left."""
    dot = parse_dot(to_dot(graph_of("gist")))
    edge = next(e for e in dot.get_edges() if dot_unquote(e.get_source()) == "resection")
    assert dot_unquote(edge.get_attributes()["constraint"]) == "false"


def test_dot_escapes_special_characters(tricky_graph):
    """Quotes, backslashes, &, <, >, line breaks and "Schöffski" survive DOT as written."""
    assert dot_quote('a "b" \\ & <c>\nd') == '"a \\"b\\" \\\\ &amp; &lt;c&gt;\\nd"'
    dot = parse_dot(to_dot(tricky_graph))
    node = next(n for name, n in all_dot_nodes(dot).items() if dot_unquote(name) == "drug_a")
    assert dot_unquote(node.get_attributes()["label"]) == node_label(tricky_graph.nodes["drug_a"])
    assert node_label(tricky_graph.nodes["drug_a"]).startswith(TRICKY)


needs_graphviz = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")


def render_svg(text: str) -> ET.Element:
    result = subprocess.run(["dot", "-Tsvg"], input=text.encode("utf-8"), capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr.decode().strip() == "", result.stderr.decode()
    return ET.fromstring(result.stdout)


@needs_graphviz
@pytest.mark.parametrize("subtype", heavy_matrix(SUBTYPE_IDS))
def test_graphviz_renders_every_node_and_edge_left_to_right(subtype):
    """``dot -Tsvg`` renders without warnings, every node and edge, workup leftmost, ends rightmost."""
    graph = graph_of(subtype)
    svg = render_svg(to_dot(graph))
    ns = {"s": "http://www.w3.org/2000/svg"}
    x_of = {}
    for g in svg.iter("{http://www.w3.org/2000/svg}g"):
        if g.get("class") == "node":
            name = g.find("s:title", ns).text
            xs = [float(t.get("x")) for t in g.iter("{http://www.w3.org/2000/svg}text")]
            x_of[name] = sum(xs) / len(xs)
    edges = [g for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "edge"]
    assert set(x_of) == set(graph.nodes)
    assert len(edges) == graph.number_of_edges()
    columns = state_columns(graph)
    for a in graph:
        for b in graph:
            if columns[a] < columns[b]:
                assert x_of[a] < x_of[b], (a, b)


@needs_graphviz
def test_graphviz_shows_special_characters_as_written(tricky_graph):
    """Graphviz draws the tricky label's characters literally (entities decoded, escapes honoured)."""
    svg = render_svg(to_dot(tricky_graph))
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    first, second = TRICKY.split("\n")
    assert first in texts and second in texts


# ----------------------------------------------------------------------------------- Mermaid

NODE_LINE = re.compile(r'^    ([A-Za-z][A-Za-z0-9_]*)(\(\[|\[\[|\{\{|\[|\()"([^"]*)"(\]\)|\]\]|\}\}|\]|\))$')
EDGE_LINE = re.compile(r'^    ([A-Za-z][A-Za-z0-9_]*) (-->|-\.->)\|"([^"]*)"\| ([A-Za-z][A-Za-z0-9_]*)$')


def mermaid_decode(text: str) -> str:
    """Undo Mermaid's entity codes (``#quot;``, ``#35;``) and ``<br>`` line breaks."""
    def entity(match):
        code = match.group(1)
        return chr(int(code)) if code.isdigit() else html.unescape(f"&{code};")
    return "\n".join(re.sub(r"#(\w+);", entity, part) for part in text.split("<br>"))


def parse_mermaid(text: str):
    """A structural reading: the header, node definitions and edges; any other line is an error."""
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "---" and lines[2] == "---" and lines[1].startswith("title: ")
    assert lines[3] == "flowchart LR"
    nodes, edges = {}, []
    for line in lines[4:]:
        if m := NODE_LINE.match(line):
            assert m.group(1) not in nodes
            nodes[m.group(1)] = mermaid_decode(m.group(3))
        elif m := EDGE_LINE.match(line):
            edges.append((m.group(1), m.group(4), m.group(2), mermaid_decode(m.group(3))))
        else:
            assert re.match(r"^    (classDef \w+ [\w:#\-, ]+|class [\w,]+ \w+)$", line), line
    return nodes, edges


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_mermaid_structure_keeps_every_node_and_edge(subtype):
    """The flowchart defines every state once and has one arrow per transition, labelled."""
    graph = graph_of(subtype)
    nodes, edges = parse_mermaid(to_mermaid(graph))
    assert nodes == {mermaid_id(n): node_label(a) for n, a in graph.nodes(data=True)}
    expected = Counter((mermaid_id(u), mermaid_id(v), transition_label(graph, u, v, k))
                       for u, v, k in graph.edges(keys=True))
    assert Counter((u, v, label) for u, v, _, label in edges) == expected
    dashed = sum(1 for *_, arrow, _ in edges if arrow == "-.->")
    assert dashed == sum(1 for *_, d in graph.edges(data=True) if d["beyond_source"])


def test_mermaid_escapes_special_characters(tricky_graph):
    """Quotes, &, <, >, #, |, line breaks and "Schöffski" survive as Mermaid entity codes."""
    assert mermaid_text('a "b" & <c> #d |e\nf') == "a #quot;b#quot; #amp; #lt;c#gt; #35;d #124;e<br>f"
    text = to_mermaid(tricky_graph)
    nodes, _ = parse_mermaid(text)
    assert nodes["drug_a"] == node_label(tricky_graph.nodes["drug_a"])
    assert "Schöffski" in text


def test_mermaid_ids_avoid_keywords_and_odd_characters():
    """State ids Mermaid would misread ("end", hyphens, leading digits) get safe ids."""
    assert mermaid_id("workup") == "workup"
    assert mermaid_id("end") == "end_state"
    assert mermaid_id("drug-a") == "drug_a"
    assert mermaid_id("1st") == "s_1st"


# --------------------------------------------------------------------------------------- CLI

@pytest.mark.parametrize("fmt", ["graphml", "dot", "mermaid"])
def test_cli_export_prints_each_format(capsys, fmt):
    """``export gist --format F`` prints a document the matching reader accepts."""
    assert main(["export", "gist", "--format", fmt]) == 0
    out = capsys.readouterr().out
    graph = graph_of("gist")
    if fmt == "graphml":
        assert edge_multiset(nx.read_graphml(io.BytesIO(out.encode()), force_multigraph=True)) == edge_multiset(graph)
    elif fmt == "dot":
        assert len(parse_dot(out).get_edges()) == graph.number_of_edges()
    else:
        assert len(parse_mermaid(out)[1]) == graph.number_of_edges()


def test_cli_export_writes_a_file(tmp_path, capsys):
    """``-o FILE`` writes the export to the file instead of standard output."""
    target = tmp_path / "gist.mmd"
    assert main(["export", "gist", "--format", "mermaid", "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert target.read_text(encoding="utf-8").split("\n")[3] == "flowchart LR"


def test_cli_export_unknown_format_is_a_usage_error(capsys):
    """An unknown --format exits 2 with argparse's usage message listing the choices."""
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "gist", "--format", "xml"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'xml'" in err and "graphml" in err and "mermaid" in err


def test_cli_export_unknown_subtype_is_an_input_error(capsys):
    """An unknown subtype exits 1 with an error line, no traceback."""
    assert main(["export", "gistt", "--format", "dot"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unknown subtype 'gistt'") and "Traceback" not in err


def test_cli_export_unwritable_output_is_an_input_error(tmp_path, capsys):
    """An output in a missing folder exits 1 with an error line and leaves nothing behind."""
    assert main(["export", "gist", "--format", "graphml", "-o", str(tmp_path / "no" / "g.graphml")]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and "cannot write output" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_export_labels_name_the_chosen_option():
    """Exported arrow labels name the option an "if chosen" arrow stands for, never by its state id."""
    graph = graph_of("leiomyosarcoma")
    labels = {transition_label(graph, u, v, k) for u, v, k in graph.edges(keys=True)}
    assert "progression, if trabectedin chosen" in labels
    assert not any("gemcitabine_docetaxel" in label for label in labels)


YFILES = "{http://www.yworks.com/xml/graphml}"


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_yed_graphml_styles_every_state_and_arrow(subtype):
    """``--yed`` GraphML: each state a yFiles ShapeNode (label, fill, shape, place), each arrow a labelled edge."""
    from sarcoma_sim.pathways.export import to_yed_graphml
    graph = graph_of(subtype)
    root = ET.fromstring(to_yed_graphml(graph).encode("utf-8"))
    kinds = {k.get("yfiles.type") for k in root.findall("g:key", GRAPHML_NS)}
    assert {"nodegraphics", "edgegraphics"} <= kinds
    boxes = []
    for node in root.iter("{http://graphml.graphdrawing.org/xmlns}node"):
        shape = node.find(f".//{YFILES}ShapeNode")
        assert shape.find(f"{YFILES}NodeLabel").text == node_label(graph.nodes[node.get("id")])
        geometry = shape.find(f"{YFILES}Geometry")
        boxes.append(tuple(float(geometry.get(a)) for a in ("x", "y", "width", "height")))
        dashed = shape.find(f"{YFILES}BorderStyle").get("type") == "dashed"
        assert dashed == graph.nodes[node.get("id")]["beyond_source"]
    for (ax, ay, aw, ah), (bx, by, bw, bh) in itertools.combinations(boxes, 2):
        assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, "states overlap in yEd"
    labels = Counter(e.find(f".//{YFILES}EdgeLabel").text for e in root.iter("{http://graphml.graphdrawing.org/xmlns}edge"))
    assert labels == Counter(transition_label(graph, u, v, k) for u, v, k in graph.edges(keys=True))


def test_yed_graphml_still_reads_in_igraph(tmp_path):
    """The yEd styling does not hide the plain data: igraph still finds states by name with typed lines."""
    igraph = pytest.importorskip("igraph")
    from sarcoma_sim.pathways.export import to_yed_graphml
    path = tmp_path / "gist.graphml"
    path.write_text(to_yed_graphml(graph_of("gist")), encoding="utf-8")
    assert igraph.Graph.Read_GraphML(str(path)).vs.find(name="imatinib_400")["line"] == 1


def test_export_yed_flag_needs_graphml(capsys):
    """``--yed`` with another format is a usage error (exit 2); with graphml it prints yFiles GraphML."""
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "gist", "--format", "dot", "--yed"])
    assert exit_info.value.code == 2
    capsys.readouterr()
    assert main(["export", "gist", "--format", "graphml", "--yed"]) == 0
    assert "y:ShapeNode" in capsys.readouterr().out


def test_adjuvant_therapy_is_not_coloured_as_a_line_in_any_export():
    """DOT, Mermaid and yEd give adjuvant imatinib the drawing's adjuvant colour, not the first line's blue."""
    from sarcoma_sim.pathways.colours import ADJUVANT_COLOURS, LINE_COLOURS
    from sarcoma_sim.pathways.export import to_yed_graphml

    border, fill_colour = ADJUVANT_COLOURS
    graph = graph_of("gist")
    nodes = {dot_unquote(name): n for name, n in all_dot_nodes(parse_dot(to_dot(graph))).items()}
    fill = {name: dot_unquote(n.get_attributes()["fillcolor"]) for name, n in nodes.items()}
    assert fill["adjuvant_imatinib"] == fill_colour != LINE_COLOURS[0][1] == fill["imatinib_400"]
    mermaid = to_mermaid(graph)
    assert f"class {mermaid_id('adjuvant_imatinib')} adjuvant" in mermaid
    assert f"classDef adjuvant fill:{fill_colour},stroke:{border}" in mermaid
    root = ET.fromstring(to_yed_graphml(graph).encode("utf-8"))
    node = next(n for n in root.iter("{http://graphml.graphdrawing.org/xmlns}node")
                if n.get("id") == "adjuvant_imatinib")
    assert node.find(".//{http://www.yworks.com/xml/graphml}Fill").get("color") == fill_colour
    assert node.find(".//{http://www.yworks.com/xml/graphml}BorderStyle").get("color") == border


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_export_colours_each_state_as_the_drawing_does(subtype):
    """Every state's fill in DOT and yEd, and its Mermaid class's fill and stroke, are the colours
    the matplotlib drawing gives its box (every line of therapy, not only the first four)."""
    from sarcoma_sim.pathways.draw.style import _style_of
    from sarcoma_sim.pathways.export import to_yed_graphml

    graph = graph_of(subtype)
    drawn = {n: _style_of(attrs) for n, attrs in graph.nodes(data=True)}
    nodes = {dot_unquote(name): n for name, n in all_dot_nodes(parse_dot(to_dot(graph))).items()}
    assert {n: dot_unquote(nodes[n].get_attributes()["fillcolor"]) for n in graph} == \
        {n: style.fill for n, style in drawn.items()}
    root = ET.fromstring(to_yed_graphml(graph).encode("utf-8"))
    y = "{http://www.yworks.com/xml/graphml}"
    yed = {n.get("id"): (n.find(f".//{y}BorderStyle").get("color"), n.find(f".//{y}Fill").get("color"))
           for n in root.iter("{http://graphml.graphdrawing.org/xmlns}node")}
    assert yed == {n: (style.edge, style.fill) for n, style in drawn.items()}
    mermaid = to_mermaid(graph)
    defined = dict(re.findall(r"classDef (\S+) (.+)", mermaid))
    by_id = {mermaid_id(n): n for n in graph}
    assert len(by_id) == len(graph)
    coloured = set()
    for members, cls in re.findall(r"^    class (\S+) (\S+)$", mermaid, flags=re.M):
        if cls == "beyond":
            continue
        for state in (by_id[m] for m in members.split(",")):
            assert defined[cls] == f"fill:{drawn[state].fill},stroke:{drawn[state].edge}", (cls, state)
            coloured.add(state)
    assert coloured == set(graph)
