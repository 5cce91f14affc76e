"""Exact continuous-time accounting: costs, QALYs and life-years integrated over every stay.

The event log gives each patient's stays: from the previous transition (time 0 for the first) to
the next, in the state left. Over a stay [t0, t1] (months) a rate ``c`` per month accrues, with
continuous discounting at annual rate ``r`` (effective: a year's discount factor is 1/(1+r)),

    c * integral_{t0}^{t1} exp(-rho t / 12) dt = c * 12/rho * (exp(-rho t0/12) - exp(-rho t1/12)),
    rho = ln(1 + r)   (c * (t1 - t0) when r = 0),

and a one-off amount at time t counts ``exp(-rho t / 12)``. There are no cycles, so no half-cycle
correction. Utilities are per year (a month of a stay gives utility/12 QALYs); life-years are the
undiscounted or discounted years alive. Totals are means per patient with Monte Carlo standard
errors (sd / sqrt(n)); patients who leave the pathway at an end other than death are counted up
to that end (their survival is censored there, as in the cohort summary).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sarcoma_sim.cohort.eventlog import EventLog
from sarcoma_sim.economics.inputs import Rates

OUTCOME_NAMES = ("costs", "qalys", "life_years")


def continuous_rate(annual: float) -> float:
    """The continuous rate rho = ln(1 + r) of an effective annual discount rate r."""
    return math.log1p(annual)


def discounted_duration(t0: np.ndarray, t1: np.ndarray, annual: float) -> np.ndarray:
    """Discounted months in [t0, t1] (months): integral of exp(-rho t / 12) dt."""
    k = continuous_rate(annual) / 12.0
    if k == 0.0:      # no discounting (or a rate so small it underflows)
        return t1 - t0
    # exp(-k t0) * (1 - exp(-k (t1 - t0))): exact for short stays, where the plain difference loses digits.
    return np.exp(-k * t0) * -np.expm1(-k * (t1 - t0)) / k


def discount_factor(t: np.ndarray, annual: float) -> np.ndarray:
    """The discount factor of an amount at ``t`` months."""
    return np.exp(-continuous_rate(annual) / 12.0 * t)


@dataclass
class Totals:
    """Running sums over patients of each outcome (and their squares, for standard errors).

    ``paired`` keeps the per-patient values when asked, so that two strategies run on common
    random numbers give the standard error of their difference.
    """

    n: int
    sums: np.ndarray            # (3,) costs, qalys, life_years
    squares: np.ndarray         # (3,)
    per_patient: np.ndarray | None = None   # (n, 3) when kept

    @classmethod
    def empty(cls, keep: bool = False, n: int = 0) -> "Totals":
        """No patients yet; ``keep`` allocates room for ``n`` patients' values."""
        return cls(0, np.zeros(3), np.zeros(3), np.zeros((n, 3)) if keep else None)

    def add(self, values: np.ndarray, lo: int = 0) -> None:
        """Add a chunk's (m, 3) per-patient values (first patient ``lo``)."""
        self.n += len(values)
        self.sums += values.sum(axis=0)
        self.squares += np.square(values).sum(axis=0)
        if self.per_patient is not None:
            self.per_patient[lo:lo + len(values)] = values

    @property
    def means(self) -> np.ndarray:
        """Mean per patient of costs, QALYs, life-years."""
        return self.sums / max(self.n, 1)

    @property
    def standard_errors(self) -> np.ndarray:
        """Monte Carlo standard errors of the means."""
        if self.n < 2:
            return np.full(3, np.nan)
        variance = np.maximum(self.squares - self.sums ** 2 / self.n, 0.0) / (self.n - 1)
        return np.sqrt(variance / self.n)


