"""Choices: the state a teacher or resident wants to give, looked up in the patient's pathway or another's.

``choose:`` in a scenario and an answer in ``teach`` both name a state; ``SUBTYPE.STATE`` names a
state of another subtype's pathway (the classic pitfall of treating every sarcoma alike).
"""

from __future__ import annotations

from dataclasses import dataclass

from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.pathways.model import Pathway, State

OPTION_ATTRIBUTE = "option"


@dataclass(frozen=True)
class ChoiceTarget:
    """A state someone may choose: a state of ``pathway`` (the patient's, or another subtype's)."""

    pathway: Pathway
    state: State

    def qualified(self, home: Pathway) -> str:
        """The state id, prefixed ``SUBTYPE.`` when it belongs to another pathway than ``home``."""
        return self.state.id if self.pathway is home else f"{self.pathway.id}.{self.state.id}"


def resolve_choice(pathway: Pathway, text: str) -> ChoiceTarget:
    """The state ``text`` names for a patient of ``pathway``.

    ``STATE`` is looked up in ``pathway`` first, then in the other shipped subtypes in the order
    of ``SUBTYPE_IDS`` (the first that has it); ``SUBTYPE.STATE`` names another subtype's state
    explicitly. Raises ``LookupError`` with what was expected.
    """
    if "." in text:
        subtype, _, state_id = text.partition(".")
        if subtype == pathway.id:
            other = pathway
        elif subtype in SUBTYPE_IDS:
            other = load_subtype(subtype)
        else:
            raise LookupError(f"unknown subtype {subtype!r} in choose {text!r}; expected SUBTYPE.STATE with "
                              f"SUBTYPE one of: {', '.join(SUBTYPE_IDS)}")
        if state_id not in other.states:
            raise LookupError(f"unknown state {state_id!r} of {subtype!r} in choose; expected one of: "
                              f"{', '.join(other.states)}")
        return ChoiceTarget(other, other.states[state_id])
    if text in pathway.states:
        return ChoiceTarget(pathway, pathway.states[text])
    for subtype in SUBTYPE_IDS:
        if subtype != pathway.id:
            other = load_subtype(subtype)
            if text in other.states:
                return ChoiceTarget(other, other.states[text])
    raise LookupError(f"unknown state {text!r} in choose; expected a state of {pathway.id} "
                      f"({', '.join(pathway.states)}) or another subtype's state as SUBTYPE.STATE")
