"""Tests of the networkx graph and its exported node-link JSON (the DESIGN.md contract)."""

from __future__ import annotations

import json
import re

import networkx as nx
import pytest

from sarcoma_sim.pathways.export import to_json
from sarcoma_sim.pathways.graph import build_graph, pathway_json
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype, parse_pathway

NODE_KEYS = {"id", "kind", "label", "line", "drugs", "dose", "schedule", "sources", "beyond_source"}
EDGE_KEYS = {"source", "target", "key", "event", "when", "order", "sources"}


def _check_contract(document: dict) -> None:
    graph = document["graph"]
    assert document["directed"] is True and document["multigraph"] is True
    assert {"subtype", "name", "initial", "sources"} <= set(graph)
    assert all(set(s) >= {"id", "citation"} for s in graph["sources"])
    node_ids = {n["id"] for n in document["nodes"]}
    assert graph["initial"] in node_ids
    for node in document["nodes"]:
        assert NODE_KEYS <= set(node), node
        assert node["line"] is None or isinstance(node["line"], int)
        assert isinstance(node["drugs"], list) and all(d == d.lower() for d in node["drugs"])
        assert node["dose"] is None or isinstance(node["dose"], str)
        assert node["schedule"] is None or isinstance(node["schedule"], str)
        assert isinstance(node["sources"], list) and isinstance(node["beyond_source"], bool)
    for edge in document["edges"]:
        assert EDGE_KEYS <= set(edge), edge
        assert edge["source"] in node_ids and edge["target"] in node_ids
        assert isinstance(edge["order"], int) and isinstance(edge["sources"], list)
        assert edge["when"] is None or isinstance(edge["when"], str)


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_exported_json_matches_the_contract(subtype):
    """Every subtype's JSON export has the graph, node and edge fields DESIGN.md promises."""
    document = json.loads(to_json(build_graph(load_subtype(subtype))))
    _check_contract(document)
    assert document["graph"]["subtype"] == subtype


def test_json_round_trips_through_networkx(small_pathway_text):
    """The node-link JSON reads back into an equal MultiDiGraph with networkx."""
    graph = build_graph(parse_pathway(small_pathway_text))
    back = nx.node_link_graph(json.loads(to_json(graph)), edges="edges")
    assert isinstance(back, nx.MultiDiGraph)
    assert set(back.edges(keys=True)) == set(graph.edges(keys=True))
    assert dict(back.nodes(data=True)) == dict(graph.nodes(data=True))


def test_edge_attributes_carry_conditions_and_order(small_pathway_text):
    """Edges keep their event, readable condition and try-order; keys are transition indices."""
    graph = build_graph(parse_pathway(small_pathway_text))
    first = graph.edges["workup", "drug_a", 0]
    otherwise = graph.edges["workup", "end", 1]
    assert (first["event"], first["when"], first["order"]) == ("start", "marker = positive", 0)
    assert (otherwise["when"], otherwise["order"]) == (None, 1)


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_arrow_conditions_read_as_words(subtype):
    """No shipped arrow's condition shows a value id glued to its number ("exon9", "d842v"): such
    a value declares how it reads ("exon 9", "D842V"), as the teaching case words it."""
    graph = build_graph(load_subtype(subtype))
    glued = {word for *_, plain in graph.edges(data="when_plain") if plain
             for word in re.findall(r"\b(?=\w*[a-z])(?=\w*\d)\w+\b", plain)}
    assert not glued


def test_gist_arrows_name_the_mutation_as_written():
    """GIST's first-line arrows read "PDGFRA D842V" and "KIT exon 9"."""
    graph = build_graph(load_subtype("gist"))
    said = {target: data["when_plain"] for _, target, data in graph.out_edges("workup", data=True)}
    assert (said["avapritinib"], said["imatinib_800_exon9"]) == ("PDGFRA D842V", "KIT exon 9")


def test_node_attributes_carry_the_regimen(small_pathway_text):
    """Therapy nodes carry line, drugs, dose, sources and the beyond-source mark."""
    graph = build_graph(parse_pathway(small_pathway_text))
    node = graph.nodes["drug_b"]
    assert (node["kind"], node["line"], node["drugs"], node["dose"]) == ("therapy", 2, ["drugb"], "50 mg daily")
    assert node["beyond_source"] is True and node["sources"] == ["trial-x"]
    assert graph.nodes["workup"]["line"] is None and graph.nodes["workup"]["drugs"] == []


def test_gist_json_names_the_initial_state_and_sources():
    """GIST's export starts at workup and lists the source guideline among its sources."""
    document = pathway_json(load_subtype("gist"))
    assert document["graph"]["initial"] == "workup"
    assert "source-guideline" in {s["id"] for s in document["graph"]["sources"]}


def test_adjuvant_therapy_is_flagged_on_its_node():
    """GIST's adjuvant imatinib, and no other state of any subtype, carries ``adjuvant: true`` in the export."""
    flagged = {(s, n["id"]) for s in SUBTYPE_IDS for n in json.loads(to_json(build_graph(load_subtype(s))))["nodes"]
               if n["adjuvant"]}
    assert flagged == {("gist", "adjuvant_imatinib")}
