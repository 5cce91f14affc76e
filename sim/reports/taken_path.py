"""A patient's path as they actually took it, drawn: the pathway with that path highlighted.

Shared by ``run --draw`` and the web app. The highlight follows the timeline to its end
(``taken_walk``): every state the patient was in, an off-guideline choice of the pathway's own
states included, and the state the timeline went on from after it. A jump the pathway has no arrow
for is highlighted as its two states without an arrow, and the off-guideline steps are named, by
their labels, under the title.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import Any

from sarcoma_sim.errors import PathwayError, Problem

TITLE_WIDTH = 110
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}, "png": {"Software": None}}


def taken_walk(result) -> list[str]:
    """Every state the patient was in, in order, to the end of the timeline (a stay is one state).

    An off-guideline choice of this pathway's states is in it; where a scripted run went on from
    the guideline's state instead, that state follows.
    """
    walk = [result.pathway.initial]
    for step in result.steps:
        chosen = step.choice.target if step.choice else None
        given = chosen.state.id if chosen is not None and chosen.pathway is result.pathway else step.target.id
        for state in (step.source.id, given, step.taken.id):
            if state != walk[-1]:
                walk.append(state)
    return walk


def taken_highlight(result) -> list[str]:
    """The path the patient took to the end of the timeline (``taken_walk``)."""
    return taken_walk(result)


def walk_keys(graph, walk) -> set:
    """The transition keys along ``walk``; a jump without an arrow adds none."""
    keys: set = set()
    for a, b in zip(walk, walk[1:]):
        keys.update(graph.get_edge_data(a, b) or {})
    return keys


def off_guideline_steps(result) -> list[str]:
    """Each off-guideline step as ``step N: GIVEN given, the guideline gives TARGET`` (state labels)."""
    return [f"step {s.index + 1}: {s.choice.target.state.label} given, the guideline gives {s.target.label}"
            for s in result.steps if s.choice and not s.choice.concordant]


def taken_title(result) -> str:
    """The pathway's name, with the off-guideline steps on the lines below when there are any."""
    off = off_guideline_steps(result)
    name = result.pathway.name
    if not off:
        return name
    lines = textwrap.wrap("Off the guideline: " + "; ".join(off), TITLE_WIDTH, break_long_words=False,
                          break_on_hyphens=False)
    return "\n".join([name, *lines])


def render(pathway, fmt: str, highlight=None, title: str | None = None, *, svg_text: bool = False) -> bytes:
    """The pathway drawn as ``fmt`` (png, svg, pdf) bytes, ``highlight`` emphasised; same input, same bytes.

    ``svg_text`` writes SVG text as text elements instead of glyph outlines (a quarter of the size
    and faster; for pages, where the browser has the fonts).
    """
    from matplotlib import rc_context

    from sarcoma_sim.pathways.draw import DPI, pathway_figure
    from sarcoma_sim.pathways.graph import build_graph

    keys = walk_keys(build_graph(pathway), highlight) if highlight is not None else None
    figure = pathway_figure(pathway, highlight, title=title, path_keys=keys)
    buffer = io.BytesIO()
    # A fixed salt makes SVG element ids, and so the whole file, the same on every run.
    settings: Any = {"svg.hashsalt": "sarcoma-sim", **({"svg.fonttype": "none"} if svg_text else {})}
    with rc_context(settings):
        figure.savefig(buffer, format=fmt, dpi=DPI, metadata=METADATA[fmt], facecolor="white")
    return buffer.getvalue()


def save_taken_path(result, output_path) -> None:
    """Draw the path ``result``'s patient took to ``output_path`` (by suffix), all-or-nothing."""
    from sarcoma_sim.files import atomic_path

    target = Path(output_path)
    fmt = FORMATS.get(target.suffix.lower())
    if fmt is None:
        what = f"a {target.suffix!r} file" if target.suffix else "a file name without a suffix"
        raise PathwayError(Problem(str(target), None, "",
                                   f"cannot draw to {what}; expected a name ending in {', '.join(FORMATS)}"))
    data = render(result.pathway, fmt, taken_highlight(result), taken_title(result))
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
