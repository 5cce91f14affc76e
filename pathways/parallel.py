"""Cutting several pathways into panels at once, in worker processes (``draw --all``).

Cutting a pathway into panels that fit a slide or a page is most of a drawing's time, and each
pathway is cut on its own: ``cut_in_parallel`` hands the pathways to a pool of processes and keeps
what they return in this process's cache, so drawing the panels afterwards lays out only the
finished panels. The panels are the same whichever process cut them (the cut is deterministic,
decided from the pathway and the preset alone); one worker cuts them in this process.
"""

from __future__ import annotations

import os
from typing import Sequence

# A cut request: (shipped subtype id, preset name, direction).
Request = tuple[str, str, str]


def available_cpus() -> int:
    """The number of CPUs this process may run on (its affinity where the system says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:   # not on every platform (macOS, Windows)
        return max(1, os.cpu_count() or 1)


def cut_in_parallel(requests: Sequence[Request], workers: int) -> None:
    """Cut each requested (subtype, preset, direction) into panels with ``workers`` processes.

    The results fill ``preset_panels``' cache in this process. With one worker, or one request,
    nothing is started: the panels are cut when they are first drawn, as without this call.
    """
    from sarcoma_sim.pathways.draw import remember_panels

    requests = list(dict.fromkeys(requests))
    if workers <= 1 or len(requests) <= 1:
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # the largest pathways first, so no worker is left cutting GIST alone at the end
    requests.sort(key=_size, reverse=True)
    # spawned, not forked: a fork copies the parent's threads' locks (a web server's, a
    # notebook's) in whatever state they were
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(requests)), mp_context=context) as pool:
        for request, panels in zip(requests, pool.map(_cut, requests)):
            remember_panels(request[0], request[1], request[2], panels)


def _size(request: Request) -> int:
    from sarcoma_sim.pathways.load import load_subtype

    return len(load_subtype(request[0]).states)


def _cut(request: Request) -> list:
    """In a worker: the panels of one request."""
    from sarcoma_sim.pathways.draw import PRESETS, preset_panels
    from sarcoma_sim.pathways.load import load_subtype

    subtype, preset, direction = request
    return preset_panels(load_subtype(subtype), PRESETS[preset], direction=direction)
