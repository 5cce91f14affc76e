"""Benchmark of the diagram layout (not a test): time to lay out and to draw long pathways.

    python benchmarks/layout.py [--sizes 10 30 60 120] [--repeats 3]

Each pathway has the shape of the reliability reproducer r08 (tests/data/reproducers/
r08_draw_45_states.yaml): a workup, a chain of N-2 therapy states, one line of therapy each,
where progression leads to the next line and intolerance from every line ends the pathway, so
long arrows cross many columns. For each N it prints the median wall time (time.perf_counter,
after one warm-up) of the layout alone (``diagram_layout``, fonts measured with matplotlib) and of
a whole PNG drawing (``save_pathway_drawing``).

Target (issue 13, item 11): a 60-state pathway draws in under 5 s on the project's 2-core machine,
and time grows near-linearly with the number of states.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sarcoma_sim.pathways.draw import diagram_layout, save_pathway_drawing
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.load import parse_pathway


def chain_pathway_text(n_states: int) -> str:
    """A valid pathway of ``n_states`` states: workup, a chain of therapy lines, one end state."""
    lines = ["id: chain", "name: Chain", "initial: workup",
             "monitoring: {imaging_interval_months: {min: 2, max: 3}, sources: [source-guideline]}",
             "sources: [{id: source-guideline, citation: g}]", "states:",
             "  workup: {kind: workup, label: W}"]
    therapies = max(1, n_states - 2)
    for i in range(therapies):
        lines.append(f"  s{i}: {{kind: therapy, label: S{i}, regimen: {{drugs: [imatinib], line: {i + 1}}},"
                     " sources: [source-guideline]}")
    lines += ["  done: {kind: terminal, label: E}", "transitions:",
              "- {event: start, from: workup, to: s0, sources: [source-guideline]}"]
    for i in range(therapies):
        if i + 1 < therapies:
            lines.append(f"- {{event: progression, from: s{i}, to: s{i + 1}, sources: [source-guideline]}}")
        else:
            lines.append(f"- {{event: progression, from: s{i}, to: done}}")
        lines.append(f"- {{event: intolerance, from: s{i}, to: done}}")
    return "\n".join(lines) + "\n"


def _median_time(run, repeats: int) -> float:
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> None:
    """Print the layout and drawing time per state count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 30, 60, 120])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'states':>6} {'edges':>6} {'layout s':>9} {'draw PNG s':>11} {'draw ms/state':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            pathway = parse_pathway(chain_pathway_text(n), f"chain{n}.yaml")
            graph = build_graph(pathway)
            layout_s = _median_time(lambda: diagram_layout(graph), args.repeats)
            out = Path(tmp) / f"chain{n}.png"
            draw_s = _median_time(lambda: save_pathway_drawing(pathway, out), args.repeats)
            print(f"{n:>6} {graph.number_of_edges():>6} {layout_s:>9.3f} {draw_s:>11.3f} "
                  f"{1000 * draw_s / n:>14.1f}")


if __name__ == "__main__":
    main()
