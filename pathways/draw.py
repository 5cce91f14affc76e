"""Draw a pathway with matplotlib: the only pathway module that imports it, and only inside functions.

``draw_pathway`` follows networkx's drawing functions: it takes an optional ``ax`` and returns it,
so a figure can be composed around it; without one it makes a figure through pyplot, which a
notebook shows. Coordinates are inches (one data unit is one inch, y grows
downwards), so text keeps its point size and the drawing fits a slide as it is. Geometry comes
from ``sarcoma_sim.pathways.layout``; this module measures text with matplotlib's renderer, styles and draws.
``save_pathway_drawing`` writes PNG, SVG or PDF all-or-nothing, on a standalone Agg figure
(headless, and none left open in pyplot).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import networkx as nx

from sarcoma_sim.errors import PathwayError, Problem
from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.layout import DECISION, Layout, Spacing, layered_layout, node_text
from sarcoma_sim.pathways.model import Pathway

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


# Okabe-Ito colours (readable with colour-vision deficiency): an edge colour and a light fill.
LINE_COLOURS = (("#0072B2", "#D5E8F6"), ("#009E73", "#D3F0E6"), ("#E69F00", "#FCEBC8"),
                ("#CC79A7", "#F5E1EE"), ("#56B4E9", "#DDF0FB"), ("#8C6D1F", "#EFE6CF"))
KIND_COLOURS = {"workup": ("#4A5A6A", "#E8ECF0"), "surgery": ("#D55E00", "#FBDCC8"),
                "assessment": ("#7A6A00", "#FBF5C8"), "terminal": ("#333333", "#DADADA")}
EDGE_COLOUR = "#3A3A3A"
HIGHLIGHT_COLOUR = "#C0392B"
FADED = 0.22

PAD = 0.11
DPI = 150
LINK_STYLE = ("#6B6B6B", "#FFFFFF")


@dataclass(frozen=True)
class Typography:
    """Font sizes in points of every kind of text in a diagram."""

    title: float = 18
    subtitle: float = 11
    header: float = 12.5
    node_title: float = 11
    node_detail: float = 9.5
    label: float = 9.5
    legend: float = 10
    footer: float = 8.5
    badge: float = 9

    def smallest(self) -> float:
        """The smallest size used."""
        return min(self.__dict__.values())


DEFAULT_TYPOGRAPHY = Typography()
# Slides and printed pages: nothing under 12 pt, the smallest size still legible from the back of
# a lecture room or on a printed handout.
READABLE_TYPOGRAPHY = Typography(title=18, subtitle=12, header=13, node_title=13, node_detail=12,
                                 label=12, legend=12, footer=12, badge=12)


# Slides and pages trade white space for type size: tighter gaps, narrower margins.
COMPACT_SPACING = Spacing(node_gap=0.25, dummy_gap=0.18, min_column_gap=0.3, label_margin=0.1)
# Running down, a label margin is height, which a slide is short of: the first-line block of a
# subtype with two first-line drugs (NTRK) stops fitting 7.5 in at the wider margin.
COMPACT_SPACING_DOWN = Spacing(node_gap=0.25, dummy_gap=0.18, min_column_gap=0.3, label_margin=0.08)


@dataclass(frozen=True)
class Preset:
    """A fixed canvas (inches), the typography drawn on it, its spacing and margin."""

    name: str
    width: float
    height: float
    typography: Typography
    description: str
    spacing: Spacing = COMPACT_SPACING
    margin: float = 0.1
    wraps: tuple[int, int, int] = (15, 18, 13)  # characters per line: box title, regimen, arrow label
    # Wider link boxes, tried in turn for a panel that does not fit: a state with many branches
    # (a workup) has a tall column of link boxes and room to its side; narrower ones leave room
    # beside a wide panel for its legend and sources.
    link_wraps: tuple[int | tuple[int, int], ...] = (30, 36, 16)  # a pair: (to, from) boxes' widths
    # Wider arrow labels, tried last: a state branching to many link boxes (leiomyosarcoma's
    # anthracycline) stacks its labels taller than the page when they wrap narrow, and has width
    # to spare; fewer lines each let them sit closer.
    label_wraps: tuple[int, ...] = (22, 28, 34)
    narrow_wraps: tuple[int, int] = (15, 18)  # box title and regimen widths tried last
    # Wide, short boxes, tried in either direction: a left-to-right panel is short of height, and a
    # column of first-line options (GIST's five) fits a slide only with fewer lines per box; a
    # panel running down stacks its lines of therapy, and a chain of three boxes (an NTRK inhibitor,
    # repotrectinib, the end) fits a slide drawn down only with fewer lines each.
    wide_wraps: tuple[int, int] = (26, 30)
    spacing_down: Spacing = COMPACT_SPACING_DOWN

    def spacing_for(self, direction: str) -> Spacing:
        """The spacing this preset lays a panel out with in ``direction``."""
        return self.spacing_down if direction == "down" else self.spacing


PRESETS = {
    # boxes a little wider than the preset default: a slide is short, and fewer lines per box let
    # GIST's states sit two or three to a panel (8 slides, where 15-character titles needed 9)
    "slide": Preset("slide", 13.333, 7.5, READABLE_TYPOGRAPHY, "a 16:9 slide, 13.33 x 7.5 in",
                    wraps=(18, 22, 13)),
    # Portrait, as handouts are printed and filed: 8.27 x 11 in fits both A4 (8.27 x 11.69) and
    # Letter (8.5 x 11) unscaled. The pathway still reads left to right, two or three columns a
    # page, with narrower boxes and labels than a slide's; legend and sources go below.
    "page": Preset("page", 8.27, 11.0, READABLE_TYPOGRAPHY, "an A4 or Letter page, portrait, 8.27 x 11 in",
                   # last, wide boxes of where arrows go and narrow ones of where they come from:
                   # a state branching six ways (GIST's workup, its surveillance) lists them in
                   # fewer, longer rows, which a portrait page has the width for and not the height
                   wraps=(13, 15, 12), link_wraps=(16, 22, 12, (30, 16), (26, 14)), narrow_wraps=(13, 15)),
}


@dataclass(frozen=True)
class _Style:
    edge: str
    fill: str
    name: str


def _style_of(attrs: dict) -> _Style:
    kind = attrs.get("kind")
    if attrs.get("link_direction"):
        return _Style(*LINK_STYLE, "state on another panel")
    if kind == "therapy" and attrs.get("line"):
        line = int(attrs["line"])
        edge, fill = LINE_COLOURS[(line - 1) % len(LINE_COLOURS)]
        return _Style(edge, fill, f"therapy, {_ordinal_line(line)}")
    edge, fill = KIND_COLOURS.get(kind, ("#555555", "#EEEEEE"))
    return _Style(edge, fill, str(kind))


def _ordinal_line(line: int) -> str:
    from sarcoma_sim.pathways.layout import line_title
    return line_title(line).lower()


# Shaping one string costs about half a millisecond with matplotlib's text shaping (libraqm), and a
# drawing measures a few hundred; sizes are kept for the process, keyed by everything that decides
# them, so drawing a pathway again (every panel, preset and format of it) measures nothing twice.
_MEASURED: dict[tuple, tuple[float, float]] = {}
_MEASURED_LIMIT = 50_000


class _TextMeasure:
    """Text sizes in inches, from the Agg renderer (the one that writes the PNG)."""

    def __init__(self):
        from matplotlib import rcParams

        self.figure = None   # made on the first size not already measured in this process
        # the fonts are read once, when the measure is made (a drawing is measured in one set of
        # fonts; reading rcParams on every call cost a tenth of fitting a pathway's panels)
        self.fonts = (tuple(rcParams["font.family"]), tuple(rcParams["font.sans-serif"]))

    def __call__(self, text: str, size: float, weight: str = "normal", style: str = "normal") -> tuple[float, float]:
        key = (text, size, weight, style, *self.fonts)
        found = _MEASURED.get(key)
        if found is None:
            if self.figure is None:
                from matplotlib.backends.backend_agg import FigureCanvasAgg
                from matplotlib.figure import Figure

                self.figure = Figure(figsize=(4, 4), dpi=72)
                FigureCanvasAgg(self.figure)
                self.renderer = self.figure.canvas.get_renderer()
            t = self.figure.text(0, 0, text, fontsize=size, fontweight=weight, fontstyle=style,
                                 parse_math=False)
            box = t.get_window_extent(self.renderer)
            t.remove()
            found = (box.width / 72, box.height / 72)
            if len(_MEASURED) >= _MEASURED_LIMIT:
                _MEASURED.clear()
            _MEASURED[key] = found
        return found


def _graph_of(pathway_or_graph) -> tuple[nx.MultiDiGraph, str]:
    if isinstance(pathway_or_graph, Pathway):
        return build_graph(pathway_or_graph), pathway_or_graph.file or pathway_or_graph.id
    if isinstance(pathway_or_graph, nx.MultiDiGraph):
        return pathway_or_graph, str(pathway_or_graph.graph.get("subtype", "<graph>"))
    raise TypeError(f"expected a Pathway or the MultiDiGraph of one, got {type(pathway_or_graph).__name__}")


def highlighted_keys(graph: nx.MultiDiGraph, highlight: Sequence[str], file: str = "") -> set:
    """The transition keys along ``highlight`` (a sequence of state ids).

    Raises ``PathwayError`` naming the first unknown state or the first missing edge, e.g.
    "no transition from 'workup' to 'sunitinib_50_intermittent'".
    """
    if isinstance(highlight, str):
        highlight = [highlight]
    highlight = list(highlight)
    if not highlight:
        raise PathwayError(Problem(file, None, "highlight", "expected at least one state id"))
    for i, state in enumerate(highlight):
        if state not in graph:
            raise PathwayError(Problem(file, None, f"highlight[{i}]",
                                       f"unknown state {state!r}; expected one of {', '.join(graph.nodes)}"))
    keys = set()
    for i, (a, b) in enumerate(zip(highlight, highlight[1:]), start=1):
        found = graph.get_edge_data(a, b) or {}
        if not found:
            raise PathwayError(Problem(file, None, f"highlight[{i}]", f"no transition from {a!r} to {b!r}"))
        keys.update(found)
    return keys


# Layouts kept for the process, keyed by everything that decides them (the graph's content, the
# type sizes, spacing, direction, wrap widths and fonts): a pathway is laid out once however many
# panels, presets, formats, map requests or focus views draw it.
_LAYOUTS: dict[tuple, Layout] = {}
_LAYOUTS_LIMIT = 512


def graph_fingerprint(graph: nx.MultiDiGraph) -> str:
    """A hash of everything in ``graph`` (attributes of the graph, its nodes and its edges)."""
    import hashlib
    import json

    data = [graph.graph, list(graph.nodes(data=True)), list(graph.edges(keys=True, data=True))]
    text = json.dumps(data, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def layout_key(graph: nx.MultiDiGraph, typography: Typography, spacing: Spacing | None, direction: str,
               attempts: int = 6) -> tuple:
    """The cache key of a layout: the graph's fingerprint and every option that changes the layout."""
    from matplotlib import rcParams

    from sarcoma_sim.pathways.layout import text as layout_text

    wraps = (layout_text.TITLE_WRAP, layout_text.DETAIL_WRAP, layout_text.LABEL_WRAP, layout_text.LINK_WRAP)
    return (graph_fingerprint(graph), typography, spacing, direction, attempts, wraps,
            tuple(rcParams["font.family"]), tuple(rcParams["font.sans-serif"]))


