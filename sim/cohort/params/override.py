"""``--set KEY=VALUE`` overrides: checking the key names a parameter, parsing the value, applying it.

Overrides are applied to the merged document after every file, and recorded in ``Located`` so
their values carry ``override (--set ...)`` provenance.
"""

from __future__ import annotations

import re
from typing import Any

from sarcoma_sim.cohort.params.merge import Located
from sarcoma_sim.cohort.params.model import DISTRIBUTIONS, SHAPED
from sarcoma_sim.cohort.params.schema import TIMING_KEYS, TOP_KEYS, allowed_choice_values, event_attributes
from sarcoma_sim.errors import Problem
from sarcoma_sim.pathways.model import Pathway

OVERRIDE_FILE = "--set"

_UNIT_SUFFIXES = {"mo": "months", "month": "months", "months": "months", "wk": "weeks", "w": "weeks",
                  "week": "weeks", "weeks": "weeks", "d": "days", "day": "days", "days": "days",
                  "y": "years", "yr": "years", "year": "years", "years": "years"}
_NUMBER_WITH_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z%]*)\s*$")


def parse_override_value(text: str, leaf: str) -> Any:
    """An override's value: a number (with a time unit for ``*_months`` keys, % for probabilities),
    a distribution name or an endpoint (``pfs``), or ``none`` to delete the key."""
    text = text.strip()
    if text.lower() in ("none", "null"):
        return None
    if leaf in ("distribution", "endpoint"):
        return text
    match = _NUMBER_WITH_UNIT.match(text)
    if not match:
        raise ValueError(f"expected a number, got {text!r}")
    number, unit = float(match.group(1)), match.group(2).lower()
    if leaf.endswith("_months"):
        if unit and unit not in _UNIT_SUFFIXES:
            raise ValueError(f"unknown time unit {unit!r}; use mo, wk, d or y (e.g. 27.3wk)")
        return {_UNIT_SUFFIXES.get(unit, "months"): number}
    if unit == "%":
        return {"percent": number}
    if unit:
        raise ValueError(f"unexpected unit {unit!r} for {leaf!r} (only *_months keys take time units)")
    return {"value": number}


def override_key_problem(pathway: Pathway, data: dict, key: tuple) -> str | None:
    """Why ``key`` names no parameter (naming what exists there), or None if it is a valid key."""
    def expected(options) -> str:
        """The options as a list, or "nothing"."""
        return ", ".join(options) if options else "nothing"

    if not key or key[0] not in TOP_KEYS:
        return (f"no state {key[0] if key else ''!r} in {pathway.id}; states: {expected(list(pathway.states))} "
                f"(or a section: imaging, population, states, competing_exits)")
    section, rest = key[0], key[1:]
    if section == "subtype":
        return "the subtype cannot be overridden"
    if section == "imaging":
        return None if rest == ("interval_months",) else "expected imaging.interval_months"
    if section == "population":
        groups = list((data.get("population") or {}))
        if not rest or rest[0] not in groups:
            return f"no population group {rest[0] if rest else ''!r}; groups: {expected(groups)}"
        if rest[1:] == ("prevalence",):
            return None
        patient_attrs = [a.name for a in pathway.attributes.values() if a.of == "patient"]
        if len(rest) == 3 and rest[1] == "facts" and rest[2] in patient_attrs:
            return None
        return f"expected population.{rest[0]}.prevalence or population.{rest[0]}.facts.<{'|'.join(patient_attrs)}>"
    if section == "competing_exits":
        exit_groups, exits = ("on_treatment", "supportive_care"), list(pathway.competing_exits)
        if len(rest) != 3 or rest[0] not in exit_groups or rest[1] not in exits or rest[2] not in TIMING_KEYS:
            return (f"expected competing_exits.<{'|'.join(exit_groups)}>.<{'|'.join(exits) or 'no exits declared'}>."
                    f"<{'|'.join(TIMING_KEYS)}>")
        return None
    if not rest or rest[0] not in pathway.states:
        return f"no state {rest[0] if rest else ''!r} in {pathway.id}; states: {expected(list(pathway.states))}"
    state, rest = rest[0], rest[1:]
    if rest[:1] == ("after",):
        sources = sorted({t.source for t in pathway.transitions if t.target == state})
        if len(rest) < 2 or rest[1] not in sources:
            return f"{state} can be entered after: {expected(sources)}"
        rest = rest[2:]
    events = pathway.events_from(state)
    if not rest or rest[0] not in events:
        return f"{state} has no event {rest[0] if rest else ''!r}; its events: {expected(events)}"
    event, rest = rest[0], rest[1:]
    attributes = event_attributes(pathway, state, event)
    leaves = [k for k in TIMING_KEYS if not (state == pathway.initial and event == "start")] + attributes
    if len(rest) == 1 and rest[0] in TIMING_KEYS and rest[0] in leaves:
        return None
    if len(rest) == 2 and rest[0] in attributes:
        allowed = allowed_choice_values(pathway, state, event, rest[0])
        if rest[1] in allowed:
            return None
        return f"{rest[0]} of {state} on {event} has no value {rest[1]!r}; values: {expected(allowed)}"
    return f"{state}.{event} has no parameter {'.'.join(rest)!r}; expected one of {expected(leaves)}" + \
        (" (attributes take a value: ATTRIBUTE.VALUE)" if attributes else "")


def apply_override(pathway: Pathway, located: Located, item: str, problems: list[Problem]) -> None:
    """Apply one ``KEY=VALUE`` to ``located``, or append to ``problems`` why it cannot be applied."""
    key_text, sep, value_text = item.partition("=")
    key_text = key_text.strip()
    file = f"{OVERRIDE_FILE} {item}"
    if not sep or not key_text:
        problems.append(Problem(OVERRIDE_FILE, None, "", f"expected KEY=VALUE, got {item!r}"))
        return
    key = tuple(key_text.split("."))
    if key[0] in pathway.states and key[0] not in TOP_KEYS:
        key = ("states",) + key
    reason = override_key_problem(pathway, located.data, key)
    if reason:
        problems.append(Problem(OVERRIDE_FILE, None, key_text, f"unknown key: {reason}"))
        return
    leaf = key[-1] if key[-1] in TIMING_KEYS or key[-1].endswith("_months") else "value"
    if key[-2:-1] == ("facts",):
        leaf = "distribution"   # plain text
    try:
        value = parse_override_value(value_text, leaf)
    except ValueError as exc:
        problems.append(Problem(OVERRIDE_FILE, None, key_text, str(exc)))
        return
    node = located.data
    for part in key[:-1]:
        node = node.setdefault(part, {}) if isinstance(node, dict) else None
        if node is None:
            problems.append(Problem(OVERRIDE_FILE, None, key_text, "cannot be set: its parent is not a mapping"))
            return
    if value is None:
        node.pop(key[-1], None)
        located.removed[key[:-1]] = file
    else:
        if key[-1] == "distribution" and value in DISTRIBUTIONS and value not in SHAPED:
            node.pop("shape", None)
        node[key[-1]] = value
    located.mark(key, file, None)
    if isinstance(value, dict):
        located.override_paths[key] = file
