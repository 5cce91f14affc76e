"""Tests of competing exits: the pathway block, its validation, the cohort view (sarcoma_sim.pathways.exits),
the parameter defaults (sarcoma_sim.cohort.params.exits) and both engines firing them."""

from __future__ import annotations

import numpy as np
import pytest

from sarcoma_sim.cohort.params import params_from_documents
from sarcoma_sim.cohort.stepwise import simulate_stepwise
from sarcoma_sim.cohort.vectorized import simulate_vectorized
from sarcoma_sim.errors import ParameterError, PathwayError
from sarcoma_sim.pathways.exits import DEATH_STATE, SUPPORTIVE_CARE_STATE, active_states, with_competing_exits
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype, parse_pathway
from sarcoma_sim.pathways.machine import PatientModel, machine_for
from sarcoma_sim.pathways.model import SUPPORTIVE_CARE
from sarcoma_sim.pathways.yamlsource import parse_yaml

from helpers.pathway_text import SMALL_PATHWAY

EXITS = """
competing_exits:
  death: {label: Death from the disease}
  decline: {label: Best supportive care}
"""

PARAMS = """\
subtype: demo
imaging:
  interval_months: {months: 3, illustrative: true}
population:
  positive:
    facts: {marker: positive}
    prevalence: {percent: 100, illustrative: true}
  negative:
    facts: {marker: negative}
    prevalence: {percent: 0, illustrative: true}
states:
  drug_a:
    progression:
      distribution: exponential
      median_months: {months: 6, illustrative: true}
      extent:
        limited: {value: 0.5, illustrative: true}
        widespread: {value: 0.5, illustrative: true}
  drug_b:
    progression:
      distribution: exponential
      median_months: {months: 4, illustrative: true}
competing_exits:
  on_treatment:
    death: {distribution: exponential, median_months: {months: 30, illustrative: true}}
    decline: {distribution: exponential, median_months: {months: 20, illustrative: true}}
  supportive_care:
    death: {distribution: exponential, median_months: {months: 5, source: "Trial X (placebo OS 5 mo)"}}
"""


def demo(extra: str = EXITS):
    """The small pathway with ``extra`` appended (by default both exits)."""
    return parse_pathway(SMALL_PATHWAY + extra, "demo.yaml")


def demo_params(text: str = PARAMS, pathway=None):
    """Parameters of the demo pathway from ``text``."""
    return params_from_documents(pathway or demo(), [parse_yaml(text, "demo-params.yaml")])


def problems(text: str) -> list[str]:
    """The problems of a pathway text (fails if it is valid)."""
    with pytest.raises(PathwayError) as caught:
        parse_pathway(text, "demo.yaml")
    return [str(p) for p in caught.value.problems]


def param_problems(text: str) -> list[str]:
    """The problems of a demo parameter text (fails if it is valid)."""
    with pytest.raises(ParameterError) as caught:
        demo_params(text)
    return [str(p) for p in caught.value.problems]


# ---- the cohort view -----------------------------------------------------------------------------

def test_view_adds_death_and_decline_from_every_active_state():
    """Every state between the start and the end gets one death and one decline transition."""
    view = with_competing_exits(demo())
    for state in ("drug_a", "drug_b"):
        assert [t.target for t in view.outgoing(state, "death")] == [DEATH_STATE]
        assert [t.target for t in view.outgoing(state, "decline")] == [SUPPORTIVE_CARE_STATE]
    assert view.outgoing("workup", "death") == []
    assert view.terminal_states() == [DEATH_STATE]


def test_living_ends_and_supportive_care_leave_only_by_death():
    """The file's end and best supportive care are supportive-care states whose one exit is death."""
    view = with_competing_exits(demo())
    for state in ("end", SUPPORTIVE_CARE_STATE):
        assert view.states[state].kind == SUPPORTIVE_CARE
        assert [(t.event, t.target) for t in view.outgoing(state)] == [("death", DEATH_STATE)]


def test_ends_outside_stay_ends():
    """An end listed in ends_outside stays terminal: the patient leaves the pathway there."""
    view = with_competing_exits(demo(EXITS + "  ends_outside: [end]\n"))
    assert view.states["end"].kind == "terminal"
    assert set(view.terminal_states()) == {"end", DEATH_STATE}


