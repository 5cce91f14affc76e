"""Tests of the diagram layout: structure (merged edges, decisions, back edges), columns, geometry."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.pathways.conditions import describe, parse_condition
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.layout import (
    Box,
    _spaced_isotonic,
    _wrap,
    back_edge_keys,
    bezier_point,
    condition_phrase,
    conjuncts,
    diagram_structure,
    edge_label,
    extent_bound,
    layered_layout,
    layered_layout_within,
    node_text,
    regimen_detail,
    state_columns,
)
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype

from helpers.budget import examples


def gist_graph() -> nx.MultiDiGraph:
    return build_graph(load_subtype("gist"))


def edge_key(graph, source, target, event):
    return next(k for _, v, k, d in graph.out_edges(source, keys=True, data=True)
                if v == target and d["event"] == event)


def test_condition_phrases_read_as_plain_words():
    """Conditions read "limited", "otherwise", "if chosen" and "default" on the GIST edges."""
    g = gist_graph()
    key = edge_key(g, "imatinib_400", "resection", "progression")
    assert condition_phrase(g, "imatinib_400", "resection", key) == "limited"
    assert condition_phrase(g, "imatinib_400", "imatinib_800_escalated",
                            edge_key(g, "imatinib_400", "imatinib_800_escalated", "progression")) == "otherwise"
    reduced = "imatinib_300_reduced"
    assert condition_phrase(g, reduced, "sunitinib_37_5_continuous",
                            edge_key(g, reduced, "sunitinib_37_5_continuous", "intolerance")) == "if chosen"
    assert condition_phrase(g, reduced, "sunitinib_50_intermittent",
                            edge_key(g, reduced, "sunitinib_50_intermittent", "intolerance")) == "default"
    assert condition_phrase(g, "regorafenib", "ripretinib",
                            edge_key(g, "regorafenib", "ripretinib", "progression")) is None


def test_the_default_among_conditioned_options_says_default():
    """SDH-deficient GIST: beside "..., if regorafenib chosen", sunitinib's arrow with the same condition
    and no option reads "..., default" (it read as if the condition alone sent every patient there)."""
    g = gist_graph()
    phrase = condition_phrase(g, "workup", "sunitinib_50_intermittent",
                              edge_key(g, "workup", "sunitinib_50_intermittent", "start"))
    assert phrase == "KIT wild type, PDGFRA none, SDH deficient, default"
    assert condition_phrase(g, "workup", "imatinib_800_exon9", edge_key(g, "workup", "imatinib_800_exon9", "start")) \
        == "KIT exon 9"


def _branching(conditions: list) -> nx.MultiDiGraph:
    """A workup starting four ways (targets t0..t3, in order) under the given raw conditions."""
    g = nx.MultiDiGraph(initial="workup")
    for i, raw in enumerate(conditions):
        c = parse_condition(raw) if raw is not None else None
        g.add_edge("workup", f"t{i}", key=i, event="start", order=i, when=describe(c), when_plain=None)
    return g


def test_default_is_found_however_the_shared_condition_is_nested():
    """", default" compares the terms a condition requires, not its text: an ``any`` shared
    condition, or an ``all`` nested differently on the sibling, still marks the arrow as the default."""
    shared = {"any": [{"a": "x"}, {"b": "y"}]}
    g = _branching([{"all": [shared, {"option": "t0"}]}, shared])
    assert condition_phrase(g, "workup", "t1", 1).endswith(", default")
    nested = _branching([{"all": [{"a": "x"}, {"all": [{"b": "y"}, {"option": "t0"}]}]},
                         {"all": [{"a": "x"}, {"b": "y"}]}])
    assert condition_phrase(nested, "workup", "t1", 1).endswith(", default")
    other = _branching([{"all": [{"a": "x"}, {"option": "t0"}]}, {"all": [{"a": "x"}, {"b": "y"}]}])
    assert not condition_phrase(other, "workup", "t1", 1).endswith(", default")


def test_only_a_required_option_reads_if_chosen():
    """An arrow reads "if chosen" only where its condition requires its own target as the option:
    not under a ``not``, and not for another option whose id starts with the target's."""
    g = _branching([{"not": {"option": "t0"}}, {"option": "t1_long"}])
    assert "chosen" not in condition_phrase(g, "workup", "t0", 0)
    g.add_edge("workup", "t1", key=9, event="start", order=9, when="option = t1_long", when_plain=None)
    assert "chosen" not in condition_phrase(g, "workup", "t1", 9)


