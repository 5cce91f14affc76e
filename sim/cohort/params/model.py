"""The validated evidence parameters a simulation reads, and the time units they are converted with.

A ``Params`` is what ``sarcoma_sim.cohort.params.load_params`` builds once every problem is ruled out: numbers
are plain floats in months (times) or fractions (probabilities), each kept as a ``Quantity`` with
its provenance.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from itertools import product
from typing import Iterator, Mapping

WEEKS_PER_MONTH = 4.345            # evidence.md, "Units": 1 mo = 4.345 wk
DAYS_PER_MONTH = 7 * WEEKS_PER_MONTH
MONTHS_PER_YEAR = 12.0
TIME_UNITS = {"months": 1.0, "weeks": 1.0 / WEEKS_PER_MONTH, "days": 1.0 / DAYS_PER_MONTH,
              "years": MONTHS_PER_YEAR}
PLAIN_UNITS = {"value": 1.0, "percent": 0.01}

DISTRIBUTIONS = ("exponential", "weibull", "lognormal")
SHAPED = ("weibull", "lognormal")
DETECTED_AT_IMAGING = ("progression",)   # seen at the next imaging visit; other events at once


def to_months(amount: float, unit: str) -> float:
    """``amount`` of ``unit`` (months, weeks, days, years) in months: the one place units are converted."""
    return float(amount) * TIME_UNITS[unit]


@dataclass(frozen=True)
class Quantity:
    """One number with its provenance: a cited source, an illustrative choice, or a user override."""

    value: float                 # months for times, a fraction for probabilities, plain for shapes
    reported: str                # as written: "27.3 weeks", "67 percent", "0.76"
    source: str | None = None
    illustrative: bool = False
    note: str | None = None
    origin: str = ""             # "sarcoma_sim/cohort/params/data/gist.yaml:42" or "--set KEY=VALUE"

    @property
    def provenance(self) -> str:
        """``source: ...``, ``illustrative`` or ``override (...)``, for reports and docs."""
        if self.source:
            return f"source: {self.source}"
        if self.illustrative:
            return "illustrative"
        return f"override ({self.origin})"


@dataclass(frozen=True)
class Timing:
    """Time to an event from entering a state: a distribution given by its median (months) and shape."""

    distribution: str
    median_months: Quantity      # the latent median the simulator draws from (value), as published (reported)
    shape: Quantity | None = None
    # The assessment interval at which the published median was observed, when the file says so:
    # ``median_months.value`` is then the latent median whose observed median at that interval is
    # the published one (``observed_median``). None: the published median is taken as latent.
    observed_every: Quantity | None = None
    # "pfs": the published median is a trial's progression-free survival (progression or death);
    # ``median_months.value`` is then the progression median net of the state's death rate.
    endpoint: str = "event"

    @property
    def median(self) -> float:
        """The median in months."""
        return self.median_months.value

    def cdf(self, t: float) -> float:
        """P(time <= t months): the distribution's definition, for tests and docs."""
        if t <= 0:
            return 0.0
        m = self.median
        if self.distribution == "exponential":
            return 1.0 - 0.5 ** (t / m)
        if self.shape is None:
            raise ValueError(f"a {self.distribution} timing needs a shape; this one has none")
        if self.distribution == "weibull":
            return 1.0 - 0.5 ** ((t / m) ** self.shape.value)
        return 0.5 * math.erfc(-math.log(t / m) / (self.shape.value * math.sqrt(2.0)))


# Medians over this many assessment intervals are not shifted measurably by reading them at visits.
FINE_GRID = 1e9


def observed_median(timing: "Timing", every: float) -> float:
    """The median of times recorded at assessments every ``every`` months (a time is recorded at the
    first assessment at or after it), read from the recorded times' distribution interpolated
    linearly between assessments, as medians read off scans spread over visit windows are."""
    ratio = timing.median / every
    if not math.isfinite(ratio) or ratio > FINE_GRID:  # assessments too close together to shift the median
        return timing.median
    k = max(1, math.ceil(ratio))  # the first assessment at or after the latent median: cdf there >= 0.5
    low, high = timing.cdf((k - 1) * every), timing.cdf(k * every)
    return (k - 1) * every + every * (0.5 - low) / (high - low)


