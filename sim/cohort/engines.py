"""The two cohort engines behind one call: ``simulate(pathway, params, n, seed, engine=...)``.

``vectorized`` (sarcoma_sim.cohort.vectorized) compiles the pathway to arrays and is the fast one; ``stepwise``
(sarcoma_sim.cohort.stepwise) walks each patient through the real state machine and is the reference the
vectorized engine is tested against. Both return a ``CohortResult`` with the same columnar log.
"""

from __future__ import annotations

from typing import Callable

from sarcoma_sim.errors import ArgumentError, ParameterError, Problem
from sarcoma_sim.pathways.model import Pathway
from sarcoma_sim.cohort.eventlog import CohortResult
from sarcoma_sim.cohort.params import Params
from sarcoma_sim.cohort.streams import check_cohort_size, check_seed

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
