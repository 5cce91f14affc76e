"""What a parameter document must give for a pathway: its keys, and for each state and event the
attributes its transitions read and the values they may take.

Shared by the ``--set`` key check (``sarcoma_sim.cohort.params.override``) and the validator
(``sarcoma_sim.cohort.params.check``).
"""

from __future__ import annotations

from sarcoma_sim.pathways.conditions import iter_matches
from sarcoma_sim.pathways.model import Pathway

TOP_KEYS = ("subtype", "imaging", "population", "states", "competing_exits")
TIMING_KEYS = ("distribution", "median_months", "shape", "observed_every_months", "endpoint")
ENDPOINTS = ("event", "pfs")             # pfs: the median counts death too, as a trial's PFS does
OPTION = "option"                        # event attribute whose values are target state ids


def event_attributes(pathway: Pathway, state: str, event: str) -> list[str]:
    """Event attributes read by the conditions of ``state``'s transitions on ``event`` (file order)."""
    names = []
    for t in pathway.outgoing(state, event):
        for match in iter_matches(t.when):
            attribute = pathway.attributes.get(match.attribute)
            if attribute is not None and attribute.of == "event" and match.attribute not in names:
                names.append(match.attribute)
    return names


def allowed_choice_values(pathway: Pathway, state: str, event: str, attribute: str) -> list[str]:
    """The values ``attribute`` may take on ``event`` of ``state``: for ``option``, only its targets."""
    declared = list(pathway.attributes[attribute].values)
    if attribute == OPTION:
        targets = {t.target for t in pathway.outgoing(state, event)}
        return [v for v in declared if v in targets]
    return declared


def timed_states(pathway: Pathway) -> list[str]:
    """States a patient stays in for a while: every state but the initial and the terminal ones."""
    return [s for s, st in pathway.states.items() if s != pathway.initial and st.kind != "terminal"]