def diagram_layout(graph: nx.MultiDiGraph, measure: _TextMeasure | None = None,
                   typography: Typography = DEFAULT_TYPOGRAPHY, spacing: Spacing | None = None,
                   direction: str = "right", attempts: int = 6) -> Layout:
    """The layout of ``graph`` with box and label sizes measured in the drawing's fonts.

    ``direction`` is "right" (columns left to right) or "down" (lines of therapy as rows, top to
    bottom). Layouts are cached for the process (``layout_key``), so laying out the same graph
    with the same options again costs only its fingerprint. ``attempts`` is how many times the
    spacing may grow while labels collide (``layered_layout``); one gives the smallest layout.
    """
    key = layout_key(graph, typography, spacing, direction, attempts)
    found = _LAYOUTS.get(key)
    if found is None and attempts > 1:
        # the first attempt is the layout asked for with one attempt: where its labels are clear,
        # more attempts end with it (fitting a panel lays it out with one attempt first)
        first = _LAYOUTS.get(key[:4] + (1,) + key[5:])
        if first is not None and first.collisions == 0:
            found = first
    if found is None:
        found = _measured_layout(graph, measure or _TextMeasure(), typography, spacing, direction, attempts)
        if len(_LAYOUTS) >= _LAYOUTS_LIMIT:
            _LAYOUTS.clear()
        _LAYOUTS[key] = found
    return found


def _measured_layout(graph, measure, typography: Typography, spacing: Spacing | None, direction: str,
                     attempts: int = 6) -> Layout:
    node_size, label_size = _sizes(graph, measure, typography)
    return layered_layout(graph, node_size=node_size, label_size=label_size, spacing=spacing, direction=direction,
                          attempts=attempts)


def diagram_bound(graph: nx.MultiDiGraph, measure: _TextMeasure, typography: Typography = DEFAULT_TYPOGRAPHY,
                  spacing: Spacing | None = None, direction: str = "right") -> tuple[float, float]:
    """A lower bound of ``diagram_layout``'s (width, height) for ``graph``, measured in the same fonts
    without laying it out (``layout.extent_bound``): a panel larger than the page on it is never laid out."""
    from sarcoma_sim.pathways.layout import extent_bound

    node_size, label_size = _sizes(graph, measure, typography)
    return extent_bound(graph, node_size, label_size, spacing, direction)


