"""Benchmark of the probabilistic sensitivity analysis (not a test): GIST, 2 strategies, on dask.

    python benchmarks/psa.py [--samples 1000] [--n 100000] [--workers 2] [--scaling-samples 100]
                             [--repeats 5] [--batch-size 10]

The worked example (sarcoma_sim/economics/data: imatinib 400 v 800 mg for KIT exon 9 GIST, six
uncertain inputs) run as ``sarcoma-sim psa`` runs it. Prints, each as a median over ``--repeats``
samples after one warm-up sample, in this process:
- one PSA sample (both strategies, ``--n`` patients each) end to end (wall and CPU), beside the same
  samples run as the first version ran them (every pathway compiled afresh each sample), and its
  parts: the simulation alone (the engine's steps, nothing folded), the accounting alone (folding
  those steps into discounted costs, QALYs and life-years), and the per-sample overhead (sampled
  values applied, cost arrays built, the compiled pathway's numbers updated), each timed on its own;
then on a dask.distributed LocalCluster (worker processes, one thread each):
- scaling: ``--scaling-samples`` samples on 1 worker and on 2, wall time and the ratio;
- the target run: ``--samples`` samples on ``--workers`` workers, wall time, simulated trajectories
  per second, and peak memory (VmHWM) of this process and of each worker process.
Target (issue 22, on the project's 2-core machine): 1,000 samples x 100,000 patients x 2
strategies under 3 minutes and under 0.5 GB peak. hesim's published figure is printed beside it,
named as another machine's: it is not a comparison on equal hardware.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from importlib import resources
from pathlib import Path

import numpy as np

from sarcoma_sim.cohort.params import load_params
from sarcoma_sim.cohort.vectorized import compile_pathway, vectorized_steps
from sarcoma_sim.economics.accounting import cohort_totals, step_values
from sarcoma_sim.economics.inputs import load_inputs, rates
from sarcoma_sim.economics.paramset import changed_states, with_params
from sarcoma_sim.economics.psa import build_model, run_sample
from sarcoma_sim.economics.strategies import load_analysis
from sarcoma_sim.economics.uncertainty import draw, read_uncertainty, sample_seed
from sarcoma_sim.pathways.load import load_subtype

DATA = Path(str(resources.files("sarcoma_sim.economics").joinpath("data")))
SEED = 1
HESIM = ("hesim (R package with a C++ core; figure as quoted in issue 22, from its authors' benchmarks, "
         "not re-measured here): 2 strategies x 1,000 patients x 1,000 PSA samples in about 11 s, about 1.8e5 "
         "trajectories/s, on its authors' machine")


def peak_rss_mb(pid: int | str = "self") -> float:
    """A process's peak resident set size in MB (Linux VmHWM)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def setup(n: int, samples: int):
    """The worked example's model for ``n`` patients and ``samples`` draws."""
    pathway = load_subtype("gist")
    params = load_params(pathway)
    analysis = load_analysis(DATA / "gist-exon9-strategies.yaml", pathway, params)
    inputs = load_inputs(DATA / "gist-costs.yaml", pathway)
    model = build_model(pathway, params, analysis, inputs, n)
    entries = read_uncertainty(analysis.document, [p for _, _, p in model.strategies], inputs)
    paths, draws = draw(entries, samples, SEED)
    return model, paths, draws


def run_sample_recompiling(model, paths, row, seed):
    """One sample as the first version ran it (the comparison of ``per_sample``): every strategy's
    pathway compiled afresh and its cost arrays rebuilt from the file's values, whatever changed."""
    values = dict(zip(paths, row.tolist()))
    param_values = {p[len("params."):]: v for p, v in values.items() if p.startswith("params.")}
    input_values = {p: v for p, v in values.items() if not p.startswith("params.")}
    for _, pathway, params in model.strategies:
        sampled = with_params(params, param_values)
        cohort_totals(pathway, sampled, rates(model.inputs, pathway, input_values), model.discount, model.n, seed)


def per_sample(model, paths, draws, repeats: int) -> dict[str, float]:
    """Median seconds of one sample end to end (as ``run_sample`` runs it, and recompiling every
    sample as the first version did, alternately on the same samples), and of its parts: the sampled
    values applied and cost arrays built, the compiled pathway's numbers updated, the simulation
    alone and the accounting alone."""
    timings: dict[str, list[float]] = {key: [] for key in ("total", "cpu", "before", "before_cpu", "simulation",
                                                          "accounting", "preparing", "compiling")}
    for k in range(repeats + 1):
        row = draws[k]
        seed = sample_seed(SEED, k)
        runs = [("total", "cpu", lambda: run_sample(model, paths, row, seed)),
                ("before", "before_cpu", lambda: run_sample_recompiling(model, paths, row, seed))]
        for wall_key, cpu_key, run in runs if k % 2 else runs[::-1]:
            started, cpu_started = time.perf_counter(), time.process_time()
            run()
            if k:      # the first sample warms up
                timings[wall_key].append(time.perf_counter() - started)
                timings[cpu_key].append(time.process_time() - cpu_started)
        values = dict(zip(paths, row.tolist()))
        param_values = {p[len("params."):]: v for p, v in values.items() if p.startswith("params.")}
        input_values = {p: v for p, v in values.items() if not p.startswith("params.")}
        sim = acc = prep = build = 0.0
        for i, (_, pathway, params) in enumerate(model.strategies):
            started = time.perf_counter()
            sampled = with_params(params, param_values)
            rate = model.plans[i].rates(input_values)
            prep += time.perf_counter() - started
            started = time.perf_counter()
            compiled = compile_pathway(pathway, sampled, like=model.compiled[i], changed=changed_states(param_values))
            build += time.perf_counter() - started
            started = time.perf_counter()
            chunks = list(vectorized_steps(pathway, sampled, model.n, seed, compiled=compiled))
            sim += time.perf_counter() - started
            started = time.perf_counter()
            for _, size, initial, steps in chunks:
                step_values(steps, initial, size, rate, model.discount)
            acc += time.perf_counter() - started
            del chunks
        if k:
            for key, value in (("simulation", sim), ("accounting", acc), ("preparing", prep), ("compiling", build)):
                timings[key].append(value)
    return {key: statistics.median(values) for key, values in timings.items()}