def test_a_state_added_later_needs_no_exit_edit():
    """A therapy added to the file gets both exits with no change to the competing_exits block."""
    text = SMALL_PATHWAY.replace("  end:\n", "  drug_c:\n    kind: therapy\n    label: Drug C\n"
                                 "    regimen: {drugs: [drugc], line: 3}\n    sources: [source-guideline]\n  end:\n")
    text = text.replace("  - {event: progression, from: drug_b, to: end}",
                        "  - {event: progression, from: drug_b, to: drug_c, sources: [source-guideline]}\n"
                        "  - {event: progression, from: drug_c, to: end}")
    view = with_competing_exits(parse_pathway(text + EXITS, "demo.yaml"))
    assert "drug_c" in active_states(view)
    assert {t.event for t in view.outgoing("drug_c")} == {"progression", "death", "decline"}


def test_without_the_block_the_pathway_is_unchanged():
    """A pathway that declares no competing exits is its own cohort view."""
    plain = parse_pathway(SMALL_PATHWAY, "demo.yaml")
    assert with_competing_exits(plain) is plain


def test_the_written_pathway_keeps_its_states_for_drawings_and_teaching():
    """Loading a file with the block changes nothing in the pathway as written (diagrams, scenarios)."""
    plain, declared = parse_pathway(SMALL_PATHWAY, "demo.yaml"), demo()
    assert declared.states == plain.states and declared.transitions == plain.transitions


def test_the_machine_fires_death_as_an_event():
    """The transitions machine of the cohort view takes a death event like any other."""
    view = with_competing_exits(demo())
    machine = machine_for(view)
    patient = machine.attach(PatientModel({"marker": "positive"}), state="drug_a")
    try:
        transition = machine.fire(patient, "death")
    finally:
        machine.detach(patient)
    assert (transition.source, transition.target) == ("drug_a", DEATH_STATE)


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_shipped_pathway_declares_both_exits(subtype):
    """Every shipped subtype's cohort view ends only in death (or a declared way out of the pathway)."""
    pathway = load_subtype(subtype)
    assert set(pathway.competing_exits) == {"death", "decline"}
    view = with_competing_exits(pathway)
    assert set(view.terminal_states()) == {DEATH_STATE, *pathway.ends_outside}


# ---- validation of the block ---------------------------------------------------------------------

def test_decline_without_death_is_refused():
    """Best supportive care needs a way out, so decline alone is an error at competing_exits."""
    found = problems(SMALL_PATHWAY + "\ncompeting_exits:\n  decline: {}\n")
    assert any("competing_exits" in p and "decline needs death" in p for p in found)


def test_a_state_named_like_an_added_state_is_refused():
    """A declared state called death is named as taking an id the exits add."""
    text = SMALL_PATHWAY.replace("  end:\n    kind: terminal", "  death:\n    kind: terminal").replace(
        "to: end", "to: death")
    found = problems(text + EXITS)
    assert any("states.death" in p and "taken by the competing exits" in p for p in found)


def test_unknown_source_in_an_exit_is_named():
    """An exit citing an undeclared source is an error at its path, with the declared ids."""
    found = problems(SMALL_PATHWAY + "\ncompeting_exits:\n  death: {sources: [nowhere]}\n")
    assert any("competing_exits.death.sources[0]" in p and "unknown source id 'nowhere'" in p for p in found)


def test_ends_outside_must_name_an_end_state():
    """ends_outside naming a therapy state is an error at that list item."""
    found = problems(SMALL_PATHWAY + EXITS + "  ends_outside: [drug_a]\n")
    assert any("competing_exits.ends_outside[0]" in p and "not a declared end" in p for p in found)


def test_unknown_key_in_the_block_is_named():
    """A key other than death, decline and ends_outside is refused by the schema, at its line."""
    text = SMALL_PATHWAY + EXITS + "  stroke: {}\n"
    found = problems(text)
    line = len(text.splitlines())
    assert any(f"demo.yaml:{line}" in p and "stroke" in p for p in found)


# ---- parameter defaults ----------------------------------------------------------------------------

def test_defaults_reach_every_state_with_their_file_and_line():
    """Each active state takes the on-treatment timing, keeping the default's file and line."""
    params = demo_params()
    line = next(number for number, text in enumerate(PARAMS.splitlines(), 1) if "    death: {distribution" in text)
    for state in ("drug_a", "drug_b"):
        death = params.event_params(state, "death").timing
        assert death.median == 30 and death.median_months.origin == f"demo-params.yaml:{line}"
        assert params.event_params(state, "decline").timing.median == 20
    for state in ("end", SUPPORTIVE_CARE_STATE):
        assert params.event_params(state, "death").timing.median == 5


