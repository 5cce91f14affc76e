"""The stepwise run: one patient walked through its subtype's state machine, event by event.

Each event is fired on the pathway's shared ``transitions`` machine (``machine_for``) and recorded
as a ``Step``: time in months, event and its attributes, from, to, the regimen with its dose and
schedule, and the sources behind the step, plus the teaching alerts the step raises.

A step may carry a choice (``choose:`` in a scenario, an answer in ``teach``): the state the
teacher or resident wants to give. A choice the guideline agrees with is followed. A choice off
the guideline (another state of this pathway, or a state of another subtype's pathway, written
``SUBTYPE.STATE``) is never followed silently: the step records both the guideline's target and
the choice, raises ``OFF_GUIDELINE_CHOICE`` with the guideline's reasons, and the patient
continues from the guideline's state, so every later event is judged against the guideline.

``Timeline(..., follow_choices=True)`` is the teaching mode: an off-guideline choice of a state of
this pathway still raises its alerts, but the patient goes where the resident sent them
(``Step.reached``), so the case and its drawing show the resident's own path. A state of another
subtype's pathway cannot be entered; there the patient continues from the guideline's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sarcoma_sim.errors import ImpossibleEventError, PathwayError, Problem
from sarcoma_sim.pathways.conditions import holds
from sarcoma_sim.pathways.machine import PatientModel, machine_for
from sarcoma_sim.pathways.model import Pathway, State, Transition
from sarcoma_sim.patient.alerts import Alert, StepContext, evaluate
from sarcoma_sim.patient.choices import OPTION_ATTRIBUTE, ChoiceTarget, resolve_choice
from sarcoma_sim.patient.record import Patient

__all__ = ["OPTION_ATTRIBUTE", "ChoiceTarget", "resolve_choice", "Choice", "Step", "RunResult", "Timeline"]

@dataclass(frozen=True)
class Choice:
    """The state chosen at a step and whether the guideline agrees."""

    target: ChoiceTarget
    id: str
    concordant: bool

    def to_dict(self) -> dict:
        """The choice as plain data for JSON."""
        state = self.target.state
        return {"state": self.id, "subtype": self.target.pathway.id, "label": state.label,
                **_regimen_dict(state), "concordant": self.concordant}


def _regimen_dict(state: State) -> dict:
    regimen = state.regimen
    return {"regimen": regimen.describe() if regimen else None,
            "drugs": list(state.drugs),
            "dose": regimen.dose if regimen else None,
            "schedule": regimen.schedule if regimen else None,
            "line": state.line,
            "daily_dose_mg": regimen.daily_dose_mg if regimen else None}


@dataclass(frozen=True)
class Step:
    """One fired event: when, what, from where to where, on what evidence, and its alerts."""

    index: int
    at: float
    event: str
    attributes: Mapping[str, str]
    source: State
    target: State
    transition: Transition
    sources: tuple[str, ...]
    choice: Choice | None = None
    alerts: tuple[Alert, ...] = ()
    note: str | None = None
    reached: State | None = None

    @property
    def taken(self) -> State:
        """The state the patient is in after this step: the resident's when followed, else the guideline's."""
        return self.reached or self.target

    @property
    def beyond_source(self) -> bool:
        """Whether the guideline's step goes beyond the source guideline."""
        return self.transition.beyond_source or self.target.beyond_source

    def to_dict(self) -> dict:
        """The step as plain data for JSON."""
        return {"index": self.index, "month": self.at, "event": self.event, "attributes": dict(self.attributes),
                "from": self.source.id, "to": self.target.id, "label": self.target.label, "kind": self.target.kind,
                **_regimen_dict(self.target), "sources": list(self.sources), "beyond_source": self.beyond_source,
                "choice": self.choice.to_dict() if self.choice else None,
                "alerts": [a.to_dict() for a in self.alerts], "note": self.note}


@dataclass(frozen=True)
class RunResult:
    """A finished run: the patient, every step and where the patient ended up."""

    pathway: Pathway
    patient: Patient
    steps: tuple[Step, ...]
    final_state: State
    start_at: float

    @property
    def ended(self) -> bool:
        """Whether the final state has no further events (the pathway has ended)."""
        return not self.pathway.events_from(self.final_state.id)

    @property
    def path(self) -> list[str]:
        """The states the patient went through in order, from the initial state (a walk of the graph)."""
        return [self.pathway.initial] + [s.target.id for s in self.steps]

    @property
    def taken_path(self) -> list[str]:
        """The states the patient actually went through: chosen states of this pathway in place of the guideline's."""
        path = [self.pathway.initial]
        for step in self.steps:
            chosen = step.choice.target if step.choice else None
            path.append(chosen.state.id if chosen is not None and chosen.pathway is self.pathway else step.target.id)
        return path

    @property
    def guideline_path(self) -> list[str]:
        """The guideline's target of every step, in order (where the guideline sent the patient each time)."""
        return [self.pathway.initial] + [s.target.id for s in self.steps]

    def drawable_path(self, graph) -> list[str]:
        """``taken_path`` as a walk of ``graph`` for highlighting.

        A stay on the same state is one state. The walk stops before a jump the pathway has no
        transition for, and before a step fired from another state than the one the patient was
        put in (a scripted run continues from the guideline's state after an off-guideline choice).
        """
        taken = self.taken_path
        walk = [taken[0]]
        for step, state in zip(self.steps, taken[1:]):
            if step.source.id != taken[step.index]:
                break
            if state == walk[-1]:
                continue
            if not graph.has_edge(walk[-1], state):
                break
            walk.append(state)
        return walk

    @property
    def final_month(self) -> float:
        """The month of the last step (the start time when nothing happened)."""
        return self.steps[-1].at if self.steps else self.start_at