def patient_values(log: EventLog, rates: Rates, discount: dict[str, float], lo: int, n: int) -> np.ndarray:
    """(n, 3) discounted costs, QALYs and life-years of patients ``lo .. lo+n-1`` from their log rows."""
    patient = log.patient - lo
    t1 = log.t_months
    t0 = np.empty_like(t1)
    if len(t1):
        t0[0] = 0.0
        t0[1:] = t1[:-1]
        first = np.ones(len(t1), bool)
        first[1:] = patient[1:] != patient[:-1]
        t0[first] = 0.0
    src, dst, event = log.from_state, log.to_state, log.event
    out = np.empty((n, 3))
    cost = rates.cost_per_month[src] * discounted_duration(t0, t1, discount["costs"])
    cost += (rates.cost_on_event[event] + rates.cost_on_entry[dst]) * discount_factor(t1, discount["costs"])
    qaly = rates.utility_per_year[src] / 12.0 * discounted_duration(t0, t1, discount["qalys"])
    qaly -= (rates.disutility_on_event[event] + rates.disutility_on_entry[dst]) * discount_factor(t1, discount["qalys"])
    life = discounted_duration(t0, t1, discount["life_years"]) / 12.0
    for j, column in enumerate((cost, qaly, life)):
        out[:, j] = np.bincount(patient, weights=column, minlength=n)[:n]
    return out


def step_values(steps, initial_state: int, n: int, rates: Rates, discount: dict[str, float]) -> np.ndarray:
    """(n, 3) discounted costs, QALYs and life-years of a chunk from the engine's steps
    (``sarcoma_sim.cohort.vectorized.vectorized_steps``): each step closes the stay of the patients
    moving then, as ``patient_values`` does from the log's rows.

    Each patient keeps the discount factor at the start of its stay, so a step costs one ``exp`` per
    distinct discount rate; one-off amounts are read from one (event, state entered) table.
    """
    S = len(rates.state_ids)
    cost, qaly, life = np.zeros(n), np.zeros(n), np.zeros(n)
    state = np.full(n, initial_state, np.intp)
    k = {o: continuous_rate(discount[o]) / 12.0 for o in ("costs", "qalys", "life_years")}
    since = {rate: np.ones(n) for rate in set(k.values())}       # discount factor at the stay's start
    started = np.zeros(n) if 0.0 in since else None             # undiscounted: the stay's start time
    cost_once = (rates.cost_on_event[:, None] + rates.cost_on_entry[None, :]).reshape(-1)
    qaly_once = (rates.disutility_on_event[:, None] + rates.disutility_on_entry[None, :]).reshape(-1)
    per_month_utility = rates.utility_per_year / 12.0
    for act, now, event, entered in steps:
        src = state[act]
        once = event.astype(np.intp) * S + entered
        factor, duration = {}, {}
        for rate, first in since.items():
            if rate:
                end = np.exp(-rate * now)
                duration[rate] = (first[act] - end) / rate
                first[act] = end
                factor[rate] = end
            else:
                assert started is not None      # kept whenever a rate is zero
                duration[rate] = now - started[act]
                factor[rate] = None
        if started is not None:
            started[act] = now
        at = factor[k["costs"]]
        cost[act] += rates.cost_per_month[src] * duration[k["costs"]] + \
            cost_once[once] * (1.0 if at is None else at)
        at = factor[k["qalys"]]
        qaly[act] += per_month_utility[src] * duration[k["qalys"]] - qaly_once[once] * (1.0 if at is None else at)
        life[act] += duration[k["life_years"]] / 12.0
        state[act] = entered
    return np.stack([cost, qaly, life], axis=1)


def cohort_totals(pathway, params, rates: Rates, discount: dict[str, float], n: int, seed: int,
                  keep: bool = False, chunk_size: int = 100_000, compiled=None) -> Totals:
    """Simulate ``n`` patients (vectorized engine, chunk by chunk, no event log kept) and total their
    outcomes; the same patients as ``simulate(pathway, params, n, seed)``. ``compiled``: the pathway
    already compiled with ``params`` (``sarcoma_sim.cohort.vectorized.compile_pathway``)."""
    from sarcoma_sim.cohort.vectorized import vectorized_steps

    totals = Totals.empty(keep, n)
    for lo, size, initial, steps in vectorized_steps(pathway, params, n, seed, chunk_size, compiled):
        totals.add(step_values(steps, initial, size, rates, discount), lo)
    return totals
