"""Benchmark of the diagram layout (not a test): quality against Graphviz ``dot``, and speed.

    python benchmarks/layout.py quality [--direction right down]
    python benchmarks/layout.py timings [--repeats 3]
    python benchmarks/layout.py chain [--sizes 10 30 60 120] [--repeats 3]

``quality`` prints, per shipped subtype and direction, the edge crossings, total edge length (in)
and drawing area (sq in) of the project's layout (``diagram_layout``, fonts measured with
matplotlib) and of ``dot`` on the DOT export (``sarcoma-sim export SUBTYPE --format dot``, with
``rankdir`` LR or TB and the title removed), both measured by ``sarcoma_sim.pathways.layout.quality``:
every arrow a polyline of its Bézier segments, a crossing a point where two arrows meet outside
every node box. Target (issue 21): crossings no more than dot's on every subtype, both directions.

``timings`` prints the median wall time of the commands a teacher runs (each in a fresh process,
so nothing is cached between runs): ``draw --all -o DIR --handout handout.pdf`` (target under 15 s
on the project's 2-core machine) and GIST at ``--size slide`` (target under 3 s).

``chain`` times pathways with the shape of the reliability reproducer r08 (a workup, a chain of
N-2 therapy lines, intolerance from every line ending the pathway, so long arrows cross many
columns): the layout alone and a whole PNG drawing (target, issue 13: 60 states under 5 s).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sarcoma_sim.pathways.draw import diagram_layout, save_pathway_drawing
from sarcoma_sim.pathways.export import to_dot
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.layout.quality import dot_drawing, layout_drawing, measure
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype, parse_pathway


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


def _median_time(run, repeats: int, warm_up: bool = True) -> float:
    if warm_up:
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _layout(graph, direction: str):
    if direction == "right":
        return diagram_layout(graph)
    return diagram_layout(graph, direction=direction)


def quality_rows(directions=("right", "down"), subtypes=None) -> list[tuple]:
    """``(subtype, direction, project Quality, dot Quality)`` per shipped subtype and direction."""
    rows = []
    for subtype in subtypes or SUBTYPE_IDS:
        graph = build_graph(load_subtype(subtype))
        for direction in directions:
            ours = measure(layout_drawing(_layout(graph, direction)))
            theirs = measure(dot_drawing(to_dot(graph), direction))
            rows.append((subtype, direction, ours, theirs))
    return rows


def quality(args) -> None:
    """Print the crossing, length and area table, project v dot."""
    if shutil.which("dot") is None:
        sys.exit("error: Graphviz dot is not on PATH; expected it for the comparison")
    print(f"{'subtype':<16} {'dir':<5} {'crossings':>15} {'edge length in':>17} {'area sq in':>17}")
    print(f"{'':<16} {'':<5} {'ours':>7} {'dot':>7} {'ours':>8} {'dot':>8} {'ours':>8} {'dot':>8}")
    worse = []
    for subtype, direction, ours, theirs in quality_rows(args.direction):
        flag = " <-- more than dot" if ours.crossings > theirs.crossings else ""
        if flag:
            worse.append((subtype, direction))
        print(f"{subtype:<16} {direction:<5} {ours.crossings:>7} {theirs.crossings:>7} {ours.length:>8.1f} "
              f"{theirs.length:>8.1f} {ours.area:>8.1f} {theirs.area:>8.1f}{flag}")
    print(f"subtypes with more crossings than dot: {len(worse)}")


def timings(args) -> None:
    """Print the median wall time of the teacher's commands, each in a fresh process."""
    cli = [sys.executable, "-m", "sarcoma_sim"]
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "draw --all -o out/ --handout handout.pdf": [*cli, "draw", "--all", "-o", f"{tmp}/out",
                                                         "--handout", f"{tmp}/handout.pdf"],
            "draw gist -o gist.svg --size slide": [*cli, "draw", "gist", "-o", f"{tmp}/gist.svg", "--size", "slide"],
            "draw gist -o gist.pdf --size slide --direction down": [
                *cli, "draw", "gist", "-o", f"{tmp}/gist-down.pdf", "--size", "slide", "--direction", "down"],
        }
        for name, command in commands.items():
            def run() -> None:
                subprocess.run(command, check=True, capture_output=True)
            try:
                print(f"{name:<56} {_median_time(run, args.repeats, warm_up=False):>7.2f} s (median of {args.repeats})")
            except subprocess.CalledProcessError as error:
                print(f"{name:<56} failed: {error.stderr.decode(errors='replace').strip()[-200:]}")


def chain(args) -> None:
    """Print the layout and drawing time per state count."""
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


def main(argv=None) -> None:
    """Run one of the benchmarks (``quality``, ``timings`` or ``chain``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_subparsers(dest="which", required=True)
    q = which.add_parser("quality", help="crossings, edge length and area against dot")
    q.add_argument("--direction", nargs="+", choices=("right", "down"), default=["right", "down"])
    q.set_defaults(run=quality)
    t = which.add_parser("timings", help="wall time of draw --all with the handout and of GIST's slides")
    t.add_argument("--repeats", type=int, default=3)
    t.set_defaults(run=timings)
    c = which.add_parser("chain", help="layout and drawing time of long chain pathways")
    c.add_argument("--sizes", type=int, nargs="+", default=[10, 30, 60, 120])
    c.add_argument("--repeats", type=int, default=3)
    c.set_defaults(run=chain)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
