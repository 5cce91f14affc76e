"""Economic inputs as data: costs per state per month, one-off costs, utilities, disutilities.

A costs file (YAML, loaded safely) states its ``currency``, ``price_year`` and ``perspective`` and gives:

- ``drugs.<drug>.price_per_mg``: acquisition price; a therapy state's monthly drug cost is its
  regimen's ``daily_dose_mg`` x days on treatment per month x the price. Days on are all days, or
  the on-share of a schedule that reads ``N weeks on/M weeks off`` (4 weeks on/2 off: 4/6).
- ``monthly.by_kind.<kind>.<item>`` and ``monthly.states.<state>.<item>``: other costs per month of
  a stay (administration, monitoring, care); a state's own items replace its kind's of the same name.
- ``one_off.events.<event>`` and ``one_off.entering.<state>``: paid once, when the event fires
  (death, progression) or the state is entered (surgery, a switch of drug).
- ``utilities.by_kind.<kind>`` and ``utilities.states.<state>``: quality weight per year of a stay.
- ``disutilities.events.<event>`` and ``disutilities.entering.<state>``: QALYs lost once.

Every number is ``{value, source}`` or ``{value, illustrative: true}`` (``sarcoma_sim.economics.values``).
States, kinds, events and drugs are checked against the pathway's cohort view, so a renamed state
is a located error, never a silently unpriced one. ``EconomicInputs.values`` is flat (path ->
``Valued``), which is what probabilistic sensitivity analysis perturbs; ``rates`` turns values into
the per-state and per-event arrays the accounting reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from sarcoma_sim.cohort.params import DAYS_PER_MONTH
from sarcoma_sim.economics.values import Valued, read_valued
from sarcoma_sim.errors import Problem, SarcomaSimError
from sarcoma_sim.pathways.exits import with_competing_exits
from sarcoma_sim.pathways.model import Pathway
from sarcoma_sim.pathways.yamlsource import YamlDocument, read_yaml

SECTIONS = ("currency", "price_year", "perspective", "note", "drugs", "monthly", "one_off", "utilities",
            "disutilities")
_ON_OFF = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*weeks?\s+on\s*/\s*(\d+(?:\.\d+)?)\s*weeks?\s+off\s*$", re.I)


class EconomicInputError(SarcomaSimError):
    """An economic input, strategy or uncertainty file that cannot be used."""


@dataclass(frozen=True)
class EconomicInputs:
    """Validated economic inputs: flat ``values`` (path -> Valued) and the statement of currency."""

    currency: str
    price_year: int
    perspective: str
    values: dict[str, Valued]
    origin: str
    note: str | None = None


@dataclass(frozen=True)
class Rates:
    """Per state (index of ``state_ids``) and per event (index of ``event_names``) arrays."""

    state_ids: tuple[str, ...]
    event_names: tuple[str, ...]
    cost_per_month: np.ndarray        # (S,) currency per month of a stay
    drug_per_month: np.ndarray        # (S,) the acquisition part of ``cost_per_month``
    utility_per_year: np.ndarray      # (S,) quality weight
    cost_on_event: np.ndarray         # (E,) paid when the event fires
    cost_on_entry: np.ndarray         # (S,) paid when the state is entered
    disutility_on_event: np.ndarray   # (E,) QALYs lost when the event fires
    disutility_on_entry: np.ndarray   # (S,) QALYs lost when the state is entered


def on_fraction(schedule: str | None) -> float:
    """Share of days on drug: ``N weeks on/M weeks off`` gives N/(N+M); any other schedule 1."""
    match = _ON_OFF.match(schedule or "")
    if not match:
        return 1.0
    on, off = float(match.group(1)), float(match.group(2))
    return on / (on + off)


def load_inputs(path: str | Path, pathway: Pathway) -> EconomicInputs:
    """Read and validate a costs file for ``pathway``; every problem raised at once, located."""
    return inputs_from_document(read_yaml(path, error=EconomicInputError), pathway)


def inputs_from_document(doc: YamlDocument, pathway: Pathway) -> EconomicInputs:
    """Validate a parsed costs document against ``pathway`` (its cohort view)."""
    pathway = with_competing_exits(pathway)
    problems: list[Problem] = []
    data = doc.data
    if not isinstance(data, dict):
        raise EconomicInputError(doc.problem((), "expected a mapping with currency, price_year, perspective, "
                                                 "drugs, monthly, one_off, utilities, disutilities"))
    for key in data:
        if key not in SECTIONS:
            problems.append(doc.problem((key,), f"unknown section {key!r}; expected one of {', '.join(SECTIONS)}"))
    currency, price_year, perspective = data.get("currency"), data.get("price_year"), data.get("perspective")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        problems.append(doc.problem(("currency",), f"expected a three-letter currency code (GBP, EUR, USD), "
                                                   f"got {currency!r}"))
    if isinstance(price_year, bool) or not isinstance(price_year, int) or not 1950 <= price_year <= 2100:
        problems.append(doc.problem(("price_year",), f"expected the year prices are stated in, got {price_year!r}"))
    if not isinstance(perspective, str) or not perspective.strip():
        problems.append(doc.problem(("perspective",), "expected the costing perspective (e.g. UK NHS and PSS)"))
    kinds = sorted({s.kind for s in pathway.states.values()})
    drugs = sorted({d for s in pathway.states.values() if s.regimen for d in s.regimen.drugs})
    values: dict[str, Valued] = {}

    def mapping(path: tuple, allowed: list[str] | None, what: str) -> dict:
        node: object = data
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return {}
        if not isinstance(node, dict):
            problems.append(doc.problem(path, f"expected a mapping of {what}"))
            return {}
        if allowed is not None:
            for key in node:
                if key not in allowed:
                    problems.append(doc.problem(path + (key,), f"no {what} {key!r} in the {pathway.id} pathway; "
                                                               f"expected one of {', '.join(allowed)}"))
        return {k: v for k, v in node.items() if allowed is None or k in allowed}

    def take(path: tuple, node, low=None, high=None) -> None:
        valued = read_valued(doc, node, path, problems, low, high)
        if valued is not None:
            values[".".join(str(p) for p in path)] = valued

    for drug, node in mapping(("drugs",), drugs, "drug").items():
        if not isinstance(node, dict) or set(node) != {"price_per_mg"}:
            problems.append(doc.problem(("drugs", drug), "expected price_per_mg: {value, source or illustrative}"))
            continue
        take(("drugs", drug, "price_per_mg"), node["price_per_mg"], low=0.0)
    for key, allowed, what in (("by_kind", kinds, "state kind"), ("states", list(pathway.states), "state")):
        for name, items in mapping(("monthly", key), allowed, what).items():
            if not isinstance(items, dict) or not items:
                problems.append(doc.problem(("monthly", key, name), "expected a mapping of cost items "
                                                                    "(administration, monitoring, ...) per month"))
                continue
            for item, node in items.items():
                take(("monthly", key, name, str(item)), node, low=0.0)
    for section, low, high in (("one_off", 0.0, None), ("disutilities", 0.0, 1.0)):
        for key, allowed, what in (("events", list(pathway.events), "event"),
                                   ("entering", list(pathway.states), "state")):
            for name, node in mapping((section, key), allowed, what).items():
                take((section, key, name), node, low, high)
        for key in mapping((section,), None, ""):
            if key not in ("events", "entering"):
                problems.append(doc.problem((section, key), f"unknown key {key!r}; expected events, entering"))
    for key, allowed, what in (("by_kind", kinds, "state kind"), ("states", list(pathway.states), "state")):
        for name, node in mapping(("utilities", key), allowed, what).items():
            take(("utilities", key, name), node, None, 1.0)
    for section in ("monthly", "utilities"):
        for key in mapping((section,), None, ""):
            if key not in ("by_kind", "states"):
                problems.append(doc.problem((section, key), f"unknown key {key!r}; expected by_kind, states"))
    priced = {p.split(".")[1] for p in values if p.startswith("drugs.")}
    for state in pathway.states.values():
        if state.regimen is None:
            continue
        for drug in state.regimen.drugs:
            if drug not in priced and not any(pr.path == f"drugs.{drug}" for pr in problems):
                problems.append(doc.problem(("drugs",), f"no price for {drug} (given in {state.id}); expected "
                                                        f"drugs.{drug}.price_per_mg"))
        if state.regimen.drugs and state.regimen.daily_dose_mg is None:
            problems.append(Problem(pathway.file, None, f"states.{state.id}.regimen",
                                    "a priced regimen needs daily_dose_mg"))
    for state in pathway.states.values():
        if state.kind != "terminal" and f"utilities.states.{state.id}" not in values \
                and f"utilities.by_kind.{state.kind}" not in values:
            problems.append(doc.problem(("utilities",), f"no utility for {state.id} (kind {state.kind}); expected "
                                                        f"utilities.states.{state.id} or utilities.by_kind."
                                                        f"{state.kind}"))
    if problems:
        raise EconomicInputError(_unique(problems))
    note = data.get("note")
    assert isinstance(currency, str) and isinstance(price_year, int) and isinstance(perspective, str)
    return EconomicInputs(currency, price_year, perspective.strip(), values, doc.file,
                          str(note) if note is not None else None)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, result = set(), []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            result.append(problem)
    return result


def rates(inputs: EconomicInputs, pathway: Pathway, values: Mapping[str, float] | None = None) -> Rates:
    """The per-state and per-event arrays of ``inputs`` for ``pathway``'s cohort view, with any path of
    ``values`` replacing the file's number (a PSA sample)."""
    return rate_plan(inputs, pathway).rates(values)


