"""Fold dose reductions for toxicity into the box of the drug they reduce (slide and page presets).

A slide shows a drug's course; a state that only lowers the dose of the drug before it, and goes
on exactly as that drug does, is listed as a line in its parent's box ("toxicity: 120 mg, then
80 mg daily") instead of a box of its own. State R folds into state P when folding loses nothing:

- R is a therapy whose regimen says ``reduced_dose`` (the node attribute ``reduced_dose``, set by
  ``drawing_graph`` from the pathway; a graph without it folds nothing);
- R's only incoming transition is P's only ``intolerance`` transition, unconditioned;
- R has the same drugs as P;
- R's transitions other than intolerance and P's other than intolerance are twins: the same
  events, targets and conditions, both ways;
- R has one unconditioned intolerance transition: to a further reduction (which folds into R, so
  into P) or to wherever the chain ends; or, the chain's last step, several intolerance transitions
  leaving the chain (a decision: "NTRK fusion positive: an NTRK inhibitor, otherwise a clinical
  trial"), which P's intolerance then makes.

P's intolerance arrow then goes from P's box to where the last step's intolerance goes. The
decision is made on the graph's data (regimen, transitions), never on state ids. Imatinib reduced
after 400 mg does not fold: its progression goes to sunitinib, not to escalation (no escalation
after a reduction for toxicity), which is teaching content. Pure networkx.
"""

from __future__ import annotations

import re
from typing import Sequence

import networkx as nx

INTOLERANCE = "intolerance"
FOLDED_NOTE = "dose reductions for toxicity are listed in the drug's box"


def drawing_graph(pathway) -> nx.MultiDiGraph:
    """The pathway's graph with each state's ``reduced_dose`` flag, for drawing only (the exported
    graph, ``build_graph``, is unchanged)."""
    from sarcoma_sim.pathways.graph import build_graph

    graph = build_graph(pathway)
    for state in pathway.states.values():
        graph.nodes[state.id]["reduced_dose"] = bool(state.regimen and state.regimen.reduced_dose)
    return graph


def _twins(graph: nx.MultiDiGraph, state: str) -> set[tuple]:
    return {(d.get("event"), v, d.get("when")) for _, v, d in graph.out_edges(state, data=True)
            if d.get("event") != INTOLERANCE}


def _intolerance(graph: nx.MultiDiGraph, state: str) -> list[tuple]:
    return [(v, k, d) for _, v, k, d in graph.out_edges(state, keys=True, data=True)
            if d.get("event") == INTOLERANCE]


def fold_parent(graph: nx.MultiDiGraph, state: str) -> str | None:
    """The state ``state`` folds into directly (see the module's rule), or None."""
    attrs = graph.nodes[state]
    if attrs.get("kind") != "therapy" or not attrs.get("reduced_dose") or state == graph.graph.get("initial"):
        return None
    incoming = list(graph.in_edges(state, keys=True, data=True))
    if len(incoming) != 1:
        return None
    parent, _, _, data = incoming[0]
    if parent == state or data.get("event") != INTOLERANCE or data.get("when"):
        return None
    if len(_intolerance(graph, parent)) != 1 or graph.nodes[parent].get("kind") != "therapy":
        return None
    if list(graph.nodes[parent].get("drugs") or ()) != list(attrs.get("drugs") or ()) or not attrs.get("drugs"):
        return None
    onward = _intolerance(graph, state)
    if not onward or any(v in (state, parent) for v, *_ in onward):
        return None
    if len(onward) == 1 and onward[0][2].get("when"):
        return None
    if _twins(graph, state) != _twins(graph, parent):
        return None
    return parent


def fold_chains(graph: nx.MultiDiGraph) -> dict[str, list[str]]:
    """Each parent with the states folded into it, in the order a patient meets them."""
    direct = {n: p for n in graph if (p := fold_parent(graph, n)) is not None}
    heads = set(direct.values()) - set(direct)   # parents that are not themselves folded
    chains: dict[str, list[str]] = {}
    for parent in graph:
        if parent not in heads:
            continue
        chain, current = [], parent
        while True:
            onward = _intolerance(graph, current)
            # a step leaving by a decision (several intolerance arrows) ends the chain
            if len(onward) != 1 or direct.get(onward[0][0]) != current:
                break
            step = onward[0][0]
            chain.append(step)
            current = step
        chains[parent] = chain
    return chains


