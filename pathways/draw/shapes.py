"""The diagram drawn on matplotlib axes from its layout: bands (or rows) of lines, arrows with their
labels, state boxes and decision diamonds, a highlighted path's steps numbered."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sarcoma_sim.pathways.draw.diagram import _title_weight
from sarcoma_sim.pathways.draw.style import (
    BAND_HEADER_GAP,
    EDGE_COLOUR,
    FADED,
    HIGHLIGHT_COLOUR,
    PAD,
    STRAY_GAP,
    Typography,
    _style_of,
)
from sarcoma_sim.pathways.layout import DECISION, Band, Layout, drawn_line, is_stray, node_text


def _draw_bands(ax, graph, layout: Layout, ox: float, oy: float, top: float, bottom: float, t: Typography,
                header_height: float) -> None:
    """The bands of a layout running right: a shaded column per line of therapy, its header on top.

    A state of no line that shares a line's columns (the imaging after a resection beside the
    second line's drugs) is left outside its band where it stands wholly above or below the
    line's states, in the band's columns together or column by column (``band_shape``): the band
    starts (its header with it) below it, or ends above it. Otherwise the band spans the diagram's
    height, less a gap where the state stands (``BandShape.holes``)."""
    for i, band in enumerate(layout.bands):
        shade = "#F2F4F7" if i % 2 == 0 else "#FAFBFC"
        shape = band_shape(graph, layout, band, (top - oy, bottom - oy), header_height)
        _shade(ax, shape, lambda along, across: (ox + along, oy + across), shade, band.title)
        along, start = shape.header
        ax.text(ox + along, oy + start + 0.06, band.title, ha="center", va="top",
                fontsize=t.header, fontweight="bold", color="#44505C", zorder=1, parse_math=False,
                gid=f"header:{band.title}")


def _shade(ax, shape: "BandShape", place, colour: str, title: str) -> None:
    """One patch shading ``shape`` (``place`` maps layout (along, across) to the axes), its holes
    left white: each hole is wound against the outline, so the non-zero rule leaves it unfilled."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    rings = [shape.outline()] + [[(left, start), (left, end), (right, end), (right, start)]
                                 for left, right, start, end in shape.holes]
    outer = _signed_area(rings[0])
    vertices, codes = [], []
    for n, ring in enumerate(rings):
        if n and (_signed_area(ring) > 0) == (outer > 0):
            ring = ring[::-1]
        vertices += [place(*corner) for corner in ring] + [place(*ring[0])]
        codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 1) + [MplPath.CLOSEPOLY]
    ax.add_patch(PathPatch(MplPath(vertices, codes), facecolor=colour, edgecolor="none", zorder=0,
                           gid=f"band:{title}"))


def _signed_area(ring: list[tuple[float, float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1])) / 2


@dataclass(frozen=True)
class BandShape:
    """Where a band is shaded: ``pieces`` (along-left, along-right, start, end), a run of its
    columns each, in order along the lines, less ``holes`` (the same four numbers), one round each
    state of no line standing among the line's states, and ``header`` (its centre along, its start
    across), where the band's header stands (layout coordinates)."""

    pieces: tuple[tuple[float, float, float, float], ...]
    header: tuple[float, float]
    holes: tuple[tuple[float, float, float, float], ...] = ()

    def shades(self, along: float, across: float) -> bool:
        """Whether the point (along, across) is shaded: inside a piece, outside every hole."""
        def inside(rectangle) -> bool:
            left, right, start, end = rectangle
            return left <= along <= right and start <= across <= end

        return any(map(inside, self.pieces)) and not any(map(inside, self.holes))

    def outline(self) -> list[tuple[float, float]]:
        """The corners (along, across) of the shaded outline: the pieces' starts in order, then
        their ends back."""
        starts = [corner for left, right, start, _ in self.pieces for corner in ((left, start), (right, start))]
        ends = [corner for left, right, _, end in reversed(self.pieces) for corner in ((right, end), (left, end))]
        return starts + ends