class Timeline:
    """A patient on its pathway's machine; ``step`` fires one event and records it.

    Use it as a context manager (or call ``close``) so the shared machine lets go of the patient.
    """

    def __init__(self, pathway: Pathway, patient: Patient, start_at: float = 0.0, follow_choices: bool = False):
        self.pathway = pathway
        self.follow_choices = follow_choices
        self.patient = patient
        self.start_at = float(start_at)
        self.machine = machine_for(pathway)
        self.model = self.machine.attach(PatientModel(patient.facts, patient.label))
        self.steps: list[Step] = []
        self._attached = True

    def __enter__(self) -> "Timeline":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Detach the patient from the shared machine (safe to call twice)."""
        if self._attached:
            self.machine.detach(self.model)
            self._attached = False

    @property
    def state(self) -> State:
        """The patient's current state."""
        return self.pathway.states[self.model.state]

    @property
    def time(self) -> float:
        """The month of the last step, or the start time."""
        return self.steps[-1].at if self.steps else self.start_at

    def possible_events(self) -> list[str]:
        """Events that can happen in the current state (empty when the pathway has ended)."""
        return self.pathway.events_from(self.state.id)

    def guideline_transition(self, event: str, attributes: Mapping[str, str] | None = None) -> Transition | None:
        """The transition the guideline takes on ``event`` now, without moving the patient."""
        facts = {**self.patient.facts, **(attributes or {})}
        for transition in self.pathway.outgoing(self.state.id, event):
            if holds(transition.when, facts):
                return transition
        return None

    def _with_option(self, event: str, attributes: dict, choose: ChoiceTarget | None) -> dict:
        """Read a choice among the guideline's options as the ``option`` event attribute."""
        option = self.pathway.attributes.get(OPTION_ATTRIBUTE)
        if (choose is None or choose.pathway is not self.pathway or OPTION_ATTRIBUTE in attributes
                or option is None or option.of != "event" or choose.state.id not in option.values):
            return attributes
        trial = {**attributes, OPTION_ATTRIBUTE: choose.state.id}
        predicted = self.guideline_transition(event, trial)
        return trial if predicted is not None and predicted.target == choose.state.id else attributes

    def step(self, event: str, at: float, attributes: Mapping[str, str] | None = None,
             choose: ChoiceTarget | None = None, note: str | None = None) -> Step:
        """Fire ``event`` at month ``at`` and record the step; raises ``PathwayError`` if impossible."""
        current = self.state
        if at < self.time:
            raise PathwayError(f"month {at:g} is before the previous event (month {self.time:g}); "
                               f"times must not go backwards")
        possible = self.possible_events()
        if event not in possible:
            expected = (f"expected one of: {', '.join(possible)}" if possible
                        else "the pathway has ended there, so no further event is expected")
            raise ImpossibleEventError(Problem("", None, "", f"event {event!r} at month {at:g} is impossible in "
                                                             f"state {current.id!r} ({current.label}); {expected}"))
        given_option = (attributes or {}).get(OPTION_ATTRIBUTE)
        attributes = self._with_option(event, dict(attributes or {}), choose)
        if given_option is not None:
            found = self.guideline_transition(event, attributes)
            if found is not None and found.target != given_option:
                raise ImpossibleEventError(Problem("", None, OPTION_ATTRIBUTE, (
                    f"option {given_option!r} does not apply to {event!r} in state {current.id!r}: the "
                    f"guideline goes to {found.target!r} here; to test another state, use choose:")))
        try:
            transition = self.machine.fire(self.model, event, **attributes)
        except PathwayError as error:
            raise ImpossibleEventError(Problem("", None, "", error.problems[0].message)) from None
        target = self.pathway.states[transition.target]
        choice = None
        given, given_pathway = target, self.pathway
        if choose is not None:
            concordant = choose.pathway is self.pathway and choose.state.id == target.id
            choice = Choice(choose, choose.qualified(self.pathway), concordant)
            given, given_pathway = choose.state, choose.pathway
        context = StepContext(pathway=self.pathway, patient=self.patient, event=event, attributes=attributes,
                              current=current, guideline=transition, given=given, given_pathway=given_pathway,
                              chosen=choose is not None)
        sources = tuple(dict.fromkeys(transition.sources + target.sources))
        step = Step(index=len(self.steps), at=float(at), event=event, attributes=attributes, source=current,
                    target=target, transition=transition, sources=sources, choice=choice,
                    alerts=evaluate(context), note=note, reached=self._follow(choose, target))
        self.steps.append(step)
        return step

    def _follow(self, choose: ChoiceTarget | None, target: State) -> State | None:
        """In follow mode, move the patient to an off-guideline choice of this pathway; the state moved to."""
        if (not self.follow_choices or choose is None or choose.pathway is not self.pathway
                or choose.state.id == target.id):
            return None
        self.machine.machine.set_state(choose.state.id, model=self.model)
        return choose.state

    def result(self) -> RunResult:
        """The run so far."""
        return RunResult(self.pathway, self.patient, tuple(self.steps), self.state, self.start_at)
