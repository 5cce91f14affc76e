"""Which column of the diagram each node goes in, and the placeholders of arrows that span columns.

Workup comes first, each line of therapy after every earlier line, the end states last; within
that, nodes are layered by the longest path of forward arrows. An arrow crossing several columns
gets a placeholder (a "dummy") in every column between its ends.
"""

from __future__ import annotations

import networkx as nx

from sarcoma_sim.pathways.layout.structure import Structure, diagram_structure


def _ranks(graph: nx.MultiDiGraph, structure: Structure, before_lines: bool = False) -> dict[str, int]:
    """Each node's column. ``before_lines``: a panel's states reached before any therapy (marked
    ``before_lines`` by ``panels.panel_graph``: a resection, the imaging after it) go before its
    first line of therapy, as a guideline figure drawn top to bottom puts them in a row above
    the lines; never in a column under a later line's heading."""
    nodes = list(structure.states) + list(structure.decisions)
    forward = [(e.source, e.target) for e in structure.edges if not e.back and e.source != e.target]
    line = {n: 0 if before_lines and graph.nodes[n].get("before_lines") else graph.nodes[n].get("line")
            for n in structure.states}
    terminal = {n for n in structure.states if graph.nodes[n].get("kind") == "terminal"
                and not graph.nodes[n].get("beside_source")
                and not any(e.source == n for e in structure.edges if not e.back)}
    for with_lines in (True, False):
        rank = {n: 0 for n in nodes}
        for _ in range(len(nodes) + 2):
            before = dict(rank)
            for u, v in forward:
                rank[v] = max(rank[v], rank[u] + 1)
            if with_lines:
                lines = sorted({n for n in line.values() if n is not None})
                for earlier, later in zip(lines, lines[1:]):
                    floor = max(rank[n] for n in nodes if line.get(n) == earlier) + 1
                    for n in nodes:
                        if line.get(n) == later:
                            rank[n] = max(rank[n], floor)
            others = [rank[n] for n in nodes if n not in terminal]
            last = max(others) + 1 if others else 0
            for n in terminal:
                rank[n] = max(rank[n], last)
            if rank == before:
                return rank
    return rank


def state_columns(graph: nx.MultiDiGraph) -> dict[str, int]:
    """The diagram column (0 = leftmost) of every state, as the drawing places it."""
    structure = diagram_structure(graph)
    rank = _ranks(graph, structure)
    return {n: rank[n] for n in structure.states}


def _layers_and_chains(structure: Structure, rank: dict[str, int]) -> tuple[list[list], list[list]]:
    """Each column's items (nodes and placeholders) and, per arrow, its chain from source to target."""
    n_columns = max(rank.values()) + 1 if rank else 0
    layers: list[list] = [[] for _ in range(n_columns)]
    chains: list[list] = []
    for i, edge in enumerate(structure.edges):
        ru, rv = rank[edge.source], rank[edge.target]
        step = 1 if rv > ru else -1
        between = list(range(ru + step, rv, step)) if abs(rv - ru) > 1 else []
        dummies = [("dummy", i, c) for c in between]
        chains.append([edge.source, *dummies, edge.target])
        for d in dummies:
            layers[d[2]].append(d)
    for n in list(structure.states) + list(structure.decisions):
        layers[rank[n]].append(n)
    return layers, chains