def band_shape(graph, layout: Layout, band, full: tuple[float, float], header_height: float) -> BandShape:
    """How ``band`` is shaded (``full``: the whole span across the lines): as one piece where its
    states of no line stand before or after its line's states in all its columns together
    (``band_extent``); else, where they do so column by column (GIST's resection of limited
    progression above the first line's reduced dose, its surveillance below the escalated one
    beside it), a piece per run of columns of one extent, the header over the widest piece that
    starts first. Otherwise one piece spanning everything. A state of no line still standing in
    a piece is cut out of it (``_holes``): drawn down, the resection of a localised GIST among the
    first line's options stands in the row, but on white, not under "First line"."""
    shape = _pieces(graph, layout, band, full, header_height)
    return replace(shape, holes=_holes(graph, layout, band, shape))


def _holes(graph, layout: Layout, band, shape: BandShape) -> tuple[tuple[float, float, float, float], ...]:
    """A hole round each state of no line whose centre the shape's pieces still shade: across, the
    box and a gap each side; along, the whole column it stands in (so no sliver of shade is left
    above or below it), within its piece."""
    down = layout.direction == "down"
    holes = []
    for box in _strays(graph, layout, band)[1]:
        along, across = (box.y, box.x) if down else (box.x, box.y)
        piece = next((p for p in shape.pieces if p[0] <= along <= p[1] and p[2] <= across <= p[3]), None)
        if piece is None:
            continue
        left, right = next(((lo, hi) for lo, hi in band.columns if lo <= along <= hi), (piece[0], piece[1]))
        near, far = (box.left, box.right) if down else (box.top, box.bottom)
        holes.append((max(left, piece[0]), min(right, piece[1]),
                      max(near - STRAY_GAP, piece[2]), min(far + STRAY_GAP, piece[3])))
    # holes that meet (two such states side by side in one column) are one: two holes wound
    # alike over the same spot would fill it again under the non-zero rule
    merged: list[tuple[float, float, float, float]] = []
    for hole in sorted(holes):
        last = merged[-1] if merged else None
        if last is not None and last[:2] == hole[:2] and hole[2] <= last[3]:
            merged[-1] = (*last[:3], max(last[3], hole[3]))
        else:
            merged.append(hole)
    return tuple(merged)


def _pieces(graph, layout: Layout, band, full: tuple[float, float], header_height: float) -> BandShape:
    whole = band_extent(graph, layout, band, full, header_height)
    one = BandShape(((band.left, band.right, *whole),), ((band.left + band.right) / 2, whole[0]))
    if whole != full or len(band.columns) < 2:
        return one
    extents = [band_extent(graph, layout, Band(band.title, ((left, right),)), full, header_height)
               for left, right in band.columns]
    if len(set(extents)) == 1:
        return one
    pieces: list[tuple[float, float, float, float]] = []
    for (left, right), extent in zip(band.columns, extents):
        if pieces and pieces[-1][2:] == extent:
            pieces[-1] = (pieces[-1][0], right, *extent)
        else:
            pieces.append((left, right, *extent))
    first = min(start for _, _, start, _ in pieces)
    left, right, start, _ = max((p for p in pieces if p[2] == first), key=lambda p: p[1] - p[0])
    return BandShape(tuple(pieces), ((left + right) / 2, start))


def _strays(graph, layout: Layout, band) -> tuple[list, list]:
    """The boxes in ``band``'s columns, if it holds a line's states: those of the band (the line's
    states, link boxes, decision points) and the states of no line (``layout.is_stray``)."""
    banded, strays = [], []
    for item, box in layout.boxes.items():
        along = box.y if layout.direction == "down" else box.x
        if band.left <= along <= band.right:
            (strays if is_stray(graph, item) else banded).append(box)
    if not any(box.id in graph and drawn_line(graph.nodes[box.id]) is not None for box in banded):
        return [], []
    return banded, strays


