"""Continuous-time accounting: exact integrals on a hand-made log, and the engine against the
closed-form discounted values of an exponential chain (within Monte Carlo error)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarcoma_sim.cohort.eventlog import EventLog
from sarcoma_sim.cohort.params import load_params
from sarcoma_sim.economics.accounting import Totals, cohort_totals, discount_factor, discounted_duration, patient_values
from sarcoma_sim.economics.inputs import Rates
from sarcoma_sim.pathways.conditions import holds
from sarcoma_sim.pathways.exits import with_competing_exits
from sarcoma_sim.pathways.load import load_subtype

ZERO = {"costs": 0.0, "qalys": 0.0, "life_years": 0.0}


@given(st.floats(0, 200), st.floats(0, 200), st.floats(0, 0.2))
def test_discounted_duration_is_the_integral_of_the_discount_factor(a, b, r):
    """The closed form equals a fine numerical integral of (1 + r)^(-t/12) over [t0, t1]."""
    t0, t1 = min(a, b), max(a, b)
    grid = np.linspace(t0, t1, 2001)
    f = (1 + r) ** (-grid / 12)
    numeric = float(((grid[1:] - grid[:-1]) * (f[1:] + f[:-1]) / 2).sum())   # the trapezoid rule
    exact = discounted_duration(np.array([t0]), np.array([t1]), r)[0]
    assert exact == pytest.approx(numeric, rel=1e-6, abs=1e-9)
    assert discount_factor(np.array([12.0]), r)[0] == pytest.approx(1 / (1 + r))


def _rates(states, events, **arrays):
    S, E = len(states), len(events)
    base = dict(cost_per_month=np.zeros(S), drug_per_month=np.zeros(S), utility_per_year=np.zeros(S),
                cost_on_event=np.zeros(E), cost_on_entry=np.zeros(S), disutility_on_event=np.zeros(E),
                disutility_on_entry=np.zeros(S))
    base.update(arrays)
    return Rates(tuple(states), tuple(events), **base)


def test_a_hand_made_log_gives_its_exact_totals():
    """Two patients, known stays and events: costs, QALYs and life-years by hand, undiscounted and at 3.5%."""
    states, events = ("start", "a", "b", "dead"), ("go", "next", "die")
    # patient 0: start->a at 0, a->b at 12, b->dead at 18; patient 1: start->a at 0, a->dead at 6
    log = EventLog(np.array([0, 0, 0, 1, 1]), np.array([0.0, 12.0, 18.0, 0.0, 6.0]), np.array([0, 1, 2, 0, 2]),
                   np.array([0, 1, 2, 0, 1]), np.array([1, 2, 3, 1, 3]), events, states)
    rates = _rates(states, events, cost_per_month=np.array([0.0, 100.0, 50.0, 0.0]),
                   utility_per_year=np.array([0.0, 0.8, 0.5, 0.0]), cost_on_event=np.array([0.0, 0.0, 1000.0]),
                   cost_on_entry=np.array([0.0, 0.0, 500.0, 0.0]), disutility_on_event=np.array([0.0, 0.1, 0.0]))
    plain = patient_values(log, rates, ZERO, 0, 2)
    assert plain[0] == pytest.approx([12 * 100 + 6 * 50 + 500 + 1000, 0.8 + 0.25 - 0.1, 1.5])
    assert plain[1] == pytest.approx([600 + 1000, 0.4, 0.5])
    r = 0.035
    rho = math.log(1 + r)
    f = [math.exp(-rho * t / 12) for t in (6, 12, 18)]
    discounted = patient_values(log, rates, {"costs": r, "qalys": r, "life_years": r}, 0, 2)
    years = 12 / rho
    assert discounted[0] == pytest.approx([100 * years * (1 - f[1]) + 50 * years * (f[1] - f[2]) + 500 * f[1]
                                           + 1000 * f[2],
                                           0.8 / 12 * years * (1 - f[1]) + 0.5 / 12 * years * (f[1] - f[2])
                                           - 0.1 * f[1],
                                           (1 - f[2]) / rho])
    assert discounted[1][2] == pytest.approx((1 - f[0]) / rho)


def test_totals_give_means_and_standard_errors():
    """Means and standard errors of chunks added one by one equal numpy's on the whole array."""
    values = np.random.default_rng(3).normal(size=(1000, 3))
    totals = Totals.empty(keep=True, n=1000)
    totals.add(values[:400], 0)
    totals.add(values[400:], 400)
    assert totals.means == pytest.approx(values.mean(axis=0))
    assert totals.standard_errors == pytest.approx(values.std(axis=0, ddof=1) / math.sqrt(1000))
    assert np.array_equal(totals.per_patient, values)


SUBTYPE = "angiosarcoma"      # every time exponential; no state entered differently by origin


