"""Tests for sarcoma_sim.cohort.stepwise, the reference engine: real machine transitions, sampled times, imaging."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sarcoma_sim.cohort.stepwise as stepwise
from sarcoma_sim.cohort.eventlog import check_log
from sarcoma_sim.cohort.params import Quantity, Timing, load_params
from sarcoma_sim.cohort.stepwise import detect, draw_choices, draw_time, simulate_stepwise
from sarcoma_sim.errors import ArgumentError, PathwayError
from sarcoma_sim.pathways.exits import with_competing_exits
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.pathways.machine import PathwayMachine

from helpers.budget import examples
from helpers.fake_cohort import stays

GIST = load_subtype("gist")
PARAMS = load_params("gist")


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_logs_keep_the_contract_for_every_subtype(subtype):
    """Every patient starts with start at 0 in the initial state, chains transitions and ends in an end state."""
    pathway = load_subtype(subtype)
    result = simulate_stepwise(pathway, load_params(subtype), 300, 1)
    check_log(result.log, 300, pathway.initial, with_competing_exits(pathway).terminal_states())
    assert result.engine == "stepwise" and result.n == 300 and result.subtype == subtype


def test_every_row_is_a_transition_the_machine_fired(monkeypatch):
    """The engine moves patients only with PathwayMachine.fire: one call per logged row."""
    calls = []
    real_fire = PathwayMachine.fire

    def spy(self, model, event, **attributes):
        """Fire for real and note what fired."""
        transition = real_fire(self, model, event, **attributes)
        calls.append((event, transition.source, transition.target))
        return transition

    monkeypatch.setattr(PathwayMachine, "fire", spy)
    log = simulate_stepwise(GIST, PARAMS, 50, 4).log
    names = [(log.event_names[e], log.state_ids[f], log.state_ids[t])
             for e, f, t in zip(log.event, log.from_state, log.to_state)]
    assert calls == names


def test_progression_is_seen_only_at_imaging_visits():
    """Time on a therapy before a progression is a whole number of imaging intervals; intolerance is not."""
    log = simulate_stepwise(GIST, PARAMS, 2000, 2).log
    stay = stays(log)
    progression = log.event == log.event_names.index("progression")
    visits = stay[progression] / PARAMS.interval_months
    assert np.allclose(visits, np.round(visits)) and np.round(visits).min() >= 1
    intolerance = stay[log.event == log.event_names.index("intolerance")]
    assert not np.allclose(intolerance / 3, np.round(intolerance / 3))


def test_pathway_conditions_decide_first_line():
    """D842V goes to avapritinib, KIT exon 9 to imatinib 800 mg, everyone else to imatinib 400 mg."""
    result = simulate_stepwise(GIST, PARAMS, 3000, 8)
    first = result.log.to_state[result.log.first_rows()]
    states = np.array(result.log.state_ids)[first]
    facts = result.patient_facts
    assert np.all(states[facts["pdgfra"] == "d842v"] == "avapritinib")
    assert np.all(states[facts["kit_exon"] == "exon9"] == "imatinib_800_exon9")
    rest = (facts["pdgfra"] != "d842v") & (facts["kit_exon"] != "exon9")
    assert np.all(states[rest] == "imatinib_400")


@given(st.integers(1, 120), st.integers(1, 120))
@settings(max_examples=10, deadline=None)
def test_patient_i_is_the_same_whatever_n(n1, n2):
    """The first patients' rows are identical in cohorts of different sizes."""
    a, b = simulate_stepwise(GIST, PARAMS, n1, 6).log, simulate_stepwise(GIST, PARAMS, n2, 6).log
    k = min(n1, n2)
    rows = int(np.searchsorted(a.patient, k))
    assert rows == int(np.searchsorted(b.patient, k))
    for column in ("patient", "t_months", "event", "from_state", "to_state"):
        assert np.array_equal(getattr(a, column)[:rows], getattr(b, column)[:rows])


@pytest.mark.parametrize("distribution,shape", [("exponential", None), ("weibull", 0.6), ("weibull", 2.5),
                                                ("lognormal", 0.4), ("lognormal", 1.2)])
def test_draw_time_has_the_given_median_and_distribution(distribution, shape):
    """Sampled times have the wanted median and follow the distribution's CDF at its quartiles."""
    timing = Timing(distribution, Quantity(6.0, "6 months", illustrative=True),
                    Quantity(shape, str(shape), illustrative=True) if shape else None)
    rng = np.random.default_rng(3)
    times = np.array([draw_time(timing, rng) for _ in range(40_000)])
    for t in np.quantile(times, [0.25, 0.5, 0.75]):
        assert timing.cdf(t) == pytest.approx(np.mean(times <= t), abs=0.01)
    assert np.median(times) == pytest.approx(6.0, rel=0.03)


@given(st.floats(1e-9, 200), st.sampled_from([2.0, 2.5, 3.0]))
@settings(max_examples=examples(80), deadline=None)
def test_detect_gives_the_first_visit_at_or_after(latent, interval):
    """detect() is the first imaging visit (a multiple of the interval, >= 1 visit) at or after the time."""
    seen = detect(latent, interval)
    visits = seen / interval
    assert visits == round(visits) and visits >= 1
    assert seen >= latent and (seen - interval < latent or visits == 1)


def test_detect_at_exact_visits_and_zero():
    """A progression exactly at a visit is seen then; one at time 0 at the first visit."""
    assert detect(3.0, 3.0) == 3.0 and detect(3.0001, 3.0) == 6.0 and detect(0.0, 3.0) == 3.0


def test_draw_choices_follow_the_probabilities():
    """Option values are drawn with their probabilities."""
    ep = load_params("leiomyosarcoma").event_params("anthracycline", "progression")
    rng = np.random.default_rng(5)
    picks = [draw_choices(ep, rng)["option"] for _ in range(20_000)]
    for value, q in ep.choices["option"].items():
        share = picks.count(value) / len(picks)
        assert abs(share - q.value) < 4 * math.sqrt(q.value * (1 - q.value) / len(picks)), value


def test_progress_is_reported_to_the_end():
    """progress(done, total) is called as patients finish, last with (n, n)."""
    seen = []
    simulate_stepwise(GIST, PARAMS, 2500, 1, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]


def test_latent_times_are_recorded_before_detection():
    """``record`` receives the drawn times per (state, event, entered_from), not rounded to visits."""
    record = {}
    simulate_stepwise(GIST, PARAMS, 500, 1, record=record)
    latent = record["latent"][("imatinib_400", "progression", None)]
    assert len(latent) > 300 and not np.allclose(latent / 3, np.round(latent / 3))
    assert ("imatinib_400", "progression", "resection") in record["latent"]


def test_a_pathway_that_never_ends_is_refused(monkeypatch):
    """A patient still moving after MAX_TRANSITIONS is an error, not an endless loop."""
    monkeypatch.setattr(stepwise, "MAX_TRANSITIONS", 2)
    with pytest.raises(PathwayError, match="more than 2 transitions"):
        simulate_stepwise(GIST, PARAMS, 50, 1)


def test_bad_sizes_and_seeds_are_refused():
    """n < 1 or a negative seed is an ArgumentError."""
    with pytest.raises(ArgumentError, match="patients >= 1"):
        simulate_stepwise(GIST, PARAMS, 0, 1)
    with pytest.raises(ArgumentError, match="seed"):
        simulate_stepwise(GIST, PARAMS, 5, -3)
