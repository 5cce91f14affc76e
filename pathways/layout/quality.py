"""How good a drawn layout is, measured the same way for the project's layout and for Graphviz ``dot``.

Every arrow becomes a polyline (each cubic Bézier segment sampled at ``SAMPLES`` steps); a
*crossing* is a point where the polylines of two different arrows intersect outside every node box
(arrows meeting at a shared box's ports are not crossings). Edge length is the sum of the
polylines' lengths; area is the drawing's bounding box. All in inches.

``dot_drawing`` runs ``dot -Tjson`` on the DOT export (title removed, ``rankdir`` as asked) and
reads its node boxes and edge splines, so both drawings are measured by ``measure``. Pure Python.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import Sequence

Point = tuple[float, float]
Rect = tuple[float, float, float, float]   # left, top, right, bottom

SAMPLES = 12
NODE_MARGIN = 0.03


@dataclass(frozen=True)
class Drawing:
    """What ``measure`` needs: node rectangles, each arrow's cubic Bézier control points, the extent."""

    nodes: tuple[Rect, ...]
    arrows: tuple[tuple[Point, ...], ...]   # 1 + 3k control points each
    width: float
    height: float


@dataclass(frozen=True)
class Quality:
    """Crossings between arrows, total arrow length (in) and drawing area (sq in)."""

    crossings: int
    length: float
    area: float


def _bezier(p0: Point, p1: Point, p2: Point, p3: Point, steps: int) -> list[Point]:
    out = []
    for i in range(1, steps + 1):
        t = i / steps
        a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
        out.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return out


def polyline(controls: Sequence[Point], steps: int = SAMPLES) -> list[Point]:
    """The polyline of a piecewise cubic Bézier given by its ``1 + 3k`` control points."""
    points = [tuple(controls[0])]
    for i in range(0, len(controls) - 3, 3):
        p0, p1, p2, p3 = controls[i:i + 4]
        points += _bezier(p0, p1, p2, p3, steps)
    return points  # type: ignore[return-value]


def _intersection(a: Point, b: Point, c: Point, d: Point) -> Point | None:
    rx, ry = b[0] - a[0], b[1] - a[1]
    sx, sy = d[0] - c[0], d[1] - c[1]
    den = rx * sy - ry * sx
    if abs(den) < 1e-12:
        return None
    qx, qy = c[0] - a[0], c[1] - a[1]
    t = (qx * sy - qy * sx) / den
    u = (qx * ry - qy * rx) / den
    if 0 <= t < 1 and 0 <= u < 1:
        return a[0] + t * rx, a[1] + t * ry
    return None


def _inside(point: Point, rects: Sequence[Rect]) -> bool:
    x, y = point
    return any(r[0] - NODE_MARGIN <= x <= r[2] + NODE_MARGIN and r[1] - NODE_MARGIN <= y <= r[3] + NODE_MARGIN
               for r in rects)


def _bounds(points: Sequence[Point]) -> Rect:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def crossings(lines: Sequence[Sequence[Point]], nodes: Sequence[Rect]) -> int:
    """Points where two different polylines intersect outside every node rectangle."""
    bounds = [_bounds(line) for line in lines]
    count = 0
    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            bi, bj = bounds[i], bounds[j]
            if bi[2] < bj[0] or bj[2] < bi[0] or bi[3] < bj[1] or bj[3] < bi[1]:
                continue
            for a, b in zip(lines[i], lines[i][1:]):
                for c, d in zip(lines[j], lines[j][1:]):
                    point = _intersection(a, b, c, d)
                    if point is not None and not _inside(point, nodes):
                        count += 1
    return count


def measure(drawing: Drawing) -> Quality:
    """Crossings, total arrow length and area of ``drawing``."""
    lines = [polyline(a) for a in drawing.arrows if len(a) >= 4]
    length = sum(((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5 for line in lines for a, b in zip(line, line[1:]))
    return Quality(crossings(lines, drawing.nodes), round(float(length), 1),
                   round(float(drawing.width * drawing.height), 1))


def layout_drawing(layout) -> Drawing:
    """The project's ``Layout`` as a ``Drawing`` (state boxes and decision points are nodes)."""
    nodes = tuple((b.left, b.top, b.right, b.bottom) for b in layout.boxes.values())
    arrows = tuple(tuple(r.points) for r in layout.routes)
    return Drawing(nodes, arrows, layout.width, layout.height)


def dot_drawing(dot_text: str, direction: str = "right", dot: str = "dot") -> Drawing:
    """Graphviz ``dot``'s drawing of a DOT text (``direction`` "right": LR, "down": TB)."""
    rankdir = "TB" if direction == "down" else "LR"
    text = dot_text.replace("rankdir=\"LR\"", f"rankdir=\"{rankdir}\"")
    run = subprocess.run([dot, "-Tjson", f"-Grankdir={rankdir}", "-Glabel="], input=text.encode("utf-8"),
                         capture_output=True, check=True, timeout=120)
    data = json.loads(run.stdout)
    _, _, right, top = (float(v) for v in data["bb"].split(","))

    def point(x: float, y: float) -> Point:
        return x / 72, (top - y) / 72   # points to inches, y downwards

    nodes = []
    for obj in data.get("objects", []):
        if "pos" not in obj or "width" not in obj:
            continue
        x, y = point(*(float(v) for v in obj["pos"].split(",")))
        w, h = float(obj["width"]), float(obj["height"])
        nodes.append((x - w / 2, y - h / 2, x + w / 2, y + h / 2))
    arrows = []
    for edge in data.get("edges", []):
        for spline in str(edge.get("pos", "")).split(";"):
            pts = [point(*(float(v) for v in p.split(","))) for p in spline.split()
                   if not p.startswith(("e,", "s,"))]
            if len(pts) >= 4:
                arrows.append(tuple(pts))
    return Drawing(tuple(nodes), tuple(arrows), right / 72, top / 72)
