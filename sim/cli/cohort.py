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
from typing import TYPE_CHECKING, Callable, TextIO

if TYPE_CHECKING:   # imported for real inside the functions, so that --help stays light
    from sarcoma_sim.reports.accumulate import SummaryAccumulator

# sarcoma_sim.cohort.engines.ENGINES; literal here so registering stays light
ENGINE_CHOICES = ("vectorized", "stepwise")

# Cohorts are simulated, summarised and written chunk by chunk (sarcoma_sim.reports.accumulate), so
# memory stays flat whatever -n is; the plots are drawn from the first PLOT_SAMPLE patients.
CHUNK_PATIENTS = 100_000
PLOT_SAMPLE = 200_000

OUTPUT_FILES = ("events.csv", "patients.csv", "trace.csv", "summary.json")


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``cohort`` subcommand."""
    p = commands.add_parser(
        "cohort", help="simulate a cohort of hypothetical patients and summarise it",
        description="Simulate N hypothetical patients through SUBTYPE's pathway with evidence-anchored "
                    "timing; print who reached which state, how long they stayed and how the pathway ended.")
    p.add_argument("subtype", metavar="SUBTYPE")
    p.add_argument("-n", dest="n", type=int, required=True, metavar="N",
                   help="number of patients (1 or more; memory stays flat: the cohort is summarised in chunks)")
    p.add_argument("--seed", type=int, required=True, metavar="S",
                   help="random seed (a whole number >= 0); the same seed gives the same output")
    p.add_argument("--engine", choices=ENGINE_CHOICES, default="vectorized",
                   help="vectorized (fast, default) or stepwise (the reference: one state machine per patient)")
    p.add_argument("--params", metavar="FILE", help="parameter file overriding the subtype's evidence parameters")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one parameter, e.g. --set imatinib_400.progression.median_months=20 "
                        "(repeatable)")
    p.add_argument("--out", metavar="DIR",
                   help="write events.csv, patients.csv, trace.csv, summary.json and the plots (PNG) into DIR")
    p.add_argument("--no-plots", action="store_true",
                   help="with --out, write the tables and summary.json but not the plots (faster)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--calibration", action="store_true",
                   help="also print the calibration report: simulated v published targets with their tolerances")
    p.add_argument("--no-progress", action="store_true", help="never show the progress bar")
    p.set_defaults(handler=cmd_cohort)


class ProgressBar:
    """A one-line progress bar on a terminal stream, shown only once a run has taken a moment."""

    def __init__(self, stream: TextIO, label: str, delay: float = 0.5, interval: float = 0.1,
                 clock=time.monotonic, width: int = 30, unit: str = "patients"):
        self.stream, self.label, self.delay, self.interval, self.unit = stream, label, delay, interval, unit
        self.clock, self.width = clock, width
        self.started = clock()
        self.last_drawn: float | None = None
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` patients simulated (or of another ``unit``)."""
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
                          f"{done:,}/{total:,} {self.unit} {100 * fraction:3.0f}% {now - self.started:5.1f} s")
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
    ``error: -n ...`` line in ``sarcoma_sim.cli.dispatch``). ``--set`` syntax is checked with the
    parameters, so its errors name the override itself.
    """
    from sarcoma_sim.arguments import check_cohort_size, check_seed

    check_cohort_size(args.n)
    check_seed(args.seed)


def cmd_cohort(args: argparse.Namespace) -> int:
    """Simulate the cohort, print its summary and write the output folder if asked."""
    check_arguments(args)
    if args.no_plots and args.out is None:
        from sarcoma_sim.errors import CommandLineError, Problem
        raise CommandLineError(Problem("--no-plots", None, "", "only applies with --out DIR (it leaves out the plots)"))
    from sarcoma_sim.cohort.params import load_params
    from sarcoma_sim.pathways.exits import with_competing_exits
    from sarcoma_sim.pathways.load import load_subtype

    pathway = with_competing_exits(load_subtype(args.subtype))
    params = load_params(pathway, args.params, tuple(args.overrides))
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
        extra: tuple[str, ...] = ()
        if args.out is not None:
            from sarcoma_sim.reports.plots import PLOT_FILES
            written = OUTPUT_FILES + (() if args.no_plots else PLOT_FILES)
            extra = (f"Wrote {', '.join(written)} to {args.out}",)
        sys.stdout.write(format_text(summary, pathway, extra))
        if "calibration" in summary:
            from sarcoma_sim.reports.calibration import format_calibration
            sys.stdout.write("\n" + format_calibration(summary["calibration"], args.subtype))
    return 0


def _run(args, pathway, params, progress, folder: Path | None) -> dict:
    """Simulate chunk by chunk, merging the summary and streaming the files; returns the summary."""
    from sarcoma_sim.cohort.engines import simulate_chunks
    from sarcoma_sim.reports.accumulate import SummaryAccumulator
    from sarcoma_sim.reports.calibration import calibrate_accumulated, entry_states, pfs_states, ttp_states
    from sarcoma_sim.reports.summary import summary_of

    calibration = getattr(args, "calibration", False)
    accumulator = SummaryAccumulator(pathway, tuple(pathway.states),
                                     entry_states(args.subtype) if calibration else (), trace=folder is not None,
                                     pfs_states=pfs_states(args.subtype) if calibration else (),
                                     ttp_states=ttp_states(args.subtype) if calibration else ())
    writer = OutputWriter(folder, pathway, plots=not args.no_plots) if folder is not None else None
    try:
        from concurrent.futures import ThreadPoolExecutor

        def take(chunk) -> None:
            accumulator.add(chunk)
            if writer is not None:
                writer.add(chunk)

        # One chunk is summarised (and written) while the next is simulated: numpy releases the GIL
        # in its array loops, so on two cores much of the summary hides behind the simulation. Chunks
        # are taken one at a time, in order, so the output is the same as summarising them in turn.
        with ThreadPoolExecutor(1, thread_name_prefix="sarcoma-sim-summary") as pool:
            taking = None
            for chunk in simulate_chunks(pathway, params, args.n, args.seed, engine=args.engine,
                                         chunk_size=CHUNK_PATIENTS, progress=progress):
                if taking is not None:
                    taking.result()
                taking = pool.submit(take, chunk)
            if taking is not None:
                taking.result()
        if progress is not None:
            progress.status("summarising…")
        summary = summary_of(accumulator, params=params)
        if calibration:
            summary["calibration"] = calibrate_accumulated(accumulator, args.subtype, params.interval_months)
        if writer is not None:
            writer.finish(summary, accumulator, progress)
    finally:
        if writer is not None:
            writer.close()
    return summary


class OutputWriter:
    """The files of ``--out``, written as the chunks arrive: the event and patient tables streamed,
    the first ``PLOT_SAMPLE`` patients kept for the plots, the trace and summary at the end."""

    def __init__(self, folder: Path, pathway, plots: bool = True):
        self.folder, self.pathway, self.plots = folder, pathway, plots
        self.events = open(folder / "events.csv", "w", encoding="utf-8", newline="")
        self.patients = open(folder / "patients.csv", "w", encoding="utf-8", newline="")
        self.sample: list = []
        self.sampled = 0
        self.first = True

    def add(self, chunk) -> None:
        """Append one chunk's rows to events.csv and patients.csv; keep it for the plots if early."""
        from sarcoma_sim.cohort.eventlog import write_patients_csv
        from sarcoma_sim.reports.tables import write_events_table

        write_events_table(chunk, self.events, self.pathway, header=self.first)
        write_patients_csv(chunk, self.patients, header=self.first)
        self.first = False
        if self.plots and self.sampled < PLOT_SAMPLE:
            self.sample.append(chunk)
            self.sampled += chunk.n

    def finish(self, summary: dict, accumulator: SummaryAccumulator, progress=None) -> None:
        """Write trace.csv, summary.json and the plots."""
        import numpy as np

        from sarcoma_sim.cohort.eventlog import CohortResult, EventLog
        from sarcoma_sim.reports.plots import save_plots
        from sarcoma_sim.reports.summary import to_json
        from sarcoma_sim.reports.tables import write_trace_table

        self.close()

        def write_trace(stream: TextIO) -> None:
            months, counts = accumulator.trace()
            write_trace_table(months, counts, accumulator.state_ids, stream)

        steps: list[tuple[str, Callable[[], object]]] = [
            ("trace.csv", lambda: _write_text(self.folder / "trace.csv", write_trace)),
            ("summary.json", lambda: (self.folder / "summary.json").write_text(to_json(summary), encoding="utf-8"))]
        for name, write in steps:
            if progress is not None:
                progress.status(f"writing {name}…")
            write()
        if not self.plots:
            return
        first = self.sample[0]
        log = EventLog.concatenate([c.log for c in self.sample])
        facts = {k: np.concatenate([c.patient_facts[k] for c in self.sample]) for k in first.patient_facts}
        sample = CohortResult(first.subtype, sum(c.n for c in self.sample), first.seed, first.engine, log, facts,
                              first.params_file)
        if progress is not None:
            progress.status("writing the plots…")
        save_plots(sample, self.folder, self.pathway, of_total=accumulator.n)

    def close(self) -> None:
        """Close the streamed tables (idempotent)."""
        for stream in (self.events, self.patients):
            if not stream.closed:
                stream.close()


def _write_text(path: Path, writer) -> None:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer(stream)
