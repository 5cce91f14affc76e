"""Panels cut by clinical phase, from the pathway's data: first-line options together, link boxes, counts."""

from __future__ import annotations

import functools
import re

import networkx as nx
import pytest

from sarcoma_sim.pathways.draw import PRESETS, preset_graphs, preset_panels
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.pathways.panels import first_line_options, phase_blocks, taught_lines

# GIST at most 6 slides, every other subtype at most 3 (issue 21)
SLIDE_TARGET = {"gist": 6}
DEFAULT_TARGET = 3
# The targets not met yet at 12 pt: drawn at the counts these tests record, checked strictly so
# that reaching the target shows up as an unexpected pass.
NOT_YET = {("leiomyosarcoma", "right"), ("leiomyosarcoma", "down")}
# Reached since (issue 21): liposarcoma, ASPS and angiosarcoma, by folding a dose reduction that
# ends in a decision (pazopanib 600 mg: NTRK inhibitor or trial) and wide boxes drawn down; GIST
# drawn right (6), by link boxes that say the events their arrows share; desmoid and epithelioid
# sarcoma drawn right, and angiosarcoma and desmoid drawn down, by the slide's last-resort widths
# (narrower boxes beside narrow "from" boxes drawn right, much wider boxes drawn down); GIST drawn
# down (6), once a phase goes on on the panel before only where it follows from one of its states.
# GIST's diagnosis with its five first-line options does not fit one slide at 12 pt yet: the
# phase is cut in column order instead (readable text first)
FIRST_LINE_NOT_YET = {("gist", "right"), ("gist", "down")}
REPRESENTATIVE = ("asps", "right")


def cases(not_yet=frozenset(), reason: str = "") -> list:
    """Every subtype in both directions (all but one in the slow run); those in ``not_yet`` must fail."""
    out = []
    for subtype in SUBTYPE_IDS:
        for direction in ("right", "down"):
            marks = [] if (subtype, direction) == REPRESENTATIVE else [pytest.mark.slow]
            if (subtype, direction) in not_yet:
                # not strict: the oldest matplotlib declared (3.7) measures text narrower, and some fit there
                marks.append(pytest.mark.xfail(strict=False, reason=reason))
            out.append(pytest.param(subtype, direction, id=f"{subtype}-{direction}", marks=marks))
    return out


CASES = cases()


@functools.lru_cache(maxsize=4)
def slide_panels(subtype: str, direction: str) -> tuple:
    """A subtype's slide panels, cut once for the tests that inspect them."""
    return tuple(preset_panels(load_subtype(subtype), PRESETS["slide"], direction=direction))


def folded(subtype: str) -> nx.MultiDiGraph:
    """The graph the presets draw (dose reductions folded into their drug's box)."""
    return preset_graphs(load_subtype(subtype))[1]


@pytest.mark.parametrize("subtype, direction", cases(
    FIRST_LINE_NOT_YET, "issue 21: GIST's first-line decision does not fit one slide at 12 pt yet"))
def test_every_first_line_option_is_a_box_on_one_panel(subtype, direction):
    """The diagnosis and every first-line option are boxes of one panel, the first."""
    options = first_line_options(folded(subtype))
    assert options
    panels = slide_panels(subtype, direction)
    owner = [p.number for p in panels if set(options) <= set(p.states)]
    assert owner == [1], [p.states for p in panels]
    assert load_subtype(subtype).initial in panels[0].states


@pytest.mark.parametrize("subtype, direction", CASES)
def test_no_link_box_repeats_another_on_a_panel(subtype, direction):
    """A panel's link boxes each say something different, in a few words (at most five before the
    panels: "from diagnosis or surveillance: panels 1, 3") naming a panel."""
    for panel in slide_panels(subtype, direction):
        said = [d["label"] for _, d in panel.graph.nodes(data=True) if d.get("link_direction")]
        assert len(said) == len(set(said)), said
        assert all(re.fullmatch(r"(\S+ ){0,4}\S+: panels? \d[\d, -]*", text) for text in said), said


@pytest.mark.parametrize("subtype, direction", cases(
    NOT_YET, "issue 21: this subtype needs more slides than the target at 12 pt yet"))
def test_slide_panel_counts(subtype, direction):
    """GIST fits at most 6 slides, every other subtype at most 3."""
    assert len(slide_panels(subtype, direction)) <= SLIDE_TARGET.get(subtype, DEFAULT_TARGET)


