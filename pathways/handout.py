"""The printed handout: one PDF with a cover, every shipped pathway at the page preset, and sources.

``sarcoma-sim draw --all --handout FILE.pdf`` writes it. The cover carries the not-for-clinical-use
notice and the list of subtypes; each pathway follows at the ``page`` preset (a pathway too large
for one page continues on linked panels); the last pages list every source each pathway cites, in
full. All text is at least 12 pt. Written all-or-nothing, without a creation date, so the same
pathways give the same file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE

HANDOUT_TITLE = "Soft-tissue sarcoma treatment pathways"
BODY_SIZE = 12


def _text_pages(title: str, paragraphs: list[tuple[str, bool]], preset) -> list:
    """Pages of wrapped text (``(text, bold)`` paragraphs) at ``preset``'s size, 12 pt and up."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sarcoma_sim.pathways.draw.measure import _TextMeasure, _wrapped

    measure = _TextMeasure()
    margin = 0.7
    width = preset.width - 2 * margin
    pages, figure, ax, y = [], None, None, 0.0

    def new_page(heading: str):
        fig = Figure(figsize=(preset.width, preset.height), dpi=100)
        FigureCanvasAgg(fig)
        axes = fig.add_axes((0, 0, 1, 1))
        axes.set_axis_off()
        axes.set_xlim(0, preset.width)
        axes.set_ylim(preset.height, 0)
        text = _wrapped(heading, width, 18, measure, "bold")
        axes.text(margin, margin, text, fontsize=18, fontweight="bold", va="top", ha="left", parse_math=False)
        pages.append(fig)
        return fig, axes, margin + measure(text, 18, "bold")[1] + 0.3

    figure, ax, y = new_page(title)
    for text, bold in paragraphs:
        body = _wrapped(text, width, BODY_SIZE, measure, "bold" if bold else "normal")
        height = measure(body, BODY_SIZE, "bold" if bold else "normal")[1]
        if y + height > preset.height - margin:
            figure, ax, y = new_page(f"{title} (continued)")
        ax.text(margin, y, body, fontsize=BODY_SIZE, fontweight="bold" if bold else "normal", va="top",
                ha="left", parse_math=False)
        y += height + (0.08 if bold else 0.16)
    return pages


def handout_figures(subtypes=None, direction: str = "right",
                    ready: Callable[[str], object] | None = None) -> Iterator:
    """The handout's pages as matplotlib figures, one after another: cover, pathway panels
    (``direction`` "down": top to bottom, lines of therapy as bands), sources. Made as the PDF
    takes them, so only one pathway's pages are held at a time (all of them took about 850 MB).
    ``ready(subtype)`` is called before a pathway's pages are made (``draw --all`` waits there
    for the worker cutting its panels)."""
    from sarcoma_sim.pathways.draw import PRESETS, preset_figures
    from sarcoma_sim.pathways.graph import build_graph
    from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype

    preset = PRESETS["page"]
    ids = list(subtypes or SUBTYPE_IDS)
    pathways = [load_subtype(s) for s in ids]
    cover = [(NOT_FOR_CLINICAL_USE, True),
             (("Each pathway is drawn top to bottom: workup, each line of therapy as a band, the end "
               "of the pathway. " if direction == "down" else
               "Each pathway is drawn left to right: workup, each line of therapy, the end of the pathway. ") +
              "Each pathway starts with the diagnosis and every first-line option, then progression and "
              "the later lines. A dashed border or arrow marks what goes beyond the source guideline (from "
              "the evidence table); a dashed grey box says on which page of the same pathway the "
              "story continues ('second line: panel 3') or where an arrow comes from. A dose reduction "
              "for toxicity that only lowers the dose of the drug before it is listed in that drug's box. "
              "Sources are listed at the end.", False),
             ("Subtypes in this handout:", True)]
    cover += [(f"{p.name} ({p.id})", False) for p in pathways]
    yield from _text_pages(HANDOUT_TITLE, cover, preset)
    sources = []
    for subtype, pathway in zip(ids, pathways):
        if ready is not None:
            ready(subtype)
        graph = build_graph(pathway)
        # the pathway itself, not its exported graph: it says which doses are reductions to fold
        yield from preset_figures(pathway, preset, direction=direction)
        sources.append((pathway.name, True))
        for s in graph.graph.get("sources") or []:
            mark = " (beyond the source guideline)" if s.get("beyond_source") else ""
            sources.append((f"{s.get('id')}: {s.get('citation')}{mark}", False))
    yield from _text_pages("Sources", sources, preset)


def check_handout_name(target) -> Path:
    """``target`` as a path, refused (``PathwayError``) unless it names a PDF; checked before any drawing."""
    from sarcoma_sim.errors import PathwayError, Problem

    target = Path(target)
    if target.suffix.lower() != ".pdf":
        raise PathwayError(Problem(str(target), None, "", "the handout is a PDF; expected a name ending in .pdf"))
    return target


def write_handout(target, subtypes=None, direction: str = "right",
                  ready: Callable[[str], object] | None = None) -> Path:
    """Write the handout PDF to ``target``, all-or-nothing; returns its path. ``ready``: as for
    ``handout_figures``."""
    from sarcoma_sim.pathways.draw import write_pdf_pages

    target = check_handout_name(target)
    write_pdf_pages(target, handout_figures(subtypes, direction, ready))
    return target
