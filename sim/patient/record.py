"""The hypothetical patient: subtype, the attributes its pathway's conditions read, co-medication.

One record shared by scripted scenarios, the teaching mode and the cohort engines. Attributes
are checked against what the subtype's pathway declares, so a typo or a marker that the subtype
has no use for is an error naming the allowed attributes and values. An attribute not given
takes the pathway's declared default (a marker: ``not_tested``). Co-medications are folded to
their generic name through the interaction table (``rifampin`` -> ``rifampicin``); a name the
table does not know is kept and named as unchecked, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from sarcoma_sim.errors import Problem, ScenarioError
from sarcoma_sim.pathways.model import NOT_TESTED, Pathway
from sarcoma_sim.patient.interactions import load_table, normalise_drug_name
from sarcoma_sim.patient.marker_rules import violation

# Strong CYP3A4 modulators named in the sunitinib label (evidence.md, "Labels and monitoring"); the
# teaching mode draws from these. Whether a name is a modulator is read from the interaction table.
STRONG_CYP3A4_INHIBITORS = ("ketoconazole", "clarithromycin", "itraconazole", "ritonavir")
STRONG_CYP3A4_INDUCERS = ("rifampicin", "carbamazepine", "phenytoin", "st johns wort")


@dataclass(frozen=True)
class Patient:
    """A hypothetical patient of one subtype; ``facts`` are what pathway conditions read."""

    subtype: str
    facts: Mapping[str, str] = field(default_factory=dict)
    comedications: tuple[str, ...] = ()
    label: str = "patient"
    comedications_as_given: tuple[str, ...] = ()
    # Facts not given that took the pathway's default value other than not_tested (a DFSP's setting:
    # advanced): what the patient is assumed to be, which a report must say rather than hide.
    defaulted: tuple[str, ...] = ()

    def with_role(self, role: str) -> tuple[str, ...]:
        """Co-medications whose CYP3A4 role in the interaction table is ``role``."""
        table = load_table()
        return tuple(d for d in self.comedications if table.role(d) == role)

    @property
    def cyp3a4_inhibitors(self) -> tuple[str, ...]:
        """Co-medications that are strong CYP3A4 inhibitors."""
        return self.with_role("strong_inhibitor")

    @property
    def cyp3a4_inducers(self) -> tuple[str, ...]:
        """Co-medications that are strong CYP3A4 inducers."""
        return self.with_role("strong_inducer")

    @property
    def unchecked_comedications(self) -> tuple[str, ...]:
        """Co-medications the interaction table does not know: nobody checked them."""
        table = load_table()
        return tuple(d for d in self.comedications if table.generic_name(d) is None)

    def untested(self) -> tuple[str, ...]:
        """The markers whose value is ``not_tested``."""
        return tuple(k for k, v in self.facts.items() if v == NOT_TESTED)


def contradiction(facts: Mapping[str, str]) -> str | None:
    """Why a marker combination cannot go together, or None when it can.

    A GIST carries a KIT or a PDGFRA mutation, not both: the genotype classes of the evidence table
    (KIT exon 11, 9, 13, 17; PDGFRA D842V, other PDGFRA; wild-type) are mutually exclusive. The
    other exclusions (an NTRK fusion or SDH deficiency in GIST only without a KIT or PDGFRA
    mutation) are cited data: ``sarcoma_sim.patient.marker_rules``.
    """
    kit, pdgfra = facts.get("kit_exon"), facts.get("pdgfra")
    if kit not in (None, "wild_type", NOT_TESTED) and pdgfra not in (None, "none", NOT_TESTED):
        return (f"kit_exon {kit!r} and pdgfra {pdgfra!r} contradict each other: a GIST has a KIT or a "
                "PDGFRA mutation, not both; set kit_exon: wild_type or pdgfra: none")
    if kit is not None and pdgfra is not None and (kit == NOT_TESTED) != (pdgfra == NOT_TESTED):
        return (f"kit_exon {kit!r} and pdgfra {pdgfra!r} contradict each other: KIT/PDGFRA mutation analysis "
                f"is one test, so both genes are tested or neither is; give both results or leave both out")
    return violation(facts)


def implied(facts: Mapping[str, str], given: Mapping[str, str]) -> dict[str, str]:
    """``facts`` with what one GIST mutation test implies for the other gene when it was not given.

    KIT/PDGFRA mutation analysis is one test and the genotypes are mutually exclusive: a KIT
    mutation found means no PDGFRA mutation, and a PDGFRA mutation found means KIT wild-type.
    """
    facts = dict(facts)
    kit, pdgfra = given.get("kit_exon"), given.get("pdgfra")
    if "pdgfra" in facts and pdgfra is None and kit not in (None, "wild_type", NOT_TESTED):
        facts["pdgfra"] = "none"
    if "kit_exon" in facts and kit is None and pdgfra in ("d842v", "other"):
        facts["kit_exon"] = "wild_type"
    return facts


def comedication_words(patient: Patient) -> list[str]:
    """Each co-medication as given, with its CYP3A4 role or "not in the interaction table: check it"."""
    from sarcoma_sim.patient.interactions import describe_comedication

    table = load_table()
    names = patient.comedications_as_given or patient.comedications
    return [describe_comedication(table, name) for name in names]


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
    given = dict(checked)
    defaulted = []
    for name, attribute in declared.items():
        if name not in checked and attribute.default is not None:
            checked[name] = attribute.default
            if attribute.default != NOT_TESTED:
                defaulted.append(name)
    checked = implied(checked, given)
    table = load_table()
    meds, as_given = [], []
    for i, drug in enumerate(comedications or ()):
        if not isinstance(drug, str) or not drug.strip():
            problems.append(Problem(file, line, format_path(tuple(path) + ("comedications", i)),
                                    f"expected a drug name, got {drug!r}"))
        else:
            meds.append(table.generic_name(drug) or normalise_drug_name(drug))
            as_given.append(drug.strip())
    if problems:
        raise ScenarioError(problems)
    # A drug listed twice is taken once; keeping one copy keeps every later check linear in the drugs.
    unique = dict(zip(meds, as_given))
    return Patient(subtype=pathway.id, facts=checked, comedications=tuple(unique), label=label,
                   comedications_as_given=tuple(unique.values()),
                   defaulted=tuple(n for n in defaulted if checked.get(n) == declared[n].default))
