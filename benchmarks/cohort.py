"""Benchmark of the cohort engines and command (not a test): speed and memory on GIST, in one run.

    python benchmarks/cohort.py [--repeats 5] [--n 1000000] [--stepwise-n 20000] [--big-n 10000000]

Measures, each as the median wall time (time.perf_counter) over ``--repeats`` runs after one
warm-up run (the vectorized engine and the floor taking turns within each repeat, the stepwise
engine after them):
- the vectorized engine on ``--n`` GIST patients with the full event log;
- the stepwise engine (one transitions machine per patient) on ``--stepwise-n`` patients;
- the floor: numpy drawing alone the same number of random variates as the vectorized run
  (standard exponentials and uniforms, from the same bit generator, in arrays of the engine's
  sizes).
Peak memory of the vectorized run is measured first, in a fresh subprocess, so that nothing else
this script allocates counts: the subprocess's peak resident set size (Linux ``VmHWM``, else
``resource.getrusage().ru_maxrss``) before and after one run (the whole process: interpreter,
numpy, the result), and the tracemalloc peak of one run's allocations.

End to end through the command line, in this process (``sarcoma_sim.cli.dispatch.main`` with
standard output captured), median over the same repeats:
- ``sarcoma-sim cohort gist -n N --seed 1 --format json`` (simulation, chunked summary and JSON)
  against the simulation alone (the same chunks from ``simulate_chunks``, nothing else done);
- the same command with ``--engine stepwise`` on ``--stepwise-n`` patients, per patient;
- ``sarcoma-sim cohort gist -n BIG --seed 1 --format json`` once in a fresh subprocess, whose
  peak resident set size (VmHWM) is printed.

Targets (issues 5 and 11, on the project's 2-core machine): vectorized >= 100x the stepwise engine
per patient, engine alone and end to end through the command; within 5x of the floor; 10^6
patients in under 1 s; the command no more than 1.5x the simulation alone; 10^7 patients
summarised with peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

from sarcoma_sim.cli.dispatch import main as cli_main
from sarcoma_sim.cohort.engines import simulate_chunks
from sarcoma_sim.cohort.params import load_params
from sarcoma_sim.cohort.stepwise import simulate_stepwise
from sarcoma_sim.cohort.vectorized import simulate_vectorized
from sarcoma_sim.pathways.load import load_subtype

SUBTYPE = "gist"
SEED = 1


def timed(functions: dict, repeats: int) -> dict[str, list[float]]:
    """Wall times of ``repeats`` calls of each function, after one warm-up call of each.

    The functions take turns within each repeat, so a slow spell of a shared machine falls on
    all of them alike rather than on whichever happened to run then.
    """
    for function in functions.values():
        function()
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return times


def floor_function(exponentials: int, uniforms: int, reuse: bool = False, size: int = 300_000):
    """A function drawing the given numbers of standard exponential and uniform variates with numpy.

    Arrays of 300,000 exponentials (the engine draws (100,000, 3) per step) and 100,000 uniforms
    (one population block); fresh arrays as numpy returns them, or with ``reuse`` written into
    one preallocated buffer (``out=``), which leaves nothing but the generator's own work.
    """
    buffer = np.empty(size)

    def draw():
        """Draw the variates and throw them away."""
        rng = np.random.default_rng(SEED)
        for done in range(0, exponentials, size):
            k = min(size, exponentials - done)
            rng.standard_exponential(out=buffer[:k]) if reuse else rng.standard_exponential(k)
        for done in range(0, uniforms, 100_000):
            k = min(100_000, uniforms - done)
            rng.random(out=buffer[:k]) if reuse else rng.random(k)
    return draw


def peak_rss_kb() -> tuple[int, str]:
    """This process's peak resident set size in KiB, and how it was read.

    Linux's ``VmHWM`` (/proc/self/status) belongs to this process image alone; ``ru_maxrss``
    would carry over the parent's peak across fork and exec, so it is only the fallback.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]), "VmHWM"
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "ru_maxrss"