def latent_median(distribution: str, shape: float | None, published: float, every: float) -> float:
    """The latent median whose ``observed_median`` at assessments every ``every`` months is
    ``published`` (bisection: the observed median grows with the latent one).

    Raises ``ValueError`` when no latent median gives ``published``: a time recorded at the first
    assessment at or after it has an observed median of at least half an interval.
    """
    if published < every / 2:
        raise ValueError(f"a median observed at assessments every {every:g} months is at least half an "
                         f"interval ({every / 2:g} months); got {published:g}")

    def observed(m: float) -> float:
        probe = Timing(distribution, Quantity(m, ""), Quantity(shape, "") if shape is not None else None)
        return observed_median(probe, every)

    low, high = max(published * 1e-3, math.ulp(0.0)), published
    for _ in range(80):
        mid = (low + high) / 2
        if observed(mid) < published:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def net_of_death(pfs_median: float, death_median: float, distribution: str = "exponential",
                 shape: float | None = None) -> float:
    """The progression median that, competing with an exponential death of median ``death_median``,
    gives progression-or-death a median of ``pfs_median``: at ``pfs_median`` progression-free must be
    one half divided by the share still alive there (exponential: hazards add; Weibull shape k and
    log-normal sigma: solved in closed form from the survival function)."""
    if distribution == "exponential":
        return 1.0 / (1.0 / pfs_median - 1.0 / death_median)
    if shape is None:
        raise ValueError(f"a {distribution} progression needs a shape")
    alive = 0.5 ** (pfs_median / death_median)
    free = 0.5 / alive                         # progression-free share at pfs_median, above one half
    if distribution == "weibull":              # 0.5 ** ((t / m) ** k) = free
        return pfs_median / (math.log(free) / math.log(0.5)) ** (1.0 / shape)
    # log-normal: 1 - Phi(ln(t / m) / sigma) = free
    from statistics import NormalDist
    return pfs_median * math.exp(-shape * NormalDist().inv_cdf(1.0 - free))


@dataclass(frozen=True)
class EventParams:
    """What happens when ``event`` fires in a state: its timing and its attribute probabilities."""

    event: str
    timing: Timing | None                               # None only for ``start`` in the initial state
    choices: dict[str, dict[str, Quantity]] = field(default_factory=dict)   # attribute -> value -> p
    # (patient attribute, value, timing): a patient with that value takes that timing (e.g. imatinib's
    # time to progression by KIT genotype); the first that holds wins, else ``timing``.
    by_patient: tuple[tuple[str, str, Timing], ...] = ()

    def timing_for(self, facts: Mapping[str, str]) -> Timing | None:
        """The timing for a patient with ``facts``: a matching ``by_patient`` entry, else ``timing``."""
        for attribute, value, timing in self.by_patient:
            if facts.get(attribute) == value:
                return timing
        return self.timing

    @property
    def detected_at_imaging(self) -> bool:
        """Whether this event is only seen at the next imaging visit (progression)."""
        return self.event in DETECTED_AT_IMAGING

    def combinations(self) -> list[tuple[dict[str, str], float]]:
        """Every combination of attribute values with its probability (attributes independent)."""
        names = list(self.choices)
        result = []
        for values in product(*(list(self.choices[name].items()) for name in names)):
            p = 1.0
            for _, q in values:
                p *= q.value
            result.append(({name: v for name, (v, _) in zip(names, values)}, p))
        return result


@dataclass(frozen=True)
class StateParams:
    """The events of one state; ``after[previous]`` replaces them when entered from ``previous``."""

    state: str
    events: dict[str, EventParams]
    after: dict[str, dict[str, EventParams]] = field(default_factory=dict)

    def for_entry(self, entered_from: str | None) -> dict[str, EventParams]:
        """The event parameters that apply when the state is entered from ``entered_from``."""
        return self.after.get(entered_from, self.events) if entered_from is not None else self.events


