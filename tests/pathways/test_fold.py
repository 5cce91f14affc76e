"""Tests of folding dose reductions for toxicity into their drug's box (slide and page presets)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.pathways.fold import (
    drawing_graph,
    fold_chains,
    fold_parent,
    fold_reductions,
    folded_path_keys,
    steps_line,
)
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype, parse_pathway

from helpers.budget import examples

SYNTHETIC = Path(__file__).parent.parent / "data" / "fold_reductions.yaml"

GIST_FOLDS = {
    "regorafenib_120_reduced": "regorafenib",
    "regorafenib_80_reduced": "regorafenib_120_reduced",
    "ripretinib_100_reduced": "ripretinib",
    "avapritinib_200_reduced": "avapritinib",
    "avapritinib_100_reduced": "avapritinib_200_reduced",
    "sunitinib_37_5_intermittent_reduced": "sunitinib_50_intermittent",
    "sunitinib_25_intermittent_reduced": "sunitinib_37_5_intermittent_reduced",
    "sunitinib_25_continuous_reduced": "sunitinib_37_5_continuous",
    "ntrk_inhibitor_75_reduced": "ntrk_inhibitor",
}
# imatinib_300_reduced: its progression goes to sunitinib, imatinib 400's to resection or
# escalation (no escalation after a reduction for toxicity). imatinib_600_reduced: entered from two
# states (both 800 mg imatinib states), so no single box could list it.
GIST_KEPT = ("imatinib_300_reduced", "imatinib_600_reduced")


@pytest.fixture(scope="module")
def gist():
    return drawing_graph(load_subtype("gist"))


def synthetic(replace: tuple[str, str] = ("", "")):
    """The synthetic pathway's drawing graph, with one piece of its text replaced."""
    text = SYNTHETIC.read_text()
    assert replace[0] in text
    return drawing_graph(parse_pathway(text.replace(*replace), "fold_reductions.yaml"))


@pytest.mark.parametrize("state, parent", sorted(GIST_FOLDS.items()))
def test_gist_reduction_folds_into_its_parent(gist, state, parent):
    """Each GIST reduction that only lowers its drug's dose and goes on as the drug does folds into it."""
    assert fold_parent(gist, state) == parent


@pytest.mark.parametrize("state", GIST_KEPT)
def test_gist_imatinib_reductions_keep_their_own_box(gist, state):
    """The imatinib reductions change what follows (or have two parents): they are not folded."""
    assert fold_parent(gist, state) is None
    assert state in fold_reductions(gist)


def test_gist_chains_fold_transitively_in_the_order_met(gist):
    """Regorafenib lists 120 then 80 mg; avapritinib 200 then 100 mg; nothing else of GIST folds."""
    chains = fold_chains(gist)
    assert chains["regorafenib"] == ["regorafenib_120_reduced", "regorafenib_80_reduced"]
    assert chains["avapritinib"] == ["avapritinib_200_reduced", "avapritinib_100_reduced"]
    assert {s for chain in chains.values() for s in chain} == set(GIST_FOLDS)


def test_folded_box_line_writes_the_doses_as_the_pathway_does(gist):
    """The extra line names each reduced dose as the pathway writes it, the shared rest once."""
    chains = fold_chains(gist)
    assert steps_line(gist, "regorafenib", chains["regorafenib"]) == "toxicity: 120 mg, then 80 mg daily"
    assert steps_line(gist, "ntrk_inhibitor", chains["ntrk_inhibitor"]) == "toxicity: 75 mg orally twice daily"
    assert steps_line(gist, "sunitinib_50_intermittent", chains["sunitinib_50_intermittent"]) == \
        "toxicity: 37.5 mg, then 25 mg orally once daily"


