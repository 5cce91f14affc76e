"""The analytic check of the cohort engine: with exponential times, imaging every instant and fixed
branch probabilities, the share of patients reaching each state equals the absorbing Markov chain's."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sarcoma_sim.cohort.params import load_params
from sarcoma_sim.cohort.vectorized import simulate_vectorized
from sarcoma_sim.pathways.conditions import holds
from sarcoma_sim.pathways.exits import with_competing_exits
from sarcoma_sim.pathways.load import load_subtype

N = 100_000
SUBTYPE = "angiosarcoma"      # every time exponential, branch options, no state entered differently by origin


def continuous_params(subtype: str):
    """The shipped parameters with imaging every 10^-6 month, so detection adds (almost) nothing."""
    params = load_params(subtype)
    instant = dataclasses.replace(params.imaging_interval, value=1e-6)
    return dataclasses.replace(params, imaging_interval=instant)


def chain_reach(pathway, params) -> dict[str, float]:
    """P(ever entering each state) from the absorbing chain: one-step probabilities from the event
    rates (ln 2 / median, the first event wins) and the attribute probabilities, then the
    fundamental matrix N = (I - Q)^-1 and P(visit j) = N[s, j] / N[j, j], mixed over the population."""
    states = list(pathway.states)
    index = {s: i for i, s in enumerate(states)}
    reach = np.zeros(len(states))
    for group in params.population:
        step = np.zeros((len(states), len(states)))
        for state in states:
            if pathway.states[state].kind == "terminal":
                continue
            events = params.states[state].for_entry(None)
            if state == pathway.initial:
                weights = {"start": 1.0}
            else:
                rates = {e: math.log(2) / ep.timing_for(group.facts).median for e, ep in events.items()}
                total = sum(rates.values())
                weights = {e: r / total for e, r in rates.items()}
            for event, w in weights.items():
                for values, p in events[event].combinations():
                    facts = {**group.facts, **values}
                    target = next(t.target for t in pathway.outgoing(state, event) if holds(t.when, facts))
                    step[index[state], index[target]] += w * p
        transient = [i for i, s in enumerate(states) if pathway.states[s].kind != "terminal"]
        q = step[np.ix_(transient, transient)]
        fundamental = np.linalg.inv(np.eye(len(transient)) - q)
        start = transient.index(index[pathway.initial])
        visits = np.zeros(len(states))
        for k, i in enumerate(transient):
            visits[i] = fundamental[start, k] / fundamental[k, k]
        absorbed = fundamental[start] @ step[np.ix_(transient, range(len(states)))]
        for i, s in enumerate(states):
            if pathway.states[s].kind == "terminal":
                visits[i] = absorbed[i]
        reach += group.prevalence.value * visits
    return dict(zip(states, reach))


def test_reach_fractions_equal_the_absorbing_chain():
    """Every state's simulated reach fraction is within 4 standard errors of the chain's value."""
    pathway = with_competing_exits(load_subtype(SUBTYPE))
    params = continuous_params(SUBTYPE)
    expected = chain_reach(pathway, params)
    log = simulate_vectorized(pathway, params, N, 12).log
    for code, state in enumerate(log.state_ids):
        entered = np.zeros(N, bool)
        entered[log.patient[log.to_state == code]] = True
        if state == pathway.initial:
            entered[:] = True
        p = expected[state]
        se = math.sqrt(max(p * (1 - p), 1e-12) / N)
        assert abs(entered.mean() - p) <= 4 * se + 1e-9, (state, entered.mean(), p, se)
    assert expected["death"] == pytest.approx(1.0)