@pytest.mark.parametrize("subtype", [
    pytest.param(s, id=s, marks=[] if s == REPRESENTATIVE[0] else [pytest.mark.slow]) for s in SUBTYPE_IDS])
def test_no_line_heading_stands_over_a_state_of_no_line(subtype):
    """On every slide, either direction, a surgery, surveillance or end of the pathway sharing a
    line's columns (rows, drawn down) is not shaded as that line's: outside its band or in a hole
    of it; and drawn right, clear of its heading: no "Second line" heading over the imaging after
    a resection, no "First line" row shading the resection of a localised GIST."""
    from sarcoma_sim.pathways.draw.diagram import diagram_layout
    from sarcoma_sim.pathways.draw.measure import _TextMeasure
    from sarcoma_sim.pathways.draw.shapes import band_shape
    from sarcoma_sim.pathways.layout import Box, is_stray
    from sarcoma_sim.pathways.layout.text import wrap_widths

    preset, measure = PRESETS["slide"], _TextMeasure()
    inside, under = [], []
    for direction in ("right", "down"):
        down = direction == "down"
        for panel in slide_panels(subtype, direction):
            title, detail, label, link = panel.wraps or (*preset.wraps, None)
            with wrap_widths(title, detail, label, link=link):
                layout = diagram_layout(panel.graph, measure, preset.typography, preset.spacing_for(direction),
                                        direction)
            for band in layout.bands:
                boxes = [box for box in layout.boxes.values() if band.left <= (box.y if down else box.x) <= band.right]
                if not any(panel.graph.nodes.get(box.id, {}).get("line") for box in boxes):
                    continue   # the workup's band, the end's
                width, height = measure(band.title, preset.typography.header, "bold")
                shape = band_shape(panel.graph, layout, band, (-100.0, 100.0), 0.0 if down else height)
                strays = [box for box in boxes if is_stray(panel.graph, box.id)]
                inside += [(direction, panel.number, band.title, box.id) for box in strays
                           if shape.shades(*((box.y, box.x) if down else (box.x, box.y)))]
                if not down:
                    along, start = shape.header
                    heading = Box("heading", "state", along, start + height / 2, width, height)
                    under += [(panel.number, band.title, box.id) for box in strays if heading.overlaps(box)]
    assert not inside and not under


def line_rank(graph: nx.MultiDiGraph, states) -> tuple[int, int]:
    """A panel's place in a deck: the latest line of therapy it reaches, then its earliest."""
    lines = taught_lines(graph)
    return max(lines[s] for s in states), min(lines[s] for s in states)


@pytest.mark.parametrize("subtype, direction", CASES)
def test_slides_follow_the_lines_of_therapy(subtype, direction):
    """After the diagnosis, a slide never reaches an earlier line than the slide before it."""
    graph = folded(subtype)
    panels = slide_panels(subtype, direction)
    ranks = [line_rank(graph, [s for s in p.states if s in taught_lines(graph)]) for p in panels[1:]]
    assert ranks == sorted(ranks), ranks


def test_panels_cut_out_of_line_order_are_put_in_order():
    """A cut whose later panels run back a line (GIST's first-line dose changes after its third
    line) is reordered by line, the first panel kept first; a reorder that leaves a panel unfit
    is refused."""
    from sarcoma_sim.pathways.draw.cut import _line_ordered

    graph = folded("gist")
    blocks = phase_blocks(graph)
    backwards = [blocks[0], *reversed(blocks[1:])]
    ordered = _line_ordered(graph, backwards, [], lambda cut: [])
    assert ordered[0] == blocks[0]
    assert sorted(map(sorted, ordered)) == sorted(map(sorted, backwards))
    ranks = [line_rank(graph, g) for g in ordered[1:]]
    assert ranks == sorted(ranks) and ranks != [line_rank(graph, g) for g in backwards[1:]]
    # the reordered last panel no longer fits (its "End" column): the cut stays as it was
    refused = _line_ordered(graph, backwards, [], lambda cut: [] if cut == backwards else [len(cut) - 1])
    assert refused == backwards


@pytest.mark.slow
def test_a_panel_with_room_gets_labels_of_a_few_long_lines():
    """GIST's slide of sunitinib 37.5 mg (one drug and the conditions leading to it) wraps its arrow
    labels at the widest width the preset offers, since they stay clear there: lines of a few
    words, not a tower of one- and two-word lines."""
    from sarcoma_sim.pathways.layout.structure import diagram_structure
    from sarcoma_sim.pathways.layout.text import wrap_widths

    preset = PRESETS["slide"]
    panel = next(p for p in slide_panels("gist", "right") if "sunitinib_37_5_continuous" in p.states)
    title, detail, label, link = panel.wraps
    assert label == max(preset.label_wraps)

    def tallest(label_width: int) -> int:
        with wrap_widths(title, detail, label_width, link=link):
            return max(e.label.count("\n") + 1 for e in diagram_structure(panel.graph).edges if e.label)

    assert tallest(label) <= 7 and 2 * tallest(label) <= tallest(preset.wraps[2])