def test_a_state_override_wins_over_the_default():
    """states.<id>.death replaces the default for that state only."""
    text = PARAMS.replace("  drug_b:\n", "  drug_b:\n    death: {distribution: exponential, "
                                         "median_months: {months: 9, illustrative: true}}\n")
    params = demo_params(text)
    assert params.event_params("drug_b", "death").timing.median == 9
    assert params.event_params("drug_a", "death").timing.median == 30


def test_defaults_are_listed_once():
    """quantities() lists each default once, under competing_exits, not once per state."""
    paths = [p for p, _ in demo_params().quantities()]
    assert paths.count("competing_exits.on_treatment.death.median_months") == 1
    assert not any(p.startswith("states.") and ".death." in p for p in paths)


def test_missing_block_is_named_when_the_pathway_declares_exits():
    """Parameters without competing_exits for a pathway with exits say what to add."""
    text = PARAMS.split("competing_exits:")[0]
    assert any("declares competing exits" in p and "add a competing_exits block" in p
               for p in param_problems(text))


def test_block_for_a_pathway_without_exits_is_refused():
    """competing_exits in the parameters of a pathway that declares none is an error at the block."""
    with pytest.raises(ParameterError) as caught:
        demo_params(PARAMS, pathway=parse_pathway(SMALL_PATHWAY, "demo.yaml"))
    assert any("competing_exits" in str(p) and "declares no competing exits" in str(p)
               for p in caught.value.problems)


def test_unknown_group_and_missing_event_are_named():
    """A misspelt group is refused, and a state left without a death timing is named."""
    text = PARAMS.replace("  supportive_care:\n", "  supportive:\n")
    found = param_problems(text)
    assert any("competing_exits.supportive" in p and "unknown key 'supportive'" in p for p in found)
    assert any("end can end by death" in p for p in found)


# ---- both engines -------------------------------------------------------------------------------

@pytest.mark.parametrize("simulate", [simulate_stepwise, simulate_vectorized])
def test_engines_fire_death_and_decline(simulate):
    """Both engines end every patient in death, some through best supportive care."""
    result = simulate(demo(), demo_params(), 2000, 5)
    log = result.log
    ends = np.array(log.state_ids)[log.to_state[log.last_rows()]]
    assert set(ends) == {DEATH_STATE}
    events = set(np.array(log.event_names)[log.event])
    assert {"death", "decline"} <= events


def test_engines_agree_on_exit_shares():
    """The share of patients dying from each state and declining agree within 4 standard errors."""
    n = 8_000   # enough to tell the shares apart at 4 standard errors; every subtype at 20,000 is slow (test_engines)
    step = simulate_stepwise(demo(), demo_params(), n, 1)
    vect = simulate_vectorized(demo(), demo_params(), n, 2)

    def shares(result):
        log = result.log
        out = {}
        for event in ("death", "decline"):
            code = log.event_names.index(event)
            for state_code, state in enumerate(log.state_ids):
                rows = (log.event == code) & (log.from_state == state_code)
                out[(event, state)] = np.count_nonzero(rows) / n
        return out

    a, b = shares(step), shares(vect)
    for key in a:
        se = np.sqrt(a[key] * (1 - a[key]) / n + b[key] * (1 - b[key]) / n)
        assert abs(a[key] - b[key]) <= 4 * se + 1e-12, (key, a[key], b[key])


# ---- timing by patient attribute (by_patient) --------------------------------------------------

BY_MARKER = PARAMS.replace('''      median_months: {months: 6, illustrative: true}
''', '''      median_months: {months: 6, illustrative: true}
      by_patient:
        marker:
          positive: {median_months: {months: 12, source: "Trial X (marker-positive 12 mo)"}}
''')


def test_by_patient_timing_applies_to_matching_patients():
    """A patient with the named attribute value takes its timing; others keep the event's own."""
    ep = demo_params(BY_MARKER).event_params("drug_a", "progression")
    assert ep.timing_for({"marker": "positive"}).median == 12
    assert ep.timing_for({"marker": "negative"}).median == 6
    assert ep.timing_for({"marker": "positive"}).distribution == "exponential"


def test_by_patient_values_are_listed_with_their_source():
    """quantities() lists the by_patient median under its own path, with its source."""
    rows = dict(demo_params(BY_MARKER).quantities())
    q = rows["states.drug_a.progression.by_patient.marker.positive.median_months"]
    assert q.value == 12 and q.source == "Trial X (marker-positive 12 mo)"