names = st.sampled_from(["a", "b", "option"])
leaves = st.builds(lambda n, v: {n: v}, names, st.sampled_from(["x", "y", "x_2"]))
raw_conditions = st.recursive(leaves, lambda inner: st.one_of(
    st.builds(lambda parts: {"all": parts}, st.lists(inner, min_size=1, max_size=3)),
    st.builds(lambda parts: {"any": parts}, st.lists(inner, min_size=2, max_size=3)),
    st.builds(lambda part: {"not": part}, inner)), max_leaves=6)


@settings(max_examples=examples(150), deadline=None)
@given(raw_conditions, raw_conditions, raw_conditions)
def test_conjuncts_ignore_how_all_groups_nest(a, b, c):
    """For random conditions, ``(a and b) and c`` and ``a and (b and c)`` require the same terms,
    and adding an option adds exactly that term."""
    left = describe(parse_condition({"all": [{"all": [a, b]}, c]}))
    right = describe(parse_condition({"all": [a, {"all": [b, c]}]}))
    assert conjuncts(left) == conjuncts(right)
    with_option = describe(parse_condition({"all": [a, {"option": "chosen_one"}]}))
    assert conjuncts(with_option) == conjuncts(describe(parse_condition(a))) | {"option = chosen_one"}


def test_option_inside_a_compound_condition_reads_if_chosen():
    """An ``option`` naming the edge's target inside an ``all`` condition becomes "if chosen" (named on request)."""
    g = build_graph(load_subtype("ntrk"))
    key = edge_key(g, "workup", "entrectinib", "start")
    assert condition_phrase(g, "workup", "entrectinib", key) == "NTRK fusion positive, if chosen"
    assert condition_phrase(g, "workup", "entrectinib", key, name_option=True) == \
        "NTRK fusion positive, if entrectinib chosen"


def test_edge_label_merges_events_and_keeps_conditions_apart():
    """Same-condition events join with "or"; different conditions get their own line, every one
    but the last ending in a semicolon (wrapped, they would read as one condition)."""
    def flat(label):
        return " ".join(label.split())
    assert flat(edge_label([("progression", None), ("intolerance", None)])) == "progression or intolerance"
    assert flat(edge_label([("progression", "limited")])) == "progression, limited"
    assert edge_label([("start", "exon9")]) == "start, exon9"
    assert edge_label([("start", None), ("start", None)]) == "start"
    two = edge_label([("progression", "limited"), ("intolerance", None)])
    assert two.split("\n")[-1] == "intolerance" and flat(two) == "progression, limited; intolerance"
    three = edge_label([("recurrence", "KIT wild type, PDGFRA none, SDH deficient, if sunitinib chosen"),
                        ("progression", "if sunitinib chosen"), ("intolerance", "if sunitinib chosen")])
    assert flat(three) == ("recurrence, KIT wild type, PDGFRA none, SDH deficient, if sunitinib chosen; "
                           "progression or intolerance, if sunitinib chosen")
    assert three.count(";") == 1


def test_node_text_does_not_repeat_the_dose_the_label_gives():
    """A label that already states the dose gets no detail line; another gets dose and schedule."""
    g = gist_graph()
    assert node_text(g.nodes["imatinib_400"])[1] is None
    assert regimen_detail(g.nodes["sunitinib_50_intermittent"]) == "50 mg orally once daily"
    assert regimen_detail(g.nodes["sunitinib_37_5_continuous"]) == "37.5 mg orally once daily; continuously"
    assert regimen_detail({"label": "Anti-angiogenic therapy", "drugs": [], "drug_class": "anti-angiogenic"}) is None
    assert regimen_detail({"label": "Therapy", "drugs": [], "drug_class": "mTOR inhibitor"}) == "mTOR inhibitor"


