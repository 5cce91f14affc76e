"""Benchmark of the diagram layout (not a test): quality against Graphviz ``dot``, and speed.

    python benchmarks/layout.py quality [--direction right down]
    python benchmarks/layout.py timings [--repeats 3] [--against REV]
    python benchmarks/layout.py cuts [--subtypes leiomyosarcoma] [--panels K] [--direction right down]
    python benchmarks/layout.py chain [--sizes 10 30 60 120] [--repeats 3]
    python benchmarks/layout.py web [--subtypes gist leiomyosarcoma] [--cold 3] [--walks 12] [--against REV]

``quality`` prints, per shipped subtype and direction, the edge crossings, total edge length (in)
and drawing area (sq in) of the project's layout (``diagram_layout``, fonts measured with
matplotlib) and of ``dot`` on the DOT export (``sarcoma-sim export SUBTYPE --format dot``, with
``rankdir`` LR or TB and the title removed), both measured by ``sarcoma_sim.pathways.layout.quality``:
every arrow a polyline of its Bézier segments, a crossing a point where two arrows meet outside
every node box. Target (issue 21): crossings no more than dot's on every subtype, both directions.

``timings`` prints the median wall time of the commands a teacher runs (each in a fresh process
with an empty panel store, ``SARCOMA_SIM_CACHE``, so nothing is kept between runs; ``--against REV``
times a git revision's package too, the runs of both taken in turn, with the ratio): ``draw --all -o
DIR --handout handout.pdf`` (target under 15 s on the project's 2-core machine) and GIST at ``--size
slide`` (target under 3 s), then GIST's slides drawn again with the panels its first run kept.

``cuts`` says how far the slide-count and first-line targets are from reach, as the cut decides
fit: per subtype and direction, the panels ``preset_panels`` makes; every cut into ``--panels K``
panels (default: the issue's target, GIST 6, any other subtype 3) whose first panel holds the
first-line decision (the first phase block), checked exhaustively (up to ``--limit`` cuts), with
how many fit and, where the cut made misses the target (or with ``--list``), each that fits and
the phases it parts across panels; and how large the first-line decision alone composes at its
best widths, as a multiple of the canvas (above 1 it cannot be one slide at 12 pt, however the
rest is cut).

``chain`` times pathways with the shape of the reliability reproducer r08 (a workup, a chain of
N-2 therapy lines, intolerance from every line ending the pathway, so long arrows cross many
columns): the layout alone and a whole PNG drawing (target, issue 13: 60 states under 5 s).

``web`` times the web app's map and focus view in-process (the app's test client, diagrams drawn
in the serving process as ``serve`` does with no worker): per subtype, the map page (``/map`` and
its ``map.svg``) and the case page with its focus view (the page and its ``diagram.svg``), cold (the
first request for the pathway, in a fresh process) and warm (``--walks`` new walks of a pathway
already drawn, in a process of their own: a case at a decision no one has reached before, so a new
highlight on the same neutral graph), ``--cold`` rounds of each, median and p95 side by side, with
how many graphs were laid out during the timed requests (``layered_layout`` calls: none for a new walk is the goal);
"cold, warmed" is a first request after the warm-up a ``serve`` worker does as it starts.
``--against REV`` times a git revision too (its processes in turn with this tree's), with the ratio.
``benchmarks/web_load.py --maps`` gives the same pages' figures under 50 residents.
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

from sarcoma_sim.pathways.draw import PRESETS, diagram_layout, preset_panels, save_pathway_drawing
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
    """Print the median wall time of the teacher's commands, each in a fresh process, and the CPU
    time it took (user and system, its worker processes' included); with ``--against REV``, the
    same commands on that git revision too, run in turn with this tree's. On a shared machine the
    wall times of runs vary more than the CPU times: a command whose CPU time is twice its wall time
    kept both of two cores busy, and can only go faster by doing less."""
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
        print(f"{'command':<56} " + " ".join(f"{name[:16]:>16}" for name in trees)
              + (" REV/this" if args.against else ""))
        # cold: every run with an empty panel store of its own (nothing kept from an earlier run);
        # warm: GIST's slides again with the panels its first run kept (a teacher redrawing them)
        runs = [(name, command, False) for name, command in commands.items()]
        runs.append(("draw gist -o gist.svg --size slide, panels kept", commands[
            "draw gist -o gist.svg --size slide"], True))
        for name, command, warm in runs:
            times: dict[str, list[float]] = {tree: [] for tree in trees}
            cpu: dict[str, list[float]] = {tree: [] for tree in trees}
            failed = ""
            for run in range(args.repeats):
                for tree, path in trees.items():   # in turn, so both see the same load
                    store = Path(tmp) / "store" / f"{tree}-{'warm' if warm else run}"
                    env = {**os.environ, "SARCOMA_SIM_CACHE": str(store)}
                    if path:
                        env["PYTHONPATH"] = str(path)
                    if warm and not store.exists():
                        subprocess.run([*cli, *command], capture_output=True, env=env)
                    before = _children_cpu()
                    start = time.perf_counter()
                    done = subprocess.run([*cli, *command], capture_output=True, env=env)
                    times[tree].append(time.perf_counter() - start)
                    cpu[tree].append(_children_cpu() - before)
                    if done.returncode:
                        failed = done.stderr.decode(errors="replace").strip()[-200:]
            if failed:
                print(f"{name:<56} failed: {failed}")
                continue
            medians = [statistics.median(t) for t in times.values()]
            cpu_medians = [statistics.median(c) for c in cpu.values()]
            ratio = f" {medians[1] / medians[0]:>7.1f}x" if len(medians) == 2 else ""
            print(f"{name:<56} " + " ".join(f"{m:>6.2f} s ({c:>3.0f} s)" for m, c in zip(medians, cpu_medians))
                  + ratio)
        print(f"medians of {args.repeats}, wall time (CPU time); load average at the end: {os.getloadavg()[0]:.1f}")


def _children_cpu() -> float:
    """User and system CPU seconds of every child process ended so far (and of their children)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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


# The slide targets (issue 21): GIST at most 6 slides, any other subtype 3.
SLIDE_TARGETS = {"gist": 6}


def cut_count(states: int, panels: int) -> int:
    """How many cuts ``cut_search`` tries: ``states`` states shared among a first panel (any number)
    and ``panels - 1`` unordered panels of at least one each (a Stirling number per share)."""
    from functools import lru_cache
    from math import comb

    @lru_cache(maxsize=None)
    def stirling(n: int, k: int) -> int:   # ways to part n states into k non-empty unordered panels
        if n == k:
            return 1
        if k == 0 or n < k:
            return 0
        return k * stirling(n - 1, k) + stirling(n - 1, k - 1)

    return sum(comb(states, first) * stirling(states - first, panels - 1) for first in range(states + 1))


def cut_search(subtype: str, direction: str, panels: int | None = None, preset_name: str = "slide",
               limit: int = 20000) -> dict:
    """For ``subtype`` drawn in ``direction`` at ``preset_name``: the cut ``preset_panels`` makes, every
    cut into ``panels`` panels whose first holds the first-line decision (each state after it on any
    panel, no panel empty, panels unordered: their order changes no link box's size while cutting),
    which of those fit (``unfit_panels``), and the first-line decision's size alone at its best widths
    as a multiple of the canvas. ``searched`` is False where more than ``limit`` cuts (``cut_count``)
    would be tried."""
    import itertools

    from sarcoma_sim.pathways.draw.cut import panel_fitting, unfit_panels
    from sarcoma_sim.pathways.panels import measured_panels, phase_blocks, phase_lines, state_phase

    preset = PRESETS[preset_name]
    pathway = load_subtype(subtype)
    made = [list(p.states) for p in preset_panels(pathway, preset, direction=direction)]
    panels = panels or SLIDE_TARGETS.get(subtype, 3)
    with panel_fitting(pathway, preset, direction) as (graph, fit):
        blocks = phase_blocks(graph)
        first, rest = list(blocks[0]), [s for block in blocks[1:] for s in block]
        lines = phase_lines(graph)
        phase_of = {s: state_phase(graph, s, lines) for s in first + rest}
        # the decision alone on a panel: its smallest size over every width, as a multiple of the canvas
        alone = measured_panels(graph, [first, rest])[0] if rest else graph
        scale = min(max(w / preset.width, h / preset.height)
                    for variant in fit.drawn_ways(alone)
                    for w, h in (fit.size_at(variant, *wraps) for wraps in fit.tries + fit.more))
        result = {"subtype": subtype, "direction": direction, "made": made, "panels": panels,
                  "first_line_scale": scale, "cuts": cut_count(len(rest), panels), "searched": False,
                  "tried": 0, "fitting": []}
        if result["cuts"] > limit:
            return result
        result["searched"] = True
        for assign in itertools.product(range(panels), repeat=len(rest)):
            # each other panel opened in order of its first state: every cut once
            opened = [a for a in dict.fromkeys(assign) if a]
            if opened != list(range(1, panels)):
                continue
            cut = [first + [s for s, a in zip(rest, assign) if a == 0]] + \
                [[s for s, a in zip(rest, assign) if a == k] for k in range(1, panels)]
            result["tried"] += 1
            if not unfit_panels(graph, cut, fit.final_wrap):
                parted = sorted({phase_of[s] for s in first + rest
                                 if len({i for i, g in enumerate(cut) for t in g if phase_of[t] == phase_of[s]}) > 1})
                result["fitting"].append((cut, parted))
    return result


def cuts(args) -> None:
    """Print, per subtype and direction, the cut made, the exhaustive search for a cut into the
    target number of panels, and the first-line decision's size alone (``cut_search``)."""
    for subtype in args.subtypes:
        for direction in args.direction:
            found = cut_search(subtype, direction, args.panels, args.preset, args.limit)
            k = found["panels"]
            print(f"{subtype} drawn {direction}: cut into {len(found['made'])} {args.preset}s; "
                  f"first-line decision alone {found['first_line_scale']:.2f}x the canvas "
                  f"({'fits' if found['first_line_scale'] <= 1 else 'cannot fit'} at its best widths)")
            if not found["searched"]:
                print(f"  cuts into {k}: {found['cuts']} to try, over --limit {args.limit}")
                continue
            print(f"  cuts into {k} with the first-line decision on the first: {found['tried']} tried, "
                  f"{len(found['fitting'])} fit")
            if len(found["made"]) <= k and not args.list:
                continue   # the cut made meets the target: the others are listed on asking (--list)
            for cut, parted in found["fitting"]:
                print(f"    {' | '.join(', '.join(panel) for panel in cut)}")
                print(f"      phases parted across panels: {', '.join(parted) or 'none'}")


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


def _web_walks(subtype: str, walks: int, cold: bool, warm_up: bool = False) -> dict:
    """In this process: the map page and the case page of ``subtype``'s cases, timed per request.

    With ``cold`` one case's first pages (the pathway never drawn in this process; with ``warm_up``
    after ``diagrams.warm_layouts``, untimed, as a ``serve`` worker does when it starts); else first a
    case is drawn (not timed), then cases are played with their answers drawn from a fixed seed and
    every pending decision reached on a walk not drawn before is timed, until ``walks`` are. Returns the
    seconds and the layouts computed (``layered_layout`` calls) per page kind.
    """
    import random
    import re

    try:
        # where the drawing code calls for a layout (a package of modules from 0.7.0; --against an older revision)
        import sarcoma_sim.pathways.draw.diagram as draw_module
    except ImportError:
        import sarcoma_sim.pathways.draw as draw_module  # type: ignore[no-redef]
    from sarcoma_sim.web.app import create_app

    laid_out = [0]
    original = draw_module.layered_layout

    def counted(*args, **kwargs):
        laid_out[0] += 1
        return original(*args, **kwargs)

    draw_module.layered_layout = counted   # the layouts computed, counted where the drawing code calls for one
    if warm_up:
        from sarcoma_sim.web.diagrams import warm_layouts

        warm_layouts()
    times: dict[str, list[float]] = {"map page": [], "case page": []}
    layouts = {kind: 0 for kind in times}
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Path(tmp) / "attempts.sqlite3")
        client = app.test_client()
        store = app.config["STORE"]

        def timed(paths: list[str]) -> float:
            start = time.perf_counter()
            for path in paths:
                response = client.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"error: GET {path}: {response.status_code}")
            return time.perf_counter() - start

        def pages(url: str) -> None:
            for kind, paths in (("map page", [f"{url}/map", f"{url}/map.svg"]),
                                ("case page", [url, f"{url}/diagram.svg"])):
                before = laid_out[0]
                times[kind].append(timed(paths))
                layouts[kind] += laid_out[0] - before

        def new_case(seed: int) -> str:
            return client.post("/cases", data={"case": subtype, "seed": str(seed)}).headers["Location"]

        if cold:
            pages(new_case(1))
        else:
            url = new_case(1)
            timed([f"{url}/map.svg"])  # the pathway drawn once: what follows is warm
            seen = {_walk_of(store, url)[0]}
            rng = random.Random(21)
            seed = 100
            while len(times["map page"]) < walks and seed < 100 + 50 * walks:
                url = new_case(seed)
                seed += 1
                for _ in range(30):
                    walk, pending = _walk_of(store, url)
                    if not pending:
                        break   # the debrief draws the labelled map, another graph: not this figure
                    if walk not in seen:
                        seen.add(walk)
                        pages(url)
                        if len(times["map page"]) >= walks:
                            break
                    page = client.get(url).get_data(as_text=True)
                    options = re.findall(r'name="option" value="(\d+)"', page)
                    decision = re.search(r'name="decision" value="(\d+)"', page)
                    if not options or not decision:
                        break
                    client.post(f"{url}/answer", data={"decision": decision.group(1), "option": rng.choice(options)})
        store.close()
    return {"times": times, "layouts": layouts}


