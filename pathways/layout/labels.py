"""Where each arrow's label goes: a gap between columns, then a spot that hits no node or label.

Candidates along the arrow are scored by what they overlap (nodes, labels placed earlier) and
which other arrows they cover; only when every spot on the arrow overlaps something does a label
go beside it (above or below, touching it). A label that cannot avoid overlapping counts as a
collision.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sarcoma_sim.pathways.layout.geometry import Box, Point
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
                lift = h / 2 + 0.04
                found = found + [(penalty + _BESIDE, (x, y + side * lift))
                                 for penalty, (x, y) in found for side in (-1, 1)]
            candidates[i] = found
    table = _CandidateTable(structure, candidates, label_sizes, routes_geometry, boxes)

    def place(order: list[int]) -> tuple[dict[int, Box | None], list[int]]:
        label_boxes: dict[int, Box | None] = {}
        colliding = []
        # how many labels placed so far each candidate overlaps (at the labels' margin)
        placed_hits = np.zeros(table.size, dtype=np.int64)
        for i in order:
            edge = structure.edges[i]
            if not edge.label or i not in table.start:
                label_boxes[i] = None
                continue
            k, hits = table.best(i, placed_hits)
            if hits:
                colliding.append(i)
            label_boxes[i] = table.box(i, k)
            placed_hits += table.overlapping(k)
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

# Margins (inches) a candidate keeps from nodes and from labels placed before it.
_NODE_MARGIN = 0.03
_LABEL_MARGIN = 0.07

# Label placement looks only at what lies near each candidate: boxes are bucketed in a uniform
# grid of this cell size (issue 13, item 11); ``_overlap_counts`` keeps exactly the grid's notion of
# "near" (cell ranges that meet), so the counts are the grid's, bit for bit.
_CELL = 0.5


class _CandidateTable:
    """Every candidate label box of one layout as arrays, scored once against what does not move.

    Candidates are scored by what they overlap and which arrows they cover: the nodes and the
    arrows are the same in both passes of ``_place_labels``, so those scores are computed once for
    every candidate together (issue 21, item 4); only the overlaps with labels placed earlier
    depend on the order, and the overlaps of one placed box with every candidate are computed
    once and reused.
    """

    def __init__(self, structure: Structure, candidates: dict[int, list], label_sizes, routes_geometry,
                 boxes: dict[str, Box]):
        self.start: dict[int, int] = {}
        self.stop: dict[int, int] = {}
        owner: list[int] = []
        penalty: list[float] = []
        self.centres: list[Point] = []
        self.sizes: list[tuple[float, float]] = []
        for i, found in candidates.items():
            if not found:
                continue
            w, h = label_sizes[structure.edges[i].label]
            self.start[i] = len(owner)
            owner += [i] * len(found)
            penalty += [p for p, _ in found]
            self.centres += [centre for _, centre in found]
            self.sizes += [(w + 0.06, h + 0.04)] * len(found)
            self.stop[i] = len(owner)
        self.size = len(owner)
        sides = _sides(np.array(self.centres, dtype=float).reshape(-1, 2),
                       np.array(self.sizes, dtype=float).reshape(-1, 2))
        obstacles = list(boxes.values())
        obstacle_sides = _sides(np.array([(b.x, b.y) for b in obstacles], dtype=float).reshape(-1, 2),
                                np.array([(b.width, b.height) for b in obstacles], dtype=float).reshape(-1, 2))
        self.node_hits = _overlap_counts(sides, obstacle_sides, _NODE_MARGIN)
        crossing = _weights_inside(sides, np.array(owner, dtype=np.int64), *_sample_arrays(routes_geometry))
        penalties = np.array(penalty, dtype=float)
        self.beside = penalties >= _BESIDE
        self.cost = crossing * 0.25 + penalties
        self._labels = _Margin(sides, _LABEL_MARGIN)
        self._overlapping: dict[int, np.ndarray] = {}

    def best(self, i: int, placed_hits: np.ndarray) -> tuple[int, int]:
        """The first candidate of label ``i`` with the least (hits, beside, cost), and its hits."""
        lo, hi = self.start[i], self.stop[i]
        hits = self.node_hits[lo:hi] + placed_hits[lo:hi]
        # lexsort is stable: among equal scores the first candidate in order wins
        k = int(np.lexsort((self.cost[lo:hi], self.beside[lo:hi], hits))[0])
        return lo + k, int(hits[k])

    def box(self, i: int, k: int) -> Box:
        """Candidate ``k`` (of arrow ``i``) as a label box."""
        (cx, cy), (w, h) = self.centres[k], self.sizes[k]
        return Box(f"label:{i}", "label", cx, cy, w, h)

    def overlapping(self, k: int) -> np.ndarray:
        """1 for every candidate that overlaps candidate ``k`` placed (at the labels' margin), else 0."""
        found = self._overlapping.get(k)
        if found is None:
            found = self._labels.overlapping(k)
            self._overlapping[k] = found
        return found


class _Margin:
    """Boxes (columns of ``_sides``) prepared for ``_overlap_counts`` against one of themselves at
    ``margin``: the same comparisons of the same numbers, each side grown once instead of per pair."""

    def __init__(self, sides: np.ndarray, margin: float):
        left, right, top, bottom = sides
        reach = 2 * margin
        qx0, qx1 = np.floor((left - reach) / _CELL), np.floor((right + reach) / _CELL)
        qy0, qy1 = np.floor((top - reach) / _CELL), np.floor((bottom + reach) / _CELL)
        # a query box whose cell range is empty finds nothing near it
        qx1 = np.where((qx0 <= qx1) & (qy0 <= qy1), qx1, -np.inf)
        # every test as "row <= value" (near) or "row < value" (overlap): negating is exact
        self.near = np.stack([-qx1, qx0, -qy1, qy0])
        self.over = np.stack([left - margin, -(right + margin), top - margin, -(bottom + margin)])
        sx0, sx1, sy0, sy1 = np.floor(sides / _CELL)
        # box k as the stored box: its cells (no cell when its range is empty) and grown sides
        self.empty = ~((sx0 <= sx1) & (sy0 <= sy1))
        self.near_of = np.stack([-sx0, sx1, -sy0, sy1]).T[:, :, None]
        self.over_of = np.stack([right + margin, -(left - margin), bottom + margin, -(top - margin)]).T[:, :, None]

    def overlapping(self, k: int) -> np.ndarray:
        """1 for every box that overlaps box ``k`` (both grown by the margin) and is near it, else 0."""
        if self.empty[k]:
            return np.zeros(self.near.shape[1], dtype=np.int64)
        near = (self.near <= self.near_of[k]).all(axis=0)
        over = (self.over < self.over_of[k]).all(axis=0)
        return (near & over).astype(np.int64)


def _sides(centres: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Left, right, top and bottom (rows) of boxes given by centres and sizes, as ``Box`` computes them."""
    x, y, w, h = centres[:, 0], centres[:, 1], sizes[:, 0], sizes[:, 1]
    return np.stack([x - w / 2, x + w / 2, y - h / 2, y + h / 2])


def _overlap_counts(query: np.ndarray, stored: np.ndarray, margin: float) -> np.ndarray:
    """For each query box (columns of ``_sides``), how many stored boxes overlap it when both are
    grown by ``margin`` (``Box.overlaps``), among those the grid finds near it: a stored box whose
    cell range meets the query's cell range grown by twice the margin."""
    ql, qr, qt, qb = (s[:, None] for s in query)
    sl, sr, st, sb = stored
    reach = 2 * margin
    qx0, qx1 = np.floor((ql - reach) / _CELL), np.floor((qr + reach) / _CELL)
    qy0, qy1 = np.floor((qt - reach) / _CELL), np.floor((qb + reach) / _CELL)
    sx0, sx1, sy0, sy1 = np.floor(sl / _CELL), np.floor(sr / _CELL), np.floor(st / _CELL), np.floor(sb / _CELL)
    near = ((sx0 <= qx1) & (qx0 <= sx1) & (sy0 <= qy1) & (qy0 <= sy1)
            & (sx0 <= sx1) & (sy0 <= sy1) & (qx0 <= qx1) & (qy0 <= qy1))
    overlap = ((ql - margin < sr + margin) & (sl - margin < qr + margin)
               & (qt - margin < sb + margin) & (st - margin < qb + margin))
    return np.count_nonzero(near & overlap, axis=1)


def _weights_inside(query: np.ndarray, owner: np.ndarray, xs: np.ndarray, ys: np.ndarray,
                    routes: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """For each query box (columns of ``_sides``), the summed weight of the points (``xs``, ``ys``)
    strictly inside it from routes other than its ``owner``.

    The weights are whole numbers (1 and 4), so the sums are exact in any order.
    """
    left, right, top, bottom = query
    by_x = np.argsort(xs, kind="stable")
    xs, ys, routes, weights = xs[by_x], ys[by_x], routes[by_x], weights[by_x]
    # the points with left < x < right are the run [lo, hi) of the points sorted by x
    lo = np.searchsorted(xs, left, side="right")
    hi = np.searchsorted(xs, right, side="left")
    counts = np.maximum(hi - lo, 0)
    box = np.repeat(np.arange(len(lo)), counts)
    point = np.arange(int(counts.sum())) + np.repeat(lo - (np.cumsum(counts) - counts), counts)
    inside = (top[box] < ys[point]) & (ys[point] < bottom[box]) & (routes[point] != owner[box])
    return np.bincount(box[inside], weights=weights[point[inside]], minlength=len(lo)).astype(float)


# The Bézier weights of the points sampled along every route segment (t = j / 12), in the
# arithmetic of ``bezier_point``, so the sampled points are the points it gives.
_PER_SEGMENT = 12
_SAMPLE_WEIGHTS = np.array([((1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3)
                            for t in (j / _PER_SEGMENT for j in range(_PER_SEGMENT + 1))]).T


def _sample_arrays(routes_geometry) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Points along every route (x, y, route index, weight): each segment at t = 0, 1/12, ... 1,
    the last segment's last three points (the arrowhead) weighing 4, the others 1."""
    segments, routes, heads = [], [], []
    for j, segs in routes_geometry.items():
        segments.extend(segs)
        routes.extend([j] * len(segs))
        heads.extend([False] * (len(segs) - 1) + [True])
    n = _PER_SEGMENT + 1
    if not segments:
        empty = np.zeros(0)
        return empty, empty, np.zeros(0, dtype=np.int64), empty
    control = np.array(segments, dtype=float)          # segment, control point, coordinate
    a, b, c, d = (w[None, :] for w in _SAMPLE_WEIGHTS)
    p0, p1, p2, p3 = (control[:, k, :, None] for k in range(4))
    # summed in bezier_point's order: the same floating-point result
    xs = a * p0[:, 0] + b * p1[:, 0] + c * p2[:, 0] + d * p3[:, 0]
    ys = a * p0[:, 1] + b * p1[:, 1] + c * p2[:, 1] + d * p3[:, 1]
    near_head = np.array(heads)[:, None] & (np.arange(n) >= _PER_SEGMENT - 2)[None, :]
    weights = np.where(near_head, 4.0, 1.0)
    return (xs.ravel(), ys.ravel(), np.repeat(np.array(routes, dtype=np.int64), n), weights.ravel())


def _label_candidates(i, segments, gap, column_bounds, arcs_top, structure, rank):
    """Label centres to try, each with a small penalty for leaving the preferred spot."""
    if i in arcs_top or structure.edges[i].source == structure.edges[i].target:
        return [(0.0, _at(segments[0], 0.5))]
    if gap is None:
        out = []
        for j, seg in enumerate(segments):
            straight = abs(seg[0][1] - seg[3][1]) < 1e-9 and len(segments) > 1
            for t in ((0.5,) if straight else (0.5, 0.4, 0.6)):
                out.append(((0.0 if straight else 0.6) + abs(t - 0.5) + 0.01 * j, _at(seg, t)))
        return out
    right_of_gap = column_bounds(gap)[1]
    left_of_next = column_bounds(gap + 1)[0]
    in_gap = next((s for s in segments if min(s[0][0], s[3][0]) >= right_of_gap - 1e-6
                   and max(s[0][0], s[3][0]) <= left_of_next + 1e-6), segments[len(segments) // 2])
    out = [(0.0, _point_at_x(in_gap, (right_of_gap + left_of_next) / 2))]
    for t in _ALONG:
        out.append((abs(t - 0.5), _at(in_gap, t)))
    return out


# Where along its segment in the gap a label is tried after the gap's middle, best first.
_ALONG = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8)


def _weights(t: float) -> tuple[float, float, float, float]:
    """The Bernstein weights of a cubic Bézier at ``t``, in ``bezier_point``'s arithmetic."""
    return (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3


# The weights at the t tried for labels and at the first ten halvings of ``_point_at_x``'s
# bisection (those t are exact binary fractions, the same at every call): computing them is most
# of the time a label's candidates take.
_HALVINGS = ((2 * j + 1) / 2 ** n for n in range(1, 11) for j in range(2 ** (n - 1)))
_WEIGHTS = {t: _weights(t) for t in {*_ALONG, *_HALVINGS}}


def _at(segment, t: float) -> Point:
    """``bezier_point(segment, t)``, bit for bit, with the weights of the common ``t`` looked up."""
    w = _WEIGHTS.get(t)
    if w is None:
        return bezier_point(segment, t)
    a, b, c, d = w
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = segment
    return (a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3)


def _point_at_x(segment, x: float) -> Point:
    """The point of a segment running left to right (or right to left) where it reaches ``x``: a
    label centred in its gap has the same room on both sides (the curve's middle is often not the
    gap's, the arrow leaving a port off-centre), which the gaps are sized for."""
    lo, hi = 0.0, 1.0
    x0, x1, x2, x3 = segment[0][0], segment[1][0], segment[2][0], segment[3][0]
    rising = x3 >= x0
    for _ in range(24):
        mid = (lo + hi) / 2
        # bezier_point's x, the same arithmetic in the same order (inlined: this loop is hot)
        a, b, c, d = _WEIGHTS.get(mid) or _weights(mid)
        if (a * x0 + b * x1 + c * x2 + d * x3 < x) == rising:
            lo = mid
        else:
            hi = mid
    return _at(segment, (lo + hi) / 2)
