"""Scenario files: what is accepted, and every wrong input located by file, line and path."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarcoma_sim.errors import ImpossibleEventError, SarcomaSimError, ScenarioError, UnknownSubtypeError
from sarcoma_sim.patient.scenario import event_attributes, load_scenario, parse_scenario, run_scenario

GOOD = """\
title: A GIST case
patient:
  subtype: gist
  markers: {kit_exon: exon9, pdgfra: none}
  comedications: [Clarithromycin]
  label: Mrs A
start: {at: 1, choose: imatinib_400, note: first visit}
events:
  - {at: 14, event: progression, extent: widespread, note: new liver lesions}
  - at: 20
    event: progression
    choose: sunitinib_37_5_continuous
"""


def problem_of(text: str, error=ScenarioError):
    """The single problem raised for scenario ``text``."""
    with pytest.raises(error) as info:
        parse_scenario(text, "case.yaml")
    assert len(info.value.problems) == 1, info.value.problems
    return info.value.problems[0]


def test_good_scenario_is_read():
    """A complete scenario gives its pathway, patient, start, events and choices."""
    scenario = parse_scenario(GOOD, "case.yaml")
    assert scenario.title == "A GIST case" and scenario.pathway.id == "gist"
    assert dict(scenario.patient.facts) == {"kit_exon": "exon9", "pdgfra": "none", "ntrk_fusion": "not_tested",
                                            "sdh": "not_tested", "setting": "advanced"}
    assert scenario.patient.comedications == ("clarithromycin",) and scenario.patient.label == "Mrs A"
    assert (scenario.start.at, scenario.start.choose.state.id, scenario.start.note) == (1.0, "imatinib_400",
                                                                                         "first visit")
    assert [e.at for e in scenario.events] == [14.0, 20.0]
    assert scenario.events[0].attributes == {"extent": "widespread"}
    assert scenario.events[1].choose.state.id == "sunitinib_37_5_continuous"


def test_start_may_be_a_number_and_events_may_be_absent():
    """``start: 3`` is the start time alone; a scenario without events runs the start only."""
    scenario = parse_scenario("patient: {subtype: pecoma}\nstart: 3\n", "s.yaml")
    assert scenario.start.at == 3.0 and scenario.events == ()
    assert len(run_scenario(scenario).steps) == 1


def test_load_scenario_reads_a_file(tmp_path):
    """load_scenario reads the file through the safe YAML reader and names it in the scenario."""
    path = tmp_path / "case.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_scenario(path).file == str(path)


def test_missing_file_is_an_error(tmp_path):
    """A missing scenario file is a ScenarioError naming it."""
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.yaml")


def test_yaml_aliases_are_refused():
    """Scenarios go through sarcoma_sim.pathways.yamlsource, which refuses aliases."""
    with pytest.raises(ScenarioError, match="aliases"):
        parse_scenario("patient: &p {subtype: gist}\nstart: 0\nother: *p\n", "a.yaml")


@pytest.mark.parametrize("text, line, path, words", [
    ("start: 0\n", 1, "", "'patient' is required but missing"),
    ("patient: {subtype: dfsp}\n", 1, "", "'start' is required but missing"),
    ("patient:\n  markers: {}\nstart: 0\n", 1, "patient", "'subtype' is required but missing"),
    ("patient: {subtype: dfsp}\nstart: 0\nevents:\n  - {event: progression}\n", 4, "events[0]",
     "'at' is required but missing in event 0"),
    ("patient: {subtype: dfsp}\nstart: 0\nevents:\n  - {at: 4}\n", 4, "events[0]",
     "'event' is required but missing in event 0"),
    ("patient: {subtype: dfsp}\nstart: {choose: imatinib}\n", 2, "start", "'at' (the month treatment starts)"),
])
def test_missing_field(text, line, path, words):
    """A missing field names its file, line, path and what is required."""
    problem = problem_of(text)
    assert (problem.file, problem.line, problem.path) == ("case.yaml", line, path)
    assert words in problem.message


def test_unknown_subtype():
    """An unknown subtype is an UnknownSubtypeError listing the subtypes."""
    problem = problem_of("patient:\n  subtype: glioma\nstart: 0\n", UnknownSubtypeError)
    assert (problem.line, problem.path) == (2, "patient.subtype")
    assert "unknown subtype 'glioma'" in problem.message and "gist" in problem.message


@pytest.mark.parametrize("text, line, path, words", [
    ("patient:\n  subtype: liposarcoma\n  markers:\n    kit_exon: exon9\nstart: 0\n", 4, "patient.markers.kit_exon",
     "unknown patient attribute 'kit_exon' for subtype 'liposarcoma'"),
    ("patient:\n  subtype: gist\n  markers:\n    pdgfra: none\n    kit_exon: exon10\nstart: 0\n", 5,
     "patient.markers.kit_exon", "'exon10' is not an allowed value of 'kit_exon'; expected one of: exon11"),
    ("patient:\n  subtype: gist\n  colour: blue\nstart: 0\n", 3, "patient.colour", "unknown key 'colour'"),
    ("patient:\n  subtype: gist\n  comedications: [ok, 3]\nstart: 0\n", 3, "patient.comedications[1]",
     "expected a drug name"),
    ("patient:\n  subtype: gist\n  markers: [kit_exon]\nstart: 0\n", 3, "patient.markers", "expected markers"),
])
def test_unknown_or_wrong_patient_attribute(text, line, path, words):
    """Patient attributes are checked against the pathway, located at the attribute's own line."""
    problem = problem_of(text)
    assert (problem.line, problem.path) == (line, path)
    assert words in problem.message


