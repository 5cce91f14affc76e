"""The pathway as a ``networkx.MultiDiGraph`` and its node-link JSON (the exported contract).

Nodes are states, edges are transitions keyed by their index in the file. Every attribute the
contract names is present on every node and edge, so drawings and exports read only the graph.
"""

from __future__ import annotations

import networkx as nx

from sarcoma_sim.pathways.conditions import describe, describe_plain
from sarcoma_sim.pathways.model import Pathway


def build_graph(pathway: Pathway) -> nx.MultiDiGraph:
    """A ``MultiDiGraph`` of ``pathway`` with the graph, node and edge attributes of the contract."""
    graph = nx.MultiDiGraph(
        subtype=pathway.id,
        name=pathway.name,
        initial=pathway.initial,
        sources=[{"id": s.id, "citation": s.citation, "beyond_source": s.beyond_source}
                 for s in pathway.sources.values()],
        imaging_interval_months=[pathway.monitoring.imaging_interval_months_min,
                                 pathway.monitoring.imaging_interval_months_max],
    )
    for state in pathway.states.values():
        regimen = state.regimen
        graph.add_node(
            state.id,
            kind=state.kind,
            label=state.label,
            line=state.line,
            adjuvant=state.adjuvant,
            drugs=list(state.drugs),
            dose=regimen.dose if regimen else None,
            schedule=regimen.schedule if regimen else None,
            drug_class=regimen.drug_class if regimen else None,
            sources=list(state.sources),
            beyond_source=state.beyond_source,
            note=state.note,
        )
    labels = {a.name: a.label for a in pathway.attributes.values() if a.label}
    values = {a.name: dict(a.value_labels) for a in pathway.attributes.values() if a.value_labels}
    for t in pathway.transitions:
        graph.add_edge(
            t.source, t.target, key=t.index,
            event=t.event,
            when=describe(t.when),
            when_plain=describe_plain(t.when, labels, values),
            order=t.order,
            sources=list(t.sources),
            beyond_source=t.beyond_source,
            note=t.note,
        )
    return graph


def graph_to_json(graph: nx.MultiDiGraph) -> dict:
    """Node-link data of ``graph`` in the exported form (``edges="edges"``)."""
    return nx.node_link_data(graph, edges="edges")


def pathway_json(pathway: Pathway) -> dict:
    """The exported JSON document of ``pathway``."""
    return graph_to_json(build_graph(pathway))
