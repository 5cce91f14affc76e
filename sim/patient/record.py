"""The hypothetical patient: subtype, the attributes its pathway's conditions read, co-medication.

One record shared by scripted scenarios, the teaching mode and the cohort engines. Attributes
are checked against what the subtype's pathway declares, so a typo or a marker that the subtype
has no use for is an error naming the allowed attributes and values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from sarcoma_sim.errors import Problem, ScenarioError
from sarcoma_sim.pathways.model import Pathway

# Strong CYP3A4 modulators named in the sunitinib label (evidence.md, "Labels and monitoring").
STRONG_CYP3A4_INHIBITORS = ("ketoconazole", "clarithromycin", "itraconazole", "ritonavir")
STRONG_CYP3A4_INDUCERS = ("rifampicin", "carbamazepine", "phenytoin", "st johns wort")


@dataclass(frozen=True)
class Patient:
    """A hypothetical patient of one subtype; ``facts`` are what pathway conditions read."""

    subtype: str
    facts: Mapping[str, str] = field(default_factory=dict)
    comedications: tuple[str, ...] = ()
    label: str = "patient"

    @property
    def cyp3a4_inhibitors(self) -> tuple[str, ...]:
        """Co-medications that are strong CYP3A4 inhibitors."""
        return tuple(d for d in self.comedications if d in STRONG_CYP3A4_INHIBITORS)

    @property
    def cyp3a4_inducers(self) -> tuple[str, ...]:
        """Co-medications that are strong CYP3A4 inducers."""
        return tuple(d for d in self.comedications if d in STRONG_CYP3A4_INDUCERS)


def contradiction(facts: Mapping[str, str]) -> str | None:
    """Why a marker combination cannot go together, or None when it can.

    A GIST carries a KIT or a PDGFRA mutation, not both: the genotype classes of the evidence table
    (KIT exon 11, 9, 13, 17; PDGFRA D842V, other PDGFRA; wild-type) are mutually exclusive.
    """
    kit, pdgfra = facts.get("kit_exon"), facts.get("pdgfra")
    if kit not in (None, "wild_type") and pdgfra not in (None, "none"):
        return (f"kit_exon {kit!r} and pdgfra {pdgfra!r} contradict each other: a GIST has a KIT or a "
                "PDGFRA mutation, not both; set kit_exon: wild_type or pdgfra: none")
    return None


def normalise_drug_name(name: str) -> str:
    """Lowercase generic name with punctuation folded (``St John's wort`` -> ``st johns wort``)."""
    return " ".join(name.lower().replace("'", "").replace("’", "").replace("-", " ").split())


def make_patient(pathway: Pathway, facts: Mapping[str, Any] | None = None,
                 comedications: list[str] | tuple[str, ...] = (), label: str = "patient",
                 file: str = "", path: tuple = ("patient",), line: int | None = None) -> Patient:
    """A checked ``Patient`` of ``pathway``'s subtype.

    Every fact must be a patient attribute the pathway declares, with one of its declared values;
    otherwise a ``ScenarioError`` names the attribute and what is allowed. ``file``, ``path`` and
    ``line`` locate the record in the caller's document for the message.
    """
    from sarcoma_sim.pathways.yamlsource import format_path

    problems = []
    declared = {a.name: a for a in pathway.attributes.values() if a.of == "patient"}
    checked: dict[str, str] = {}
    for name, value in (facts or {}).items():
        where = format_path(tuple(path) + (name,))
        if name not in declared:
            expected = (f"expected one of: {', '.join(declared)}" if declared
                        else f"subtype {pathway.id!r} declares no patient attributes")
            problems.append(Problem(file, line, where, f"unknown patient attribute {name!r} for subtype "
                                                       f"{pathway.id!r}; {expected}"))
        elif not isinstance(value, str) or value not in declared[name].values:
            problems.append(Problem(file, line, where, f"{value!r} is not an allowed value of {name!r}; "
                                                       f"expected one of: {', '.join(declared[name].values)}"))
        else:
            checked[name] = value
    why = contradiction(checked)
    if why:
        problems.append(Problem(file, line, format_path(tuple(path)), why))
    meds = []
    for i, drug in enumerate(comedications or ()):
        if not isinstance(drug, str) or not drug.strip():
            problems.append(Problem(file, line, format_path(tuple(path) + ("comedications", i)),
                                    f"expected a drug name, got {drug!r}"))
        else:
            meds.append(normalise_drug_name(drug))
    if problems:
        raise ScenarioError(problems)
    # A drug listed twice is taken once; keeping one copy keeps every later check linear in the drugs.
    return Patient(subtype=pathway.id, facts=checked, comedications=tuple(dict.fromkeys(meds)), label=label)
