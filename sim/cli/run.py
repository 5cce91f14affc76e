"""The ``run`` command: a scripted scenario as a readable timeline, as JSON, or drawn.

``sarcoma-sim run SCENARIO.yaml [--pathway FILE.yaml] [--format text|json] [--draw FILE]``. The
text timeline shows each step (month, event, from -> to, regimen, dose, sources), the choice if the
scenario made one, every teaching alert with its source, the final state and the
not-for-clinical-use notice. ``--pathway`` runs the scenario on a teacher's pathway file instead of
the shipped one; ``--draw`` draws the path the patient actually took (an off-guideline choice
shown where it went), with the off-guideline steps named under the title.
"""

from __future__ import annotations

import argparse
import json
import textwrap

WIDTH = 100


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``run`` to the command parser."""
    p = commands.add_parser("run", help="run a scripted scenario: timeline with regimens, alerts and sources")
    p.add_argument("scenario", metavar="SCENARIO.yaml")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--pathway", metavar="FILE.yaml", help="run on this pathway file instead of the shipped one")
    p.add_argument("--draw", metavar="FILE", help="also draw the pathway with the path the patient took highlighted")
    p.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the scenario and print its timeline; draw it if asked."""
    from sarcoma_sim.patient.scenario import load_scenario, run_scenario

    pathway = None
    if args.pathway:
        from sarcoma_sim.pathways.load import load_pathway
        pathway = load_pathway(args.pathway)
    scenario = load_scenario(args.scenario, pathway)
    result = run_scenario(scenario)
    if args.draw is not None:   # --draw '' is refused there, not silently skipped
        _draw(result, args.draw)
    if args.format == "json":
        print(json.dumps(result_document(scenario, result), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        from sarcoma_sim.cli.terminal import safe_for_terminal
        print(safe_for_terminal(render_text(scenario, result)))
        if args.draw is not None:
            print(f"\nDrawing of the patient's path written to {args.draw}")
    return 0


def _draw(result, output: str) -> None:
    from sarcoma_sim.errors import CommandLineError, Problem

    if not output.strip():
        raise CommandLineError(Problem("--draw", None, "", "expected a file name, got an empty path"))
    try:
        import sarcoma_sim.pathways.draw  # noqa: F401
    except ImportError:
        raise CommandLineError("--draw is not available: the pathway drawing module (sarcoma_sim.pathways.draw) is not "
                           "installed in this version") from None
    from sarcoma_sim.reports.taken_path import save_taken_path

    save_taken_path(result, output)


def _patient_words(patient) -> str:
    from sarcoma_sim.patient.record import comedication_words

    assumed = patient.defaulted
    facts = ", ".join(f"{k} {v}" + (" (not given: the pathway's default)" if k in assumed else "")
                      for k, v in patient.facts.items()) or "no markers"
    meds = comedication_words(patient)
    return f"{facts}; co-medication: {', '.join(meds) if meds else 'none'}"


def _event_words(step) -> str:
    details = ", ".join(f"{k} {v}" for k, v in step.attributes.items())
    return f"{step.event} ({details})" if details else step.event


def _wrapped(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False)


def render_text(scenario, result) -> str:
    """The timeline for reading in a terminal."""
    from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE

    pathway = result.pathway
    out = [f"Scenario: {scenario.file}"]
    if scenario.title:
        out.append(f"Title: {scenario.title}")
    out.append(f"Subtype: {pathway.name} [{pathway.id}]")
    out.append(f"Patient: {_patient_words(result.patient)}")
    cited: dict[str, str] = {}
    for step in result.steps:
        out.append("")
        out.append(f"Step {step.index + 1}  month {step.at:g}  {_event_words(step)}")
        beyond = "  * beyond the source guideline" if step.beyond_source else ""
        out.append(f"  {step.source.id} -> {step.target.id}: {step.target.label}{beyond}")
        regimen = step.target.regimen
        if regimen:
            out.append(f"  regimen: {regimen.describe()} ({regimen.setting})")
        if step.sources:
            out.append(f"  sources: {', '.join(step.sources)}")
            cited.update((s, pathway.sources[s].citation) for s in step.sources if s in pathway.sources)
        if step.note:
            out += _wrapped(step.note, "  note: ", "    ")
        if step.choice:
            verdict = "on the guideline" if step.choice.concordant else "OFF the guideline"
            chosen = step.choice.target.state
            what = f"{chosen.label}" + (f" [{chosen.regimen.describe()}]" if chosen.regimen else "")
            out += _wrapped(f"chosen: {step.choice.id}: {what} ({verdict})", "  ", "    ")
        for alert in step.alerts:
            out += _wrapped(f"ALERT {alert.code}: {alert.message}", "  ", "    ")
            for source in alert.sources:
                out += _wrapped(f"source: {source}", "    ", "      ")
    out.append("")
    final = result.final_state
    if result.ended:
        status = "the pathway has ended"
    else:
        status = "possible next events: " + ", ".join(pathway.events_from(final.id))
    out.append(f"Final state at month {result.final_month:g}: {final.id} ({final.label}); {status}")
    codes = [a.code for s in result.steps for a in s.alerts]
    out.append(f"Alerts: {len(codes)}" + (f" ({', '.join(dict.fromkeys(codes))})" if codes else ""))
    if cited:
        out.append("")
        out.append("Sources")
        for sid, citation in cited.items():
            out.append(f"  {sid}: {citation}")
    out.append("")
    out.append(NOT_FOR_CLINICAL_USE)
    return "\n".join(out)


def result_document(scenario, result) -> dict:
    """``run --format json``: the scenario's patient, steps, alerts and final state as plain data."""
    from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE
    from sarcoma_sim.patient.record import comedication_words

    patient = result.patient
    final = result.final_state
    return {
        "scenario": scenario.file,
        "title": scenario.title,
        "subtype": result.pathway.id,
        "patient": {"label": patient.label, "markers": dict(patient.facts),
                    "comedications": list(patient.comedications),
                    "cyp3a4_inhibitors": list(patient.cyp3a4_inhibitors),
                    "cyp3a4_inducers": list(patient.cyp3a4_inducers),
                    "not_in_interaction_table": list(patient.unchecked_comedications),
                    "comedication_notes": comedication_words(patient),
                    "untested_markers": list(patient.untested()),
                    "defaulted": list(patient.defaulted)},
        "start_month": result.start_at,
        "steps": [s.to_dict() for s in result.steps],
        "alerts": [{"step": s.index, "month": s.at, **a.to_dict()} for s in result.steps for a in s.alerts],
        "final_state": {"id": final.id, "label": final.label, "kind": final.kind, "month": result.final_month,
                        "ended": result.ended, "possible_events": result.pathway.events_from(final.id)},
        "path": result.path,
        "notice": NOT_FOR_CLINICAL_USE,
    }