def band_extent(graph, layout: Layout, band, full: tuple[float, float], header_height: float) -> tuple[float, float]:
    """Where ``band`` starts and ends across the lines (layout coordinates; ``full`` is the whole
    span, its header at the start): the whole span, unless the states of no line in its columns
    stand wholly before or after its line's states, when it holds only what stands between them
    (link boxes and decision points too), its header just above (running right). Running down the
    headers stand in a column of their own at the left, so a row ends short only on the right."""
    banded, strays = _strays(graph, layout, band)
    if not banded or not strays:
        return full
    down = layout.direction == "down"

    def near(box) -> float:
        return box.left if down else box.top

    def far(box) -> float:
        return box.right if down else box.bottom

    lined = [b for b in banded if drawn_line(graph.nodes[b.id]) is not None]
    first, last = min(near(b) for b in lined), max(far(b) for b in lined)
    before = [b for b in strays if far(b) <= first]
    after = [b for b in strays if near(b) >= last]
    if len(before) + len(after) < len(strays) or (before and down):
        return full
    inside = [b for b in banded if all(near(b) >= far(s) for s in before) and all(far(b) <= near(s) for s in after)]
    start = min(near(b) for b in inside) - header_height - BAND_HEADER_GAP if before else full[0]
    end = max(far(b) for b in inside) + STRAY_GAP if after else full[1]
    if any(far(s) > start - STRAY_GAP + 1e-9 for s in before) or any(near(s) < end + STRAY_GAP - 1e-9 for s in after):
        return full
    return start, end


def _draw_rows(ax, graph, layout: Layout, ox: float, oy: float, lead: float, t: Typography) -> None:
    """The bands of a layout running down: a shaded row per line of therapy, its header at the left.
    A state of no line at the right end of a line's row is left outside it, and one elsewhere in
    the row (a surgery among the first line's options) stands in a gap of the row's shade
    (``band_shape``)."""
    for i, band in enumerate(layout.bands):
        shade = "#F2F4F7" if i % 2 == 0 else "#FAFBFC"
        shape = band_shape(graph, layout, band, (-lead, layout.width), 0.0)
        _shade(ax, shape, lambda along, across: (ox + across, oy + along), shade, band.title)
        ax.text(ox - lead + 0.08, oy + (band.left + band.right) / 2, band.title, ha="left", va="center",
                fontsize=t.header, fontweight="bold", color="#44505C", zorder=1, parse_math=False,
                gid=f"header:{band.title}")


def _route_path(route, ox: float, oy: float):
    from matplotlib.path import Path as MplPath

    verts = [(route.segments[0][0][0] + ox, route.segments[0][0][1] + oy)]
    codes = [MplPath.MOVETO]
    for seg in route.segments:
        for px, py in seg[1:]:
            verts.append((px + ox, py + oy))
            codes.append(MplPath.CURVE4)
    return MplPath(verts, codes)


def _draw_routes(ax, graph, layout: Layout, ox: float, oy: float, path_keys, t: Typography) -> None:
    from matplotlib.patches import FancyArrowPatch

    for i, route in enumerate(layout.routes):
        edge = route.edge
        on_path = path_keys is not None and bool(path_keys.intersection(edge.keys))
        faded = path_keys is not None and not on_path
        colour = HIGHLIGHT_COLOUR if on_path else EDGE_COLOUR
        ends_in_decision = edge.target.startswith("decision:")
        arrow = FancyArrowPatch(
            path=_route_path(route, ox, oy),
            arrowstyle="-" if ends_in_decision else "-|>",
            mutation_scale=16 if on_path else 13,
            linewidth=3.0 if on_path else 1.4,
            linestyle=(0, (5, 3)) if edge.beyond_source else "-",
            color=colour, alpha=FADED if faded else 1.0,
            zorder=4 if on_path else 2, joinstyle="round", capstyle="round",
            gid=f"edge:{edge.source}->{edge.target}")
        ax.add_patch(arrow)
        if route.label_box is not None and edge.label:
            box = route.label_box
            # the weight the layout measured the label in: a bold label on the path is wider than
            # its place, and touched the box beside it once labels wrap wide
            ax.text(box.x + ox, box.y + oy, edge.label, ha="center", va="center", fontsize=t.label,
                    color=colour if on_path else "#222222", fontweight="normal",
                    alpha=0.45 if faded else 1.0, zorder=6 if on_path else 5, parse_math=False,
                    linespacing=1.1,
                    bbox=dict(boxstyle="round,pad=0.12", facecolor="white", edgecolor="none",
                              alpha=0.95),
                    gid=f"label:{edge.source}->{edge.target}")


