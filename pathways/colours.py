"""The colours a state's box is drawn in, by its kind and line of therapy: one table that the
drawing (``draw.style``), the exports (DOT, Mermaid, yEd GraphML) and the cohort plots read, so a
state is the same colour wherever a resident sees it. Plain hex strings: no matplotlib."""

from __future__ import annotations

from typing import Mapping, NamedTuple

# Okabe-Ito colours (readable with colour-vision deficiency): an edge colour and a light fill.
LINE_COLOURS = (("#0072B2", "#D5E8F6"), ("#009E73", "#D3F0E6"), ("#E69F00", "#FCEBC8"),
                ("#CC79A7", "#F5E1EE"), ("#56B4E9", "#DDF0FB"), ("#8C6D1F", "#EFE6CF"))
# adjuvant therapy after resection of localised disease: no line's colour (it treats no advanced
# disease), a therapy's blue-grey, distinct from the first line's blue
ADJUVANT_COLOURS = ("#5B7083", "#E4EBF1")
KIND_COLOURS = {"workup": ("#4A5A6A", "#E8ECF0"), "surgery": ("#D55E00", "#FBDCC8"),
                "assessment": ("#7A6A00", "#FBF5C8"), "terminal": ("#333333", "#DADADA")}
OTHER_COLOURS = ("#555555", "#EEEEEE")   # a kind without colours of its own
# a state drawn on another panel (a link box)
LINK_STYLE = ("#6B6B6B", "#FFFFFF")


class BoxKind(NamedTuple):
    """What a state's box is drawn as: ``family`` "line" (a therapy of line ``line``), "adjuvant"
    (adjuvant therapy, no line's), else the state's kind ("workup", "surgery", "assessment", ...)."""

    family: str
    line: int | None = None

    @property
    def key(self) -> str:
        """A short name for it: "line2", "adjuvant", "surgery" (a Mermaid class, for one)."""
        return f"line{self.line}" if self.family == "line" else self.family


def box_kind(attrs: Mapping) -> BoxKind:
    """The ``BoxKind`` of a state from its graph attributes (``kind``, ``line``, ``adjuvant``): the
    one place that says which states are drawn as a line's therapy, as adjuvant therapy, or by kind."""
    kind = attrs.get("kind")
    if kind == "therapy" and attrs.get("adjuvant"):
        return BoxKind("adjuvant")
    if kind == "therapy" and attrs.get("line"):
        return BoxKind("line", int(attrs["line"]))
    return BoxKind(str(kind))


def box_colours(attrs: Mapping) -> tuple[str, str]:
    """(edge, fill) of a state's box from its graph attributes (``box_kind``): a therapy by its line
    (the colours repeat after the sixth), adjuvant therapy its own, any other state by its kind."""
    kind = box_kind(attrs)
    if kind.family == "adjuvant":
        return ADJUVANT_COLOURS
    if kind.line is not None:
        return LINE_COLOURS[(kind.line - 1) % len(LINE_COLOURS)]
    return KIND_COLOURS.get(kind.family, OTHER_COLOURS)