def first_line_cut(subtype: str, with_next_phase: bool = False):
    """The panel of a subtype's first-line decision (and, if asked, the phase after it), the rest on a second panel."""
    from sarcoma_sim.pathways.panels import split_panels

    graph = folded(subtype)
    blocks = phase_blocks(graph)
    first = blocks[0] + (blocks[1] if with_next_phase else [])
    return split_panels(graph, [first, [s for b in blocks for s in b if s not in first]])[0].graph


def arrow_labels_into(panel: nx.MultiDiGraph, box: str) -> list[str]:
    """The labels drawn on the arrows into ``box``."""
    from sarcoma_sim.pathways.layout.structure import diagram_structure

    return [e.label for e in diagram_structure(panel).edges if e.target == box]


def test_a_link_box_says_the_events_its_arrows_share():
    """Leiomyosarcoma's three first-line regimens go on to the second line on progression or
    intolerance: the box says so above where the story goes on, and their arrows carry no label
    (three labels saying the same words in one gap); likewise completion, to the first line."""
    from sarcoma_sim.pathways.layout.text import node_text

    panel = first_line_cut("leiomyosarcoma")
    box = "link:to:second-line"
    assert panel.nodes[box]["link_summary"] == ("progression or intolerance:", "second line: panel 2")
    assert " ".join(node_text(panel.nodes[box])[0].split()).startswith("progression or intolerance:")
    assert len(set(panel.predecessors(box))) == 3 and arrow_labels_into(panel, box) == ["", "", ""]
    assert panel.nodes["link:to:first-line"]["link_summary"] == ("completed:", "first line: panel 2")


def test_arrows_on_different_events_keep_their_labels():
    """With the maintenance and the assessment on the first panel, some states reach the second line
    on progression only, others on progression or intolerance: that box says only where it leads,
    and every arrow into it says its own events."""
    panel = first_line_cut("leiomyosarcoma", with_next_phase=True)
    box = "link:to:second-line"
    assert panel.nodes[box]["link_summary"] == (panel.nodes[box]["label"],)
    labels = arrow_labels_into(panel, box)
    assert len(labels) >= 2 and all(labels) and {" ".join(x.split()) for x in labels} >= {
        "progression", "progression or intolerance"}


def test_labelled_arrows_puts_the_events_back_on_the_arrows():
    """The other way to draw a panel (taken where only it fits): each box says where the story goes
    on, its arrows their events; the panel itself is left as it was."""
    from sarcoma_sim.pathways.panels import labelled_arrows

    panel = first_line_cut("leiomyosarcoma")
    labelled = labelled_arrows(panel)
    box = "link:to:second-line"
    assert labelled.nodes[box]["link_summary"] == ("second line: panel 2",)
    assert {" ".join(x.split()) for x in arrow_labels_into(labelled, box)} == {"progression or intolerance"}
    assert labelled_arrows(labelled) is None
    assert arrow_labels_into(panel, box) == ["", "", ""]


@pytest.mark.slow
def test_a_panel_that_fits_only_with_labelled_arrows_keeps_them():
    """ASPS's first slide drawn right holds its three first-line options only with the events on
    the arrows (a box saying them is wider than the gap it saves there): it is cut that way rather
    than losing the NTRK inhibitor to the next slide."""
    first = slide_panels("asps", "right")[0]
    assert "ntrk_inhibitor" in first.states
    assert not any(d.get("link_events") for _, d in first.graph.nodes(data=True))


def test_phases_come_from_the_data_not_the_ids():
    """Renaming every state gives the same phases, renamed: nothing is decided from ids."""
    graph = folded("gist")
    names = {n: f"s{i:02d}" for i, n in enumerate(reversed(list(graph)))}
    renamed = nx.relabel_nodes(graph, names)
    renamed.graph["initial"] = names[graph.graph["initial"]]
    assert phase_blocks(renamed) == [[names[n] for n in block] for block in phase_blocks(graph)]


