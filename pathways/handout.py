"""The printed handout: one PDF with a cover, every shipped pathway at the page preset, and sources.

``sarcoma-sim draw --all --handout FILE.pdf`` writes it. The cover carries the not-for-clinical-use
notice and the list of subtypes; each pathway follows at the ``page`` preset (a pathway too large
for one page continues on linked panels); the last pages list every source each pathway cites, in
full. All text is at least 12 pt. Written all-or-nothing, without a creation date, so the same
pathways give the same file.

It is drawn in parts (``handout_parts``: the cover, each pathway, the sources), each a PDF of its
own, so that several processes can draw it (``draw --all`` draws the parts beside the pathways'
drawings): drawn in one process, the handout alone took longer than every other drawing of
``draw --all`` on two cores. The parts are then joined with pypdf (``join_parts``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import NamedTuple, Sequence

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


class HandoutPart(NamedTuple):
    """One part of the handout, drawn on its own into a PDF of its own (``draw_handout_part``)."""

    number: int            # its place in the handout
    kind: str              # "cover", "pathway" or "sources"
    subtypes: tuple        # the pathway drawn, or the pathways the cover lists and the sources cite
    direction: str         # "right", or "down": top to bottom, lines of therapy as bands


def handout_parts(subtypes=None, direction: str = "right") -> list[HandoutPart]:
    """The handout's parts, in order: the cover, each pathway, the sources; drawn on their own by
    ``draw_handout_part`` (in any process) and joined by ``join_parts``."""
    from sarcoma_sim.pathways.load import SUBTYPE_IDS

    ids = tuple(subtypes or SUBTYPE_IDS)
    kinds = [("cover", ids)] + [("pathway", (s,)) for s in ids] + [("sources", ids)]
    return [HandoutPart(number, kind, which, direction) for number, (kind, which) in enumerate(kinds)]


def _cover(ids: tuple, direction: str, preset) -> list:
    from sarcoma_sim.pathways.load import load_subtype

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
    cover += [(f"{p.name} ({p.id})", False) for p in map(load_subtype, ids)]
    return _text_pages(HANDOUT_TITLE, cover, preset)


def _sources(ids: tuple, preset) -> list:
    from sarcoma_sim.pathways.graph import build_graph
    from sarcoma_sim.pathways.load import load_subtype

    sources = []
    for pathway in map(load_subtype, ids):
        sources.append((pathway.name, True))
        for s in build_graph(pathway).graph.get("sources") or []:
            mark = " (beyond the source guideline)" if s.get("beyond_source") else ""
            sources.append((f"{s.get('id')}: {s.get('citation')}{mark}", False))
    return _text_pages("Sources", sources, preset)


def draw_handout_part(job: tuple[HandoutPart, str | Path]) -> tuple[Path, str]:
    """``job``: ``(part, folder)``. Draws the part's pages at the page
    preset into a PDF of its own in ``folder``; returns its path and its bookmark (the pathway's
    name, "Cover", "Sources"). A module-level function of one argument, so a worker process can run it."""
    from sarcoma_sim.pathways.draw import PRESETS, preset_figures, write_pdf_pages
    from sarcoma_sim.pathways.load import load_subtype

    part, folder = job
    preset = PRESETS["page"]
    target = Path(folder) / f"part-{part.number:03d}.pdf"
    if part.kind == "cover":
        write_pdf_pages(target, _cover(part.subtypes, part.direction, preset))
        return target, "Cover"
    if part.kind == "sources":
        write_pdf_pages(target, _sources(part.subtypes, preset))
        return target, "Sources"
    pathway = load_subtype(part.subtypes[0])
    # the pathway itself, not its exported graph: it says which doses are reductions to fold; its
    # figures are made as the PDF takes them, so only one page is held at a time
    write_pdf_pages(target, preset_figures(pathway, preset, direction=part.direction))
    return target, pathway.name


def join_parts(target, parts: Sequence[tuple[Path, str]]) -> Path:
    """The parts' PDFs (``(path, bookmark)``, in order) joined into ``target``, all-or-nothing, each
    part's first page bookmarked; returns its path. Objects every part holds alike (the glyphs of
    the fonts each part embeds) are kept once: joined, the file is about the size one process's
    would be. Without dates, so the same parts give the same file."""
    from pypdf import PdfWriter

    from sarcoma_sim.files import atomic_path
    from sarcoma_sim.version import tool_version

    target = Path(target)
    writer = PdfWriter()
    for path, bookmark in parts:
        writer.append(str(path), outline_item=bookmark)
    writer.add_metadata({"/Title": HANDOUT_TITLE, "/Creator": f"sarcoma-sim {tool_version()}"})
    writer.compress_identical_objects()
    with atomic_path(target) as tmp:
        writer.write(tmp)
    return target


def check_handout_name(target) -> Path:
    """``target`` as a path, refused (``PathwayError``) unless it names a PDF; checked before any drawing."""
    from sarcoma_sim.errors import PathwayError, Problem

    target = Path(target)
    if target.suffix.lower() != ".pdf":
        raise PathwayError(Problem(str(target), None, "", "the handout is a PDF; expected a name ending in .pdf"))
    return target


def parts_folder() -> tempfile.TemporaryDirectory:
    """A temporary folder for the parts' PDFs until they are joined (removed on leaving it)."""
    return tempfile.TemporaryDirectory(prefix="sarcoma-sim-handout-")


def write_handout(target, subtypes=None, direction: str = "right", jobs: int = 1) -> Path:
    """Write the handout PDF to ``target``, all-or-nothing; returns its path. Its parts are drawn
    in ``jobs`` processes (``sarcoma_sim.pathways.parallel``); the file is the same for any number."""
    from sarcoma_sim.pathways.parallel import in_workers

    target = check_handout_name(target)
    with parts_folder() as folder:
        drawn = in_workers(draw_handout_part, [(part, folder) for part in handout_parts(subtypes, direction)], jobs)
        return join_parts(target, drawn)