def test_times_going_backwards():
    """An event earlier than the one before it names the event index and both months."""
    text = ("patient: {subtype: gist}\nstart: 0\nevents:\n  - {at: 14, event: progression}\n"
            "  - {at: 3, event: progression}\n")
    problem = problem_of(text)
    assert (problem.line, problem.path) == (5, "events[1].at")
    assert "month 3 is before events[0] (month 14); times must not go backwards" in problem.message


def test_event_before_the_start():
    """An event before the start time is going backwards too."""
    problem = problem_of("patient: {subtype: dfsp}\nstart: 10\nevents:\n  - {at: 2, event: progression}\n")
    assert problem.path == "events[0].at" and "before the start (month 10)" in problem.message


@pytest.mark.parametrize("value", ["soon", "true", "-1", ".nan", "[1]"])
def test_time_must_be_a_number(value):
    """Times are numbers of months >= 0 (not text, booleans, negatives or NaN)."""
    problem = problem_of(f"patient: {{subtype: dfsp}}\nstart: 0\nevents:\n  - {{at: {value}, event: progression}}\n")
    assert problem.path == "events[0].at" and "expected a time in months" in problem.message


def test_unknown_state_in_choose():
    """An unknown state in choose names the event, the states of the pathway and the SUBTYPE.STATE form."""
    problem = problem_of("patient: {subtype: dfsp}\nstart: 0\nevents:\n"
                         "  - {at: 5, event: progression, choose: imatinib_9000}\n")
    assert (problem.line, problem.path) == (4, "events[0].choose")
    assert "unknown state 'imatinib_9000'" in problem.message and "SUBTYPE.STATE" in problem.message


@pytest.mark.parametrize("text, path, words", [
    ("  - {at: 5, event: relapse}\n", "events[0].event", "unknown event 'relapse'; expected one of: start"),
    ("  - {at: 5, event: progression, extent: huge}\n", "events[0].extent", "'huge' is not an allowed value"),
    ("  - {at: 5, event: progression, option: nivolumab}\n", "events[0].option",
     "expected one of: doxorubicin_trabectedin"),
    ("  - {at: 5, event: progression, colour: red}\n", "events[0].colour", "unknown event attribute 'colour'"),
    ("  - {at: 5, event: progression, note: 3}\n", "events[0].note", "expected a note"),
    ("  - progression\n", "events[0]", "expected an event"),
])
def test_wrong_event_fields(text, path, words):
    """Event names, attributes and their values are checked against the pathway."""
    problem = problem_of("patient: {subtype: leiomyosarcoma}\nstart: 0\nevents:\n" + text)
    assert (problem.line, problem.path) == (4, path)
    assert words in problem.message


