"""The stepwise run: steps recorded from the real machine, choices, and impossible events."""

from __future__ import annotations

import gc
import weakref

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sarcoma_sim.errors import ImpossibleEventError, PathwayError
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.patient.record import contradiction, make_patient
from sarcoma_sim.patient.timeline import Timeline, resolve_choice

from helpers.budget import examples

GIST = load_subtype("gist")


def gist_patient(**facts):
    """A GIST patient, KIT exon 11 unless told otherwise."""
    return make_patient(GIST, {"kit_exon": "exon11", "pdgfra": "none", **facts})


def test_step_records_time_event_states_regimen_and_sources():
    """A step carries month, event, from, to, regimen with dose and schedule, and its sources."""
    with Timeline(GIST, gist_patient()) as timeline:
        timeline.step("start", 0)
        timeline.step("progression", 20, {"extent": "widespread"})
        step = timeline.step("progression", 24)
    assert (step.at, step.event, step.source.id, step.target.id) == (24.0, "progression", "imatinib_800_escalated",
                                                                     "sunitinib_50_intermittent")
    assert step.target.regimen.dose == "50 mg orally once daily"
    assert step.target.regimen.schedule == "4 weeks on/2 weeks off"
    assert step.sources == ("source-guideline", "demetri-2006")
    data = step.to_dict()
    assert data["regimen"] == "sunitinib 50 mg orally once daily 4 weeks on/2 weeks off"
    assert data["from"] == "imatinib_800_escalated" and data["choice"] is None


def test_step_follows_the_machine_conditions():
    """The machine decides: KIT exon 9 starts on imatinib 800 mg."""
    with Timeline(GIST, gist_patient(kit_exon="exon9")) as timeline:
        assert timeline.step("start", 0).target.id == "imatinib_800_exon9"


def test_choice_of_a_guideline_option_is_followed():
    """Choosing the guideline's continuous sunitinib option fires it through the option attribute."""
    with Timeline(GIST, gist_patient()) as timeline:
        timeline.step("start", 0)
        timeline.step("intolerance", 3)
        step = timeline.step("intolerance", 5, choose=resolve_choice(GIST, "sunitinib_37_5_continuous"))
    assert step.target.id == "sunitinib_37_5_continuous"
    assert step.choice.concordant and step.attributes["option"] == "sunitinib_37_5_continuous"
    assert step.alerts == ()


def test_off_guideline_choice_continues_from_the_guideline_state():
    """An off-guideline choice is recorded beside the guideline's step; the patient follows the guideline."""
    with Timeline(GIST, gist_patient(kit_exon="exon9")) as timeline:
        step = timeline.step("start", 0, choose=resolve_choice(GIST, "imatinib_400"))
        assert timeline.state.id == "imatinib_800_exon9"
    assert step.target.id == "imatinib_800_exon9"
    assert step.choice.id == "imatinib_400" and not step.choice.concordant
    assert step.alerts[0].code == "OFF_GUIDELINE_CHOICE"


def test_foreign_choice_is_qualified_by_its_subtype():
    """A state of another subtype is recorded as SUBTYPE.STATE."""
    liposarcoma = load_subtype("liposarcoma")
    with Timeline(liposarcoma, make_patient(liposarcoma, {})) as timeline:
        timeline.step("start", 0)
        step = timeline.step("progression", 6, choose=resolve_choice(liposarcoma, "pazopanib"))
    assert step.choice.id == "leiomyosarcoma.pazopanib"
    assert step.target.id == "eribulin"
    assert step.choice.to_dict()["subtype"] == "leiomyosarcoma"


def test_resolve_choice_forms():
    """STATE is local first, then the first other subtype that has it; SUBTYPE.STATE is explicit."""
    liposarcoma = load_subtype("liposarcoma")
    assert resolve_choice(liposarcoma, "eribulin").pathway is liposarcoma
    assert resolve_choice(liposarcoma, "pazopanib").pathway.id == "leiomyosarcoma"
    assert resolve_choice(liposarcoma, "emc.pazopanib").pathway.id == "emc"
    assert resolve_choice(liposarcoma, "liposarcoma.trabectedin").pathway is liposarcoma


@pytest.mark.parametrize("text, words", [
    ("nosuch", "unknown state 'nosuch'"),
    ("nosuch.pazopanib", "unknown subtype 'nosuch'"),
    ("emc.eribulin", "unknown state 'eribulin' of 'emc'"),
])
def test_resolve_choice_unknown(text, words):
    """An unknown state or subtype in a choice says what was expected."""
    with pytest.raises(LookupError, match=words):
        resolve_choice(GIST, text)


def test_event_after_the_pathway_ended_is_impossible():
    """Progression after the pathway has ended is an ImpossibleEventError naming the state."""
    dfsp = load_subtype("dfsp")
    with Timeline(dfsp, make_patient(dfsp, {})) as timeline:
        timeline.step("start", 0)
        timeline.step("progression", 10)
        with pytest.raises(ImpossibleEventError, match="pathway has ended"):
            timeline.step("progression", 12)


def test_event_not_possible_in_state_lists_the_possible_ones():
    """An event the state has no transition for lists the events that are possible."""
    with Timeline(GIST, gist_patient()) as timeline:
        with pytest.raises(ImpossibleEventError, match="expected one of: start"):
            timeline.step("progression", 1)


def test_times_must_not_go_backwards():
    """A step earlier than the previous one is refused."""
    with Timeline(GIST, gist_patient()) as timeline:
        timeline.step("start", 5)
        with pytest.raises(PathwayError, match="backwards"):
            timeline.step("progression", 4)