def _sizes(graph, measure, typography: Typography):
    """The (width, height) of a state's box and of an arrow's label, in inches, in the drawing's fonts."""
    def node_size(state: str) -> tuple[float, float]:
        title, detail = node_text(graph.nodes[state])
        w, h = measure(title, typography.node_title, _title_weight(graph.nodes[state]))
        if detail:
            dw, dh = measure(detail, typography.node_detail, style="italic")
            w, h = max(w, dw), h + dh + 0.05
        return w + 2 * PAD + 0.04, h + 2 * PAD

    def label_size(text: str) -> tuple[float, float]:
        return measure(text, typography.label)

    return node_size, label_size


def _title_weight(attrs: dict) -> str:
    """A state's name is bold; a link box's rows (conditions and names of states elsewhere) are not."""
    return "normal" if attrs.get("link_direction") else "bold"


def draw_pathway(pathway_or_graph, ax=None, highlight: Sequence[str] | None = None, *,
                 title: str | None = None, legend: bool = True, sources: bool = True,
                 typography: Typography = DEFAULT_TYPOGRAPHY, page: tuple[float, float] | None = None,
                 direction: str = "right"):
    """Draw a pathway (a ``Pathway`` or its graph) on ``ax`` (a new figure if None); returns the axes.

    ``highlight`` is a sequence of state ids (a patient's path): its states and arrows are drawn
    emphasised and numbered, everything else faded. A sequence that is not a path of the pathway
    raises ``PathwayError`` naming the missing edge. ``title`` replaces the pathway's name;
    ``legend`` and ``sources`` switch the legend and the sources footer (which lists only the
    sources that the drawn states and arrows cite). ``typography`` sets the font sizes; ``page``
    (width, height in inches) fixes the canvas and centres the drawing on it, unscaled.
    ``direction`` "down" draws it top to bottom, lines of therapy as horizontal bands.
    """
    return _compose(pathway_or_graph, ax, highlight, title=title, legend=legend, sources=sources,
                    typography=typography, page=page, managed=True, direction=direction)[0]


# The gap between a panel's diagram and the legend and sources beside it, and the narrowest
# column worth putting them in (inches).
SIDE_GAP = 0.3
SIDE_MIN_WIDTH = 3.0


def pathway_figure(pathway_or_graph, highlight: Sequence[str] | None = None, *, title: str | None = None,
                   path_keys: set | None = None, direction: str = "right"):
    """The drawing ``draw_pathway`` makes, on a standalone figure outside pyplot (for saving).

    Saving and serving leave nothing open in pyplot, so a long session or a web server does not
    collect figures; a notebook user calls ``draw_pathway`` instead. ``path_keys``: the arrows to
    highlight, when ``highlight`` is a patient's walk with jumps the pathway has no arrow for.
    """
    return _compose(pathway_or_graph, None, highlight, title=title, path_keys=path_keys,
                    direction=direction)[0].figure


