"""Running PSA batches on dask.distributed: a local cluster of processes, or an existing scheduler.

Only this module imports dask. The model is scattered to the workers once; each batch is a task
returning its totals, collected as they finish (so progress and the batch store advance as they
come), in any order: a batch's result depends only on its samples, never on the worker.
"""

from __future__ import annotations

import logging
from typing import Callable

import numpy as np

from sarcoma_sim.errors import CommandLineError, Problem


def local_cluster(workers: int, processes: bool = True):
    """A dask LocalCluster of ``workers`` single-threaded workers for PSA batches.

    dask sets ``MALLOC_TRIM_THRESHOLD_`` in the workers it spawns, which also turns off glibc's
    adaptive mmap threshold: every large array is then mapped and faulted in afresh, and a PSA
    sample costs about 1.75x the CPU (measured with benchmarks/psa.py). Our workers keep glibc's
    defaults. ":0" puts the cluster's web endpoints on any free port, never one another cluster holds.
    """
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        return LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=processes,
                            dashboard_address=":0", silence_logs=logging.ERROR)


def run_on_dask(run_batch: Callable, model, paths: list[str], draws: np.ndarray, seed: int,
                todo: list[tuple[int, int, int]], finish: Callable[[int, int, int, np.ndarray], None],
                workers: int | None, scheduler: str | None, processes: bool = True) -> None:
    """Run ``todo`` batches ``(batch, first, stop)`` of ``run_batch(model, paths, rows, first, seed)``
    on dask; ``finish`` each result."""
    from distributed import Client, as_completed

    cluster = None
    try:
        if scheduler is not None:
            client = Client(scheduler, timeout="10s")
        else:
            cluster = local_cluster(int(workers or 1), processes)
            client = Client(cluster)
    except (OSError, TimeoutError, ValueError) as exc:
        where = f"--scheduler {scheduler}" if scheduler is not None else "--workers"
        raise CommandLineError(Problem(where, None, "", f"cannot start or reach the dask cluster: {exc}")) from None
    try:
        shared = client.scatter(model, broadcast=True)
        futures = {client.submit(run_batch, shared, paths, draws[lo:hi], lo, seed, pure=False): (b, lo, hi)
                   for b, lo, hi in todo}
        for future in as_completed(futures):
            b, lo, hi = futures[future]
            finish(b, lo, hi, future.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