def test_regimen_detail_keeps_only_what_the_label_does_not_say():
    """A piece of dose or schedule the label gives (less the route) is left out; what it adds is kept as written."""
    def detail(label, dose=None, schedule=None):
        return regimen_detail({"label": label, "dose": dose, "schedule": schedule, "drugs": ["x"]})

    # the route alone adds nothing to a box that names the drug
    assert detail("Nirogacestat 150 mg twice daily", "150 mg orally twice daily") is None
    assert detail("Trabectedin 1.5 mg/m² 24-hour infusion every 3 weeks",
                  "1.5 mg/m² as a 24-hour intravenous infusion", "every 3 weeks") is None
    # a schedule's repeated piece goes, its new piece stays
    assert detail("Gemcitabine 900 mg/m² d1, 8 + docetaxel 100 mg/m² d8, every 21 days",
                  "gemcitabine 900 mg/m² days 1 and 8 + docetaxel 100 mg/m² day 8",
                  "every 21 days, with G-CSF days 9-15") == "with G-CSF days 9-15"
    assert detail("Trabectedin 1.1 mg/m² every 3 weeks", "1.1 mg/m²",
                  "every 3 weeks, up to 17 cycles") == "up to 17 cycles"
    # "up to a maximum of" says no more than "up to"; where the label lacks the number it stays as written
    assert detail("Anthracycline-based chemotherapy (doxorubicin 75 mg/m² every 3 weeks, up to 6 cycles)",
                  "75 mg/m² on day 1", "every 3 weeks, up to a maximum of 6 cycles") == "75 mg/m² on day 1"
    assert detail("Doxorubicin 75 mg/m² every 3 weeks, first line", "75 mg/m² on day 1",
                  "every 3 weeks, up to a maximum of 6 cycles") == "75 mg/m² on day 1; up to a maximum of 6 cycles"
    # a list of days is one piece, and a number the label lacks keeps its piece
    assert detail("Weekly paclitaxel 80 mg/m²", "80 mg/m²", "weekly, days 1, 8, 15 every 28 days") == \
        "days 1, 8, 15 every 28 days"
    assert detail("Nab-sirolimus 100 mg/m² IV days 1 and 8", "100 mg/m² intravenously over 30 minutes") == \
        "100 mg/m² intravenously over 30 minutes"
    # a word of frequency or condition is never taken as said
    assert detail("Ripretinib reduced to 100 mg daily", "100 mg orally once daily") == "100 mg orally once daily"
    assert detail("Pexidartinib reduced to 125 mg twice daily", "125 mg twice daily with a low-fat meal") == \
        "125 mg twice daily with a low-fat meal"


@given(st.lists(st.text(alphabet="abcdefgh 0123456789/", min_size=1, max_size=12), min_size=1, max_size=8))
def test_wrap_keeps_every_word_and_explicit_breaks(words):
    """Wrapping keeps the words in order, keeps explicit line breaks, and never loses text."""
    text = "\n".join(words)
    wrapped = _wrap(text, 12)
    assert wrapped.split() == text.split()
    assert wrapped.count("\n") >= text.count("\n")


def test_wrap_keeps_panel_numbers_with_the_word_panel():
    """A link box's "(panel 5)" is never split across lines."""
    lines = _wrap("Histology and KIT/PDGFRA mutation testing (panel 1): start, otherwise", 22).split("\n")
    assert any("(panel 1):" in line for line in lines)


def test_wrap_keeps_numbers_with_their_units():
    """"400 mg" and "4 weeks" are never split across lines."""
    assert _wrap("Imatinib 400 mg daily", 19) == "Imatinib\n400 mg daily"
    lines = _wrap("Sunitinib 50 mg, 4 weeks on / 2 weeks off", 12).split("\n")
    assert "50 mg," in lines and any(line.startswith("4 weeks") for line in lines)


