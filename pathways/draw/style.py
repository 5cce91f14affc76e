"""How a pathway drawing looks: colours, type sizes, spacing, and the presets (slide, page) it is fitted to.

A box's colours say its kind, a therapy's its line of therapy, a link box's (a state drawn on
another panel) that it stands for one. Sizes are points, lengths inches.
"""

from __future__ import annotations

from dataclasses import dataclass

from sarcoma_sim.pathways.colours import LINK_STYLE, box_colours, box_kind  # boxes' colours, shared with the exports
from sarcoma_sim.pathways.layout import Spacing

EDGE_COLOUR = "#3A3A3A"
HIGHLIGHT_COLOUR = "#C0392B"
FADED = 0.22

PAD = 0.11
# A band that leaves out a state of no line sharing its columns (draw.shapes): the room under its
# header before the line's first state, and between the band's edge and the state left out (inches).
BAND_HEADER_GAP = 0.12
STRAY_GAP = 0.06
DPI = 150


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
    # (title, regimen, label, link) widths tried after every other (label None: the preset's own),
    # only for a panel that fits no other way
    last_wraps: tuple[tuple[int, int, int | None, int | tuple[int, int] | None], ...] = ()
    last_wraps_down: tuple[tuple[int, int, int | None, int | tuple[int, int] | None], ...] = ()
    # Wide, short boxes, tried in either direction: a left-to-right panel is short of height, and a
    # column of first-line options (GIST's five) fits a slide only with fewer lines per box; a
    # panel running down stacks its lines of therapy, and a chain of three boxes (an NTRK inhibitor,
    # repotrectinib, the end) fits a slide drawn down only with fewer lines each.
    wide_wraps: tuple[int, int] = (26, 30)
    spacing_down: Spacing = COMPACT_SPACING_DOWN

    def spacing_for(self, direction: str) -> Spacing:
        """The spacing this preset lays a panel out with in ``direction``."""
        return self.spacing_down if direction == "down" else self.spacing

    def last_wraps_for(self, direction: str) -> tuple:
        """The widths this preset tries last for a panel in ``direction``."""
        return self.last_wraps_down if direction == "down" else self.last_wraps


PRESETS = {
    # boxes a little wider than the preset default: a slide is short, and fewer lines per box let
    # GIST's states sit two or three to a panel (8 slides, where 15-character titles needed 9)
    "slide": Preset("slide", 13.333, 7.5, READABLE_TYPOGRAPHY, "a 16:9 slide, 13.33 x 7.5 in",
                    wraps=(18, 22, 13),
                    # last, drawn right (short of width): narrower boxes beside a narrow "from" box
                    # (desmoid's first and second lines on one slide), boxes a little wider, and wide
                    # ones whose regimen lines are no longer than their title's (NTRK's two first-line
                    # drugs beside the workup); drawn down (short of height), boxes of a line or two
                    last_wraps=((14, 16, None, None), (14, 16, None, (16, 10)), (22, 26, None, 16),
                                (22, 26, 34, None), (22, 26, 34, 16), (30, 30, None, None)),
                    last_wraps_down=((30, 40, 34, None), (34, 46, 34, None))),
    # Portrait, as handouts are printed and filed: 8.27 x 11 in fits both A4 (8.27 x 11.69) and
    # Letter (8.5 x 11) unscaled. The pathway still reads left to right, two or three columns a
    # page, with narrower boxes and labels than a slide's; legend and sources go below.
    "page": Preset("page", 8.27, 11.0, READABLE_TYPOGRAPHY, "an A4 or Letter page, portrait, 8.27 x 11 in",
                   # last, wide boxes of where arrows go and narrow ones of where they come from:
                   # a state branching six ways (GIST's workup, its surveillance) lists them in
                   # fewer, longer rows, which a portrait page has the width for and not the height
                   wraps=(13, 15, 12), link_wraps=(16, 22, 12, (30, 16), (26, 14)), narrow_wraps=(13, 15),
                   # last, narrower still: a second-line drug with its decision and end box beside it
                   # (desmoid's) is wider than a portrait page at 13 characters a line
                   last_wraps=((11, 12, None, None), (11, 12, None, (16, 10)))),
}


@dataclass(frozen=True)
class _Style:
    edge: str
    fill: str
    name: str


def _style_of(attrs: dict) -> _Style:
    if attrs.get("link_direction"):
        return _Style(*LINK_STYLE, "state on another panel")
    edge, fill = box_colours(attrs)
    kind = box_kind(attrs)
    if kind.family == "adjuvant":
        return _Style(edge, fill, "therapy, adjuvant")
    if kind.line is not None:
        return _Style(edge, fill, f"therapy, {_ordinal_line(kind.line)}")
    return _Style(edge, fill, kind.family)


def _ordinal_line(line: int) -> str:
    from sarcoma_sim.pathways.layout import line_title
    return line_title(line).lower()
