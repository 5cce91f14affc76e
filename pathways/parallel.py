"""Drawing several pathways at once, in worker processes (``draw --all``).

Each pathway is drawn on its own, and so is each part of the handout (``sarcoma_sim.pathways.handout``):
``in_workers`` hands them to a pool of processes, the largest pathways first (``largest_first``),
and what a worker cut comes back to this process (``remember_panels``) for the drawings made here
(the gallery's table). The drawings are the same whichever process made them: a cut is decided
from the pathway and the preset alone. With one worker everything runs in this process.
"""

from __future__ import annotations

import os
from typing import Callable, Sequence, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def available_cpus() -> int:
    """The number of CPUs this process may run on (its affinity where the system says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:   # not on every platform (macOS, Windows)
        return max(1, os.cpu_count() or 1)


def in_workers(function: Callable[[Item], Result], items: Sequence[Item], workers: int) -> list[Result]:
    """``[function(item) for item in items]``, in ``workers`` processes; in order, whichever finished first.

    ``function`` is a module-level function (the workers import it by name). One worker, or one
    item, runs in this process and starts nothing. A failure cancels what has not started.
    """
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawned, not forked: a fork copies the parent's threads' locks (a web server's, a
    # notebook's) in whatever state they were
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=context) as pool:
        futures = [pool.submit(function, item) for item in items]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def largest_first(subtypes: Sequence[str]) -> list[str]:
    """Shipped subtypes by their number of states, largest first, so that no worker is left
    drawing GIST alone at the end (ties keep their order)."""
    from sarcoma_sim.pathways.load import load_subtype

    return sorted(subtypes, key=lambda s: -len(load_subtype(s).states))