def test_gist_structure_merges_parallel_edges_and_shares_the_sunitinib_choice():
    """GIST: progression/intolerance arrows merge; the sunitinib schedule is one shared decision."""
    s = diagram_structure(gist_graph())
    assert s.decisions == ("decision:1",)
    into = [e for e in s.edges if e.target == "decision:1"]
    assert {e.source for e in into} == {"imatinib_800_exon9", "imatinib_800_escalated", "imatinib_300_reduced",
                                        "imatinib_600_reduced"}
    out = {e.target: " ".join(e.label.split()) for e in s.edges if e.source == "decision:1"}
    # a drawn "if chosen" names the option (issue 12, item 4), by its label where the drugs are the same
    # (lower case inside the phrase)
    assert out == {"sunitinib_37_5_continuous": "if sunitinib 37.5 mg continuous daily chosen",
                   "sunitinib_50_intermittent": "default"}
    merged = next(e for e in s.edges if (e.source, e.target) == ("regorafenib_80_reduced", "ripretinib"))
    assert merged.label == "progression or\nintolerance" and len(merged.keys) == 2
    back = [e for e in s.edges if e.back]
    assert [(e.source, e.target, e.label) for e in back] == [("resection", "imatinib_400", "resected")]


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_transition_is_drawn_exactly_once_or_through_a_decision(subtype):
    """Each transition key is on exactly one arrow, or on one arrow into and one out of a decision."""
    g = build_graph(load_subtype(subtype))
    s = diagram_structure(g)
    count = {k: 0 for _, _, k in g.edges(keys=True)}
    for e in s.edges:
        for k in e.keys:
            count[k] += 1
    via_decision = {k for e in s.edges if e.target.startswith("decision:") for k in e.keys}
    for k, n in count.items():
        assert n == (2 if k in via_decision else 1), (k, n)


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_columns_follow_the_clinical_course(subtype):
    """Workup first, each line after every earlier line, ends last, forward edges going right."""
    g = build_graph(load_subtype(subtype))
    col = state_columns(g)
    assert col[g.graph["initial"]] == 0
    lines = {n: g.nodes[n]["line"] for n in g if g.nodes[n]["line"] is not None}
    for a, b in itertools.permutations(lines, 2):
        if lines[a] < lines[b]:
            assert col[a] < col[b], (a, b)
    last = max(col.values())
    for n in g:
        if g.nodes[n]["kind"] == "terminal":
            assert col[n] == last
    back = back_edge_keys(g)
    for u, v, k in g.edges(keys=True):
        if k not in back:
            assert col[u] < col[v], (u, v)


def test_gist_resection_back_to_imatinib_is_the_only_back_edge():
    """The surgery's return to imatinib is recognised as going back in the course."""
    g = gist_graph()
    back = back_edge_keys(g)
    assert [(u, v) for u, v, k in g.edges(keys=True) if k in back] == [("resection", "imatinib_400")]


def assert_clean(layout):
    boxes = list(layout.boxes.values())
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a.id, b.id)
    labels = [r.label_box for r in layout.routes if r.label_box is not None]
    for label in labels:
        for b in boxes:
            assert not label.overlaps(b), (label.id, b.id)
    for a, b in itertools.combinations(labels, 2):
        assert not a.overlaps(b), (a.id, b.id)
    for b in boxes + labels:
        assert 0 <= b.left and b.right <= layout.width + 1e-9
        assert 0 <= b.top and b.bottom <= layout.height + 1e-9
    assert layout.collisions == 0


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_layout_has_no_overlaps_with_estimated_text_sizes(subtype):
    """With text sizes estimated (no fonts), nodes and labels never overlap and all fit the extent."""
    layout = layered_layout(build_graph(load_subtype(subtype)))
    assert_clean(layout)


def test_routes_start_and_end_on_their_boxes():
    """Every arrow starts on its source's box and ends on its target's box."""
    layout = layered_layout(gist_graph())
    for r in layout.routes:
        (x0, y0), (x1, y1) = r.points[0], r.points[-1]
        for (x, y), node in (((x0, y0), r.edge.source), ((x1, y1), r.edge.target)):
            b = layout.boxes[node]
            assert b.left - 1e-6 <= x <= b.right + 1e-6 and b.top - 1e-6 <= y <= b.bottom + 1e-6