def test_a_state_is_taught_with_the_line_before_it():
    """A state without a line (surgery, assessment) is taught with the highest line before it;
    before any therapy it is diagnosis (0). Its phase is named with adjuvant therapy counted as no
    line: GIST's surveillance after resection is "surveillance", never "first line"."""
    from sarcoma_sim.pathways.panels import phase_lines, state_phase

    graph = folded("gist")
    lines = taught_lines(graph)
    assert lines["workup"] == 0 and lines["resection_primary"] == 0
    assert lines["resection"] == 1 and lines["surveillance"] == 1 and lines["adjuvant_imatinib"] == 1
    assert lines["regorafenib"] == 3
    phases = phase_lines(graph)
    named = {s: state_phase(graph, s, phases) for s in phases}
    assert named["workup"] == "diagnosis" and named["resection_primary"] == "surgery"
    assert named["adjuvant_imatinib"] == "adjuvant therapy" and named["surveillance"] == "surveillance"
    assert named["resection"] == "first line" and named["regorafenib"] == "third line"
    assert {s for s in phases if phases[s] != lines[s]} == {"adjuvant_imatinib", "surveillance"}


def test_phase_blocks_start_with_the_first_line_decision():
    """The first block is the initial state with every option it leads to; the rest follow by line."""
    graph = folded("angiosarcoma")
    blocks = phase_blocks(graph)
    assert blocks[0][0] == "workup"
    assert set(blocks[0][1:]) == {"paclitaxel", "liposomal_doxorubicin", "antiangiogenic"}
    lines = taught_lines(graph)
    later = [max(lines[n] for n in block) for block in blocks[1:]]
    assert later == sorted(later)


@pytest.mark.slow
def test_a_first_panel_kept_whole_takes_the_widths_where_labels_collide_least():
    """Epithelioid sarcoma drawn down keeps its first-line decision on panel 1 though no width
    keeps every label clear: of the widths that fit, it takes one with the fewest collisions (one;
    the first width that fit had two)."""
    from sarcoma_sim.pathways.draw.diagram import diagram_layout
    from sarcoma_sim.pathways.draw.measure import _TextMeasure
    from sarcoma_sim.pathways.layout.text import wrap_widths

    preset = PRESETS["slide"]
    first = slide_panels("epithelioid_sarcoma", "down")[0]
    assert set(first_line_options(folded("epithelioid_sarcoma"))) <= set(first.states)
    title, detail, label, link = first.wraps
    with wrap_widths(title, detail, label, link=link):
        layout = diagram_layout(first.graph, _TextMeasure(), preset.typography, preset.spacing_for("down"), "down")
    assert layout.collisions <= 1


def test_the_last_resort_widths_depend_on_the_direction():
    """A slide tries narrower boxes last drawn right (short of width) and wider boxes drawn down (short
    of height); a portrait page, narrower boxes than its narrow ones."""
    slide = PRESETS["slide"]
    right, down = slide.last_wraps_for("right"), slide.last_wraps_for("down")
    assert right and down
    assert max(title for title, *_ in right) <= min(title for title, *_ in down)
    assert all(title < slide.wraps[0] or detail > slide.wraps[1] for title, detail, *_ in right)
    assert all(title > slide.wide_wraps[0] and detail > slide.wide_wraps[1] for title, detail, *_ in down)
    page = PRESETS["page"]
    assert all(title < page.narrow_wraps[0] for title, *_ in page.last_wraps_for("right"))


def fits_clean(panel: nx.MultiDiGraph, preset, direction: str, wraps) -> bool:
    """Whether ``panel`` drawn at ``wraps`` fits ``preset``'s canvas with no arrow label on a box or another label."""
    from sarcoma_sim.pathways.draw.diagram import diagram_layout
    from sarcoma_sim.pathways.draw.figure import _compose
    from sarcoma_sim.pathways.draw.measure import _TextMeasure
    from sarcoma_sim.pathways.layout.text import wrap_widths

    title, detail, label, link = wraps
    with wrap_widths(title, detail, label, link=link):
        layout = diagram_layout(panel, _TextMeasure(), preset.typography, preset.spacing_for(direction), direction)
        _, (width, height) = _compose(panel, None, None, title="A pathway (panel 9 of 9)", typography=preset.typography,
                                      page=(preset.width, preset.height), spacing=preset.spacing_for(direction),
                                      margin=preset.margin, direction=direction, size_only=True)
    return not layout.collisions and width <= preset.width + 1e-6 and height <= preset.height + 1e-6