def test_unknown_top_level_key_and_bad_shapes():
    """Unknown keys and wrong shapes are reported together, each at its own line."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario("patient: {subtype: dfsp}\nstart: 0\nmood: calm\ntitle: [x]\nevents: {at: 1}\n", "c.yaml")
    found = {(p.line, p.path) for p in info.value.problems}
    assert found == {(3, "mood"), (4, "title"), (5, "events")}


def test_not_a_mapping():
    """A document that is not a mapping says what a scenario is."""
    problem = problem_of("- just a list\n")
    assert "expected a scenario" in problem.message


def test_impossible_event_is_located_when_run():
    """Progression after the pathway ended fails at run time with the event's file, line and index."""
    scenario = parse_scenario("patient: {subtype: dfsp}\nstart: 0\nevents:\n  - {at: 5, event: progression}\n"
                              "  - {at: 9, event: progression}\n", "case.yaml")
    with pytest.raises(ImpossibleEventError) as info:
        run_scenario(scenario)
    problem = info.value.problems[0]
    assert (problem.file, problem.line, problem.path) == ("case.yaml", 5, "events[1].event")
    assert "impossible in state 'trial_or_supportive_care'" in problem.message
    assert "the pathway has ended" in problem.message


def test_event_attributes_include_extent_everywhere():
    """Every subtype accepts extent (the alerts read it) besides its declared event attributes."""
    assert event_attributes(parse_scenario("patient: {subtype: emc}\nstart: 0\n", "a.yaml").pathway) == {
        "extent": ("limited", "widespread")}


@given(st.lists(st.floats(0, 100).map(lambda m: round(m, 3)), min_size=1, max_size=6))
def test_times_in_order_are_accepted_and_out_of_order_refused(months):
    """Event times are accepted exactly when they never decrease."""
    events = "".join(f"  - {{at: {m!r}, event: intolerance}}\n" for m in months)
    text = f"patient: {{subtype: dfsp}}\nstart: 0\nevents:\n{events}"
    ordered = all(a <= b for a, b in zip(months, months[1:]))
    try:
        parse_scenario(text, "h.yaml")
        accepted = True
    except SarcomaSimError as error:
        assert all("backwards" in p.message for p in error.problems)
        accepted = False
    assert accepted is ordered


def test_start_and_events_are_checked_even_when_the_patient_is_wrong():
    """A wrong patient does not hide the problems of the start and the events."""
    with pytest.raises(UnknownSubtypeError) as info:
        parse_scenario("patient: {subtype: glioma}\nstart: soon\nevents:\n  - {at: -2, event: progression}\n", "c.yaml")
    assert [p.path for p in info.value.problems] == ["patient.subtype", "start", "events[0].at"]


def test_option_that_does_not_apply_is_located_at_the_option():
    """An option the guideline does not offer at the step is reported at events[i].option when run."""
    scenario = parse_scenario("patient: {subtype: gist}\nstart: 0\nevents:\n"
                              "  - {at: 3, event: progression, option: sunitinib_37_5_continuous}\n", "o.yaml")
    with pytest.raises(ImpossibleEventError) as info:
        run_scenario(scenario)
    problem = info.value.problems[0]
    assert (problem.line, problem.path) == (4, "events[0].option") and "use choose:" in problem.message


@pytest.mark.parametrize("field, yaml_text, path", [
    ("title", 'title: "x\\e]0;owned\\a\\e[2J"\n', "title"),
    ("label", "", "patient.label"),
    ("note", "", "start.note"),
])
def test_terminal_escape_sequences_in_text_are_refused(field, yaml_text, path):
    """A title, label or note holding a control character (an escape sequence) is refused at its path."""
    patient = 'patient: {subtype: dfsp' + (', label: "p\\e[2J"' if field == "label" else "") + "}\n"
    start = 'start: {at: 0, note: "n\\x9b1m"}\n' if field == "note" else "start: 0\n"
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(yaml_text + patient + start, "s.yaml")
    (problem,) = caught.value.problems
    assert problem.path == path and "control character" in problem.message


def test_huge_start_time_is_a_located_scenario_error():
    """A 401-digit start time is a ScenarioError at its line, not an OverflowError."""
    with pytest.raises(ScenarioError) as caught:
        parse_scenario("patient: {subtype: dfsp}\nstart: " + "1" * 401 + "\n", "s.yaml")
    (problem,) = caught.value.problems
    assert (problem.line, problem.path) == (2, "start") and "too large" in problem.message


def test_repeated_comedications_are_kept_once():
    """A drug listed many times is one co-medication of the patient (and its alert fires once)."""
    scenario = parse_scenario("patient: {subtype: dfsp, comedications: [" + ", ".join(["Rifampicin"] * 500)
                              + "]}\nstart: 0\n", "s.yaml")
    assert scenario.patient.comedications == ("rifampicin",)
