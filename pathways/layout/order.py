"""The order of the items within each column, chosen to reduce crossing arrows.

Items start in depth-first discovery order from the initial state; barycentre sweeps then reorder
each column by the positions of its neighbours, keeping the order with the fewest crossings.
"""

from __future__ import annotations

from collections import defaultdict

from sarcoma_sim.pathways.layout.structure import Structure, chain_neighbours


def _order_layers(graph, structure: Structure, layers: list[list], chains: list[list]) -> None:
    discovery: dict = {}
    initial = graph.graph.get("initial")
    adjacency: dict = defaultdict(list)
    for edge in structure.edges:
        if not edge.back:
            adjacency[edge.source].append(edge.target)
    roots = ([initial] if initial in structure.states else []) + list(structure.states)
    for root in roots:
        stack = [root]
        while stack:
            node = stack.pop()
            if node in discovery:
                continue
            discovery[node] = len(discovery)
            stack.extend(reversed(adjacency[node]))
    for d in structure.decisions:
        discovery.setdefault(d, len(discovery))
    for chain in chains:
        for item in chain[1:-1]:
            discovery[item] = discovery[chain[0]] + 0.5 + 0.01 * item[1]
    for layer in layers:
        layer.sort(key=lambda item: discovery[item])

    links = chain_neighbours(chains)
    column_of = {item: c for c, layer in enumerate(layers) for item in layer}

    def crossings() -> int:
        total = 0
        for c in range(len(layers) - 1):
            pos_a = {item: j for j, item in enumerate(layers[c])}
            pos_b = {item: j for j, item in enumerate(layers[c + 1])}
            segs = [(pos_a[a], pos_b[b]) for a in layers[c] for b in links[a] if b in pos_b]
            total += sum(1 for s in range(len(segs)) for t in range(s + 1, len(segs))
                         if (segs[s][0] - segs[t][0]) * (segs[s][1] - segs[t][1]) < 0)
        return total

    best = [list(layer) for layer in layers]
    best_crossings = crossings()
    for sweep in range(8):
        forward = sweep % 2 == 0
        order = range(1, len(layers)) if forward else range(len(layers) - 2, -1, -1)
        for c in order:
            ref = c - 1 if forward else c + 1
            pos = {item: j for j, item in enumerate(layers[ref])}
            current = {item: j for j, item in enumerate(layers[c])}

            def barycentre(item):
                near = [pos[m] for m in links[item] if column_of[m] == ref]
                return (sum(near) / len(near) if near else current[item], current[item])
            layers[c].sort(key=barycentre)
        now = crossings()
        if now < best_crossings:
            best, best_crossings = [list(layer) for layer in layers], now
    for layer, kept in zip(layers, best):
        layer[:] = kept