@pytest.mark.slow
@pytest.mark.parametrize("subtype, direction", [c for c in CASES if c.values[0] != "gist"])
def test_a_slide_is_drawn_at_last_resort_widths_only_where_its_own_do_not_fit(subtype, direction):
    """A panel drawn at one of the slide's last-resort widths (desmoid's first and second lines drawn
    right, with narrow "from" boxes) fits neither at the slide's own widths nor at its wide boxes."""
    preset = PRESETS["slide"]
    last_resort = {(title, detail, link) for title, detail, _, link in preset.last_wraps_for(direction)}
    for panel in slide_panels(subtype, direction):
        if panel.wraps is None or (panel.wraps[0], panel.wraps[1], panel.wraps[3]) not in last_resort:
            continue
        for label in (preset.wraps[2], *preset.label_wraps):
            for boxes in (preset.wraps[:2], preset.wide_wraps):
                assert not fits_clean(panel.graph, preset, direction, (*boxes, label, None)), (panel.number, label)


@pytest.mark.slow
def test_desmoid_first_and_second_lines_share_a_slide_at_last_resort_widths():
    """Drawn right, desmoid's two first-line drugs and the two after them share one slide, drawn at a
    last-resort width (narrower boxes beside a narrow "from" box): 4 slides -> 3."""
    preset = PRESETS["slide"]
    panels = slide_panels("desmoid", "right")
    both_lines = {"nirogacestat", "sorafenib", "nirogacestat_second_line", "sorafenib_second_line"}
    shared = [p for p in panels if both_lines <= set(p.states)]
    assert len(panels) == 3 and len(shared) == 1
    title, detail, _, link = shared[0].wraps
    assert (title, detail, link) in {(t, d, k) for t, d, _, k in preset.last_wraps_for("right")}


def test_a_link_box_before_any_therapy_names_surgery_or_surveillance():
    """Before the first line, a link box to or from only resections says "surgery", to or from only
    surveillance says "surveillance", and one that holds the diagnosis says "diagnosis"."""
    from sarcoma_sim.pathways.panels import split_panels

    graph = folded("tgct")
    first = ["workup", "resection", "vimseltinib", "pexidartinib"]
    rest = [s for s in taught_lines(graph) if s not in first]
    one, two = split_panels(graph, [first, rest])
    said = {d["label"] for _, d in one.graph.nodes(data=True) if d.get("link_direction")}
    assert {"surveillance: panel 2", "from surveillance: panel 2"} <= said, said
    said = {d["label"] for _, d in two.graph.nodes(data=True) if d.get("link_direction")}
    assert "from surgery: panel 1" in said, said
    # pexidartinib, reached from the workup and after the resection: a box of both says "diagnosis"
    two = split_panels(graph, [["workup", "resection", "vimseltinib"], ["pexidartinib", *rest]])[1]
    said = {d["label"] for _, d in two.graph.nodes(data=True) if d.get("link_direction")}
    assert "from diagnosis: panel 1" in said, said


def test_a_link_box_to_adjuvant_therapy_never_calls_it_a_first_line():
    """GIST's adjuvant imatinib (numbered with the first line in the data) and the surveillance
    after it are reached from the resection of localised disease: the link box to them says
    "adjuvant therapy or surveillance", apart from the box to the first-line drugs; a box from the
    work-up, the resection and adjuvant imatinib says "from diagnosis or adjuvant therapy"."""
    from sarcoma_sim.pathways.panels import split_panels

    graph = folded("gist")
    first = ["workup", "resection_primary", "avapritinib"]
    one = split_panels(graph, [first, [s for s in taught_lines(graph) if s not in first]])[0].graph
    boxes = {d["label"]: d["link_of"] for _, d in one.nodes(data=True) if d.get("link_direction") == "to"}
    assert set(boxes["adjuvant therapy or surveillance: panel 2"]) == {"adjuvant_imatinib", "surveillance"}
    assert not {"adjuvant_imatinib", "surveillance"} & set(boxes["first line: panel 2"]), boxes
    localised = ["workup", "resection_primary", "adjuvant_imatinib"]
    two = split_panels(graph, [localised, [s for s in taught_lines(graph) if s not in localised]])[1].graph
    said = {d["label"]: d["link_of"] for _, d in two.nodes(data=True) if d.get("link_direction") == "from"}
    assert said == {"from diagnosis or adjuvant therapy: panel 1": ("workup", "resection_primary", "adjuvant_imatinib")}


