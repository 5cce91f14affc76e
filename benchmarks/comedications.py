"""Benchmark of a scenario with many co-medications (not a test): near-linear, not quadratic (issue 13 item 10).

    python benchmarks/comedications.py [--counts 5000,10000,20000,40000]

For each count, writes a DFSP scenario whose patient lists that many distinct co-medications (plus
one strong CYP3A4 inducer), then times reading, running and rendering it as ``sarcoma-sim run``
does (in-process, median of three). Before the fix, 20,000 took 30 s and 40,000 took 270 s; the
time per 1,000 drugs should stay about flat as the count doubles.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def time_run(path: Path) -> float:
    """Seconds to load, run and render the scenario at ``path``."""
    from sarcoma_sim.cli.run import render_text
    from sarcoma_sim.patient.scenario import load_scenario, run_scenario

    started = time.perf_counter()
    scenario = load_scenario(path)
    render_text(scenario, run_scenario(scenario))
    return time.perf_counter() - started


def main() -> None:
    """Print the time for each count of co-medications."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="5000,10000,20000,40000")
    counts = [int(c) for c in parser.parse_args().counts.split(",")]
    print(f"{'drugs':>8}  {'seconds':>8}  {'ms per 1,000 drugs':>18}")
    with tempfile.TemporaryDirectory() as folder:
        for count in counts:
            drugs = ", ".join([f"drug{i}" for i in range(count)] + ["rifampicin"])
            path = Path(folder) / f"meds{count}.yaml"
            path.write_text(f"patient: {{subtype: dfsp, comedications: [{drugs}]}}\nstart: 0\n", encoding="utf-8")
            seconds = statistics.median(time_run(path) for _ in range(3))
            print(f"{count:>8,}  {seconds:>8.3f}  {1000 * seconds / count * 1000:>18.2f}")


if __name__ == "__main__":
    main()