def on_cluster(model, paths, draws, workers: int, batch_size: int) -> tuple[float, float, float, list[float]]:
    """(seconds to start a LocalCluster of ``workers`` processes, wall seconds of the run on it, CPU
    seconds its processes spent in the run, the peak MB of each process the cluster started)."""
    import psutil

    from sarcoma_sim.economics.cluster import local_cluster, run_on_dask
    from sarcoma_sim.economics.psa import run_batch

    out = np.empty((len(draws), len(model.strategies), 3))
    todo = [(b, lo, min(len(draws), lo + batch_size)) for b, lo in enumerate(range(0, len(draws), batch_size))]

    def finish(b, lo, hi, values):
        out[lo:hi] = values

    started = time.perf_counter()
    with local_cluster(workers) as cluster:
        startup = time.perf_counter() - started
        children = psutil.Process().children(recursive=True)
        cpu_before = sum(sum(c.cpu_times()[:2]) for c in children)
        started = time.perf_counter()
        run_on_dask(run_batch, model, paths, draws, SEED, todo, finish, None, cluster.scheduler_address)
        elapsed = time.perf_counter() - started
        cpu = sum(sum(c.cpu_times()[:2]) for c in children) - cpu_before
        peaks = sorted(peak_rss_mb(child.pid) for child in children)
    return startup, elapsed, cpu, peaks


def main() -> None:
    """Run and print the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scaling-samples", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--in-process-only", action="store_true", help="only the per-sample figures")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, numpy {np.__version__}; load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} (other processes share the cores: CPU seconds are "
          "the figures that do not depend on them)")
    model, paths, draws = setup(args.n, args.samples)
    strategies = len(model.strategies)
    part = per_sample(model, paths, draws, args.repeats)
    print(f"\none PSA sample ({strategies} strategies x {args.n:,} patients), median of {args.repeats}:")
    print(f"  end to end   {part['total']:.3f} s wall, {part['cpu']:.3f} s CPU")
    print(f"  the same samples recompiling every strategy each sample (the first version): {part['before']:.3f} s "
          f"wall, {part['before_cpu']:.3f} s CPU")
    print(f"  simulation   {part['simulation']:.3f} s (the pathway compiled once per run)")
    print(f"  accounting   {part['accounting']:.3f} s")
    print(f"  per-sample overhead: sampled values applied and rates built {part['preparing'] * 1000:.2f} ms, "
          f"the compiled pathway's numbers updated {part['compiling'] * 1000:.2f} ms "
          f"({(part['preparing'] + part['compiling']) / part['total']:.1%} of the sample)")
    print(f"  one process would take {part['total'] * args.samples:.0f} s for {args.samples} samples at this wall "
          f"time; {part['cpu'] * args.samples:.0f} s of CPU")
    if args.in_process_only:
        return

    scaling = {}
    for workers in (1, 2):
        startup, scaling[workers], cpu, _ = on_cluster(model, paths, draws[:args.scaling_samples], workers,
                                                       args.batch_size)
        print(f"\nLocalCluster of {workers} worker(s): started in {startup:.1f} s; {args.scaling_samples} samples "
              f"in {scaling[workers]:.1f} s wall ({scaling[workers] / args.scaling_samples:.3f} s a sample), "
              f"{cpu / args.scaling_samples:.3f} s of CPU a sample")
    print(f"scaling: 2 workers {scaling[1] / scaling[2]:.2f}x as fast as 1")

    startup, wall, cpu, peaks = on_cluster(model, paths, draws, args.workers, args.batch_size)
    trajectories = args.samples * args.n * strategies
    print(f"\ntarget run: {args.samples:,} samples x {args.n:,} patients x {strategies} strategies = "
          f"{trajectories:.2e} trajectories on {args.workers} workers: {wall:.1f} s after a {startup:.1f} s start "
          f"({trajectories / wall:.2e} trajectories/s; target under 180 s); {cpu:.0f} s of CPU, so "
          f"{cpu / args.workers:.0f} s of wall on {args.workers} otherwise idle cores")
    print(f"peak memory (VmHWM): this process {peak_rss_mb():.0f} MB; the cluster's processes (workers and "
          f"nannies) {', '.join(f'{p:.0f}' for p in peaks)} MB; total {peak_rss_mb() + sum(peaks):.0f} MB "
          "(target under 500 MB)")
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"\nbeside it, another machine's figure: {HESIM}")


if __name__ == "__main__":
    main()