@pytest.mark.slow
@pytest.mark.parametrize("direction", ["right", "down"])
def test_adjuvant_therapy_and_the_surveillance_after_it_share_a_slide(direction):
    """GIST's slides teach adjuvant imatinib beside the surveillance that follows it, and no link box
    on any slide names either of them as a line of therapy."""
    panels = slide_panels("gist", direction)
    together = [p.number for p in panels if {"adjuvant_imatinib", "surveillance"} <= set(p.states)]
    assert len(together) == 1, [p.states for p in panels]
    for panel in panels:
        for _, d in panel.graph.nodes(data=True):
            if d.get("kind") == "link" and set(d["link_of"]) & {"adjuvant_imatinib", "surveillance"}:
                assert "line" not in d["label"], (panel.number, d["label"])


def test_a_phase_goes_on_on_the_panel_before_only_where_it_follows_from_it():
    """While panels are filled, a phase starts on the last panel of the phase before only where one
    of its states is reached from a state on that panel: with two states a panel, regorafenib (the
    last first-line option of SDH-deficient GIST) keeps its panel to itself, and adjuvant imatinib
    and the surveillance after it share the next (taking the surveillance onto regorafenib's panel
    for the arrow of a recurrence between them left adjuvant imatinib with the escalated dose)."""
    from sarcoma_sim.pathways.draw.cut import _phase_groups

    def two_states(panel):
        own = [n for n, d in panel.nodes(data=True) if d.get("kind") not in ("link", "terminal")]
        return (18, 22, 34, None) if len(own) <= 2 else False   # any widths: a fit

    groups = _phase_groups(folded("gist"), two_states)
    assert ["regorafenib"] in groups, groups
    assert ["adjuvant_imatinib", "surveillance"] in groups, groups


def test_a_state_cut_off_a_full_panel_starts_a_panel_where_the_next_holds_none_of_its_phase():
    """A numbered panel too large sheds its last state onto the next panel only where that panel
    holds a state of the same phase; else onto a panel of its own. Regorafenib (the last first-line
    option of SDH-deficient GIST), cut off its panel, no longer pushes adjuvant imatinib away from
    the surveillance after it (here: at most two states a panel, but the first)."""
    from sarcoma_sim.pathways.draw.cut import _settled_groups

    graph = folded("gist")
    first = ["workup", "resection_primary", "avapritinib"]

    def fit(panel, clean=True):
        own = [n for n, d in panel.nodes(data=True) if d.get("kind") not in ("link", "terminal")]
        return (18, 22, 34, None) if len(own) <= 2 or sorted(own) == sorted(first) else False

    groups = [first, ["sunitinib_50_intermittent", "sunitinib_37_5_continuous", "regorafenib"],
              ["adjuvant_imatinib", "surveillance"]]
    settled = _settled_groups(graph, groups, fit)
    assert ["adjuvant_imatinib", "surveillance"] in settled and ["regorafenib"] in settled, settled


def test_a_link_box_to_drugs_started_before_any_therapy_names_the_drugs():
    """SDH-deficient GIST starts on sunitinib or regorafenib, drawn with the second and third lines
    of the KIT-mutant course: link boxes from the work-up name the drugs ("sunitinib: panel 2"),
    never "second line" or "third line"; from a first-line therapy the same states are the second line."""
    from sarcoma_sim.pathways.panels import split_panels

    graph = folded("gist")
    first = ["workup", "resection_primary", "avapritinib"]
    one = split_panels(graph, [first, [s for s in taught_lines(graph) if s not in first]])[0].graph
    said = {d["label"] for _, d in one.nodes(data=True) if d.get("link_direction") == "to"}
    assert {"sunitinib: panel 2", "regorafenib: panel 2", "first line: panel 2"} <= said, said
    assert not any(label.startswith(("second line", "third line")) for label in said), said
    treated = ["imatinib_400", "imatinib_800_escalated"]
    two = split_panels(graph, [treated, [s for s in taught_lines(graph) if s not in treated]])[0].graph
    said = {d["label"] for _, d in two.nodes(data=True) if d.get("link_direction") == "to"}
    assert "second line: panel 2" in said and not said & {"sunitinib: panel 2"}, said


