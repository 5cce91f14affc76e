"""Validation: checking a merged parameter document against its pathway and building ``Params``.

Every problem is collected, located at the file and line (or override) it came from, and raised
together as one ``ParameterError``.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from sarcoma_sim.cohort.params.merge import Located, Scratch, copy_data, merge
from sarcoma_sim.cohort.params.model import (
    DISTRIBUTIONS,
    PLAIN_UNITS,
    SHAPED,
    TIME_UNITS,
    EventParams,
    Group,
    Params,
    Quantity,
    StateParams,
    Timing,
    latent_median,
    net_of_death,
    to_months,
)
from sarcoma_sim.cohort.params.schema import (
    ENDPOINTS,
    OPTION,
    TIMING_KEYS,
    TOP_KEYS,
    allowed_choice_values,
    event_attributes,
    timed_states,
)
from sarcoma_sim.errors import ParameterError, Problem
from sarcoma_sim.pathways.conditions import holds
from sarcoma_sim.pathways.model import Pathway
from sarcoma_sim.pathways.validate import MAX_MONTHS

SUM_TOLERANCE = 1e-6
BY_PATIENT = "by_patient"      # per-patient-attribute timing of an event (e.g. imatinib by KIT genotype)

# Shapes the engines can sample without overflowing or underflowing a float: with a Weibull k
# below 0.05 the scale median / ln(2)**(1/k) and the drawn times leave float range; a log-normal
# sigma above 10 gives times past 1e38 x median. Numerical limits, not clinical ones.
SHAPE_RANGES = {"weibull": (0.05, 1000.0), "lognormal": (0.0, 10.0)}


class Validator:
    """Check the merged document against the pathway, collecting every problem, then build ``Params``."""

    def __init__(self, pathway: Pathway, located: Located, origin: str):
        self.pathway = pathway
        self.doc = located
        self.origin = origin
        self.problems: list[Problem] = []

    def fail(self, path: tuple, message: str) -> None:
        """Record a problem at ``path``."""
        self.problems.append(self.doc.problem(path, message))

    def build(self) -> Params:
        """Validate every section and build ``Params``, or raise with every problem found."""
        data = self.doc.data
        for key in data:
            if key not in TOP_KEYS:
                self.fail((key,), f"unknown key {key!r}; expected {', '.join(TOP_KEYS)}")
        if data.get("subtype") != self.pathway.id:
            self.fail(("subtype",), f"expected subtype: {self.pathway.id} (the pathway these parameters are for), "
                                    f"got {data.get('subtype')!r}")
        interval = self._imaging(data.get("imaging"))
        population = self._population(data.get("population"))
        states = self._states(data.get("states"))
        if not self.problems:
            self._coverage(population, states)
        if self.problems:
            raise ParameterError(self.problems)
        if interval is None:    # _imaging reports a problem whenever it finds no interval
            raise ParameterError(self.doc.problem(("imaging",), "expected imaging: {interval_months: ...}"))
        return Params(self.pathway.id, interval, tuple(population), states, self.origin,
                      getattr(self.doc, "exit_defaults", ()))

    # -- quantities ----------------------------------------------------------------------------
    def quantity(self, raw: Any, path: tuple, kind: str) -> Quantity | None:
        """A number with provenance; ``kind`` is time (> 0, in a time unit), probability or shape."""
        units = TIME_UNITS if kind == "time" else PLAIN_UNITS
        if not isinstance(raw, dict):
            example = "{months: 18, source: \"...\"}" if kind == "time" else "{value: 0.5, illustrative: true}"
            self.fail(path, f"expected a mapping like {example}, got {raw!r}")
            return None
        ok = True
        for key in raw:
            if key not in (*units, "source", "illustrative", "note"):
                self.fail(path + (key,), f"unknown key {key!r}; expected one of "
                                         f"{', '.join((*units, 'source', 'illustrative', 'note'))}")
                ok = False
        given = [u for u in units if u in raw]
        if len(given) != 1:
            self.fail(path, f"expected exactly one of {', '.join(units)}, got "
                            f"{', '.join(given) if given else 'none'}")
            return None
        unit = given[0]
        amount = raw[unit]
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not math.isfinite(amount):
            self.fail(path + (unit,), f"expected a number, got {amount!r}")
            return None
        value = to_months(amount, unit) if kind == "time" else float(amount) * PLAIN_UNITS[unit]
        if len(path) > 4 and path[0] == "states" and path[2] == "after" and path not in self.doc.origins:
            path = path[:2] + path[4:]      # a value an ``after`` variant inherits from the state's default
        if BY_PATIENT in path and path not in self.doc.origins:
            cut = path.index(BY_PATIENT)
            path = path[:cut] + path[cut + 3:]   # a value a ``by_patient`` entry inherits from its event
        overridden = path in self.doc.override_paths
        source, illustrative = raw.get("source"), raw.get("illustrative")
        if not overridden:
            if source is not None and (not isinstance(source, str) or not source.strip()):
                self.fail(path + ("source",), "expected the evidence.md row or source-guideline statement as text")
                ok = False
            if illustrative is not None and illustrative is not True:
                self.fail(path + ("illustrative",), "expected illustrative: true (or give a source instead)")
                ok = False
            if source is not None and illustrative is not None:
                self.fail(path, "give either source or illustrative: true, not both")
                ok = False
            elif source is None and illustrative is None:
                self.fail(path, "every value needs its provenance: source: \"<evidence.md row>\" or illustrative: true")
                ok = False
        if "note" in raw and not isinstance(raw["note"], str):
            self.fail(path + ("note",), "expected text")
            ok = False
        if kind == "time" and not 0 < value <= MAX_MONTHS:
            self.fail(path + (unit,), f"expected a time > 0 and at most {MAX_MONTHS:,.0f} months, got {amount!r} "
                                      f"{unit}" + (f" ({value:.4g} months)" if unit != "months" else ""))
            ok = False
        elif kind == "shape" and value <= 0:
            self.fail(path + (unit,), f"expected a shape > 0, got {amount!r}")
            ok = False
        elif kind == "probability" and not 0.0 <= value <= 1.0:
            self.fail(path + (unit,), f"expected a probability in [0, 1], got {amount!r}"
                                      f"{' percent' if unit == 'percent' else ''}")
            ok = False
        if not ok:
            return None
        return Quantity(value, f"{amount:g} {unit}" if unit != "value" else f"{amount:g}",
                        source=None if overridden else source, illustrative=bool(illustrative) and not overridden,
                        note=raw.get("note"), origin=self.doc.origin_text(path))

    def _mapping(self, raw: Any, path: tuple, what: str) -> dict | None:
        if raw is None:
            self.fail(path, f"{what} is required but missing")
            return None
        if not isinstance(raw, dict):
            self.fail(path, f"expected a mapping ({what}), got {type(raw).__name__}")
            return None
        return raw

    # -- sections ------------------------------------------------------------------------------
    def _imaging(self, raw: Any) -> Quantity | None:
        raw = self._mapping(raw, ("imaging",), "imaging: {interval_months: ...}")
        if raw is None:
            return None
        for key in raw:
            if key != "interval_months":
                self.fail(("imaging", key), f"unknown key {key!r}; expected interval_months")
        if "interval_months" not in raw:
            self.fail(("imaging",), "interval_months is required but missing")
            return None
        q = self.quantity(raw["interval_months"], ("imaging", "interval_months"), "time")
        low = self.pathway.monitoring.imaging_interval_months_min
        high = self.pathway.monitoring.imaging_interval_months_max
        if q is not None and not low - 1e-9 <= q.value <= high + 1e-9:
            self.fail(("imaging", "interval_months"),
                      f"expected an interval within the pathway's monitoring range {low:g}-{high:g} months "
                      f"({self.pathway.file}), got {q.value:.4g} months")
        return q

    def _population(self, raw: Any) -> list[Group]:
        patient_attrs = {a.name: a for a in self.pathway.attributes.values() if a.of == "patient"}
        if not patient_attrs:
            if raw:
                self.fail(("population",), f"{self.pathway.id} declares no patient attributes; leave population out")
            return [Group("all", {}, Quantity(1.0, "1", illustrative=True, note="single group: no markers"))]
        raw = self._mapping(raw, ("population",),
                            f"population groups giving {', '.join(patient_attrs)} and their prevalence")
        if raw is None:
            return []
        groups = []
        for name, spec in raw.items():
            path = ("population", name)
            if not isinstance(spec, dict):
                self.fail(path, "expected a mapping with facts and prevalence")
                continue
            for key in spec:
                if key not in ("facts", "prevalence", "note"):
                    self.fail(path + (key,), f"unknown key {key!r}; expected facts, prevalence, note")
            facts = spec.get("facts")
            if not isinstance(facts, dict):
                self.fail(path + ("facts",), f"expected facts: a mapping of {', '.join(patient_attrs)} to values")
                facts = {}
            for attr, value in facts.items():
                if attr not in patient_attrs:
                    self.fail(path + ("facts", attr), f"unknown patient attribute {attr!r}; "
                                                      f"expected {', '.join(patient_attrs)}")
                elif value not in patient_attrs[attr].values:
                    self.fail(path + ("facts", attr), f"{value!r} is not a value of {attr}; expected one of "
                                                      f"{', '.join(patient_attrs[attr].values)}")
            for attr in patient_attrs:
                if attr not in facts:
                    self.fail(path + ("facts",), f"{attr} is required but missing")
            if "prevalence" not in spec:
                self.fail(path, "prevalence is required but missing")
                continue
            q = self.quantity(spec["prevalence"], path + ("prevalence",), "probability")
            if q is not None:
                groups.append(Group(str(name), {k: str(v) for k, v in facts.items()}, q))
        if len(groups) == len(raw) and groups:
            total = sum(g.prevalence.value for g in groups)
            if abs(total - 1.0) > SUM_TOLERANCE:
                self.fail(("population",), f"prevalences must sum to 1, they sum to {total:.6g} "
                                           f"({', '.join(f'{g.name} {g.prevalence.value:g}' for g in groups)})")
        elif not raw:
            self.fail(("population",), "at least one group is required")
        return groups

    def _states(self, raw: Any) -> dict[str, StateParams]:
        raw = self._mapping(raw, ("states",), "states: the timing of every therapy state")
        if raw is None:
            return {}
        result = {}
        for state_id in raw:
            if state_id not in self.pathway.states:
                self.fail(("states", state_id), f"unknown state {state_id!r}; states of {self.pathway.id}: "
                                                f"{', '.join(self.pathway.states)}")
        needed = timed_states(self.pathway)
        for state_id in needed:
            if state_id not in raw:
                kind = self.pathway.states[state_id].kind
                events = ", ".join(self.pathway.events_from(state_id))
                self.fail(("states",), f"{state_id} ({kind}) has no parameters; every state a patient stays in "
                                       f"needs the timing of its events: {events}")
        for state_id, spec in raw.items():
            if state_id not in self.pathway.states:
                continue
            sp = self._state(state_id, spec)
            if sp is not None:
                result[state_id] = sp
        initial = self.pathway.initial
        if initial not in result:
            result[initial] = self._state(initial, {}) or StateParams(initial, {})
        return result

    def _state(self, state_id: str, spec: Any) -> StateParams | None:
        path = ("states", state_id)
        if self.pathway.states[state_id].kind == "terminal":
            self.fail(path, f"{state_id} is an end state: it has no events to time; remove it")
            return None
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            self.fail(path, f"expected a mapping of events ({', '.join(self.pathway.events_from(state_id))})")
            return None
        events = self.pathway.events_from(state_id)
        for key in spec:
            if key not in events and key != "after":
                self.fail(path + (key,), f"{state_id} has no event {key!r}; its events: {', '.join(events)}"
                                         + ("" if state_id == self.pathway.initial else ", after"))
        parsed = {}
        for event in events:
            ep = self._event(state_id, event, spec.get(event), path + (event,))
            if ep is not None:
                parsed[event] = ep
        after = {}
        raw_after = spec.get("after")
        if raw_after is not None:
            sources = sorted({t.source for t in self.pathway.transitions if t.target == state_id})
            if state_id == self.pathway.initial or not isinstance(raw_after, dict):
                self.fail(path + ("after",), f"expected after: {{<previous state>: {{<event>: ...}}}} with a "
                                             f"previous state of {', '.join(sources) or 'none'}")
            else:
                for previous, overlay in raw_after.items():
                    apath = path + ("after", previous)
                    if previous not in sources:
                        self.fail(apath, f"{state_id} is never entered from {previous!r}; it is entered from "
                                         f"{', '.join(sources) or 'nowhere'}")
                        continue
                    if not isinstance(overlay, dict):
                        self.fail(apath, "expected a mapping of events")
                        continue
                    variant = {}
                    for key in overlay:
                        if key not in events:
                            self.fail(apath + (key,),
                                      f"{state_id} has no event {key!r}; its events: {', '.join(events)}")
                    for event in events:
                        base = copy_data(spec.get(event) or {})
                        merged = merge(Scratch(), base, overlay[event], (), "", {}, ()) \
                            if isinstance(overlay.get(event), dict) else base
                        ep = self._event(state_id, event, merged,
                                         apath + (event,) if event in overlay else path + (event,))
                        if ep is not None:
                            variant[event] = ep
                    after[previous] = self._net_of_death(variant, apath)
        if len(parsed) != len(events):
            return None
        parsed = self._net_of_death(parsed, path)
        return StateParams(state_id, parsed, after)

    def _net_of_death(self, parsed: dict, path: tuple) -> dict:
        """Progression given as a trial's PFS (``endpoint: pfs``): take the state's death rate out of it,
        so that progression or death, as the cohort draws them, has the published median."""
        progression = parsed.get("progression")
        if progression is None or progression.timing is None or progression.timing.endpoint != "pfs":
            return parsed
        where = path + ("progression", "endpoint")
        death = parsed.get("death")
        if progression.by_patient:
            self.fail(where, "endpoint: pfs needs a progression without by_patient entries "
                             "(the death rate is taken out of its one distribution)")
            return parsed
        if death is None or death.timing is None or death.timing.distribution != "exponential":
            self.fail(where, "endpoint: pfs needs an exponential death in this state (the pathway's competing_exits)")
            return parsed
        pfs, dying = progression.timing.median_months, death.timing.median
        if pfs.value >= dying:
            self.fail(where, f"endpoint: pfs needs a death median longer than the PFS median ({pfs.value:g} mo); "
                             f"the death median here is {dying:g} mo")
            return parsed
        shape = progression.timing.shape
        latent = net_of_death(pfs.value, dying, progression.timing.distribution,
                              shape.value if shape is not None else None)
        note = (f"progression median {latent:.4g} mo: the published PFS {pfs.reported} counts death too, and "
                f"this state's death median is {dying:.4g} mo")
        median = replace(pfs, value=latent, note=f"{pfs.note}. {note}" if pfs.note else note)
        timing = replace(progression.timing, median_months=median)
        return {**parsed, "progression": replace(progression, timing=timing)}

    def _event(self, state_id: str, event: str, raw: Any, path: tuple) -> EventParams | None:
        is_start = state_id == self.pathway.initial
        attributes = event_attributes(self.pathway, state_id, event)
        if is_start and event != "start":
            self.fail(path, f"the initial state {state_id} may only have a start event (fired at t = 0)")
            return None
        if raw is None:
            if is_start and not attributes:
                return EventParams(event, None, {})
            need = ([] if is_start else ["distribution", "median_months"]) + attributes
            self.fail(path[:-1], f"{event} of {state_id} needs parameters: {', '.join(need)}")
            return None
        if not isinstance(raw, dict):
            keys = ", ".join(([] if is_start else list(TIMING_KEYS)) + attributes)
            self.fail(path, f"expected a mapping ({keys})")
            return None
        allowed = ([] if is_start else [*TIMING_KEYS, BY_PATIENT]) + attributes
        ok = True
        for key in raw:
            if key not in allowed:
                hint = " (start fires at t = 0; it has no timing)" if is_start and key in TIMING_KEYS else ""
                if key in self.pathway.attributes and key not in attributes:
                    hint = f" (no transition of {state_id} on {event} reads {key})"
                self.fail(path + (key,),
                          f"unknown key {key!r}; expected one of {', '.join(allowed) or 'nothing'}{hint}")
                ok = False
        timing = None if is_start else self._timing(raw, path)
        choices = {}
        for attribute in attributes:
            c = self._choices(state_id, event, attribute, raw.get(attribute), path + (attribute,))
            if c is None:
                ok = False
            else:
                choices[attribute] = c
        by_patient: tuple | None = ()
        # Entries inherit the event's own timing: when that is wrong, its problems are reported once, there.
        if BY_PATIENT in raw and not is_start and timing is not None:
            by_patient = self._by_patient(raw, path + (BY_PATIENT,))
            ok = ok and by_patient is not None
        if not ok or by_patient is None or (timing is None and not is_start):
            return None
        return EventParams(event, timing, choices, by_patient)

    def _by_patient(self, raw: dict, path: tuple) -> tuple | None:
        """``by_patient: {<patient attribute>: {<value>: <timing keys to replace>}}``, each entry merged
        over the event's own timing (so a genotype may give only its median)."""
        spec = raw[BY_PATIENT]
        patient_attributes = [a.name for a in self.pathway.attributes.values() if a.of == "patient"]
        if not isinstance(spec, dict) or not spec:
            self.fail(path, f"expected {{<patient attribute>: {{<value>: {{median_months: ...}}}}}} with a "
                            f"patient attribute of {', '.join(patient_attributes) or 'none declared'}")
            return None
        result, ok = [], True
        for attribute, values in spec.items():
            if attribute not in patient_attributes:
                self.fail(path + (attribute,), f"unknown patient attribute {attribute!r}; expected one of "
                                               f"{', '.join(patient_attributes) or 'none declared'}")
                ok = False
                continue
            declared = self.pathway.attributes[attribute].values
            if not isinstance(values, dict) or not values:
                self.fail(path + (attribute,), f"expected a mapping of {attribute} values to timing")
                ok = False
                continue
            for value, partial in values.items():
                where = path + (attribute, value)
                if value not in declared:
                    self.fail(where, f"{value!r} is not a declared value of {attribute}; expected one of "
                                     f"{', '.join(declared)}")
                    ok = False
                    continue
                if not isinstance(partial, dict) or not partial or any(k not in TIMING_KEYS for k in partial):
                    self.fail(where, f"expected a mapping of {', '.join(TIMING_KEYS)} (what differs for "
                                     f"{attribute} {value})")
                    ok = False
                    continue
                merged = {k: raw[k] for k in TIMING_KEYS if k in raw}
                if partial.get("distribution") not in (None, *SHAPED) and "shape" not in partial:
                    merged.pop("shape", None)
                merged.update(partial)
                timing = self._timing(merged, where)
                if timing is None:
                    ok = False
                else:
                    result.append((attribute, value, timing))
        return tuple(result) if ok else None

    def _timing(self, raw: dict, path: tuple) -> Timing | None:
        distribution = raw.get("distribution")
        if distribution not in DISTRIBUTIONS:
            self.fail(path + ("distribution",) if "distribution" in raw else path,
                      f"expected distribution: one of {', '.join(DISTRIBUTIONS)}, got {distribution!r}")
            distribution = None
        if "median_months" not in raw:
            self.fail(path, "median_months is required but missing")
            median = None
        else:
            median = self.quantity(raw["median_months"], path + ("median_months",), "time")
        shape = None
        if distribution in SHAPED:
            if "shape" not in raw:
                what = "Weibull shape k" if distribution == "weibull" else "log-normal sigma (of log time)"
                self.fail(path, f"{distribution} needs shape ({what})")
                return None
            shape = self.quantity(raw["shape"], path + ("shape",), "shape")
            if shape is None:
                return None
            low, high = SHAPE_RANGES[str(distribution)]
            if not low <= shape.value <= high:
                what = "Weibull shape k" if distribution == "weibull" else "log-normal sigma"
                self.fail(path + ("shape",), f"expected a {what} from {low:g} to {high:g} (outside it the drawn "
                                             f"times leave the range a float holds), got {shape.value:g}")
                return None
        elif distribution is not None and "shape" in raw:
            self.fail(path + ("shape",), f"shape is only used by {' and '.join(SHAPED)}; remove it for "
                                         f"{distribution} (in --set: KEY.shape=none)")
            return None
        if distribution is None or median is None:
            return None
        every = None
        if "observed_every_months" in raw:
            every = self.quantity(raw["observed_every_months"], path + ("observed_every_months",), "time")
            if every is None:
                return None
            try:
                latent = latent_median(distribution, shape.value if shape is not None else None, median.value,
                                       every.value)
            except ValueError as error:
                self.fail(path + ("median_months",), str(error))
                return None
            note = (f"latent median {latent:.4g} mo: the published {median.reported} was observed at "
                    f"assessments every {every.reported}")
            median = replace(median, value=latent, note=f"{median.note}. {note}" if median.note else note)
        endpoint = raw.get("endpoint", "event")
        if endpoint not in ENDPOINTS:
            self.fail(path + ("endpoint",), f"expected endpoint: one of {', '.join(ENDPOINTS)} (pfs: the median is a "
                                            f"trial's progression-free survival, death counted), got {endpoint!r}")
            return None
        return Timing(distribution, median, shape, every, endpoint)

    def _choices(self, state_id: str, event: str, attribute: str, raw: Any, path: tuple) -> dict | None:
        allowed = allowed_choice_values(self.pathway, state_id, event, attribute)
        what = "target state" if attribute == OPTION else "value"
        if not isinstance(raw, dict) or not raw:
            self.fail(path if raw is not None else path[:-1],
                      f"{attribute} of {state_id} on {event} needs a probability for each {what}: "
                      f"{', '.join(allowed)} (summing to 1)")
            return None
        result = {}
        ok = True
        for value, q_raw in raw.items():
            if value not in allowed:
                self.fail(path + (value,), f"{value!r} is not a {what} of {state_id} on {event}; expected one of "
                                           f"{', '.join(allowed)}")
                ok = False
                continue
            q = self.quantity(q_raw, path + (value,), "probability")
            if q is None:
                ok = False
            else:
                result[str(value)] = q
        if not ok:
            return None
        total = sum(q.value for q in result.values())
        if abs(total - 1.0) > SUM_TOLERANCE:
            self.fail(path, f"probabilities must sum to 1, they sum to {total:.6g}")
            return None
        return result

    def _coverage(self, population: list[Group], states: dict[str, StateParams]) -> None:
        """Every reachable (state, facts, attribute values) with positive probability has a transition."""
        pathway = self.pathway
        outgoing: dict[tuple[str, str], list] = {}    # every group walks the same transitions
        for group in population:
            if group.prevalence.value <= 0:
                continue
            seen = set()
            todo: list[tuple[str, str | None]] = [(pathway.initial, None)]
            while todo:
                state, previous = todo.pop()
                if (state, previous) in seen or pathway.states[state].kind == "terminal":
                    continue
                seen.add((state, previous))
                for event, ep in states[state].for_entry(previous).items():
                    for combo, p in ep.combinations():
                        if p <= 0:
                            continue
                        facts = {**group.facts, **combo}
                        if (state, event) not in outgoing:
                            outgoing[state, event] = pathway.outgoing(state, event)
                        target = next((t.target for t in outgoing[state, event] if holds(t.when, facts)), None)
                        if target is None:
                            self.fail(("states", state, event),
                                      f"no transition of {state} on {event} holds for {facts} (population group "
                                      f"{group.name}); give that combination probability 0 or fix the pathway")
                        else:
                            todo.append((target, state))
