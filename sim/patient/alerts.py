"""Teaching alerts: rules evaluated on each step of a patient, each with a stable code and a source.

An alert makes one of the source guideline's pitfalls visible on a step: a regimen outside the
subtype's pathway, a therapy continued after progression, sunitinib beside a strong CYP3A4
inhibitor or inducer, an imatinib dose that ignores KIT/PDGFRA status, a marker-dependent drug
without its marker, or a choice that is off the guideline. Rules read regimen facts (drugs,
daily dose, kind) from the pathway objects, never state ids, so they hold for every subtype.

Every citation names the line of ``source-guideline.md`` or ``evidence.md`` (verbatim copies in
``docs/clinical``) it quotes; a test checks that each quote is still on its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from sarcoma_sim.pathways.conditions import describe
from sarcoma_sim.pathways.model import Pathway, Regimen, State, Transition
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


# Quotes are exact excerpts of docs/clinical/*.md; tests/test_alerts.py checks each is on its line.
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
CITE_LABEL_INHIBITOR = Citation(EVIDENCE_FILE, 65, "consider reducing the dose to a minimum of 37.5 mg daily")
CITE_LABEL_INDUCER = Citation(EVIDENCE_FILE, 67, "consider increasing to a maximum of 87.5 mg daily")
CITE_KIT_DOSE = Citation(GUIDELINE_FILE, 49, "Failing to adjust imatinib dose based on KIT mutation status in GIST")
CITE_EXON9_800 = Citation(EVIDENCE_FILE, 20, "800 mg cut progression risk by 61% in exon 9")
CITE_D842V = Citation(EVIDENCE_FILE, 31, "D842V is resistant to imatinib and sunitinib")
CITE_CRIZOTINIB_ALK = Citation(GUIDELINE_FILE, 32, "Crizotinib (if ALK translocation present)")
CITE_NTRK = Citation(GUIDELINE_FILE, 38, "NTRK fusion-positive sarcomas | NTRK inhibitors (larotrectinib, "
                                         "entrectinib)")

ALL_CITATIONS = (CITE_SUBTYPE_SELECTION, CITE_ONE_ENTITY, CITE_INEFFECTIVE, CITE_LIMITED_RESECTION,
                 CITE_INTERACTIONS, CITE_LABEL_INHIBITOR, CITE_LABEL_INDUCER, CITE_KIT_DOSE, CITE_EXON9_800,
                 CITE_D842V, CITE_CRIZOTINIB_ALK, CITE_NTRK)

# The KIT exon 9 starting dose the source's "adjust imatinib dose" points to (EORTC 62005 genotype row).
EXON9_IMATINIB_DAILY_MG = 800

# Drugs the source gives only with a marker: drug -> (patient attribute, required value, marker words, citation).
MARKER_DRUGS: dict[str, tuple[str, str, str, Citation]] = {
    "crizotinib": ("alk", "positive", "an ALK translocation", CITE_CRIZOTINIB_ALK),
    "larotrectinib": ("ntrk_fusion", "positive", "an NTRK gene fusion", CITE_NTRK),
    "entrectinib": ("ntrk_fusion", "positive", "an NTRK gene fusion", CITE_NTRK),
}

ALERT_CODES: dict[str, str] = {
    "OFF_GUIDELINE_CHOICE": ("the chosen next state differs from the guideline's step; "
                             "the guideline's choice is explained"),
    "SUBTYPE_MISMATCH": "a regimen outside this subtype's pathway",
    "CONTINUED_AFTER_PROGRESSION": "the same therapy continued after progression without a reason",
    "CYP3A4_INHIBITOR": "sunitinib with a strong CYP3A4 inhibitor",
    "CYP3A4_INDUCER": "sunitinib with a strong CYP3A4 inducer",
    "KIT_EXON9_DOSE": "KIT exon 9 GIST on imatinib below 800 mg daily",
    "PDGFRA_D842V_IMATINIB": "imatinib for a PDGFRA D842V GIST",
    "MARKER_REQUIRED": ("a marker-dependent drug without its marker "
                        "(crizotinib without ALK, NTRK inhibitor without fusion)"),
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


def _classes(pathway: Pathway, class_only: bool) -> set[str]:
    return {s.regimen.drug_class.lower() for s in pathway.states.values()
            if s.regimen and s.regimen.drug_class and (not class_only or not s.regimen.drugs)}


def outside_pathway(pathway: Pathway, regimen: Regimen | None) -> str | None:
    """What of ``regimen`` this pathway does not use (drugs, or the class), or None if it uses it all.

    A drug the pathway does not name is still covered by a regimen of the pathway that names only
    a class containing it: angiosarcoma's "anti-angiogenic" therapy covers pazopanib, an
    "anti-angiogenic TKI". A regimen that names only a class is compared by class the same way.
    """
    if regimen is None:
        return None
    own = (regimen.drug_class or "").lower()
    if regimen.drugs:
        covered = own and any(c in own for c in _classes(pathway, class_only=True))
        foreign = [d for d in regimen.drugs if d not in pathway.drugs()]
        return ", ".join(foreign) if foreign and not covered else None
    if not own or any(own in c or c in own for c in _classes(pathway, class_only=False)):
        return None
    return regimen.drug_class


def subtype_mismatch(ctx: StepContext) -> Alert | None:
    """A regimen none of whose drugs (or whose drug class, if it names no drug) this pathway uses."""
    what = outside_pathway(ctx.pathway, ctx.given.regimen)
    if what is None:
        return None
    home = f" (a regimen of the {ctx.given_pathway.name} pathway)" if ctx.given_pathway is not ctx.pathway else ""
    message = (f"{what} is not part of the {ctx.pathway.name} pathway{home}. Targeted therapy is chosen by "
               f"histologic subtype; treating all soft tissue sarcomas as one entity is a pitfall the source "
               f"guideline names.")
    return Alert("SUBTYPE_MISMATCH", message, (str(CITE_ONE_ENTITY), str(CITE_SUBTYPE_SELECTION)))


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


def _sunitinib_alert(ctx: StepContext, drugs: tuple[str, ...], code: str) -> Alert | None:
    regimen = ctx.given.regimen
    if not drugs or regimen is None or "sunitinib" not in regimen.drugs:
        return None
    names = ", ".join(drugs)
    dose = regimen.daily_dose_mg
    on = f"sunitinib {_mg(dose)} daily" if dose is not None else "sunitinib"
    if code == "CYP3A4_INHIBITOR":
        message = (f"{on} with {names}, a strong CYP3A4 inhibitor, which raises sunitinib exposure "
                   f"(ketoconazole raised it by 51%). The sunitinib label: consider reducing the dose to a "
                   f"minimum of 37.5 mg daily (GIST, 4 weeks on/2 weeks off schedule).")
        if dose is not None and dose <= 37.5:
            message += " This regimen is already at 37.5 mg daily."
        label = CITE_LABEL_INHIBITOR
    else:
        message = (f"{on} with {names}, a strong CYP3A4 inducer, which lowers sunitinib exposure "
                   f"(rifampicin lowered it by 46%). The sunitinib label: consider increasing the dose to a "
                   f"maximum of 87.5 mg daily (GIST, 4 weeks on/2 weeks off schedule).")
        label = CITE_LABEL_INDUCER
    return Alert(code, message, (str(label), str(CITE_INTERACTIONS)))


def cyp3a4_inhibitor(ctx: StepContext) -> Alert | None:
    """Sunitinib given beside a strong CYP3A4 inhibitor, with the label's dose reduction."""
    return _sunitinib_alert(ctx, ctx.patient.cyp3a4_inhibitors, "CYP3A4_INHIBITOR")


