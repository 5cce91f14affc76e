"""The pathway as frozen dataclasses: what one validated YAML file becomes.

Everything downstream (state machines, graphs, drawings, simulation) takes these objects and
never re-reads the file. Conditions stay data: a ``Condition`` tree is evaluated by
``sarcoma_sim.pathways.conditions``, never compiled to code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

STATE_KINDS = ("workup", "therapy", "surgery", "assessment", "terminal")
# The kind of the states a pathway's competing exits add or turn its living ends into
# (sarcoma_sim.pathways.exits); never written in a pathway file.
SUPPORTIVE_CARE = "supportive_care"
ATTRIBUTE_OWNERS = ("patient", "event")
SOURCE_GUIDELINE = "source-guideline"
NOT_TESTED = "not_tested"             # the value of a marker nobody tested


@dataclass(frozen=True)
class Source:
    """A citable source: the source guideline or a row of the evidence table."""

    id: str
    citation: str
    beyond_source: bool = False
    unconfirmed: bool = False


@dataclass(frozen=True)
class Attribute:
    """A patient or event attribute that conditions may read, with its allowed values."""

    name: str
    of: str
    values: tuple[str, ...]
    description: str = ""
    default: str | None = None
    test: str | None = None
    label: str = ""  # shown before the value on diagram arrows ("KIT exon 9"); empty: the value alone
    value_labels: tuple[tuple[str, str], ...] = ()  # (value, how it reads on arrows): ("exon9", "exon 9")

    @property
    def is_marker(self) -> bool:
        """Whether this is a marker found by a test at work-up (it names the test to order)."""
        return self.test is not None


def regimen_setting(line: int | None, adjuvant: bool = False) -> str:
    """The words for where a regimen stands in the course ("adjuvant", "line 2"): ``Regimen.setting``,
    and the hover text of a diagram's box, which has the graph's attributes, not the model."""
    return "adjuvant" if adjuvant else f"line {line}"


@dataclass(frozen=True)
class Regimen:
    """What a therapy state gives: drugs (lowercase generic names), dose and schedule text, line."""

    drugs: tuple[str, ...]
    line: int
    dose: str | None = None
    schedule: str | None = None
    drug_class: str | None = None
    daily_dose_mg: float | None = None
    reduced_dose: bool = False
    adjuvant: bool = False     # after resection of localised disease, not treatment of advanced disease

    def describe(self) -> str:
        """One line: drugs or class, then dose and schedule as the source writes them."""
        what = ", ".join(self.drugs) if self.drugs else (self.drug_class or "")
        parts = [what] + [p for p in (self.dose, self.schedule) if p]
        return " ".join(p for p in parts if p)

    @property
    def setting(self) -> str:
        """Where the regimen stands in the course: "adjuvant" after resection of localised disease,
        else its line ("line 2"); adjuvant imatinib is no first line of advanced GIST."""
        return regimen_setting(self.line, self.adjuvant)


@dataclass(frozen=True)
class State:
    """One step of the course: a workup, a therapy, a surgery, an assessment or an end."""

    id: str
    kind: str
    label: str
    regimen: Regimen | None = None
    sources: tuple[str, ...] = ()
    beyond_source: bool = False
    note: str | None = None
    tests: tuple[str, ...] = ()

    @property
    def line(self) -> int | None:
        """The line of therapy, or None for a state that is not a therapy."""
        return self.regimen.line if self.regimen else None

    @property
    def drugs(self) -> tuple[str, ...]:
        """The drugs given in this state (empty when none)."""
        return self.regimen.drugs if self.regimen else ()

    @property
    def adjuvant(self) -> bool:
        """Whether this state gives adjuvant therapy (after resection of localised disease): a
        therapy that keeps a ``line`` in the data but is no line of therapy of advanced disease."""
        return bool(self.regimen and self.regimen.adjuvant)


@dataclass(frozen=True)
class Match:
    """``attribute`` equals one of ``values``."""

    attribute: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class AllOf:
    """Every part holds."""

    parts: tuple["Condition", ...]


@dataclass(frozen=True)
class AnyOf:
    """At least one part holds."""

    parts: tuple["Condition", ...]


@dataclass(frozen=True)
class Not:
    """The part does not hold."""

    part: "Condition"


Condition = Union[Match, AllOf, AnyOf, Not]


@dataclass(frozen=True)
class Transition:
    """An edge fired by ``event``; same-event edges from one state are tried in ``order``."""

    index: int
    event: str
    source: str
    target: str
    when: Condition | None = None
    sources: tuple[str, ...] = ()
    beyond_source: bool = False
    note: str | None = None
    order: int = 0


@dataclass(frozen=True)
class Monitoring:
    """How often response is assessed: imaging every ``min``–``max`` months initially."""

    imaging_interval_months_min: float
    imaging_interval_months_max: float
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceWording:
    """What the source guideline names for this subtype, quoted with its line, and the drug classes it names."""

    line: int
    quote: str
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompetingExit:
    """A competing exit declared once for a pathway: ``death`` or ``decline`` (stopping active treatment)."""

    event: str
    label: str
    sources: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Pathway:
    """One subtype's treatment course, validated."""

    id: str
    name: str
    initial: str
    states: dict[str, State]
    transitions: tuple[Transition, ...]
    attributes: dict[str, Attribute]
    sources: dict[str, Source]
    monitoring: Monitoring
    file: str = ""
    summary: str = ""
    reviewed: str | None = None           # date of the last clinical review (YYYY-MM-DD), docs/clinical/currency.md
    events: tuple[str, ...] = field(default=())
    source_wording: tuple[SourceWording, ...] = ()
    competing_exits: dict[str, CompetingExit] = field(default_factory=dict)
    ends_outside: tuple[str, ...] = ()   # end states that stay ends in the cohort view (censored there)
    exits_expanded: bool = False          # True for the cohort view built by sarcoma_sim.pathways.exits

    def outgoing(self, state_id: str, event: str | None = None) -> list[Transition]:
        """Transitions leaving ``state_id`` (only those fired by ``event`` if given), in order."""
        return [t for t in self.transitions
                if t.source == state_id and (event is None or t.event == event)]

    def events_from(self, state_id: str) -> list[str]:
        """The events that can fire in ``state_id``, in file order, without repeats."""
        return list(dict.fromkeys(t.event for t in self.outgoing(state_id)))

    def drugs(self) -> set[str]:
        """Every drug named anywhere in this pathway."""
        return {d for s in self.states.values() for d in s.drugs}

    def named_classes(self) -> set[str]:
        """The drug classes (lowercase) the source guideline's own wording names for this subtype."""
        return {c.lower() for w in self.source_wording for c in w.classes}

    def terminal_states(self) -> list[str]:
        """Ids of the end states, in file order."""
        return [s.id for s in self.states.values() if s.kind == "terminal"]
