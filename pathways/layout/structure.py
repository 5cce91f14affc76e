"""What a pathway diagram is made of before any geometry: its nodes, arrows and back edges.

Transitions between the same two states merge into one arrow, a choice that several states share
becomes one decision point, and transitions that go back in the clinical course are marked as
back edges so the rest of the graph can be drawn left to right.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from sarcoma_sim.pathways.layout.text import condition_phrase, edge_label, wrap_label


@dataclass(frozen=True)
class DiagramEdge:
    """One arrow of the diagram: the transitions (``keys``) it stands for and its label."""

    source: str
    target: str
    keys: tuple
    label: str
    back: bool = False
    beyond_source: bool = False


@dataclass(frozen=True)
class Structure:
    """The diagram's nodes (states and decision points) and arrows, before any geometry."""

    states: tuple[str, ...]
    decisions: tuple[str, ...]
    edges: tuple[DiagramEdge, ...]


def back_edge_keys(graph: nx.MultiDiGraph) -> set:
    """Keys of the transitions that go back in the clinical course.

    A transition is a back edge when it leads to a lower line of therapy, or when a depth-first
    walk from the initial state (edges in file order) finds it closing a cycle. Without them the
    graph is acyclic, so it can be drawn left to right.
    """
    back = set()
    for u, v, k in graph.edges(keys=True):
        lu, lv = graph.nodes[u].get("line"), graph.nodes[v].get("line")
        if lu is not None and lv is not None and lv < lu:
            back.add(k)
    initial = graph.graph.get("initial")
    roots = ([initial] if initial in graph else []) + [n for n in graph.nodes if n != initial]
    seen: set = set()
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        on_stack = {root}
        stack = [(root, iter(_out_edges_in_order(graph, root)))]
        while stack:
            node, edges = stack[-1]
            for _, v, k in edges:
                if k in back:
                    continue
                if v in on_stack:
                    back.add(k)
                elif v not in seen:
                    seen.add(v)
                    on_stack.add(v)
                    stack.append((v, iter(_out_edges_in_order(graph, v))))
                    break
            else:
                stack.pop()
                on_stack.discard(node)
    return back


def _out_edges_in_order(graph: nx.MultiDiGraph, node: str) -> list:
    return sorted(graph.out_edges(node, keys=True), key=lambda e: _key_order(e[2]))


def _key_order(key) -> tuple:
    return (0, key, "") if isinstance(key, (int, float)) else (1, 0, str(key))


def diagram_structure(graph: nx.MultiDiGraph) -> Structure:
    """Merge parallel transitions, make shared choices decision points, and mark back edges."""
    back = back_edge_keys(graph)
    edges = sorted(graph.edges(keys=True, data=True), key=lambda e: _key_order(e[2]))
    # a drawn "if chosen" names the option, as the exports do: the arrow may end at a link box
    # (the option drawn on another panel) or run beside its siblings' arrows
    phrase = {k: condition_phrase(graph, u, v, k, name_option=True) for u, v, k, _ in edges}
    beyond = {k: bool(d.get("beyond_source")) for _, _, k, d in edges}

    groups: dict[tuple[str, str], list] = defaultdict(list)
    for u, v, k, d in edges:
        if k not in back:
            groups[(u, d.get("event"))].append((d.get("order", 0), _key_order(k), v, k))
    signature_of: dict[tuple[str, str], tuple] = {}
    for group, items in groups.items():
        items.sort()
        signature = tuple((v, phrase[k]) for _, _, v, k in items)
        if len({v for v, _ in signature}) >= 2:
            signature_of[group] = signature
    sources_of: dict[tuple, dict[str, list[str]]] = defaultdict(dict)
    for (u, event), signature in signature_of.items():
        sources_of[signature].setdefault(u, []).append(event)
    shared = [s for s, by_source in sources_of.items() if len(by_source) >= 2]
    shared.sort(key=lambda s: min(_key_order(k) for (u, e), sig in signature_of.items() if sig == s
                                  for *_, k in groups[(u, e)]))

    result: list[DiagramEdge] = []
    decisions: list[str] = []
    in_decision: set = set()
    for number, signature in enumerate(shared, start=1):
        decision = f"decision:{number}"
        decisions.append(decision)
        branch_keys: dict[str, list] = defaultdict(list)
        for u, events in sources_of[signature].items():
            keys = [k for e in events for *_, k in groups[(u, e)]]
            in_decision.update(keys)
            result.append(DiagramEdge(u, decision, tuple(keys), edge_label([(e, None) for e in events]),
                                      beyond_source=all(beyond[k] for k in keys)))
            for *_, v, k in (item for e in events for item in groups[(u, e)]):
                branch_keys[v].append(k)
        for v, p in signature:
            keys = branch_keys[v]
            # wrapped like any other arrow's label: unwrapped, one branch's conditions
            # ("KIT wild type, PDGFRA none, NTRK fusion positive") widened its whole gap
            result.append(DiagramEdge(decision, v, tuple(keys), wrap_label(p) if p else "",
                                      beyond_source=all(beyond[k] for k in keys)))

    merged: dict[tuple[str, str, bool], list] = {}
    for u, v, k, d in edges:
        if k in in_decision:
            continue
        merged.setdefault((u, v, k in back), []).append((k, d.get("event")))
    said_in_box = {k for _, _, k, d in edges if d.get("said_in_link_box")}
    # an arrow leaving a panel for a link box says only its event: its condition is said where it
    # enters the panel of the state it names (sarcoma_sim.pathways.panels)
    event_only = {k for _, _, k, d in edges if d.get("event_only")}
    for (u, v, is_back), items in merged.items():
        keys = tuple(k for k, _ in items)
        # a panel's link box lists each transition's condition in its rows (sarcoma_sim.pathways.panels)
        label = "" if said_in_box.issuperset(keys) else edge_label([(event, None if k in event_only else phrase[k])
                                                                         for k, event in items])
        result.append(DiagramEdge(u, v, keys, label, back=is_back,
                                  beyond_source=all(beyond[k] for k in keys)))
    first_key = {id(e): min(_key_order(k) for k in e.keys) for e in result}
    result.sort(key=lambda e: (e.back, first_key[id(e)]))
    return Structure(tuple(graph.nodes), tuple(decisions), tuple(result))


def chain_neighbours(chains: list[list]) -> dict:
    """For every item of the long-edge chains, the items next to it in a chain (both directions)."""
    neighbours: dict = defaultdict(list)
    for chain in chains:
        for a, b in zip(chain, chain[1:]):
            if a != b:
                neighbours[a].append(b)
                neighbours[b].append(a)
    return neighbours
