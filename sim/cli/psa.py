"""The ``psa`` command: cost-effectiveness and probabilistic sensitivity analysis of strategies.

``sarcoma-sim psa SUBTYPE --strategies FILE --costs FILE --samples K -n N --seed S --out DIR``
runs the deterministic base case, K PSA samples (in this process, on ``--workers W`` local dask
workers, or on the dask ``--scheduler ADDRESS``) and the one-way analysis (the file's ranges, else
each distribution's 95% interval), then writes the tables,
plots and CHEERS report into DIR all or nothing. Results are the same for any number of workers.
An interrupted run resumes: finished batches wait in ``.DIR.psa-store`` beside DIR.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from sarcoma_sim.errors import CommandLineError, OutputError, Problem


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``psa`` subcommand."""
    p = commands.add_parser("psa", help="cost-effectiveness and probabilistic sensitivity analysis of strategies")
    p.add_argument("subtype")
    p.add_argument("--strategies", required=True, metavar="FILE", help="strategies file (YAML)")
    p.add_argument("--costs", required=True, metavar="FILE", help="economic inputs file (YAML)")
    p.add_argument("--params", metavar="FILE", help="parameter file merged over the shipped one")
    p.add_argument("--samples", type=int, default=100, metavar="K", help="PSA samples (default 100)")
    p.add_argument("-n", type=int, default=10_000, metavar="N", help="patients per strategy and sample")
    p.add_argument("--seed", type=int, required=True, metavar="S")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--workers", type=int, metavar="W", help="run on a local dask cluster of W worker processes")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing dask scheduler (tcp://host:8786)")
    p.add_argument("--batch-size", type=int, default=10, metavar="B", help="samples per task (default 10)")
    p.add_argument("--no-progress", action="store_true", help="never show the progress bar")
    p.set_defaults(handler=cmd_psa)


def _check(args: argparse.Namespace) -> None:
    for flag, value, low in (("--samples", args.samples, 1), ("-n", args.n, 1), ("--batch-size", args.batch_size, 1),
                             ("--workers", args.workers, 1)):
        if value is not None and value < low:
            raise CommandLineError(Problem(flag, None, "", f"expected a whole number >= {low}, got {value}"))
    if args.workers is not None and args.scheduler is not None:
        raise CommandLineError(Problem("--scheduler", None, "", "give --workers or --scheduler, not both"))


def cmd_psa(args: argparse.Namespace) -> int:
    """Run the analysis and write its folder; print the base case and incremental tables."""
    _check(args)
    import numpy as np

    from sarcoma_sim.arguments import check_seed
    from sarcoma_sim.cli.cohort import ProgressBar
    from sarcoma_sim.cohort.params import load_params
    from sarcoma_sim.economics.inputs import load_inputs
    from sarcoma_sim.economics.oneway import one_way, one_way_ranges, read_ranges
    from sarcoma_sim.economics.psa import BatchStore, base_case, build_model, run_psa, store_key
    from sarcoma_sim.economics.strategies import load_analysis
    from sarcoma_sim.economics.uncertainty import check_draws, draw, read_uncertainty
    from sarcoma_sim.files import atomic_directory
    from sarcoma_sim.pathways.load import load_subtype
    from sarcoma_sim.reports.economics import evaluation_summary, write_tables
    from sarcoma_sim.version import tool_version

    seed = check_seed(args.seed)
    pathway = load_subtype(args.subtype)
    params = load_params(pathway, args.params)
    inputs = load_inputs(args.costs, pathway)
    analysis = load_analysis(args.strategies, pathway, params, args.params)
    model = build_model(pathway, params, analysis, inputs, args.n, args.params)
    entries = read_uncertainty(analysis.document, [p for _, _, p in model.strategies], inputs)
    paths, draws = draw(entries, args.samples, seed)
    check_draws(entries, paths, draws, analysis.origin)
    ranges = one_way_ranges(entries, read_ranges(analysis.document, [p for _, _, p in model.strategies], inputs), seed)

    out = Path(args.out)
    if not out.parent.is_dir():      # refused before any run, and before the resume store is made beside it
        raise OutputError(Problem(str(out), None, "", f"cannot write output: the folder {str(out.parent)!r} "
                                                      "does not exist"))
    key = store_key({"files": [Path(f).read_text(encoding="utf-8") for f in (args.strategies, args.costs)
                               + ((args.params,) if args.params else ())],
                     "subtype": args.subtype, "samples": args.samples, "n": args.n, "seed": seed,
                     "batch": args.batch_size, "version": tool_version()})
    store = BatchStore(out.parent / f".{out.name}.psa-store", key) if out.name else None
    progress = None
    if not args.no_progress and sys.stderr.isatty():
        progress = ProgressBar(sys.stderr, f"psa {args.subtype}", unit="samples")
    try:
        base = base_case(model, seed)
        results = run_psa(model, paths, draws, seed, args.batch_size, args.workers, args.scheduler, store,
                          None if progress is None else sample_progress(progress))
        if progress is not None:
            progress.status("one-way sensitivity…")
        oneway = one_way(model, ranges, seed, analysis.wtp[0], analysis.reference)
    finally:
        if progress is not None:
            progress.close()
    summary = evaluation_summary(analysis, inputs, model, base, entries, paths, draws, results, oneway, seed,
                                 args.samples)
    wtps = np.linspace(0.0, analysis.ceac_max, 61)
    with atomic_directory(out) as folder:
        write_tables(folder, summary, model.names, paths, draws, results, wtps)
        from sarcoma_sim.economics.decision import ceac, ceaf, net_benefit
        from sarcoma_sim.reports.economics_plots import save_economic_plots

        ref = model.names.index(analysis.reference)
        other = next(i for i in range(len(model.names)) if i != ref)
        base_nmb = [net_benefit(t.means[0], t.means[1], analysis.wtp[0]) for t in base]
        save_economic_plots(folder, model.names, results[:, :, 0], results[:, :, 1], ref, wtps,
                            ceac(results[:, :, 0], results[:, :, 1], wtps),
                            ceaf(results[:, :, 0], results[:, :, 1], wtps)[0], oneway,
                            float(base_nmb[other] - base_nmb[ref]), inputs.currency, analysis.wtp[0])
    if store is not None:
        store.remove()
    _print(summary)
    return 0


def sample_progress(bar) -> Callable[[int, int], None]:
    """``run_psa``'s progress (samples done of the total) drawn on ``bar``: samples resumed from an
    interrupted run count as done from the first report, and the label says how many they are."""
    first = True

    def report(done: int, total: int) -> None:
        nonlocal first
        if first and done:
            bar.label = f"{bar.label} ({done:,} resumed)"
        first = False
        bar(done, total)

    return report


def _print(summary: dict) -> None:
    cur = summary["currency"]
    print(summary["title"])
    print(summary["notice"])
    print(f"\nBase case, per patient (discounted; ± Monte Carlo SE), {cur} {summary['price_year']}:")
    for r in summary["base_case"]:
        print(f"  {r['strategy']:<24} costs {r['costs']:>12,.0f} ± {r['costs_se']:,.0f}   QALYs {r['qalys']:.4f} ± "
              f"{r['qalys_se']:.4f}   LYs {r['life_years']:.4f}")
    print("\nIncremental (base case):")
    for r in summary["incremental_base_case"]:
        icer = "" if r["icer"] is None else f"  ICER {r['icer']:,.0f} {cur}/QALY"
        print(f"  {r['strategy']:<24} {r['status']}{icer}")
    for r in summary["evpi_per_patient"]:
        print(f"EVPI per patient at WTP {r['wtp']:,.0f}: {r['evpi']:,.2f} {cur}")
