"""The interactive teaching case: events happen to a hypothetical patient, the resident decides.

``TeachingCase`` holds the logic and no input/output: ``next_decision()`` advances the clock to
the next event and lists numbered options (the guideline's, and common wrong ones: staying on the
same therapy after progression, the conditional branches the patient does not qualify for, a
regimen from another subtype such as pazopanib in liposarcoma); ``answer()`` fires the event on
the stepwise engine with the resident's choice and returns the feedback (right or wrong, why,
the alerts, the sources). The case always continues from the guideline's state, as a scripted
run does. ``run_session`` drives a case from lines of text, so piped input works.

Randomness (the patient's markers when not given, the events and their timing, the order of the
options) comes from one ``numpy.random.Generator`` built from the user's seed. Event timing and
the event mix are ILLUSTRATIVE teaching values, not evidence: the cohort engine owns the
literature-anchored times.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from sarcoma_sim.pathways.conditions import describe, iter_matches
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.pathways.model import Pathway, State
from sarcoma_sim.patient.alerts import citations_of, outside_pathway, sentence
from sarcoma_sim.patient.record import (
    STRONG_CYP3A4_INDUCERS,
    STRONG_CYP3A4_INHIBITORS,
    Patient,
    comedication_words,
    contradiction,
    make_patient,
)
from sarcoma_sim.patient.timeline import OPTION_ATTRIBUTE, ChoiceTarget, Step, Timeline

# Illustrative teaching values (not evidence): how the case unfolds.
PROGRESSION_SHARE = 0.75          # share of therapy events that are progressions (the rest intolerance)
LIMITED_SHARE = 0.3               # share of progressions that are limited, where the pathway reads extent
COMEDICATION_SHARE = 0.25         # share of sampled patients given a strong CYP3A4 inhibitor or inducer
MONTHS_TO_SURGERY_RESULT = 1.0    # months from a surgery decision to its result
MAX_OPTIONS = 5
MIN_OPTIONS = 4
DEFAULT_MAX_DECISIONS = 10
# The classic mix-up the source warns of ("treating all soft tissue sarcomas as one entity"):
# pazopanib, given for non-adipogenic sarcomas, offered where the pathway does not use it.
CLASSIC_FOREIGN_DRUG = "pazopanib"


def consistent(facts: Mapping[str, str]) -> bool:
    """Whether sampled markers go together (see ``sarcoma_sim.patient.record.contradiction``)."""
    return contradiction(facts) is None


def sample_patient(pathway: Pathway, rng, given: Mapping[str, str] | None = None,
                   comedications: Iterable[str] | None = None, label: str = "teaching case") -> Patient:
    """A patient of ``pathway``: ``given`` markers kept, the others drawn uniformly with ``rng``.

    Markers are drawn uniformly over the consistent combinations of declared values, so that the
    rarer teaching cases (KIT exon 9, PDGFRA D842V, ALK-negative) come up often; this is not a
    prevalence. ``comedications=None`` draws one strong CYP3A4 modulator with an illustrative
    probability; an empty list means none.
    """
    given = dict(given or {})
    declared = [a for a in pathway.attributes.values() if a.of == "patient"]
    make_patient(pathway, given)  # unknown attributes or values are errors before anything is drawn
    choices = [[given[a.name]] if a.name in given else list(a.values) for a in declared]
    profiles = [dict(zip([a.name for a in declared], combo)) for combo in itertools.product(*choices)]
    profiles = [p for p in profiles if consistent(p)] or profiles
    facts = profiles[int(rng.integers(len(profiles)))] if profiles else {}
    if comedications is None:
        modulators = STRONG_CYP3A4_INHIBITORS + STRONG_CYP3A4_INDUCERS
        drawn = rng.random() < COMEDICATION_SHARE
        pick = int(rng.integers(len(modulators)))
        comedications = [modulators[pick]] if drawn else []
    return make_patient(pathway, facts, list(comedications), label=label)


@dataclass(frozen=True)
class Option:
    """One numbered answer: the state it gives and whether the guideline agrees."""

    target: ChoiceTarget
    text: str
    right: bool


@dataclass(frozen=True)
class Decision:
    """An event that happened and the options the resident chooses from."""

    number: int
    at: float
    event: str
    attributes: Mapping[str, str]
    situation: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer and the lines that explain it."""

    right: bool
    step: Step
    lines: tuple[str, ...]