@dataclass(frozen=True)
class RatePlan:
    """Where every number of a costs file goes in a pathway's ``Rates``, worked out once, so a PSA
    sample only looks its numbers up (``rates``); the arithmetic is that of the file's own order."""

    state_ids: tuple[str, ...]
    event_names: tuple[str, ...]
    number: dict[str, float]                          # the file's values by path
    drug: tuple[tuple[int, float, tuple[str, ...]], ...]   # (state, dose x days x on-share, price paths)
    items: tuple[tuple[str, ...], ...]                # per state: its monthly item paths, in order
    utility: tuple[str | None, ...]                   # per state
    cost_entry: tuple[tuple[int, str], ...]
    dis_entry: tuple[tuple[int, str], ...]
    cost_event: tuple[tuple[int, str], ...]
    dis_event: tuple[tuple[int, str], ...]

    def rates(self, values: Mapping[str, float] | None = None) -> Rates:
        """The arrays with any path of ``values`` replacing the file's number."""
        number = self.number if not values else {**self.number, **values}
        S, E = len(self.state_ids), len(self.event_names)
        cost, drug, utility = np.zeros(S), np.zeros(S), np.zeros(S)
        for i, per_day, prices in self.drug:
            drug[i] = per_day * sum(number[p] for p in prices)
        for i, paths in enumerate(self.items):
            cost[i] = drug[i] + sum(number[p] for p in paths)
        for i, path in enumerate(self.utility):
            if path is not None:
                utility[i] = number[path]
        arrays = []
        for size, entries in ((E, self.cost_event), (S, self.cost_entry), (E, self.dis_event), (S, self.dis_entry)):
            array = np.zeros(size)
            for i, path in entries:
                array[i] = number[path]
            arrays.append(array)
        cost_event, cost_entry, dis_event, dis_entry = arrays
        return Rates(self.state_ids, self.event_names, cost, drug, utility, cost_event, cost_entry, dis_event,
                     dis_entry)


