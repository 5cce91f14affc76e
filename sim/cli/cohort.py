"""The ``cohort`` command: simulate N hypothetical patients through a subtype's pathway.

Prints the cohort summary (a table, or JSON with ``--format json``); with ``--out DIR`` also
writes ``events.csv``, ``patients.csv``, ``summary.json`` and the plots, all or nothing. The same
seed gives byte-identical files. numpy, matplotlib and the engines are imported only when the
command runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from sarcoma_sim.errors import CommandLineError, Problem

ENGINE_CHOICES = ("vectorized", "stepwise")   # sarcoma_sim.cohort.engines.ENGINES; literal here so registering stays light

# The whole event log is held in memory (about 22 bytes per row, 4-10 rows per patient) and the
# summary needs all of it at once (medians, sequences), so cohorts are capped rather than streamed.
# Measured peak with --out is about 0.55 GB per million GIST patients (docs/cohort.md), so the
# cap keeps a run near 1 GB; bigger questions are better answered by several seeds.
MAX_PATIENTS = 2_000_000

OUTPUT_FILES = ("events.csv", "patients.csv", "summary.json")


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``cohort`` subcommand."""
    p = commands.add_parser(
        "cohort", help="simulate a cohort of hypothetical patients and summarise it",
        description="Simulate N hypothetical patients through SUBTYPE's pathway with evidence-anchored "
                    "timing; print who reached which state, how long they stayed and how the pathway ended.")
    p.add_argument("subtype", metavar="SUBTYPE")
    p.add_argument("-n", dest="n", type=int, required=True, metavar="N",
                   help=f"number of patients (1 to {MAX_PATIENTS:,})")
    p.add_argument("--seed", type=int, required=True, metavar="S",
                   help="random seed (a whole number >= 0); the same seed gives the same output")
    p.add_argument("--engine", choices=ENGINE_CHOICES, default="vectorized",
                   help="vectorized (fast, default) or stepwise (the reference: one state machine per patient)")
    p.add_argument("--params", metavar="FILE", help="parameter file overriding the subtype's evidence parameters")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one parameter, e.g. --set imatinib_400.progression.median_months=20 "
                        "(repeatable)")
    p.add_argument("--out", metavar="DIR",
                   help="write events.csv, patients.csv, summary.json and the plots (PNG) into DIR")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--no-progress", action="store_true", help="never show the progress bar")
    p.set_defaults(handler=cmd_cohort)


class ProgressBar:
    """A one-line progress bar on a terminal stream, shown only once a run has taken a moment."""

    def __init__(self, stream: TextIO, label: str, delay: float = 0.5, interval: float = 0.1,
                 clock=time.monotonic, width: int = 30):
        self.stream, self.label, self.delay, self.interval = stream, label, delay, interval
        self.clock, self.width = clock, width
        self.started = clock()
        self.last_drawn: float | None = None
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` patients simulated."""
        now = self.clock()
        if now - self.started < self.delay and done < total:
            return
        if self.last_drawn is not None and now - self.last_drawn < self.interval and done < total:
            return
        if done >= total and not self.shown:
            return
        fraction = done / total if total else 1.0
        filled = int(round(self.width * fraction))
        self.stream.write(f"\r{self.label} [{'#' * filled}{'-' * (self.width - filled)}] "
                          f"{done:,}/{total:,} patients {100 * fraction:3.0f}% {now - self.started:5.1f} s")
        self.stream.flush()
        self.shown, self.last_drawn = True, now

    def status(self, text: str) -> None:
        """Replace the bar with a short status line (e.g. which file is being written)."""
        if self.shown or self.clock() - self.started >= self.delay:
            self.stream.write(f"\r\033[K{text}")
            self.stream.flush()
            self.shown = True

    def close(self) -> None:
        """End the line if anything was drawn."""
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False


def check_arguments(args: argparse.Namespace) -> None:
    """Raise for option values argparse cannot judge: the cohort size and the seed.

    The checks themselves live in ``sarcoma_sim.arguments`` (their ``ArgumentError`` becomes an
    ``error: -n ...`` line in ``sarcoma_sim.cli.dispatch``); the memory cap is this command's own.
    """
    from sarcoma_sim.arguments import check_cohort_size, check_seed, shown

    check_cohort_size(args.n)
    check_seed(args.seed)
    if args.n > MAX_PATIENTS:
        raise CommandLineError(Problem(
            "-n", None, "", f"{shown(args.n) if args.n > 10 ** 30 else format(args.n, ',')} patients is more than this command holds in memory "
                            f"(at most {MAX_PATIENTS:,}: the summary needs the whole event log in memory, "
                            f"about 0.55 GB per million patients); run several cohorts with different --seed "
                            f"instead"))


def cmd_cohort(args: argparse.Namespace) -> int:
    """Simulate the cohort, print its summary and write the output folder if asked."""
    check_arguments(args)
    from sarcoma_sim.pathways.load import load_subtype
    from sarcoma_sim.cohort.params import load_params

    pathway = load_subtype(args.subtype)
    params = load_params(args.subtype, args.params, tuple(args.overrides))
    progress = None
    if not args.no_progress and sys.stderr.isatty():
        progress = ProgressBar(sys.stderr, f"{args.subtype} {args.engine}")
    try:
        if args.out is not None:   # --out '' is refused there, not silently skipped
            from sarcoma_sim.files import atomic_directory
            # Entered before simulating: an unwritable --out fails at once, not after a long run.
            with atomic_directory(args.out) as folder:
                summary = _run(args, pathway, params, progress, folder)
        else:
            summary = _run(args, pathway, params, progress, None)
    finally:
        if progress is not None:
            progress.close()
    from sarcoma_sim.reports.summary import format_text, to_json
    if args.format == "json":
        sys.stdout.write(to_json(summary))
    else:
        extra = ()
        if args.out is not None:
            from sarcoma_sim.reports.plots import PLOT_FILES
            extra = (f"Wrote {', '.join(OUTPUT_FILES + PLOT_FILES)} to {args.out}",)
        sys.stdout.write(format_text(summary, pathway, extra))
    return 0


def _run(args, pathway, params, progress, folder: Path | None) -> dict:
    from sarcoma_sim.cohort.engines import simulate
    from sarcoma_sim.reports.summary import summarize

    result = simulate(pathway, params, args.n, args.seed, engine=args.engine, progress=progress)
    if progress is not None:
        progress.status("summarising…")
    summary = summarize(result, pathway)
    if folder is not None:
        write_outputs(result, summary, pathway, folder, progress)
    return summary


def write_outputs(result, summary: dict, pathway, folder: Path, progress=None) -> None:
    """Write the event log, the patient table, the summary and the plots into ``folder``."""
    from sarcoma_sim.cohort.eventlog import write_events_csv, write_patients_csv
    from sarcoma_sim.reports.plots import save_plots
    from sarcoma_sim.reports.summary import to_json

    steps = (("events.csv", lambda path: _write_csv(path, write_events_csv, result.log)),
             ("patients.csv", lambda path: _write_csv(path, write_patients_csv, result)),
             ("summary.json", lambda path: path.write_text(to_json(summary), encoding="utf-8")),
             ("plots", lambda path: save_plots(result, folder, pathway)))
    for name, write in steps:
        if progress is not None:
            progress.status(f"writing {name}…")
        write(folder / name)


def _write_csv(path: Path, writer, data) -> None:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer(data, stream)