@dataclass(frozen=True)
class Group:
    """A population group: patient attribute values and the share of patients who have them."""

    name: str
    facts: dict[str, str]
    prevalence: Quantity


@dataclass(frozen=True)
class Params:
    """A subtype's validated evidence parameters."""

    subtype: str
    imaging_interval: Quantity
    population: tuple[Group, ...]
    states: dict[str, StateParams]
    origin: str                           # files and overrides used, for reports
    # (group, event, state) for every competing exit a state takes from the file's defaults
    # (sarcoma_sim.cohort.params.exits); listed once, under competing_exits, by ``quantities``.
    exit_defaults: tuple[tuple[str, str, str], ...] = ()

    @property
    def interval_months(self) -> float:
        """Months between imaging visits (counted from the start of each therapy)."""
        return self.imaging_interval.value

    def event_params(self, state: str, event: str, entered_from: str | None = None) -> EventParams:
        """The parameters of ``event`` in ``state`` when entered from ``entered_from``."""
        return self.states[state].for_entry(entered_from)[event]

    def quantities(self) -> Iterator[tuple[str, Quantity]]:
        """Every number with its path (``states.imatinib_400.progression.median_months``)."""
        yield "imaging.interval_months", self.imaging_interval
        for population_group in self.population:
            yield f"population.{population_group.name}.prevalence", population_group.prevalence
        # A competing-exit default is listed once; a state's copy only where a --set changed it.
        copies: dict[tuple[str, str], list[dict]] = {}
        group_of: dict[tuple[str, str], str] = {}
        for group, event, state in self.exit_defaults:
            state_events = self.states[state].events
            copies.setdefault((group, event), []).append(dict(_event_quantities({event: state_events[event]})))
            group_of[(state, event)] = group
        shared = {}
        for (group, event), versions in copies.items():
            signature = Counter(tuple((p, q.origin) for p, q in v.items()) for v in versions).most_common(1)[0][0]
            shared[(group, event)] = next(v for v in versions
                                          if tuple((p, q.origin) for p, q in v.items()) == signature)
            for path, q in shared[(group, event)].items():
                yield f"competing_exits.{group}.{path}", q
        for state_id, sp in self.states.items():
            default = dict(_event_quantities(sp.events))
            for path, q in default.items():
                event = path.split(".", 1)[0]
                exit_group = group_of.get((state_id, event))
                if exit_group is None or q.origin != shared[(exit_group, event)].get(path, q).origin \
                        or not _same(q, shared[(exit_group, event)].get(path)):
                    yield f"states.{state_id}.{path}", q
            for previous, events in sp.after.items():
                for path, q in _event_quantities(events):
                    if default.get(path) != q:      # only what the ``after`` entry changes
                        yield f"states.{state_id}.after.{previous}.{path}", q


def _event_quantities(events: Mapping[str, EventParams]) -> Iterator[tuple[str, Quantity]]:
    for event, ep in events.items():
        if ep.timing is not None:
            yield f"{event}.median_months", ep.timing.median_months
            if ep.timing.shape is not None:
                yield f"{event}.shape", ep.timing.shape
            if ep.timing.observed_every is not None:
                yield f"{event}.observed_every_months", ep.timing.observed_every
        # by-patient entries refine the event's own timing (an event without one has none of them)
        ep_median = ep.timing.median_months if ep.timing is not None else None
        ep_shape = ep.timing.shape if ep.timing is not None else None
        for attribute, value, timing in ep.by_patient:
            where = f"{event}.by_patient.{attribute}.{value}"
            if not _same(timing.median_months, ep_median):
                yield f"{where}.median_months", timing.median_months
            if timing.shape is not None and not _same(timing.shape, ep_shape):
                yield f"{where}.shape", timing.shape

        for attribute, values in ep.choices.items():
            for value, q in values.items():
                yield f"{event}.{attribute}.{value}", q


def _same(a: Quantity | None, b: Quantity | None) -> bool:
    """The same number with the same provenance (wherever it was written)."""
    if a is None or b is None:
        return False
    return (a.value, a.reported, a.source, a.illustrative, a.note) == \
        (b.value, b.reported, b.source, b.illustrative, b.note)
