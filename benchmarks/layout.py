"""Benchmark of the diagram layout (not a test): quality against Graphviz ``dot``, and speed.

    python benchmarks/layout.py quality [--direction right down]
    python benchmarks/layout.py timings [--repeats 3] [--against REV]
    python benchmarks/layout.py chain [--sizes 10 30 60 120] [--repeats 3]

``quality`` prints, per shipped subtype and direction, the edge crossings, total edge length (in)
and drawing area (sq in) of the project's layout (``diagram_layout``, fonts measured with
matplotlib) and of ``dot`` on the DOT export (``sarcoma-sim export SUBTYPE --format dot``, with
``rankdir`` LR or TB and the title removed), both measured by ``sarcoma_sim.pathways.layout.quality``:
every arrow a polyline of its Bézier segments, a crossing a point where two arrows meet outside
every node box. Target (issue 21): crossings no more than dot's on every subtype, both directions.

``timings`` prints the median wall time of the commands a teacher runs (each in a fresh process,
so nothing is cached between runs; ``--against REV`` times a git revision's package too, the runs
of both taken in turn, with the ratio): ``draw --all -o DIR --handout handout.pdf`` (target under 15 s
on the project's 2-core machine) and GIST at ``--size slide`` (target under 3 s).

``chain`` times pathways with the shape of the reliability reproducer r08 (a workup, a chain of
N-2 therapy lines, intolerance from every line ending the pathway, so long arrows cross many
columns): the layout alone and a whole PNG drawing (target, issue 13: 60 states under 5 s).
"""

from __future__ import annotations

import argparse
import os
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
    """Print the median wall time of the teacher's commands, each in a fresh process; with
    ``--against REV``, the same commands on that git revision too, run in turn with this tree's."""
    cli = [sys.executable, "-m", "sarcoma_sim"]
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "draw --all -o out/ --handout handout.pdf": ["draw", "--all", "-o", f"{tmp}/out",
                                                         "--handout", f"{tmp}/handout.pdf"],
            "draw gist -o gist.svg --size slide": ["draw", "gist", "-o", f"{tmp}/gist.svg", "--size", "slide"],
            "draw gist -o gist.pdf --size slide --direction down": [
                "draw", "gist", "-o", f"{tmp}/gist-down.pdf", "--size", "slide", "--direction", "down"],
        }
        trees = {"this tree": None}
        if args.against:
            trees[args.against] = _staged_revision(args.against, Path(tmp) / "against")
        print(f"load average at the start: {os.getloadavg()[0]:.1f}")
        print(f"{'command':<56} " + " ".join(f"{name[:14]:>14}" for name in trees)
              + (" REV/this" if args.against else ""))
        for name, command in commands.items():
            times: dict[str, list[float]] = {tree: [] for tree in trees}
            failed = ""
            for _ in range(args.repeats):
                for tree, path in trees.items():   # in turn, so both see the same load
                    env = {**os.environ, "PYTHONPATH": str(path)} if path else None
                    start = time.perf_counter()
                    done = subprocess.run([*cli, *command], capture_output=True, env=env)
                    times[tree].append(time.perf_counter() - start)
                    if done.returncode:
                        failed = done.stderr.decode(errors="replace").strip()[-200:]
            if failed:
                print(f"{name:<56} failed: {failed}")
                continue
            medians = [statistics.median(t) for t in times.values()]
            ratio = f" {medians[1] / medians[0]:>7.1f}x" if len(medians) == 2 else ""
            print(f"{name:<56} " + " ".join(f"{m:>12.2f} s" for m in medians) + ratio)
        print(f"medians of {args.repeats}; load average at the end: {os.getloadavg()[0]:.1f}")


def _staged_revision(revision: str, folder: Path) -> Path:
    """The package of git ``revision`` installed (without dependencies) into ``folder``, for PYTHONPATH."""
    source = folder / "source"
    source.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", revision], check=True, capture_output=True,
                             cwd=Path(__file__).resolve().parent.parent).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(folder / "stage"),
                    str(source)], check=True, capture_output=True)
    return folder / "stage"


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
    t.add_argument("--against", metavar="REV", help="also time this git revision (a commit or a tag), in turn")
    t.set_defaults(run=timings)
    c = which.add_parser("chain", help="layout and drawing time of long chain pathways")
    c.add_argument("--sizes", type=int, nargs="+", default=[10, 30, 60, 120])
    c.add_argument("--repeats", type=int, default=3)
    c.set_defaults(run=chain)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
