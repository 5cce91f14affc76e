"""Tests of arrow-label placement (pathways/layout/labels.py): which candidate wins, what counts as
a hit, and that the array-based placement (issue 21, item 4) gives the boxes of the per-candidate
placement it replaced, bit for bit."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_layout import random_pathway_graphs

import sarcoma_sim.pathways.layout as layout_module
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.layout import Box, DiagramEdge, Structure, bezier_point, labels, layered_layout
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype

from helpers.budget import examples, heavy_matrix

LABEL = (0.94, 0.26)       # a label's (width, height): its box is 0.94 + 0.06 = 1.0 wide


def place(candidates: dict[int, list], obstacles=(), monkeypatch=None):
    """``_place_labels`` for arrows whose candidate centres are given (arrow i gets ``candidates[i]``)."""
    edges = tuple(DiagramEdge("a", "b", (i,), f"label {i}") for i in range(len(candidates)))
    structure = Structure(("a", "b"), (), edges)
    # the arrows run far below everything, so no candidate covers one
    routes = {i: [((0.0, 100.0 + i), (1.0, 100.0 + i), (2.0, 100.0 + i), (3.0, 100.0 + i))] for i in candidates}
    monkeypatch.setattr(labels, "_label_candidates", lambda i, *rest: list(candidates[i]))
    return labels._place_labels(structure, routes, {b.id: b for b in obstacles}, {e.label: LABEL for e in edges},
                                {}, None, {}, {})


def test_among_equal_scores_the_first_candidate_wins(monkeypatch):
    """Two free spots with the same penalty: the label takes the one tried first, not the later."""
    boxes, collisions = place({0: [(0.0, (0.0, 0.0)), (0.0, (5.0, 0.0)), (0.0, (10.0, 0.0))]},
                              monkeypatch=monkeypatch)
    assert (boxes[0].x, boxes[0].y, collisions) == (0.0, 0.0, 0)


def test_a_spot_hitting_a_node_loses_to_a_free_one_with_any_penalty(monkeypatch):
    """Hits come before penalties; between the free spots with equal penalty the first wins."""
    node = Box("n", "state", 0.0, 0.0, 1.0, 1.0)
    boxes, collisions = place({0: [(0.0, (0.0, 0.0)), (0.3, (5.0, 0.0)), (0.3, (10.0, 0.0))]}, [node],
                              monkeypatch=monkeypatch)
    assert (boxes[0].x, collisions) == (5.0, 0)


def touching_x(obstacle: Box, margin: float) -> float:
    """The smallest label centre x (right of ``obstacle``) whose box, grown by ``margin``, does not
    overlap the obstacle grown by ``margin`` (``Box.overlaps``), found to the last bit."""
    width = LABEL[0] + 0.06

    def hits(x):
        return Box("l", "label", x, obstacle.y, width, LABEL[1] + 0.04).overlaps(obstacle, margin)

    x = obstacle.right + 2 * margin + width / 2
    while hits(x):
        x = math.nextafter(x, math.inf)
    while not hits(math.nextafter(x, -math.inf)):
        x = math.nextafter(x, -math.inf)
    return x


def test_a_label_touching_a_node_at_the_margin_is_free_and_one_bit_closer_hits_it(monkeypatch):
    """Margins of 0.03 on both sides, strict: a label exactly touching counts no hit; one bit closer counts one."""
    node = Box("n", "state", 0.0, 0.0, 2.0, 1.0)
    x = touching_x(node, 0.03)
    assert place({0: [(0.0, (x, 0.0))]}, [node], monkeypatch=monkeypatch)[1] == 0
    assert place({0: [(0.0, (math.nextafter(x, -math.inf), 0.0))]}, [node], monkeypatch=monkeypatch)[1] == 1


def test_labels_touching_at_their_margin_do_not_collide_and_one_bit_closer_do(monkeypatch):
    """Labels keep 0.07 from each other: exactly touching at that margin is no collision; one bit closer is one."""
    first = Box("l", "label", 0.0, 0.0, LABEL[0] + 0.06, LABEL[1] + 0.04)
    x = touching_x(first, 0.07)
    assert place({0: [(0.0, (0.0, 0.0))], 1: [(0.0, (x, 0.0))]}, monkeypatch=monkeypatch)[1] == 0
    closer = math.nextafter(x, -math.inf)
    assert place({0: [(0.0, (0.0, 0.0))], 1: [(0.0, (closer, 0.0))]}, monkeypatch=monkeypatch)[1] == 1


def test_a_label_with_no_free_spot_on_its_arrow_goes_beside_it(monkeypatch):
    """Every spot on the arrow hits a node: the label goes above it (first beside spot), with no collision."""
    node = Box("n", "state", 2.0, 0.2, 6.0, 0.3)     # under the arrow's spots, clear of the spots above
    boxes, collisions = place({0: [(0.0, (0.0, 0.0)), (0.1, (1.0, 0.0))]}, [node], monkeypatch=monkeypatch)
    assert collisions == 0
    assert (boxes[0].x, boxes[0].y) == (0.0, -(LABEL[1] / 2 + 0.04))


def test_a_label_stays_on_its_arrow_when_beside_it_hits_as_much(monkeypatch):
    """Every spot, beside ones included, hits a node: the label stays on its arrow's first spot and collides."""
    node = Box("n", "state", 2.0, 0.0, 6.0, 2.0)
    boxes, collisions = place({0: [(0.0, (0.0, 0.0)), (0.1, (1.0, 0.0))]}, [node], monkeypatch=monkeypatch)
    assert (boxes[0].x, boxes[0].y, collisions) == (0.0, 0.0, 1)


