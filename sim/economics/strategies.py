"""Strategies: named variants of a pathway compared on common random numbers.

A strategies file (YAML, loaded safely) names the subtype, optionally the population groups
analysed (``population: [kit_exon9]``; their prevalences are rescaled to sum to one), the discount
rates, the willingness-to-pay values, and the strategies. A strategy may

- ``redirect`` a decision: ``{from: workup, event: start, instead_of: imatinib_800_exon9, to: imatinib_400}``
  sends every transition of ``from`` on ``event`` into ``instead_of`` to ``to`` (a choice forced);
- ``set`` parameters with the ``--set`` key grammar of the parameter files, each value cited or
  illustrative (``imatinib_400.progression.median_months: {value: 5.1, illustrative: true}``).

States, events and keys are checked against the pathway and its parameters: a state that no
longer exists is a located error. ``apply_strategy`` gives the pathway and ``Params`` a strategy runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from sarcoma_sim.cohort.params import Params, load_params
from sarcoma_sim.economics.inputs import EconomicInputError
from sarcoma_sim.economics.values import Valued, read_valued
from sarcoma_sim.errors import ParameterError, Problem
from sarcoma_sim.pathways.model import Pathway
from sarcoma_sim.pathways.yamlsource import YamlDocument, read_yaml

DEFAULT_DISCOUNT = 0.035        # per year, for costs, QALYs and life-years unless the file says otherwise
OUTCOMES = ("costs", "qalys", "life_years")
TOP = ("subtype", "title", "population", "discount", "wtp", "ceac_max", "reference", "strategies", "uncertainty",
       "oneway", "note")


@dataclass(frozen=True)
class Redirect:
    """Every transition of ``source`` on ``event`` into ``instead_of`` goes to ``target``."""

    source: str
    event: str
    instead_of: str
    target: str


@dataclass(frozen=True)
class Strategy:
    """A named variant of the pathway."""

    id: str
    label: str
    redirects: tuple[Redirect, ...] = ()
    settings: tuple[tuple[str, str, Valued | None], ...] = ()   # (key, value text, provenance)


@dataclass(frozen=True)
class Analysis:
    """A validated strategies file: what is compared, for whom, and how outcomes are discounted."""

    subtype: str
    title: str
    strategies: tuple[Strategy, ...]
    population: tuple[str, ...]
    discount: dict[str, float]
    wtp: tuple[float, ...]
    ceac_max: float
    reference: str
    origin: str
    document: YamlDocument = field(repr=False, compare=False)


def load_analysis(path: str | Path, pathway: Pathway, params: Params,
                  params_path: str | Path | None = None) -> Analysis:
    """Read and validate a strategies file against ``pathway`` and its base ``params`` (loaded with
    ``params_path`` merged over the shipped file, if given)."""
    doc = read_yaml(path, error=EconomicInputError)
    return analysis_from_document(doc, pathway, params, params_path)


def analysis_from_document(doc: YamlDocument, pathway: Pathway, params: Params,
                           params_path: str | Path | None = None) -> Analysis:
    """Validate a parsed strategies document; every problem raised at once, located."""
    problems: list[Problem] = []
    data = doc.data
    if not isinstance(data, dict):
        raise EconomicInputError(doc.problem((), "expected a mapping with subtype and strategies"))
    for key in data:
        if key not in TOP:
            problems.append(doc.problem((key,), f"unknown key {key!r}; expected one of {', '.join(TOP)}"))
    if data.get("subtype") != pathway.id:
        problems.append(doc.problem(("subtype",), f"expected {pathway.id!r} (the subtype analysed), "
                                                  f"got {data.get('subtype')!r}"))
    groups = [g.name for g in params.population]
    population = data.get("population", groups)
    if not isinstance(population, list) or not population:
        problems.append(doc.problem(("population",), "expected a list of population groups"))
        population = groups
    for i, name in enumerate(population):
        if name not in groups:
            problems.append(doc.problem(("population", i), f"no population group {name!r}; groups: "
                                                           f"{', '.join(groups)}"))
    discount = {o: DEFAULT_DISCOUNT for o in OUTCOMES}
    given = data.get("discount", {})
    if not isinstance(given, dict):
        problems.append(doc.problem(("discount",), "expected a mapping: costs, qalys, life_years -> rate per year"))
        given = {}
    for key, rate in given.items():
        if key not in OUTCOMES:
            problems.append(doc.problem(("discount", key), f"unknown outcome {key!r}; expected {', '.join(OUTCOMES)}"))
        elif isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            problems.append(doc.problem(("discount", key), f"expected a rate per year in [0, 1), e.g. 0.035; "
                                                           f"got {rate!r}"))
        else:
            discount[key] = float(rate)
    wtp = data.get("wtp", [20000, 30000])
    if not isinstance(wtp, list) or not wtp or any(isinstance(w, bool) or not isinstance(w, (int, float))
                                                   or w < 0 for w in wtp):
        problems.append(doc.problem(("wtp",), f"expected a list of willingness-to-pay values >= 0, got {wtp!r}"))
        wtp = [20000]
    ceac_max = data.get("ceac_max", 3 * max(wtp))
    if isinstance(ceac_max, bool) or not isinstance(ceac_max, (int, float)) or ceac_max <= 0:
        problems.append(doc.problem(("ceac_max",), f"expected a positive number, got {ceac_max!r}"))
        ceac_max = 3 * max(wtp)
    strategies: list[Strategy] = []
    raw = data.get("strategies")
    if not isinstance(raw, list) or len(raw) < 2:
        problems.append(doc.problem(("strategies",), "expected a list of at least two strategies"))
        raw = []
    for i, node in enumerate(raw):
        strategy = _strategy(doc, ("strategies", i), node, pathway, problems)
        if strategy is not None:
            if any(s.id == strategy.id for s in strategies):
                problems.append(doc.problem(("strategies", i, "id"), f"strategy {strategy.id!r} is named twice"))
            strategies.append(strategy)
    ids = [s.id for s in strategies]
    reference = data.get("reference", ids[0] if ids else "")
    if ids and reference not in ids:
        problems.append(doc.problem(("reference",), f"no strategy {reference!r}; strategies: {', '.join(ids)}"))
    title = data.get("title", f"{pathway.name}: {' v '.join(ids)}")
    if problems:
        raise EconomicInputError(problems)
    analysis = Analysis(pathway.id, str(title), tuple(strategies), tuple(population), discount,
                        tuple(float(w) for w in wtp), float(ceac_max), str(reference), doc.file, doc)
    for i, strategy in enumerate(analysis.strategies):
        try:
            apply_strategy(pathway, params, analysis, strategy, params_path)
        except ParameterError as error:
            raise EconomicInputError([_relocated(doc, ("strategies", i), p) for p in error.problems]) from None
    return analysis


def _strategy(doc: YamlDocument, path: tuple, node, pathway: Pathway, problems: list[Problem]) -> Strategy | None:
    if not isinstance(node, dict) or not isinstance(node.get("id"), str) or not node["id"].strip():
        problems.append(doc.problem(path, "expected a mapping with an id (and label, redirect, set)"))
        return None
    for key in node:
        if key not in ("id", "label", "redirect", "set", "note"):
            problems.append(doc.problem(path + (key,),
                                        f"unknown key {key!r}; expected id, label, redirect, set, note"))
    redirects = []
    for j, r in enumerate(node.get("redirect") or []):
        where = path + ("redirect", j)
        if not isinstance(r, dict) or set(r) != {"from", "event", "instead_of", "to"}:
            problems.append(doc.problem(where, "expected {from: STATE, event: EVENT, instead_of: STATE, to: STATE}"))
            continue
        bad = [k for k in ("from", "instead_of", "to") if r[k] not in pathway.states]
        for k in bad:
            problems.append(doc.problem(where + (k,), f"no state {r[k]!r} in the {pathway.id} pathway"))
        if bad:
            continue
        if r["event"] not in pathway.events_from(r["from"]):
            problems.append(doc.problem(where + ("event",), f"{r['from']} has no event {r['event']!r}; its events: "
                                                            f"{', '.join(pathway.events_from(r['from']))}"))
            continue
        targets = [t.target for t in pathway.outgoing(r["from"], r["event"])]
        if r["instead_of"] not in targets:
            message = f"{r['from']} on {r['event']} never enters {r['instead_of']!r}; it enters {', '.join(targets)}"
            problems.append(doc.problem(where + ("instead_of",), message))
            continue
        redirects.append(Redirect(r["from"], r["event"], r["instead_of"], r["to"]))
    settings = []
    given = node.get("set") or {}
    if not isinstance(given, dict):
        problems.append(doc.problem(path + ("set",), "expected a mapping KEY: {value, source or illustrative}"))
        given = {}
    for key, value in given.items():
        where = path + ("set", key)
        if isinstance(value, dict) and isinstance(value.get("value"), str):
            text = value["value"]
            provenance = read_valued(doc, {**value, "value": 0.0}, where, problems)
        else:
            provenance = read_valued(doc, value, where, problems)
            text = repr(provenance.value) if provenance is not None else ""
        if provenance is not None:
            settings.append((str(key), text, provenance))
    return Strategy(node["id"], str(node.get("label", node["id"])), tuple(redirects), tuple(settings))


def _relocated(doc: YamlDocument, path: tuple, problem: Problem) -> Problem:
    """A ``--set`` problem from the parameter loader, placed at the strategy's ``set`` entry."""
    if problem.file == "--set" and problem.path:
        return doc.problem(path + ("set", problem.path), problem.message)
    return problem


