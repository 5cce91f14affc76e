"""The paths of the arrows: cubic Bézier curves between ports spread on the sides of the nodes.

Forward arrows run left to right through their placeholders; back edges between adjacent columns
arc over the top of their nodes, longer ones run back along their placeholders.
"""

from __future__ import annotations

from collections import defaultdict

from sarcoma_sim.pathways.layout.geometry import DECISION, Box, Point, Segment, Spacing
from sarcoma_sim.pathways.layout.structure import Structure


def _top_arcs(structure: Structure, rank: dict[str, int]) -> dict[int, bool]:
    """The back edges (by index) drawn as an arc over the top: those between adjacent columns."""
    arcs_top = {}
    for i, edge in enumerate(structure.edges):
        if edge.back and abs(rank[edge.source] - rank[edge.target]) <= 1:
            arcs_top[i] = True
    return arcs_top


def _route_segments(structure: Structure, chains, boxes, y, column_bounds, spacing: Spacing,
                    arcs_top) -> dict[int, list[Segment]]:
    """The path of every arrow (by index)."""
    out_ports, in_ports = _ports(structure, chains, boxes, y, spacing, arcs_top)
    routes_geometry: dict[int, list[Segment]] = {}
    for i, (edge, chain) in enumerate(zip(structure.edges, chains)):
        if edge.source == edge.target:
            routes_geometry[i] = _self_loop(boxes[edge.source], spacing)
        elif i in arcs_top:
            routes_geometry[i] = _arc(boxes[edge.source], boxes[edge.target], spacing)
        elif edge.back:
            routes_geometry[i] = _back_route(chain, boxes, y, column_bounds, spacing)
        else:
            routes_geometry[i] = _forward_route(i, chain, boxes, y, column_bounds, out_ports, in_ports)
    return routes_geometry


def _ports(structure, chains, boxes, y, spacing, arcs_top):
    """Where each arrow leaves and enters a state: spread along the side, ordered by direction."""
    leaving: dict[str, list] = defaultdict(list)
    entering: dict[str, list] = defaultdict(list)
    for i, (edge, chain) in enumerate(zip(structure.edges, chains)):
        if edge.back or edge.source == edge.target:
            continue
        leaving[edge.source].append((y[chain[1]], i))
        entering[edge.target].append((y[chain[-2]], i))
    out_ports, in_ports = {}, {}
    for ports, table in ((out_ports, leaving), (in_ports, entering)):
        for node, items in table.items():
            box = boxes[node]
            items.sort()
            if box.kind == DECISION or len(items) == 1:
                for _, i in items:
                    ports[i] = box.y
                continue
            step = min(spacing.port_step, box.height * 0.6 / (len(items) - 1))
            start = box.y - step * (len(items) - 1) / 2
            for j, (_, i) in enumerate(items):
                ports[i] = start + j * step
    return out_ports, in_ports


def _s_curve(p0: Point, p1: Point) -> Segment:
    dx = (p1[0] - p0[0]) / 2
    return (p0, (p0[0] + dx, p0[1]), (p1[0] - dx, p1[1]), p1)


def _straight(p0: Point, p1: Point) -> Segment:
    return (p0, (p0[0] + (p1[0] - p0[0]) / 3, p0[1] + (p1[1] - p0[1]) / 3),
            (p0[0] + 2 * (p1[0] - p0[0]) / 3, p0[1] + 2 * (p1[1] - p0[1]) / 3), p1)


def _forward_route(i, chain, boxes, y, column_bounds, out_ports, in_ports) -> list[Segment]:
    source, target = boxes[chain[0]], boxes[chain[-1]]
    points: list[tuple[Point, Point]] = []
    for item in chain[1:-1]:
        left, right = column_bounds(item[2])
        points.append(((left, y[item]), (right, y[item])))
    start = (source.right, out_ports.get(i, source.y))
    end = (target.left, in_ports.get(i, target.y))
    segments = []
    current = start
    for entry, exit_ in points:
        segments.append(_s_curve(current, entry))
        segments.append(_straight(entry, exit_))
        current = exit_
    segments.append(_s_curve(current, end))
    return segments


def _arc(source: Box, target: Box, spacing: Spacing) -> list[Segment]:
    """An arc over the top from ``source`` to ``target`` (adjacent columns, either direction)."""
    inset_s = source.width * 0.22
    inset_t = target.width * 0.22
    if source.x >= target.x:
        x0, x1 = source.left + inset_s, target.right - inset_t
    else:
        x0, x1 = source.right - inset_s, target.left + inset_t
    y0, y1 = source.top, target.top
    peak = min(y0, y1) - spacing.arc_rise
    lift = (peak - min(y0, y1)) * 4 / 3
    return [((x0, y0), (x0, min(y0, y1) + lift), (x1, min(y0, y1) + lift), (x1, y1))]


def _self_loop(box: Box, spacing: Spacing) -> list[Segment]:
    x0, x1 = box.x + box.width * 0.15, box.x - box.width * 0.15
    top = box.top - spacing.arc_rise * 4 / 3
    return [((x0, box.top), (x0 + 0.3, top), (x1 - 0.3, top), (x1, box.top))]


def _back_route(chain, boxes, y, column_bounds, spacing) -> list[Segment]:
    """A back edge across several columns: up out of its source, along its placeholders, down in."""
    source, target = boxes[chain[0]], boxes[chain[-1]]
    dummies = chain[1:-1]
    first_y, last_y = y[dummies[0]], y[dummies[-1]]
    start = (source.left + source.width * 0.22, source.top if first_y < source.y else source.bottom)
    end = (target.right - target.width * 0.22, target.top if last_y < target.y else target.bottom)
    segments = []
    right0 = column_bounds(dummies[0][2])[1]
    segments.append((start, (start[0], first_y), (right0 + (start[0] - right0) / 2, first_y), (right0, first_y)))
    current = (right0, first_y)
    for item in dummies:
        left, right = column_bounds(item[2])
        if abs(current[0] - right) > 1e-9:
            segments.append(_s_curve(current, (right, y[item])))
        segments.append(_straight((right, y[item]), (left, y[item])))
        current = (left, y[item])
    segments.append((current, (end[0] + (current[0] - end[0]) / 2, current[1]), (end[0], current[1]), end))
    return segments


def bezier_point(segment: Segment, t: float) -> Point:
    """The point at parameter ``t`` (0..1) of a cubic Bézier segment."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = segment
    a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
    return (a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3)
