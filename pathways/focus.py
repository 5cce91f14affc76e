"""A readable piece of the map: one state's neighbourhood, and a map that answers no question.

``focus_svg`` draws where the patient came from, where they are and the states the options lead
to as a narrow column (360 px, every text 13 px or more, so it reads on a 390 px phone at its own
size), written directly as SVG: a few boxes need no layout search, and it costs well under a
millisecond, so a busy server draws it in the request. ``focus_graph`` is the same neighbourhood as
a graph of the pathway. ``neutral_graph`` takes from a graph everything that would answer a
pending decision: the state labels are replaced by the caller's neutral wording (a label such as
"Imatinib 800 mg daily (KIT exon 9)" names the marker it goes with), the arrows lose their
conditions and notes, and the states lose their ids. ``render_svg`` draws a graph with the usual
drawing code, every text at least 9 pt (12 CSS px at the drawing's own size), on the layout
``map_layout`` keeps for the graph (a neutral map is laid out once, whatever walk it highlights).
The same map drawn once for every walk, each walk laid over it as text, is ``map_overlay``'s.
"""

from __future__ import annotations

import io
import re
import textwrap
from html import escape
from typing import Iterable, Mapping

import networkx as nx

# Every size at least 9 pt: 12 CSS px at the drawing's own size.
MIN_POINTS = 9.0
SVG_SALT = "sarcoma-sim"
# The focus view's column, in CSS px.
FOCUS_WIDTH = 360
FOCUS_MARGIN = 10
FOCUS_INDENT = 26
FONT_PX = 13
TITLE_PX = 15
LINE_PX = 17
CHAR_PX = FONT_PX * 0.56      # a sans-serif character's mean width (as ``layout.estimate_text_size``)
PAD = 7
GAP = 22
HIGHLIGHT = "#c2410c"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(text: str) -> str:
    """``text`` escaped for SVG; characters XML cannot carry (control characters) become U+FFFD."""
    return escape(_NOT_XML.sub("\ufffd", text))


def _lines(text: str, width_px: float, char_px: float = CHAR_PX) -> list[str]:
    return textwrap.wrap(text, max(8, int(width_px / char_px)), break_long_words=True) or [""]


def _box(x: float, y: float, width: float, lines: list[str], *, on_path: bool,
         caption: str) -> tuple[list[str], float]:
    height = 2 * PAD + LINE_PX * (len(lines) + 1)
    stroke = HIGHLIGHT if on_path else "#52606d"
    parts = [f'<g class="{"on-path " if on_path else ""}state">',
             f'<rect x="{x:g}" y="{y:g}" width="{width:g}" height="{height:g}" rx="6" fill="#ffffff" '
             f'stroke="{stroke}" stroke-width="{2.5 if on_path else 1.2}"/>',
             f'<text x="{x + PAD:g}" y="{y + PAD + FONT_PX:g}" font-size="{FONT_PX}" fill="#52606d" '
             f'font-style="italic">{_text(caption)}</text>']
    weight = ' font-weight="bold"' if on_path else ""
    for i, line in enumerate(lines, start=1):
        parts.append(f'<text x="{x + PAD:g}" y="{y + PAD + FONT_PX + i * LINE_PX:g}" font-size="{FONT_PX}" '
                     f'fill="#1f2933"{weight}>{_text(line)}</text>')
    parts.append("</g>")
    return parts, height


def focus_svg(title: str, current: str, came_from: str | None = None, leads_to: Iterable[str] = ()) -> str:
    """The focus view as an SVG document: ``came_from`` and ``current`` (labels) highlighted, then where the
    options lead (labels), each reached by an arrow from the current state. Text only from the labels given."""
    width = FOCUS_WIDTH - 2 * FOCUS_MARGIN
    body: list[str] = []
    y: float = FOCUS_MARGIN
    for line in _lines(title, width, TITLE_PX * 0.56):
        y += TITLE_PX + 3
        body.append(f'<text x="{FOCUS_MARGIN}" y="{y:g}" font-size="{TITLE_PX}" font-weight="bold" '
                    f'fill="#1f2933">{_text(line)}</text>')
    y += GAP / 2
    if came_from is not None:
        parts, height = _box(FOCUS_MARGIN, y, width, _lines(came_from, width - 2 * PAD), on_path=True,
                             caption="Where you came from")
        body += parts
        y += height
        body.append(f'<path d="M {FOCUS_WIDTH / 2:g} {y:g} V {y + GAP - 2:g}" stroke="{HIGHLIGHT}" '
                    f'stroke-width="2.5" marker-end="url(#arrow-on)"/>')
        y += GAP
    parts, height = _box(FOCUS_MARGIN, y, width, _lines(current, width - 2 * PAD), on_path=True,
                         caption="Where you are now")
    body += parts
    spine_top = y + height
    y += height + GAP / 2
    leads = list(leads_to)
    if leads:
        y += FONT_PX + 2
        body.append(f'<text x="{FOCUS_MARGIN + FOCUS_INDENT:g}" y="{y:g}" font-size="{FONT_PX}" fill="#52606d">'
                    f'Where the options lead:</text>')
        y += GAP / 2
    arrows_y = []
    inner = width - FOCUS_INDENT
    for label in leads:
        parts, height = _box(FOCUS_MARGIN + FOCUS_INDENT, y, inner, _lines(label, inner - 2 * PAD), on_path=False,
                             caption="option")
        body += parts
        arrows_y.append(y + height / 2)
        y += height + GAP / 2
    spine_x = FOCUS_MARGIN + FOCUS_INDENT / 2
    if arrows_y:
        body.append(f'<path d="M {spine_x:g} {spine_top:g} V {arrows_y[-1]:g}" stroke="#52606d" '
                    f'stroke-width="1.2" fill="none"/>')
        body += [f'<path d="M {spine_x:g} {a:g} H {FOCUS_MARGIN + FOCUS_INDENT - 2:g}" stroke="#52606d" '
                 f'stroke-width="1.2" marker-end="url(#arrow)"/>' for a in arrows_y]
    return _document(title, y + FOCUS_MARGIN, body)


