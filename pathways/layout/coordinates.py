"""Where each node goes: heights within columns, column widths and gaps, and the node boxes.

Each column is placed as close as possible to its neighbours' heights under minimum separations
(isotonic regression); gaps between columns are as wide as the labels they hold.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Sequence

from sarcoma_sim.pathways.layout.geometry import DECISION, STATE, Box, Spacing
from sarcoma_sim.pathways.layout.structure import Structure, chain_neighbours

Separation = Callable[[object, object], float]


def _separation(structure: Structure, sizes, label_sizes, spacing: Spacing, arcs_top,
                strays: frozenset = frozenset(), banded: frozenset = frozenset()) -> Separation:
    """The least distance between the centres of two items stacked in a column (first above).

    In a column of a line of therapy, an item of its band (in ``banded``) under a state of no line
    (in ``strays``: the imaging after a resection) keeps ``spacing.band_header`` between them:
    the line's band can start there, its header above the item, the other state outside it."""
    height_of = {}
    for n in structure.states:
        height_of[n] = sizes[n][1]
    for d in structure.decisions:
        height_of[d] = spacing.decision_size
    arc_room_above: dict[str, float] = defaultdict(float)
    for i in arcs_top:
        edge = structure.edges[i]
        label_h = label_sizes.get(edge.label, (0, 0))[1]
        room = spacing.arc_rise + label_h / 2 + spacing.margin
        for n in (edge.source, edge.target):
            arc_room_above[n] = max(arc_room_above[n], room)

    # A state with a single labelled arrow out (a link box from another panel, often) has that
    # label next to it; two such states stacked in a column, their arrows converging on one target,
    # need room for both labels side by side, or no spot along the arrows keeps them apart.
    lone_label: dict[str, float] = {}
    out_edges: dict[str, list[int]] = defaultdict(list)
    for i, edge in enumerate(structure.edges):
        if edge.source != edge.target:
            out_edges[edge.source].append(i)
    for n, indices in out_edges.items():
        edge = structure.edges[indices[0]]
        if len(indices) == 1 and indices[0] not in arcs_top and edge.label:
            lone_label[n] = label_sizes.get(edge.label, (0, 0))[1]

    def item_height(item) -> float:
        return 0.0 if isinstance(item, tuple) else height_of[item]

    def separation(a, b) -> float:
        real_a, real_b = not isinstance(a, tuple), not isinstance(b, tuple)
        gap = spacing.node_gap if (real_a and real_b) else spacing.dummy_gap
        least = item_height(a) / 2 + item_height(b) / 2 + gap + arc_room_above.get(b, 0.0)
        if real_a and real_b and a in lone_label and b in lone_label:
            labels = (lone_label[a] + lone_label[b]) / 2 + 2 * spacing.label_margin + gap
            least = max(least, labels + arc_room_above.get(b, 0.0))
        if spacing.band_header and a in strays and b in banded:
            least = max(least, item_height(a) / 2 + item_height(b) / 2 + spacing.band_header
                        + arc_room_above.get(b, 0.0))
        return least

    return separation


def _heights(layers: list[list], chains: list[list], separation: Separation) -> dict:
    """The height (y) of every item, each column close to its neighbours' heights."""
    n_columns = len(layers)
    neighbours = chain_neighbours(chains)

    y = {}
    for layer in layers:
        pos = 0.0
        for j, item in enumerate(layer):
            if j:
                pos += separation(layer[j - 1], item)
            y[item] = pos
        shift = pos / 2
        for item in layer:
            y[item] -= shift
    column_of = {item: c for c, layer in enumerate(layers) for item in layer}
    # a column's gaps do not change between sweeps: worked out once
    column_gaps = [[separation(a, b) for a, b in zip(layer, layer[1:])] for layer in layers]
    for sweep in range(10):
        order = range(n_columns) if sweep % 2 == 0 else range(n_columns - 1, -1, -1)
        for c in order:
            layer = layers[c]
            if not layer:
                continue
            desired, weights = [], []
            for item in layer:
                near = [y[m] for m in neighbours[item] if column_of[m] != c]
                desired.append(sum(near) / len(near) if near else y[item])
                weights.append(2.0 if isinstance(item, tuple) else 1.0)
            for item, value in zip(layer, _spaced_isotonic(desired, weights, column_gaps[c])):
                y[item] = value

    _straighten(chains, layers, column_of, y, separation)
    return y


