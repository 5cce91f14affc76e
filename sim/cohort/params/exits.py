"""Competing-exit defaults: one timing per pathway for death and decline, copied into every state.

A parameter file gives the timing of the pathway's competing exits (``sarcoma_sim.pathways.exits``)
once, in a top-level block, with optional per-state overrides written like any other event::

    competing_exits:
      on_treatment:            # every active state (therapy, surgery, assessment)
        death:   {distribution: exponential, median_months: {months: 120, illustrative: true}}
        decline: {distribution: exponential, median_months: {months: 60, illustrative: true}}
      supportive_care:         # best_supportive_care and the pathway's living ends
        death:   {distribution: exponential, median_months: {months: 4, source: "..."}}
    states:
      regorafenib:
        death: {distribution: exponential, median_months: {months: 30, illustrative: true}}   # override

``apply_exit_defaults`` copies each default into every state that lacks its own, keeping the
file and line of the default, so validation and provenance work unchanged and a state added to
the pathway later needs no edit here.
"""

from __future__ import annotations

from typing import TypeVar

from sarcoma_sim.cohort.params.merge import Located, copy_data
from sarcoma_sim.cohort.params.schema import timed_states
from sarcoma_sim.errors import Problem
from sarcoma_sim.pathways.model import SUPPORTIVE_CARE, Pathway

EXITS_KEY = "competing_exits"
ON_TREATMENT = "on_treatment"
SUPPORTIVE = "supportive_care"
GROUPS = (ON_TREATMENT, SUPPORTIVE)

_Where = TypeVar("_Where")   # what a path maps to: (file, line) of origin, or the --set that wrote it


def exit_group(pathway: Pathway, state_id: str) -> str:
    """Which default block times the exits of ``state_id``: on treatment or supportive care."""
    return SUPPORTIVE if pathway.states[state_id].kind == SUPPORTIVE_CARE else ON_TREATMENT


def apply_exit_defaults(pathway: Pathway, located: Located, problems: list[Problem]) -> None:
    """Copy the ``competing_exits`` defaults of ``located`` into every state of ``pathway`` (the cohort
    view) that has an exit event without its own timing; remove the block. Problems are appended."""
    data = located.data
    raw = data.pop(EXITS_KEY, None)
    exit_events = [e for e in pathway.competing_exits]
    if raw is None:
        if exit_events:
            problems.append(located.problem((), f"the pathway {pathway.id} declares competing exits "
                                                f"({', '.join(exit_events)}); add a {EXITS_KEY} block with their "
                                                f"timing ({', '.join(GROUPS)})"))
        return
    if not exit_events:
        problems.append(located.problem((EXITS_KEY,), f"the pathway {pathway.id} declares no competing exits; "
                                                      f"remove {EXITS_KEY} or add them to the pathway file"))
        return
    if not isinstance(raw, dict):
        problems.append(located.problem((EXITS_KEY,), f"expected a mapping with {', '.join(GROUPS)}"))
        return
    for key, block in raw.items():
        if key not in GROUPS:
            problems.append(located.problem((EXITS_KEY, key), f"unknown key {key!r}; expected {', '.join(GROUPS)}"))
        elif not isinstance(block, dict):
            problems.append(located.problem((EXITS_KEY, key), "expected a mapping of exit events "
                                                              "(death, decline) to their timing"))
    states = data.get("states")
    if not isinstance(states, dict):
        return
    inherited: list[tuple[str, str, str]] = []
    for state_id in timed_states(pathway):
        group = exit_group(pathway, state_id)
        block = raw.get(group)
        block = block if isinstance(block, dict) else {}
        own = states.get(state_id)
        if own is None and group == SUPPORTIVE:
            # Supportive-care states have only their exits: the defaults are the whole entry.
            own = states[state_id] = {}
            located.mark(("states", state_id), located.where((EXITS_KEY, group))[0], None)
        if not isinstance(own, dict):
            continue      # a missing therapy state is reported by the validator, by name
        for event in pathway.events_from(state_id):
            if event not in pathway.competing_exits or event in own:
                continue
            if event not in block:
                problems.append(located.problem((EXITS_KEY,), f"{state_id} can end by {event} but neither "
                                                              f"{EXITS_KEY}.{group}.{event} nor "
                                                              f"states.{state_id}.{event} gives its timing"))
                continue
            own[event] = copy_data(block[event])
            inherited.append((group, event, state_id))
    # Each copy keeps its default's file and line (or the --set that wrote it).
    copies = [((EXITS_KEY, group, event), ("states", state_id, event)) for group, event, state_id in inherited]
    _copy_subtrees(located.origins, copies)
    _copy_subtrees(located.override_paths, copies)
    located.exit_defaults = tuple(inherited)


def _copy_subtrees(table: dict[tuple, _Where], copies: list[tuple[tuple, tuple]]) -> None:
    """For each (source, target), give every path under ``target`` in ``table`` the value of the same
    path under ``source`` (the table is read once, not once per copy: a pathway has dozens of states)."""
    width = {len(source) for source, _ in copies}
    under: dict[tuple, list[tuple[tuple, _Where]]] = {}
    for path, where in table.items():
        for n in width:
            under.setdefault(path[:n], []).append((path[n:], where))
    for source, target in copies:
        for rest, where in under.get(source, ()):
            table[target + rest] = where
