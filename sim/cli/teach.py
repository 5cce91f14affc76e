"""The ``teach`` command: an interactive case in the terminal, driven line by line from stdin.

``sarcoma-sim teach SUBTYPE_OR_FILE [--seed S] [--kit-exon V] [--pdgfra V] [--alk V] [--ntrk-fusion V]
[--marker NAME=VALUE] [--comedication DRUG | --no-comedication] [--max-decisions N]``.
A pathway file (``my_sft.yaml``) works as well as a subtype id. Markers not given are drawn with
the seed; without ``--seed`` a seed is drawn and printed so the case can be repeated. Answers are
read as bytes: only ASCII digits naming an option count, anything else (``²``, ``①``, 5,000
digits, undecodable bytes) is asked again. End of input, ``q`` or Ctrl-C stop the case cleanly
(exit 0) with the debrief so far.
"""

from __future__ import annotations

import argparse
import sys

MAX_ANSWER_BYTES = 4096
MARKER_FLAGS = (("--kit-exon", "kit_exon"), ("--pdgfra", "pdgfra"), ("--alk", "alk"),
                ("--ntrk-fusion", "ntrk_fusion"))


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``teach`` to the command parser."""
    p = commands.add_parser("teach", help="work through an interactive teaching case of one subtype")
    p.add_argument("subtype", metavar="SUBTYPE_OR_FILE", help="a subtype id or a pathway file (.yaml)")
    p.add_argument("--seed", type=int, help="seed for the patient, the events and the option order")
    for flag, name in MARKER_FLAGS:
        p.add_argument(flag, dest=name, metavar="VALUE", help=f"the patient's {name} (drawn if not given)")
    p.add_argument("--marker", action="append", default=[], metavar="NAME=VALUE",
                   help="any declared patient attribute (repeatable)")
    meds = p.add_mutually_exclusive_group()
    meds.add_argument("--comedication", action="append", metavar="DRUG",
                      help="a co-medication by drug name (repeatable; drawn if not given)")
    meds.add_argument("--no-comedication", action="store_true", help="the patient takes no co-medication")
    p.add_argument("--max-decisions", type=int, default=10, metavar="N",
                   help="stop the case after N decisions (default 10)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text: the interactive session; json: answers read from stdin, one JSON transcript "
                        "printed at the end (docs/teach-transcript.md)")
    p.set_defaults(handler=cmd_teach)


def _markers(args: argparse.Namespace) -> dict:
    from sarcoma_sim.errors import CommandLineError

    markers = {name: getattr(args, name) for _, name in MARKER_FLAGS if getattr(args, name) is not None}
    for item in args.marker:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise CommandLineError(f"--marker {item!r}: expected NAME=VALUE, e.g. --marker kit_exon=exon9")
        markers[name.strip()] = value.strip()
    return markers


def cmd_teach(args: argparse.Namespace) -> int:
    """Build the patient, then run the case on stdin/stdout."""
    import numpy as np

    from sarcoma_sim.arguments import check_seed
    from sarcoma_sim.cli.teach_session import json_session, run_session, stop_summary
    from sarcoma_sim.errors import CommandLineError
    from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE
    from sarcoma_sim.pathways.load import load_any
    from sarcoma_sim.patient.case import TeachingCase, draw_untested, sample_patient

    if args.max_decisions < 1:
        raise CommandLineError(f"--max-decisions {args.max_decisions}: expected a whole number of at least 1")
    pathway = load_any(args.subtype)
    seed = args.seed
    if seed is None:
        entropy = np.random.SeedSequence().entropy   # drawn from the operating system: one int
        if not isinstance(entropy, int):
            raise TypeError(f"expected fresh entropy as an int, got {type(entropy).__name__}")
        seed = entropy % 1_000_000
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    comedications = [] if args.no_comedication else args.comedication
    markers = _markers(args)
    patient = sample_patient(pathway, rng, markers, comedications)
    untested = draw_untested(pathway, np.random.default_rng([seed, 1]), given=markers)
    header = [f"Teaching case: {pathway.name} [{pathway.id}], seed {seed} (--seed {seed} repeats it)",
              NOT_FOR_CLINICAL_USE]

    def write(line: str) -> None:
        print(line, flush=True)

    binary = getattr(sys.stdin, "buffer", None)

    def read_line() -> str | None:
        # Bytes, decoded leniently: an undecodable answer is a wrong answer, asked again, never a crash.
        if binary is None:
            line = sys.stdin.readline()
            return line if line else None
        line = binary.readline(MAX_ANSWER_BYTES)
        if len(line) == MAX_ANSWER_BYTES and not line.endswith(b"\n"):
            while (rest := binary.readline(MAX_ANSWER_BYTES)) and not rest.endswith(b"\n"):
                pass  # the rest of an overlong line is dropped: one wrong answer, asked again once
        return line.decode("utf-8", errors="replace") if line else None

    with TeachingCase(pathway, patient, rng, max_decisions=args.max_decisions, untested=untested) as case:
        if args.format == "json":
            return json_session(case, read_line, write, seed)
        try:
            return run_session(case, read_line, write, header)
        except KeyboardInterrupt:
            write("")
            write("Interrupted: the case stops here.")
            stop_summary(case, write)
            return 0