def child_memory(n: int) -> dict:
    """In this fresh process: peak RSS before and after one vectorized run, then its tracemalloc peak."""
    import tracemalloc

    pathway, params = load_subtype(SUBTYPE), load_params(SUBTYPE)
    simulate_vectorized(pathway, params, 1000, SEED)          # imports and first-call set-up
    before, how = peak_rss_kb()
    result = simulate_vectorized(pathway, params, n, SEED)
    after, _ = peak_rss_kb()
    rows = len(result.log)
    del result
    tracemalloc.start()
    simulate_vectorized(pathway, params, n, SEED)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rss_before_kb": before, "rss_after_kb": after, "how": how, "traced_peak_bytes": traced_peak,
            "rows": rows}


def command(*argv) -> None:
    """Run ``sarcoma-sim argv`` in this process with its standard output thrown away."""
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli_main([str(a) for a in argv])
    if code:
        raise SystemExit(f"sarcoma-sim {' '.join(map(str, argv))} exited {code}")


def child_command_memory(n: int) -> dict:
    """In this fresh process: run the cohort command on ``n`` patients; report peak RSS and wall time."""
    start = time.perf_counter()
    command("cohort", SUBTYPE, "-n", n, "--seed", SEED, "--format", "json", "--no-progress")
    peak, how = peak_rss_kb()
    return {"peak_kb": peak, "how": how, "seconds": time.perf_counter() - start}


