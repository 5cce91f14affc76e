"""One-way sensitivity: each uncertain number alone at the low and high ends of its range.

A range is either given in the strategies file's ``oneway`` list,

    oneway:
      - {name: first-line utility, paths: [utilities.states.imatinib_400, utilities.states.imatinib_800_exon9],
         low: 0.68, high: 0.84, illustrative: true}
      - {path: discount.costs, low: 0.0, high: 0.06, source: "NICE methods: 1.5% and 6% as sensitivity"}

(several paths move together, e.g. one health state's utility given to two states; a discount rate is
``discount.costs``, ``discount.qalys`` or ``discount.life_years``; each range is cited or illustrative),
or it is the 2.5% and 97.5% quantiles of the number's own distribution in ``uncertainty``: exact for
normal and log-normal and for each component of a multivariate normal, located from 2^18 draws of a
stream keyed by the seed for gamma and beta (not from the PSA's own samples, so the range does not
change with their number). A Dirichlet share cannot move alone (the other shares would have to move
with it), so it has a bar only if the file gives it a range. A range in the file replaces the
distribution's for its paths. Everything else stays at the files' values and the cohort keeps the
base case's seed, so a bar's length is the parameter's effect, not Monte Carlo noise. The outcomes
are each strategy's incremental net monetary benefit against the reference and its ICER (with the
quadrant of the cost-effectiveness plane, as a negative ICER is ambiguous). The tornado plots the
NMB: it is linear in costs and QALYs, where the ICER jumps when the QALY difference crosses zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from statistics import NormalDist

import numpy as np

from sarcoma_sim.cohort.params import Params
from sarcoma_sim.economics.decision import net_benefit
from sarcoma_sim.economics.inputs import EconomicInputError, EconomicInputs
from sarcoma_sim.economics.psa import Model, run_sample
from sarcoma_sim.economics.strategies import OUTCOMES
from sarcoma_sim.economics.uncertainty import ONE_WAY, Entry, impossible, path_problem
from sarcoma_sim.economics.values import read_valued
from sarcoma_sim.errors import Problem
from sarcoma_sim.pathways.yamlsource import YamlDocument

LOW, HIGH = 0.025, 0.975
QUANTILE_DRAWS = 1 << 18
FILE_RANGE, INTERVAL = "range in the file", "95% interval of its distribution"


@dataclass(frozen=True)
class Range:
    """Paths moved together from ``low`` to ``high``; ``basis`` says where the range comes from."""

    name: str
    paths: tuple[str, ...]
    low: float
    high: float
    basis: str


@dataclass(frozen=True)
class OneWay:
    """One range's results: per strategy, the incremental NMB and ICER v the reference at each end."""

    path: str
    name: str
    low: float
    high: float
    basis: str
    inmb_low: dict[str, float]
    inmb_high: dict[str, float]
    icer_low: dict[str, float | None]      # None where no ICER applies: see ``quadrant_*``
    icer_high: dict[str, float | None]
    quadrant_low: dict[str, str]
    quadrant_high: dict[str, str]


def read_ranges(doc: YamlDocument, params_list: list[Params], inputs: EconomicInputs) -> tuple[Range, ...]:
    """The validated ``oneway`` ranges of a strategies document; every problem raised at once, located."""
    data = doc.data.get("oneway") if isinstance(doc.data, dict) else None
    if data is None:
        return ()
    if not isinstance(data, list):
        raise EconomicInputError(doc.problem(("oneway",), "expected a list of ranges {path or paths, low, high, "
                                                          "source or illustrative}"))
    problems: list[Problem] = []
    ranges: list[Range] = []
    seen: set[str] = set()
    for i, node in enumerate(data):
        where = ("oneway", i)
        if not isinstance(node, dict):
            problems.append(doc.problem(where, "expected a mapping {path or paths, low, high, source or illustrative}"))
            continue
        known = ("name", "path", "paths", "low", "high", "source", "illustrative", "note")
        unknown = [key for key in node if key not in known]
        for key in unknown:
            problems.append(doc.problem(where + (key,), f"unknown key {key!r}; expected {', '.join(known)}"))
        if ("path" in node) == ("paths" in node):
            problems.append(doc.problem(where, "give path (one number) or paths (numbers that move together)"))
            continue
        key = "path" if "path" in node else "paths"
        paths = [node["path"]] if key == "path" else node["paths"]
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            problems.append(doc.problem(where + (key,), "expected a path or a list of paths"))
            continue
        bad_path = False
        for path in paths:
            problem = _range_path_problem(path, params_list, inputs)
            if path in seen:
                problem = f"{path} is given a range twice"
            seen.add(path)
            if problem:
                problems.append(doc.problem(where + (key,), problem))
                bad_path = True
        ends = {}
        for end in ("low", "high"):
            value = node.get(end)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                problems.append(doc.problem(where + (end,), f"expected a finite number, got {value!r}"))
            else:
                ends[end] = float(value)
        if len(ends) < 2 or bad_path or unknown:
            continue
        if not ends["low"] < ends["high"]:
            problems.append(doc.problem(where + ("high",), f"expected high > low, got low {ends['low']:g} and high "
                                                           f"{ends['high']:g}"))
            continue
        reasons = [f"{path}: {why}" for path in paths
                   for bad, why in [impossible(path, np.array([ends["low"], ends["high"]]))] if bad.any()]
        if reasons:
            problems.append(doc.problem(where, f"a range the model cannot take ({'; '.join(reasons)})"))
            continue
        provenance = read_valued(doc, {"value": 0.0, **{k: node[k] for k in ("source", "illustrative", "note")
                                                        if k in node}}, where, problems)
        if provenance is None:
            continue
        name = str(node.get("name", " + ".join(paths)))
        ranges.append(Range(name, tuple(paths), ends["low"], ends["high"], f"{FILE_RANGE} ({provenance.provenance})"))
    if problems:
        raise EconomicInputError(problems)
    return tuple(ranges)


