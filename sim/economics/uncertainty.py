"""Parameter uncertainty for probabilistic sensitivity analysis, drawn up front from the seed.

The ``uncertainty`` list of a strategies file gives distributions on single numbers (``path``)
or on groups (``paths``): ``beta``, ``gamma``, ``lognormal`` and ``normal`` by ``mean`` and ``sd``
(moments on the natural scale), ``dirichlet`` by ``alpha`` (shares that sum to one), ``mvnormal``
by ``mean``, ``sd`` and a ``correlation`` matrix (correlated groups). A path is a parameter
(``params.states.imatinib_400.progression.median_months``, see ``sarcoma_sim.economics.paramset``)
or an economic input (``drugs.imatinib.price_per_mg``, ``utilities.by_kind.therapy``). Each entry
is cited or marked illustrative and may name a ``group`` for EVPPI (default: its name).

``draw(entries, samples, seed)`` returns every sample's values at once, each entry from its own
stream keyed by (seed, entry), so a sample's values never depend on how samples are batched, on
the workers, on the number of samples, or on the other entries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sarcoma_sim.cohort.params import Params
from sarcoma_sim.economics.inputs import EconomicInputError, EconomicInputs
from sarcoma_sim.economics.paramset import set_param
from sarcoma_sim.economics.values import read_valued
from sarcoma_sim.errors import Problem
from sarcoma_sim.pathways.yamlsource import YamlDocument

SINGLE = ("beta", "gamma", "lognormal", "normal")
JOINT = ("dirichlet", "mvnormal")
PSA_DRAWS = 11            # stream purpose, beside sarcoma_sim.cohort.streams' own
PSA_SAMPLES = 12          # per-sample simulation seeds
ONE_WAY = 13              # draws that locate a distribution's quantiles for one-way ranges


@dataclass(frozen=True)
class Entry:
    """One distribution over one path or a group of paths."""

    name: str
    group: str
    paths: tuple[str, ...]
    distribution: str
    parameters: dict[str, tuple[float, ...]]
    provenance: str
    index: int                 # position in the file, for located errors


def read_uncertainty(doc: YamlDocument, params_list: list[Params], inputs: EconomicInputs) -> tuple[Entry, ...]:
    """The validated ``uncertainty`` entries of a strategies document; each path must resolve in the
    parameters of every strategy (``params_list``) or in the economic inputs."""
    data = doc.data.get("uncertainty") if isinstance(doc.data, dict) else None
    if data is None:
        return ()
    problems: list[Problem] = []
    if not isinstance(data, list):
        raise EconomicInputError(doc.problem(("uncertainty",), "expected a list of distributions"))
    entries: list[Entry] = []
    seen: set[str] = set()
    for i, node in enumerate(data):
        where = ("uncertainty", i)
        entry = _entry(doc, where, node, i, problems)
        if entry is None:
            continue
        for path in entry.paths:
            if path in seen:
                problems.append(doc.problem(where, f"{path} is given a distribution twice"))
            seen.add(path)
            problem = path_problem(path, params_list, inputs)
            if problem:
                problems.append(doc.problem(where + ("paths" if len(entry.paths) > 1 else "path",), problem))
        entries.append(entry)
    if problems:
        raise EconomicInputError(problems)
    return tuple(entries)


def path_problem(path: str, params_list: list[Params], inputs: EconomicInputs) -> str | None:
    """Why ``path`` names no parameter of every strategy and no economic input (None if it does)."""
    if path.startswith("params."):
        for params in params_list:
            try:
                set_param(params, path[len("params."):], 1.0)
            except KeyError as exc:
                return f"no parameter {path}: {exc.args[0]}"
        return None
    if path not in inputs.values:
        return (f"no economic input {path!r} in {inputs.origin} (a parameter path starts with params.); inputs: "
                f"{', '.join(sorted(inputs.values)[:8])}...")
    return None


def _numbers(value, count: int | None) -> tuple[float, ...] | None:
    items = value if isinstance(value, list) else [value]
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) for v in items):
        return None
    if count is not None and len(items) != count:
        return None
    return tuple(float(v) for v in items)


def _entry(doc: YamlDocument, where: tuple, node, index: int, problems: list[Problem]) -> Entry | None:
    if not isinstance(node, dict):
        problems.append(doc.problem(where, "expected a mapping with path (or paths), distribution and its numbers"))
        return None
    dist = node.get("distribution")
    if dist not in SINGLE + JOINT:
        problems.append(doc.problem(where + ("distribution",), f"expected one of {', '.join(SINGLE + JOINT)}, "
                                                               f"got {dist!r}"))
        return None
    if dist in SINGLE:
        if not isinstance(node.get("path"), str):
            problems.append(doc.problem(where + ("path",), f"a {dist} distribution takes one path"))
            return None
        paths: tuple[str, ...] = (node["path"],)
    else:
        raw = node.get("paths")
        if not isinstance(raw, list) or len(raw) < 2 or not all(isinstance(p, str) for p in raw):
            problems.append(doc.problem(where + ("paths",), f"a {dist} distribution takes a list of two or more paths"))
            return None
        paths = tuple(raw)
    k = len(paths)
    wanted = {"beta": ("mean", "sd"), "gamma": ("mean", "sd"), "lognormal": ("mean", "sd"), "normal": ("mean", "sd"),
              "dirichlet": ("alpha",), "mvnormal": ("mean", "sd", "correlation")}[dist]
    known = set(wanted) | {"name", "group", "path", "paths", "distribution", "source", "illustrative", "note"}
    for key in node:
        if key not in known:
            problems.append(doc.problem(where + (key,),
                                        f"unknown key {key!r} for {dist}; expected {', '.join(wanted)}"))
    parameters: dict[str, tuple[float, ...]] = {}
    for key in wanted:
        if key == "correlation":
            rows = node.get(key)
            flat = [v for row in rows for v in row] if isinstance(rows, list) and all(
                isinstance(r, list) for r in rows) else None
            numbers = _numbers(flat, k * k) if flat is not None and isinstance(rows, list) and len(rows) == k else None
        else:
            numbers = _numbers(node.get(key), 1 if dist in SINGLE else k)
        if numbers is None:
            shape = "a number" if dist in SINGLE else (f"a {k}x{k} matrix" if key == "correlation" else
                                                       f"a list of {k} numbers")
            problems.append(doc.problem(where + (key,), f"expected {shape}, got {node.get(key)!r}"))
            return None
        parameters[key] = numbers
    reason = _parameter_problem(dist, parameters, k)
    if reason:
        problems.append(doc.problem(where, reason))
        return None
    provenance = read_valued(doc, {"value": 0.0, **{key: node[key] for key in ("source", "illustrative", "note")
                                                    if key in node}}, where, problems)
    if provenance is None:
        return None
    name = str(node.get("name", paths[0] if k == 1 else " + ".join(paths)))
    return Entry(name, str(node.get("group", name)), paths, dist, parameters, provenance.provenance, index)


def _parameter_problem(dist: str, p: dict[str, tuple[float, ...]], k: int) -> str | None:
    if dist in SINGLE:
        mean, sd = p["mean"][0], p["sd"][0]
        if sd <= 0:
            return f"sd must be > 0, got {sd:g}"
        if dist == "beta" and not (0 < mean < 1 and sd * sd < mean * (1 - mean)):
            return f"a beta needs 0 < mean < 1 and sd^2 < mean(1 - mean); got mean {mean:g}, sd {sd:g}"
        if dist in ("gamma", "lognormal") and mean <= 0:
            return f"a {dist} needs mean > 0, got {mean:g}"
        return None
    if dist == "dirichlet":
        return None if all(a > 0 for a in p["alpha"]) else "every alpha must be > 0"
    if any(s <= 0 for s in p["sd"]):
        return "every sd must be > 0"
    corr = np.array(p["correlation"]).reshape(k, k)
    if not np.allclose(corr, corr.T) or not np.allclose(np.diag(corr), 1.0):
        return "the correlation matrix must be symmetric with ones on its diagonal"
    if np.linalg.eigvalsh(corr).min() < -1e-12:
        return "the correlation matrix must be positive semi-definite"
    return None


def draw(entries: tuple[Entry, ...], samples: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Every sample's values: (paths, array of shape (samples, paths)); entry i from stream (seed, i)."""
    paths: list[str] = []
    columns: list[np.ndarray] = []
    for number, e in enumerate(entries):
        # One stream per entry: an entry's draws do not change when another is added, nor when K grows.
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(PSA_DRAWS, number))))
        paths.extend(e.paths)
        p = e.parameters
        if e.distribution in SINGLE:
            mean, sd = p["mean"][0], p["sd"][0]
            if e.distribution == "normal":
                x = rng.normal(mean, sd, samples)
            elif e.distribution == "gamma":
                shape = (mean / sd) ** 2
                x = rng.gamma(shape, mean / shape, samples)
            elif e.distribution == "lognormal":
                sigma2 = np.log1p((sd / mean) ** 2)
                x = rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2), samples)
            else:
                common = mean * (1 - mean) / sd ** 2 - 1
                x = rng.beta(mean * common, (1 - mean) * common, samples)
            columns.append(x[:, None])
        elif e.distribution == "dirichlet":
            columns.append(rng.dirichlet(p["alpha"], samples))
        else:
            k = len(e.paths)
            sds = np.array(p["sd"])
            cov = np.array(p["correlation"]).reshape(k, k) * np.outer(sds, sds)
            columns.append(rng.multivariate_normal(np.array(p["mean"]), cov, samples, method="eigh"))
    values = np.concatenate(columns, axis=1) if columns else np.zeros((samples, 0))
    return paths, values