def test_panels_put_in_line_order_join_where_they_fit():
    """Regorafenib and ripretinib, cut apart in column order by a first-line panel, become
    neighbours in line order and share a panel where it fits (here: at most three states, none of
    the first line beside a third or later line's)."""
    from sarcoma_sim.pathways.draw.cut import _settled_groups

    graph = folded("gist")
    lines = taught_lines(graph)

    def fit(panel):
        own = [lines[n] for n, d in panel.nodes(data=True) if d.get("kind") not in ("link", "terminal")]
        mixed = 1 in own and max(own) >= 3
        return False if len(own) > 3 or mixed else (18, 22, 34, None)

    column_order = [["workup", "resection_primary", "avapritinib"], ["regorafenib"],
                    ["adjuvant_imatinib", "surveillance", "imatinib_800_escalated"], ["ripretinib"]]
    assert _settled_groups(graph, column_order, lambda panel, clean=True: fit(panel)) == [
        ["workup", "resection_primary", "avapritinib"], ["adjuvant_imatinib", "surveillance", "imatinib_800_escalated"],
        ["regorafenib", "ripretinib"]]


def test_drawn_down_a_state_reached_before_any_therapy_is_in_a_row_above_the_lines():
    """Epithelioid sarcoma's imaging after a resection, on a panel with the second line: drawn down
    (a guideline figure) it has a row of its own above the second line's band, under no line's
    heading; drawn right it shares the second line's column as before."""
    from sarcoma_sim.pathways.draw.diagram import diagram_layout
    from sarcoma_sim.pathways.draw.measure import _TextMeasure
    from sarcoma_sim.pathways.panels import split_panels

    graph = folded("epithelioid_sarcoma")
    second = ["post_resection_surveillance", "tazemetostat_second_line", "doxorubicin_second_line"]
    rest = [s for s in taught_lines(graph) if s not in second]
    panel = split_panels(graph, [rest, second])[1].graph
    assert panel.nodes["post_resection_surveillance"].get("before_lines")
    assert not any(panel.nodes[s].get("before_lines") for s in second[1:])
    preset = PRESETS["slide"]
    down = diagram_layout(panel, _TextMeasure(), preset.typography, preset.spacing_for("down"), "down")
    row = down.columns["post_resection_surveillance"]
    assert all(row < down.columns[s] for s in second[1:])
    band = next(b for b in down.bands if b.title == "Second line")
    assert down.boxes["post_resection_surveillance"].y < band.left < min(down.boxes[s].y for s in second[1:])
    right = diagram_layout(panel, _TextMeasure(), preset.typography, preset.spacing, "right")
    assert right.columns["post_resection_surveillance"] == right.columns["tazemetostat_second_line"]


def test_a_numbered_panel_sized_as_measured_lays_out_as_measured():
    """A numbered panel can lay out larger than it was measured with placeholder numbers (a layout
    is not monotonic in its boxes' sizes); with its link boxes sized as the placeholders it lays out
    exactly as measured, its boxes still saying the real panel numbers."""
    from sarcoma_sim.pathways.draw.diagram import diagram_layout
    from sarcoma_sim.pathways.draw.measure import _TextMeasure
    from sarcoma_sim.pathways.layout.text import node_text, wrap_widths
    from sarcoma_sim.pathways.panels import labelled_arrows, measured_panels, sized_as_measured, split_panels

    graph = folded("gist")
    groups = [["workup", "resection_primary", "avapritinib", "imatinib_400", "imatinib_800_exon9"],
              ["surveillance", "adjuvant_imatinib", "imatinib_800_escalated", "imatinib_300_reduced", "resection"]]
    groups.append([s for s in taught_lines(graph) if not any(s in g for g in groups)])
    measured, numbered = measured_panels(graph, groups)[1], split_panels(graph, groups)[1].graph
    padded = sized_as_measured(numbered, measured)
    preset = PRESETS["slide"]
    with wrap_widths(34, 46, 34):
        size = [(round(lay.width, 6), round(lay.height, 6)) for lay in (
            diagram_layout(g, _TextMeasure(), preset.typography, preset.spacing_for("down"), "down")
            for g in (measured, padded))]
    assert size[0] == size[1]
    box = "link:to:first-line"
    assert "99" in node_text(measured.nodes[box])[0] and "99" not in node_text(padded.nodes[box])[0]
    assert padded.nodes[box]["sized_as"] == measured.nodes[box]["link_summary"]
    # its arrows labelled again, a box is sized as its placeholder's last row only (the events left it)
    lms = first_line_cut("leiomyosarcoma")
    box = "link:to:second-line"
    assert lms.nodes[box]["link_summary"] == ("progression or intolerance:", "second line: panel 2")
    assert labelled_arrows(sized_as_measured(lms, lms)).nodes[box]["sized_as"] == ("second line: panel 2",)


