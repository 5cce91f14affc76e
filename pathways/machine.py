"""Compile a ``Pathway`` to one ``transitions.Machine`` that many patient models share.

The machine decides: same-event transitions are handed to ``transitions`` in file order with
their data conditions wrapped as callables, and ``transitions`` takes the first whose condition
holds. Each transition records itself on the model in an ``after`` callback, so the caller learns
which edge fired without re-deciding it. No automatic ``to_<state>`` triggers are made.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from transitions import Machine, MachineError

from sarcoma_sim.errors import ImpossibleEventError, Problem
from sarcoma_sim.pathways.conditions import describe, holds
from sarcoma_sim.pathways.model import Pathway, Transition


class PatientModel:
    """The smallest object the machine can step: ``facts`` (patient attributes) and ``state``.

    Richer patient records (``sarcoma_sim.patient.record``) may subclass it or carry one.
    """

    # Set on the model by ``transitions`` when the machine attaches it; declared for the type checker.
    state: str
    trigger: Callable[..., bool]

    def __init__(self, facts: Mapping[str, Any] | None = None, label: str = "patient"):
        self.facts: dict[str, Any] = dict(facts or {})
        self.label = label
        self.last_transition: Transition | None = None

    def __repr__(self) -> str:
        return f"PatientModel({self.label!r}, state={getattr(self, 'state', None)!r})"


class PathwayMachine:
    """One subtype's state machine; ``attach`` patients, then ``fire`` events on them."""

    def __init__(self, pathway: Pathway):
        self.pathway = pathway
        self._transitions_by_index = {t.index: t for t in pathway.transitions}
        self.machine = Machine(
            model=None,
            states=list(pathway.states),
            initial=pathway.initial,
            transitions=[self._spec(t) for t in pathway.transitions],
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
            name=pathway.id,
        )

    def _spec(self, transition: Transition) -> dict:
        def condition_holds(event_data, _condition=transition.when) -> bool:
            facts = {**event_data.model.facts, **event_data.kwargs}
            return holds(_condition, facts)

        def record(event_data, _transition=transition) -> None:
            event_data.model.last_transition = _transition

        spec: dict[str, Any] = {"trigger": transition.event, "source": transition.source,
                                "dest": transition.target, "after": [record]}
        if transition.when is not None:
            spec["conditions"] = [condition_holds]
        return spec

    def attach(self, model: PatientModel, state: str | None = None) -> PatientModel:
        """Add ``model`` to the machine, in ``state`` or the pathway's initial state."""
        self.machine.add_model(model, initial=state or self.pathway.initial)
        model.last_transition = None
        return model

    def detach(self, model: PatientModel) -> None:
        """Remove ``model`` from the machine (it keeps its last state)."""
        self.machine.remove_model(model)

    def new_patient(self, facts: Mapping[str, Any] | None = None, label: str = "patient") -> PatientModel:
        """A fresh ``PatientModel`` with ``facts``, attached in the initial state."""
        return self.attach(PatientModel(facts, label))

    def fire(self, model: PatientModel, event: str, **event_attributes: Any) -> Transition:
        """Fire ``event`` on ``model`` and return the transition the machine took.

        Raises ``ImpossibleEventError`` naming the state and event when the event cannot happen in
        the current state or when no transition's condition holds.
        """
        state = model.state
        possible = self.pathway.events_from(state)
        if event not in possible:
            expected = ", ".join(possible) if possible else "none: the pathway has ended"
            raise ImpossibleEventError(Problem(self.pathway.file, None, "",
                                               f"event {event!r} is impossible in state {state!r}; "
                                               f"possible events: {expected}"))
        model.last_transition = None
        try:
            moved = model.trigger(event, **event_attributes)
        except MachineError as exc:
            raise ImpossibleEventError(Problem(self.pathway.file, None, "", exc.value)) from None
        if not moved or model.last_transition is None:
            tried = "; ".join(describe(t.when) or "otherwise" for t in self.pathway.outgoing(state, event))
            facts = {**model.facts, **event_attributes}
            raise ImpossibleEventError(Problem(self.pathway.file, None, "",
                                               f"event {event!r} in state {state!r}: no transition's condition "
                                               f"holds for {facts}; conditions tried: {tried}"))
        return model.last_transition

    def options(self, state: str, event: str | None = None) -> list[Transition]:
        """The transitions that could fire from ``state`` (on ``event`` if given), in order."""
        return self.pathway.outgoing(state, event)

    def edges(self) -> set[tuple[str, str, str]]:
        """(source, target, event) for every transition the compiled machine holds."""
        found: set[tuple[str, str, str]] = set()
        for event_name, event in self.machine.events.items():
            for source, transitions in event.transitions.items():
                for t in transitions:
                    if t.dest is None:  # an internal transition: pathways never declare one
                        raise RuntimeError(f"the machine holds an internal transition on {event_name!r} from "
                                           f"{source!r}; every pathway transition names its target")
                    found.add((source, t.dest, event_name))
        return found


_MACHINES: dict[int, PathwayMachine] = {}


def machine_for(pathway: Pathway) -> PathwayMachine:
    """The shared machine of ``pathway``, built once per pathway object."""
    key = id(pathway)
    cached = _MACHINES.get(key)
    if cached is None or cached.pathway is not pathway:
        cached = _MACHINES[key] = PathwayMachine(pathway)
    return cached
