"""Hand-made cohorts for testing the summary, plots and CSV writers without the engines.

``random_walk`` moves every patient along a uniformly chosen outgoing transition of their state
(conditions ignored) until they reach an end state, with exponential stays: a valid event log
for any pathway, fast enough for a million patients. ``make_result`` builds one from rows.
"""

from __future__ import annotations

import numpy as np

from sarcoma_sim.cohort.eventlog import CohortResult, EventLog


def stays(log) -> np.ndarray:
    """Months spent in the from_state of every row (time of the row minus time of the previous row)."""
    previous = np.concatenate(([0.0], log.t_months[:-1]))
    previous[log.first_rows()] = 0.0
    return log.t_months - previous


def make_result(pathway, rows, facts=None, seed=0, engine="vectorized", params_file="test-params.yaml"):
    """A CohortResult from rows ``(patient, t_months, event, from_state, to_state)`` given by name."""
    events, states = tuple(pathway.events), tuple(pathway.states)
    rows = list(rows)
    log = EventLog(np.array([r[0] for r in rows], np.int64), np.array([r[1] for r in rows], np.float64),
                   np.array([events.index(r[2]) for r in rows], np.int16),
                   np.array([states.index(r[3]) for r in rows], np.int16),
                   np.array([states.index(r[4]) for r in rows], np.int16), events, states)
    n = int(log.patient.max()) + 1 if rows else 0
    facts = facts if facts is not None else {}
    return CohortResult(pathway.id, n, seed, engine, log, {k: np.asarray(v) for k, v in facts.items()},
                        params_file)


def random_walk(pathway, n, seed, mean_stay=6.0, engine="vectorized"):
    """A valid random cohort of ``n`` patients on ``pathway`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    events, states = tuple(pathway.events), tuple(pathway.states)
    options = [[(events.index(t.event), states.index(t.target)) for t in pathway.outgoing(s)] for s in states]
    width = max(len(o) for o in options)
    count = np.array([len(o) for o in options])
    event_of = np.zeros((len(states), width), np.int16)
    target_of = np.zeros((len(states), width), np.int16)
    for code, opts in enumerate(options):
        for k, (event, target) in enumerate(opts):
            event_of[code, k], target_of[code, k] = event, target
    patient = np.arange(n, dtype=np.int64)
    state = np.full(n, states.index(pathway.initial), np.int16)
    t = np.zeros(n)
    parts = []
    step = 0
    while len(patient):
        pick = (rng.random(len(patient)) * count[state]).astype(np.int64)
        if step:
            t = t + rng.exponential(mean_stay, len(patient))
        target = target_of[state, pick]
        parts.append((patient, t, event_of[state, pick], state, target, np.full(len(patient), step)))
        going = count[target] > 0
        patient, t, state = patient[going], t[going], target[going]
        step += 1
    columns = [np.concatenate(c) for c in zip(*parts)]
    order = np.lexsort((columns[5], columns[0]))
    log = EventLog(columns[0][order], columns[1][order], columns[2][order].astype(np.int16),
                   columns[3][order].astype(np.int16), columns[4][order].astype(np.int16), events, states)
    facts = {name: rng.choice(np.array(attr.values), n) for name, attr in pathway.attributes.items()
             if attr.of == "patient"}
    return CohortResult(pathway.id, n, seed, engine, log, facts, "fake random walk")


DEMO_PATHWAY = """\
id: demo
name: Demo sarcoma
initial: workup
monitoring:
  imaging_interval_months: {min: 2, max: 3}
  sources: [guide]
sources:
  - id: guide
    citation: Source guideline
attributes:
  marker:
    of: patient
    values: [positive, negative]
  extent:
    of: event
    values: [limited, widespread]
states:
  workup: {kind: workup, label: Workup}
  drug_a:
    kind: therapy
    label: Drug A 100 mg daily
    regimen: {drugs: [druga], dose: 100 mg daily, line: 1}
    sources: [guide]
  surgery: {kind: surgery, label: Resection}
  drug_a_high:
    kind: therapy
    label: Drug A 200 mg daily
    regimen: {drugs: [druga], dose: 200 mg daily, line: 1}
    sources: [guide]
  drug_b:
    kind: therapy
    label: Drug B
    regimen: {drugs: [drugb], dose: 50 mg daily, line: 2}
    sources: [guide]
  no_option: {kind: terminal, label: No targeted option}
  care: {kind: terminal, label: Best supportive care}
transitions:
  - {event: start, from: workup, to: drug_a, when: {marker: positive}, sources: [guide]}
  - {event: start, from: workup, to: no_option}
  - {event: progression, from: drug_a, to: surgery, when: {extent: limited}, sources: [guide]}
  - {event: progression, from: drug_a, to: drug_a_high, sources: [guide]}
  - {event: intolerance, from: drug_a, to: drug_b, sources: [guide]}
  - {event: resected, from: surgery, to: drug_a, sources: [guide]}
  - {event: progression, from: drug_a_high, to: drug_b, sources: [guide]}
  - {event: intolerance, from: drug_a_high, to: drug_b, sources: [guide]}
  - {event: progression, from: drug_b, to: care}
  - {event: intolerance, from: drug_b, to: care}
"""


def demo_pathway():
    """A small valid pathway with two lines, a surgery state inside line 1 and two end states."""
    from sarcoma_sim.pathways.load import parse_pathway
    return parse_pathway(DEMO_PATHWAY, "demo.yaml")


# A small hand-written event log of demo_pathway(): three patients, one of each kind of course.
ROWS = [
    (0, 0.0, "start", "workup", "drug_a"),
    (0, 6.0, "progression", "drug_a", "surgery"),
    (0, 7.0, "resected", "surgery", "drug_a"),
    (0, 12.0, "progression", "drug_a", "drug_a_high"),
    (0, 20.0, "progression", "drug_a_high", "drug_b"),
    (0, 26.123456, "progression", "drug_b", "care"),
    (1, 0.0, "start", "workup", "no_option"),
    (2, 0.0, "start", "workup", "drug_a"),
    (2, 2.0, "intolerance", "drug_a", "drug_b"),
    (2, 5.0, "intolerance", "drug_b", "care"),
]
FACTS = {"marker": ["positive", "negative", "positive"]}