def _walk_of(store, url: str) -> tuple[tuple, bool]:
    """The walk so far of the attempt at ``url`` (the states its map highlights), replayed as the pages
    do, and whether a decision is pending."""
    from sarcoma_sim.reports.taken_path import taken_walk
    from sarcoma_sim.web.cases import pathway_for, replay

    attempt = store.attempt(url.rstrip("/").rsplit("/", 1)[-1])
    state = replay(pathway_for(store, attempt.pathway_key, attempt.pathway_version), attempt.seed, attempt.answers)
    return tuple(taken_walk(state.result)), state.pending is not None


def web(args) -> None:
    """Print the map page's and the case page's latency, cold v warm, per subtype (in-process); with
    ``--against REV`` the same for that git revision, its processes run in turn with this tree's."""
    import json

    from sarcoma_sim.web import diagrams

    with tempfile.TemporaryDirectory() as tmp:
        trees: dict[str, Path | None] = {"this tree": None}
        if args.against:
            trees[args.against] = _staged_revision(args.against, Path(tmp) / "against")
        print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print("in-process (test client, no diagram worker); cold: the first request for the pathway in a fresh "
              "process; warm: a new walk of a pathway already drawn")
        print(f"{'subtype':<15} {'page':<9} {'tree':<10} {'first':<12} {'cold p50':>9} {'cold p95':>9} {'layout':>6}  "
              f"{'warm p50':>9} {'warm p95':>9} {'n warm':>6} {'layout':>6}")

        def run(tree: str, *flags: str) -> dict:
            path = trees[tree]
            env = {**os.environ, "PYTHONPATH": str(path)} if path else None
            done = subprocess.run([sys.executable, __file__, "web-one", *flags], capture_output=True, text=True,
                                  env=env)
            if done.returncode:
                sys.exit(f"error: web-one {' '.join(flags)} on {tree}: {done.stderr.strip()[-300:]}")
            return json.loads(done.stdout)

        for subtype in args.subtypes:
            modes = {(tree, "cold"): ["--cold"] for tree in trees}
            if hasattr(diagrams, "warm_layouts"):   # a serve worker's warm-up at its start (this tree only)
                modes[("this tree", "cold, warmed")] = ["--cold", "--warm-up"]
            cold = {mode: {"map page": [], "case page": []} for mode in modes}
            cold_layouts = {mode: {"map page": 0, "case page": 0} for mode in modes}
            warm = {tree: {"times": {"map page": [], "case page": []}, "layouts": {"map page": 0, "case page": 0}}
                    for tree in trees}
            for _ in range(args.cold):   # rounds: every process of a round in turn, so all see the same load
                for mode, flags in modes.items():
                    found = run(mode[0], subtype, *flags)
                    for kind, values in found["times"].items():
                        cold[mode][kind] += values
                        cold_layouts[mode][kind] = max(cold_layouts[mode][kind], found["layouts"][kind])
                for tree in trees:
                    found = run(tree, subtype, "--walks", str(args.walks))
                    for kind, values in found["times"].items():
                        warm[tree]["times"][kind] += values
                        warm[tree]["layouts"][kind] += found["layouts"][kind]
            for kind in ("map page", "case page"):
                for (tree, first), c in cold.items():
                    w = warm[tree]["times"][kind]
                    print(f"{subtype[:15]:<15} {kind:<9} {tree[:10]:<10} {first:<12} {_ms(statistics.median(c[kind]))} "
                          f"{_ms(_p95(c[kind]))} {cold_layouts[(tree, first)][kind]:>6}  {_ms(statistics.median(w))} "
                          f"{_ms(_p95(w))} {len(w):>6} {warm[tree]['layouts'][kind]:>6}")
            if args.against:
                ratio = [statistics.median(warm[t]["times"]["map page"]) for t in trees]
                print(f"{subtype[:15]:<15} map page, warm p50: {args.against} / this tree = {ratio[1] / ratio[0]:.2f}x")
        print(f"times in ms; cold: {args.cold} fresh processes each (cold, warmed: after the warm-up a serve worker "
              f"does as it starts); warm: {args.walks} new walks in each of {args.cold} processes, each after one "
              f"untimed drawing of the pathway; layout: graphs laid out during the timed requests of that page "
              f"(cold: the most in one process; warm: in all)")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:>9.1f}"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def web_one(args) -> None:
    """One process of ``web``: its figures as JSON on stdout."""
    import json

    print(json.dumps(_web_walks(args.subtype, args.walks, args.cold, args.warm_up)))


