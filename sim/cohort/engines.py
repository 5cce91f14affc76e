"""The two cohort engines behind one call: ``simulate(pathway, params, n, seed, engine=...)``, and
``simulate_chunks`` giving the same cohort chunk by chunk.

``vectorized`` (sarcoma_sim.cohort.vectorized) compiles the pathway to arrays and is the fast one; ``stepwise``
(sarcoma_sim.cohort.stepwise) walks each patient through the real state machine and is the reference the
vectorized engine is tested against. Both return a ``CohortResult`` with the same columnar log.
"""

from __future__ import annotations

from typing import Callable, Iterator

from sarcoma_sim.cohort.eventlog import CohortResult
from sarcoma_sim.cohort.params import Params
from sarcoma_sim.cohort.streams import check_cohort_size, check_seed
from sarcoma_sim.errors import ArgumentError, ParameterError, Problem
from sarcoma_sim.pathways.model import Pathway

ENGINES = ("vectorized", "stepwise")


def check_request(pathway: Pathway, params: Params, n, seed, engine: str) -> None:
    """Raise ``ArgumentError`` for a wrong engine name, cohort size or seed, ``ParameterError`` for
    parameters of another subtype."""
    if engine not in ENGINES:
        raise ArgumentError("engine", f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    check_cohort_size(n)
    check_seed(seed)
    if params.subtype != pathway.id:
        raise ParameterError(Problem(params.origin, None, "subtype",
                                     f"these parameters are for {params.subtype!r}, not for the pathway "
                                     f"{pathway.id!r}"))


def simulate(pathway: Pathway, params: Params, n: int, seed: int, engine: str = "vectorized",
             progress: Callable[[int, int], None] | None = None) -> CohortResult:
    """Simulate ``n`` hypothetical patients with ``engine``; ``progress(done, total)`` as they finish."""
    check_request(pathway, params, n, seed, engine)
    if engine == "stepwise":
        from sarcoma_sim.cohort.stepwise import simulate_stepwise
        return simulate_stepwise(pathway, params, int(n), int(seed), progress=progress)
    from sarcoma_sim.cohort.vectorized import simulate_vectorized
    return simulate_vectorized(pathway, params, int(n), int(seed), progress=progress)


def simulate_chunks(pathway: Pathway, params: Params, n: int, seed: int, engine: str = "vectorized",
                    chunk_size: int = 100_000,
                    progress: Callable[[int, int], None] | None = None) -> Iterator[CohortResult]:
    """The cohort ``simulate`` would return, as consecutive chunks of ``chunk_size`` patients (patient
    numbers global; the same patients, seed for seed), for summaries and files of any size in
    bounded memory."""
    check_request(pathway, params, n, seed, engine)
    n, seed = int(n), int(seed)
    if engine == "vectorized":
        from sarcoma_sim.cohort.vectorized import vectorized_chunks
        yield from vectorized_chunks(pathway, params, n, seed, chunk_size, progress)
        return
    from sarcoma_sim.cohort.stepwise import simulate_stepwise
    for lo in range(0, n, chunk_size):
        size = min(chunk_size, n - lo)
        yield simulate_stepwise(pathway, params, size, seed, start=lo)
        if progress is not None:
            progress(lo + size, n)