def apply_strategy(pathway: Pathway, params: Params, analysis: Analysis, strategy: Strategy,
                   params_path: str | Path | None = None) -> tuple[Pathway, Params]:
    """The pathway and parameters ``strategy`` runs: decisions redirected, values set, population kept."""
    transitions = []
    for t in pathway.transitions:
        for r in strategy.redirects:
            if t.source == r.source and t.event == r.event and t.target == r.instead_of:
                t = replace(t, target=r.target)
        transitions.append(t)
    variant = replace(pathway, transitions=tuple(transitions))
    if strategy.redirects or strategy.settings:
        variant_params = load_params(variant, params_path, [f"{k}={v}" for k, v, _ in strategy.settings])
    else:
        variant_params = params
    return variant, restrict_population(variant_params, analysis.population)


def restrict_population(params: Params, groups: tuple[str, ...]) -> Params:
    """``params`` with only ``groups``, their prevalences rescaled to sum to one."""
    kept = [g for g in params.population if g.name in groups]
    if len(kept) == len(params.population):
        return params
    total = sum(g.prevalence.value for g in kept)
    if total <= 0:
        raise ParameterError(Problem(params.origin, None, "population", "the groups analysed have no prevalence"))
    return replace(params, population=tuple(
        replace(g, prevalence=replace(g.prevalence, value=g.prevalence.value / total)) for g in kept))