def _spaced_isotonic(desired: Sequence[float], weights: Sequence[float], gaps: Sequence[float]) -> list[float]:
    """Positions closest (weighted least squares) to ``desired`` keeping consecutive ``gaps``."""
    offsets = [0.0]
    for g in gaps:
        offsets.append(offsets[-1] + g)
    targets = [d - o for d, o in zip(desired, offsets)]
    blocks: list[list[float]] = []
    for t, w in zip(targets, weights):
        blocks.append([t * w, w, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, w2, n = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += w2
            blocks[-1][2] += n
    z = []
    for s, w, n in blocks:
        z.extend([s / w] * n)
    return [zi + o for zi, o in zip(z, offsets)]


def _straighten(chains, layers, column_of, y, separation) -> None:
    """Put each long edge's placeholders on one height where the columns leave room, so it runs straight."""
    for chain in sorted(chains, key=len, reverse=True):
        dummies = chain[1:-1]
        if len(dummies) < 2:
            continue
        options = [y[chain[0]], y[chain[-1]], sorted(y[d] for d in dummies)[len(dummies) // 2]]
        for value in options:
            if all(_fits(d, value, layers[column_of[d]], y, separation) for d in dummies):
                for d in dummies:
                    y[d] = value
                break


def _fits(item, value: float, layer: list, y, separation) -> bool:
    j = layer.index(item)
    if j > 0 and value - y[layer[j - 1]] < separation(layer[j - 1], item) - 1e-9:
        return False
    if j + 1 < len(layer) and y[layer[j + 1]] - value < separation(item, layer[j + 1]) - 1e-9:
        return False
    return True


def _column_widths(layers: list[list], sizes, spacing: Spacing) -> list[float]:
    """Each column's width: its widest state, or a decision point's, or a thin placeholder column."""
    widths = []
    for layer in layers:
        real = [sizes[n][0] for n in layer if n in sizes]
        if real:
            widths.append(max(max(real), spacing.min_node_width))
        elif any(not isinstance(n, tuple) for n in layer):
            widths.append(spacing.decision_size)
        else:
            widths.append(0.3)
    return widths


def _gap_widths(structure: Structure, label_gap, label_sizes, spacing: Spacing,
                n_columns: int) -> list[float]:
    """The width of each gap between columns, wide enough for the labels it holds."""
    gap_widths = [spacing.min_column_gap] * max(0, n_columns - 1)
    for i, g in label_gap.items():
        edge = structure.edges[i]
        if g is not None and edge.label:
            gap_widths[g] = max(gap_widths[g], label_sizes[edge.label][0] + 2 * spacing.label_margin)
    return gap_widths


def _column_x(widths: list[float], gap_widths: list[float]) -> list[float]:
    """The centre (x) of each column."""
    n_columns = len(widths)
    x_col = []
    pos = 0.0
    for c in range(n_columns):
        if c:
            pos += widths[c - 1] / 2 + gap_widths[c - 1] + widths[c] / 2
        x_col.append(pos)
    return x_col


def _boxes(structure: Structure, rank: dict[str, int], sizes, x_col, y, widths,
           spacing: Spacing) -> dict[str, Box]:
    """The box of every state and decision point."""
    boxes: dict[str, Box] = {}
    for n in structure.states:
        c = rank[n]
        boxes[n] = Box(n, STATE, x_col[c], y[n], widths[c], sizes[n][1], c)
    for d in structure.decisions:
        c = rank[d]
        boxes[d] = Box(d, DECISION, x_col[c], y[d], spacing.decision_size, spacing.decision_size, c)
    return boxes