def test_close_detaches_the_patient_from_the_shared_machine():
    """Closing a timeline (twice is harmless) detaches its patient: the shared machine no longer keeps it alive."""
    timeline = Timeline(GIST, gist_patient())
    timeline.step("start", 0)
    model = weakref.ref(timeline.model)
    timeline.close()
    timeline.close()
    del timeline
    gc.collect()
    assert model() is None


def test_result_path_and_end():
    """The result lists the path from the initial state and whether the pathway ended."""
    dfsp = load_subtype("dfsp")
    with Timeline(dfsp, make_patient(dfsp, {}), start_at=2) as timeline:
        assert timeline.result().final_month == 2
        timeline.step("start", 2)
        timeline.step("intolerance", 7)
        timeline.step("progression", 7)
        result = timeline.result()
    assert result.path == ["workup", "imatinib", "imatinib_600_reduced", "trial_or_supportive_care"]
    assert result.ended and result.final_month == 7


@settings(max_examples=examples(40), deadline=None)
@given(st.sampled_from(SUBTYPE_IDS), st.lists(st.integers(0, 3), max_size=10), st.data())
def test_every_step_is_an_edge_of_the_pathway(subtype, picks, data):
    """Whatever events happen, each recorded step is one of the pathway's transitions, in time order."""
    pathway = load_subtype(subtype)
    facts = {a.name: data.draw(st.sampled_from(a.values)) for a in pathway.attributes.values() if a.of == "patient"}
    assume(contradiction(facts) is None)
    with Timeline(pathway, make_patient(pathway, facts)) as timeline:
        timeline.step("start", 0)
        for month, pick in enumerate(picks, start=1):
            events = timeline.possible_events()
            if not events:
                break
            timeline.step(events[pick % len(events)], month)
        steps = timeline.steps
    edges = {(t.source, t.target, t.event) for t in pathway.transitions}
    assert all((s.source.id, s.target.id, s.event) in edges for s in steps)
    assert [s.at for s in steps] == sorted(s.at for s in steps)
    assert all(steps[i].target is steps[i + 1].source for i in range(len(steps) - 1))


def test_an_option_that_does_not_apply_is_refused():
    """An explicit option the guideline does not offer at this step is an error pointing to choose:."""
    with Timeline(GIST, gist_patient()) as timeline:
        timeline.step("start", 0)
        with pytest.raises(ImpossibleEventError, match="option 'sunitinib_37_5_continuous' does not apply"):
            timeline.step("progression", 5, {"option": "sunitinib_37_5_continuous"})


def test_an_option_that_applies_is_followed():
    """An explicit option the guideline offers picks its branch."""
    leiomyosarcoma = load_subtype("leiomyosarcoma")
    with Timeline(leiomyosarcoma, make_patient(leiomyosarcoma, {})) as timeline:
        timeline.step("start", 0)
        assert timeline.step("progression", 5, {"option": "gemcitabine_docetaxel"}).target.id == "gemcitabine_docetaxel"


def test_follow_choices_moves_the_patient_to_the_chosen_state_and_keeps_the_alert():
    """In follow mode an off-guideline choice of this pathway is where the patient goes, with its alert."""
    patient = make_patient(GIST, {"kit_exon": "exon9", "pdgfra": "none"})
    with Timeline(GIST, patient, follow_choices=True) as timeline:
        step = timeline.step("start", 0, choose=resolve_choice(GIST, "imatinib_400"))
        assert step.target.id == "imatinib_800_exon9" and step.reached.id == "imatinib_400"
        assert timeline.state.id == "imatinib_400" and not step.choice.concordant
        assert {"OFF_GUIDELINE_CHOICE", "KIT_EXON9_DOSE"} <= {a.code for a in step.alerts}
        timeline.step("progression", 6, {"extent": "widespread"})
        result = timeline.result()
    assert result.taken_path == ["workup", "imatinib_400", "imatinib_800_escalated"]
    assert result.guideline_path == ["workup", "imatinib_800_exon9", "imatinib_800_escalated"]
    assert result.final_state.id == "imatinib_800_escalated"


def test_default_mode_still_continues_from_the_guideline_state():
    """Without follow mode the patient continues from the guideline's state (scripted runs unchanged)."""
    patient = make_patient(GIST, {"kit_exon": "exon9", "pdgfra": "none"})
    with Timeline(GIST, patient) as timeline:
        step = timeline.step("start", 0, choose=resolve_choice(GIST, "imatinib_400"))
        assert step.reached is None and timeline.state.id == "imatinib_800_exon9"
        result = timeline.result()
    assert result.path == ["workup", "imatinib_800_exon9"] and result.taken_path == ["workup", "imatinib_400"]


def test_follow_choices_cannot_enter_another_subtypes_state():
    """A foreign choice leaves the patient on the guideline's state even in follow mode."""
    pathway = load_subtype("liposarcoma")
    with Timeline(pathway, make_patient(pathway, {}), follow_choices=True) as timeline:
        step = timeline.step("start", 0, choose=resolve_choice(pathway, "leiomyosarcoma.pazopanib"))
        assert step.reached is None and timeline.state.id == step.target.id


def test_drawable_path_stops_where_a_scripted_run_jumped_back_to_the_guideline():
    """The drawn walk never uses an arrow the patient did not travel."""
    from sarcoma_sim.pathways.graph import build_graph
    patient = make_patient(GIST, {"kit_exon": "exon9", "pdgfra": "none"})
    with Timeline(GIST, patient) as timeline:
        timeline.step("start", 0, choose=resolve_choice(GIST, "imatinib_400"))
        timeline.step("progression", 6, {"extent": "widespread"})
        result = timeline.result()
    assert result.drawable_path(build_graph(GIST)) == ["workup", "imatinib_400"]
