"""The headers over the diagram's columns: "Workup", "First line", ..., "End", and their extents."""

from __future__ import annotations

from sarcoma_sim.pathways.layout.geometry import Band


def drawn_line(attrs: dict) -> int | None:
    """The line of therapy a state is coloured and banded with: its ``line``, except adjuvant
    therapy (``adjuvant``), given after resection of localised disease: not a line of treatment of
    advanced disease, though the pathway numbers it with the first line (the course it joins on
    recurrence, and the cohort's timing)."""
    return None if attrs.get("adjuvant") else attrs.get("line")


ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth")


def line_title(line: int) -> str:
    """"First line", "Second line", ... ("Line 11" beyond the tenth)."""
    return f"{ORDINALS[line - 1]} line" if 1 <= line <= len(ORDINALS) else f"Line {line}"


def _bands(graph, layers, rank, x_col, widths, gap_widths) -> tuple[Band, ...]:
    """Headers over the columns: workup, each line of therapy, end; shared columns join a band."""
    titles: list[str | None] = []

    def layer_of(c: int) -> list:
        return [n for n in layers[c] if not isinstance(n, tuple)]

    for layer in layers:
        kinds = {graph.nodes[n].get("kind") for n in layer if n in graph}
        lines = sorted({line for n in layer if n in graph if (line := drawn_line(graph.nodes[n])) is not None})
        if lines:
            titles.append(line_title(lines[0]) if len(lines) == 1 else
                          f"{line_title(lines[0])}–{line_title(lines[-1]).split()[0].lower()} line")
        elif kinds == {"workup"}:
            titles.append("Workup")
        elif kinds and kinds <= {"terminal"}:
            titles.append("End")
        else:
            titles.append(None)
    for c, title in enumerate(titles):
        if title is None:
            before = next((t for t in reversed(titles[:c]) if t), None)
            after = next((t for t in titles[c + 1:] if t), None)
            if before is not None and before == after:
                titles[c] = before
            elif after is not None and layer_of(c) and all(n not in graph for n in layer_of(c)):
                titles[c] = after
    bands: list[Band] = []
    for c, title in enumerate(titles):
        half_before = gap_widths[c - 1] / 2 if c > 0 else 0.15
        half_after = gap_widths[c] / 2 if c < len(gap_widths) else 0.15
        left = x_col[c] - widths[c] / 2 - half_before
        right = x_col[c] + widths[c] / 2 + half_after
        if title is None:
            continue
        if bands and bands[-1].title == title and abs(bands[-1].right - left) < 1e-6:
            bands[-1] = Band(title, (*bands[-1].columns, (left, right)))
        else:
            bands.append(Band(title, ((left, right),)))
    return tuple(bands)