def impossible(path: str, values: np.ndarray) -> tuple[np.ndarray, str]:
    """Which of ``values`` a model cannot take at ``path`` (a boolean mask) and why."""
    leaf = path.rsplit(".", 1)[-1]
    if path.startswith("params.") and leaf in ("median_months", "shape", "interval_months"):
        return values <= 0, "a time or shape must be > 0"
    if path.startswith("params.") or path.startswith("disutilities."):
        return (values < 0) | (values > 1), "a probability or disutility must lie in [0, 1]"
    if path.startswith("utilities."):
        return values > 1, "a utility must be at most 1"
    if path.startswith("discount."):
        return (values < 0) | (values >= 1), "a discount rate per year must lie in [0, 1)"
    return values < 0, "a cost must be >= 0"


def check_draws(entries: tuple[Entry, ...], paths: list[str], values: np.ndarray, doc_file: str) -> None:
    """Refuse draws a model cannot take (a negative time or price, a utility above one), naming the entry."""
    problems = []
    for j, path in enumerate(paths):
        column = values[:, j]
        entry = next(e for e in entries if path in e.paths)
        bad, why = impossible(path, column)
        if bad.any():
            problems.append(Problem(doc_file, None, f"uncertainty[{entry.index}]",
                                    f"{int(bad.sum())} of {len(column)} draws of {path} are impossible "
                                    f"(first {column[bad][0]:g}): {why}; use a distribution bounded like the "
                                    "quantity (gamma or lognormal for times and costs, beta for probabilities)"))
    if problems:
        raise EconomicInputError(problems)


def sample_seed(seed: int, sample: int) -> int:
    """The simulation seed of PSA sample ``sample``: keyed by (seed, sample), shared by every strategy
    (common random numbers), whatever batch or worker runs it."""
    return int(np.random.SeedSequence(seed, spawn_key=(PSA_SAMPLES, sample)).generate_state(1, np.uint64)[0]
               % (2 ** 63))