@pytest.mark.parametrize("old,new", [
    ("        marker:\n", "        colour:\n"),                                      # unknown attribute
    ("          positive: {median", "          maybe: {median"),                       # undeclared value
    ("{median_months: {months: 12", "{dose: 3, median_months: {months: 12"),          # not a timing key
])
def test_bad_by_patient_entries_are_named(old, new):
    """An unknown patient attribute, an undeclared value or a non-timing key is refused at its path."""
    found = param_problems(BY_MARKER.replace(old, new))
    assert any("states.drug_a.progression.by_patient" in p for p in found), found


@pytest.mark.parametrize("simulate", [simulate_stepwise, simulate_vectorized])
def test_engines_use_the_patient_timing(simulate):
    """Both engines draw marker-positive patients' time on drug A from the by_patient median (12, not 6)."""
    record = {}
    simulate(demo(), demo_params(BY_MARKER), 6000, 3, record=record)
    latent = record["latent"][("drug_a", "progression", None)]
    assert abs(np.median(latent) / 12 - 1) < 0.06      # 6,000 draws: standard error of the median about 2%


# ---- latent v observed medians (observed_every_months) -----------------------------------------

OBSERVED = PARAMS.replace('''      median_months: {months: 6, illustrative: true}
''', '''      median_months: {months: 6, illustrative: true}
      observed_every_months: {weeks: 8, illustrative: true, note: the trial's scan interval}
''')


def test_an_observed_median_becomes_the_latent_one():
    """With observed_every_months the simulator draws from a latent median below the published 6 months,
    whose observed median at that schedule is exactly the published one; both are kept."""
    from sarcoma_sim.cohort.params.model import observed_median
    timing = demo_params(OBSERVED).event_params("drug_a", "progression").timing
    assert timing.median < 6 and timing.median_months.reported == "6 months"
    assert observed_median(timing, timing.observed_every.value) == pytest.approx(6.0, abs=1e-6)
    assert "observed at assessments every 8 weeks" in timing.median_months.note


def test_simulated_observed_median_reproduces_the_published_one():
    """Latent times drawn by the engine, recorded at the trial's 8-weekly scans, give back the published
    median within 3% (read from the recorded times interpolated between scans)."""
    record = {}
    params = demo_params(OBSERVED)
    simulate_vectorized(demo(), params, 40_000, 8, record=record)
    every = params.event_params("drug_a", "progression").timing.observed_every.value
    latent = record["latent"][("drug_a", "progression", None)]
    visits = np.maximum(np.ceil(latent / every), 1)
    k = 1
    while np.mean(visits <= k) < 0.5:
        k += 1
    low, high = np.mean(visits <= k - 1), np.mean(visits <= k)
    observed = (k - 1) * every + every * (0.5 - low) / (high - low)
    assert abs(observed / 6.0 - 1) < 0.03


def test_a_bad_schedule_is_named():
    """A schedule that is not a positive time is an error at its path."""
    found = param_problems(OBSERVED.replace("{weeks: 8,", "{weeks: -8,"))
    assert any("states.drug_a.progression.observed_every_months" in p for p in found), found


# ---- --set on competing exits ----------------------------------------------------------------

def test_set_on_a_default_reaches_every_state_and_is_listed_as_an_override():
    """--set competing_exits.on_treatment.death.median_months changes every active state's death time."""
    params = params_from_documents(demo(), [parse_yaml(PARAMS, "demo-params.yaml")],
                                   ["competing_exits.on_treatment.death.median_months=50"])
    assert {params.event_params(s, "death").timing.median for s in ("drug_a", "drug_b")} == {50}
    rows = dict(params.quantities())
    assert rows["competing_exits.on_treatment.death.median_months"].provenance.startswith("override (--set")


def test_set_on_one_state_is_listed_for_that_state():
    """A --set on one state's exit is listed under that state; the default stays listed once."""
    params = params_from_documents(demo(), [parse_yaml(PARAMS, "demo-params.yaml")],
                                   ["drug_b.death.median_months=9"])
    rows = dict(params.quantities())
    assert rows["states.drug_b.death.median_months"].value == 9
    assert rows["competing_exits.on_treatment.death.median_months"].value == 30
    assert "states.drug_a.death.median_months" not in rows


def test_set_on_an_unknown_exit_names_the_keys():
    """A --set on an exit the pathway does not declare is refused, naming the allowed keys."""
    with pytest.raises(ParameterError) as caught:
        params_from_documents(demo(), [parse_yaml(PARAMS, "demo-params.yaml")],
                              ["competing_exits.on_treatment.stroke.median_months=1"])
    assert "competing_exits.<on_treatment|supportive_care>.<death|decline>" in str(caught.value)
