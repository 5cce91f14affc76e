"""Teaching alerts: rules evaluated on each step of a patient, each with a stable code and a source.

An alert makes one of the source guideline's pitfalls visible on a step: a regimen outside the
subtype's pathway (judged by what the source names for the subtype, classes included), a therapy
continued after progression, any pathway drug beside a strong or moderate CYP3A4 inhibitor
or inducer when its label gives guidance for that strength (per schedule, from the interaction
table), an imatinib dose that ignores KIT status (a reduction for toxicity is not one), a drug a
PDGFRA D842V GIST resists, a decision that depends on a marker nobody tested, a marker-dependent
drug without its marker (tazemetostat without INI1 loss included), or a choice that is off the
guideline. Rules read regimen facts (drugs, daily dose, schedule, kind) from the pathway objects,
never state ids, so they hold for every subtype.

Every citation names the line of ``source-guideline.md`` or ``evidence.md`` (verbatim copies in
``docs/clinical``) it quotes; a test checks that each quote is still on its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from sarcoma_sim.pathways.conditions import describe, holds
from sarcoma_sim.pathways.model import NOT_TESTED, Attribute, Pathway, Regimen, State, Transition
from sarcoma_sim.patient.interactions import (
    GUIDED_ROLES,
    INDUCER_ROLES,
    INHIBITOR_ROLES,
    ROLE_WORDS,
    Guidance,
    load_table,
    normalise_drug_name,
)
from sarcoma_sim.patient.marker_rules import violation
from sarcoma_sim.patient.record import Patient

GUIDELINE_FILE = "source-guideline.md"
EVIDENCE_FILE = "evidence.md"


@dataclass(frozen=True)
class Citation:
    """A quoted line of the source guideline or the evidence table."""

    document: str
    line: int
    quote: str

    def __str__(self) -> str:
        return f'{self.document}:{self.line} "{self.quote}"'


# Quotes are exact excerpts of docs/clinical/*.md; tests/patient/test_alerts.py checks each is on its line.
CITE_SUBTYPE_SELECTION = Citation(GUIDELINE_FILE, 8, "targeted therapy selection should be based on specific "
                                                     "histologic subtype")
CITE_ONE_ENTITY = Citation(GUIDELINE_FILE, 46, "Treating all soft tissue sarcomas as one entity - histologic "
                                               "subtyping and molecular testing are critical")
CITE_INEFFECTIVE = Citation(GUIDELINE_FILE, 47, "Continuing ineffective therapy - consider switching therapy if "
                                                "progression occurs")
CITE_LIMITED_RESECTION = Citation(GUIDELINE_FILE, 20, "For limited disease progression: Consider surgical "
                                                      "resection with continuation of imatinib post-surgery")
CITE_INTERACTIONS = Citation(GUIDELINE_FILE, 48, "Overlooking potential drug interactions, especially with "
                                                 "CYP3A4 inhibitors/inducers for sunitinib")
CITE_KIT_DOSE = Citation(GUIDELINE_FILE, 49, "Failing to adjust imatinib dose based on KIT mutation status in GIST")
CITE_EXON9_800 = Citation(EVIDENCE_FILE, 20, "800 mg cut progression risk by 61% in exon 9")
CITE_D842V = Citation(EVIDENCE_FILE, 31, "D842V is resistant to imatinib and sunitinib")
CITE_D842V_REGORAFENIB = Citation(EVIDENCE_FILE, 143, "D842V is resistant to regorafenib as well")
CITE_CRIZOTINIB_ALK = Citation(GUIDELINE_FILE, 32, "Crizotinib (if ALK translocation present)")
CITE_NTRK = Citation(GUIDELINE_FILE, 38, "NTRK fusion-positive sarcomas | NTRK inhibitors (larotrectinib, "
                                         "entrectinib)")
CITE_TAZEMETOSTAT_INI1 = Citation(EVIDENCE_FILE, 320, "Patients were required to have INI1 loss, detected using "
                                                     "local tests")

ALL_CITATIONS = (CITE_SUBTYPE_SELECTION, CITE_ONE_ENTITY, CITE_INEFFECTIVE, CITE_LIMITED_RESECTION,
                 CITE_INTERACTIONS, CITE_KIT_DOSE, CITE_EXON9_800, CITE_D842V, CITE_D842V_REGORAFENIB,
                 CITE_CRIZOTINIB_ALK, CITE_NTRK, CITE_TAZEMETOSTAT_INI1)

# The KIT exon 9 starting dose the source's "adjust imatinib dose" points to (EORTC 62005 genotype row).
EXON9_IMATINIB_DAILY_MG = 800

# Drugs the source gives only with a marker: drug -> (patient attribute, required value, marker words, citation).
MARKER_DRUGS: dict[str, tuple[str, str, str, Citation]] = {
    "crizotinib": ("alk", "positive", "an ALK translocation", CITE_CRIZOTINIB_ALK),
    "larotrectinib": ("ntrk_fusion", "positive", "an NTRK gene fusion", CITE_NTRK),
    "entrectinib": ("ntrk_fusion", "positive", "an NTRK gene fusion", CITE_NTRK),
    "tazemetostat": ("ini1", "lost", "INI1 (SMARCB1) loss", CITE_TAZEMETOSTAT_INI1),
}
# What a resident should know beside the rule, where the marker is the evidence's and not the label's.
MARKER_NOTES: dict[str, str] = {
    "tazemetostat": ("The label's indication does not name INI1, but the trial behind the approval (EZH-202) "
                     "enrolled only tumours with INI1 loss; the pathway gives tazemetostat only then."),
}

# Drugs a PDGFRA D842V GIST resists: drug -> citation.
D842V_RESISTANT: dict[str, Citation] = {
    "imatinib": CITE_D842V, "sunitinib": CITE_D842V, "regorafenib": CITE_D842V_REGORAFENIB,
}

ALERT_CODES: dict[str, str] = {
    "OFF_GUIDELINE_CHOICE": ("the chosen next state differs from the guideline's step; "
                             "the guideline's choice is explained"),
    "SUBTYPE_MISMATCH": "a regimen outside what the source names for this subtype (drugs or drug classes)",
    "CONTINUED_AFTER_PROGRESSION": "the same therapy continued after progression without a reason",
    "CYP3A4_INHIBITOR": ("a pathway drug beside a strong or moderate CYP3A4 inhibitor, where its label gives guidance "
                         "for that strength (named, with the label's advice, per schedule)"),
    "CYP3A4_INDUCER": ("a pathway drug beside a strong or moderate CYP3A4 inducer, where its label gives guidance "
                       "for that strength (named, with the label's advice, per schedule)"),
    "KIT_EXON9_DOSE": ("KIT exon 9 GIST started or kept on imatinib below 800 mg daily "
                       "(a reduction for toxicity is not one)"),
    "PDGFRA_D842V_IMATINIB": "a drug a PDGFRA D842V GIST resists (imatinib, sunitinib, regorafenib)",
    "UNTESTED_MARKER": "a decision that depends on a marker nobody tested; names the test to order",
    "MARKER_REQUIRED": ("a marker-dependent drug without its marker "
                        "(crizotinib without ALK, NTRK inhibitor without fusion, tazemetostat without INI1 loss)"),
}


@dataclass(frozen=True)
class Alert:
    """One teaching alert on a step: stable ``code``, plain clinical ``message``, its ``sources``."""

    code: str
    message: str
    sources: tuple[str, ...]

    def to_dict(self) -> dict:
        """The alert as plain data for JSON."""
        return {"code": self.code, "message": self.message, "sources": list(self.sources)}


@dataclass(frozen=True)
class StepContext:
    """What the rules see of one step.

    ``given`` is the state the patient is given at this step: the chosen state when the step has
    a choice (possibly another subtype's, ``given_pathway``), otherwise the guideline's target.
    """

    pathway: Pathway
    patient: Patient
    event: str
    attributes: Mapping[str, str]
    current: State
    guideline: Transition
    given: State
    given_pathway: Pathway
    chosen: bool = False

    @property
    def guideline_state(self) -> State:
        """The state the guideline's transition leads to."""
        return self.pathway.states[self.guideline.target]

    @property
    def off_guideline(self) -> bool:
        """Whether the given state is not the guideline's step."""
        return self.given_pathway is not self.pathway or self.given.id != self.guideline.target


def citations_of(pathway: Pathway, source_ids) -> tuple[str, ...]:
    """Pathway source ids as ``id: citation`` texts (ids not in the pathway are kept as they are)."""
    found = []
    for sid in source_ids:
        source = pathway.sources.get(sid)
        found.append(f"{sid}: {source.citation}" if source else sid)
    return tuple(found)


def _identity(regimen: Regimen):
    return frozenset(regimen.drugs) if regimen.drugs else regimen.drug_class


def same_therapy(current: Regimen | None, given: Regimen | None) -> bool:
    """Whether ``given`` continues ``current``: the same drugs (or class) without a dose increase.

    A higher daily dose of the same drugs is an escalation (the source's imatinib 400 -> 800 mg),
    not a continuation; a lower dose or another schedule of the same drugs is a continuation.
    """
    if current is None or given is None:
        return False
    if _identity(current) is None or _identity(current) != _identity(given):
        return False
    if current.daily_dose_mg is not None and given.daily_dose_mg is not None:
        return given.daily_dose_mg <= current.daily_dose_mg
    return True


def _mg(value: float) -> str:
    return f"{value:g} mg"


def off_guideline_choice(ctx: StepContext) -> Alert | None:
    """A chosen state that is not the guideline's step: say what the guideline does and why."""
    if not ctx.chosen or not ctx.off_guideline:
        return None
    target = ctx.guideline_state
    because = describe(ctx.guideline.when)
    why = f" because {because}" if because else ""
    parts = [f"Off the guideline: at {_event_words(ctx)}, from {ctx.current.label}, the guideline gives "
             f"{target.label}{why}; the choice was {ctx.given.label}."]
    if ctx.given_pathway is not ctx.pathway:
        parts.append(f"{ctx.given.label} is a state of the {ctx.given_pathway.name} pathway, "
                     f"not of {ctx.pathway.name}.")
    else:
        alternatives = [t for t in ctx.pathway.outgoing(ctx.current.id, ctx.event)
                        if t.target == ctx.given.id and t.when is not None]
        if alternatives:
            conditions = " or ".join(f"when {describe(t.when)}" for t in alternatives)
            parts.append(f"{ctx.given.label} is the guideline's step here only {conditions}.")
    for note in (ctx.guideline.note, target.note):
        if note:
            parts.append(sentence(note))
    if ctx.guideline.beyond_source or target.beyond_source:
        parts.append("That step goes beyond the source guideline (evidence table).")
    parts.append("The run continues from the guideline's state.")
    sources = citations_of(ctx.pathway, dict.fromkeys(ctx.guideline.sources + target.sources))
    return Alert("OFF_GUIDELINE_CHOICE", " ".join(parts), sources)


def sentence(text: str) -> str:
    """``text`` as a sentence: a capital first letter and a full stop."""
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "."


def _event_words(ctx: StepContext) -> str:
    details = ", ".join(f"{k} {v}" for k, v in sorted(ctx.attributes.items()) if k != "option")
    return f"{ctx.event} ({details})" if details else ctx.event


def outside_pathway(pathway: Pathway, regimen: Regimen | None) -> str | None:
    """What of ``regimen`` this pathway does not use (drugs, or the class), or None if it uses it all.

    A drug is part of the pathway when a state gives it, or when it belongs (interaction table) to
    a drug class the source guideline's own wording names for the subtype: ASPS's "Anti-angiogenic
    TKIs (pazopanib)" covers sunitinib. A regimen that names only a class is compared by class.
    """
    if regimen is None:
        return None
    table = load_table()
    named = pathway.named_classes() | {s.regimen.drug_class.lower() for s in pathway.states.values()
                                       if s.regimen and s.regimen.drug_class}
    if regimen.drugs:
        foreign = [d for d in regimen.drugs if d not in pathway.drugs()
                   and not {c.lower() for c in table.classes_of(d)} & pathway.named_classes()]
        return ", ".join(foreign) or None
    own = (regimen.drug_class or "").lower()
    return None if not own or own in named else regimen.drug_class


def _wording(pathway: Pathway) -> str:
    if not pathway.source_wording:
        return ""
    quotes = "; ".join(f'{GUIDELINE_FILE}:{w.line} "{w.quote}"' for w in pathway.source_wording)
    return f" For {pathway.name} the source names: {quotes}."


def subtype_mismatch(ctx: StepContext) -> Alert | None:
    """A regimen with a drug (or class) that neither this pathway nor the source's wording for the subtype names."""
    what = outside_pathway(ctx.pathway, ctx.given.regimen)
    if what is None:
        return None
    home = f" (a regimen of the {ctx.given_pathway.name} pathway)" if ctx.given_pathway is not ctx.pathway else ""
    message = (f"{what} is not part of the {ctx.pathway.name} pathway{home}.{_wording(ctx.pathway)} Targeted "
               f"therapy is chosen by histologic subtype; treating all soft tissue sarcomas as one entity is a "
               f"pitfall the source guideline names.")
    sources: tuple[str, ...] = (str(CITE_ONE_ENTITY), str(CITE_SUBTYPE_SELECTION))
    sources += tuple(str(Citation(GUIDELINE_FILE, w.line, w.quote)) for w in ctx.pathway.source_wording)
    return Alert("SUBTYPE_MISMATCH", message, sources)


def continued_after_progression(ctx: StepContext) -> Alert | None:
    """Progression answered by the same therapy (same drugs and dose); a resection is a reason."""
    if ctx.event != "progression" or not same_therapy(ctx.current.regimen, ctx.given.regimen):
        return None
    if ctx.given.kind == "surgery":
        return None
    extent = ctx.attributes.get("extent")
    progression = f"{extent} progression" if extent else "progression"
    if ctx.given.label == ctx.current.label:
        what = f"{ctx.current.label} continued after {progression}"
    else:
        what = (f"{', '.join(ctx.given.drugs) or ctx.given.label} continued after {progression} on "
                f"{ctx.current.label} (as {ctx.given.label})")
    message = (f"{what} without a reason. Consider switching therapy when progression occurs; the guideline's "
               f"step here is {ctx.guideline_state.label}. The source's one reason to continue is limited "
               f"progression treated by surgical resection, with the therapy continued after surgery.")
    return Alert("CONTINUED_AFTER_PROGRESSION", message, (str(CITE_INEFFECTIVE), str(CITE_LIMITED_RESECTION)))


def _regimen_words(drug: str, regimen: Regimen) -> str:
    dose = ""
    if regimen.daily_dose_mg is not None and len(regimen.drugs) == 1:
        dose = f" {_mg(regimen.daily_dose_mg)} daily"
    schedule = f" ({regimen.schedule})" if regimen.schedule else ""
    return f"{drug}{dose}{schedule}"


@dataclass(frozen=True)
class InteractionFinding:
    """A pathway drug beside co-medications of one CYP3A4 strength, with its label's guidance for it."""

    drug: str
    role: str
    comedications: tuple[str, ...]
    guidance: Guidance


def interaction_findings(patient: Patient, regimen: Regimen | None, roles=GUIDED_ROLES) -> list[InteractionFinding]:
    """Each drug of ``regimen`` whose label gives guidance for a co-medication of the patient, per strength.

    Strong before moderate; a weak or non-interacting co-medication finds nothing, and neither
    does a strength the label gives no guidance for. The teaching mode can read the same findings.
    """
    if regimen is None:
        return []
    table = load_table()
    found = []
    for role in roles:
        modulators = patient.with_role(role)
        for drug in regimen.drugs if modulators else ():
            entry = table.drugs.get(normalise_drug_name(drug))
            guidance = entry.guidance_for(role, regimen.schedule) if entry else None
            if guidance is not None:
                found.append(InteractionFinding(drug, role, modulators, guidance))
    return found


def _cyp3a4_alert(ctx: StepContext, roles: tuple[str, ...], code: str) -> Alert | None:
    """Each drug of the given regimen whose label gives guidance beside a co-medication of ``roles``.

    The message names the strength and what the label says for it; a moderate co-medication's
    class is cited too, since the label names the strength, not the drug.
    """
    regimen = ctx.given.regimen
    findings = interaction_findings(ctx.patient, regimen, roles)
    if regimen is None or not findings:
        return None
    table = load_table()
    parts, sources = [], []
    for finding in findings:
        guidance = finding.guidance
        text = (f"{_regimen_words(finding.drug, regimen)} with {', '.join(finding.comedications)}, a "
                f"{ROLE_WORDS[finding.role]}: {guidance.advice.rstrip('.')}.")
        if guidance.unconfirmed:
            text += " (The evidence table marks this label guidance unconfirmed: check the label.)"
        parts.append(text)
        sources.append(guidance.source)
        if finding.role.startswith("moderate"):
            for name in finding.comedications:
                entry = table.comedication(name)
                if entry is not None:
                    sources.append(f"{entry.name} as a {ROLE_WORDS[finding.role]}: {entry.source}")
    return Alert(code, " ".join(parts), tuple(dict.fromkeys(sources)) + (str(CITE_INTERACTIONS),))


def cyp3a4_inhibitor(ctx: StepContext) -> Alert | None:
    """A pathway drug beside a strong or moderate CYP3A4 inhibitor, with its label's guidance for that strength."""
    return _cyp3a4_alert(ctx, INHIBITOR_ROLES, "CYP3A4_INHIBITOR")


def cyp3a4_inducer(ctx: StepContext) -> Alert | None:
    """A pathway drug beside a strong or moderate CYP3A4 inducer, with its label's guidance for that strength."""
    return _cyp3a4_alert(ctx, INDUCER_ROLES, "CYP3A4_INDUCER")


def kit_exon9_dose(ctx: StepContext) -> Alert | None:
    """A KIT exon 9 GIST given imatinib below the exon 9 dose of 800 mg daily."""
    regimen = ctx.given.regimen
    if ctx.patient.facts.get("kit_exon") != "exon9" or regimen is None or "imatinib" not in regimen.drugs:
        return None
    if regimen.daily_dose_mg is None or regimen.daily_dose_mg >= EXON9_IMATINIB_DAILY_MG:
        return None
    if regimen.reduced_dose and ctx.event == "intolerance" and "imatinib" in ctx.current.drugs:
        return None  # the label's reduction for toxicity (800 -> 600 mg), not a dose that ignores exon 9
    if regimen.adjuvant:
        return None  # the exon 9 dose rests on trials in advanced GIST; adjuvant imatinib (SSG XVIII) is 400 mg
    message = (f"KIT exon 9 GIST on imatinib {_mg(regimen.daily_dose_mg)} daily: the imatinib dose is adjusted to "
               f"KIT mutation status, and exon 9 starts at {_mg(EXON9_IMATINIB_DAILY_MG)} daily (400 mg twice "
               f"daily). In EORTC 62005, 800 mg cut the risk of progression by 61% in exon 9.")
    return Alert("KIT_EXON9_DOSE", message, (str(CITE_KIT_DOSE), str(CITE_EXON9_800)))


def pdgfra_d842v_imatinib(ctx: StepContext) -> Alert | None:
    """A drug a PDGFRA D842V GIST resists (imatinib, sunitinib, regorafenib)."""
    regimen = ctx.given.regimen
    if ctx.patient.facts.get("pdgfra") != "d842v" or regimen is None:
        return None
    resisted = [d for d in regimen.drugs if d in D842V_RESISTANT]
    if not resisted:
        return None
    message = (f"{', '.join(resisted).capitalize()} for a PDGFRA D842V GIST: D842V is resistant to imatinib and "
               f"sunitinib, and to regorafenib as well (unconfirmed in the evidence table), so {ctx.given.label} "
               f"will not control it. The guideline's step here is {ctx.guideline_state.label}.")
    citations = dict.fromkeys(str(D842V_RESISTANT[d]) for d in resisted)
    return Alert("PDGFRA_D842V_IMATINIB", message, tuple(citations) + (str(CITE_ONE_ENTITY),))


def _first_holding(pathway: Pathway, state: str, event: str, facts) -> Transition | None:
    return next((t for t in pathway.outgoing(state, event) if holds(t.when, facts)), None)


def untested_deciding(pathway: Pathway, state: str, event: str, facts: Mapping[str, str],
                      guideline: Transition) -> list[tuple[Attribute, str, State]]:
    """The untested markers on which the guideline's step on ``event`` from ``state`` depends.

    Each comes with a value that would change the step and the state it would lead to. A value the
    patient's other results rule out (a cited marker rule, ``marker_rules``: SDH deficiency beside
    a KIT mutation) is no reason to test. The teaching mode asks this before a decision, so its "order
    the test" option agrees with ``UNTESTED_MARKER``.
    """
    found = []
    for attribute in pathway.attributes.values():
        if not attribute.is_marker or facts.get(attribute.name) != NOT_TESTED:
            continue
        for value in attribute.values:
            if violation({**facts, attribute.name: value}) is not None:
                continue
            other = _first_holding(pathway, state, event, {**facts, attribute.name: value})
            if value != NOT_TESTED and other is not None and other.target != guideline.target:
                found.append((attribute, value, pathway.states[other.target]))
                break
    return found


def untested_marker(ctx: StepContext) -> Alert | None:
    """A decision whose outcome would differ had an untested marker been tested: name the test to order."""
    facts = {**ctx.patient.facts, **ctx.attributes}
    found = untested_deciding(ctx.pathway, ctx.current.id, ctx.event, facts, ctx.guideline)
    if not found:
        return None
    parts = []
    for test in dict.fromkeys(attribute.test for attribute, _, _ in found):
        group = [(a, v, st) for a, v, st in found if a.test == test]
        names = " and ".join(a.name for a, _, _ in group)
        would = "; ".join(f"with {a.name} {v} the guideline's step would be {st.label}" for a, v, st in group)
        parts.append(f"{names} {'was' if len(group) == 1 else 'were'} not tested (order: {test}): {would}.")
    message = (f"This decision depends on a marker nobody tested. {' '.join(parts)} Without the test the "
               f"guideline's default step, {ctx.guideline_state.label}, is taken. Histologic subtyping and "
               f"molecular testing are critical.")
    return Alert("UNTESTED_MARKER", message, (str(CITE_ONE_ENTITY),))


def marker_required(ctx: StepContext) -> Alert | None:
    """Crizotinib without an ALK translocation, an NTRK inhibitor without an NTRK fusion, tazemetostat
    without INI1 (SMARCB1) loss shown."""
    regimen = ctx.given.regimen
    if regimen is None:
        return None
    for drug in regimen.drugs:
        if drug not in MARKER_DRUGS:
            continue
        attribute, value, words, citation = MARKER_DRUGS[drug]
        found = ctx.patient.facts.get(attribute)
        if found == value:
            continue
        tested = found not in (None, NOT_TESTED)
        status = f"{attribute} = {found}" if tested else f"{attribute} was not tested"
        first = "" if tested else "Test for the marker first; "
        message = (f"{drug} is given only with {words}, and this patient has none documented ({status}). "
                   f"{first}{'w' if first else 'W'}ithout it the guideline's step is {ctx.guideline_state.label}.")
        if drug in MARKER_NOTES:
            message += " " + MARKER_NOTES[drug]
        return Alert("MARKER_REQUIRED", message, (str(citation), str(CITE_ONE_ENTITY)))
    return None


RULES: tuple[Callable[[StepContext], Alert | None], ...] = (
    off_guideline_choice, subtype_mismatch, continued_after_progression, cyp3a4_inhibitor, cyp3a4_inducer,
    kit_exon9_dose, pdgfra_d842v_imatinib, untested_marker, marker_required,
)


def evaluate(ctx: StepContext) -> tuple[Alert, ...]:
    """Every alert the rules raise on one step, in the order of ``RULES``."""
    return tuple(alert for rule in RULES if (alert := rule(ctx)) is not None)
