"""The teaching case in a resident's words: option texts without marker hints, conditions, paths, the debrief.

Option texts never name the marker they go with ("Imatinib 800 mg daily (KIT exon 9)" reads
"Imatinib 800 mg daily"), so the wording of an option gives no result away.
"""

from __future__ import annotations

import re
from typing import Mapping

from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.pathways.model import Pathway, State
from sarcoma_sim.patient.alerts import sentence
from sarcoma_sim.patient.choices import OPTION_ATTRIBUTE
from sarcoma_sim.patient.record import Patient, comedication_words

GENE_NAMES = {"kit": "KIT", "pdgfra": "PDGFRA", "alk": "ALK", "ntrk": "NTRK", "sdh": "SDH"}


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 decision``, ``2 decisions``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def readable(text: str) -> str:
    """An attribute name or value as a resident reads it: ``kit_exon`` -> ``KIT exon``, ``exon9`` -> ``exon 9``."""
    words = []
    for word in text.split("_"):
        if word in GENE_NAMES:
            word = GENE_NAMES[word]
        elif re.fullmatch(r"[a-z]\d+[a-z]", word):
            word = word.upper()
        else:
            word = re.sub(r"^(exon)(\d+)$", r"\1 \2", word)
        words.append(word)
    return " ".join(words)


def hint_words(*pathways: Pathway) -> set[str]:
    """Words that name a patient marker in any shipped pathway or the given ones (``kit``, ``alk``...)."""
    found: set[str] = set()
    for pathway in (*[load_subtype(s) for s in SUBTYPE_IDS], *pathways):
        for attribute in pathway.attributes.values():
            if attribute.of == "patient":
                found |= _words(attribute.name.replace("_", " "))
    return found


def option_text(state: State, hints: set[str]) -> str:
    """The state as an answer: its label without the marker it goes with, with its drugs when unnamed.

    "Imatinib 800 mg daily (KIT exon 9)" -> "Imatinib 800 mg daily"; "ALK-negative: no targeted
    therapy ..." -> "No targeted therapy ..."; a label that names no drug gets its drugs in brackets.
    """
    label = re.sub(r"\s*\(([^()]*)\)", lambda m: "" if _words(m.group(1)) & hints else m.group(0), state.label)
    head, sep, tail = label.partition(": ")
    if sep and _words(head) & hints:
        label = tail[:1].upper() + tail[1:]
    drugs = state.drugs
    if drugs and not any(d.lower() in label.lower() for d in drugs):
        label = f"{label} ({', '.join(drugs)})"
    return label


def option_texts(pathway: Pathway) -> dict[str, str]:
    """Every state of ``pathway`` as a teaching case's options name it (``option_text``), by state id."""
    hints = hint_words(pathway)
    return {state.id: option_text(state, hints) for state in pathway.states.values()}


def condition_words(condition) -> str | None:
    """A transition condition in a resident's words: ``KIT exon is exon 9``."""
    from sarcoma_sim.pathways.model import AllOf, Match, Not

    if condition is None:
        return None
    if isinstance(condition, Match):
        values = " or ".join(readable(v) for v in condition.values)
        return f"{readable(condition.attribute)} is {values}"
    if isinstance(condition, Not):
        return f"not ({condition_words(condition.part)})"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    return joiner.join(words for p in condition.parts if (words := condition_words(p)))



def interacting_drugs(state: State) -> str:
    """The regimen's drugs as words (for feedback on an interaction)."""
    return " and ".join(state.drugs) if state.regimen is not None else "the regimen"



def facts_words(pathway: Pathway, patient: Patient, attributes: Mapping[str, str] | None = None) -> str:
    """The patient's markers (and the event's attributes) in a resident's words."""
    parts = [f"{readable(k)} {readable(v)}" for k, v in marker_card(pathway, patient)]
    parts += [f"{readable(k)} {readable(v)}" for k, v in (attributes or {}).items() if k != OPTION_ATTRIBUTE]
    return ", ".join(parts) or "no markers"


def marker_card(pathway: Pathway, patient: Patient) -> list[tuple[str, str]]:
    """Every patient marker the pathway declares, with its value or ``not_tested``."""
    return [(a.name, patient.facts.get(a.name, "not_tested"))
            for a in pathway.attributes.values() if a.of == "patient"]


def patient_line(patient: Patient, pathway: Pathway | None = None, card=None) -> str:
    """The patient as the case presents it (``card``: the markers as shown, ``TeachingCase.card()``)."""
    if card is not None:
        shown = card
    elif pathway is not None:
        shown = marker_card(pathway, patient)
    else:
        shown = list(patient.facts.items())
    facts = ", ".join(f"{readable(k)}: {readable(v)}" for k, v in shown)
    meds = ", ".join(comedication_words(patient)) or "none"
    return f"Patient: {facts or 'no markers to test'}; co-medication: {meds}"


def path_words(pathway: Pathway, path) -> str:
    """A path of state ids as labels joined by arrows."""
    hints = hint_words(pathway)
    return " -> ".join(option_text(pathway.states[s], hints) for s in path)


def debrief_lines(case) -> list[str]:
    """The debrief of ``case`` (a ``TeachingCase``) as text: paths, mistakes with alerts and sources, score."""
    debrief = case.debrief()
    lines = ["Debrief", f"Your path: {path_words(case.pathway, debrief.taken_path)}"]
    if debrief.taken_path != debrief.guideline_path:
        lines.append(f"The guideline's path for this patient from the start: "
                     f"{path_words(case.pathway, debrief.guideline_path)}")
    lines += hidden_lines(debrief)
    mistakes = debrief.mistakes
    lines.append(f"Mistakes: {len(mistakes) or 'none'}")
    for decision, feedback in mistakes:
        given = feedback.option.text if feedback.option else "?"
        lines.append(f"  Decision {decision.number} (month {decision.at:g}): you gave {given}; "
                     f"the guideline gives {feedback.guideline_text}. {sentence(feedback.reason)}")
        for alert in feedback.step.alerts:
            if alert.code != "OFF_GUIDELINE_CHOICE":
                lines.append(f"    Alert {alert.code}; source: {'; '.join(alert.sources)}")
    lines.append(debrief.score_line())
    return lines



def hidden_lines(debrief) -> list[str]:
    """The results that were hidden (tests not sent) and the decisions that depended on them."""
    if not debrief.hidden:
        return []
    lines = ["The full patient (tests not sent at the start): "
             + ", ".join(f"{readable(k)} {readable(v)}" for k, v in debrief.hidden)]
    depended = [(d.number, f.depended_on) for d, f in debrief.decisions if f.depended_on]
    if depended:
        lines += [f"  Decision {number} depended on {' and '.join(readable(n) for n in names)}"
                  for number, names in depended]
    else:
        lines.append("  No decision depended on them.")
    return lines