def _draw_nodes(ax, graph, layout: Layout, ox: float, oy: float, path_states, path_keys, measure,
                t: Typography) -> None:
    from matplotlib.patches import Circle, FancyBboxPatch, Polygon

    steps: dict[str, list[int]] = {}
    # a step into a dose reduction folded into its drug's box is numbered on that box
    folded_into = graph.graph.get("folded_into") or {}
    for i, s in enumerate(path_states or [], start=1):
        steps.setdefault(folded_into.get(s, s), []).append(i)
    for node_id, attrs in graph.nodes(data=True):
        # a link box stands for a state on another panel: it is on the path when that state is
        if attrs.get("link_direction") == "to" and any(s in steps for s in attrs["link_of"]):
            steps[node_id] = sorted(i for s in attrs["link_of"] for i in steps.get(s, ()))
    for node_id, box in layout.boxes.items():
        x, y = box.x + ox, box.y + oy
        if box.kind == DECISION:
            on = path_keys is not None and any(
                r.edge.target == node_id and bool(path_keys.intersection(r.edge.keys)) for r in layout.routes)
            s = box.width / 2
            ax.add_patch(Polygon([(x - s, y), (x, y - s), (x + s, y), (x, y + s)], closed=True,
                                 facecolor="#F6D5D1" if on else "#FFFFFF",
                                 edgecolor=HIGHLIGHT_COLOUR if on else EDGE_COLOUR,
                                 linewidth=2.5 if on else 1.4,
                                 alpha=FADED if (path_states is not None and not on) else 1.0,
                                 zorder=7, gid=f"node:{node_id}"))
            continue
        attrs = graph.nodes[node_id]
        style = _style_of(attrs)
        on_path = path_states is not None and node_id in steps
        faded = path_states is not None and not on_path
        alpha = FADED + 0.1 if faded else 1.0
        rounding = min(box.height / 2, box.width / 2) if attrs.get("kind") == "terminal" else 0.09
        dashed = attrs.get("beyond_source") or attrs.get("link_direction")
        ax.add_patch(FancyBboxPatch(
            (x - box.width / 2, y - box.height / 2), box.width, box.height,
            boxstyle=f"round,pad=0,rounding_size={rounding}",
            facecolor=style.fill, edgecolor=HIGHLIGHT_COLOUR if on_path else style.edge,
            linewidth=3.2 if on_path else 1.8,
            linestyle=(0, (4, 2.5)) if dashed else "-",
            alpha=alpha, zorder=8, gid=f"node:{node_id}"))
        title, detail = node_text(attrs)
        tw, th = measure(title, t.node_title, _title_weight(attrs))
        dh = measure(detail, t.node_detail, style="italic")[1] + 0.05 if detail else 0.0
        top = y - (th + dh) / 2
        text_alpha = 0.4 if faded else 1.0
        # a link box's rows read as a list: left-aligned
        row_list = bool(attrs.get("link_direction"))
        ax.text(x - box.width / 2 + PAD if row_list else x, top + th / 2, title,
                ha="left" if row_list else "center", va="center", fontsize=t.node_title,
                fontweight=_title_weight(attrs), color="#111111", alpha=text_alpha, zorder=9,
                parse_math=False, multialignment="left" if row_list else "center", gid=f"title:{node_id}")
        if detail:
            ax.text(x, top + th + 0.05 + (dh - 0.05) / 2, detail, ha="center", va="center",
                    fontsize=t.node_detail, fontstyle="italic", color="#333333", alpha=text_alpha,
                    zorder=9, parse_math=False, multialignment="center", gid=f"detail:{node_id}")
        if on_path:
            badge = ",".join(str(i) for i in steps[node_id])
            bx, by = x - box.width / 2 + 0.02, y - box.height / 2 + 0.02
            r = (0.13 + 0.045 * max(0, len(badge) - 1)) * t.badge / 9
            ax.add_patch(Circle((bx, by), r, facecolor=HIGHLIGHT_COLOUR, edgecolor="white",
                                linewidth=1.2, zorder=10, gid=f"step:{node_id}"))
            ax.text(bx, by, badge, ha="center", va="center", fontsize=t.badge, fontweight="bold",
                    color="white", zorder=11, parse_math=False, gid=f"steptext:{node_id}")
