"""Drawing several pathways at once, in worker processes (``draw --all``).

Each pathway is drawn on its own, and cutting it into panels that fit a slide or a page is most of
its time: ``in_workers`` hands the pathways to a pool of processes, and what a worker cut comes
back to this process (``remember_panels``) for the drawings made here (the handout, the gallery's
table); ``in_background`` lets this process draw the handout's first pathway while the workers
still cut the others. The drawings are the same whichever process made them: a cut is decided
from the pathway and the preset alone. With one worker everything runs in this process.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Callable, Iterator, Sequence, TypeVar

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
    item, runs in this process and starts nothing.
    """
    with in_background(function, items, workers) as result:
        return [result(i) for i in range(len(items))]


@contextmanager
def in_background(function: Callable[[Item], Result], items: Sequence[Item],
                  workers: int) -> Iterator[Callable[[int], Result]]:
    """Start ``function(item)`` for every item in ``workers`` processes and give ``result``:
    ``result(i)`` waits for the ``i``-th item's result. So this process can go on with what needs
    the first results (the handout's first pathway) while the workers make the rest, rather than
    wait for them all. One worker, or one item, starts nothing: ``result(i)`` computes it here, once.
    Leaving the block waits for the workers (a failure cancels what has not started)."""
    if workers <= 1 or len(items) <= 1:
        done: dict[int, Result] = {}

        def here(i: int) -> Result:
            if i not in done:
                done[i] = function(items[i])
            return done[i]

        yield here
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawned, not forked: a fork copies the parent's threads' locks (a web server's, a
    # notebook's) in whatever state they were
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=context) as pool:
        futures = [pool.submit(function, item) for item in items]
        try:
            yield lambda i: futures[i].result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def largest_first(subtypes: Sequence[str]) -> list[str]:
    """Shipped subtypes by their number of states, largest first, so that no worker is left
    drawing GIST alone at the end (ties keep their order)."""
    from sarcoma_sim.pathways.load import load_subtype

    return sorted(subtypes, key=lambda s: -len(load_subtype(s).states))
