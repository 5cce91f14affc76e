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


def run_on_dask(run_batch: Callable, model, paths: list[str], draws: np.ndarray, seed: int,
                todo: list[tuple[int, int, int]], finish: Callable[[int, int, int, np.ndarray], None],
                workers: int | None, scheduler: str | None, processes: bool = True) -> None:
    """Run ``todo`` batches ``(batch, first, stop)`` of ``run_batch(model, paths, rows, first, seed)``
    on dask; ``finish`` each result."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if scheduler is not None:
            client = Client(scheduler, timeout="10s")
        else:
            # ":0": any free port for the cluster's web endpoints, never one another cluster already holds.
            cluster = LocalCluster(n_workers=int(workers or 1), threads_per_worker=1, processes=processes,
                                   dashboard_address=":0", silence_logs=logging.ERROR)
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