def main(argv=None) -> int:
    """Run the benchmark (or, with --child-memory, the memory measurement) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n", type=int, default=1_000_000, help="vectorized cohort size")
    parser.add_argument("--stepwise-n", type=int, default=20_000, help="stepwise cohort size")
    parser.add_argument("--big-n", type=int, default=10_000_000,
                        help="cohort size of the command's memory run (0 to skip)")
    parser.add_argument("--child-memory", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-command", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_memory:
        print(json.dumps(child_memory(args.child_memory)))
        return 0
    if args.child_command:
        print(json.dumps(child_command_memory(args.child_command)))
        return 0

    # The memory child starts first, while this process is still small.
    child = subprocess.Popen([sys.executable, __file__, "--child-memory", str(args.n)],
                             stdout=subprocess.PIPE, text=True)
    memory = json.loads(child.communicate()[0])
    if child.returncode:
        raise SystemExit("the memory measurement subprocess failed")
    big = None
    if args.big_n:
        child = subprocess.Popen([sys.executable, __file__, "--child-command", str(args.big_n)],
                                 stdout=subprocess.PIPE, text=True)
        big = json.loads(child.communicate()[0])
        if child.returncode:
            raise SystemExit("the big-cohort command subprocess failed")

    pathway, params = load_subtype(SUBTYPE), load_params(SUBTYPE)
    record: dict = {}
    result = simulate_vectorized(pathway, params, args.n, SEED, record=record)
    rows = len(result.log)
    del result
    variates = record["variates"]

    times = timed({"vectorized": lambda: simulate_vectorized(pathway, params, args.n, SEED),
                   "floor": floor_function(variates["exponential"], variates["uniform"]),
                   "strict floor": floor_function(variates["exponential"], variates["uniform"], reuse=True)},
                  args.repeats)
    # The stepwise engine runs after: its many small objects fragment memory, and the huge pages
    # numpy asks for then cost the kernel a compaction, which would slow the runs that follow.
    times.update(timed({
        "command": lambda: command("cohort", SUBTYPE, "-n", args.n, "--seed", SEED, "--format", "json",
                                   "--no-progress"),
        "chunks alone": lambda: [None for _ in simulate_chunks(pathway, params, args.n, SEED)],
    }, args.repeats))
    times.update(timed({"stepwise": lambda: simulate_stepwise(pathway, params, args.stepwise_n, SEED),
                        "stepwise command": lambda: command("cohort", SUBTYPE, "-n", args.stepwise_n, "--seed", SEED,
                                                            "--engine", "stepwise", "--format", "json",
                                                            "--no-progress")},
                       args.repeats))
    vectorized, floor, stepwise = times["vectorized"], times["floor"], times["stepwise"]

    strict = times["strict floor"]
    t_vec, t_step, t_floor, t_strict = (statistics.median(x) for x in (vectorized, stepwise, floor, strict))
    per_patient_vec, per_patient_step = t_vec / args.n, t_step / args.stepwise_n
    speedup = per_patient_step / per_patient_vec
    over_floor = t_vec / t_floor
    peak_mb = memory["rss_after_kb"] / 1024
    load = os.getloadavg()

    print(f"sarcoma-sim cohort benchmark: {SUBTYPE}, seed {SEED}, median of {args.repeats} runs after a warm-up")
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print()
    print(f"{'run':<52}{'median s':>10}{'patients/s':>14}   all runs (s)")
    print(f"{f'vectorized, {args.n:,} patients, {rows:,} log rows':<52}{t_vec:>10.3f}{args.n / t_vec:>14,.0f}   "
          + " ".join(f"{x:.3f}" for x in vectorized))
    print(f"{f'stepwise, {args.stepwise_n:,} patients':<52}{t_step:>10.3f}{args.stepwise_n / t_step:>14,.0f}   "
          + " ".join(f"{x:.3f}" for x in stepwise))
    print(f"{'floor, numpy draws alone (fresh arrays)':<52}{t_floor:>10.3f}{'':>14}   "
          + " ".join(f"{x:.3f}" for x in floor))
    print(f"{'strict floor, draws into one reused buffer':<52}{t_strict:>10.3f}{'':>14}   "
          + " ".join(f"{x:.3f}" for x in strict))
    print(f"  ({variates['exponential']:,} standard exponentials + {variates['uniform']:,} uniforms, "
          "as drawn by the vectorized run)")
    print()
    print(f"vectorized vs stepwise, per patient: {speedup:,.0f}x faster")
    print(f"vectorized vs floor: {over_floor:.2f}x the floor's time ({t_vec / t_strict:.2f}x the strict floor's)")
    print(f"peak memory of one {args.n:,}-patient vectorized run in a fresh process: {peak_mb:,.0f} MB peak RSS "
          f"({memory['how']}; {memory['rss_before_kb'] / 1024:,.0f} MB before the run); tracemalloc peak of "
          f"the run's allocations {memory['traced_peak_bytes'] / 2**20:,.0f} MB")
    t_cmd, t_chunks, t_step_cmd = (statistics.median(times[k]) for k in ("command", "chunks alone",
                                                                          "stepwise command"))
    command_over_simulation = t_cmd / t_chunks
    command_speedup = (t_step_cmd / args.stepwise_n) / (t_cmd / args.n)
    print()
    print("End to end through the command line (in this process, standard output captured):")
    print(f"{f'sarcoma-sim cohort gist -n {args.n:,} --seed 1 --format json':<62}{t_cmd:>8.3f} s   "
          + " ".join(f"{x:.3f}" for x in times["command"]))
    print(f"{'  the simulation alone (the same chunks, nothing else)':<62}{t_chunks:>8.3f} s   "
          + " ".join(f"{x:.3f}" for x in times["chunks alone"]))
    print(f"{f'sarcoma-sim cohort gist -n {args.stepwise_n:,} --engine stepwise ...':<62}{t_step_cmd:>8.3f} s   "
          + " ".join(f"{x:.3f}" for x in times["stepwise command"]))
    print(f"command v simulation alone: {command_over_simulation:.2f}x the bare chunks, {t_cmd / t_vec:.2f}x "
          f"simulate() with its whole log in memory; vectorized v stepwise per patient through the command: "
          f"{command_speedup:,.0f}x")
    if big is not None:
        print(f"sarcoma-sim cohort gist -n {args.big_n:,} --seed 1 --format json in a fresh process: "
              f"{big['seconds']:.1f} s, peak RSS {big['peak_kb'] / 1024:,.0f} MB ({big['how']})")
    print()
    targets = [("vectorized >= 100x stepwise per patient", speedup >= 100),
               ("vectorized within 5x of the floor", over_floor <= 5),
               (f"{args.n:,} patients in under 1 s", t_vec < 1.0),
               ("peak memory under 1 GB", peak_mb < 1024),
               ("command no more than 1.5x the simulation alone", command_over_simulation <= 1.5),
               ("vectorized >= 100x stepwise per patient through the command", command_speedup >= 100)]
    if big is not None:
        targets.append((f"{args.big_n:,} patients summarised under 1 GB peak RSS", big["peak_kb"] / 1024 < 1024))
    for name, met in targets:
        print(f"  [{'met' if met else 'NOT MET'}] {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