def test_back_edge_arcs_over_the_top_without_crossing_nodes():
    """The resection -> imatinib arc rises above both boxes and passes through no other box."""
    layout = layered_layout(gist_graph())
    route = next(r for r in layout.routes if r.edge.back)
    top = min(layout.boxes["resection"].top, layout.boxes["imatinib_400"].top)
    assert min(y for _, y in route.points) < top
    from sarcoma_sim.pathways.layout import bezier_point
    samples = [bezier_point(s, t / 20) for s in route.segments for t in range(1, 20)]
    for b in layout.boxes.values():
        if b.id in ("resection", "imatinib_400"):
            continue
        assert not any(b.left < x < b.right and b.top < y < b.bottom for x, y in samples), b.id


def test_bands_name_workup_lines_and_end_in_order():
    """Column headers read Workup, First line, ..., End, left to right without overlapping."""
    layout = layered_layout(gist_graph())
    titles = [b.title for b in layout.bands]
    assert titles == ["Workup", "First line", "Second line", "Third line", "Fourth line", "End"]
    for a, b in zip(layout.bands, layout.bands[1:]):
        assert a.right <= b.left + 1e-9


@given(st.lists(st.floats(-10, 10), min_size=1, max_size=8).flatmap(
    lambda d: st.tuples(st.just(d), st.lists(st.floats(0.01, 3), min_size=len(d) - 1, max_size=len(d) - 1))))
def test_spaced_isotonic_keeps_gaps_and_is_exact_when_it_can_be(data):
    """Placement keeps every minimum gap, and returns the wishes untouched when they already do."""
    desired, gaps = data
    placed = _spaced_isotonic(desired, [1.0] * len(desired), gaps)
    for (a, b), g in zip(zip(placed, placed[1:]), gaps):
        assert b - a >= g - 1e-6
    if all(b - a >= g for (a, b), g in zip(zip(desired, desired[1:]), gaps)):
        assert placed == pytest.approx(desired)


@st.composite
def random_pathway_graphs(draw):
    """Small random pathway-like graphs: a workup, therapies in lines, an end, some back edges."""
    n = draw(st.integers(1, 7))
    lines = [draw(st.integers(1, 4)) for _ in range(n)]
    g = nx.MultiDiGraph(initial="workup", name="Random", subtype="random", sources=[])
    g.add_node("workup", kind="workup", label="Workup", line=None, drugs=[], dose=None, schedule=None,
               drug_class=None, beyond_source=False)
    states = [f"t{i}" for i in range(n)]
    for s, line in zip(states, lines):
        g.add_node(s, kind="therapy", label=f"Drug {s} " * draw(st.integers(1, 3)), line=line,
                   drugs=[s], dose="10 mg daily", schedule=None, drug_class=None,
                   beyond_source=draw(st.booleans()))
    g.add_node("end", kind="terminal", label="End", line=None, drugs=[], dose=None, schedule=None,
               drug_class=None, beyond_source=False)
    key = 0

    def add(u, v, event, when=None):
        nonlocal key
        order = sum(1 for _, _, d in g.out_edges(u, data=True) if d["event"] == event)
        g.add_edge(u, v, key=key, event=event, when=when, when_plain=when and when.split(" = ")[1],
                   order=order, beyond_source=False)
        key += 1

    first = [s for s, n in zip(states, lines) if n == min(lines)]
    for s in first:
        add("workup", s, "start", f"marker = {s}")
    for s in states:
        later = [t for t in states if g.nodes[t]["line"] > g.nodes[s]["line"]]
        targets = draw(st.lists(st.sampled_from(later), max_size=3, unique=True)) if later else []
        for t in targets:
            add(s, t, "progression", f"option = {t}")
        add(s, "end", "progression")
        if draw(st.booleans()) and s != states[0]:
            add(s, draw(st.sampled_from(states)), "intolerance")
    return g


@settings(max_examples=examples(40), deadline=None)
@given(random_pathway_graphs())
def test_random_pathways_lay_out_without_overlapping_boxes(graph):
    """Any pathway-shaped graph lays out with no two boxes overlapping and every node placed."""
    layout = layered_layout(graph, attempts=3)
    assert set(graph.nodes) <= set(layout.boxes)
    for a, b in itertools.combinations(layout.boxes.values(), 2):
        assert not a.overlaps(b), (a.id, b.id)
    assert len(layout.routes) == len(diagram_structure(graph).edges)