def cyp3a4_inducer(ctx: StepContext) -> Alert | None:
    """Sunitinib given beside a strong CYP3A4 inducer, with the label's dose increase."""
    return _sunitinib_alert(ctx, ctx.patient.cyp3a4_inducers, "CYP3A4_INDUCER")


def kit_exon9_dose(ctx: StepContext) -> Alert | None:
    """A KIT exon 9 GIST given imatinib below the exon 9 dose of 800 mg daily."""
    regimen = ctx.given.regimen
    if ctx.patient.facts.get("kit_exon") != "exon9" or regimen is None or "imatinib" not in regimen.drugs:
        return None
    if regimen.daily_dose_mg is None or regimen.daily_dose_mg >= EXON9_IMATINIB_DAILY_MG:
        return None
    message = (f"KIT exon 9 GIST on imatinib {_mg(regimen.daily_dose_mg)} daily: the imatinib dose is adjusted to "
               f"KIT mutation status, and exon 9 starts at {_mg(EXON9_IMATINIB_DAILY_MG)} daily (400 mg twice "
               f"daily). In EORTC 62005, 800 mg cut the risk of progression by 61% in exon 9.")
    return Alert("KIT_EXON9_DOSE", message, (str(CITE_KIT_DOSE), str(CITE_EXON9_800)))


def pdgfra_d842v_imatinib(ctx: StepContext) -> Alert | None:
    """Imatinib given for a PDGFRA D842V GIST, which is resistant to it."""
    regimen = ctx.given.regimen
    if ctx.patient.facts.get("pdgfra") != "d842v" or regimen is None or "imatinib" not in regimen.drugs:
        return None
    message = (f"Imatinib for a PDGFRA D842V GIST: D842V is resistant to imatinib (and to sunitinib), so "
               f"{ctx.given.label} will not control it. The guideline's step here is {ctx.guideline_state.label}.")
    return Alert("PDGFRA_D842V_IMATINIB", message, (str(CITE_D842V), str(CITE_ONE_ENTITY)))


def marker_required(ctx: StepContext) -> Alert | None:
    """Crizotinib without an ALK translocation, an NTRK inhibitor without an NTRK fusion."""
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
        status = f"{attribute} = {found}" if found else f"{attribute} was not tested"
        message = (f"{drug} is given only with {words}, and this patient has none documented ({status}). "
                   f"Test for the marker first; without it the guideline's step is {ctx.guideline_state.label}.")
        return Alert("MARKER_REQUIRED", message, (str(citation), str(CITE_ONE_ENTITY)))
    return None


RULES: tuple[Callable[[StepContext], Alert | None], ...] = (
    off_guideline_choice, subtype_mismatch, continued_after_progression, cyp3a4_inhibitor, cyp3a4_inducer,
    kit_exon9_dose, pdgfra_d842v_imatinib, marker_required,
)


def evaluate(ctx: StepContext) -> tuple[Alert, ...]:
    """Every alert the rules raise on one step, in the order of ``RULES``."""
    return tuple(alert for rule in RULES if (alert := rule(ctx)) is not None)
