"""The pathway-reading commands: ``list``, ``show``, ``validate`` and ``export``.

They read pathways only, so nothing here imports matplotlib or the simulation engines; they
start fast.
"""

from __future__ import annotations

import argparse
import json
import sys

from sarcoma_sim.cli.terminal import safe_for_terminal
from sarcoma_sim.errors import PathwayError
from sarcoma_sim.pathways.conditions import describe
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_any, load_subtype
from sarcoma_sim.pathways.model import Pathway

# The names of sarcoma_sim.pathways.export.EXPORTERS, spelled out so that building the parser does not import
# networkx (a test keeps the two equal).
EXPORT_FORMATS = ("json", "graphml", "dot", "mermaid")


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``list``, ``show``, ``validate`` and ``export`` to the command parser."""
    p = commands.add_parser("list", help="list the subtypes with a shipped pathway")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=cmd_list)

    p = commands.add_parser("show", help="show one pathway: states, regimens, transitions, sources")
    p.add_argument("subtype", metavar="SUBTYPE_OR_FILE")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=cmd_show)

    p = commands.add_parser("validate", help="check pathway files (or shipped subtypes) and report every problem")
    p.add_argument("targets", nargs="+", metavar="FILE_OR_SUBTYPE")
    p.set_defaults(handler=cmd_validate)

    p = commands.add_parser("export", help="print a pathway graph as " + ", ".join(EXPORT_FORMATS))
    p.add_argument("subtype", metavar="SUBTYPE_OR_FILE")
    p.add_argument("--format", choices=EXPORT_FORMATS, default="json")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--yed", action="store_true",
                   help="with --format graphml: add yEd's yFiles styling (labels, colours, shapes, positions)")
    p.set_defaults(handler=cmd_export, export_parser=p)


def pathway_summary(pathway: Pathway) -> dict:
    """The facts ``list`` shows for one pathway."""
    therapies = [s for s in pathway.states.values() if s.kind == "therapy"]
    return {
        "id": pathway.id,
        "name": pathway.name,
        "states": len(pathway.states),
        "transitions": len(pathway.transitions),
        "lines_of_therapy": max((s.line for s in therapies if s.line is not None), default=0),
        "drugs": sorted(pathway.drugs()),
        "beyond_source_states": sum(s.beyond_source for s in pathway.states.values()),
    }


def cmd_list(args: argparse.Namespace) -> int:
    """Print every shipped subtype with its size and drugs."""
    rows = [pathway_summary(load_subtype(s)) for s in SUBTYPE_IDS]
    if args.format == "json":
        print(json.dumps(rows, indent=2, allow_nan=False))
        return 0
    width = max(len(r["id"]) for r in rows)
    print(f"{'subtype':<{width}}  {'states':>6}  {'lines':>5}  name / drugs")
    for r in rows:
        print(f"{r['id']:<{width}}  {r['states']:>6}  {r['lines_of_therapy']:>5}  {r['name']}")
        print(f"{'':<{width}}  {'':>6}  {'':>5}  {', '.join(r['drugs'])}")
    return 0


def pathway_document(pathway: Pathway) -> dict:
    """``show --format json``: the pathway as plain data, transitions with readable conditions."""
    return {
        "id": pathway.id, "name": pathway.name, "summary": pathway.summary, "initial": pathway.initial,
        "reviewed": pathway.reviewed,
        "imaging_interval_months": [pathway.monitoring.imaging_interval_months_min,
                                    pathway.monitoring.imaging_interval_months_max],
        "attributes": {a.name: {"of": a.of, "values": list(a.values), "description": a.description}
                       for a in pathway.attributes.values()},
        "states": [{"id": s.id, "kind": s.kind, "label": s.label, "line": s.line, "drugs": list(s.drugs),
                    "dose": s.regimen.dose if s.regimen else None,
                    "schedule": s.regimen.schedule if s.regimen else None,
                    "sources": list(s.sources), "beyond_source": s.beyond_source, "note": s.note}
                   for s in pathway.states.values()],
        "transitions": [{"event": t.event, "from": t.source, "to": t.target, "when": describe(t.when),
                         "order": t.order, "sources": list(t.sources), "beyond_source": t.beyond_source}
                        for t in pathway.transitions],
        "sources": [{"id": s.id, "citation": s.citation, "beyond_source": s.beyond_source}
                    for s in pathway.sources.values()],
    }


def render_pathway_text(pathway: Pathway) -> str:
    """``show``: the pathway for reading in a terminal."""
    from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE

    out = [f"{pathway.name} [{pathway.id}]"]
    if pathway.summary:
        out.append(pathway.summary)
    out.append(f"Last clinical review: {pathway.reviewed} (docs/clinical/currency.md)" if pathway.reviewed
               else "Last clinical review: not recorded")
    m = pathway.monitoring
    out.append(f"Imaging every {m.imaging_interval_months_min:g}-{m.imaging_interval_months_max:g} months "
               f"initially [{', '.join(m.sources)}]")
    out.append("")
    out.append("States (* = beyond the source guideline)")
    for s in pathway.states.values():
        mark = "*" if s.beyond_source else " "
        line = s.regimen.setting if s.regimen else s.kind
        out.append(f" {mark} {s.id:<28} {line:<9} {s.label}")
        if s.regimen:
            details = "; ".join(p for p in (s.regimen.dose, s.regimen.schedule) if p)
            drugs = ", ".join(s.regimen.drugs) or s.regimen.drug_class
            out.append(f"   {'':<28} {'':<9} {drugs}{': ' + details if details else ''}")
        if s.sources:
            out.append(f"   {'':<28} {'':<9} sources: {', '.join(s.sources)}")
    out.append("")
    out.append("Transitions (same event from one state: first whose condition holds)")
    for t in pathway.transitions:
        mark = "*" if t.beyond_source else " "
        when = f" if {describe(t.when)}" if t.when else (" otherwise" if t.order else "")
        cited = f"  [{', '.join(t.sources)}]" if t.sources else ""
        out.append(f" {mark} {t.source} --{t.event}{when}--> {t.target}{cited}")
    if pathway.attributes:
        out.append("")
        out.append("Attributes conditions read")
        for a in pathway.attributes.values():
            out.append(f"   {a.name} ({a.of}): {', '.join(a.values)}")
    out.append("")
    out.append("Sources")
    for source in pathway.sources.values():
        mark = "*" if source.beyond_source else " "
        out.append(f" {mark} {source.id}: {source.citation}")
    out.append("")
    out.append(NOT_FOR_CLINICAL_USE)
    return "\n".join(out)


def cmd_show(args: argparse.Namespace) -> int:
    """Print one pathway, as text or JSON."""
    pathway = load_any(args.subtype)
    if args.format == "json":
        print(json.dumps(pathway_document(pathway), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print(safe_for_terminal(render_pathway_text(pathway)))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate every target, report all problems, exit 1 if any target is invalid."""
    failed = False
    for target in args.targets:
        try:
            pathway = load_any(target)
        except PathwayError as error:
            failed = True
            for line in error.error_lines():
                print(safe_for_terminal(line), file=sys.stderr)
            continue
        print(f"ok: {pathway.file} ({pathway.id}: {len(pathway.states)} states, "
              f"{len(pathway.transitions)} transitions)")
    return 1 if failed else 0


def cmd_export(args: argparse.Namespace) -> int:
    """Print (or write) a pathway graph in the chosen format."""
    from sarcoma_sim.pathways.export import EXPORTERS
    from sarcoma_sim.pathways.graph import build_graph

    if args.yed and args.format != "graphml":
        args.export_parser.error("--yed styles GraphML; use it with --format graphml")
    if args.yed:
        from sarcoma_sim.pathways.export import to_yed_graphml
        text = to_yed_graphml(build_graph(load_any(args.subtype)))
    else:
        text = EXPORTERS[args.format](build_graph(load_any(args.subtype)))
    if args.output is not None:   # -o '' is refused there, not taken for standard output
        from sarcoma_sim.files import write_text_atomic
        write_text_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return 0
