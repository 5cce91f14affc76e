"""The shapes of a placed diagram: boxes, routed arrows, column bands, spacings and the layout.

Coordinates are inches with y growing downwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sarcoma_sim.pathways.layout.structure import DiagramEdge, Structure

STATE = "state"
DECISION = "decision"

Point = tuple[float, float]
Segment = tuple[Point, Point, Point, Point]


@dataclass(frozen=True)
class Box:
    """A rectangle centred on (x, y): a state's box, a decision point, or a label."""

    id: str
    kind: str
    x: float
    y: float
    width: float
    height: float
    column: int = -1

    @property
    def left(self) -> float:
        """Smallest x."""
        return self.x - self.width / 2

    @property
    def right(self) -> float:
        """Largest x."""
        return self.x + self.width / 2

    @property
    def top(self) -> float:
        """Smallest y (y grows downwards)."""
        return self.y - self.height / 2

    @property
    def bottom(self) -> float:
        """Largest y."""
        return self.y + self.height / 2

    def overlaps(self, other: "Box", margin: float = 0.0) -> bool:
        """Whether the two rectangles, each grown by ``margin``, intersect."""
        return (self.left - margin < other.right + margin and other.left - margin < self.right + margin
                and self.top - margin < other.bottom + margin and other.top - margin < self.bottom + margin)


@dataclass(frozen=True)
class Route:
    """An arrow's path (cubic Bézier segments, source to target) and its label's place."""

    edge: DiagramEdge
    segments: tuple[Segment, ...]
    label_box: Box | None

    @property
    def points(self) -> list[Point]:
        """Every control point, in order (the path starts at the first and ends at the last)."""
        out = [self.segments[0][0]]
        for seg in self.segments:
            out.extend(seg[1:])
        return out


@dataclass(frozen=True)
class Band:
    """A header over adjacent columns: "Workup", "First line", ..., "End". ``columns`` are the
    extents along the lines of therapy (left to right, or top to bottom when the layout runs down)
    of each column it spans, in order, each starting where the one before ends; ``left`` and
    ``right`` are the band's ends in the same axis."""

    title: str
    columns: tuple[tuple[float, float], ...]

    @property
    def left(self) -> float:
        """Where the band starts along the lines (its top, running down)."""
        return self.columns[0][0]

    @property
    def right(self) -> float:
        """Where the band ends along the lines (its bottom, running down)."""
        return self.columns[-1][1]


@dataclass(frozen=True)
class Spacing:
    """Distances of the layout in inches (the layout widens them when labels do not fit)."""

    node_gap: float = 0.55
    dummy_gap: float = 0.35
    min_column_gap: float = 0.55
    label_margin: float = 0.24
    min_node_width: float = 1.4
    decision_size: float = 0.34
    arc_rise: float = 0.32
    port_step: float = 0.13
    margin: float = 0.12
    # running right, the least gap above a line's state stacked under a state of no line in its
    # column, room for the band's header between them (``draw.shapes``); 0: none kept
    band_header: float = 0.0


@dataclass(frozen=True)
class Layout:
    """The placed diagram: boxes of states and decisions, routed arrows, column bands, extent."""

    structure: Structure
    boxes: dict[str, Box]
    routes: tuple[Route, ...]
    bands: tuple[Band, ...]
    columns: dict[str, int]
    width: float
    height: float
    collisions: int = 0
    spacing: Spacing = field(default_factory=Spacing)
    # "right": columns left to right, bands are x ranges; "down": rows top to bottom (a guideline
    # figure, lines of therapy as horizontal bands), bands are y ranges
    direction: str = "right"
