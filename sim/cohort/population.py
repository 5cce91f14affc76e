"""Hypothetical patients drawn from a subtype's population: their markers, from the prevalences.

Each patient belongs to one population group of the parameter file (a GIST genotype, ALK
positive or negative, ...), drawn with the group prevalences. Patient i's group is decided by
the i-th number of its block's stream alone, so patient i is the same in a cohort of 10 and in
a cohort of a million, and a chunk of patients can be drawn on its own (``start``).
"""

from __future__ import annotations

import numpy as np

from sarcoma_sim.cohort.params import Params
from sarcoma_sim.cohort.streams import BLOCK, POPULATION, blocks, check_seed, stream
from sarcoma_sim.pathways.model import Pathway


def group_thresholds(params: Params) -> np.ndarray:
    """Cumulative prevalences (last exactly 1): a uniform u falls in group ``searchsorted(c, u, 'right')``."""
    prevalences = np.array([g.prevalence.value for g in params.population], dtype=np.float64)
    cumulative = np.cumsum(prevalences) / prevalences.sum()
    cumulative[-1] = 1.0
    return cumulative


def sample_groups(params: Params, n: int, seed: int, start: int = 0) -> np.ndarray:
    """Population group index (into ``params.population``) of patients ``start .. start+n-1``."""
    seed = check_seed(seed)
    thresholds = group_thresholds(params)
    out = np.empty(n, dtype=np.int16)
    stop = start + n
    for block in blocks(start, stop):
        lo, hi = max(start, block * BLOCK), min(stop, (block + 1) * BLOCK)
        # The whole block is always drawn, so a patient's number never depends on the cohort size.
        u = stream(seed, POPULATION, block).random(BLOCK)[lo - block * BLOCK:hi - block * BLOCK]
        out[lo - start:hi - start] = _group_of(u, thresholds)
    return out


def _group_of(u: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """``searchsorted(thresholds, u, 'right')``; a few comparisons are faster for a few groups."""
    if len(thresholds) > 16:
        return np.searchsorted(thresholds, u, side="right")
    group = np.zeros(len(u), np.int16)
    for threshold in thresholds[:-1]:
        group += u >= threshold
    return group


def facts_of_groups(pathway: Pathway, params: Params, groups: np.ndarray) -> dict[str, np.ndarray]:
    """Patient attribute name -> array of values (numpy str) for the given group indices."""
    names = [a.name for a in pathway.attributes.values() if a.of == "patient"]
    return {name: np.array([g.facts[name] for g in params.population])[groups] for name in names}


def sample_patients(pathway: Pathway, params: Params, n: int, seed: int, start: int = 0) -> dict[str, np.ndarray]:
    """Patient attribute name -> values (numpy str arrays, length n) of patients ``start .. start+n-1``."""
    return facts_of_groups(pathway, params, sample_groups(params, n, seed, start))
