"""Where each arrow's label goes: a gap between columns, then a spot that hits no node or label.

Candidates along the arrow are scored by what they overlap (nodes, labels placed earlier) and
which other arrows they cover; a label that cannot avoid overlapping counts as a collision.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from sarcoma_sim.pathways.layout.geometry import Box, Point, Segment
from sarcoma_sim.pathways.layout.routes import bezier_point
from sarcoma_sim.pathways.layout.structure import Structure


def _assign_label_gaps(structure: Structure, rank, chains, arcs_top) -> dict[int, int | None]:
    """The gap (between column g and g+1) where each forward arrow's label goes."""
    count: dict[int, int] = defaultdict(int)
    choice: dict[int, int | None] = {}
    spans = {}
    for i, edge in enumerate(structure.edges):
        if i in arcs_top or edge.source == edge.target:
            choice[i] = None
            continue
        ru, rv = rank[edge.source], rank[edge.target]
        spans[i] = list(range(min(ru, rv), max(ru, rv)))
    for i in sorted(spans, key=lambda i: (len(spans[i]), i)):
        options = spans[i]
        if len(options) != 1:
            choice[i] = None
            continue
        g = min(options, key=lambda g: (count[g], options.index(g)))
        choice[i] = g
        if structure.edges[i].label:
            count[g] += 1
    return choice


def _place_labels(structure: Structure, routes_geometry, boxes, label_sizes, label_gap,
                  column_bounds, arcs_top, rank) -> tuple[dict[int, Box | None], int]:
    """The box of every arrow's label (by index; None without a label) and how many collide."""
    obstacles = [b for b in boxes.values()]
    placed: list[Box] = []
    label_boxes: dict[int, Box | None] = {}
    collisions = 0
    order = sorted(range(len(structure.edges)), key=lambda i: (i not in arcs_top, i))
    samples = {i: _sample(segs) for i, segs in routes_geometry.items()}
    for i in order:
        edge = structure.edges[i]
        if not edge.label:
            label_boxes[i] = None
            continue
        w, h = label_sizes[edge.label]
        candidates = _label_candidates(i, routes_geometry[i], label_gap.get(i), column_bounds,
                                       arcs_top, structure, rank)
        best, best_score = None, None
        for penalty, (cx, cy) in candidates:
            box = Box(f"label:{i}", "label", cx, cy, w + 0.06, h + 0.04)
            hits = sum(box.overlaps(o, 0.06) for o in obstacles) + sum(box.overlaps(o, 0.07) for o in placed)
            crossing = sum(weight for j, pts in samples.items() if j != i
                           for (px, py), weight in pts if box.left < px < box.right and box.top < py < box.bottom)
            score = (hits, crossing * 0.25 + penalty)
            if best_score is None or score < best_score:
                best, best_score = box, score
        if best_score is not None and best_score[0]:
            collisions += 1
        label_boxes[i] = best
        if best is not None:
            placed.append(best)
    return label_boxes, collisions


def _sample(segments: Sequence[Segment], per_segment: int = 12) -> list[tuple[Point, float]]:
    """Points along a route, each with how much covering it costs (arrowheads most)."""
    points = []
    for n, s in enumerate(segments):
        for j in range(per_segment + 1):
            near_head = n == len(segments) - 1 and j >= per_segment - 2
            points.append((bezier_point(s, j / per_segment), 4.0 if near_head else 1.0))
    return points


def _label_candidates(i, segments, gap, column_bounds, arcs_top, structure, rank):
    """Label centres to try, each with a small penalty for leaving the preferred spot."""
    if i in arcs_top or structure.edges[i].source == structure.edges[i].target:
        return [(0.0, bezier_point(segments[0], 0.5))]
    if gap is None:
        out = []
        for j, seg in enumerate(segments):
            straight = abs(seg[0][1] - seg[3][1]) < 1e-9 and len(segments) > 1
            for t in ((0.5,) if straight else (0.5, 0.4, 0.6)):
                out.append(((0.0 if straight else 0.6) + abs(t - 0.5) + 0.01 * j, bezier_point(seg, t)))
        return out
    right_of_gap = column_bounds(gap)[1]
    left_of_next = column_bounds(gap + 1)[0]
    in_gap = [s for s in segments
              if min(s[0][0], s[3][0]) >= right_of_gap - 1e-6 and max(s[0][0], s[3][0]) <= left_of_next + 1e-6]
    if not in_gap:
        in_gap = [segments[len(segments) // 2]]
    out = []
    for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
        out.append((abs(t - 0.5), bezier_point(in_gap[0], t)))
    return out