def _compose(pathway_or_graph, ax=None, highlight=None, *, title=None, legend=True, sources=True,
             typography: Typography = DEFAULT_TYPOGRAPHY, page=None, path_keys=None, measure=None,
             names=None, spacing: Spacing | None = None, margin: float = 0.35, managed: bool = False,
             direction: str = "right", size_only: bool = False):
    """Draw as ``draw_pathway`` does; returns the axes and the drawing's own (width, height) in inches.

    A new figure (``ax`` None) is made through pyplot when ``managed``, so a notebook shows it when the
    cell ends; otherwise it is a standalone Agg figure, as saving needs (nothing is left open in pyplot).
    With ``size_only`` nothing is drawn and the axes returned are None: the same arithmetic gives the
    size alone, which is what fitting a panel to a slide asks of every candidate (drawing each
    cost a figure of patches and a legend layout).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    graph, file = _graph_of(pathway_or_graph)
    if isinstance(highlight, str):
        highlight = [highlight]
    if path_keys is None and highlight is not None:
        path_keys = highlighted_keys(graph, highlight, file)
    measure = measure or _TextMeasure()
    layout = diagram_layout(graph, measure, typography, spacing, direction)
    t = typography
    down = layout.direction == "down"
    # running down, the bands' headers stand in a column at the left of the diagram
    lead = max((measure(b.title, t.header, "bold")[0] for b in layout.bands), default=0.0) + 0.2 if down else 0.0

    own_figure = ax is None and not size_only
    if size_only:
        pass
    elif own_figure and managed:
        import matplotlib.pyplot as plt

        ax = plt.figure(figsize=page or (8, 6), dpi=DPI).add_axes((0, 0, 1, 1))
    elif own_figure:
        figure = Figure(figsize=page or (8, 6), dpi=DPI)
        FigureCanvasAgg(figure)
        ax = figure.add_axes((0, 0, 1, 1))
    if not size_only:
        ax.set_axis_off()

    drawn_width = layout.width + lead
    width = page[0] if page else max(drawn_width + 2 * margin, 7.0)
    text_width = max(width, drawn_width + 2 * margin) - 2 * margin
    ox = (width - drawn_width) / 2 + lead
    # On a fixed page a narrow diagram (a panel) leaves room at its side: the legend and sources
    # go there rather than below, since a slide is short and wide (the height decides the fit).
    side_width = width - 2 * margin - drawn_width - SIDE_GAP if page else 0.0
    beside = (legend or sources) and side_width >= SIDE_MIN_WIDTH
    if beside:
        ox = margin + lead
    y = margin
    heading = title if title is not None else str(graph.graph.get("name") or graph.graph.get("subtype") or "")
    if heading:
        heading = _wrapped(heading, text_width, t.title, measure, "bold")
        if not size_only:
            ax.text(width / 2, y, heading, ha="center", va="top", fontsize=t.title, fontweight="bold",
                    parse_math=False, gid="title")
        y += measure(heading, t.title, "bold")[1] + 0.08
    if highlight is not None:
        said = " → ".join(_state_name(graph if names is None else names, s) for s in highlight)
        said = _wrapped(f"Highlighted path: {said}", text_width, t.subtitle, measure)
        if not size_only:
            ax.text(width / 2, y, said, ha="center", va="top", fontsize=t.subtitle, color=HIGHLIGHT_COLOUR,
                    parse_math=False, gid="subtitle")
        y += measure(said, t.subtitle)[1] + 0.08
    header_h = measure("First line", t.header, "bold")[1]
    band_top = y + 0.05
    # a fixed page (slide, printed page) is short of height: tighter gaps under headers and before the legend
    oy = band_top + (0.05 if down else header_h + (0.12 if page else 0.25))
    diagram_bottom = oy + layout.height

    if not size_only:
        if down:
            _draw_rows(ax, layout, ox, oy, lead, t)
        else:
            _draw_bands(ax, layout, ox, band_top, diagram_bottom + 0.1, t)
        _draw_routes(ax, graph, layout, ox, oy, path_keys, t)
        _draw_nodes(ax, graph, layout, ox, oy, list(highlight) if highlight is not None else None,
                    path_keys, measure, t)

    if beside:
        left, y, column = margin + drawn_width + SIDE_GAP, band_top, side_width
    else:
        left, y, column = margin, diagram_bottom + (0.15 if page else 0.3), text_width
    if legend:
        handles = _legend_handles(graph, layout, path_keys is not None)
        if size_only:
            y += _legend_height(handles, column, t)
        else:
            y = _draw_legend(ax, handles, left, y, column, t)
        y += 0.15
    if sources:
        body = _footer_text(graph, column, measure, t, short_citations=page is not None)
        if not size_only:
            ax.text(left, y, body, ha="left", va="top", fontsize=t.footer, color="#444444",
                    parse_math=False, linespacing=1.2, gid="footer")
        y += measure(body, t.footer)[1]
    height = max(y, diagram_bottom + 0.1) + margin
    natural = (max(width, drawn_width + 2 * margin), height)
    if size_only:
        return None, natural

    if page:
        # Text is never shrunk to fit: a drawing larger than the page gets a larger canvas, which
        # the tests measure as text below the preset's size once the canvas is fitted to the page.
        canvas = (max(page[0], natural[0]), max(page[1], natural[1]))
        if own_figure:
            ax.figure.set_size_inches(*canvas)
        pad_x = (canvas[0] - width) / 2
        pad_y = (canvas[1] - height) / 2
        ax.set_xlim(-pad_x, width + pad_x)
        ax.set_ylim(height + pad_y, -pad_y)
    else:
        if own_figure:
            ax.figure.set_size_inches(width, height)
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
    ax.set_aspect("equal")
    return ax, natural


def _state_name(graph, state: str) -> str:
    """A state as a reader knows it: its label (its regimen detail is on the box)."""
    label = graph.nodes[state].get("label") if state in graph else None
    return str(label or state)


# Text is measured at 72 dpi; drawn at another resolution, a line's hinted width differs by up to
# about 1.5% (a slide's footer of sources measured 13.09 in reached 13.26 in the gallery's 100 dpi
# PNG, past the page's margin): wrapped lines keep that much room.
WRAP_ROOM = 0.975


def _wrapped(text: str, width_in: float, size: float, measure, weight: str = "normal") -> str:
    """``text`` wrapped at word boundaries to lines no wider than ``width_in`` in that font (less
    ``WRAP_ROOM``, for the renderer's hinting at other resolutions)."""
    width_in *= WRAP_ROOM
    # each word is measured once and a line's width summed from its words: measuring every
    # candidate line cost most of a drawing's time (a footer of sources is hundreds of words)
    space = measure("a a", size, weight)[0] - measure("aa", size, weight)[0]
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, line_width = "", 0.0
        for word in paragraph.split(" "):
            word_width = measure(word, size, weight)[0] if word else 0.0
            if line and line_width + space + word_width > width_in:
                lines.append(line)
                line, line_width = word, word_width
            elif line:
                line, line_width = f"{line} {word}", line_width + space + word_width
            else:
                line, line_width = word, word_width
        lines.append(line)
    return "\n".join(lines)


def _draw_bands(ax, layout: Layout, ox: float, top: float, bottom: float, t: Typography) -> None:
    from matplotlib.patches import Rectangle

    for i, band in enumerate(layout.bands):
        shade = "#F2F4F7" if i % 2 == 0 else "#FAFBFC"
        ax.add_patch(Rectangle((ox + band.left, top), band.right - band.left, bottom - top,
                               facecolor=shade, edgecolor="none", zorder=0, gid=f"band:{band.title}"))
        ax.text(ox + (band.left + band.right) / 2, top + 0.06, band.title, ha="center", va="top",
                fontsize=t.header, fontweight="bold", color="#44505C", zorder=1, parse_math=False,
                gid=f"header:{band.title}")


def _draw_rows(ax, layout: Layout, ox: float, oy: float, lead: float, t: Typography) -> None:
    """The bands of a layout running down: a shaded row per line of therapy, its header at the left."""
    from matplotlib.patches import Rectangle

    for i, band in enumerate(layout.bands):
        shade = "#F2F4F7" if i % 2 == 0 else "#FAFBFC"
        ax.add_patch(Rectangle((ox - lead, oy + band.left), layout.width + lead, band.right - band.left,
                               facecolor=shade, edgecolor="none", zorder=0, gid=f"band:{band.title}"))
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
            ax.text(box.x + ox, box.y + oy, edge.label, ha="center", va="center", fontsize=t.label,
                    color=colour if on_path else "#222222", fontweight="bold" if on_path else "normal",
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


def _legend_handles(graph, layout: Layout, highlighted: bool) -> list:
    """The legend's entries for what the drawing shows: box styles, decisions, beyond-source, the path."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles, seen = [], set()
    order = sorted(graph.nodes, key=lambda n: (
        ["workup", "therapy", "surgery", "assessment", "terminal"].index(graph.nodes[n].get("kind"))
        if graph.nodes[n].get("kind") in ("workup", "therapy", "surgery", "assessment", "terminal") else 9,
        graph.nodes[n].get("line") or 0))
    names = {"workup": "workup", "surgery": "surgery", "assessment": "assessment",
             "terminal": "end of pathway", "state on another panel": "dashed grey: states on other panels"}
    for n in order:
        style = _style_of(graph.nodes[n])
        if style.name in seen:
            continue
        seen.add(style.name)
        handles.append(Patch(facecolor=style.fill, edgecolor=style.edge, linewidth=1.6,
                             label=names.get(style.name, style.name)))
    if layout.structure.decisions:
        handles.append(Line2D([], [], marker="D", markersize=9, markerfacecolor="white",
                              markeredgecolor=EDGE_COLOUR, linestyle="none",
                              label="decision shared by several states"))
    if any(graph.nodes[n].get("beyond_source") for n in graph) or \
            any(d.get("beyond_source") for _, _, d in graph.edges(data=True)):
        handles.append(Patch(facecolor="white", edgecolor="#333333", linestyle=(0, (4, 2.5)), linewidth=1.6,
                             label="dashed: beyond the source guideline (evidence table)"))
    if highlighted:
        handles.append(Line2D([], [], color=HIGHLIGHT_COLOUR, linewidth=3, label="highlighted path (steps numbered)"))
    return handles


def _draw_legend(ax, handles: list, left: float, top: float, width: float, t: Typography) -> float:
    """Draw the legend of ``handles`` below (or beside) the diagram; returns the y of its bottom."""
    ncol, chars = _legend_choice(handles, width, t)
    legend = ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(left + width / 2, top),
                       bbox_transform=ax.transData, ncol=ncol, fontsize=t.legend, frameon=False,
                       handlelength=1.8, columnspacing=1.6)
    legend.set_gid("legend")
    if chars is not None:
        for text, handle in zip(legend.get_texts(), handles):
            text.set_text(textwrap.fill(handle.get_label(), chars, break_long_words=False))
    return top + legend.get_window_extent(_renderer_for(ax.figure)).height / ax.figure.dpi


def _legend_height(handles: list, width: float, t: Typography) -> float:
    """The height (inches) of the legend ``_draw_legend`` draws in ``width``."""
    ncol, chars = _legend_choice(handles, width, t)
    return _legend_extent(handles, tuple(h.get_label() for h in handles), ncol, chars, t.legend)[1]


def _legend_choice(handles: list, width: float, t: Typography) -> tuple[int, int | None]:
    """``(columns, wrap)`` of the legend in ``width`` inches: the most columns that fit, else one
    column with its entries wrapped at the widest of 32, 28, ... 12 characters that fits (None:
    unwrapped). Chosen on each candidate's extent, laid out once per process (``_legend_extent``)."""
    labels = tuple(h.get_label() for h in handles)
    for ncol in range(_legend_columns(handles, width, t.legend), 0, -1):
        if _legend_extent(handles, labels, ncol, None, t.legend)[0] <= width or ncol == 1:
            break
    chars = None
    # a column narrower than one entry (the legend beside a panel): entries wrap onto more lines
    for wrap in range(32, 11, -4):
        if _legend_extent(handles, labels, ncol, chars, t.legend)[0] <= width:
            break
        chars = wrap
    return ncol, chars


def _legend_extent(handles: list, labels: tuple, ncol: int, chars: int | None, size: float) -> tuple[float, float]:
    """(width, height) in inches of the legend of ``handles`` in ``ncol`` columns, its entries
    wrapped at ``chars`` (None: unwrapped), on a scratch figure at the drawing's DPI."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    key = (labels, ncol, chars, size)
    found = _LEGEND_EXTENTS.get(key)
    if found is None:
        figure = Figure(figsize=(8, 6), dpi=DPI)
        FigureCanvasAgg(figure)
        ax = figure.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 8)
        ax.set_ylim(6, 0)
        legend = ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(4.0, 0.0),
                           bbox_transform=ax.transData, ncol=ncol, fontsize=size, frameon=False,
                           handlelength=1.8, columnspacing=1.6)
        if chars is not None:
            for text, handle in zip(legend.get_texts(), handles):
                text.set_text(textwrap.fill(handle.get_label(), chars, break_long_words=False))
        extent = legend.get_window_extent(_renderer_for(figure))
        found = (extent.width / DPI, extent.height / DPI)
        if len(_LEGEND_EXTENTS) >= 4096:
            _LEGEND_EXTENTS.clear()
        _LEGEND_EXTENTS[key] = found
    return found


_LEGEND_EXTENTS: dict[tuple, tuple[float, float]] = {}


def _legend_columns(handles, width: float, size: float) -> int:
    """The most columns the legend's entries seem to fit in ``width`` (inches), estimated from the
    text sizes so that only one or two legends are laid out (each costs a full text layout)."""
    measure = _TextMeasure()
    em = size / 72
    entries = [measure(h.get_label(), size)[0] + 2.6 * em for h in handles]
    for ncol in range(len(entries), 1, -1):
        rows = -(-len(entries) // ncol)
        columns = [entries[i:i + rows] for i in range(0, len(entries), rows)]
        if sum(max(c) for c in columns) + 1.6 * em * (len(columns) - 1) + em <= width:
            return ncol
    return 1


def _renderer_for(figure):
    """The figure's own renderer where its canvas has one, else an Agg renderer of the same size."""
    get = getattr(figure.canvas, "get_renderer", None)
    if get is not None:
        return get()
    from matplotlib.backends.backend_agg import RendererAgg

    width, height = figure.bbox.size
    return RendererAgg(max(1, int(width)), max(1, int(height)), figure.dpi)


def _footer_text(graph, width: float, measure, t: Typography, short_citations: bool = False) -> str:
    """The sources the drawing shows and the teaching notice, wrapped to ``width`` inches."""
    from sarcoma_sim.pathways.panels import shown_sources

    shown = shown_sources(graph)
    cited = []
    for s in shown:
        mark = " *" if s.get("beyond_source") else ""
        citation = str(s.get("citation"))
        # slides and pages name each source by its id, a line or two under the diagram; the full
        # citations are on the handout's sources pages, in the default drawing and the SVG titles
        cited.append(f"{s.get('id')}{mark}" if short_citations else f"{s.get('id')}{mark}: {citation}")
    text = "Sources: " + ("; " if not short_citations else ", ").join(cited) if cited else ""
    if any(s.get("beyond_source") for s in shown):
        text += ". * beyond the source guideline."
    body = _wrapped(text, width, t.footer, measure) + "\n" if text else ""
    if any(d.get("folded_steps") for _, d in graph.nodes(data=True)):
        from sarcoma_sim.pathways.fold import FOLDED_NOTE
        body = _wrapped(FOLDED_NOTE[0].upper() + FOLDED_NOTE[1:] + ".", width, t.footer, measure) + "\n" + body
    return body + _wrapped(NOT_FOR_CLINICAL_USE, width, t.footer, measure)


def preset_graphs(pathway_or_graph, highlight: Sequence[str] | None = None) -> tuple:
    """``(graph, folded, path_keys)``: the pathway's graph, the graph drawn at a preset (dose
    reductions folded into their drug's box, see ``sarcoma_sim.pathways.fold``) and the keys of the
    drawn arrows along ``highlight`` (None without one), which is checked on the whole graph."""
    from sarcoma_sim.pathways.fold import drawing_graph, fold_reductions, folded_path_keys

    if isinstance(pathway_or_graph, Pathway):
        graph, file = drawing_graph(pathway_or_graph), pathway_or_graph.file or pathway_or_graph.id
    else:
        graph, file = _graph_of(pathway_or_graph)
    if isinstance(highlight, str):
        highlight = [highlight]
    if highlight is not None:
        highlighted_keys(graph, highlight, file)
    folded = fold_reductions(graph)
    return graph, folded, folded_path_keys(folded, highlight) if highlight is not None else None


def preset_panels(pathway_or_graph, preset: Preset, highlight: Sequence[str] | None = None,
                  direction: str = "right") -> list:
    """The pathway cut into linked panels that fit ``preset``, by clinical phase (see
    ``_phase_groups``), its dose reductions for toxicity folded into their drug's box where that
    loses nothing. Computed once per pathway, preset, highlight and direction in a process."""
    graph, folded, path_keys = preset_graphs(pathway_or_graph, highlight)
    if isinstance(highlight, str):
        highlight = [highlight]
    key = (graph_fingerprint(graph), preset, tuple(highlight) if highlight is not None else None, direction)
    found = _PANELS.get(key)
    if found is None:
        from sarcoma_sim.pathways.layout.text import wrap_widths

        with wrap_widths(*preset.wraps):
            found = _preset_panels(graph, folded, preset, highlight, path_keys, direction)
        if len(_PANELS) >= 64:
            _PANELS.clear()
        _PANELS[key] = found
    return list(found)


_PANELS: dict[tuple, list] = {}


def remember_panels(subtype: str, preset: str, direction: str, panels: list) -> None:
    """Keep ``panels``, cut elsewhere (``sarcoma_sim.pathways.parallel``), as the shipped ``subtype``'s
    panels at the named preset and direction, so ``preset_panels`` returns them without cutting."""
    from sarcoma_sim.pathways.load import load_subtype

    graph = preset_graphs(load_subtype(subtype))[0]
    if len(_PANELS) >= 64:
        _PANELS.clear()
    _PANELS[(graph_fingerprint(graph), PRESETS[preset], None, direction)] = list(panels)


def _preset_panels(names: nx.MultiDiGraph, graph: nx.MultiDiGraph, preset: Preset,
                   highlight: Sequence[str] | None, path_keys, direction: str = "right") -> list:
    from sarcoma_sim.pathways.layout.text import wrap_widths
    from sarcoma_sim.pathways.panels import column_units, measured_panels, split_panels

    measure = _TextMeasure()

    title_wrap, detail_wrap, label_wrap = preset.wraps
    wide = preset.wide_wraps
    spacing = preset.spacing_for(direction)
    tries = [(title_wrap, detail_wrap, label, None) for label in (label_wrap, preset.label_wraps[0])] + \
        [(*wide, label, None) for label in (label_wrap, preset.label_wraps[0])] + \
        [(title_wrap, detail_wrap, label_wrap, link) for link in preset.link_wraps]
    # every pairing, tried only on a finished panel that fits no other way (fitting is not
    # monotonic in either width: wider labels let boxes sit closer, or push them apart), and the
    # narrower boxes, for a pathway that fits whole only with them (PEComa on a slide)
    narrow = [(*preset.narrow_wraps, label_wrap, None)]
    more = [(title_wrap, detail_wrap, label, None) for label in preset.label_wraps[1:]] + \
        [(*wide, label, None) for label in preset.label_wraps[1:]] + \
        [(title_wrap, detail_wrap, label, link) for label in preset.label_wraps for link in preset.link_wraps]
    more = [t for t in more + narrow if t not in tries]

    def fitting_link_wrap(panel: nx.MultiDiGraph, exhaustive: bool = False, extra=(), clean: bool = False):
        """The first (title, regimen, label, link) widths at which ``panel`` fits (link None: the
        preset's own), with no arrow label on a box or another label if ``clean``; False if none."""
        for title, detail, label, link in (list(extra) if extra else tries + (more if exhaustive else [])):
            with wrap_widths(title, detail, label, link=link):
                # the diagram alone larger than the page: no need to compose the slide around it (its
                # first attempt is the smallest: the spacing only grows when labels collide), nor,
                # larger on its lower bound, to lay it out
                bound = diagram_bound(panel, measure, preset.typography, spacing, direction)
                if bound[0] > preset.width + 1e-6 or bound[1] + 0.6 > preset.height + 1e-6:
                    continue
                alone = diagram_layout(panel, measure, preset.typography, spacing, direction, attempts=1)
                if alone.width > preset.width or alone.height + 0.6 > preset.height:
                    continue
                _, (w, h) = _compose(panel, None, highlight, title=f"{graph.graph.get('name')} (panel 99 of 99)",
                                     typography=preset.typography, page=(preset.width, preset.height),
                                     path_keys=path_keys, measure=measure, names=names, spacing=spacing,
                                     margin=preset.margin, direction=direction, size_only=True)
                if clean and diagram_layout(panel, measure, preset.typography, spacing, direction).collisions:
                    continue
            if w <= preset.width + 1e-6 and h <= preset.height + 1e-6:
                return title, detail, label, link
        return False

    units = column_units(graph)
    whole = (fitting_link_wrap(graph) or fitting_link_wrap(graph, extra=[t for t in narrow if t not in tries])
             if units else False)
    if not units or whole is not False:
        return [replace(p, wraps=whole or None) for p in split_panels(graph, [])]
    # while cutting, a panel is tried at a few widths only (each try is a layout); the finished
    # panels are then fitted at every width
    quick = list(dict.fromkeys([tries[0], tries[1], (title_wrap, detail_wrap, label_wrap, preset.link_wraps[-1]),
                                (*wide, label_wrap, None), (*wide, preset.label_wraps[0], None)]))
    groups = _phase_groups(graph, lambda panel: fitting_link_wrap(panel, extra=quick))
    fitted: dict[tuple, tuple | bool] = {}

    def final_wrap(panel: nx.MultiDiGraph, clean: bool = True):
        """The widths a numbered panel fits at with its arrow labels clear of boxes and of each
        other (every pairing tried), False if none; once per panel. A panel whose labels collide at
        every width that fits is cut again (``_settled_groups``), as one too large would be; with
        ``clean`` False, the widths it fits at anyway are the fallback."""
        key = (graph_fingerprint(panel), clean)
        if key not in fitted:
            found = fitting_link_wrap(panel, clean=True) or (
                fitting_link_wrap(panel, extra=more, clean=True) if more else False)
            if found is False and not clean:
                found = fitting_link_wrap(panel) or (fitting_link_wrap(panel, extra=more) if more else False)
            fitted[key] = found
        return fitted[key]

    groups = _settled_groups(graph, groups, final_wrap)
    panels = split_panels(graph, groups)
    # numbered, a link box's text is no longer than its placeholder's: the widths the measured
    # panel fits at are checked once, and searched again only if the panel grew after all
    # (only a single state too large for the page, or whose labels collide at every width that
    # fits, keeps its panel oversized or its labels overlapping: the tests catch it)
    out = []
    for panel, measured in zip(panels, measured_panels(graph, groups)):
        wraps = final_wrap(measured)
        if wraps is False or fitting_link_wrap(panel.graph, extra=[wraps], clean=True) is False:
            wraps = (fitting_link_wrap(panel.graph, clean=True)
                     or fitting_link_wrap(panel.graph, extra=more, clean=True)
                     or fitting_link_wrap(panel.graph) or fitting_link_wrap(panel.graph, extra=more))
        out.append(replace(panel, wraps=wraps or None))
    return out


def _settled_groups(graph, groups: list[list[str]], final_wrap) -> list[list[str]]:
    """The panels' states once numbered, checked whole: the fit check is the last word.

    While cutting, a panel is measured with every later state behind one link box ("panel 99");
    numbered, its arrows may lead to several panels, a link box each, and it can outgrow the page.
    So each numbered panel that does not fit (or whose arrow labels collide at every width that
    fits) is cut again, its last state moved to the start of the next panel (a new one after the
    last), until every panel fits (or holds one state). First-line options left on the second
    panel then move back to the first. Then neighbouring panels are joined wherever every panel
    still fits: a phase left holding one small state (the second TRK inhibitor after the first)
    shares the panel before or after it rather than taking a slide of its own; and one state (any
    of two neighbouring panels) is moved across their boundary where the joins after it save a
    panel. Decided from the panels' fit alone, never from state ids.
    """
    from sarcoma_sim.pathways.panels import measured_panels, phase_blocks

    blocks = phase_blocks(graph)
    first = set(blocks[0]) if blocks else set()

    def unfit(cut: list[list[str]]) -> list[int]:
        if len(cut) <= 1:
            return [] if final_wrap(graph) is not False else [0]
        # placeholder numbers: a panel is measured once whatever panels before it join or split.
        # The first panel holding the whole first-line decision (what a resident must learn on one
        # slide) keeps it whole even where two labels cannot both be clear (drawn down, the two
        # arrows into epithelioid sarcoma's tazemetostat): the decision is not cut for a label
        return [i for i, p in enumerate(measured_panels(graph, cut))
                if final_wrap(p, clean=not (i == 0 and first <= set(cut[0]))) is False]

    groups = [list(g) for g in groups if g]
    bad = unfit(groups)
    while any(len(groups[i]) > 1 for i in bad):
        i = next(i for i in bad if len(groups[i]) > 1)
        # the state moves to the start of the next panel (its phase goes on there), which the
        # check then cuts in turn if it outgrows the page; after the last panel, to a new one
        after = groups[i + 1] if i + 1 < len(groups) else []
        groups = groups[:i] + [groups[i][:-1], groups[i][-1:] + after] + groups[i + 2:]
        bad = unfit(groups)

    def joined_up(groups: list[list[str]], bad: list[int]) -> tuple[list[list[str]], list[int]]:
        i = 0
        while i + 1 < len(groups):
            joined = groups[:i] + [groups[i] + groups[i + 1]] + groups[i + 2:]
            still = unfit(joined)
            # a join never leaves a panel of several states too large (the cut above would undo it)
            if all(len(joined[j]) == 1 for j in still) and len(still) <= len(bad):
                groups, bad = joined, still
            else:
                i += 1
        return groups, bad

    # the first panel is the first-line decision: the options a cut left on the second panel
    # move back to it while every panel still fits and no panel is added
    while len(groups) > 1 and not first <= set(groups[0]):
        back = next((s for s in groups[1] if s in first), None)
        if back is None:
            break
        moved = [g for g in [groups[0] + [back], [s for s in groups[1] if s != back]] if g] + groups[2:]
        still = unfit(moved)
        if not all(len(moved[j]) == 1 for j in still) or len(still) > len(bad):
            break
        groups, bad = moved, still
    groups, bad = joined_up(groups, bad)
    # a greedy cut can fill a panel with a state that keeps it from joining its neighbour (the
    # angiosarcoma second line took the first third-line state, and no longer joined the first
    # panel): one state moved across a boundary, then joins, wherever that saves a panel. Any
    # state of the two panels may move, not only the one at the boundary (drawn down, that saved
    # a slide of leiomyosarcoma, angiosarcoma and desmoid each). The first panel keeps its own
    # states (the first-line decision stays whole on it).
    improved = True
    while improved:
        improved = False
        for i in range(len(groups) - 1):
            moves = []
            if i > 0 and len(groups[i]) > 1:
                for s in reversed(groups[i]):
                    moves.append(groups[:i] + [[x for x in groups[i] if x != s], [s] + groups[i + 1]] + groups[i + 2:])
            if len(groups[i + 1]) > 1:
                for s in groups[i + 1]:
                    moves.append(groups[:i] + [groups[i] + [s], [x for x in groups[i + 1] if x != s]] + groups[i + 2:])
            for moved in moves:
                still = unfit(moved)
                if not all(len(moved[j]) == 1 for j in still) or len(still) > len(bad):
                    continue
                fewer, fewer_bad = joined_up(moved, still)
                if len(fewer) < len(groups):
                    groups, bad, improved = fewer, fewer_bad, True
                    break
            if improved:
                break
    return groups


def _phase_groups(graph, fitting_link_wrap) -> list[list[str]]:
    """The states of each panel: the clinical phases (``panels.phase_blocks``) in order, consecutive
    phases sharing a panel while they fit; a phase too large for one panel is cut in column order
    (``_fill_panels``). Decided from the pathway's lines and arrows, so it holds for any pathway."""
    from sarcoma_sim.pathways.panels import candidate_panel, phase_blocks

    blocks = phase_blocks(graph)
    placed = sum(len(b) for b in blocks)
    groups: list[list[str]] = []

    def fits(states: list[str], earlier: list[list[str]]) -> bool:
        last = len(states) + sum(len(g) for g in earlier) == placed
        return fitting_link_wrap(candidate_panel(graph, states, last, earlier)) is not False

    for i, block in enumerate(blocks):
        if groups and fits(groups[-1] + block, groups[:-1]):
            groups[-1] = groups[-1] + block
            continue
        # the first panel (the first-line decision) ends where its phase does; a later panel that
        # has room goes on with the next phase, so a phase is cut only where a panel is full
        start = groups.pop() if i > 0 and len(groups) > 1 else []
        if not start and fits(block, groups):
            groups.append(list(block))
            continue
        groups += _fill_panels(graph, list(block), {}, fitting_link_wrap,
                               lambda g, own, last, earlier, before=list(groups): candidate_panel(
                                   g, own, last, [*before, *earlier]), start=start)
    return groups


# How many of the next states, in column order, a panel may choose from (see ``_fill_panels``).
FILL_WINDOW = 4


def _neighbours(graph, state: str) -> set[str]:
    terminal = {n for n, d in graph.nodes(data=True) if d.get("kind") == "terminal"}
    return (set(graph.predecessors(state)) | set(graph.successors(state))) - terminal - {state}


def _next_choice(graph, current: list[str], remaining: list[str]) -> str:
    """The state the panel holding ``current`` takes next: of the next ``FILL_WINDOW`` in column
    order, the one with most arrows to the panel; if none has any, one with no arrow to a state
    still to place (taking it separates nothing); else the next in column order."""
    window = remaining[:FILL_WINDOW]
    linked = {s: len(_neighbours(graph, s).intersection(current)) for s in window}
    best = max(window, key=lambda s: (linked[s], -window.index(s)))
    if linked[best]:
        return best
    rest = set(remaining)
    return next((s for s in window if not _neighbours(graph, s).intersection(rest)), remaining[0])


def _fill_panels(graph, states: list[str], caps: dict[int, int], fitting_link_wrap, candidate_panel,
                 start: Sequence[str] = ()) -> list[list[str]]:
    """States taken in column order (top to bottom within one) into panels, each joining the
    current panel while it still fits and holds fewer than its cap.

    The panel takes next the state ``_next_choice`` picks, else the next in column order; when
    neither fits, the panel ends. So linked states share a slide (GIST's imatinib 400 mg, its resection and its
    reduction; the two escalations and the reduction after them) and a panel ends between
    columns where it can, inside a column where it must.
    """
    groups: list[list[str]] = []
    current: list[str] = list(start)   # the states of a panel already begun
    remaining = list(states)
    while remaining:
        full = len(current) >= caps.get(len(groups), len(states))
        chosen = None
        if not current:
            chosen = remaining[0]
        elif not full:
            for candidate in dict.fromkeys([_next_choice(graph, current, remaining), remaining[0]]):
                last = len(remaining) == 1
                if fitting_link_wrap(candidate_panel(graph, current + [candidate], last, groups)) is not False:
                    chosen = candidate
                    break
        if chosen is None:
            groups.append(current)
            current = []
            continue
        current.append(chosen)
        remaining.remove(chosen)
    if current:
        groups.append(current)
    return groups


def _panel_title(graph, panel) -> str:
    name = str(graph.graph.get("name") or graph.graph.get("subtype") or "")
    return name if panel.count == 1 else f"{name} (panel {panel.number} of {panel.count})"


def preset_figures(pathway_or_graph, preset: Preset, highlight: Sequence[str] | None = None,
                   direction: str = "right") -> list:
    """One matplotlib figure per panel of the pathway at ``preset`` (see ``preset_panels``)."""
    return [figure for _, figure in preset_drawings(pathway_or_graph, preset, highlight, direction)]


def preset_drawings(pathway_or_graph, preset: Preset, highlight: Sequence[str] | None = None,
                    direction: str = "right") -> list:
    """``(panel, figure)`` for each panel of the pathway at ``preset``."""
    from sarcoma_sim.pathways.layout.text import wrap_widths

    graph, folded, path_keys = preset_graphs(pathway_or_graph, highlight)
    if isinstance(highlight, str):
        highlight = [highlight]
    panels = preset_panels(pathway_or_graph, preset, highlight, direction)
    drawings = []
    measure = _TextMeasure()
    for panel in panels:
        title_wrap, detail_wrap, label_wrap, link_wrap = panel.wraps or (*preset.wraps, None)
        with wrap_widths(title_wrap, detail_wrap, label_wrap, link=link_wrap):
            ax, _ = _compose(panel.graph, None, highlight, title=_panel_title(graph, panel),
                             typography=preset.typography, page=(preset.width, preset.height),
                             path_keys=path_keys, measure=measure, names=graph, spacing=preset.spacing_for(direction),
                             margin=preset.margin, direction=direction)
        drawings.append((panel, ax.figure))
    return drawings


# A very long pathway would make a PNG of hundreds of megapixels that takes most of a minute to
# encode and that no slide can show; past this size the resolution drops instead.
MAX_PNG_PIXELS = 24_000_000


def png_dpi(size_inches, dpi: float) -> float:
    """``dpi``, lowered if needed so that a PNG of ``size_inches`` stays within ``MAX_PNG_PIXELS``."""
    width, height = size_inches
    fits = (MAX_PNG_PIXELS / max(width * height, 1e-9)) ** 0.5
    return dpi if width * height * dpi * dpi <= MAX_PNG_PIXELS else max(1, int(fits))


# Text stays text in SVG (editable in Inkscape, PowerPoint and Keynote; found by search and screen
# readers), in a named font with fallbacks; a fixed salt makes element ids, and the file, repeatable.
SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "sarcoma-sim", "font.family": "sans-serif",
          "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"]}
METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}, "png": {"Software": None}}


def output_format(target: Path) -> str:
    """The format a file name asks for; a ``PathwayError`` for an unknown suffix."""
    fmt = FORMATS.get(target.suffix.lower())
    if fmt is None:
        what = f"a {target.suffix!r} file" if target.suffix else "a file name without a suffix"
        raise PathwayError(Problem(str(target), None, "",
                                   f"cannot draw to {what}; expected a name ending in {', '.join(FORMATS)}"))
    return fmt


def panel_paths(target: Path, count: int) -> list[Path]:
    """Where the panels of a PNG or SVG drawing go: ``name.svg`` alone, else ``name-1.svg``, ..."""
    if count == 1:
        return [target]
    return [target.with_name(f"{target.stem}-{i}{target.suffix}") for i in range(1, count + 1)]


def save_figure(figure, path: Path, fmt: str, dpi: float = DPI, describe=None) -> None:
    """Write one figure, all-or-nothing; SVG text as ``<text>``, states grouped (``describe``)."""
    from matplotlib import rc_context

    from sarcoma_sim.files import atomic_path

    if fmt == "png":
        dpi = png_dpi(figure.get_size_inches(), dpi)
    with atomic_path(path) as tmp, rc_context(SVG_RC):
        if fmt == "svg" and describe is not None:
            import io

            from sarcoma_sim.pathways.svg import structure_svg
            buffer = io.BytesIO()
            figure.savefig(buffer, format="svg", metadata=METADATA["svg"], facecolor="white")
            tmp.write_bytes(structure_svg(buffer.getvalue(), describe))
        else:
            figure.savefig(tmp, format=fmt, dpi=dpi, metadata=METADATA[fmt], facecolor="white")


