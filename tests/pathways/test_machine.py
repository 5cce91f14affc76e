"""Tests of the compiled ``transitions`` machines: shared machines, first-match firing, errors."""

from __future__ import annotations

import gc
import weakref

import pytest

from sarcoma_sim.errors import ImpossibleEventError
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype, parse_pathway
from sarcoma_sim.pathways.machine import PatientModel, machine_for


@pytest.fixture
def demo(small_pathway_text):
    """The fixture pathway's machine."""
    return machine_for(parse_pathway(small_pathway_text, "demo.yaml"))


def test_first_transition_whose_condition_holds_wins(demo):
    """Same-event transitions are tried in file order; the first that holds fires."""
    positive = demo.new_patient({"marker": "positive"})
    assert demo.fire(positive, "start").target == "drug_a"
    assert positive.state == "drug_a"
    negative = demo.new_patient({"marker": "negative"})
    assert demo.fire(negative, "start").target == "end"


def test_event_attributes_feed_conditions(demo):
    """Event attributes passed to ``fire`` are read by conditions."""
    patient = demo.new_patient({"marker": "positive"})
    demo.fire(patient, "start")
    taken = demo.fire(patient, "progression", extent="widespread")
    assert (taken.source, taken.target, taken.index) == ("drug_a", "drug_b", 2)


def test_one_machine_is_shared_by_many_patients(demo):
    """Many patients share one machine and keep their own states."""
    a = demo.new_patient({"marker": "positive"}, label="a")
    b = demo.new_patient({"marker": "negative"}, label="b")
    demo.fire(a, "start")
    assert (a.state, b.state) == ("drug_a", "workup")
    assert machine_for(demo.pathway) is demo
    demo.detach(b)
    demo.fire(a, "progression", extent="widespread")
    assert (a.state, b.state) == ("drug_b", "workup")


def test_a_detached_patient_is_not_kept_alive_by_the_shared_machine(demo):
    """The shared machine holds no reference to a patient once detached (no leak across many patients)."""
    patient = demo.new_patient({"marker": "positive"})
    demo.fire(patient, "start")
    gone = weakref.ref(patient)
    demo.detach(patient)
    del patient
    gc.collect()
    assert gone() is None


def test_no_automatic_to_state_triggers(demo):
    """The machine has no ``to_<state>`` shortcuts: only the pathway's events move a patient."""
    patient = demo.new_patient({})
    assert not [name for name in dir(patient) if name.startswith("to_")]
    with pytest.raises(ImpossibleEventError):
        demo.fire(patient, "to_drug_b")
    assert patient.state == "workup"


def test_impossible_event_names_state_and_event(demo):
    """An event that cannot happen in the current state says which state, event and options."""
    patient = demo.new_patient({"marker": "negative"})
    demo.fire(patient, "start")
    with pytest.raises(ImpossibleEventError,
                       match="event 'progression' is impossible in state 'end'; possible events: none: "
                             "the pathway has ended"):
        demo.fire(patient, "progression")


def test_unknown_event_is_impossible(demo):
    """An event the pathway never uses is an error listing the possible events."""
    patient = demo.new_patient({})
    with pytest.raises(ImpossibleEventError, match="event 'relapse' is impossible in state 'workup'; "
                                                   "possible events: start"):
        demo.fire(patient, "relapse")


def test_no_condition_holding_is_an_error():
    """When no transition's condition holds and there is no otherwise, firing says so."""
    text = """\
id: tiny
name: Tiny
initial: a
monitoring: {imaging_interval_months: {min: 2, max: 3}, sources: [source-guideline]}
sources: [{id: source-guideline, citation: Source}]
attributes: {m: {of: patient, values: [x, y]}}
states:
  a: {kind: workup, label: A}
  z: {kind: terminal, label: Z}
transitions:
  - {event: start, from: a, to: z, when: {m: x}}
"""
    machine = machine_for(parse_pathway(text, "tiny.yaml"))
    patient = machine.new_patient({"m": "y"})
    with pytest.raises(ImpossibleEventError, match="no transition's condition holds"):
        machine.fire(patient, "start")
    assert patient.state == "a"


def test_attach_in_a_given_state(demo):
    """A patient can be attached in any state, e.g. to start a scenario mid-pathway."""
    patient = demo.attach(PatientModel({}), state="drug_b")
    assert demo.fire(patient, "progression").target == "end"


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_machine_and_graph_have_the_same_edges(subtype):
    """For every shipped pathway the machine and the graph hold exactly the same edges."""
    pathway = load_subtype(subtype)
    graph_edges = {(u, v, d["event"]) for u, v, d in build_graph(pathway).edges(data=True)}
    assert machine_for(pathway).edges() == graph_edges
    assert len(build_graph(pathway).edges) == len(pathway.transitions)