def test_a_label_that_collided_is_placed_first_on_the_second_pass(monkeypatch):
    """A label that collided goes first on the second pass; the one it hit moves, and nothing collides."""
    boxes, collisions = place({0: [(0.0, (0.0, 0.0)), (0.5, (5.0, 0.0))], 1: [(0.0, (0.0, 0.0))]},
                              monkeypatch=monkeypatch)
    assert collisions == 0
    assert (boxes[0].x, boxes[1].x) == (5.0, 0.0)


# --- the arrays against full scans --------------------------------------------------------------

coordinate = st.floats(min_value=-5, max_value=20, allow_nan=False)
size = st.floats(min_value=0.01, max_value=4, allow_nan=False)
boxes_st = st.builds(lambda x, y, w, h: Box("b", "label", x, y, w, h), coordinate, coordinate, size, size)


def sides(boxes):
    import numpy as np

    return labels._sides(np.array([(b.x, b.y) for b in boxes], dtype=float).reshape(-1, 2),
                         np.array([(b.width, b.height) for b in boxes], dtype=float).reshape(-1, 2))


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(boxes_st, max_size=30), st.lists(boxes_st, min_size=1, max_size=10),
       st.sampled_from([0.0, 0.03, 0.07]))
def test_overlap_counts_are_those_of_box_overlaps(stored, queries, margin):
    """The counts (and ``_Margin``'s, box by box) are those of ``Box.overlaps`` at the margin."""
    counts = labels._overlap_counts(sides(queries), sides(stored), margin)
    assert counts.tolist() == [sum(q.overlaps(s, margin) for s in stored) for q in queries]
    prepared = labels._Margin(sides(queries), margin)
    for k, box in enumerate(queries):
        assert prepared.overlapping(k).tolist() == [int(q.overlaps(box, margin)) for q in queries]


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.tuples(coordinate, coordinate, st.integers(0, 4), st.sampled_from([1.0, 4.0])), max_size=80),
       st.lists(st.tuples(boxes_st, st.integers(0, 4)), min_size=1, max_size=10))
def test_weights_inside_are_those_of_a_full_scan(points, queries):
    """Each box sums exactly the weights of the points strictly inside it from routes other than its own."""
    import numpy as np

    xs, ys, routes, weights = (np.array([p[k] for p in points], dtype=dtype)
                               for k, dtype in enumerate((float, float, np.int64, float)))
    got = labels._weights_inside(sides([b for b, _ in queries]), np.array([o for _, o in queries]), xs, ys,
                                 routes, weights)
    expected = [sum(w for x, y, r, w in points if r != owner and b.left < x < b.right and b.top < y < b.bottom)
                for b, owner in queries]
    assert got.tolist() == expected


def test_sampled_route_points_are_bezier_points():
    """Sampled points are ``bezier_point``'s at t = j/12, bit for bit; the arrowhead's three weigh 4, others 1."""
    segment = ((0.1, 0.7), (1.3, -0.2), (2.9, 3.3), (4.1, 1.9))
    other = ((4.1, 1.9), (5.0, 1.9), (6.0, 2.5), (7.3, 2.5))
    xs, ys, routes, weights = labels._sample_arrays({3: [segment, other], 5: [other]})
    expected = [(bezier_point(s, j / 12), r, 4.0 if last and j >= 10 else 1.0)
                for r, segs in ((3, [segment, other]), (5, [other]))
                for n, s in enumerate(segs) for j in range(13) for last in [n == len(segs) - 1]]
    assert list(zip(zip(xs.tolist(), ys.tolist()), routes.tolist(), weights.tolist())) == expected


@given(st.floats(0, 1))
def test_candidate_points_are_bezier_points(t):
    """The looked-up weights give ``bezier_point`` bit for bit, at the common t and any other."""
    segment = ((0.1, 0.7), (1.3, -0.2), (2.9, 3.3), (4.1, 1.9))
    for u in (t, *labels._ALONG, 0.25, 0.375, 1 / 1024):
        assert labels._at(segment, u) == bezier_point(segment, u)


# --- the placement it replaced ------------------------------------------------------------------