@settings(max_examples=examples(60), deadline=None)
@given(st.integers(2, 7).flatmap(lambda n: st.lists(
    st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=15)))
def test_removing_back_edges_leaves_an_acyclic_graph(pairs):
    """Whatever the edges, setting the back edges aside leaves a graph that can be drawn left to right."""
    g = nx.MultiDiGraph(initial="n0")
    for i in range(8):
        g.add_node(f"n{i}", line=None)
    for k, (a, b) in enumerate(pairs):
        g.add_edge(f"n{a}", f"n{b}", key=k)
    back = back_edge_keys(g)
    forward = nx.DiGraph((u, v) for u, v, k in g.edges(keys=True) if k not in back)
    assert nx.is_directed_acyclic_graph(forward)


def test_box_overlap_is_strict_and_margin_grows_it():
    """Touching boxes do not overlap; a margin makes near boxes overlap."""
    a = Box("a", "state", 0, 0, 2, 2)
    b = Box("b", "state", 2, 0, 2, 2)
    assert not a.overlaps(b)
    assert a.overlaps(b, margin=0.01)


def test_attribute_display_labels_name_what_a_value_means():
    """An attribute's ``label`` comes before its value on arrows ("KIT exon 9", the value as its
    ``value_labels`` writes it); without one the value stands alone."""
    g = gist_graph()
    assert condition_phrase(g, "workup", "imatinib_800_exon9",
                            edge_key(g, "workup", "imatinib_800_exon9", "start")) == "KIT exon 9"
    assert condition_phrase(g, "workup", "avapritinib", edge_key(g, "workup", "avapritinib", "start")) == "PDGFRA D842V"
    assert condition_phrase(g, "imatinib_400", "resection",
                            edge_key(g, "imatinib_400", "resection", "progression")) == "limited"


def test_no_arrow_label_shows_a_raw_state_id():
    """No arrow label of any pathway contains a state id that has an underscore (ids are not words)."""
    for subtype in SUBTYPE_IDS:
        g = build_graph(load_subtype(subtype))
        ids = [n for n in g if "_" in n]
        for edge in diagram_structure(g).edges:
            assert not any(i in (edge.label or "") for i in ids), (subtype, edge.label)


def test_chosen_option_is_named_by_drugs_or_by_label_when_drugs_do_not_tell_it_apart():
    """Named options: leiomyosarcoma's by their drugs, GIST's two sunitinib schedules by their labels."""
    g = build_graph(load_subtype("leiomyosarcoma"))
    key = edge_key(g, "anthracycline", "gemcitabine_docetaxel", "progression")
    assert condition_phrase(g, "anthracycline", "gemcitabine_docetaxel", key, name_option=True) == \
        "if gemcitabine + docetaxel chosen"
    g = gist_graph()
    # intolerance of imatinib now leaves the reduced dose (issue 9), so the choice is made there
    key = edge_key(g, "imatinib_300_reduced", "sunitinib_37_5_continuous", "intolerance")
    assert condition_phrase(g, "imatinib_300_reduced", "sunitinib_37_5_continuous", key, name_option=True) == \
        "if sunitinib 37.5 mg continuous daily chosen"


def test_arrows_from_another_panel_start_at_one_box_per_phase_saying_where_from():
    """On a panel, arrows entering from another panel start at one link box per clinical phase,
    which says in a few words where from ("from first line: panel 2"); each arrow keeps its
    condition, and an arrow leaving the panel says its event only."""
    from sarcoma_sim.pathways.panels import split_panels
    graph = gist_graph()
    groups = [["workup", "surveillance"], ["imatinib_800_exon9"], ["sunitinib_50_intermittent"]]
    panel = split_panels(graph, groups)[2].graph
    first, second = panel.nodes["link:from:diagnosis"], panel.nodes["link:from:first-line"]
    assert first["link_of"] == ("workup", "surveillance") and first["link_panels"] == (1, 1)
    assert first["link_summary"] == ("from diagnosis or surveillance: panel 1",)
    assert first["link_rows"][0] == "Histology and KIT/PDGFRA mutation testing (panel 1)"
    assert second["link_of"][0] == "imatinib_800_exon9" and second["link_panels"][0] == 2
    assert second["link_summary"][-1].startswith("from first line: panels 2, ")
    layout = layered_layout(panel, attempts=1)
    incoming = {r.edge.source: " ".join(r.edge.label.split()) for r in layout.routes
                if r.edge.target == "sunitinib_50_intermittent"}
    assert set(incoming) == {"link:from:diagnosis", "link:from:first-line"}
    assert incoming["link:from:diagnosis"].startswith("start or recurrence,")
    assert "SDH deficient" in incoming["link:from:diagnosis"]
    assert incoming["link:from:first-line"].startswith("progression or intolerance")
    leaving = [r.edge.label for r in layout.routes if r.edge.target.startswith("link:to:")]
    assert leaving and all("," not in label for label in leaving)


