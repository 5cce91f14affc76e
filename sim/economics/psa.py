"""The model a PSA runs, its deterministic base case, and batches of samples on dask.distributed.

``Model`` holds what one task needs (each strategy's pathway and parameters, the economic inputs,
the discount rates, the cohort size) and what no sample changes, worked out once per run (each
strategy's compiled pathway, the plan of its cost and utility arrays); it is small and picklable,
so a cluster receives it once. A sample only updates the numbers it draws.
A task runs a batch of samples for every strategy and returns only totals (samples x strategies x
costs, QALYs, life-years), never event logs. Sample k's values are row k of the draws made up front
(``sarcoma_sim.economics.uncertainty.draw``) and its cohort's seed is keyed by (seed, k) alone, the
same for every strategy (common random numbers): results do not depend on batches or workers.

``run_psa`` runs in this process, on a local cluster (``workers``) or on an existing scheduler
(``scheduler``). Finished batches are kept in a store folder beside the output (one ``.npy`` per
batch, written atomically, under a key of every input), so an interrupted run resumes from the
samples already done.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from sarcoma_sim.cohort.params import Params
from sarcoma_sim.cohort.vectorized import CompiledPathway, compile_pathway
from sarcoma_sim.economics.accounting import Totals, cohort_totals
from sarcoma_sim.economics.inputs import EconomicInputs, RatePlan, Rates, rate_plan
from sarcoma_sim.economics.paramset import changed_states, with_params
from sarcoma_sim.economics.strategies import Analysis, apply_strategy
from sarcoma_sim.economics.uncertainty import sample_seed
from sarcoma_sim.pathways.model import Pathway


@dataclass(frozen=True)
class Model:
    """Everything a sample needs: per strategy (id, pathway, params); inputs; discounting; n; and
    what no sample changes, worked out once per run: each strategy's compiled pathway and the plan
    of its cost and utility arrays (with the files' values)."""

    strategies: tuple[tuple[str, Pathway, Params], ...]
    inputs: EconomicInputs
    discount: dict[str, float]
    n: int
    compiled: tuple[CompiledPathway, ...] = field(default=(), repr=False, compare=False)
    plans: tuple[RatePlan, ...] = field(default=(), repr=False, compare=False)
    base_rates: tuple[Rates, ...] = field(default=(), repr=False, compare=False)

    @property
    def names(self) -> list[str]:
        """Strategy ids in file order."""
        return [s for s, _, _ in self.strategies]


def build_model(pathway: Pathway, params: Params, analysis: Analysis, inputs: EconomicInputs, n: int,
                params_path: str | Path | None = None) -> Model:
    """The model of ``analysis``: strategies applied, pathways compiled and cost arrays planned once, here."""
    variants = tuple((s.id, *apply_strategy(pathway, params, analysis, s, params_path)) for s in analysis.strategies)
    plans = tuple(rate_plan(inputs, p) for _, p, _ in variants)
    return Model(variants, inputs, dict(analysis.discount), int(n),
                 tuple(compile_pathway(p, q) for _, p, q in variants), plans, tuple(plan.rates() for plan in plans))


def run_sample(model: Model, paths: list[str], row: np.ndarray | None, seed: int,
               keep: bool = False) -> list[Totals]:
    """Totals of every strategy with the values ``row`` at ``paths`` (None: the files' values).

    Only what the sample changes is rebuilt: the compiled pathway's times and probabilities when it
    sets a parameter (its transitions are the model's), the cost arrays when it sets an input."""
    values = dict(zip(paths, row.tolist())) if row is not None else {}
    param_values = {p[len("params."):]: v for p, v in values.items() if p.startswith("params.")}
    input_values = {p: v for p, v in values.items() if not p.startswith("params.")}
    touched = changed_states(param_values)
    result = []
    for i, (_, pathway, params) in enumerate(model.strategies):
        compiled = model.compiled[i] if model.compiled else compile_pathway(pathway, params)
        if param_values:
            params = with_params(params, param_values)
            compiled = compile_pathway(pathway, params, like=compiled, changed=touched)
        if input_values or not model.plans:
            rate = (model.plans[i] if model.plans else rate_plan(model.inputs, pathway)).rates(input_values)
        else:
            rate = model.base_rates[i]
        result.append(cohort_totals(pathway, params, rate, model.discount, model.n, seed, keep=keep,
                                    compiled=compiled))
    return result


def base_case(model: Model, seed: int) -> list[Totals]:
    """The deterministic base case: the files' values, one cohort of ``model.n`` per strategy on the
    same seed, per-patient values kept (for the standard errors of differences)."""
    return run_sample(model, [], None, seed, keep=True)


def run_batch(model: Model, paths: list[str], rows: np.ndarray, first: int, seed: int) -> np.ndarray:
    """(len(rows), strategies, 3) mean costs, QALYs, life-years of samples ``first ..``."""
    out = np.empty((len(rows), len(model.strategies), 3))
    for i, row in enumerate(rows):
        out[i] = [t.means for t in run_sample(model, paths, row, sample_seed(seed, first + i))]
    return out


def store_key(parts: dict) -> str:
    """A short hash of everything a stored batch depends on."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


class BatchStore:
    """Finished batches on disk (``batch-00003.npy``), under a key; another key starts afresh."""

    def __init__(self, folder: Path, key: str):
        self.folder = folder
        folder.mkdir(exist_ok=True)
        stamp = folder / "key.txt"
        if not stamp.exists() or stamp.read_text() != key:
            for old in folder.glob("batch-*.npy"):
                old.unlink()
            stamp.write_text(key)

    def _path(self, batch: int) -> Path:
        return self.folder / f"batch-{batch:05d}.npy"

    def get(self, batch: int) -> np.ndarray | None:
        """A stored batch, or None."""
        path = self._path(batch)
        try:
            return np.load(path) if path.exists() else None
        except (OSError, ValueError):
            return None        # a batch half-written by a killed run is simply run again

    def put(self, batch: int, values: np.ndarray) -> None:
        """Store a batch atomically (write, then rename)."""
        tmp = self.folder / f".batch-{batch:05d}.tmp.npy"
        np.save(tmp, values)
        os.replace(tmp, self._path(batch))

    def remove(self) -> None:
        """Delete the store once its results are written."""
        for path in self.folder.iterdir():
            path.unlink()
        self.folder.rmdir()


def run_psa(model: Model, paths: list[str], draws: np.ndarray, seed: int, batch_size: int = 10,
            workers: int | None = None, scheduler: str | None = None, store: BatchStore | None = None,
            progress: Callable[[int, int], None] | None = None, processes: bool = True) -> np.ndarray:
    """(samples, strategies, 3) results of every sample: in this process (no ``workers`` nor
    ``scheduler``), on a local dask cluster of ``workers`` or on the dask ``scheduler`` at that address."""
    samples = len(draws)
    batches = [(b, lo, min(samples, lo + batch_size)) for b, lo in enumerate(range(0, samples, batch_size))]
    out = np.empty((samples, len(model.strategies), 3))
    todo = []
    done = 0
    for b, lo, hi in batches:
        stored = store.get(b) if store is not None else None
        if stored is not None and stored.shape == (hi - lo, len(model.strategies), 3):
            out[lo:hi] = stored
            done += hi - lo
        else:
            todo.append((b, lo, hi))
    if progress is not None:
        progress(done, samples)

    def finish(b: int, lo: int, hi: int, values: np.ndarray) -> None:
        nonlocal done
        out[lo:hi] = values
        if store is not None:
            store.put(b, values)
        done += hi - lo
        if progress is not None:
            progress(done, samples)

    if not todo:
        return out
    if workers is None and scheduler is None:
        for b, lo, hi in todo:
            finish(b, lo, hi, run_batch(model, paths, draws[lo:hi], lo, seed))
        return out
    from sarcoma_sim.economics.cluster import run_on_dask
    run_on_dask(run_batch, model, paths, draws, seed, todo, finish, workers, scheduler, processes)
    return out