def test_parent_intolerance_goes_where_the_last_step_goes(gist):
    """Folded, regorafenib's intolerance (same key) leads to ripretinib beside its progression."""
    folded = fold_reductions(gist)
    key = next(k for _, v, k, d in gist.out_edges("regorafenib", keys=True, data=True) if d["event"] == "intolerance")
    assert folded.edges["regorafenib", "ripretinib", key]["event"] == "intolerance"
    events = {d["event"] for d in folded.get_edge_data("regorafenib", "ripretinib").values()}
    assert events == {"progression", "intolerance"}
    assert "regorafenib_120_reduced" not in folded and "regorafenib_80_reduced" not in folded
    assert folded.nodes["regorafenib"]["folded"] == ["regorafenib_120_reduced", "regorafenib_80_reduced"]
    assert "regorafenib-label" in folded.nodes["regorafenib"]["folded_sources"]


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_state_and_transition_is_kept_or_folded(subtype):
    """No state or transition vanishes, in any shipped pathway: each is drawn in the folded graph or
    listed as folded, never both, and no drawn arrow shares another's key."""
    graph = drawing_graph(load_subtype(subtype))
    folded = fold_reductions(graph)
    into = folded.graph.get("folded_into") or {}
    dropped = set(folded.graph.get("folded_transitions") or ())
    drawn = [k for *_, k in folded.edges(keys=True)]
    assert set(folded) | set(into) == set(graph) and not set(folded) & set(into)
    assert set(drawn) | dropped == {k for *_, k in graph.edges(keys=True)}
    assert len(drawn) == len(set(drawn)) and not set(drawn) & dropped


def test_highlight_through_a_folded_state_lights_the_parents_arrow(gist):
    """A path regorafenib -> 120 mg -> ripretinib highlights the regorafenib-to-ripretinib arrow."""
    folded = fold_reductions(gist)
    keys = folded_path_keys(folded, ["regorafenib", "regorafenib_120_reduced", "ripretinib"])
    assert keys == set(folded.get_edge_data("regorafenib", "ripretinib"))
    assert folded_path_keys(folded, ["regorafenib", "regorafenib_120_reduced"]) == set()


def test_exported_graph_folds_nothing():
    """Without the drawing's reduced-dose flags (the exported graph) nothing folds: exports keep every state."""
    graph = build_graph(load_subtype("gist"))
    assert fold_reductions(graph) is graph and "reduced_dose" not in graph.nodes["regorafenib_120_reduced"]


def test_synthetic_chain_folds():
    """A drug with two reductions that go on as it does: one box, its intolerance to drug Y."""
    folded = fold_reductions(synthetic())
    assert set(folded) == {"workup", "drug_x", "drug_y", "end"}
    assert folded.nodes["drug_x"]["folded_steps"] == "toxicity: 120 mg, then 80 mg daily"


@pytest.mark.parametrize("change, kept", [
    # not flagged as a reduced dose: the label alone ("reduced to") decides nothing
    (("dose: 80 mg daily, line: 1, reduced_dose: true", "dose: 80 mg daily, line: 1"), ["step_two"]),
    # another drug
    (("{drugs: [drugx], dose: 80 mg daily", "{drugs: [drugz], dose: 80 mg daily"), ["step_two"]),
    # progression after the reduction differs from the drug's
    (("{event: progression, from: step_two, to: drug_y, sources: [s]}",
      "{event: progression, from: step_two, to: end}"), ["step_two"]),
    # the same target under a condition the parent does not have
    (("{event: progression, from: step_one, to: drug_y, sources: [s]}",
      "{event: progression, from: step_one, to: drug_y, when: {extent: limited}, sources: [s]}"),
     ["step_one", "step_two"]),
    # a second way in
    (("  - {event: progression, from: drug_y, to: end}",
      "  - {event: progression, from: drug_y, to: end}\n"
      "  - {event: completed, from: workup, to: step_two, sources: [s]}"),
     ["step_two"]),
])
def test_synthetic_changes_that_stop_a_fold(change, kept):
    """A reduction that is not flagged, changes drug, differs in what follows or has two ways in keeps its box."""
    folded = fold_reductions(synthetic(change))
    for state in kept:
        assert state in folded
    if "step_one" not in kept:
        assert folded.nodes["drug_x"]["folded"] == ["step_one"]