def test_a_link_box_names_the_surveillance_after_a_resection_as_such():
    """The imaging after resection of localised GIST (and after adjuvant imatinib, numbered with
    the first line in the data) is not a first line: arrows from it and from the work-up start at
    one box saying both ("from diagnosis or surveillance: panels 1, 2"), its rows naming each
    state with its panel, the one arrow saying both events ("start or recurrence") and the
    condition."""
    from sarcoma_sim.pathways.panels import split_panels
    graph = gist_graph()
    panel = split_panels(graph, [["workup"], ["surveillance"], ["ntrk_inhibitor"]])[2].graph
    boxes = [d for _, d in panel.nodes(data=True) if d.get("link_direction") == "from"]
    assert len(boxes) == 1
    assert boxes[0]["link_summary"] == ("from diagnosis or surveillance: panels 1, 2",)
    assert boxes[0]["link_rows"] == ("Histology and KIT/PDGFRA mutation testing (panel 1)",
                                     "Surveillance imaging after resection (panel 2)")
    layout = layered_layout(panel, attempts=1)
    incoming = [" ".join(r.edge.label.split()) for r in layout.routes if r.edge.target == "ntrk_inhibitor"]
    assert len(incoming) == 1 and incoming[0].startswith("start or recurrence,"), incoming
    assert "NTRK fusion positive" in incoming[0]


def test_a_phase_on_several_panels_is_one_link_box_naming_them():
    """Arrows into one phase whose states sit on two panels end in one link box naming both panels
    ("second line: panels 2, 3"), its rows naming each state with its own panel."""
    from sarcoma_sim.pathways.panels import split_panels
    graph = gist_graph()
    second = [n for n in ("sunitinib_50_intermittent", "sunitinib_37_5_continuous") if n in graph]
    rest = [n for n in graph if n not in second and graph.nodes[n]["kind"] != "terminal"]
    panels = split_panels(graph, [rest, second[:1], second[1:]])
    boxes = [d for _, d in panels[0].graph.nodes(data=True) if d.get("link_direction") == "to"]
    box = next(d for d in boxes if set(second) <= set(d["link_of"]))
    assert box["label"] == "second line: panels 2, 3"
    assert sorted(box["link_panels"]) == [2, 3]
    assert [d["label"] for d in boxes].count(box["label"]) == 1


def test_panels_measured_with_placeholders_do_not_depend_on_their_numbers():
    """While the cut is decided a panel says "panel 99" (as long as any real number), so the same
    states measure the same whatever panels come before them; a phase on k panels says 99 k times."""
    from sarcoma_sim.pathways.draw import graph_fingerprint
    from sarcoma_sim.pathways.panels import measured_panels, panels_phrase
    graph = gist_graph()
    states = [n for n in graph if graph.nodes[n]["kind"] != "terminal"]
    groups = [states[:3], states[3:6], states[6:9], states[9:]]
    a = measured_panels(graph, groups)
    b = measured_panels(graph, [groups[1], groups[0], *groups[2:]])   # the same cut, numbered otherwise
    assert graph_fingerprint(a[2]) == graph_fingerprint(b[2])
    assert all("99" in d["label"] for _, d in a[2].nodes(data=True) if d.get("link_direction"))
    assert panels_phrase([None, None]) == "panels 99, 99" and panels_phrase([3, 4, 5]) == "panels 3-5"
    assert len(panels_phrase([None, None])) >= len(panels_phrase([12, 14]))


