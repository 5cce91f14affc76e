"""Where each arrow's label goes: a gap between columns, then a spot that hits no node or label.

Candidates along the arrow are scored by what they overlap (nodes, labels placed earlier) and
which other arrows they cover; only when every spot on the arrow overlaps something does a label
go beside it (above or below, touching it). A label that cannot avoid overlapping counts as a
collision.
"""

from __future__ import annotations

import math
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
    order = sorted(range(len(structure.edges)), key=lambda i: (i not in arcs_top, i))
    samples = _PointGrid()
    for j, segs in routes_geometry.items():
        for point, weight in _sample(segs):
            samples.add(point, j, weight)
    obstacle_grid = _BoxGrid(list(boxes.values()))
    candidates = {}
    for i, edge in enumerate(structure.edges):
        if edge.label:
            h = label_sizes[edge.label][1]
            found = _label_candidates(i, routes_geometry[i], label_gap.get(i), column_bounds, arcs_top,
                                      structure, rank)
            if len(found) > 1:
                # beside the arrow, touching it: where the labels of arrows leaving one source, or
                # converging on one target, stack in one gap, no spot on the arrows keeps them
                # apart (growing the spacing does not part arrows that share an end); one label
                # then goes above its arrow and the other below
                found = found + [(penalty + _BESIDE, (x, y + side * (h / 2 + 0.04)))
                                 for penalty, (x, y) in found for side in (-1, 1)]
            candidates[i] = found

    def place(order: list[int]) -> tuple[dict[int, Box | None], list[int]]:
        placed_grid = _BoxGrid([])
        label_boxes: dict[int, Box | None] = {}
        colliding = []
        for i in order:
            edge = structure.edges[i]
            if not edge.label:
                label_boxes[i] = None
                continue
            w, h = label_sizes[edge.label]
            best, best_score = None, None
            for penalty, (cx, cy) in candidates[i]:
                box = Box(f"label:{i}", "label", cx, cy, w + 0.06, h + 0.04)
                hits = obstacle_grid.count_overlaps(box, 0.03) + placed_grid.count_overlaps(box, 0.07)
                crossing = samples.weight_inside(box, excluding=i)
                score = (hits, penalty >= _BESIDE, crossing * 0.25 + penalty)
                if best_score is None or score < best_score:
                    best, best_score = box, score
            if best_score is not None and best_score[0]:
                colliding.append(i)
            label_boxes[i] = best
            if best is not None:
                placed_grid.add(best)
        return label_boxes, colliding

    label_boxes, colliding = place(order)
    if colliding:
        # placed first, a label that found no free spot takes its own arrow, and the label it hit
        # (free when placed) moves beside its arrow instead
        again = place(colliding + [i for i in order if i not in colliding])
        if len(again[1]) < len(colliding):
            label_boxes, colliding = again
    return label_boxes, len(colliding)


# The penalty that marks a spot beside the arrow: taken only where it overlaps fewer things than
# every spot on the arrow.
_BESIDE = 5.0

# Label placement looks only at what lies near each candidate: points and boxes are bucketed in a
# uniform grid, so a pathway with n states costs about n label tries, not n² (issue 13, item 11).
_CELL = 0.5


def _cells(left: float, top: float, right: float, bottom: float):
    for cx in range(math.floor(left / _CELL), math.floor(right / _CELL) + 1):
        for cy in range(math.floor(top / _CELL), math.floor(bottom / _CELL) + 1):
            yield cx, cy


class _PointGrid:
    """Sampled route points, bucketed by grid cell, each with its route index and weight."""

    def __init__(self):
        self.cells: dict[tuple[int, int], list[tuple[float, float, int, float]]] = defaultdict(list)

    def add(self, point: Point, route: int, weight: float) -> None:
        x, y = point
        self.cells[(math.floor(x / _CELL), math.floor(y / _CELL))].append((x, y, route, weight))

    def weight_inside(self, box: Box, excluding: int) -> float:
        """The summed weight of points strictly inside ``box`` from routes other than ``excluding``."""
        total = 0.0
        left, right, top, bottom = box.left, box.right, box.top, box.bottom
        for cell in _cells(left, top, right, bottom):
            for x, y, route, weight in self.cells.get(cell, ()):
                if route != excluding and left < x < right and top < y < bottom:
                    total += weight
        return total


class _BoxGrid:
    """Boxes bucketed by every grid cell they cover, for counting overlaps near a box."""

    def __init__(self, boxes: Sequence[Box]):
        self.cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.boxes: list[Box] = []
        for b in boxes:
            self.add(b)

    def add(self, box: Box) -> None:
        index = len(self.boxes)
        self.boxes.append(box)
        for cell in _cells(box.left, box.top, box.right, box.bottom):
            self.cells[cell].append(index)

    def count_overlaps(self, box: Box, margin: float) -> int:
        """How many stored boxes overlap ``box`` when both are grown by ``margin``."""
        reach = 2 * margin
        near: set[int] = set()
        for cell in _cells(box.left - reach, box.top - reach, box.right + reach, box.bottom + reach):
            near.update(self.cells.get(cell, ()))
        return sum(box.overlaps(self.boxes[k], margin) for k in near)


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
    out = [(0.0, _point_at_x(in_gap[0], (right_of_gap + left_of_next) / 2))]
    for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
        out.append((abs(t - 0.5), bezier_point(in_gap[0], t)))
    return out


def _point_at_x(segment, x: float) -> Point:
    """The point of a segment running left to right (or right to left) where it reaches ``x``: a
    label centred in its gap has the same room on both sides (the curve's middle is often not the
    gap's, the arrow leaving a port off-centre), which the gaps are sized for."""
    lo, hi = 0.0, 1.0
    rising = segment[3][0] >= segment[0][0]
    for _ in range(24):
        mid = (lo + hi) / 2
        if (bezier_point(segment, mid)[0] < x) == rising:
            lo = mid
        else:
            hi = mid
    return bezier_point(segment, (lo + hi) / 2)
