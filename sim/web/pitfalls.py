"""The alert codes explained for teachers: one page per code, the pitfall in plain words and its sources.

The codes are read from ``sarcoma_sim.patient.alerts.ALERT_CODES`` (the list the alert rules are
tested against), so a new code without an explanation here fails a test instead of showing an empty
page. Each explanation cites the lines of the source guideline or the evidence table the alert rule
itself quotes (the ``CITE_...`` citations of ``alerts``); nothing here adds a clinical figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sarcoma_sim.patient import alerts as rules
from sarcoma_sim.patient.alerts import ALERT_CODES, Citation

CODE = re.compile(r"[A-Z0-9_]{1,60}")
# The evidence table's label rows the interaction alerts read (docs/clinical/evidence.md).
CITE_LABEL_ROWS = Citation(rules.EVIDENCE_FILE, 104, "Labels: dose reductions for adverse reactions and CYP3A4 "
                                                     "guidance")


@dataclass(frozen=True)
class Pitfall:
    """One alert code as a teacher reads it: a title, the pitfall in plain words, when it is raised, sources."""

    code: str
    title: str
    plain: str
    sources: tuple[Citation, ...]

    @property
    def rule(self) -> str:
        """When the app raises it (the rule's own one-line description)."""
        return ALERT_CODES[self.code]


_TEXTS: dict[str, tuple[str, str, tuple[Citation, ...]]] = {
    "OFF_GUIDELINE_CHOICE": (
        "A step the guideline does not take here",
        "The resident chose a next step that is not the guideline's for this patient at this point. This is the "
        "alert behind every wrong answer, so it is the most frequent code; the alerts beside it say which pitfall the "
        "choice fell into. The feedback names the guideline's step and the reason (the condition that selects it), "
        "and the case goes on from the guideline's state. Where the guideline names several right steps (the "
        "pathway's 'option' attribute), each of them is on the guideline. The sources are those of the guideline's "
        "step in the pathway file, so they differ per decision; the general rule is that therapy follows the "
        "histologic subtype.",
        (rules.CITE_SUBTYPE_SELECTION,)),
    "SUBTYPE_MISMATCH": (
        "Treating all soft-tissue sarcomas as one entity",
        "A regimen was given that the source guideline does not name for this subtype (neither its drugs nor its "
        "drug class), for example a drug of another subtype's pathway. Soft-tissue sarcomas are many diseases and "
        "targeted therapy is chosen by histologic subtype; what works in one subtype is not evidence for another.",
        (rules.CITE_ONE_ENTITY, rules.CITE_SUBTYPE_SELECTION)),
    "CONTINUED_AFTER_PROGRESSION": (
        "Continuing a therapy that has failed",
        "After progression the same therapy (same drugs and dose) was continued without a reason. The source asks to "
        "consider switching when progression occurs. Its one reason to continue is limited progression treated by "
        "surgical resection, with the therapy continued after surgery; a dose escalation is a different step.",
        (rules.CITE_INEFFECTIVE, rules.CITE_LIMITED_RESECTION)),
    "CYP3A4_INHIBITOR": (
        "A CYP3A4 inhibitor beside a pathway drug",
        "The patient takes a strong or moderate CYP3A4 inhibitor and a drug was given whose label gives guidance for "
        "that strength (a lower dose, or a co-medication without the interaction). The inhibitor raises the drug's "
        "exposure. The alert names the co-medication and quotes the label's advice for the schedule given; the "
        "better answer is often to replace the co-medication first.",
        (rules.CITE_INTERACTIONS, CITE_LABEL_ROWS)),
    "CYP3A4_INDUCER": (
        "A CYP3A4 inducer beside a pathway drug",
        "The patient takes a strong or moderate CYP3A4 inducer and a drug was given whose label gives guidance for "
        "that strength (a higher dose, avoiding the combination, or a co-medication without the interaction). The "
        "inducer lowers the drug's exposure, so the therapy may fail for a reason that is not the tumour.",
        (rules.CITE_INTERACTIONS, CITE_LABEL_ROWS)),
    "KIT_EXON9_DOSE": (
        "An imatinib dose that ignores KIT exon 9",
        "A GIST with a KIT exon 9 mutation was started or kept on imatinib below the exon 9 dose. The source asks to "
        "adjust the imatinib dose to KIT mutation status; the evidence table's row gives the trial behind the higher "
        "dose. A reduction for toxicity is not this pitfall, and neither is adjuvant imatinib.",
        (rules.CITE_KIT_DOSE, rules.CITE_EXON9_800)),
    "PDGFRA_D842V_IMATINIB": (
        "A drug a PDGFRA D842V GIST resists",
        "A GIST with the PDGFRA D842V mutation was given imatinib, sunitinib or regorafenib. D842V is resistant to "
        "imatinib and sunitinib (regorafenib too, marked unconfirmed in the evidence table), so the drug will not "
        "control the disease: molecular testing decides the treatment.",
        (rules.CITE_D842V, rules.CITE_D842V_REGORAFENIB, rules.CITE_ONE_ENTITY)),
    "UNTESTED_MARKER": (
        "A decision that depends on a test nobody ordered",
        "The guideline's step at this decision depends on a marker that was not tested, and one of its results "
        "would change the step. The alert names the test to order; answering without it, the resident is judged "
        "against the patient's true result, which the feedback then reveals.",
        (rules.CITE_ONE_ENTITY,)),
    "MARKER_REQUIRED": (
        "A marker-dependent drug without its marker",
        "A drug the source gives only with a marker was given without it documented: crizotinib without an ALK "
        "translocation, an NTRK inhibitor (larotrectinib, entrectinib) without an NTRK gene fusion, in any "
        "histology. Test for the marker first.",
        (rules.CITE_CRIZOTINIB_ALK, rules.CITE_NTRK, rules.CITE_ONE_ENTITY)),
}


def pitfalls() -> list[Pitfall]:
    """Every alert code the app can raise, explained, in the order ``ALERT_CODES`` lists them."""
    return [Pitfall(code, *_TEXTS[code]) for code in ALERT_CODES]


def pitfall(code: str) -> Pitfall | None:
    """The explanation of ``code``, or None for a code the app does not raise."""
    if code not in ALERT_CODES or code not in _TEXTS:
        return None
    return Pitfall(code, *_TEXTS[code])
