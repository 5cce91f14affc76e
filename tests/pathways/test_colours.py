"""A state's box kind and colours, from its graph attributes: one rule for the drawing, the exports and the plots."""

from __future__ import annotations

import pytest

from sarcoma_sim.pathways.colours import (
    ADJUVANT_COLOURS,
    KIND_COLOURS,
    LINE_COLOURS,
    OTHER_COLOURS,
    BoxKind,
    box_colours,
    box_kind,
)


@pytest.mark.parametrize("attrs, kind, key", [
    ({"kind": "therapy", "line": 2}, BoxKind("line", 2), "line2"),
    # adjuvant imatinib keeps line 1 in the data, and is drawn as no line's therapy
    ({"kind": "therapy", "line": 1, "adjuvant": True}, BoxKind("adjuvant"), "adjuvant"),
    ({"kind": "surgery", "line": None}, BoxKind("surgery"), "surgery"),
    # a therapy with no line (none shipped) is drawn by its kind
    ({"kind": "therapy"}, BoxKind("therapy"), "therapy"),
])
def test_box_kind_names_line_adjuvant_or_kind(attrs, kind, key):
    """A therapy is drawn by its line, adjuvant therapy as its own kind, any other state by its kind."""
    assert box_kind(attrs) == kind and box_kind(attrs).key == key


def test_box_colours_follow_the_box_kind():
    """Lines take the line colours (repeating after the sixth), adjuvant therapy and kinds their own."""
    assert box_colours({"kind": "therapy", "line": 1}) == LINE_COLOURS[0]
    assert box_colours({"kind": "therapy", "line": len(LINE_COLOURS) + 1}) == LINE_COLOURS[0]
    assert box_colours({"kind": "therapy", "line": 1, "adjuvant": True}) == ADJUVANT_COLOURS
    assert box_colours({"kind": "surgery"}) == KIND_COLOURS["surgery"]
    assert box_colours({"kind": "decision"}) == OTHER_COLOURS