def _range_path_problem(path: str, params_list: list[Params], inputs: EconomicInputs) -> str | None:
    if path.startswith("discount."):
        outcome = path[len("discount."):]
        if outcome not in OUTCOMES:
            return f"no discount rate {outcome!r}; expected discount.{', discount.'.join(OUTCOMES)}"
        return None
    return path_problem(path, params_list, inputs)


def distribution_ranges(entries: tuple[Entry, ...], seed: int) -> list[Range]:
    """The 2.5% and 97.5% quantiles of every number that can move alone (all but Dirichlet shares)."""
    ranges = []
    for e in entries:
        if e.distribution == "dirichlet":
            continue
        for j, path in enumerate(e.paths):
            low, high = _interval(e, j, seed)
            name = e.name if len(e.paths) == 1 else f"{e.name}: {path}"
            ranges.append(Range(name, (path,), low, high, INTERVAL))
    return ranges


def _interval(e: Entry, j: int, seed: int) -> tuple[float, float]:
    p = e.parameters
    mean, sd = p["mean"][j], p["sd"][j]
    if e.distribution in ("normal", "mvnormal"):
        normal = NormalDist(mean, sd)
        return normal.inv_cdf(LOW), normal.inv_cdf(HIGH)
    if e.distribution == "lognormal":
        sigma2 = math.log1p((sd / mean) ** 2)
        normal = NormalDist(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))
        return math.exp(normal.inv_cdf(LOW)), math.exp(normal.inv_cdf(HIGH))
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(ONE_WAY, e.index))))
    if e.distribution == "gamma":
        shape = (mean / sd) ** 2
        x = rng.gamma(shape, mean / shape, QUANTILE_DRAWS)
    else:
        common = mean * (1 - mean) / sd ** 2 - 1
        x = rng.beta(mean * common, (1 - mean) * common, QUANTILE_DRAWS)
    low, high = np.quantile(x, [LOW, HIGH])
    return float(low), float(high)


def one_way_ranges(entries: tuple[Entry, ...], given: tuple[Range, ...], seed: int) -> list[Range]:
    """The file's ranges, then the distributions' for every path the file gives no range."""
    covered = {p for r in given for p in r.paths}
    return list(given) + [r for r in distribution_ranges(entries, seed) if r.paths[0] not in covered]


def one_way(model: Model, ranges: list[Range], seed: int, wtp: float, reference: str) -> list[OneWay]:
    """One-way results for every range, at ``wtp`` against ``reference``."""
    ref = model.names.index(reference)
    results = []
    for r in ranges:
        inmb, icer, quadrant = [], [], []
        for value in (r.low, r.high):
            values = {p: value for p in r.paths}
            discount = {p[len("discount."):]: v for p, v in values.items() if p.startswith("discount.")}
            moved = replace(model, discount={**model.discount, **discount}) if discount else model
            others = [p for p in values if not p.startswith("discount.")]
            totals = run_sample(moved, others, np.array([values[p] for p in others]), seed)
            means = np.array([t.means for t in totals])
            nmb = net_benefit(means[:, 0], means[:, 1], wtp)
            inmb.append({name: float(nmb[i] - nmb[ref]) for i, name in enumerate(model.names) if i != ref})
            rows = {name: _icer(means[i] - means[ref]) for i, name in enumerate(model.names) if i != ref}
            icer.append({name: value for name, (value, _) in rows.items()})
            quadrant.append({name: where for name, (_, where) in rows.items()})
        results.append(OneWay(" + ".join(r.paths), r.name, r.low, r.high, r.basis, inmb[0], inmb[1], icer[0],
                              icer[1], quadrant[0], quadrant[1]))
    return results


def _icer(difference: np.ndarray) -> tuple[float | None, str]:
    """(ICER, quadrant of the cost-effectiveness plane). A negative ratio would mix up a dominated
    and a dominant strategy, so there the ICER is None and the quadrant says which it is."""
    cost, qalys = float(difference[0]), float(difference[1])
    if qalys > 0:
        return (cost / qalys, "more QALYs at more cost") if cost > 0 else (None, "dominant")
    if qalys < 0:
        return (cost / qalys, "fewer QALYs at less cost") if cost < 0 else (None, "dominated")
    return None, "dominant" if cost < 0 else "dominated" if cost > 0 else "same costs and QALYs"
