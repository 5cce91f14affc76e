"""The teaching case engine: events happen to a hypothetical patient, the resident decides.

Both faces, the terminal (``sarcoma_sim.cli.teach_session``) and the browser (``sarcoma_sim.web``),
call this engine: what is offered at a decision and how an answer is judged live here; the
wording is ``sarcoma_sim.patient.wording``, the patients ``sarcoma_sim.patient.sampling``.

``TeachingCase`` holds the logic and no input/output: ``next_decision()`` advances the clock to
the next event and lists numbered options (the guideline's, and common wrong ones: staying on the
same therapy after progression, the conditional branches the patient does not qualify for, a
regimen from another subtype such as pazopanib in liposarcoma); ``answer()`` fires the event on
the stepwise engine with the resident's choice and returns the feedback (right or wrong, why,
the alerts, the sources). The case follows the resident's choices (``Timeline(follow_choices=True)``):
an off-guideline choice raises its alerts and the patient goes where the resident sent them, so the
debrief and the diagram show the resident's own path beside the guideline's. Option texts never
name the marker they go with. Where an alert calls for an action (a strong CYP3A4 modulator beside
sunitinib, a marker that was not tested), an option takes it.

Untested markers are the patient record's ``not_tested`` facts, nothing else: the card shows them,
the library's ``UNTESTED_MARKER`` alert fires on them, and the "order the test" option is offered
exactly when the guideline's step depends on one (``alerts.untested_deciding``, the alert's own
rule). The case knows each hidden result (the sampled true value); ordering the test writes it
into the record, so the step, the card, the score and the debrief all read the same facts.

Randomness (the patient's markers when not given, the events and their timing, the order of the
options) comes from one ``numpy.random.Generator`` built from the user's seed. Event timing and
the event mix are ILLUSTRATIVE teaching values, not evidence: the cohort engine owns the
literature-anchored times.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Mapping

from sarcoma_sim.pathways.conditions import holds, iter_matches
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.pathways.model import NOT_TESTED, Pathway, State
from sarcoma_sim.patient.alerts import (
    CITE_INTERACTIONS,
    CITE_ONE_ENTITY,
    Alert,
    citations_of,
    outside_pathway,
    sentence,
    untested_deciding,
)
from sarcoma_sim.patient.interactions import load_table
from sarcoma_sim.patient.record import Patient, comedication_words
from sarcoma_sim.patient.sampling import draw_facts, draw_untested, marker_tests, sample_patient
from sarcoma_sim.patient.timeline import OPTION_ATTRIBUTE, ChoiceTarget, Step, Timeline
from sarcoma_sim.patient.wording import (
    condition_words,
    facts_words,
    hint_words,
    interacting_drugs,
    marker_card,
    option_text,
    plural,
    readable,
)

__all__ = ["TeachingCase", "Option", "Decision", "Feedback", "Debrief", "sample_patient", "draw_untested"]

# Illustrative teaching values (not evidence): how the case unfolds.
PROGRESSION_SHARE = 0.75          # share of therapy events that are progressions (the rest intolerance)
LIMITED_SHARE = 0.3               # share of progressions that are limited, where the pathway reads extent
COMEDICATION_SHARE = 0.25         # share of sampled patients given a strong CYP3A4 inhibitor or inducer
MONTHS_TO_SURGERY_RESULT = 1.0    # months from a surgery decision to its result
MAX_OPTIONS = 5
MIN_OPTIONS = 4
DEFAULT_MAX_DECISIONS = 10
REPLACE_COMEDICATION = "replace_comedication"
ORDER_TEST = "order_test"
INTERACTION_CODES = ("CYP3A4_INHIBITOR", "CYP3A4_INDUCER")
# The classic mix-up the source warns of ("treating all soft tissue sarcomas as one entity"):
# pazopanib, given for non-adipogenic sarcomas, offered where the pathway does not use it.
CLASSIC_FOREIGN_DRUG = "pazopanib"


def interaction_unaddressed(state: State, patient: Patient) -> bool:
    """Whether giving ``state`` leaves a strong CYP3A4 modulator beside a drug whose label gives guidance
    for it (the interaction table, per schedule). The label's first step is to choose a co-medication
    without the interaction; a dose adjustment alone is never taken as settling it."""
    regimen = state.regimen
    if regimen is None:
        return False
    roles = [role for role in ("strong_inhibitor", "strong_inducer") if patient.with_role(role)]
    table = load_table()
    return any(table.drugs[drug].guidance_for(role, regimen.schedule) is not None
               for drug in regimen.drugs if drug in table.drugs for role in roles)




@dataclass(frozen=True)
class Option:
    """One numbered answer: the state it gives, whether it is right, and an action taken with it."""

    target: ChoiceTarget
    text: str
    right: bool
    action: str | None = None
    tests: tuple[str, ...] = ()
    replaces: bool = False


@dataclass(frozen=True)
class Decision:
    """An event that happened and the options the resident chooses from."""

    number: int
    at: float
    event: str
    attributes: Mapping[str, str]
    situation: str
    options: tuple[Option, ...]
    card: tuple[tuple[str, str], ...] = ()
    comedications: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer and the lines that explain it."""

    right: bool
    step: Step
    lines: tuple[str, ...]
    option: Option | None = None
    guideline_text: str = ""
    reason: str = ""
    sources: tuple[str, ...] = ()
    depended_on: tuple[str, ...] = ()
    revealed: tuple[str, ...] = ()
    guideline_options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Debrief:
    """The end of a case: the path taken v the guideline's, every mistake with its alerts, the score."""

    taken_path: tuple[str, ...]
    guideline_path: tuple[str, ...]
    decisions: tuple[tuple[Decision, Feedback], ...]
    right: int
    asked: int
    ended: bool
    final_label: str
    hidden: tuple[tuple[str, str], ...] = ()

    @property
    def mistakes(self) -> tuple[tuple[Decision, Feedback], ...]:
        """The decisions answered off the guideline."""
        return tuple(d for d in self.decisions if not d[1].right)

    @property
    def alert_codes(self) -> tuple[str, ...]:
        """Every alert raised, in order (repeats kept)."""
        return tuple(a.code for _, f in self.decisions for a in f.step.alerts)

    def score_line(self) -> str:
        """``Score: 3 of 4 decisions on the guideline.``"""
        return f"Score: {self.right} of {plural(self.asked, 'decision')} on the guideline."


