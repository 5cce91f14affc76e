"""The drug-interaction table: co-medications by CYP3A4 strength, pathway drugs with label guidance.

Read from ``sarcoma_sim/patient/data/interactions.yaml`` through the project's safe YAML reader and
checked with every problem located (file, line, path). Each co-medication carries a CYP3A4 role
that names its strength (strong, moderate or weak inhibitor or inducer, as the cited
classification gives it); each pathway drug carries its label's guidance per strength and
schedule. The teaching alerts read it for that advice and for the drug classes the source
guideline names; the patient record reads it to fold synonyms (brand, US and UK names) into one
generic name and to name any co-medication the table does not know. Format: docs/scenarios.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from sarcoma_sim.errors import ParameterError, Problem
from sarcoma_sim.pathways.yamlsource import YamlDocument, read_yaml

INHIBITOR_ROLES = ("strong_inhibitor", "moderate_inhibitor")
INDUCER_ROLES = ("strong_inducer", "moderate_inducer")
# The strengths a label gives guidance for; a weak modulator is classed so that it is known, not ignored.
GUIDED_ROLES = INHIBITOR_ROLES + INDUCER_ROLES
ROLES = GUIDED_ROLES + ("weak_inhibitor", "weak_inducer", "other_inhibitor", "other_inducer", "none")
MARKS = ("S", "U")
ANY_SCHEDULE = "any"
ROLE_WORDS = {
    "strong_inhibitor": "strong CYP3A4 inhibitor",
    "moderate_inhibitor": "moderate CYP3A4 inhibitor",
    "strong_inducer": "strong CYP3A4 inducer",
    "moderate_inducer": "moderate CYP3A4 inducer",
    "weak_inhibitor": "weak CYP3A4 inhibitor: the pathway drugs' labels give no guidance for weak inhibitors",
    "weak_inducer": "weak CYP3A4 inducer: the pathway drugs' labels give no guidance for weak inducers",
    "other_inhibitor": "CYP3A4 inhibitor of no one strength here: check the label",
    "other_inducer": "CYP3A4 inducer of no one strength here: check the label",
    "none": "no CYP3A4 guidance in the pathway drugs' labels",
}
NOT_IN_TABLE = "not in the interaction table: check it"


class InteractionTableError(ParameterError):
    """The interaction table cannot be used; ``problems`` lists every problem found."""


def normalise_drug_name(name: str) -> str:
    """Lowercase name with punctuation folded (``St John's wort`` -> ``st johns wort``)."""
    return " ".join(name.lower().replace("'", "").replace("’", "").replace("-", " ").split())


@dataclass(frozen=True)
class Comedication:
    """A drug a patient may take beside the pathway's: its CYP3A4 role and where that was read."""

    name: str
    cyp3a4: str
    synonyms: tuple[str, ...]
    source: str
    mark: str


@dataclass(frozen=True)
class Guidance:
    """A label's advice for a pathway drug beside a CYP3A4 modulator of ``role``, on ``schedules``."""

    role: str
    schedules: tuple[str, ...]
    advice: str
    source: str
    mark: str

    @property
    def unconfirmed(self) -> bool:
        """Whether the evidence table marks this guidance unconfirmed (U)."""
        return self.mark == "U"


@dataclass(frozen=True)
class PathwayDrug:
    """A drug a pathway gives: synonyms, classes, and the label's CYP3A4 guidance."""

    name: str
    synonyms: tuple[str, ...]
    classes: tuple[str, ...]
    guidance: tuple[Guidance, ...] = ()

    def guidance_for(self, role: str, schedule: str | None) -> Guidance | None:
        """The guidance for ``role`` on ``schedule``: an exact schedule first, then one for any schedule."""
        entries = [g for g in self.guidance if g.role == role]
        exact = [g for g in entries if schedule is not None and schedule in g.schedules]
        general = [g for g in entries if ANY_SCHEDULE in g.schedules]
        return next(iter(exact or general), None)


@dataclass(frozen=True)
class InteractionTable:
    """Co-medications and pathway drugs by generic name, with every synonym folded to that name."""

    comedications: dict[str, Comedication]
    drugs: dict[str, PathwayDrug]
    file: str = ""

    def generic_name(self, name: str) -> str | None:
        """The generic name ``name`` stands for (itself, a brand, a US or UK name), or None if unknown."""
        key = normalise_drug_name(name)
        for entries in (self.comedications, self.drugs):
            for generic, entry in entries.items():
                if key == generic or key in entry.synonyms:
                    return generic
        return None

    def role(self, name: str) -> str | None:
        """The CYP3A4 role of a co-medication (by any of its names), or None when the table lacks it."""
        generic = self.generic_name(name)
        entry = self.comedications.get(generic) if generic else None
        return entry.cyp3a4 if entry else None

    def comedication(self, name: str) -> Comedication | None:
        """The co-medication entry ``name`` stands for (by any of its names), or None."""
        generic = self.generic_name(name)
        return self.comedications.get(generic) if generic else None

    def classes_of(self, drug: str) -> tuple[str, ...]:
        """The drug classes of a pathway drug (empty when the table does not list it)."""
        entry = self.drugs.get(normalise_drug_name(drug))
        return entry.classes if entry else ()


def describe_comedication(table: InteractionTable, name: str) -> str:
    """``name`` as a patient line shows it: its CYP3A4 role, or that the table does not know it."""
    generic = table.generic_name(name)
    if generic is None or (generic not in table.comedications and generic not in table.drugs):
        return f"{name} ({NOT_IN_TABLE})"
    shown = name if generic == normalise_drug_name(name) else f"{name} = {generic}"
    if generic in table.drugs:
        return f"{shown} (a pathway drug)"
    return f"{shown} ({ROLE_WORDS[table.comedications[generic].cyp3a4]})"


class _Checker:
    def __init__(self, doc: YamlDocument):
        self.doc = doc
        self.problems: list[Problem] = []

    def add(self, path, message):
        self.problems.append(self.doc.problem(path, message))

    def mapping(self, value: Any, path, what) -> dict:
        if not isinstance(value, dict):
            self.add(path, f"expected {what} (a mapping), got {type(value).__name__}")
            return {}
        return value

    def keys(self, spec: dict, path, allowed, required=()):
        for key in spec:
            if key not in allowed:
                self.add(path + (key,), f"unknown key {key!r}; expected only {', '.join(allowed)}")
        for key in required:
            if key not in spec:
                self.add(path, f"{key!r} is required but missing")

    def text(self, value, path, what) -> str:
        if not isinstance(value, str) or not value.strip():
            self.add(path, f"expected {what} (text), got {value!r}")
            return ""
        return " ".join(value.split())

    def choice(self, value, path, allowed) -> str:
        if value not in allowed:
            self.add(path, f"{value!r} is not allowed; expected one of {', '.join(allowed)}")
            return allowed[0]
        return value

    def names(self, value, path, what) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.add(path, f"expected a list of {what}, got {type(value).__name__}")
            return ()
        return tuple(normalise_drug_name(v) for i, v in enumerate(value) if self.text(v, path + (i,), what[:-1]))


def _comedication(check: _Checker, name: str, spec: Any, path) -> Comedication:
    spec = check.mapping(spec, path, "a co-medication with cyp3a4, synonyms, source, mark")
    check.keys(spec, path, ("cyp3a4", "synonyms", "source", "mark"), ("cyp3a4", "source", "mark"))
    return Comedication(name, check.choice(spec.get("cyp3a4"), path + ("cyp3a4",), ROLES),
                        check.names(spec.get("synonyms"), path + ("synonyms",), "names"),
                        check.text(spec.get("source"), path + ("source",), "a source"),
                        check.choice(spec.get("mark"), path + ("mark",), MARKS))


def _guidance(check: _Checker, raw: Any, path) -> tuple[Guidance, ...]:
    found = []
    for role, entries in check.mapping(raw, path, "guidance by role").items():
        rpath = path + (role,)
        if role not in GUIDED_ROLES:
            check.add(rpath, f"unknown role {role!r}; expected one of {', '.join(GUIDED_ROLES)}")
            continue
        if not isinstance(entries, list) or not entries:
            check.add(rpath, "expected a list of guidance entries with schedules, advice, source, mark")
            continue
        for i, entry in enumerate(entries):
            epath = rpath + (i,)
            entry = check.mapping(entry, epath, "a guidance entry")
            entry_keys = ("schedules", "advice", "source", "mark")
            check.keys(entry, epath, entry_keys, entry_keys)
            schedules = entry.get("schedules")
            if not isinstance(schedules, list) or not schedules or not all(isinstance(s, str) for s in schedules):
                check.add(epath + ("schedules",), f"expected a list of schedule texts (or [{ANY_SCHEDULE}])")
                schedules = [ANY_SCHEDULE]
            found.append(Guidance(role, tuple(schedules),
                                  check.text(entry.get("advice"), epath + ("advice",), "advice"),
                                  check.text(entry.get("source"), epath + ("source",), "a source"),
                                  check.choice(entry.get("mark"), epath + ("mark",), MARKS)))
    return tuple(found)


def table_from_document(doc: YamlDocument) -> InteractionTable:
    """Check a parsed interaction table and build it; raises ``InteractionTableError`` with every problem."""
    check = _Checker(doc)
    data = check.mapping(doc.data, (), "an interaction table with comedications and drugs")
    check.keys(data, (), ("comedications", "drugs"), ("comedications", "drugs") if data else ())
    comedications, drugs = {}, {}
    for name, spec in check.mapping(data.get("comedications", {}), ("comedications",), "co-medications").items():
        comedications[normalise_drug_name(str(name))] = _comedication(check, normalise_drug_name(str(name)), spec,
                                                                      ("comedications", name))
    for name, spec in check.mapping(data.get("drugs", {}), ("drugs",), "pathway drugs").items():
        path = ("drugs", name)
        spec = check.mapping(spec, path, "a pathway drug with synonyms, classes, guidance")
        check.keys(spec, path, ("synonyms", "classes", "guidance"), ("synonyms", "classes"))
        classes = spec.get("classes")
        if not isinstance(classes, list) or not all(isinstance(c, str) and c.strip() for c in classes):
            check.add(path + ("classes",), "expected a list of drug classes (text)")
            classes = []
        drugs[normalise_drug_name(str(name))] = PathwayDrug(
            normalise_drug_name(str(name)), check.names(spec.get("synonyms"), path + ("synonyms",), "names"),
            tuple(c.strip() for c in classes),
            _guidance(check, spec["guidance"], path + ("guidance",)) if "guidance" in spec else ())
    owner: dict[str, tuple] = {}
    for section, entries in (("comedications", comedications), ("drugs", drugs)):
        for generic, entry in entries.items():
            for name in (generic, *entry.synonyms):
                if name in owner and owner[name] != (section, generic):
                    check.add((section, generic), f"the name {name!r} is already used by "
                                                  f"{owner[name][0]}.{owner[name][1]}; a name must mean one drug")
                owner.setdefault(name, (section, generic))
    if check.problems:
        raise InteractionTableError(check.problems)
    return InteractionTable(comedications, drugs, doc.file)


def table_path() -> Path:
    """The shipped interaction table."""
    return Path(str(resources.files(__package__).joinpath("data/interactions.yaml")))


def load_table(path: str | Path | None = None) -> InteractionTable:
    """The interaction table at ``path`` (the shipped one by default, read once)."""
    if path is None:
        return _shipped()
    return table_from_document(read_yaml(path))


@lru_cache(maxsize=1)
def _shipped() -> InteractionTable:
    return table_from_document(read_yaml(table_path()))