def save_pathway_drawing(pathway, output_path, highlight: Sequence[str] | None = None, *,
                         dpi: int = DPI, size: str | None = None, direction: str = "right") -> list[Path]:
    """Draw ``pathway`` to ``output_path`` (PNG, SVG or PDF by suffix), all-or-nothing; returns the files.

    ``size`` is None (the drawing's own size) or a name in ``PRESETS``: then the drawing is cut
    into linked panels that each fit the preset's canvas, written as the pages of one PDF or as
    ``name-1.svg``, ``name-2.svg``... At a preset a ``Pathway``'s dose reductions for toxicity are
    listed in their drug's box where that loses nothing (``sarcoma_sim.pathways.fold``; a bare graph
    does not say which doses are reductions and keeps every box). ``direction`` "down" draws top
    to bottom, lines of therapy as horizontal bands, as guideline figures read. An unknown suffix, an unwritable
    path or a ``highlight`` that is not a path of the pathway is a ``PathwayError``; no partial
    file is left behind.
    """
    target = Path(output_path)
    fmt = output_format(target)
    from sarcoma_sim.pathways.svg import decision_descriptions, link_descriptions, state_descriptions
    if size is None:
        graph, _ = _graph_of(pathway)
        describe = state_descriptions(graph, highlight)
        drawn = [(graph, pathway_figure(graph, highlight, direction=direction))]
    else:
        # at a preset the states' titles are those of the folded graph (a drug's box lists its reductions)
        describe = state_descriptions(preset_graphs(pathway, highlight)[1], highlight)
        drawn = [(panel.graph, figure) for panel, figure in preset_drawings(pathway, PRESETS[size], highlight,
                                                                            direction)]
    figures = [figure for _, figure in drawn]
    # a panel numbers its own decision points
    describes = [{**describe, "decisions": decision_descriptions(g), "links": link_descriptions(g, highlight)}
                 for g, _ in drawn]
    if fmt == "pdf" and len(figures) > 1:
        write_pdf_pages(target, figures)
        return [target]
    paths = panel_paths(target, len(figures))
    from contextlib import ExitStack

    from sarcoma_sim.files import atomic_path
    with ExitStack() as stack:
        # every panel is written beside its target and moved into place only when all succeeded
        temps = [stack.enter_context(atomic_path(p)) for p in paths]
        for figure, tmp, described in zip(figures, temps, describes):
            save_figure(figure, tmp, fmt, dpi, described)
    return paths


def write_pdf_pages(target: Path, figures) -> None:
    """Write ``figures`` as the pages of one PDF, all-or-nothing, without a creation date."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_pdf import PdfPages

    from sarcoma_sim.files import atomic_path

    with atomic_path(target) as tmp, rc_context(SVG_RC):
        with PdfPages(tmp, metadata=METADATA["pdf"]) as pdf:
            for figure in figures:
                pdf.savefig(figure, facecolor="white")
