"""Competing exits: the cohort view of a pathway, where patients may die or stop active treatment.

A pathway file declares its competing exits once, in a top-level ``competing_exits`` block
(``death`` and/or ``decline``); ``with_competing_exits`` expands that declaration into ordinary
states and transitions, so both cohort engines and the ``transitions`` machine fire ``death`` and
``decline`` like any other event and a state another author adds later needs no extra edit:

- two states are added: ``best_supportive_care`` (kind ``supportive_care``: alive, off active
  treatment) and ``death`` (terminal: the only end of the cohort view);
- from every *active* state (neither the initial workup nor an end) a ``death`` transition into
  ``death`` and a ``decline`` transition into ``best_supportive_care``;
- every end state of the file (e.g. ``trial_or_supportive_care``) is a living end: in the cohort
  view it becomes a ``supportive_care`` state whose only exit is ``death``; ``best_supportive_care``
  likewise. Ends listed in ``ends_outside`` (the patient leaves this pathway, e.g. "treat by
  histology") stay ends; survival is censored there.

Diagrams, exports, scenarios and the teaching mode use the pathway as written; only cohorts use
this view. The timing of every exit is in the parameter file (``sarcoma_sim.cohort.params``).
"""

from __future__ import annotations

from dataclasses import replace

from sarcoma_sim.pathways.model import SUPPORTIVE_CARE, Pathway, State, Transition

DEATH = "death"
DECLINE = "decline"
EXIT_EVENTS = (DEATH, DECLINE)
DEATH_STATE = "death"
SUPPORTIVE_CARE_STATE = "best_supportive_care"
DEFAULT_LABELS = {DEATH: "Death from the disease",
                  DECLINE: "Best supportive care (active treatment stopped)"}
ADDED_STATES = (SUPPORTIVE_CARE_STATE, DEATH_STATE)


def active_states(pathway: Pathway) -> list[str]:
    """States of the pathway as written from which both exits leave: all but the initial and the ends."""
    return [s for s, st in pathway.states.items() if s != pathway.initial and st.kind != "terminal"]


_VIEWS: dict[int, tuple[Pathway, Pathway]] = {}


def with_competing_exits(pathway: Pathway) -> Pathway:
    """The cohort view of ``pathway`` (see the module docstring); ``pathway`` itself if it declares
    no exits or is already expanded. Built once per pathway object, so its state machine is too."""
    if pathway.exits_expanded or not pathway.competing_exits:
        return pathway
    cached = _VIEWS.get(id(pathway))
    if cached is None or cached[0] is not pathway:
        cached = _VIEWS[id(pathway)] = (pathway, _expand(pathway))
    return cached[1]


def _expand(pathway: Pathway) -> Pathway:
    exits = pathway.competing_exits
    states = dict(pathway.states)
    living_ends = [s for s, st in states.items()
                   if st.kind == "terminal" and s != DEATH_STATE and s not in pathway.ends_outside]
    for s in living_ends:
        states[s] = replace(states[s], kind=SUPPORTIVE_CARE)
    death = exits.get(DEATH)
    decline = exits.get(DECLINE)
    if decline is not None:
        states[SUPPORTIVE_CARE_STATE] = State(SUPPORTIVE_CARE_STATE, SUPPORTIVE_CARE, decline.label,
                                              sources=decline.sources, note=decline.note)
    if death is not None:
        states[DEATH_STATE] = State(DEATH_STATE, "terminal", death.label, sources=death.sources, note=death.note)
    transitions = list(pathway.transitions)

    def add(event: str, source: str, target: str, sources: tuple[str, ...], note: str | None) -> None:
        transitions.append(Transition(index=len(transitions), event=event, source=source, target=target,
                                      sources=sources, note=note, order=0))

    for s in active_states(pathway):
        if death is not None:
            add(DEATH, s, DEATH_STATE, death.sources, death.note)
        if decline is not None:
            add(DECLINE, s, SUPPORTIVE_CARE_STATE, decline.sources, decline.note)
    if death is not None:
        for s in living_ends + ([SUPPORTIVE_CARE_STATE] if decline is not None else []):
            add(DEATH, s, DEATH_STATE, death.sources, death.note)
    events = tuple(dict.fromkeys([*pathway.events, *(e for e in EXIT_EVENTS if e in exits)]))
    return replace(pathway, states=states, transitions=tuple(transitions), events=events, exits_expanded=True)
