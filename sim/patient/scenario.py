"""Scenario files: a hypothetical patient, a start time and timed events, read and checked.

A scenario is YAML read through ``sarcoma_sim.pathways.yamlsource`` (see ``docs/scenarios.md``)::

    title: KIT exon 9 GIST on clarithromycin
    patient:
      subtype: gist
      markers: {kit_exon: exon9, pdgfra: none}
      comedications: [clarithromycin]
    start: {at: 0, choose: imatinib_400}
    events:
      - {at: 14, event: progression, extent: widespread}

Everything that can be checked without running is checked here, and every problem found is
reported at once, each with file, line, path (``events[2].at``) and what was expected. Whether an
event can happen in the state the patient has reached is checked by the run (``sarcoma_sim.patient.timeline``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sarcoma_sim.errors import PathwayError, Problem, ScenarioError, UnknownSubtypeError
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.pathways.model import Pathway
from sarcoma_sim.pathways.validate import unsafe_character
from sarcoma_sim.pathways.yamlsource import PathKey, YamlDocument, format_path, parse_yaml, read_yaml
from sarcoma_sim.patient.choices import ChoiceTarget, resolve_choice
from sarcoma_sim.patient.record import Patient, make_patient
from sarcoma_sim.patient.timeline import RunResult, Timeline

TOP_KEYS = ("title", "patient", "start", "events")
PATIENT_KEYS = ("subtype", "markers", "comedications", "label")
START_KEYS = ("at", "choose", "note")
EVENT_KEYS = ("at", "event", "choose", "note")
# Event attributes every scenario accepts, whether or not the pathway's conditions read them:
# the alerts read ``extent`` (limited progression is the source's one reason to continue a therapy).
COMMON_EVENT_ATTRIBUTES = {"extent": ("limited", "widespread")}


@dataclass(frozen=True)
class ScenarioEvent:
    """One timed event of a scenario (the start is one too, with ``event == "start"``)."""

    at: float
    event: str
    attributes: dict
    choose: ChoiceTarget | None
    note: str | None
    path: PathKey
    event_path: PathKey


@dataclass(frozen=True)
class Scenario:
    """A checked scenario: its pathway, patient, start and events, and the document they came from."""

    file: str
    title: str | None
    pathway: Pathway
    patient: Patient
    start: ScenarioEvent
    events: tuple[ScenarioEvent, ...]
    document: YamlDocument


def load_scenario(path: str | Path, pathway: Pathway | None = None) -> Scenario:
    """Read and check the scenario file at ``path`` (on ``pathway`` instead of the shipped one, if given)."""
    return scenario_from_document(read_yaml(path, error=ScenarioError), pathway)


def parse_scenario(text: str, file: str = "<string>", pathway: Pathway | None = None) -> Scenario:
    """Check a scenario given as YAML ``text``; ``file`` names it in errors."""
    return scenario_from_document(parse_yaml(text, file, error=ScenarioError), pathway)


class _Checker:
    """Collects problems while reading one document."""

    def __init__(self, doc: YamlDocument):
        self.doc = doc
        self.problems: list[Problem] = []
        self.unknown_subtype = False

    def add(self, path: PathKey, message: str) -> None:
        self.problems.append(self.doc.problem(path, message))

    def keys(self, mapping: dict, path: PathKey, allowed: tuple[str, ...], what: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.add(path + (key,), f"unknown key {key!r} in {what}; expected only {', '.join(allowed)}")

    def mapping(self, value: Any, path: PathKey, what: str, required: bool = True) -> dict | None:
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            self.add(path, f"expected {what} (a mapping), got {_shown(value)}")
            return None
        return value

    def month(self, value: Any, path: PathKey) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            self.add(path, f"expected a time in months (a number >= 0), got {_shown(value)}")
            return None
        return float(value)

    def text(self, value: Any, path: PathKey, what: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.add(path, f"expected {what} (text), got {_shown(value)}")
            return None
        control = control_character(value)
        if control is not None:
            # Printed as is, an escape sequence would drive the reader's terminal (retitle, clear).
            self.add(path, f"expected {what} (plain text), got the control character U+{ord(control):04X}")
            return None
        return value


def control_character(text: str) -> str | None:
    """The first control character in ``text`` other than a tab or a line break (or a bidi control), or None."""
    return unsafe_character(text, keep="\t\n")


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def scenario_from_document(doc: YamlDocument, pathway: Pathway | None = None) -> Scenario:
    """Check a parsed scenario document and build the ``Scenario``; raises with every problem found.

    ``pathway`` (a teacher's pathway file) replaces the shipped pathway of the scenario's subtype;
    the scenario's ``patient.subtype`` must name the same subtype id.
    """
    check = _Checker(doc)
    data = doc.data
    if not isinstance(data, dict):
        raise ScenarioError(doc.problem((), f"expected a scenario: a mapping with {', '.join(TOP_KEYS)}, "
                                            f"got {_shown(data)}"))
    check.keys(data, (), TOP_KEYS, "a scenario")
    title = data.get("title")
    if title is not None:
        title = check.text(title, ("title",), "a title")
    for key in ("patient", "start"):
        if key not in data:
            check.add((), f"{key!r} is required but missing")
    pathway, patient = _patient(check, data.get("patient"), pathway)
    # Without a pathway the start and events are still checked, for everything but their names.
    start = _start(check, pathway, data.get("start")) if "start" in data else None
    events = _events(check, pathway, data.get("events"), start.at if start else 0.0)
    # A missing start is among the problems already; the check on start only says so to the type checker.
    if check.problems or pathway is None or patient is None or start is None:
        raise (UnknownSubtypeError if check.unknown_subtype else ScenarioError)(check.problems)
    return Scenario(file=doc.file, title=title, pathway=pathway, patient=patient, start=start,
                    events=tuple(events), document=doc)


def _patient(check: _Checker, raw: Any, given: Pathway | None = None) -> tuple[Pathway | None, Patient | None]:
    path = ("patient",)
    if raw is None and "patient" not in (check.doc.data or {}):
        return None, None
    spec = check.mapping(raw, path, "a patient with subtype, markers, comedications")
    if spec is None:
        return None, None
    check.keys(spec, path, PATIENT_KEYS, "the patient")
    if "subtype" not in spec:
        check.add(path, "'subtype' is required but missing; expected one of: " + ", ".join(SUBTYPE_IDS))
        return None, None
    subtype = spec["subtype"]
    if given is not None and subtype != given.id:
        check.add(path + ("subtype",), f"subtype {subtype!r} does not match the pathway file "
                                       f"{given.file or given.id} (subtype {given.id!r}); expected {given.id!r}")
        return None, None
    if given is None and subtype not in SUBTYPE_IDS:
        check.add(path + ("subtype",), f"unknown subtype {subtype!r}; expected one of: {', '.join(SUBTYPE_IDS)}")
        check.unknown_subtype = True
        return None, None
    pathway = given if given is not None else load_subtype(subtype)
    markers = check.mapping(spec.get("markers"), path + ("markers",), "markers", required=False)
    meds = spec.get("comedications") or []
    if not isinstance(meds, list):
        check.add(path + ("comedications",), f"expected a list of drug names, got {_shown(meds)}")
        meds = []
    meds = [m for i, m in enumerate(meds) if check.text(m, path + ("comedications", i), "a drug name")]
    label = spec.get("label", "patient")
    if check.text(label, path + ("label",), "a label") is None:
        label = "patient"
    if markers is None:
        return pathway, None
    try:
        patient = make_patient(pathway, markers, meds, label=label, file=check.doc.file, path=path + ("markers",))
    except ScenarioError as error:
        check.problems += [_relocate(check.doc, p) for p in error.problems]
        return pathway, None
    return pathway, patient


def _relocate(doc: YamlDocument, problem: Problem) -> Problem:
    """Give a problem from ``make_patient`` the line of the node its path names."""
    by_text = {format_path(key): key for key in doc.lines}
    key = by_text.get(problem.path)
    return Problem(doc.file, doc.line_of(key) if key else problem.line, problem.path, problem.message)


def _choose(check: _Checker, pathway: Pathway | None, raw: Any, path: PathKey) -> ChoiceTarget | None:
    if raw is None or pathway is None:
        return None
    text = check.text(raw, path, "a state id")
    if text is None:
        return None
    try:
        return resolve_choice(pathway, text)
    except LookupError as error:
        check.add(path, str(error))
        return None


def _start(check: _Checker, pathway: Pathway | None, raw: Any) -> ScenarioEvent:
    path = ("start",)
    if not isinstance(raw, dict):
        at = check.month(raw, path)
        return ScenarioEvent(at if at is not None else 0.0, "start", {}, None, None, path, path)
    check.keys(raw, path, START_KEYS, "the start")
    if "at" not in raw:
        check.add(path, "'at' (the month treatment starts) is required but missing")
    at = check.month(raw.get("at", 0), path + ("at",))
    note = check.text(raw["note"], path + ("note",), "a note") if "note" in raw else None
    choose = _choose(check, pathway, raw.get("choose"), path + ("choose",))
    return ScenarioEvent(at if at is not None else 0.0, "start", {}, choose, note, path, path)


def event_attributes(pathway: Pathway) -> dict[str, tuple[str, ...]]:
    """The event attributes a scenario may give for ``pathway``, with their allowed values."""
    declared = {a.name: a.values for a in pathway.attributes.values() if a.of == "event"}
    return {**COMMON_EVENT_ATTRIBUTES, **declared}


def _events(check: _Checker, pathway: Pathway | None, raw: Any, start_at: float) -> list[ScenarioEvent]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        check.add(("events",), f"expected a list of events, got {_shown(raw)}")
        return []
    allowed_attributes = event_attributes(pathway) if pathway else None
    events = []
    previous = ("the start", start_at)
    for i, spec in enumerate(raw):
        path = ("events", i)
        if not isinstance(spec, dict):
            check.add(path, f"expected an event (a mapping with at and event), got {_shown(spec)}")
            continue
        for key in ("at", "event"):
            if key not in spec:
                check.add(path, f"{key!r} is required but missing in event {i}")
        at = check.month(spec["at"], path + ("at",)) if "at" in spec else None
        if at is not None and at < previous[1]:
            check.add(path + ("at",), f"month {at:g} is before {previous[0]} (month {previous[1]:g}); "
                                      f"times must not go backwards")
        elif at is not None:
            previous = (f"events[{i}]", at)
        event = spec.get("event")
        if "event" in spec and pathway is not None and event not in pathway.events:
            check.add(path + ("event",), f"unknown event {event!r}; expected one of: {', '.join(pathway.events)}")
        attributes = {}
        for key, value in spec.items():
            if key in EVENT_KEYS or allowed_attributes is None or pathway is None:
                continue
            if key not in allowed_attributes:
                expected = ", ".join(EVENT_KEYS + tuple(allowed_attributes))
                check.add(path + (key,), f"unknown event attribute {key!r} for {pathway.id}; expected one of: "
                                         f"{expected}")
            elif value not in allowed_attributes[key]:
                check.add(path + (key,), f"{value!r} is not an allowed value of {key!r}; expected one of: "
                                         f"{', '.join(allowed_attributes[key])}")
            else:
                attributes[key] = value
        note = check.text(spec["note"], path + ("note",), "a note") if "note" in spec else None
        choose = _choose(check, pathway, spec.get("choose"), path + ("choose",))
        events.append(ScenarioEvent(at if at is not None else previous[1], event if isinstance(event, str) else "",
                                    attributes, choose, note, path, path + ("event",)))
    return events


def run_scenario(scenario: Scenario) -> RunResult:
    """Run every event of ``scenario``; an impossible event is an error located in the scenario file."""
    with Timeline(scenario.pathway, scenario.patient, scenario.start.at) as timeline:
        for item in (scenario.start, *scenario.events):
            try:
                timeline.step(item.event, item.at, item.attributes, item.choose, item.note)
            except PathwayError as error:
                # A problem naming an event attribute (``option``) is located at it, others at the event.
                problems = [scenario.document.problem(item.path + (p.path,) if p.path else item.event_path, p.message)
                            for p in error.problems]
                raise type(error)(problems) from None
        return timeline.result()