@pytest.mark.slow   # cuts leiomyosarcoma's slides twice (about 20 s)
def test_stopping_a_colliding_layout_at_the_page_changes_no_cut(monkeypatch):
    """Fitting a panel with its labels clear stops growing a layout whose labels still collide once it
    outgrows the page (``draw.diagram.clear_within``); the cut is the one growing it to the end gives."""
    import sarcoma_sim.pathways.draw.cut as cut

    monkeypatch.setenv("SARCOMA_SIM_CACHE", "off")
    monkeypatch.setattr(cut, "_PANELS", {})
    answers = []
    stopping = cut.clear_within
    monkeypatch.setattr(cut, "clear_within", lambda *args, **kwargs: answers.append(stopping(*args, **kwargs))
                        or answers[-1])
    pathway = load_subtype("leiomyosarcoma")
    quick = preset_panels(pathway, PRESETS["slide"], direction="down")
    assert False in answers   # some layouts were stopped early
    monkeypatch.setattr(cut, "clear_within", lambda *args, **kwargs: True)
    monkeypatch.setattr(cut, "_PANELS", {})
    grown = preset_panels(pathway, PRESETS["slide"], direction="down")
    assert [(p.states, p.wraps) for p in quick] == [(p.states, p.wraps) for p in grown]


def test_the_cut_made_passes_the_check_any_other_cut_is_held_to():
    """``panel_fitting`` and ``unfit_panels`` check a cut as the cut itself does: EMC's own slides
    drawn right all fit; the whole pathway on one slide does not (the cut made two); a cut that
    leaves repotrectinib beside the work-up alone fits too (the benchmark's search finds it)."""
    from sarcoma_sim.pathways.draw.cut import panel_fitting, unfit_panels

    made = [list(p.states) for p in slide_panels("emc", "right")]
    assert len(made) == 2
    with panel_fitting(load_subtype("emc"), PRESETS["slide"], "right") as (graph, fit):
        assert unfit_panels(graph, made, fit.final_wrap) == []
        assert unfit_panels(graph, [[s for g in made for s in g]], fit.final_wrap) == [0]
        other = [["workup", "pazopanib", "repotrectinib"], ["ntrk_inhibitor"]]
        assert sorted(s for g in other for s in g) == sorted(s for g in made for s in g)
        assert unfit_panels(graph, other, fit.final_wrap) == []


@pytest.mark.slow   # about 5 s
def test_the_cut_benchmark_finds_every_cut_and_the_one_made(tmp_path):
    """``benchmarks/layout.py cuts``: EMC drawn right into 2 slides, the first holding the work-up
    and its first-line option: each of the three ways to share the three later states is tried,
    and the cut the tool makes is among those that fit."""
    import os
    import subprocess
    import sys

    from helpers.paths import REPO

    made = " | ".join(", ".join(p.states) for p in slide_panels("emc", "right"))
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "layout.py"), "cuts", "--subtypes", "emc",
                           "--direction", "right", "--panels", "2", "--list"], capture_output=True, text=True,
                          env={**os.environ, "SARCOMA_SIM_CACHE": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "cut into 2 slides" in done.stdout and "3 tried" in done.stdout
    assert f"    {made}\n" in done.stdout


@pytest.mark.parametrize("subtype", [
    pytest.param(s, id=s, marks=[] if s == REPRESENTATIVE[0] else [pytest.mark.slow]) for s in SUBTYPE_IDS])
def test_no_arrow_label_overlaps_another_on_any_slide_or_page(subtype):
    """Every slide and page, either direction, is drawn with each arrow's label clear of the boxes
    and of the other labels (GIST's third slide drawn down overlapped "completed or intolerance"
    and "resected, otherwise" until its link boxes were sized as measured before the widths where
    labels collide least)."""
    from sarcoma_sim.pathways.draw.diagram import diagram_layout
    from sarcoma_sim.pathways.draw.measure import _TextMeasure
    from sarcoma_sim.pathways.layout.text import wrap_widths

    measure, colliding = _TextMeasure(), []
    for name in ("slide", "page"):
        preset = PRESETS[name]
        for direction in ("right", "down"):
            for panel in preset_panels(load_subtype(subtype), preset, direction=direction):
                title, detail, label, link = panel.wraps or (*preset.wraps, None)
                with wrap_widths(title, detail, label, link=link):
                    layout = diagram_layout(panel.graph, measure, preset.typography, preset.spacing_for(direction),
                                            direction)
                if layout.collisions:
                    colliding.append((name, direction, panel.number, layout.collisions))
    assert not colliding