_FOREIGN: dict[int, tuple[Pathway, list[ChoiceTarget]]] = {}
_TEXTS: dict[int, tuple[State, str]] = {}


def foreign_therapies(pathway: Pathway) -> list[ChoiceTarget]:
    """Therapies of the shipped subtypes whose drugs ``pathway`` does not use (kept per pathway object)."""
    kept = _FOREIGN.get(id(pathway))
    if kept is None or kept[0] is not pathway:  # an id is only reused once its object is gone
        own_drugs = pathway.drugs()
        found = []
        for subtype in SUBTYPE_IDS:
            if subtype == pathway.id:
                continue
            other = load_subtype(subtype)
            for state in other.states.values():
                if state.kind == "therapy" and state.drugs and not set(state.drugs) & own_drugs \
                        and outside_pathway(pathway, state.regimen):
                    found.append(ChoiceTarget(other, state))
        kept = _FOREIGN[id(pathway)] = (pathway, found)
    return kept[1]


def _regimen_key(state: State) -> tuple | None:
    regimen = state.regimen
    if regimen is None:
        return None
    return (frozenset(regimen.drugs), regimen.drug_class if not regimen.drugs else None, regimen.daily_dose_mg,
            regimen.dose, regimen.schedule)


class TeachingCase:
    """One patient's case, decision by decision; close it (or use ``with``) when done.

    ``patient`` carries the true results; the markers named in ``untested`` are hidden as
    ``not_tested`` in the case's record (``self.patient``) until the resident orders their test.
    A marker the given patient already has as ``not_tested`` gets a drawn result (with ``rng``),
    revealed the same way.
    """

    def __init__(self, pathway: Pathway, patient: Patient, rng, max_decisions: int = DEFAULT_MAX_DECISIONS,
                 untested: Iterable[str] = ()):
        self.pathway = pathway
        hideable = {name for names in marker_tests(pathway).values() for name in names}
        hidden = {name for name in untested if name in hideable}
        self.results = {name: patient.facts[name] for name in hidden
                        if patient.facts.get(name, NOT_TESTED) != NOT_TESTED}
        facts = {**patient.facts, **{name: NOT_TESTED for name in hidden}}
        unknown = [name for name in hideable if facts.get(name) == NOT_TESTED and name not in self.results]
        if unknown:
            known = {k: v for k, v in facts.items() if v != NOT_TESTED}
            drawn = draw_facts(pathway, rng, known, unknown)
            self.results.update({name: drawn[name] for name in unknown})
        self.patient = replace(patient, facts=facts)
        self.rng = rng
        self.max_decisions = max_decisions
        self.timeline = Timeline(pathway, self.patient, 0.0, follow_choices=True)
        self.hints = hint_words(pathway)
        self.asked = 0
        self.right = 0
        self.history: list[tuple[Decision, Feedback]] = []
        self._foreign: list[ChoiceTarget] | None = None

    def __enter__(self) -> "TeachingCase":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Let go of the patient on the shared machine."""
        self.timeline.close()

    def text_of(self, state: State) -> str:
        """How ``state`` reads as an answer (no marker hints)."""
        kept = _TEXTS.get(id(state))
        if kept is None or kept[0] is not state:  # kept with its state, so an id is never reused
            kept = _TEXTS[id(state)] = (state, option_text(state, self.hints))
        return kept[1]

    @property
    def ended(self) -> bool:
        """Whether the pathway has ended for this patient."""
        return not self.timeline.possible_events()

    @property
    def untested(self) -> tuple[str, ...]:
        """The markers not tested so far: the record's ``not_tested`` facts."""
        return self.patient.untested()

    def card(self) -> list[tuple[str, str]]:
        """The patient's attributes as the resident sees them now: a value, or ``not_tested``."""
        return marker_card(self.pathway, self.patient)

    def _set_patient(self, patient: Patient) -> None:
        """Change the case's record (a test result, a co-medication replaced); the machine reads its facts."""
        self.patient = patient
        self.timeline.patient = patient
        self.timeline.model.facts = dict(patient.facts)

    def _replace_comedications(self, all_of_them: bool = False) -> None:
        """Take the strong CYP3A4 inhibitors and inducers (or every co-medication) off the record."""
        modulators = set(self.patient.cyp3a4_inhibitors + self.patient.cyp3a4_inducers)
        kept = [i for i, d in enumerate(self.patient.comedications) if d not in modulators and not all_of_them]
        as_given = self.patient.comedications_as_given
        self._set_patient(replace(self.patient, comedications=tuple(self.patient.comedications[i] for i in kept),
                                  comedications_as_given=tuple(as_given[i] for i in kept if i < len(as_given))))

    def untested_needed(self, event: str, attributes: Mapping[str, str] | None = None,
                        facts: Mapping[str, str] | None = None) -> list[str]:
        """Untested markers the guideline's step on ``event`` from here depends on (``UNTESTED_MARKER``'s rule).

        ``facts``: the patient's facts to judge by (default: the case's record).
        """
        facts = {**(self.patient.facts if facts is None else facts), **(attributes or {})}
        guideline = self._guideline(event, facts)
        if guideline is None:
            return []
        found = {f[0].name for f in untested_deciding(self.pathway, self.timeline.state.id, event, facts, guideline)}
        return [a.name for a in self.pathway.attributes.values() if a.name in found]

    def _guideline(self, event: str, facts: Mapping[str, str]):
        return next((t for t in self.pathway.outgoing(self.timeline.state.id, event) if holds(t.when, facts)), None)

    def tests_for(self, markers: Iterable[str]) -> list[str]:
        """The tests that report ``markers``, in declared order."""
        markers = set(markers)
        return [test for test, names in marker_tests(self.pathway).items() if markers & set(names)]

    def _tested(self, event: str, attributes: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
        """The facts once every test the step depends on is back (a result can make another test matter)."""
        facts = dict(self.patient.facts)
        revealed: list[str] = []
        while needed := self.untested_needed(event, attributes, facts):
            names = [n for test in self.tests_for(needed) for n in marker_tests(self.pathway)[test]
                     if facts.get(n) == NOT_TESTED and n in self.results]
            if not names:
                break
            facts.update({n: self.results[n] for n in names})
            revealed += names
        return facts, revealed

    def order_tests(self, event: str, attributes: Mapping[str, str] | None = None,
                    tests: Iterable[str] = ()) -> list[str]:
        """Send ``tests`` (default: every test the step on ``event`` depends on) and record the results.

        Returns the markers revealed. Where the step depends on an untested marker, the tests it
        needs are sent too (a result can make another test matter).
        """
        facts, revealed = self._tested(event, attributes or {})
        for test in tests:
            for name in marker_tests(self.pathway).get(test, ()):
                if facts.get(name) == NOT_TESTED and name in self.results:
                    facts[name] = self.results[name]
                    revealed.append(name)
        if revealed:
            self._set_patient(replace(self.patient, facts=facts))
        return revealed

    def _after_tests(self, event: str, attributes: Mapping[str, str]) -> State | None:
        """The guideline's step once the tests it depends on are back (the case knows the results)."""
        facts, _ = self._tested(event, attributes)
        transition = self._guideline(event, {**facts, **attributes})
        return self.pathway.states[transition.target] if transition is not None else None

    def _next_event(self) -> tuple[str, float, dict]:
        state = self.timeline.state
        events = self.timeline.possible_events()
        now = self.timeline.time
        interval = self.pathway.monitoring.imaging_interval_months_max
        if state.id == self.pathway.initial and "start" in events:
            return "start", now, {}
        therapy_events = [e for e in ("progression", "intolerance") if e in events]
        if not therapy_events:
            return events[0], now + MONTHS_TO_SURGERY_RESULT, self._drawn_attributes(events[0])
        event = therapy_events[0]
        if len(therapy_events) > 1 and self.rng.random() >= PROGRESSION_SHARE:
            event = therapy_events[1]
        at = now + interval * int(self.rng.integers(1, 7 if event == "progression" else 4))
        attributes = {}
        if event == "progression" and "extent" in self.pathway.attributes:
            attributes["extent"] = "limited" if self.rng.random() < LIMITED_SHARE else "widespread"
        return event, at, attributes

    def _drawn_attributes(self, event: str) -> dict:
        """Event attributes the next transitions read (GIST's risk after resection), each drawn uniformly."""
        drawn: dict[str, str] = {}
        for transition in self.pathway.outgoing(self.timeline.state.id, event):
            for match in iter_matches(transition.when):
                attribute = self.pathway.attributes.get(match.attribute)
                if (attribute is not None and attribute.of == "event" and attribute.name != OPTION_ATTRIBUTE
                        and attribute.name not in drawn):
                    drawn[attribute.name] = attribute.values[int(self.rng.integers(len(attribute.values)))]
        return drawn

    def _situation(self, event: str, at: float, attributes: Mapping[str, str]) -> str:
        # The card says which tests were sent; the situation never singles out the one the step depends on.
        state = self.timeline.state
        untested = ""
        if event == "start":
            missing = self.patient.untested()
            if missing:
                return (f"Month {at:g}: the histology is back; {' and '.join(readable(n) for n in missing)} "
                        f"{'was' if len(missing) == 1 else 'were'} not tested. Which first treatment do you give?")
            return (f"Month {at:g}: {state.label} is done. Which first treatment do you give?")
        label = self.text_of(state)
        if event == "progression":
            extent = f"{attributes['extent']} " if "extent" in attributes else ""
            return f"Month {at:g}: imaging shows {extent}progression on {label}.{untested} What next?"
        if event == "intolerance":
            return f"Month {at:g}: the patient cannot tolerate {label}.{untested} What next?"
        return f"Month {at:g}: {label}: done ({event.replace('_', ' ')}).{untested} What next?"

    def _right_targets(self, event: str, attributes: Mapping[str, str], facts: Mapping[str, str]) -> list[str]:
        """The guideline's step for ``facts`` and the guideline's alternative options (the ``option`` values)."""
        facts = {**facts, **attributes}
        rights = []
        guideline = self._guideline(event, facts)
        if guideline is not None:
            rights.append(guideline.target)
        option = self.pathway.attributes.get(OPTION_ATTRIBUTE)
        for value in (option.values if option and option.of == "event" else ()):
            found = self._guideline(event, {**facts, OPTION_ATTRIBUTE: value})
            if found is not None and found.target == value:
                rights.append(value)
        return list(dict.fromkeys(rights))

    def true_facts(self) -> dict[str, str]:
        """The patient as they truly are: the record with every hidden result filled in."""
        return {**self.patient.facts, **{name: value for name, value in self.results.items()
                                         if self.patient.facts.get(name) == NOT_TESTED}}

    def _plausible_other(self, state: State, event: str) -> bool:
        """Whether ``state`` is a believable wrong answer on ``event`` from here (read from its regimen).

        A dose reduction answers intolerance only; a first treatment is a first-line regimen; after
        progression no earlier line comes back.
        """
        regimen = state.regimen
        if state.kind != "therapy" or regimen is None:
            return False
        if regimen.reduced_dose and event != "intolerance":
            return False
        current = self.timeline.state.line
        if event == "start" or current is None:
            lines = [s.line for s in self.pathway.states.values() if s.line is not None]
            return regimen.line == min(lines, default=regimen.line)
        return regimen.line >= current

    def _local_distractors(self, event: str) -> list[ChoiceTarget]:
        """This pathway's candidates: staying on the therapy, every branch on this event, one other step.

        Every branch is offered whatever the patient's markers, so the set never depends on a result.
        """
        state = self.timeline.state
        pathway = self.pathway
        local: list[str] = []
        if event in ("progression", "intolerance") and state.regimen is not None:
            local.append(state.id)
        local += [t.target for t in sorted(pathway.outgoing(state.id, event), key=lambda t: t.when is not None)]
        others = [s.id for s in pathway.states.values() if s.id not in local and self._plausible_other(s, event)]
        if others:
            local.append(others[int(self.rng.integers(len(others)))])
        return [ChoiceTarget(pathway, pathway.states[s]) for s in dict.fromkeys(local)]

    def _foreign_distractors(self, event: str) -> list[ChoiceTarget]:
        """Therapies of other subtypes whose drugs this pathway does not use, the classic mix-up first."""
        if self._foreign is None:
            self._foreign = foreign_therapies(self.pathway)
        candidates = [c for c in self._foreign
                      if not (c.state.regimen is not None and c.state.regimen.reduced_dose and event != "intolerance")]
        classic = [c for c in candidates if CLASSIC_FOREIGN_DRUG in c.state.drugs][:1]
        rest = [c for c in candidates if c not in classic]
        return classic + [rest[int(i)] for i in self.rng.permutation(len(rest))]

    def _modulators(self) -> list[str]:
        return list(self.patient.cyp3a4_inhibitors + self.patient.cyp3a4_inducers)

    def _order_option(self, event: str, attributes: Mapping[str, str], needed: list[str],
                      candidates: list[ChoiceTarget], target: State | None) -> Option | None:
        """"Order a test first": the tests the step depends on, else one of the pathway's tests (a wrong answer)."""
        if target is None:
            return None
        tests = self.tests_for(needed) if needed else []
        if not tests:
            every = list(marker_tests(self.pathway))
            if not every:
                return None
            tests = [every[int(self.rng.integers(len(every)))]]
        modulators = self._modulators()
        interacting = [c for c in candidates if c.pathway is self.pathway
                       and interaction_unaddressed(c.state, self.patient)]
        also = (f"replace {', '.join(modulators)} with a co-medication without a CYP3A4 interaction, "
                if modulators and interacting else "")
        text = f"Order {' and '.join(tests)} first, {also}then give what the result calls for"
        return Option(ChoiceTarget(self.pathway, target), text, False, ORDER_TEST, tuple(tests), bool(also))

    def _replace_options(self, plain: list[Option]) -> list[Option]:
        """"Replace the co-medication, then give X": for every offered step beside which it interacts, and one
        beside which it does not (replacing it there is a wrong answer). Read from the card, never from a result."""
        meds = self._modulators() or list(self.patient.comedications)
        if not meds:
            return []
        own = [o for o in plain if o.target.pathway is self.pathway and o.target.state.regimen is not None]
        interacting = [o for o in own if interaction_unaddressed(o.target.state, self.patient)]
        others = [o for o in own if o not in interacting]
        picked = interacting + ([others[int(self.rng.integers(len(others)))]] if others else [])
        return [Option(o.target, f"Replace {', '.join(meds)} with a co-medication without a CYP3A4 interaction, "
                                 f"then give {o.text}", False, REPLACE_COMEDICATION) for o in picked]

    def next_decision(self) -> Decision | None:
        """The next event and its options, or None when the case is over.

        The options (texts and order) are a function of what the resident sees (the card, the
        situation, the history) and the seed, never of a hidden result: every branch on the event
        is offered, whichever the patient's markers call for. Only ``Option.right`` reads the truth.
        """
        if self.ended or self.asked >= self.max_decisions:
            return None
        event, at, attributes = self._next_event()
        needed = self.untested_needed(event, attributes)
        truth = self.true_facts()
        rights = set(self._right_targets(event, attributes, truth))
        after_tests = self._after_tests(event, attributes)
        plain: list[Option] = []
        seen: set = set()

        branches = {t.target for t in self.pathway.outgoing(self.timeline.state.id, event)}

        def offer(target: ChoiceTarget) -> bool:
            text, key = self.text_of(target.state), _regimen_key(target.state)
            branch = target.pathway is self.pathway and target.state.id in branches
            if text in seen or (key is not None and key in seen and not branch):
                return False
            plain.append(Option(target, text, False))
            seen.update({text, key} - {None})
            return True

        for target in self._local_distractors(event):
            offer(target)
        offered_foreign = False
        for target in self._foreign_distractors(event):
            if offered_foreign and len(plain) >= MIN_OPTIONS:
                break
            offered_foreign = offer(target) or offered_foreign
        candidates = [o.target for o in plain]
        options = plain + self._replace_options(plain)
        order = self._order_option(event, attributes, needed, candidates, after_tests)
        if order is not None:
            options.append(order)
        judged = [replace(o, right=self._is_right(o, rights, needed, after_tests)) for o in options]
        permutation = self.rng.permutation(len(judged))
        return Decision(self.asked + 1, at, event, attributes, self._situation(event, at, attributes),
                        tuple(judged[int(i)] for i in permutation), tuple(self.card()),
                        tuple(comedication_words(self.patient)))

    def _is_right(self, option: Option, rights: set[str], needed: list[str], after_tests: State | None) -> bool:
        """Whether ``option`` is a guideline answer for the true patient (never shown before the answer)."""
        state = option.target.state
        if option.action == ORDER_TEST:
            return bool(needed) and after_tests is not None and (
                option.replaces or not interaction_unaddressed(after_tests, self.patient))
        if needed or option.target.pathway is not self.pathway or state.id not in rights:
            return False
        interacts = interaction_unaddressed(state, self.patient)
        return interacts if option.action == REPLACE_COMEDICATION else not interacts

    def _why_right(self, step: Step) -> str:
        when = step.transition.when
        if any(m.attribute == OPTION_ATTRIBUTE for m in iter_matches(when)):
            return "it is one of the guideline's options here"
        words = condition_words(when)
        if words:
            return f"the guideline gives it when {words}"
        if step.event == "start":
            return f"it is the guideline's first treatment after {step.source.label}"
        return f"it is the guideline's step on {step.event} from {self.text_of(step.source)}"

    def _why_wrong(self, decision: Decision, option: Option, step: Step) -> str:
        chosen = option.target
        current = step.source
        if chosen.pathway is not self.pathway:
            return (f"{option.text} is not part of the {self.pathway.name} pathway (it is a {chosen.pathway.name} "
                    f"regimen): histologic subtype drives the choice of therapy")
        if chosen.state.id == current.id and decision.event == "progression":
            return (f"staying on {option.text} after progression continues a therapy that is no longer "
                    f"controlling the disease")
        if chosen.state.id == current.id and decision.event == "intolerance":
            return f"the patient cannot tolerate {option.text}; giving it again repeats what they could not tolerate"
        for transition in self.pathway.outgoing(current.id, decision.event):
            if transition.target != chosen.state.id:
                continue
            patient = facts_words(self.pathway, self.patient, step.attributes)
            if transition.when is not None:
                return (f"the pathway gives {option.text} here only when {condition_words(transition.when)}; "
                        f"this patient: {patient}")
            return (f"the pathway gives {option.text} here only when no earlier branch applies, and one does: "
                    f"{condition_words(step.transition.when) or 'the guideline step'} (this patient: {patient})")
        incoming = [t for t in self.pathway.transitions if t.target == chosen.state.id]
        if incoming:
            first = incoming[0]
            source = self.pathway.states[first.source]
            return (f"in this pathway {option.text} comes on {first.event} from {self.text_of(source)}, "
                    f"not at this point")
        return f"{option.text} is not the pathway's step here"

    def _shown(self, names: Iterable[str]) -> str:
        return ", ".join(f"{readable(n)} {readable(self.patient.facts[n])}" for n in names)

    def _needless_order(self, option: Option, step: Step, on_card: set[str]) -> str:
        """Why ordering ``option``'s tests was wrong: the result was on the card, or the step does not depend on it."""
        tests = " and ".join(option.tests)
        reported = [n for t in option.tests for n in marker_tests(self.pathway).get(t, ())]
        if reported and all(n in on_card for n in reported):
            return (f"the result of {tests} is already on the card ({self._shown(reported)}); ordering it again "
                    f"only delays treatment. The guideline gives {self.text_of(step.target)}: {self._why_right(step)}")
        return (f"the guideline's step here does not depend on {tests}: it gives {self.text_of(step.target)} "
                f"whatever the result ({self._why_right(step)}); the test only delays treatment")

    def _untested_alert(self, needed: list[str], revealed: list[str], step: Step) -> Alert:
        """``UNTESTED_MARKER`` as the case words it: the test that would have shown the result, and the result."""
        names = " and ".join(readable(n) for n in needed)
        tests = " and ".join(self.tests_for(needed))
        message = (f"This decision depended on {names}, which {'was' if len(needed) == 1 else 'were'} not tested "
                   f"(order: {tests}). The patient's true result: {self._shown(revealed)}; for it the guideline "
                   f"gives {self.text_of(step.target)}. Histologic subtyping and molecular testing are critical.")
        return Alert("UNTESTED_MARKER", message, (str(CITE_ONE_ENTITY),))

    def answer(self, decision: Decision, index: int) -> Feedback:
        """Give option ``index`` (0-based) of ``decision`` and judge it against the true patient.

        Where the step depends on a marker nobody tested, the guideline's step is the one the true
        (hidden) result calls for: the result is revealed at this point (written into the record,
        so the card shows it from now on) and the feedback names the test that would have shown it.
        """
        option = decision.options[index]
        needed = self.untested_needed(decision.event, decision.attributes)
        on_card = {n for n, v in self.patient.facts.items() if v != NOT_TESTED}
        interacts = option.target.pathway is self.pathway and interaction_unaddressed(option.target.state,
                                                                                      self.patient)
        meds = ", ".join(self._modulators() or self.patient.comedications)
        if option.action == ORDER_TEST:
            revealed = self.order_tests(decision.event, decision.attributes, option.tests)
        else:
            revealed = self.order_tests(decision.event, decision.attributes) if needed else []
        if option.action == REPLACE_COMEDICATION or option.replaces:
            self._replace_comedications(all_of_them=not self._modulators())
        choose = option.target
        if option.action == ORDER_TEST or needed:
            after = self._after_tests(decision.event, decision.attributes)
            if option.action == ORDER_TEST and after is not None:
                choose = ChoiceTarget(self.pathway, after)
        step = self.timeline.step(decision.event, decision.at, decision.attributes, choose=choose)
        choice = step.choice
        if choice is None:  # a step taken with ``choose`` always records the choice it judged
            raise RuntimeError(f"decision {decision.number}: the timeline recorded no choice for the answer")
        if needed and option.action != ORDER_TEST:
            step = replace(step, alerts=step.alerts + (self._untested_alert(needed, revealed, step),))
        # Interaction alerts count against the answer only while the interaction is left unaddressed.
        addressed = () if interaction_unaddressed(choose.state, self.patient) else INTERACTION_CODES
        teaching_alerts = [a for a in step.alerts
                           if a.code not in ("OFF_GUIDELINE_CHOICE", "UNTESTED_MARKER") and a.code not in addressed]
        untested_guess = bool(needed) and option.action != ORDER_TEST
        needless_order = option.action == ORDER_TEST and not needed
        needless_replace = option.action == REPLACE_COMEDICATION and not interacts
        right = (choice.concordant and not teaching_alerts and not untested_guess and not needless_order
                 and not needless_replace)
        self.asked += 1
        self.right += right
        guideline_text = self.text_of(step.target)
        extra_sources: tuple[str, ...] = ()
        names = " and ".join(readable(n) for n in needed)
        tests = " and ".join(self.tests_for(needed))
        if needless_order:
            reason = self._needless_order(option, step, on_card)
            lines = [f"Not the guideline's step: {reason}."]
        elif right and option.action == ORDER_TEST:
            reason = (f"the guideline's step depends on {names}, so the test comes first; it shows "
                      f"{self._shown(revealed) or 'no result'}, and {self._why_right(step)}")
            if option.replaces:
                reason += (f"; the co-medication no longer interacts with {interacting_drugs(choose.state)}: "
                           f"the source warns against overlooking drug interactions")
            lines = [f"Right: {option.text}. Why: {reason}.", f"The patient is given {guideline_text}."]
            extra_sources = (str(CITE_ONE_ENTITY),) + ((str(CITE_INTERACTIONS),) if option.replaces else ())
        elif untested_guess:
            untested_words = f"{names}, which {'was' if len(needed) == 1 else 'were'} not tested"
            truth = (f"the patient's true result, which {tests} would have shown, is {self._shown(revealed)}, "
                     f"and for it the guideline gives {guideline_text}")
            if choice.concordant:
                reason = (f"{option.text} is what this patient's true result calls for, but the step depended on "
                          f"{untested_words}: order {tests} first ({truth})")
                lines = [f"Not quite: {reason}."]
            else:
                reason = f"the step depended on {untested_words}: order {tests} first; {truth}"
                lines = [f"Not the guideline's step: {reason}.",
                         f"The guideline gives {guideline_text}: {self._why_right(step)}."]
            extra_sources = (str(CITE_ONE_ENTITY),)
        elif needless_replace:
            verdict = "Not quite" if choice.concordant else "Not the guideline's step"
            reason = (f"{option.text.split(', then give ')[-1]} has no CYP3A4 interaction guidance beside {meds}, "
                      f"so replacing it changes a co-medication that needed no change")
            if not choice.concordant:
                reason += f"; and {self._why_wrong(decision, replace(option, text=self.text_of(choose.state)), step)}"
            lines = [f"{verdict}: {reason}."]
            if not choice.concordant:
                lines.append(f"The guideline gives {guideline_text}: {self._why_right(step)}.")
        elif right and option.action == REPLACE_COMEDICATION:
            reason = (f"the co-medication no longer interacts with {interacting_drugs(choose.state)}, and "
                      f"{self._why_right(step)}; the source warns against overlooking drug interactions")
            lines = [f"Right: {option.text}. Why: {reason}."]
            extra_sources = (str(CITE_INTERACTIONS),)
        elif right:
            reason = self._why_right(step)
            lines = [f"Right: {option.text} is the guideline's step. Why: {reason}."]
        elif choice.concordant and not interaction_unaddressed(choose.state, self.patient):
            reason = (f"{option.text} is the pathway's step from where the patient is now, but it raises "
                      f"{plural(len(teaching_alerts), 'alert')} ({', '.join(a.code for a in teaching_alerts)}): "
                      f"an earlier step left the guideline")
            lines = [f"Not quite: {reason}."]
        elif choice.concordant:
            reason = ("the regimen is the guideline's, but the strong CYP3A4 "
                      f"{'inducer' if self.patient.cyp3a4_inducers else 'inhibitor'} beside "
                      f"{interacting_drugs(choose.state)} is left as it is: the label's first step is to "
                      "choose a co-medication without the interaction")
            lines = [f"Not quite: {reason}."]
            extra_sources = tuple(dict.fromkeys(s for a in step.alerts if a.code in INTERACTION_CODES
                                                for s in a.sources)) or (str(CITE_INTERACTIONS),)
        else:
            named = replace(option, text=self.text_of(choose.state)) if option.action else option
            reason = self._why_wrong(decision, named, step)
            lines = [f"Not the guideline's step: {reason}.",
                     f"The guideline gives {guideline_text}: {self._why_right(step)}."]
        for alert in step.alerts:
            if alert.code == "OFF_GUIDELINE_CHOICE":
                continue
            lines.append(f"Alert {alert.code}: {alert.message}")
            lines += [f"  source: {s}" for s in alert.sources]
        for note in (step.transition.note, step.target.note):
            if note:
                lines.append(f"Note: {sentence(note)}")
        if step.beyond_source:
            lines.append("The guideline's step here goes beyond the source guideline (evidence table).")
        sources = tuple(citations_of(self.pathway, step.sources)) + extra_sources
        if sources:
            lines.append("Sources of the guideline's step:" if not extra_sources else "Sources:")
            lines += [f"  {s}" for s in sources]
        if not choice.concordant and step.reached is None and option.target.pathway is not self.pathway:
            lines.append(f"{option.text} is outside this pathway, so the case continues as if "
                         f"{guideline_text} had been given.")
        if not self.ended:
            lines.append(f"The case continues on {self.text_of(self.timeline.state)}.")
        rights = tuple(o.text for o in decision.options if o.right)
        feedback = Feedback(right, step, tuple(lines), option, guideline_text, reason, sources, tuple(needed),
                            tuple(revealed), rights)
        self.history.append((decision, feedback))
        return feedback

    def score_line(self) -> str:
        """The score so far."""
        return f"Score: {self.right} of {plural(self.asked, 'decision')} on the guideline."

    def guideline_path(self) -> tuple[str, ...]:
        """The guideline's path for this patient from the start: the true markers, the case's events.

        A patient with every result known walks the guideline through the same events (an event
        the guideline's state cannot take is passed over), so the resident's path can be read
        beside the one the guideline would have taken from the beginning.
        """
        # The machine's own rule, read from the pathway: the first transition on the event whose condition holds.
        facts = self.true_facts()
        state = self.pathway.initial
        path = [state]
        for decision, _ in self.history:
            attributes = {k: v for k, v in decision.attributes.items() if k != OPTION_ATTRIBUTE}
            found = next((t for t in self.pathway.outgoing(state, decision.event)
                          if holds(t.when, {**facts, **attributes})), None)
            if found is not None:
                state = found.target
                path.append(state)
        return tuple(path)

    def debrief(self) -> Debrief:
        """The case so far as a debrief: both paths, decisions with their feedback, the hidden results, score."""
        result = self.timeline.result()
        hidden = tuple((name, self.results[name]) for name in self.pathway.attributes if name in self.results)
        return Debrief(tuple(result.taken_path), self.guideline_path(), tuple(self.history), self.right,
                       self.asked, self.ended, self.text_of(self.timeline.state), hidden)
