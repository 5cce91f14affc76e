"""Where every random number comes from: independent streams derived from the user's seed.

A stream is a ``numpy.random.Generator`` (PCG64) seeded by ``SeedSequence(seed, spawn_key=key)``;
different keys give statistically independent streams. Keys start with a purpose, so the
population, the two engines and any later use never share numbers. Patients are grouped in
fixed blocks of ``BLOCK`` (independent of cohort size and chunk size), which is what makes
patient i the same whatever n. ``check_seed`` and ``check_cohort_size`` (from
``sarcoma_sim.arguments``) are re-exported for the engines.
"""

from __future__ import annotations

import numpy as np

from sarcoma_sim.arguments import check_cohort_size, check_seed

BLOCK = 100_000            # patients per stream block; never change it lightly: it fixes every cohort

POPULATION = 0             # one stream per block: the patients' markers
VECTORIZED = 1             # per (block, step): standard exponential variates, one row per moving patient
STEPWISE = 3               # per patient: everything the stepwise engine draws for that patient


__all__ = ["BLOCK", "POPULATION", "STEPWISE", "VECTORIZED", "blocks", "check_cohort_size", "check_seed", "stream"]


def stream(seed: int, purpose: int, *key: int) -> np.random.Generator:
    """The generator for ``(purpose, *key)`` under ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(purpose, *key))))


def blocks(start: int, stop: int) -> range:
    """Indices of the stream blocks that patients ``start .. stop-1`` belong to."""
    if stop <= start:
        return range(0)
    return range(start // BLOCK, (stop - 1) // BLOCK + 1)
