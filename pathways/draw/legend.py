"""What a drawing says beside or below its diagram: the legend of what it shows, and the footer of
the sources it cites with the teaching notice; each drawn, or only sized (fitting a panel)."""

from __future__ import annotations

import textwrap
import threading

from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE
from sarcoma_sim.pathways.draw.measure import _TextMeasure, _wrapped
from sarcoma_sim.pathways.draw.style import DPI, EDGE_COLOUR, HIGHLIGHT_COLOUR, Typography, _style_of
from sarcoma_sim.pathways.layout import Layout, drawn_line


def _legend_handles(graph, layout: Layout, highlighted: bool) -> list:
    """The legend's entries for what the drawing shows: box styles, decisions, beyond-source, the path."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles, seen = [], set()
    order = sorted(graph.nodes, key=lambda n: (
        ["workup", "therapy", "surgery", "assessment", "terminal"].index(graph.nodes[n].get("kind"))
        if graph.nodes[n].get("kind") in ("workup", "therapy", "surgery", "assessment", "terminal") else 9,
        drawn_line(graph.nodes[n]) or 0))
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
        # one scratch figure per thread: matplotlib keeps text sizes per renderer, so each entry's
        # text is laid out once however many legends are tried (a new figure measured them all again)
        ax = getattr(_SCRATCH, "axes", None)
        if ax is None:
            scratch = Figure(figsize=(8, 6), dpi=DPI)
            FigureCanvasAgg(scratch)
            ax = scratch.add_axes((0, 0, 1, 1))
            ax.set_xlim(0, 8)
            ax.set_ylim(6, 0)
            _SCRATCH.axes = ax
        legend = ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(4.0, 0.0),
                           bbox_transform=ax.transData, ncol=ncol, fontsize=size, frameon=False,
                           handlelength=1.8, columnspacing=1.6)
        if chars is not None:
            for text, handle in zip(legend.get_texts(), handles):
                text.set_text(textwrap.fill(handle.get_label(), chars, break_long_words=False))
        extent = legend.get_window_extent(_renderer_for(ax.figure))
        legend.remove()
        found = (extent.width / DPI, extent.height / DPI)
        if len(_LEGEND_EXTENTS) >= 4096:
            _LEGEND_EXTENTS.clear()
        _LEGEND_EXTENTS[key] = found
    return found


_LEGEND_EXTENTS: dict[tuple, tuple[float, float]] = {}
_SCRATCH = threading.local()


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