def test_link_boxes_wrap_at_their_own_width_each_way():
    """A (to, from) pair of link widths wraps boxes of where arrows go and of where they come from apart."""
    from sarcoma_sim.pathways.layout import node_text
    from sarcoma_sim.pathways.layout.text import wrap_widths

    row = "progression, KIT exon 9 → Imatinib 800 mg daily (KIT exon 9) (panel 6)"
    with wrap_widths(13, 15, 12, link=(30, 14)):
        to_box = node_text({"link_direction": "to", "link_rows": (row,)})[0]
        from_box = node_text({"link_direction": "from", "link_rows": (row,)})[0]
    assert max(map(len, to_box.split("\n"))) <= 30 < len(row)
    assert max(map(len, from_box.split("\n"))) <= 14
    assert len(from_box.split("\n")) > len(to_box.split("\n"))


def test_stacked_labels_of_arrows_sharing_a_source_go_beside_their_arrows():
    """Two tall labels on arrows leaving one box, which no spacing parts at the middle of their gap,
    sit beside their arrows (each touching its own), overlapping nothing."""
    g = nx.MultiDiGraph(initial="workup", name="Stacked", subtype="stacked", sources=[])
    plain = dict(line=None, drugs=[], dose=None, schedule=None, drug_class=None, beyond_source=False)
    g.add_node("workup", kind="workup", label="Workup", **plain)
    for k, s in enumerate(("a", "b")):
        g.add_node(s, kind="therapy", label=f"Drug {s}", **{**plain, "line": 1, "drugs": [s]})
        g.add_edge("workup", s, key=k, event="start", when=f"marker = {s}", when_plain=s, order=k,
                   beyond_source=False)
    layout = layered_layout(g, node_size=lambda n: (1.0, 0.4), label_size=lambda text: (0.6, 1.6))
    assert_clean(layout)
    for r in layout.routes:
        box = r.label_box
        samples = [bezier_point(s, t / 50) for s in r.segments for t in range(51)]
        assert any(box.left <= x <= box.right and box.top - 0.05 <= y <= box.bottom + 0.05 for x, y in samples)


@settings(max_examples=examples(300), deadline=None)
@given(random_pathway_graphs(), st.sampled_from(["right", "down"]), st.integers(1, 4))
def test_extent_bound_never_exceeds_the_layout(graph, direction, attempts):
    """The cheap bound that rejects panels is at most the laid-out width and height, any graph and direction."""
    width, height = extent_bound(graph, direction=direction)
    layout = layered_layout(graph, attempts=attempts, direction=direction)
    assert width <= layout.width + 1e-9 and height <= layout.height + 1e-9


@pytest.mark.parametrize("direction", ["right", "down"])
def test_extent_bound_is_tight_across_the_columns(direction):
    """On GIST the bound across the columns is the layout's span within 5%: it rejects what cannot fit."""
    graph = gist_graph()
    bound = extent_bound(graph, direction=direction)
    layout = layered_layout(graph, attempts=1, direction=direction)
    across = 0 if direction == "right" else 1
    span = (layout.width, layout.height)[across]
    assert 0.95 * span <= bound[across] <= span + 1e-9


def test_a_layout_within_a_limit_stops_once_colliding_labels_outgrow_it():
    """GIST drawn down (estimated sizes) collides on its first attempt and is clear later, longer:
    within a length limit it is that same layout, unless its colliding first attempt is already
    longer (down the page) than the limit, when there is none (the gaps between lines only widen)."""
    graph = gist_graph()
    first = layered_layout(graph, attempts=1, direction="down")
    whole = layered_layout(graph, direction="down")
    assert first.collisions > 0 and whole.collisions == 0 and whole.height >= first.height
    for limit in (None, whole.height + 1, first.height + 0.01):
        within = layered_layout_within(graph, limit, direction="down")
        assert within is not None and within.boxes == whole.boxes, limit
    assert layered_layout_within(graph, first.height - 0.01, direction="down") is None