def reference_place_labels(structure, routes_geometry, boxes, label_sizes, label_gap, column_bounds, arcs_top, rank):
    """``_place_labels`` as it was before issue 21 (item 4): each candidate scored on its own, box by box."""
    order = sorted(range(len(structure.edges)), key=lambda i: (i not in arcs_top, i))
    points = [(x, y, j, weight) for j, segs in routes_geometry.items() for n, s in enumerate(segs)
              for k in range(13) for weight in [4.0 if n == len(segs) - 1 and k >= 10 else 1.0]
              for x, y in [bezier_point(s, k / 12)]]
    obstacles = list(boxes.values())
    candidates = {}
    for i, edge in enumerate(structure.edges):
        if edge.label:
            h = label_sizes[edge.label][1]
            found = reference_candidates(i, routes_geometry[i], label_gap.get(i), column_bounds, arcs_top,
                                         structure)
            if len(found) > 1:
                found = found + [(penalty + 5.0, (x, y + side * (h / 2 + 0.04)))
                                 for penalty, (x, y) in found for side in (-1, 1)]
            candidates[i] = found

    def near(box, other, margin):
        # the old grid's test: the cells the stored box covers meet those of the box grown by 2 * margin
        cell = labels._CELL
        reach = 2 * margin
        ranges = [(math.floor(other.left / cell), math.floor(other.right / cell),
                   math.floor((box.left - reach) / cell), math.floor((box.right + reach) / cell)),
                  (math.floor(other.top / cell), math.floor(other.bottom / cell),
                   math.floor((box.top - reach) / cell), math.floor((box.bottom + reach) / cell))]
        return all(s0 <= s1 and q0 <= q1 and s0 <= q1 and q0 <= s1 for s0, s1, q0, q1 in ranges)

    def count(box, stored, margin):
        return sum(near(box, o, margin) and box.overlaps(o, margin) for o in stored)

    def place(order):
        placed, label_boxes, colliding = [], {}, []
        for i in order:
            edge = structure.edges[i]
            if not edge.label:
                label_boxes[i] = None
                continue
            w, h = label_sizes[edge.label]
            best, best_score = None, None
            for penalty, (cx, cy) in candidates[i]:
                box = Box(f"label:{i}", "label", cx, cy, w + 0.06, h + 0.04)
                hits = count(box, obstacles, 0.03) + count(box, placed, 0.07)
                crossing = sum(wt for x, y, r, wt in points
                               if r != i and box.left < x < box.right and box.top < y < box.bottom)
                score = (hits, penalty >= 5.0, crossing * 0.25 + penalty)
                if best_score is None or score < best_score:
                    best, best_score = box, score
            if best_score is not None and best_score[0]:
                colliding.append(i)
            label_boxes[i] = best
            if best is not None:
                placed.append(best)
        return label_boxes, colliding

    label_boxes, colliding = place(order)
    if colliding:
        again = place(colliding + [i for i in order if i not in colliding])
        if len(again[1]) < len(colliding):
            label_boxes, colliding = again
    return label_boxes, len(colliding)


def reference_candidates(i, segments, gap, column_bounds, arcs_top, structure):
    """``_label_candidates`` as it was before issue 21 (item 4), every point from ``bezier_point``."""
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
    segment, x = in_gap[0], (right_of_gap + left_of_next) / 2
    lo, hi = 0.0, 1.0
    rising = segment[3][0] >= segment[0][0]
    for _ in range(24):
        mid = (lo + hi) / 2
        if (bezier_point(segment, mid)[0] < x) == rising:
            lo = mid
        else:
            hi = mid
    out = [(0.0, bezier_point(segment, (lo + hi) / 2))]
    for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
        out.append((abs(t - 0.5), bezier_point(in_gap[0], t)))
    return out


def layouts_both_ways(graph, monkeypatch, **options):
    """The layout of ``graph`` with the label placement of today, then with the reference, and
    every label placement's result from each (in call order)."""
    results = defaultdict(list)
    current = layout_module._place_labels
    for name, function in (("now", current), ("before", reference_place_labels)):
        def recorded(*args, function=function, name=name):
            results[name].append(function(*args))
            return results[name][-1]

        monkeypatch.setattr(layout_module, "_place_labels", recorded)
        results[name + " layout"].append(layered_layout(graph, **options))
    monkeypatch.setattr(layout_module, "_place_labels", current)
    return results


@pytest.mark.parametrize("direction", ["right", "down"])
@pytest.mark.parametrize("subtype", heavy_matrix(SUBTYPE_IDS, keep=("imt",)))
def test_shipped_labels_are_placed_as_before_bit_for_bit(subtype, direction, monkeypatch):
    """Every label placement of a subtype's layout (each spacing tried) gives the reference's boxes and count."""
    results = layouts_both_ways(build_graph(load_subtype(subtype)), monkeypatch, direction=direction)
    assert repr(results["now"]) == repr(results["before"])
    assert repr(results["now layout"]) == repr(results["before layout"])


@settings(max_examples=examples(30), deadline=None)
@given(random_pathway_graphs())
def test_random_pathways_place_labels_as_before_bit_for_bit(graph):
    """On any pathway-shaped graph, every label placement gives the reference's boxes and count, to the bit."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        results = layouts_both_ways(graph, monkeypatch, attempts=2)
    assert repr(results["now"]) == repr(results["before"])