def main(argv=None) -> None:
    """Run one of the benchmarks (``quality``, ``timings``, ``cuts``, ``chain`` or ``web``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_subparsers(dest="which", required=True)
    q = which.add_parser("quality", help="crossings, edge length and area against dot")
    q.add_argument("--direction", nargs="+", choices=("right", "down"), default=["right", "down"])
    q.set_defaults(run=quality)
    t = which.add_parser("timings", help="wall time of draw --all with the handout and of GIST's slides")
    t.add_argument("--repeats", type=int, default=3)
    t.add_argument("--against", metavar="REV", help="also time this git revision (a commit or a tag), in turn")
    t.set_defaults(run=timings)
    k = which.add_parser("cuts", help="every cut into the target number of slides: which fit")
    k.add_argument("--subtypes", nargs="+", choices=SUBTYPE_IDS, default=["leiomyosarcoma"])
    k.add_argument("--panels", type=int, help="panels to cut into (default: the issue's target)")
    k.add_argument("--direction", nargs="+", choices=("right", "down"), default=["right", "down"])
    k.add_argument("--preset", choices=tuple(PRESETS), default="slide")
    k.add_argument("--limit", type=int, default=20000, help="most cuts to try per subtype and direction")
    k.add_argument("--list", action="store_true", help="list the cuts that fit where the cut made meets the target too")
    k.set_defaults(run=cuts)
    c = which.add_parser("chain", help="layout and drawing time of long chain pathways")
    c.add_argument("--sizes", type=int, nargs="+", default=[10, 30, 60, 120])
    c.add_argument("--repeats", type=int, default=3)
    c.set_defaults(run=chain)
    w = which.add_parser("web", help="the web app's map page and case page, cold v warm, per subtype")
    w.add_argument("--subtypes", nargs="+", choices=SUBTYPE_IDS, default=["gist", "leiomyosarcoma"])
    w.add_argument("--cold", type=int, default=3, help="rounds of fresh processes (cold and warm, in turn)")
    w.add_argument("--walks", type=int, default=12, help="new walks timed in each warm process")
    w.add_argument("--against", metavar="REV", help="also time this git revision (a commit or a tag), in turn")
    w.set_defaults(run=web)
    one = which.add_parser("web-one", help=argparse.SUPPRESS)
    one.add_argument("subtype", choices=SUBTYPE_IDS)
    one.add_argument("--walks", type=int, default=12)
    one.add_argument("--cold", action="store_true")
    one.add_argument("--warm-up", action="store_true")
    one.set_defaults(run=web_one)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