def _option_text(state: State) -> str:
    """The state's label, with its drugs when the label does not name them."""
    drugs = state.drugs
    if drugs and not any(d.lower() in state.label.lower() for d in drugs):
        return f"{state.label} ({', '.join(drugs)})"
    return state.label


def _regimen_key(state: State) -> tuple | None:
    regimen = state.regimen
    if regimen is None:
        return None
    return (frozenset(regimen.drugs), regimen.drug_class if not regimen.drugs else None, regimen.daily_dose_mg,
            regimen.dose, regimen.schedule)


class TeachingCase:
    """One patient's case, decision by decision; close it (or use ``with``) when done."""

    def __init__(self, pathway: Pathway, patient: Patient, rng, max_decisions: int = DEFAULT_MAX_DECISIONS):
        self.pathway = pathway
        self.patient = patient
        self.rng = rng
        self.max_decisions = max_decisions
        self.timeline = Timeline(pathway, patient, 0.0)
        self.asked = 0
        self.right = 0

    def __enter__(self) -> "TeachingCase":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Let go of the patient on the shared machine."""
        self.timeline.close()

    @property
    def ended(self) -> bool:
        """Whether the pathway has ended for this patient."""
        return not self.timeline.possible_events()

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
        state = self.timeline.state
        if event == "start":
            return (f"Month {at:g}: {state.label} is done. Which first treatment do you give?")
        if event == "progression":
            extent = f"{attributes['extent']} " if "extent" in attributes else ""
            return f"Month {at:g}: imaging shows {extent}progression on {state.label}. What next?"
        if event == "intolerance":
            return f"Month {at:g}: the patient cannot tolerate {state.label}. What next?"
        return f"Month {at:g}: {state.label}: done ({event.replace('_', ' ')}). What next?"

    def _right_targets(self, event: str, attributes: Mapping[str, str]) -> list[str]:
        """The guideline's step and the guideline's alternative options on this event."""
        rights = []
        guideline = self.timeline.guideline_transition(event, attributes)
        if guideline is not None:
            rights.append(guideline.target)
        option = self.pathway.attributes.get(OPTION_ATTRIBUTE)
        for value in (option.values if option and option.of == "event" else ()):
            found = self.timeline.guideline_transition(event, {**attributes, OPTION_ATTRIBUTE: value})
            if found is not None and found.target == value:
                rights.append(value)
        return list(dict.fromkeys(rights))

    def _local_distractors(self, event: str, rights: list[str]) -> list[ChoiceTarget]:
        """Wrong options from this pathway: staying on the therapy, the branches not taken, another line."""
        state = self.timeline.state
        pathway = self.pathway
        local: list[str] = []
        if event == "progression" and state.regimen is not None:
            local.append(state.id)
        # The unconditioned ("otherwise") branch first: taking it whatever the markers say is the classic error.
        local += [t.target for t in sorted(pathway.outgoing(state.id, event), key=lambda t: t.when is not None)]
        others = [s.id for s in pathway.states.values() if s.kind == "therapy" and s.id not in local]
        if others:
            local.append(others[int(self.rng.integers(len(others)))])
        return [ChoiceTarget(pathway, pathway.states[s]) for s in dict.fromkeys(local) if s not in rights]

    def _foreign_distractors(self) -> list[ChoiceTarget]:
        """Therapies of other subtypes whose drugs this pathway does not use, the classic mix-up first."""
        candidates = []
        for subtype in SUBTYPE_IDS:
            if subtype == self.pathway.id:
                continue
            other = load_subtype(subtype)
            for state in other.states.values():
                shares_a_drug = bool(set(state.drugs) & self.pathway.drugs())
                if state.kind == "therapy" and state.drugs and not shares_a_drug \
                        and outside_pathway(self.pathway, state.regimen):
                    candidates.append(ChoiceTarget(other, state))
        classic = [c for c in candidates if CLASSIC_FOREIGN_DRUG in c.state.drugs][:1]
        rest = [c for c in candidates if CLASSIC_FOREIGN_DRUG not in c.state.drugs]
        return classic + [rest[int(i)] for i in self.rng.permutation(len(rest))]

    def next_decision(self) -> Decision | None:
        """The next event and its options, or None when the case is over."""
        if self.ended or self.asked >= self.max_decisions:
            return None
        event, at, attributes = self._next_event()
        rights = self._right_targets(event, attributes)
        options = [Option(ChoiceTarget(self.pathway, self.pathway.states[s]),
                          _option_text(self.pathway.states[s]), True) for s in rights]
        # A wrong option must not look like a right one: no repeated label, no repeated regimen.
        seen = {o.text for o in options} | {_regimen_key(o.target.state) for o in options} - {None}

        def offer(target: ChoiceTarget, limit: int) -> bool:
            text, key = _option_text(target.state), _regimen_key(target.state)
            if len(options) >= limit or text in seen or key in seen:
                return False
            options.append(Option(target, text, False))
            seen.update({text, key} - {None})
            return True

        for target in self._local_distractors(event, rights):
            offer(target, MAX_OPTIONS - 1)  # keep a place for another subtype's regimen
        offered_foreign = False
        for target in self._foreign_distractors():
            if offered_foreign and len(options) >= MIN_OPTIONS:
                break
            offered_foreign = offer(target, MAX_OPTIONS) or offered_foreign
        order = self.rng.permutation(len(options))
        return Decision(self.asked + 1, at, event, attributes, self._situation(event, at, attributes),
                        tuple(options[int(i)] for i in order))

    def answer(self, decision: Decision, index: int) -> Feedback:
        """Give option ``index`` (0-based) of ``decision`` and explain the verdict."""
        option = decision.options[index]
        step = self.timeline.step(decision.event, decision.at, decision.attributes, choose=option.target)
        right = step.choice.concordant
        self.asked += 1
        self.right += right
        target = step.target
        if any(m.attribute == OPTION_ATTRIBUTE for m in iter_matches(step.transition.when)):
            why = " (one of the guideline's options here)"
        else:
            because = describe(step.transition.when)
            why = f" ({because})" if because else ""
        if right:
            lines = [f"Right: {option.text} is the guideline's step{why}."]
        else:
            lines = [f"Not the guideline's step. The guideline gives {_option_text(target)}{why}."]
        for alert in step.alerts:
            if alert.code == "OFF_GUIDELINE_CHOICE":
                continue
            lines.append(f"Alert {alert.code}: {alert.message}")
            lines += [f"  source: {s}" for s in alert.sources]
        for note in (step.transition.note, target.note):
            if note:
                lines.append(f"Note: {sentence(note)}")
        if step.beyond_source:
            lines.append("This step goes beyond the source guideline (evidence table).")
        if step.sources:
            lines.append("Sources of the guideline's step:")
            lines += [f"  {s}" for s in citations_of(self.pathway, step.sources)]
        if not self.ended:
            lines.append(f"The case continues on {target.label}.")
        return Feedback(right, step, tuple(lines))

    def score_line(self) -> str:
        """The score so far."""
        return f"Score: {self.right} of {self.asked} decisions on the guideline."


def patient_line(patient: Patient) -> str:
    """The patient as the case presents it."""
    facts = ", ".join(f"{k.replace('_', ' ')} {v.replace('_', ' ')}" for k, v in patient.facts.items())
    meds = ", ".join(comedication_words(patient)) or "none"
    return f"Patient: {facts or 'no markers to test'}; co-medication: {meds}"


def run_session(case: TeachingCase, read_line: Callable[[], str | None], write: Callable[[str], None],
                header: Iterable[str] = ()) -> int:
    """Drive ``case`` from ``read_line`` (None at end of input) and ``write``; returns the exit code.

    An answer that is not one of the option numbers is asked again; ``q`` stops the case; end of
    input stops it with the score so far. Always returns 0: stopping is not an error.
    """
    for line in header:
        write(line)
    write(patient_line(case.patient))
    write("Answer with the number of your choice (q to stop).")
    while (decision := case.next_decision()) is not None:
        write("")
        write(f"Decision {decision.number}. {decision.situation}")
        for i, option in enumerate(decision.options, start=1):
            write(f"  {i}) {option.text}")
        while True:
            answer = read_line()
            if answer is None:
                write("")
                write("End of input: the case stops here.")
                write(case.score_line())
                return 0
            answer = answer.strip().lower()
            if answer in ("q", "quit"):
                write("Stopped.")
                write(case.score_line())
                return 0
            if answer.isdigit() and 1 <= int(answer) <= len(decision.options):
                break
            write(f"Please answer with a number from 1 to {len(decision.options)} (q to stop).")
        feedback = case.answer(decision, int(answer) - 1)
        for line in feedback.lines:
            write(line)
    write("")
    final = case.timeline.state
    if case.ended:
        write(f"The pathway has ended: {final.label}.")
    else:
        write(f"The case ends here after {case.asked} decisions, on {final.label}.")
    write(case.score_line())
    return 0