@settings(max_examples=examples(80), deadline=None)
@given(steps=st.integers(0, 5), twin=st.booleans())
def test_chains_of_any_length_fold_when_they_twin_the_parent(steps, twin):
    """A chain of n reductions folds whole into the drug when each goes on as the drug does, else not at all."""
    graph = nx.MultiDiGraph(initial="start")
    graph.add_node("start", kind="workup", drugs=[])
    graph.add_node("next", kind="therapy", drugs=["b"], dose="10 mg daily")
    chain = ["drug"] + [f"s{i}" for i in range(steps)]
    for i, state in enumerate(chain):
        graph.add_node(state, kind="therapy", drugs=["a"], dose=f"{100 - 10 * i} mg daily", reduced_dose=i > 0)
        graph.add_edge(state, "next", key=f"p{i}", event="progression", when=None if twin or i == 0 else f"x{i}")
    graph.add_edge("start", "drug", key="start", event="start")
    for i, (a, b) in enumerate(zip(chain, chain[1:] + ["next"])):
        graph.add_edge(a, b, key=f"i{i}", event="intolerance", when=None)
    folded = fold_reductions(graph)
    expected = chain[1:] if twin else []
    assert (folded.nodes["drug"].get("folded") or []) == expected
    assert set(folded) == {"start", "next", "drug", *chain[1:]} - set(expected)


def test_a_reduction_ending_in_a_decision_folds_and_the_parent_makes_it():
    """Angiosarcoma's third-line pazopanib 600 mg leaves by a decision (NTRK fusion: NTRK inhibitor,
    otherwise trial): it folds, and pazopanib's intolerance makes that decision with its conditions."""
    graph = drawing_graph(load_subtype("angiosarcoma"))
    assert fold_parent(graph, "pazopanib_third_line_600_reduced") == "pazopanib_third_line"
    folded = fold_reductions(graph)
    made = {(v, d["when"]) for _, v, d in folded.out_edges("pazopanib_third_line", data=True)
            if d["event"] == "intolerance"}
    decided = {(v, d["when"]) for _, v, d in graph.out_edges("pazopanib_third_line_600_reduced", data=True)
               if d["event"] == "intolerance"}
    assert made == decided and len(made) == 2
    assert folded.nodes["pazopanib_third_line"]["folded_steps"] == "toxicity: 600 mg daily"
    assert {k for *_, k in folded.edges(keys=True)} | set(folded.graph["folded_transitions"]) == \
        {k for *_, k in graph.edges(keys=True)}
    # the NTRK-positive arrow cites the NTRK evidence; the arrow to trial cites only what it and
    # the reduction do
    sources = {v: d["sources"] for _, v, d in folded.out_edges("pazopanib_third_line", data=True)
               if d["event"] == "intolerance"}
    assert "larotrectinib-pooled" in sources["ntrk_inhibitor"]
    assert "larotrectinib-pooled" not in sources["trial_or_supportive_care"]


def test_a_decision_inside_a_chain_ends_it():
    """A reduction leaving by several arrows is the chain's last step: a further reduction after it keeps its box."""
    graph = nx.MultiDiGraph(initial="start")
    graph.add_node("start", kind="workup", drugs=[])
    graph.add_node("other", kind="therapy", drugs=["b"], dose="10 mg daily")
    for i, state in enumerate(["drug", "r1", "r2"]):
        graph.add_node(state, kind="therapy", drugs=["a"], dose=f"{100 - 10 * i} mg daily", reduced_dose=i > 0)
        graph.add_edge(state, "other", key=f"p{i}", event="progression", when=None)
    graph.add_edge("start", "drug", key="start", event="start")
    graph.add_edge("drug", "r1", key="i0", event="intolerance", when=None)
    graph.add_edge("r1", "other", key="i1", event="intolerance", when="marker = positive")
    graph.add_edge("r1", "r2", key="i2", event="intolerance", when=None)
    graph.add_edge("r2", "other", key="i3", event="intolerance", when=None)
    folded = fold_reductions(graph)
    assert folded.nodes["drug"]["folded"] == ["r1"]
    assert "r2" in folded
    assert {(v, d["when"]) for _, v, d in folded.out_edges("drug", data=True) if d["event"] == "intolerance"} == \
        {("other", "marker = positive"), ("r2", None)}
