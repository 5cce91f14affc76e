"""A drawing written to a file: PNG, SVG or PDF by the file's suffix, all-or-nothing.

``save_pathway_drawing`` writes the whole drawing, or at a preset its panels (the pages of one PDF,
or numbered PNG or SVG files), on standalone Agg figures (headless, and none left open in pyplot).
SVG text stays text and each state is a group (``sarcoma_sim.pathways.svg``); files carry no
dates, so the same drawing is the same bytes; a PNG too large for any slide is written at a lower
resolution (``png_dpi``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from sarcoma_sim.errors import PathwayError, Problem
from sarcoma_sim.pathways.draw.cut import preset_graphs
from sarcoma_sim.pathways.draw.diagram import _graph_of
from sarcoma_sim.pathways.draw.drawings import preset_drawings
from sarcoma_sim.pathways.draw.figure import pathway_figure
from sarcoma_sim.pathways.draw.style import DPI, PRESETS

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


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
    file is left behind. Panels numbered after the last one written, left by an earlier drawing of
    the same target into more panels, are removed.
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
    if len(paths) > 1:
        _remove_later_panels(target, len(paths))
    return paths


def _remove_later_panels(target: Path, count: int) -> None:
    """Remove ``name-{count+1}.svg``, ``name-{count+2}.svg``... left by an earlier drawing of the
    same target cut into more panels, so the folder holds this drawing's panels only (a
    regenerated gallery or lecture folder with a stale last slide would teach the old pathway)."""
    from sarcoma_sim.files import later_panels

    for later in later_panels(target.parent, target.stem, target.suffix, count):
        later.unlink()


def write_pdf_pages(target: Path, figures) -> None:
    """Write ``figures`` as the pages of one PDF, all-or-nothing, without a creation date."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_pdf import PdfPages

    from sarcoma_sim.files import atomic_path

    with atomic_path(target) as tmp, rc_context(SVG_RC):
        with PdfPages(tmp, metadata=METADATA["pdf"]) as pdf:
            for figure in figures:
                pdf.savefig(figure, facecolor="white")
