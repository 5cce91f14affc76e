"""Check a parsed pathway document and report every problem at once.

Two passes: the shipped JSON Schema (structure, unknown keys, types) and then the pathway's own
rules (known states and sources, reachability, a way to an end from every state, "otherwise"
last, conditions over declared attributes and values, sources on therapy). The second pass is
written to tolerate a structurally broken document, so one run reports everything it can.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict, deque
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from sarcoma_sim.errors import Problem
from sarcoma_sim.pathways.model import NOT_TESTED, SOURCE_GUIDELINE
from sarcoma_sim.pathways.yamlsource import YamlDocument

GUIDELINE_BEARING_KINDS = ("therapy", "surgery")

# Characters that reorder the text around them (Unicode bidi embeddings, overrides, isolates, marks):
# in a name they can make "abc.yaml" read as something else in a page, a terminal or a spreadsheet.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unsafe_character(text: str, keep: str = "") -> str | None:
    """The first control character (Unicode Cc) not in ``keep``, or bidi control, in ``text``; else None."""
    import unicodedata

    return next((c for c in text if (c not in keep and unicodedata.category(c) == "Cc") or c in BIDI_CONTROLS),
                None)


# The longest time (months) any file may give: about 83,000 years, far beyond any pathway, and far
# enough inside float range that sums and means over millions of patients stay finite.
MAX_MONTHS = 1_000_000.0


@lru_cache(maxsize=1)
def pathway_schema() -> dict:
    """The JSON Schema of the pathway file format, as shipped in the package."""
    text = resources.files(__package__).joinpath("schema/pathway.schema.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _schema_validator():
    import jsonschema  # imported here: only validation needs it, and it is slow to import

    return jsonschema.Draft202012Validator(pathway_schema())


def _schema_message(error) -> str:
    if error.validator == "enum":
        return f"{error.instance!r} is not allowed; expected one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"expected {expected}, got {type(error.instance).__name__} {error.instance!r}"
    if error.validator == "oneOf":
        return f"expected a value or a list of values (text), got {error.instance!r}"
    if error.validator == "minLength" and isinstance(error.instance, str):
        # the schema library's own words for it differ between its versions
        return f"expected text of at least {error.validator_value} character(s), got {error.instance!r}"
    return error.message


def schema_problems(doc: YamlDocument) -> list[Problem]:
    """Problems with the document's structure, from the shipped JSON Schema.

    An unknown key is reported at the key itself (its own line), with the keys allowed there.
    """
    problems = []
    validator = _schema_validator()
    for error in validator.iter_errors(doc.data):
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = sorted(error.schema.get("properties", {}))
            for key in error.instance:
                if key not in allowed:
                    problems.append(doc.problem(path + (key,), f"unknown key {key!r}; expected only "
                                                               f"{', '.join(allowed)}"))
            continue
        if error.validator == "required" and isinstance(error.instance, dict):
            # Missing keys named from the data, not from jsonschema's English (one error per key).
            for key in error.validator_value:
                problem = doc.problem(path, f"{key!r} is required but missing")
                if key not in error.instance and problem not in problems:
                    problems.append(problem)
            continue
        problems.append(doc.problem(path, _schema_message(error)))
    return problems


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _condition_problems(doc, raw, path, attributes) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return problems
    for key, value in raw.items():
        if key in ("all", "any"):
            for i, part in enumerate(_as_list(value)):
                problems += _condition_problems(doc, part, path + (key, i), attributes)
        elif key == "not":
            problems += _condition_problems(doc, value, path + (key,), attributes)
        elif key not in attributes:
            declared = ", ".join(sorted(attributes)) or "none"
            problems.append(doc.problem(path + (key,),
                                        f"condition reads undeclared attribute {key!r}; declared: {declared}"))
        else:
            allowed = _as_list(_as_dict(attributes[key]).get("values"))
            values = [value] if isinstance(value, str) else _as_list(value)
            for value_item in values:
                if allowed and value_item not in allowed:
                    problems.append(doc.problem(
                        path + (key,),
                        f"{value_item!r} is not a declared value of {key!r}; "
                        f"expected one of {', '.join(map(str, allowed))}"))
    return problems


def _graph_problems(doc, states, transitions, initial) -> list[Problem]:
    problems = []
    successors: dict[str, set[str]] = defaultdict(set)
    predecessors: dict[str, set[str]] = defaultdict(set)
    for t in transitions:
        if _text(t.get("from")) in states and _text(t.get("to")) in states:
            successors[t["from"]].add(t["to"])
            predecessors[t["to"]].add(t["from"])
    if initial in states:
        seen = {initial}
        queue = deque([initial])
        while queue:
            for nxt in successors[queue.popleft()] - seen:
                seen.add(nxt)
                queue.append(nxt)
        for state_id in states:
            if state_id not in seen:
                problems.append(doc.problem(("states", state_id),
                                            f"state {state_id!r} cannot be reached from the initial state {initial!r}"))
    ends = {s for s, spec in states.items() if _as_dict(spec).get("kind") == "terminal"}
    can_end = set(ends)
    queue = deque(ends)
    while queue:
        for prev in predecessors[queue.popleft()] - can_end:
            can_end.add(prev)
            queue.append(prev)
    for state_id in states:
        if state_id not in can_end:
            problems.append(doc.problem(("states", state_id),
                                        f"state {state_id!r} has no way to an end (terminal) state"))
    return problems


def semantic_problems(doc: YamlDocument) -> list[Problem]:
    """Problems with the pathway's meaning; tolerant of a document the schema already rejects."""
    data = _as_dict(doc.data)
    problems: list[Problem] = []
    states = {k: v for k, v in _as_dict(data.get("states")).items() if isinstance(k, str)}
    attributes = _as_dict(data.get("attributes"))
    raw_sources = _as_list(data.get("sources"))
    transitions = [t for t in _as_list(data.get("transitions")) if isinstance(t, dict)]

    source_ids: dict[str, dict] = {}
    for i, source in enumerate(raw_sources):
        sid = _as_dict(source).get("id")
        if isinstance(sid, str):
            if sid in source_ids:
                problems.append(doc.problem(("sources", i, "id"), f"duplicate source id {sid!r}"))
            source_ids[sid] = source

    def check_cited(path, ids, beyond_flag, what):
        ids = [s for s in _as_list(ids) if isinstance(s, str)]
        for j, sid in enumerate(ids):
            if sid not in source_ids:
                known = ", ".join(sorted(source_ids)) or "none"
                problems.append(doc.problem(path + ("sources", j), f"unknown source id {sid!r}; declared: {known}"))
        cited = [source_ids[s] for s in ids if s in source_ids]
        if cited and beyond_flag is not None:
            beyond_cited = [bool(_as_dict(s).get("beyond_source")) for s in cited]
            if all(beyond_cited) and not beyond_flag:
                problems.append(doc.problem(path, f"{what} cites only sources beyond the source guideline "
                                                  "and must be marked beyond_source: true"))
            if beyond_flag and not any(beyond_cited):
                problems.append(doc.problem(path, f"{what} is marked beyond_source but cites no source "
                                                  "marked beyond_source"))

    initial = _text(data.get("initial"))
    if initial is not None and initial not in states:
        problems.append(doc.problem(("initial",), f"initial state {initial!r} is not a declared state"))

    for sid, source in source_ids.items():
        if sid == SOURCE_GUIDELINE and _as_dict(source).get("beyond_source"):
            idx = next(i for i, s in enumerate(raw_sources) if _as_dict(s).get("id") == sid)
            problems.append(doc.problem(("sources", idx), "the source guideline cannot be beyond itself"))

    reviewed = data.get("reviewed")
    if isinstance(reviewed, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", reviewed):
        try:
            date.fromisoformat(reviewed)
        except ValueError:
            problems.append(doc.problem(("reviewed",), f"{reviewed!r} is not a calendar date; expected YYYY-MM-DD, "
                                                       "quoted, e.g. \"2026-12-06\""))

    monitoring = _as_dict(data.get("monitoring"))
    interval = _as_dict(monitoring.get("imaging_interval_months"))
    lo, hi = interval.get("min"), interval.get("max")
    if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo > hi:
        problems.append(doc.problem(("monitoring", "imaging_interval_months"),
                                    f"min ({lo}) is greater than max ({hi})"))
    check_cited(("monitoring",), monitoring.get("sources"), None, "monitoring")

    for name, spec in attributes.items():
        spec = _as_dict(spec)
        values = _as_list(spec.get("values"))
        default = spec.get("default")
        if isinstance(default, str) and values and default not in values:
            expected = ", ".join(map(str, values))
            problems.append(doc.problem(("attributes", name, "default"),
                                        f"default {default!r} is not a declared value; expected one of {expected}"))
        for value in _as_dict(spec.get("value_labels")):
            if values and value not in values:
                expected = ", ".join(map(str, values))
                problems.append(doc.problem(("attributes", name, "value_labels", value),
                                            f"{value!r} is not a declared value; expected one of {expected}"))
        if "test" in spec and NOT_TESTED not in values:
            problems.append(doc.problem(("attributes", name, "values"), f"marker {name!r} names a test, so its values "
                                                                        f"must include {NOT_TESTED!r}"))
        if "test" in spec and spec.get("of") != "patient":
            problems.append(doc.problem(("attributes", name, "test"),
                                        "only patient attributes are markers with a test"))

    for state_id, spec in states.items():
        spec = _as_dict(spec)
        path = ("states", state_id)
        kind = spec.get("kind")
        regimen = spec.get("regimen")
        if kind == "therapy":
            if not isinstance(regimen, dict):
                problems.append(doc.problem(path, f"therapy state {state_id!r} has no regimen"))
            elif not regimen.get("drugs") and not regimen.get("drug_class"):
                problems.append(doc.problem(path + ("regimen",),
                                            "a regimen needs drugs (lowercase generic names) or a drug_class"))
            if not spec.get("sources"):
                problems.append(doc.problem(path, f"therapy state {state_id!r} cites no source"))
        elif regimen is not None:
            problems.append(doc.problem(path + ("regimen",),
                                        f"only therapy states have a regimen, not {kind!r} states"))
        check_cited(path, spec.get("sources"), bool(spec.get("beyond_source")), f"state {state_id!r}")

    last_unconditioned: dict[tuple, int] = {}
    for i, t in enumerate(_as_list(data.get("transitions"))):
        if not isinstance(t, dict):
            continue
        transition_path = ("transitions", i)
        source, target, event = _text(t.get("from")), _text(t.get("to")), _text(t.get("event"))
        for key, named in (("from", source), ("to", target)):
            if isinstance(named, str) and named not in states:
                problems.append(doc.problem(transition_path + (key,), f"unknown state {named!r}; expected one of "
                                                           f"{', '.join(states) or 'no states declared'}"))
        if isinstance(source, str) and _as_dict(states.get(source)).get("kind") == "terminal":
            problems.append(doc.problem(transition_path + ("from",),
                                        f"terminal state {source!r} cannot have outgoing transitions"))
        group = (source, event)
        if group in last_unconditioned and isinstance(source, str) and isinstance(event, str):
            j = last_unconditioned[group]
            problems.append(doc.problem(transition_path, f"transition on {event!r} from {source!r} can never fire: "
                                              f"transitions[{j}] (line {doc.line_of(('transitions', j))}) "
                                              "has no condition and catches every case, so it must come last"))
        if "when" not in t:
            last_unconditioned.setdefault(group, i)
        else:
            problems += _condition_problems(doc, t["when"], transition_path + ("when",), attributes)
        target_kind = _as_dict(states.get(target)).get("kind") if target is not None else None
        if target_kind in GUIDELINE_BEARING_KINDS and not t.get("sources"):
            problems.append(doc.problem(transition_path,
                                        f"transition into {target_kind} state {target!r} cites no source"))
        check_cited(transition_path, t.get("sources"), bool(t.get("beyond_source")), f"transitions[{i}]")

    problems += _graph_problems(doc, states, transitions, initial)
    problems += _exit_problems(doc, _as_dict(data.get("competing_exits")), states, check_cited)
    return problems


def _exit_problems(doc, exits: dict, states: dict, check_cited) -> list[Problem]:
    """The competing exits block: sources known, ``decline`` only with ``death`` (best supportive care
    must have a way out), and no declared state already named like a state the exits add."""
    from sarcoma_sim.pathways.exits import ADDED_STATES, DEATH

    problems: list[Problem] = []
    if not exits:
        return problems
    for i, state_id in enumerate(_as_list(exits.get("ends_outside"))):
        if _as_dict(states.get(state_id)).get("kind") != "terminal":
            problems.append(doc.problem(("competing_exits", "ends_outside", i),
                                        f"{state_id!r} is not a declared end (terminal) state"))
    exits = {k: v for k, v in exits.items() if k != "ends_outside"}
    for event, spec in exits.items():
        check_cited(("competing_exits", event), _as_dict(spec).get("sources"), None, f"competing exit {event!r}")
    if DEATH not in exits:
        problems.append(doc.problem(("competing_exits",), "decline needs death too: best supportive care "
                                                          "must have a way out (add death: {})"))
    for state_id in ADDED_STATES:
        if state_id in states:
            problems.append(doc.problem(("states", state_id), f"state id {state_id!r} is taken by the competing "
                                                              "exits; name this state otherwise"))
    return problems


def number_problems(doc: YamlDocument) -> list[Problem]:
    """Every number that is not finite (``.inf``, ``.nan``), and imaging intervals beyond ``MAX_MONTHS``.

    JSON has no infinity or NaN, and no engine can schedule a visit at an infinite time, so such
    values are refused wherever they appear.
    """
    problems: list[Problem] = []
    todo: list[tuple[tuple, Any]] = [((), doc.data)]
    while todo:
        path, value = todo.pop()
        if isinstance(value, dict):
            todo.extend((path + (key,), item) for key, item in value.items())
        elif isinstance(value, list):
            todo.extend((path + (i,), item) for i, item in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(doc.problem(path, f"expected a finite number, got {value!r}"))
    interval = _as_dict(_as_dict(_as_dict(doc.data).get("monitoring")).get("imaging_interval_months"))
    for key in ("min", "max"):
        value = interval.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
                and value > MAX_MONTHS:
            problems.append(doc.problem(("monitoring", "imaging_interval_months", key),
                                        f"expected an interval of at most {MAX_MONTHS:,.0f} months, got {value!r}"))
    return problems


def name_problems(doc: YamlDocument) -> list[Problem]:
    """A pathway name (one line of plain text on pages, in CSVs and terminals) with a control or bidi character."""
    name = _as_dict(doc.data).get("name")
    found = unsafe_character(name) if isinstance(name, str) else None
    if found is None:
        return []
    return [doc.problem(("name",), f"expected a name in plain text on one line, got the control character "
                                   f"U+{ord(found):04X}")]


def validate_document(doc: YamlDocument) -> list[Problem]:
    """Every problem with a parsed pathway document, sorted by line (empty when it is valid)."""
    if not isinstance(doc.data, dict):
        got = "an empty file" if doc.data is None else type(doc.data).__name__
        return [doc.problem((), f"expected a mapping with id, name, initial, states, transitions; got {got}")]
    problems = schema_problems(doc) + semantic_problems(doc) + number_problems(doc) + name_problems(doc)
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line or 0, p.path))
