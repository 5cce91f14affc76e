"""The stepwise cohort engine, the reference: one patient at a time through the real state machine.

Each patient gets a ``PatientModel`` on the pathway's shared ``transitions`` machine
(``machine_for``) and is moved only by ``fire``: the machine, not this module, decides where an
event leads. On entering a state, the time to each of its events is drawn with numpy's own
distribution samplers (``exponential``, ``weibull``, ``lognormal``); a progression is seen at the
first imaging visit after it (visits every ``interval_months`` from the start of the therapy),
other events at once; the earliest seen event fires, with its attribute values (``option``,
``extent``) drawn from their probabilities. Patient i's numbers come from its own stream
(seed, i), so patient i is the same whatever the cohort size.

The vectorized engine must agree with this one in distribution (tests/cohort/test_engines.py).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from sarcoma_sim.cohort.eventlog import CohortResult, EventLog
from sarcoma_sim.cohort.params import EventParams, Params, Timing
from sarcoma_sim.cohort.population import facts_of_groups, sample_groups
from sarcoma_sim.cohort.streams import STEPWISE, check_cohort_size, check_seed, stream
from sarcoma_sim.errors import ParameterError, PathwayError, Problem
from sarcoma_sim.pathways.exits import with_competing_exits
from sarcoma_sim.pathways.machine import PatientModel, machine_for
from sarcoma_sim.pathways.model import Pathway

LN2 = math.log(2.0)
MAX_TRANSITIONS = 10_000          # per patient: a pathway that loops forever is refused, not run
PROGRESS_EVERY = 1_000


def draw_time(timing: Timing, rng: np.random.Generator) -> float:
    """A time to the event (months) from ``timing``, with numpy's samplers."""
    median = timing.median
    if timing.distribution == "exponential":
        return float(rng.exponential(median / LN2))
    if timing.shape is None:
        raise ParameterError(f"a {timing.distribution} timing needs a shape; this one has none")
    if timing.distribution == "weibull":
        k = timing.shape.value
        # numpy's weibull(k) has scale 1, so median ln(2)^(1/k); rescale to the wanted median.
        return float(median / LN2 ** (1.0 / k) * rng.weibull(k))
    return float(rng.lognormal(math.log(median), timing.shape.value))


def detect(latent: float, interval: float) -> float:
    """When a progression at ``latent`` months into a therapy is seen: the next imaging visit."""
    return max(math.ceil(latent / interval), 1) * interval


def draw_choices(ep: EventParams, rng: np.random.Generator) -> dict[str, str | None]:
    """Event attribute values (e.g. ``option``, ``extent``) drawn from their probabilities (None: every
    probability is 0)."""
    chosen: dict[str, str | None] = {}
    for attribute, values in ep.choices.items():
        u = rng.random()
        acc = 0.0
        pick = None
        for value, q in values.items():
            acc += q.value
            if q.value > 0:
                pick = value
                if u < acc:
                    break
        chosen[attribute] = pick
    return chosen


def simulate_stepwise(pathway: Pathway, params: Params, n: int, seed: int,
                      progress: Callable[[int, int], None] | None = None,
                      record: dict | None = None, start: int = 0) -> CohortResult:
    """Simulate ``n`` patients one by one through the pathway's state machine.

    ``progress(done, total)`` is called every 1,000 patients and at the end. If ``record`` is a
    dict it receives ``latent``: {(state, event, entered_from or None): array of the times drawn
    at each entry, before imaging detection and competition} (for checks against the papers).
    ``start`` simulates patients ``start .. start+n-1`` instead (a chunk of a bigger cohort: patient i
    is the same whatever the chunk).
    """
    pathway = with_competing_exits(pathway)   # the cohort view: death and decline fire like any event
    seed = check_seed(seed)
    n = check_cohort_size(n)
    pm = machine_for(pathway)
    states = tuple(pathway.states)
    events = tuple(pathway.events)
    state_code = {s: i for i, s in enumerate(states)}
    event_code = {e: i for i, e in enumerate(events)}
    terminal = {s for s, st in pathway.states.items() if st.kind == "terminal"}
    interval = params.interval_months
    groups = sample_groups(params, n, seed, start=start)
    group_facts = [dict(g.facts) for g in params.population]
    latent: dict[tuple, list[float]] | None = {} if record is not None else None

    rows_patient: list[int] = []
    rows_t: list[float] = []
    rows_event: list[int] = []
    rows_from: list[int] = []
    rows_to: list[int] = []
    patient = pm.attach(PatientModel({}, label="cohort patient"))
    try:
        for i in range(start, start + n):
            rng = stream(seed, STEPWISE, i)
            patient.facts = dict(group_facts[groups[i - start]])
            pm.machine.set_state(pathway.initial, model=patient)
            start_params = params.event_params(pathway.initial, "start")
            transition = pm.fire(patient, "start", **draw_choices(start_params, rng))
            t = 0.0
            rows_patient.append(i)
            rows_t.append(t)
            rows_event.append(event_code["start"])
            rows_from.append(state_code[transition.source])
            rows_to.append(state_code[transition.target])
            previous, state = transition.source, transition.target
            steps = 1
            while state not in terminal:
                variant = previous if previous in params.states[state].after else None
                best = None
                for event, ep in params.states[state].for_entry(previous).items():
                    timing = ep.timing_for(patient.facts)
                    if timing is None:
                        raise ParameterError(f"states.{state}.{event}: no timing for a patient with {patient.facts}")
                    drawn = draw_time(timing, rng)
                    if latent is not None:
                        latent.setdefault((state, event, variant), []).append(drawn)
                    seen = detect(drawn, interval) if ep.detected_at_imaging else drawn
                    if best is None or seen < best[0]:
                        best = (seen, event, ep)
                if best is None:
                    raise ParameterError(f"states.{state}: no timed event leaves this non-terminal state")
                wait, event, ep = best
                transition = pm.fire(patient, event, **draw_choices(ep, rng))
                t += wait
                rows_patient.append(i)
                rows_t.append(t)
                rows_event.append(event_code[event])
                rows_from.append(state_code[transition.source])
                rows_to.append(state_code[transition.target])
                previous, state = transition.source, transition.target
                steps += 1
                if steps > MAX_TRANSITIONS:
                    raise PathwayError(Problem(pathway.file, None, "", f"patient {i} made more than "
                                               f"{MAX_TRANSITIONS:,} transitions: the pathway loops without end"))
            if progress is not None and (i + 1 - start) % PROGRESS_EVERY == 0:
                progress(i + 1 - start, n)
    finally:
        pm.detach(patient)
    if progress is not None and n % PROGRESS_EVERY:
        progress(n, n)
    if record is not None and latent is not None:
        record["latent"] = {key: np.array(values) for key, values in latent.items()}
    log = EventLog(np.array(rows_patient, np.int64), np.array(rows_t, np.float64),
                   np.array(rows_event, np.int16), np.array(rows_from, np.int16), np.array(rows_to, np.int16),
                   events, states)
    return CohortResult(pathway.id, n, seed, "stepwise", log, facts_of_groups(pathway, params, groups), params.origin)