def closed_form(pathway, params, rates: Rates, rate: float, column: str) -> float:
    """Expected discounted value per patient of an absorbing continuous-time Markov chain:
    (q_i + k) V_i - sum_j q_ij V_j = a_i + sum_j q_ij b_ij, V = 0 at death; k = ln(1 + r) / 12 a month.
    ``column`` picks the rate a_i and one-offs b_ij: costs, qalys or life_years."""
    states = list(pathway.states)
    index = {s: i for i, s in enumerate(states)}
    k = math.log1p(rate) / 12
    if column == "costs":
        flow, on_event, on_entry = rates.cost_per_month, rates.cost_on_event, rates.cost_on_entry
    elif column == "qalys":
        flow, on_event, on_entry = rates.utility_per_year / 12, -rates.disutility_on_event, -rates.disutility_on_entry
    else:
        flow, on_event, on_entry = np.ones(len(states)) / 12, np.zeros(len(pathway.events)), np.zeros(len(states))
    total = 0.0
    for group in params.population:
        a = np.zeros((len(states), len(states)))
        b = np.zeros(len(states))
        start_row = np.zeros(len(states))
        start_const = 0.0
        for state in states:
            i = index[state]
            if pathway.states[state].kind == "terminal":
                a[i, i] = 1.0
                continue
            events = params.states[state].for_entry(None)
            instant = state == pathway.initial
            if not instant:
                a[i, i] += k
                b[i] += flow[i]
            for event, ep in events.items():
                weight = 1.0 if instant else math.log(2) / ep.timing_for(group.facts).median
                for values, p in ep.combinations():
                    target = next(t.target for t in pathway.outgoing(state, event)
                                  if holds(t.when, {**group.facts, **values}))
                    j = index[target]
                    paid = on_event[pathway.events.index(event)] + on_entry[j]
                    if instant:
                        start_row[j] += p
                        start_const += p * paid
                    else:
                        a[i, i] += weight * p
                        a[i, j] -= weight * p
                        b[i] += weight * p * paid
        init = index[pathway.initial]
        a[init] = 0.0
        a[init, init] = 1.0
        a[init] -= start_row
        b[init] = start_const
        total += group.prevalence.value * np.linalg.solve(a, b)[init]
    return total


@pytest.mark.parametrize("rate", [0.0, 0.035])
def test_the_engine_matches_the_closed_form_of_an_exponential_chain(rate):
    """Discounted costs, QALYs and life-years from 60,000 simulated patients lie within 4 Monte Carlo
    standard errors of the chain's exact values (imaging every 10^-6 month, so detection adds nothing)."""
    pathway = with_competing_exits(load_subtype(SUBTYPE))
    params = load_params(SUBTYPE)
    params = dataclasses.replace(params, imaging_interval=dataclasses.replace(params.imaging_interval, value=1e-6))
    states, events = tuple(pathway.states), tuple(pathway.events)
    rng = np.random.default_rng(5)
    rates = _rates(states, events, cost_per_month=rng.uniform(100, 5000, len(states)),
                   utility_per_year=rng.uniform(0.3, 0.9, len(states)),
                   cost_on_event=rng.uniform(0, 3000, len(events)), cost_on_entry=rng.uniform(0, 3000, len(states)),
                   disutility_on_event=rng.uniform(0, 0.05, len(events)),
                   disutility_on_entry=rng.uniform(0, 0.05, len(states)))
    discount = {"costs": rate, "qalys": rate, "life_years": rate}
    totals = cohort_totals(pathway, params, rates, discount, 60_000, 21)
    for j, column in enumerate(("costs", "qalys", "life_years")):
        expected = closed_form(pathway, params, rates, rate, column)
        assert abs(totals.means[j] - expected) < 4 * totals.standard_errors[j], (column, totals.means[j], expected)


def test_totals_from_the_engine_steps_equal_totals_from_the_event_log():
    """Folding the engine's steps (no log kept) gives each patient's values from the full event log."""
    from sarcoma_sim.cohort.vectorized import simulate_vectorized

    pathway = with_competing_exits(load_subtype("gist"))
    params = load_params("gist")
    states, events = tuple(pathway.states), tuple(pathway.events)
    rng = np.random.default_rng(9)
    rates = _rates(states, events, cost_per_month=rng.uniform(0, 5000, len(states)),
                   utility_per_year=rng.uniform(0, 1, len(states)), cost_on_event=rng.uniform(0, 900, len(events)),
                   disutility_on_entry=rng.uniform(0, 0.1, len(states)))
    discount = {"costs": 0.035, "qalys": 0.015, "life_years": 0.0}
    log = simulate_vectorized(pathway, params, 3000, 4, chunk_size=1000).log
    from_log = patient_values(log, rates, discount, 0, 3000)
    from_steps = cohort_totals(pathway, params, rates, discount, 3000, 4, keep=True, chunk_size=1000).per_patient
    assert from_steps == pytest.approx(from_log, rel=1e-9, abs=1e-9)