def rate_plan(inputs: EconomicInputs, pathway: Pathway) -> RatePlan:
    """The ``RatePlan`` of ``inputs`` for ``pathway``'s cohort view."""
    pathway = with_competing_exits(pathway)
    states, events = tuple(pathway.states), tuple(pathway.events)
    number = {path: v.value for path, v in inputs.values.items()}
    drug, items, utility, cost_entry, dis_entry = [], [], [], [], []
    for i, sid in enumerate(states):
        state = pathway.states[sid]
        # A state's own items replace its kind's of the same name, in the kind's place.
        named = {path.rsplit(".", 1)[1]: path for path in number if path.startswith(f"monthly.by_kind.{state.kind}.")}
        named.update({path.rsplit(".", 1)[1]: path for path in number if path.startswith(f"monthly.states.{sid}.")})
        items.append(tuple(named.values()))
        if state.regimen is not None and state.regimen.drugs and state.regimen.daily_dose_mg is not None:
            drug.append((i, state.regimen.daily_dose_mg * DAYS_PER_MONTH * on_fraction(state.regimen.schedule),
                         tuple(f"drugs.{d}.price_per_mg" for d in state.regimen.drugs)))
        own, kind = f"utilities.states.{sid}", f"utilities.by_kind.{state.kind}"
        utility.append(own if own in number else kind if kind in number else None)
        if f"one_off.entering.{sid}" in number:
            cost_entry.append((i, f"one_off.entering.{sid}"))
        if f"disutilities.entering.{sid}" in number:
            dis_entry.append((i, f"disutilities.entering.{sid}"))
    cost_event = tuple((j, f"one_off.events.{e}") for j, e in enumerate(events) if f"one_off.events.{e}" in number)
    dis_event = tuple((j, f"disutilities.events.{e}") for j, e in enumerate(events)
                      if f"disutilities.events.{e}" in number)
    return RatePlan(states, events, number, tuple(drug), tuple(items), tuple(utility), tuple(cost_entry),
                    tuple(dis_entry), cost_event, dis_event)