def _amount(dose: str) -> tuple[str, str] | None:
    """("120 mg", " daily") of a dose written "120 mg daily"; None if it does not start with one."""
    found = re.match(r"\s*([0-9][0-9.]*\s*(?:mg|g|mcg|mg/m2|mg/kg))\b(.*)$", dose or "")
    return (found.group(1), found.group(2)) if found else None


def steps_line(graph: nx.MultiDiGraph, parent: str, chain: Sequence[str]) -> str:
    """The line a folded box adds: "toxicity: 120 mg, then 80 mg daily", doses as the pathway
    writes them (the shared rest of the dose said once, at the end; a changed schedule named)."""
    parts = []
    for i, state in enumerate(chain):
        attrs = graph.nodes[state]
        dose = str(attrs.get("dose") or attrs.get("label") or state)
        split = _amount(dose)
        later = [_amount(str(graph.nodes[s].get("dose") or "")) for s in chain[i + 1:]]
        # the rest of the dose ("daily") is said once, after the last amount, when every step shares it
        if split and later and all(s and s[1] == split[1] for s in later):
            dose = split[0]
        schedule = attrs.get("schedule")
        if schedule and schedule != graph.nodes[parent].get("schedule"):
            dose += f", {schedule}"
        parts.append(dose)
    return "toxicity: " + ", then ".join(parts)


def fold_reductions(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``graph`` with every foldable dose-reduction chain folded into its parent's box.

    The parent gets ``folded`` (the folded states' ids), ``folded_states`` (their attributes, for
    the SVG title), ``folded_steps`` (its extra line) and ``folded_sources``; its intolerance
    transition keeps its key and goes where the chain's last intolerance goes. The graph gets
    ``folded_into`` (state -> parent) and ``folded_transitions`` (the keys no longer drawn). A
    graph with nothing to fold is returned as it is.
    """
    chains = fold_chains(graph)
    if not chains:
        return graph
    folded = graph.copy()
    into: dict[str, str] = {}
    dropped: list = []
    for parent, chain in chains.items():
        (first, key, data), = _intolerance(graph, parent)
        steps = [(v, k, d) for s in chain[:-1] for v, k, d in _intolerance(graph, s)]
        last = _intolerance(graph, chain[-1])
        for state in chain:
            into[state] = parent
            dropped += [k for *_, k in graph.out_edges(state, keys=True)]
            folded.remove_node(state)  # with its edges, the parent's intolerance into it among them
        # the parent's intolerance keeps its key; where the last step decides (several arrows),
        # each further arrow keeps its own key and its condition
        for i, (end, end_key, end_data) in enumerate(last):
            made = [*steps, (end, end_key, end_data)]
            decided = {} if len(last) == 1 else {
                "when": end_data.get("when"), "when_plain": end_data.get("when_plain"), "order": end_data.get("order")}
            folded.add_edge(parent, end, key=key if i == 0 else end_key, **{
                **data, **decided,
                "sources": list(dict.fromkeys(s for d in [data, *(d for *_, d in made)]
                                              for s in d.get("sources") or ())),
                "beyond_source": bool(data.get("beyond_source") or any(d.get("beyond_source") for *_, d in made)),
                "note": None})
            if i:
                dropped.remove(end_key)
        node = folded.nodes[parent]
        node["folded"] = list(chain)
        node["folded_states"] = [dict(graph.nodes[s], id=s) for s in chain]
        node["folded_steps"] = steps_line(graph, parent, chain)
        node["folded_sources"] = list(dict.fromkeys(
            s for st in chain for s in (graph.nodes[st].get("sources") or ())))
    folded.graph["folded_into"] = into
    folded.graph["folded_transitions"] = dropped
    return folded


def folded_path(graph: nx.MultiDiGraph, highlight: Sequence[str]) -> list[str]:
    """``highlight`` with each folded state replaced by the parent whose box shows it."""
    into = graph.graph.get("folded_into") or {}
    return [into.get(s, s) for s in highlight]


def folded_path_keys(folded: nx.MultiDiGraph, highlight: Sequence[str]) -> set:
    """The keys of the drawn arrows along ``highlight`` (already checked on the unfolded graph):
    a step into a folded state stays inside its parent's box; leaving the chain is the parent's arrow."""
    path = folded_path(folded, highlight)
    keys: set = set()
    for a, b in zip(path, path[1:]):
        if a != b:
            keys.update(folded.get_edge_data(a, b) or {})
    return keys