def _document(title: str, height: float, body: list[str]) -> str:
    defs = ('<defs>'
            '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto"><path d="M 0 0 L 10 5 L 0 10 z" fill="#52606d"/></marker>'
            f'<marker id="arrow-on" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
            f'orient="auto"><path d="M 0 0 L 10 5 L 0 10 z" fill="{HIGHLIGHT}"/></marker></defs>')
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{FOCUS_WIDTH}" height="{height:g}" '
            f'viewBox="0 0 {FOCUS_WIDTH} {height:g}" role="img" aria-labelledby="focus-title" '
            f'font-family="system-ui, sans-serif"><title id="focus-title">{_text(title)}</title>{defs}'
            f'<rect width="100%" height="100%" fill="#ffffff"/>{"".join(body)}</svg>\n')


def neutral_graph(graph, labels: Mapping[str, str]) -> tuple[nx.MultiDiGraph, dict[str, str]]:
    """A copy of ``graph`` that names no marker or condition, and the new name of each state.

    ``labels`` (state id -> wording) replaces the states' labels; the states are renamed
    ``state-1``, ``state-2``... in the graph's order, since an id such as ``imatinib_800_exon9``
    would be written into the SVG's element ids; sources and notes are dropped.
    """
    neutral = graph.copy()
    for state, attrs in neutral.nodes(data=True):
        attrs["label"] = labels.get(state, attrs.get("label"))
        attrs["note"] = None
        attrs["sources"] = []
    for _, _, attrs in neutral.edges(data=True):
        attrs.update(when=None, when_plain=None, note=None, sources=[])
    names = {state: f"state-{i}" for i, state in enumerate(neutral.nodes, start=1)}
    return nx.relabel_nodes(neutral, names), names


def readable_typography():
    """The drawing's font sizes, none under ``MIN_POINTS``."""
    from dataclasses import fields, replace

    from sarcoma_sim.pathways.draw import DEFAULT_TYPOGRAPHY

    return replace(DEFAULT_TYPOGRAPHY, **{f.name: max(getattr(DEFAULT_TYPOGRAPHY, f.name), MIN_POINTS)
                                          for f in fields(DEFAULT_TYPOGRAPHY)})


def map_layout(graph):
    """The layout ``render_svg`` draws ``graph`` with (computed once per graph and process, then kept)."""
    from sarcoma_sim.pathways.draw import diagram_layout

    return diagram_layout(graph, typography=readable_typography())


def render_svg(graph, highlight: list[str] | None = None, title: str | None = None, *,
               legend: bool = False) -> str:
    """``graph`` drawn as SVG text (text kept as text), ``highlight`` emphasised where it follows arrows.

    The layout is ``map_layout``'s: a graph is laid out once per process, however many highlights
    (a resident's walks) it is drawn with.
    """
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sarcoma_sim.pathways.draw.figure import _compose, diagram_axes_class
    from sarcoma_sim.pathways.draw.style import DPI

    keys: set = set()
    if highlight:
        for a, b in zip(highlight, highlight[1:]):
            keys.update(graph.get_edge_data(a, b) or {})
    figure = Figure(figsize=(8, 6), dpi=DPI)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0, 0, 1, 1), axes_class=diagram_axes_class())
    _, size = _compose(graph, ax, highlight or None, title=title, legend=legend, sources=False,
                       typography=readable_typography(), path_keys=keys if highlight else None)
    figure.set_size_inches(*size)
    buffer = io.StringIO()
    with rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", dpi=DPI, metadata={"Date": None}, facecolor="white")
    return buffer.getvalue()


def paths_svg(title: str, paths: Iterable[tuple[str, list[str]]]) -> str:
    """Paths (a heading and state labels each) as columns of boxes joined by arrows, one under the other.

    The debrief's "your path" beside "the guideline's path for this patient", in the focus view's
    readable column.
    """
    width = FOCUS_WIDTH - 2 * FOCUS_MARGIN
    body: list[str] = []
    y: float = FOCUS_MARGIN
    for line in _lines(title, width, TITLE_PX * 0.56):
        y += TITLE_PX + 3
        body.append(f'<text x="{FOCUS_MARGIN}" y="{y:g}" font-size="{TITLE_PX}" font-weight="bold" '
                    f'fill="#1f2933">{_text(line)}</text>')
    for n, (heading, labels) in enumerate(paths):
        y += GAP
        body.append(f'<text x="{FOCUS_MARGIN}" y="{y:g}" font-size="{FONT_PX + 1}" font-weight="bold" '
                    f'fill="{HIGHLIGHT if n == 0 else "#1f2933"}">{_text(heading)}</text>')
        y += GAP / 2
        for i, label in enumerate(labels):
            if i:
                body.append(f'<path d="M {FOCUS_WIDTH / 2:g} {y:g} V {y + GAP - 2:g}" stroke="#52606d" '
                            f'stroke-width="1.5" marker-end="url(#arrow)"/>')
                y += GAP
            parts, height = _box(FOCUS_MARGIN, y, width, _lines(label, width - 2 * PAD), on_path=n == 0,
                                 caption=f"step {i}" if i else "start")
            body += parts
            y += height
    height_total = y + FOCUS_MARGIN
    return _document(title, height_total, body)
