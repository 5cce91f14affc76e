"""A whole drawing composed on a figure: title, highlighted path, diagram, legend and sources.

``draw_pathway`` follows networkx's drawing functions: it takes an optional ``ax`` and returns it,
so a figure can be composed around it; without one it makes a figure through pyplot, which a
notebook shows. ``pathway_figure`` makes the same drawing on a standalone Agg figure (headless,
and none left open in pyplot), as saving and serving need. Coordinates are inches (one data unit
is one inch, y grows downwards), so text keeps its point size and the drawing fits a slide as it is.
"""

from __future__ import annotations

import functools
from typing import Sequence

from sarcoma_sim.pathways.draw.diagram import _graph_of, band_header_height, diagram_layout, highlighted_keys
from sarcoma_sim.pathways.draw.legend import _draw_legend, _footer_text, _legend_handles, _legend_height
from sarcoma_sim.pathways.draw.measure import _TextMeasure, _wrapped
from sarcoma_sim.pathways.draw.shapes import _draw_bands, _draw_nodes, _draw_routes, _draw_rows
from sarcoma_sim.pathways.draw.style import DEFAULT_TYPOGRAPHY, DPI, HIGHLIGHT_COLOUR, Typography
from sarcoma_sim.pathways.layout import Spacing


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


@functools.cache
def diagram_axes_class():
    """Axes that keep no data limits from the patches added to them.

    A drawing sets its own limits, so the limits matplotlib works out from every arrow as it is
    added are never read; working them out was half the time of drawing a web map. The output is
    the same either way (a test compares the SVG with one drawn on ordinary axes).
    """
    from matplotlib.axes import Axes

    class DiagramAxes(Axes):
        def _update_patch_limits(self, *args, **kwargs):
            return None

    return DiagramAxes


def _compose(pathway_or_graph, ax=None, highlight=None, *, title=None, legend=True, sources=True,
             typography: Typography = DEFAULT_TYPOGRAPHY, page=None, path_keys=None, measure=None,
             names=None, spacing: Spacing | None = None, margin: float = 0.35, managed: bool = False,
             direction: str = "right", size_only: bool = False, path_title: bool = True):
    """Draw as ``draw_pathway`` does; returns the axes and the drawing's own (width, height) in inches.

    A new figure (``ax`` None) is made through pyplot when ``managed``, so a notebook shows it when the
    cell ends; otherwise it is a standalone Agg figure, as saving needs (nothing is left open in pyplot).
    With ``size_only`` nothing is drawn and the axes returned are None: the same arithmetic gives the
    size alone, which is what fitting a panel to a slide asks of every candidate (drawing each
    cost a figure of patches and a legend layout). ``path_title`` False leaves out the line naming the
    highlighted path (the web map writes its own onto one drawing shared by every walk).
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
    lead = _lead(layout, t, measure)

    own_figure = ax is None and not size_only
    if size_only:
        pass
    elif own_figure and managed:
        import matplotlib.pyplot as plt

        ax = plt.figure(figsize=page or (8, 6), dpi=DPI).add_axes((0, 0, 1, 1), axes_class=diagram_axes_class())
    elif own_figure:
        figure = Figure(figsize=page or (8, 6), dpi=DPI)
        FigureCanvasAgg(figure)
        ax = figure.add_axes((0, 0, 1, 1), axes_class=diagram_axes_class())
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
    heading, said = _headings(graph, title, highlight if path_title else None, names, text_width, t, measure)
    y = margin
    if heading and not size_only:
        ax.text(width / 2, y, heading, ha="center", va="top", fontsize=t.title, fontweight="bold",
                parse_math=False, gid="title")
    if said and not size_only:
        ax.text(width / 2, _below_headings(y, heading, "", t, measure), said, ha="center", va="top",
                fontsize=t.subtitle, color=HIGHLIGHT_COLOUR, parse_math=False, gid="subtitle")
    y = _below_headings(y, heading, said, t, measure)
    band_top = y + 0.05
    oy = _diagram_top(y, down, page is not None, t, measure)
    diagram_bottom = oy + layout.height

    if not size_only:
        if down:
            _draw_rows(ax, graph, layout, ox, oy, lead, t)
        else:
            _draw_bands(ax, graph, layout, ox, oy, band_top, diagram_bottom + 0.1, t,
                        band_header_height(t, measure))
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


def _lead(layout, t: Typography, measure) -> float:
    """Running down, the width of the column of the bands' headers at the left of the diagram; 0 running right."""
    if layout.direction != "down":
        return 0.0
    return max((measure(b.title, t.header, "bold")[0] for b in layout.bands), default=0.0) + 0.2


def _headings(graph, title, highlight, names, text_width: float, t: Typography, measure) -> tuple[str, str]:
    """The title and the line naming the highlighted path (empty without one), wrapped to ``text_width``."""
    heading = title if title is not None else str(graph.graph.get("name") or graph.graph.get("subtype") or "")
    heading = _wrapped(heading, text_width, t.title, measure, "bold") if heading else ""
    said = ""
    if highlight is not None:
        said = " → ".join(_state_name(graph if names is None else names, s) for s in highlight)
        said = _wrapped(f"Highlighted path: {said}", text_width, t.subtitle, measure)
    return heading, said


def _below_headings(y: float, heading: str, said: str, t: Typography, measure) -> float:
    """Where the title ``heading`` and the path line ``said`` (either may be empty), drawn from ``y``, end."""
    y += measure(heading, t.title, "bold")[1] + 0.08 if heading else 0.0
    return y + (measure(said, t.subtitle)[1] + 0.08 if said else 0.0)


def _diagram_top(y: float, down: bool, page: bool, t: Typography, measure) -> float:
    """The diagram's top, below headings ending at ``y`` and (running right) the bands' headers."""
    header_h = band_header_height(t, measure)
    # a fixed page (slide, printed page) is short of height: tighter gaps under headers and before the legend
    return y + 0.05 + (0.05 if down else header_h + (0.12 if page else 0.25))


def page_room(graph, layout, page: tuple[float, float], *, title=None, highlight=None, names=None,
              typography: Typography = DEFAULT_TYPOGRAPHY, measure=None, margin: float = 0.35) -> tuple[float, float]:
    """The widest and tallest a diagram laid out with ``layout``'s bands can be and still fit ``page``
    as ``_compose`` draws it (title, band headers and margins around it; the legend and sources
    need more): a larger layout does not fit, whatever its legend. Fitting a panel checks its
    layouts against this before composing the page around them. Without a layout, the room of
    any (running down, before the column of the bands' headers)."""
    measure = measure or _TextMeasure()
    t = typography
    heading, said = _headings(graph, title, highlight, names, page[0] - 2 * margin, t, measure)
    y = _below_headings(margin, heading, said, t, measure)
    if layout is None:
        # either direction: running down the diagram starts nearer the title (no headers above it)
        top, lead = min(_diagram_top(y, down, True, t, measure) for down in (False, True)), 0.0
    else:
        top, lead = _diagram_top(y, layout.direction == "down", True, t, measure), _lead(layout, t, measure)
    return page[0] - 2 * margin - lead, page[1] - margin - 0.1 - top


def _state_name(graph, state: str) -> str:
    """A state as a reader knows it: its label (its regimen detail is on the box)."""
    label = graph.nodes[state].get("label") if state in graph else None
    return str(label or state)
