"""Evidence parameters of a subtype's pathway: how long each state lasts and how choices fall.

One YAML file per subtype (``sim/params/<subtype>.yaml``) gives, for every state a patient can
stay in, the time to each event leaving it (exponential, Weibull or log-normal, by median and
shape), the probabilities of the event attributes its transitions read (``option``: which target
state; ``extent``: limited or widespread), the imaging interval at which progression is seen,
and the population's marker prevalences. Every number carries its provenance: ``source:`` (an
evidence.md or source-guideline statement) or ``illustrative: true``.

Times are months inside the simulator. A figure published in weeks, days or years stays in the
file as published (``median_months: {weeks: 27.3, ...}``) and is converted here, once, by
``to_months`` (1 mo = 4.345 wk, from evidence.md).

``load_params(subtype, path=FILE, overrides=["state.event.key=value"])`` merges a partial file and
single values over the shipped file and validates the result against the pathway, reporting
every problem at once with file, line and path, as ``PathwayError``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from importlib import resources
from itertools import product
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from pathways.conditions import holds, iter_matches
from pathways.errors import PathwayError, PathwayValidationError, Problem
from pathways.model import Pathway
from pathways.yamlsource import YamlDocument, format_path, read_yaml

WEEKS_PER_MONTH = 4.345            # evidence.md, "Units": 1 mo = 4.345 wk
DAYS_PER_MONTH = 7 * WEEKS_PER_MONTH
MONTHS_PER_YEAR = 12.0
TIME_UNITS = {"months": 1.0, "weeks": 1.0 / WEEKS_PER_MONTH, "days": 1.0 / DAYS_PER_MONTH,
              "years": MONTHS_PER_YEAR}
PLAIN_UNITS = {"value": 1.0, "percent": 0.01}

DISTRIBUTIONS = ("exponential", "weibull", "lognormal")
SHAPED = ("weibull", "lognormal")
TIMING_KEYS = ("distribution", "median_months", "shape")
DETECTED_AT_IMAGING = ("progression",)   # seen at the next imaging visit; other events at once
OPTION = "option"                        # event attribute whose values are target state ids
TOP_KEYS = ("subtype", "imaging", "population", "states")
SUM_TOLERANCE = 1e-6
OVERRIDE_FILE = "--set"

_UNIT_SUFFIXES = {"mo": "months", "month": "months", "months": "months", "wk": "weeks", "w": "weeks",
                  "week": "weeks", "weeks": "weeks", "d": "days", "day": "days", "days": "days",
                  "y": "years", "yr": "years", "year": "years", "years": "years"}
_NUMBER_WITH_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z%]*)\s*$")


def to_months(amount: float, unit: str) -> float:
    """``amount`` of ``unit`` (months, weeks, days, years) in months: the one place units are converted."""
    return float(amount) * TIME_UNITS[unit]


# ---------------------------------------------------------------------------------------------
# The validated parameters
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Quantity:
    """One number with its provenance: a cited source, an illustrative choice, or a user override."""

    value: float                 # months for times, a fraction for probabilities, plain for shapes
    reported: str                # as written: "27.3 weeks", "67 percent", "0.76"
    source: str | None = None
    illustrative: bool = False
    note: str | None = None
    origin: str = ""             # "sim/params/gist.yaml:42" or "--set KEY=VALUE"

    @property
    def provenance(self) -> str:
        """``source: ...``, ``illustrative`` or ``override (...)``, for reports and docs."""
        if self.source:
            return f"source: {self.source}"
        if self.illustrative:
            return "illustrative"
        return f"override ({self.origin})"


@dataclass(frozen=True)
class Timing:
    """Time to an event from entering a state: a distribution given by its median (months) and shape."""

    distribution: str
    median_months: Quantity
    shape: Quantity | None = None

    @property
    def median(self) -> float:
        """The median in months."""
        return self.median_months.value

    def cdf(self, t: float) -> float:
        """P(time <= t months): the distribution's definition, for tests and docs."""
        if t <= 0:
            return 0.0
        m = self.median
        if self.distribution == "exponential":
            return 1.0 - 0.5 ** (t / m)
        if self.distribution == "weibull":
            return 1.0 - 0.5 ** ((t / m) ** self.shape.value)
        return 0.5 * math.erfc(-math.log(t / m) / (self.shape.value * math.sqrt(2.0)))


@dataclass(frozen=True)
class EventParams:
    """What happens when ``event`` fires in a state: its timing and its attribute probabilities."""

    event: str
    timing: Timing | None                               # None only for ``start`` in the initial state
    choices: dict[str, dict[str, Quantity]] = field(default_factory=dict)   # attribute -> value -> p

    @property
    def detected_at_imaging(self) -> bool:
        """Whether this event is only seen at the next imaging visit (progression)."""
        return self.event in DETECTED_AT_IMAGING

    def combinations(self) -> list[tuple[dict[str, str], float]]:
        """Every combination of attribute values with its probability (attributes independent)."""
        names = list(self.choices)
        result = []
        for values in product(*(list(self.choices[name].items()) for name in names)):
            p = 1.0
            for _, q in values:
                p *= q.value
            result.append(({name: v for name, (v, _) in zip(names, values)}, p))
        return result


@dataclass(frozen=True)
class StateParams:
    """The events of one state; ``after[previous]`` replaces them when entered from ``previous``."""

    state: str
    events: dict[str, EventParams]
    after: dict[str, dict[str, EventParams]] = field(default_factory=dict)

    def for_entry(self, entered_from: str | None) -> dict[str, EventParams]:
        """The event parameters that apply when the state is entered from ``entered_from``."""
        return self.after.get(entered_from, self.events) if entered_from is not None else self.events


@dataclass(frozen=True)
class Group:
    """A population group: patient attribute values and the share of patients who have them."""

    name: str
    facts: dict[str, str]
    prevalence: Quantity


@dataclass(frozen=True)
class Params:
    """A subtype's validated evidence parameters."""

    subtype: str
    imaging_interval: Quantity
    population: tuple[Group, ...]
    states: dict[str, StateParams]
    origin: str                           # files and overrides used, for reports

    @property
    def interval_months(self) -> float:
        """Months between imaging visits (counted from the start of each therapy)."""
        return self.imaging_interval.value

    def event_params(self, state: str, event: str, entered_from: str | None = None) -> EventParams:
        """The parameters of ``event`` in ``state`` when entered from ``entered_from``."""
        return self.states[state].for_entry(entered_from)[event]

    def quantities(self) -> Iterator[tuple[str, Quantity]]:
        """Every number with its path (``states.imatinib_400.progression.median_months``)."""
        yield "imaging.interval_months", self.imaging_interval
        for group in self.population:
            yield f"population.{group.name}.prevalence", group.prevalence
        for state_id, sp in self.states.items():
            default = dict(_event_quantities(sp.events))
            for path, q in default.items():
                yield f"states.{state_id}.{path}", q
            for previous, events in sp.after.items():
                for path, q in _event_quantities(events):
                    if default.get(path) != q:      # only what the ``after`` entry changes
                        yield f"states.{state_id}.after.{previous}.{path}", q


def _event_quantities(events: Mapping[str, EventParams]) -> Iterator[tuple[str, Quantity]]:
    for event, ep in events.items():
        if ep.timing is not None:
            yield f"{event}.median_months", ep.timing.median_months
            if ep.timing.shape is not None:
                yield f"{event}.shape", ep.timing.shape
        for attribute, values in ep.choices.items():
            for value, q in values.items():
                yield f"{event}.{attribute}.{value}", q


# ---------------------------------------------------------------------------------------------
# Loading and merging
# ---------------------------------------------------------------------------------------------

def shipped_params_path(subtype: str) -> Path:
    """Where the shipped parameter file of ``subtype`` lives (it may not exist for a custom pathway)."""
    return Path(str(resources.files("sim").joinpath("params"))) / f"{subtype}.yaml"


class _Located:
    """Plain merged data plus where each node came from (file and line), for error messages."""

    def __init__(self, doc: YamlDocument):
        self.data = doc.data
        self.origins: dict[tuple, tuple[str, int | None]] = {p: (doc.file, line) for p, line in doc.lines.items()}
        self.origins.setdefault((), (doc.file, None))
        self.override_paths: dict[tuple, str] = {}

    def mark(self, path: tuple, file: str, lines: Mapping[tuple, int] | None, base: tuple = ()) -> None:
        """Record that the subtree at ``path`` now comes from ``file`` (``lines`` relative to ``base``)."""
        for p in [p for p in self.origins if p[:len(path)] == path]:
            del self.origins[p]
        for p in [p for p in self.override_paths if p[:len(path)] == path]:
            del self.override_paths[p]
        if lines is None:
            self.origins[path] = (file, None)
            return
        for p, line in lines.items():
            if p[:len(base)] == base:
                self.origins[path + p[len(base):]] = (file, line)
        self.origins.setdefault(path, (file, None))

    def where(self, path: tuple) -> tuple[str, int | None]:
        """File and line of the node at ``path`` or of its nearest located ancestor."""
        path = tuple(path)
        while path not in self.origins and path:
            path = path[:-1]
        return self.origins.get(path, ("<params>", None))

    def problem(self, path: tuple, message: str) -> Problem:
        """A ``Problem`` at ``path``, located in the file (or override) it came from."""
        file, line = self.where(path)
        return Problem(file, line, format_path(path), message)

    def origin_text(self, path: tuple) -> str:
        """``file:line`` (or the override) a quantity came from."""
        if path in self.override_paths:
            return self.override_paths[path]
        file, line = self.where(path)
        return f"{file}:{line}" if line else file


def _is_quantity(value: Any) -> bool:
    return isinstance(value, dict) and any(k in value for k in (*TIME_UNITS, *PLAIN_UNITS))


def _merge(located: _Located, base: Any, overlay: Any, path: tuple, file: str,
           lines: Mapping[tuple, int], overlay_path: tuple) -> Any:
    """Merge ``overlay`` into ``base`` key by key down to quantities, which are replaced whole.

    A null deletes a key. Setting ``distribution`` to one without a shape drops an inherited shape.
    """
    if not isinstance(base, dict) or not isinstance(overlay, dict) or _is_quantity(overlay) or _is_quantity(base):
        located.mark(path, file, lines, overlay_path)
        return overlay
    merged = dict(base)
    if overlay.get("distribution") in DISTRIBUTIONS and overlay["distribution"] not in SHAPED \
            and "shape" not in overlay:
        merged.pop("shape", None)
    for key, value in overlay.items():
        if value is None:
            merged.pop(key, None)
            located.mark(path + (key,), file, None)
        elif key in merged:
            merged[key] = _merge(located, merged[key], value, path + (key,), file, lines, overlay_path + (key,))
        else:
            merged[key] = value
            located.mark(path + (key,), file, lines, overlay_path + (key,))
    return merged


def _parse_override_value(text: str, leaf: str) -> Any:
    """An override's value: a number (with a time unit for ``*_months`` keys, % for probabilities),
    a distribution name, or ``none`` to delete the key."""
    text = text.strip()
    if text.lower() in ("none", "null"):
        return None
    if leaf == "distribution":
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


def _override_key_problem(pathway: Pathway, data: dict, key: tuple) -> str | None:
    """Why ``key`` names no parameter (naming what exists there), or None if it is a valid key."""
    def expected(options) -> str:
        """The options as a list, or "nothing"."""
        return ", ".join(options) if options else "nothing"

    if not key or key[0] not in TOP_KEYS:
        return (f"no state {key[0] if key else ''!r} in {pathway.id}; states: {expected(list(pathway.states))} "
                f"(or a section: imaging, population, states)")
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
    attributes = _event_attributes(pathway, state, event)
    leaves = [k for k in TIMING_KEYS if not (state == pathway.initial and event == "start")] + attributes
    if len(rest) == 1 and rest[0] in TIMING_KEYS and rest[0] in leaves:
        return None
    if len(rest) == 2 and rest[0] in attributes:
        allowed = _allowed_choice_values(pathway, state, event, rest[0])
        if rest[1] in allowed:
            return None
        return f"{rest[0]} of {state} on {event} has no value {rest[1]!r}; values: {expected(allowed)}"
    return f"{state}.{event} has no parameter {'.'.join(rest)!r}; expected one of {expected(leaves)}" + \
        (" (attributes take a value: ATTRIBUTE.VALUE)" if attributes else "")


def _apply_override(pathway: Pathway, located: _Located, item: str, problems: list[Problem]) -> None:
    key_text, sep, value_text = item.partition("=")
    key_text = key_text.strip()
    file = f"{OVERRIDE_FILE} {item}"
    if not sep or not key_text:
        problems.append(Problem(OVERRIDE_FILE, None, "", f"expected KEY=VALUE, got {item!r}"))
        return
    key = tuple(key_text.split("."))
    if key[0] in pathway.states and key[0] not in TOP_KEYS:
        key = ("states",) + key
    reason = _override_key_problem(pathway, located.data, key)
    if reason:
        problems.append(Problem(OVERRIDE_FILE, None, key_text, f"unknown key: {reason}"))
        return
    leaf = key[-1] if key[-1] in TIMING_KEYS or key[-1].endswith("_months") else "value"
    if key[-2:-1] == ("facts",):
        leaf = "distribution"   # plain text
    try:
        value = _parse_override_value(value_text, leaf)
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
    else:
        if key[-1] == "distribution" and value in DISTRIBUTIONS and value not in SHAPED:
            node.pop("shape", None)
        node[key[-1]] = value
    located.mark(key, file, None)
    if isinstance(value, dict):
        located.override_paths[key] = file


def load_params(subtype: str | Pathway, path: str | Path | None = None,
                overrides: Sequence[str] = ()) -> Params:
    """The validated parameters of ``subtype`` (an id or a ``Pathway``).

    ``path`` is merged over the shipped file (or is the whole file for a pathway that ships none);
    ``overrides`` are ``KEY=VALUE`` strings (``imatinib_400.progression.median_months=20``,
    ``...=27.3wk``, ``population.kit_exon9.prevalence=12%``) applied last. Any problem anywhere
    raises ``PathwayError`` listing them all.
    """
    if isinstance(subtype, Pathway):
        pathway = subtype
    else:
        from pathways.load import load_subtype
        pathway = load_subtype(subtype)
    shipped = shipped_params_path(pathway.id)
    documents = []
    if shipped.exists():
        documents.append(read_yaml(shipped))
    if path is not None:
        documents.append(read_yaml(path))
    if not documents:
        raise PathwayError(Problem(str(shipped), None, "",
                                   f"no parameter file ships for {pathway.id!r}; give one with --params FILE"))
    return params_from_documents(pathway, documents, overrides)


def params_from_documents(pathway: Pathway, documents: Sequence[YamlDocument],
                          overrides: Sequence[str] = ()) -> Params:
    """Merge parsed parameter documents (first is the base) and overrides; validate; build ``Params``."""
    problems: list[Problem] = []
    base = documents[0]
    if not isinstance(base.data, dict):
        raise PathwayValidationError(base.problem((), "expected a mapping with subtype, imaging, population, states"))
    located = _Located(YamlDocument(_copy(base.data), base.file, dict(base.lines)))
    for doc in documents[1:]:
        if not isinstance(doc.data, dict):
            problems.append(doc.problem((), "expected a mapping (a partial parameter file)"))
            continue
        located.data = _merge(located, located.data, _copy(doc.data), (), doc.file, doc.lines, ())
    for item in overrides:
        _apply_override(pathway, located, item, problems)
    if problems:
        raise PathwayValidationError(problems)
    origin = " + ".join([_display_path(d.file) for d in documents] + [f"--set {o}" for o in overrides])
    return _Validator(pathway, located, origin).build()


def _display_path(file: str) -> str:
    try:
        return str(Path(file).resolve().relative_to(Path(str(resources.files("sim"))).resolve().parent))
    except ValueError:
        return file


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

def _event_attributes(pathway: Pathway, state: str, event: str) -> list[str]:
    """Event attributes read by the conditions of ``state``'s transitions on ``event`` (file order)."""
    names = []
    for t in pathway.outgoing(state, event):
        for match in iter_matches(t.when):
            attribute = pathway.attributes.get(match.attribute)
            if attribute is not None and attribute.of == "event" and match.attribute not in names:
                names.append(match.attribute)
    return names


def _allowed_choice_values(pathway: Pathway, state: str, event: str, attribute: str) -> list[str]:
    declared = list(pathway.attributes[attribute].values)
    if attribute == OPTION:
        targets = {t.target for t in pathway.outgoing(state, event)}
        return [v for v in declared if v in targets]
    return declared


def _timed_states(pathway: Pathway) -> list[str]:
    """States a patient stays in for a while: every state but the initial and the terminal ones."""
    return [s for s, st in pathway.states.items() if s != pathway.initial and st.kind != "terminal"]


class _Validator:
    """Check the merged document against the pathway, collecting every problem, then build ``Params``."""

    def __init__(self, pathway: Pathway, located: _Located, origin: str):
        self.pathway = pathway
        self.doc = located
        self.origin = origin
        self.problems: list[Problem] = []

    def fail(self, path: tuple, message: str) -> None:
        """Record a problem at ``path``."""
        self.problems.append(self.doc.problem(path, message))

    def build(self) -> Params:
        """Validate every section and build ``Params``, or raise with every problem found."""
        data = self.doc.data
        for key in data:
            if key not in TOP_KEYS:
                self.fail((key,), f"unknown key {key!r}; expected {', '.join(TOP_KEYS)}")
        if data.get("subtype") != self.pathway.id:
            self.fail(("subtype",), f"expected subtype: {self.pathway.id} (the pathway these parameters are for), "
                                    f"got {data.get('subtype')!r}")
        interval = self._imaging(data.get("imaging"))
        population = self._population(data.get("population"))
        states = self._states(data.get("states"))
        if not self.problems:
            self._coverage(population, states)
        if self.problems:
            raise PathwayValidationError(self.problems)
        return Params(self.pathway.id, interval, tuple(population), states, self.origin)

    # -- quantities ----------------------------------------------------------------------------
    def quantity(self, raw: Any, path: tuple, kind: str) -> Quantity | None:
        """A number with provenance; ``kind`` is time (> 0, in a time unit), probability or shape."""
        units = TIME_UNITS if kind == "time" else PLAIN_UNITS
        if not isinstance(raw, dict):
            example = "{months: 18, source: \"...\"}" if kind == "time" else "{value: 0.5, illustrative: true}"
            self.fail(path, f"expected a mapping like {example}, got {raw!r}")
            return None
        ok = True
        for key in raw:
            if key not in (*units, "source", "illustrative", "note"):
                self.fail(path + (key,), f"unknown key {key!r}; expected one of "
                                         f"{', '.join((*units, 'source', 'illustrative', 'note'))}")
                ok = False
        given = [u for u in units if u in raw]
        if len(given) != 1:
            self.fail(path, f"expected exactly one of {', '.join(units)}, got "
                            f"{', '.join(given) if given else 'none'}")
            return None
        unit = given[0]
        amount = raw[unit]
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not math.isfinite(amount):
            self.fail(path + (unit,), f"expected a number, got {amount!r}")
            return None
        value = to_months(amount, unit) if kind == "time" else float(amount) * PLAIN_UNITS[unit]
        if len(path) > 4 and path[0] == "states" and path[2] == "after" and path not in self.doc.origins:
            path = path[:2] + path[4:]      # a value an ``after`` variant inherits from the state's default
        overridden = path in self.doc.override_paths
        source, illustrative = raw.get("source"), raw.get("illustrative")
        if not overridden:
            if source is not None and (not isinstance(source, str) or not source.strip()):
                self.fail(path + ("source",), "expected the evidence.md row or source-guideline statement as text")
                ok = False
            if illustrative is not None and illustrative is not True:
                self.fail(path + ("illustrative",), "expected illustrative: true (or give a source instead)")
                ok = False
            if source is not None and illustrative is not None:
                self.fail(path, "give either source or illustrative: true, not both")
                ok = False
            elif source is None and illustrative is None:
                self.fail(path, "every value needs its provenance: source: \"<evidence.md row>\" or illustrative: true")
                ok = False
        if "note" in raw and not isinstance(raw["note"], str):
            self.fail(path + ("note",), "expected text")
            ok = False
        if kind == "time" and value <= 0:
            self.fail(path + (unit,), f"expected a time > 0, got {amount!r}")
            ok = False
        elif kind == "shape" and value <= 0:
            self.fail(path + (unit,), f"expected a shape > 0, got {amount!r}")
            ok = False
        elif kind == "probability" and not 0.0 <= value <= 1.0:
            self.fail(path + (unit,), f"expected a probability in [0, 1], got {amount!r}"
                                      f"{' percent' if unit == 'percent' else ''}")
            ok = False
        if not ok:
            return None
        return Quantity(value, f"{amount:g} {unit}" if unit != "value" else f"{amount:g}",
                        source=None if overridden else source, illustrative=bool(illustrative) and not overridden,
                        note=raw.get("note"), origin=self.doc.origin_text(path))

    def _mapping(self, raw: Any, path: tuple, what: str) -> dict | None:
        if raw is None:
            self.fail(path, f"{what} is required but missing")
            return None
        if not isinstance(raw, dict):
            self.fail(path, f"expected a mapping ({what}), got {type(raw).__name__}")
            return None
        return raw

    # -- sections ------------------------------------------------------------------------------
    def _imaging(self, raw: Any) -> Quantity | None:
        raw = self._mapping(raw, ("imaging",), "imaging: {interval_months: ...}")
        if raw is None:
            return None
        for key in raw:
            if key != "interval_months":
                self.fail(("imaging", key), f"unknown key {key!r}; expected interval_months")
        if "interval_months" not in raw:
            self.fail(("imaging",), "interval_months is required but missing")
            return None
        q = self.quantity(raw["interval_months"], ("imaging", "interval_months"), "time")
        low = self.pathway.monitoring.imaging_interval_months_min
        high = self.pathway.monitoring.imaging_interval_months_max
        if q is not None and not low - 1e-9 <= q.value <= high + 1e-9:
            self.fail(("imaging", "interval_months"),
                      f"expected an interval within the pathway's monitoring range {low:g}-{high:g} months "
                      f"({self.pathway.file}), got {q.value:.4g} months")
        return q

    def _population(self, raw: Any) -> list[Group]:
        patient_attrs = {a.name: a for a in self.pathway.attributes.values() if a.of == "patient"}
        if not patient_attrs:
            if raw:
                self.fail(("population",), f"{self.pathway.id} declares no patient attributes; leave population out")
            return [Group("all", {}, Quantity(1.0, "1", illustrative=True, note="single group: no markers"))]
        raw = self._mapping(raw, ("population",),
                            f"population groups giving {', '.join(patient_attrs)} and their prevalence")
        if raw is None:
            return []
        groups = []
        for name, spec in raw.items():
            path = ("population", name)
            if not isinstance(spec, dict):
                self.fail(path, "expected a mapping with facts and prevalence")
                continue
            for key in spec:
                if key not in ("facts", "prevalence", "note"):
                    self.fail(path + (key,), f"unknown key {key!r}; expected facts, prevalence, note")
            facts = spec.get("facts")
            if not isinstance(facts, dict):
                self.fail(path + ("facts",), f"expected facts: a mapping of {', '.join(patient_attrs)} to values")
                facts = {}
            for attr, value in facts.items():
                if attr not in patient_attrs:
                    self.fail(path + ("facts", attr), f"unknown patient attribute {attr!r}; "
                                                      f"expected {', '.join(patient_attrs)}")
                elif value not in patient_attrs[attr].values:
                    self.fail(path + ("facts", attr), f"{value!r} is not a value of {attr}; expected one of "
                                                      f"{', '.join(patient_attrs[attr].values)}")
            for attr in patient_attrs:
                if attr not in facts:
                    self.fail(path + ("facts",), f"{attr} is required but missing")
            if "prevalence" not in spec:
                self.fail(path, "prevalence is required but missing")
                continue
            q = self.quantity(spec["prevalence"], path + ("prevalence",), "probability")
            if q is not None:
                groups.append(Group(str(name), {k: str(v) for k, v in facts.items()}, q))
        if len(groups) == len(raw) and groups:
            total = sum(g.prevalence.value for g in groups)
            if abs(total - 1.0) > SUM_TOLERANCE:
                self.fail(("population",), f"prevalences must sum to 1, they sum to {total:.6g} "
                                           f"({', '.join(f'{g.name} {g.prevalence.value:g}' for g in groups)})")
        elif not raw:
            self.fail(("population",), "at least one group is required")
        return groups

    def _states(self, raw: Any) -> dict[str, StateParams]:
        raw = self._mapping(raw, ("states",), "states: the timing of every therapy state")
        if raw is None:
            return {}
        result = {}
        for state_id in raw:
            if state_id not in self.pathway.states:
                self.fail(("states", state_id), f"unknown state {state_id!r}; states of {self.pathway.id}: "
                                                f"{', '.join(self.pathway.states)}")
        needed = _timed_states(self.pathway)
        for state_id in needed:
            if state_id not in raw:
                kind = self.pathway.states[state_id].kind
                events = ", ".join(self.pathway.events_from(state_id))
                self.fail(("states",), f"{state_id} ({kind}) has no parameters; every state a patient stays in "
                                       f"needs the timing of its events: {events}")
        for state_id, spec in raw.items():
            if state_id not in self.pathway.states:
                continue
            sp = self._state(state_id, spec)
            if sp is not None:
                result[state_id] = sp
        initial = self.pathway.initial
        if initial not in result:
            result[initial] = self._state(initial, {}) or StateParams(initial, {})
        return result

    def _state(self, state_id: str, spec: Any) -> StateParams | None:
        path = ("states", state_id)
        if self.pathway.states[state_id].kind == "terminal":
            self.fail(path, f"{state_id} is an end state: it has no events to time; remove it")
            return None
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            self.fail(path, f"expected a mapping of events ({', '.join(self.pathway.events_from(state_id))})")
            return None
        events = self.pathway.events_from(state_id)
        for key in spec:
            if key not in events and key != "after":
                self.fail(path + (key,), f"{state_id} has no event {key!r}; its events: {', '.join(events)}"
                                         + ("" if state_id == self.pathway.initial else ", after"))
        parsed = {}
        for event in events:
            ep = self._event(state_id, event, spec.get(event), path + (event,))
            if ep is not None:
                parsed[event] = ep
        after = {}
        raw_after = spec.get("after")
        if raw_after is not None:
            sources = sorted({t.source for t in self.pathway.transitions if t.target == state_id})
            if state_id == self.pathway.initial or not isinstance(raw_after, dict):
                self.fail(path + ("after",), f"expected after: {{<previous state>: {{<event>: ...}}}} with a "
                                             f"previous state of {', '.join(sources) or 'none'}")
            else:
                for previous, overlay in raw_after.items():
                    apath = path + ("after", previous)
                    if previous not in sources:
                        self.fail(apath, f"{state_id} is never entered from {previous!r}; it is entered from "
                                         f"{', '.join(sources) or 'nowhere'}")
                        continue
                    if not isinstance(overlay, dict):
                        self.fail(apath, "expected a mapping of events")
                        continue
                    variant = {}
                    for key in overlay:
                        if key not in events:
                            self.fail(apath + (key,),
                                      f"{state_id} has no event {key!r}; its events: {', '.join(events)}")
                    for event in events:
                        base = _copy(spec.get(event) or {})
                        merged = _merge(_Scratch(), base, overlay[event], (), "", {}, ()) \
                            if isinstance(overlay.get(event), dict) else base
                        ep = self._event(state_id, event, merged,
                                         apath + (event,) if event in overlay else path + (event,))
                        if ep is not None:
                            variant[event] = ep
                    after[previous] = variant
        if len(parsed) != len(events):
            return None
        return StateParams(state_id, parsed, after)

    def _event(self, state_id: str, event: str, raw: Any, path: tuple) -> EventParams | None:
        is_start = state_id == self.pathway.initial
        attributes = _event_attributes(self.pathway, state_id, event)
        if is_start and event != "start":
            self.fail(path, f"the initial state {state_id} may only have a start event (fired at t = 0)")
            return None
        if raw is None:
            if is_start and not attributes:
                return EventParams(event, None, {})
            need = ([] if is_start else ["distribution", "median_months"]) + attributes
            self.fail(path[:-1], f"{event} of {state_id} needs parameters: {', '.join(need)}")
            return None
        if not isinstance(raw, dict):
            keys = ", ".join(([] if is_start else list(TIMING_KEYS)) + attributes)
            self.fail(path, f"expected a mapping ({keys})")
            return None
        allowed = ([] if is_start else list(TIMING_KEYS)) + attributes
        ok = True
        for key in raw:
            if key not in allowed:
                hint = " (start fires at t = 0; it has no timing)" if is_start and key in TIMING_KEYS else ""
                if key in self.pathway.attributes and key not in attributes:
                    hint = f" (no transition of {state_id} on {event} reads {key})"
                self.fail(path + (key,),
                          f"unknown key {key!r}; expected one of {', '.join(allowed) or 'nothing'}{hint}")
                ok = False
        timing = None if is_start else self._timing(raw, path)
        choices = {}
        for attribute in attributes:
            c = self._choices(state_id, event, attribute, raw.get(attribute), path + (attribute,))
            if c is None:
                ok = False
            else:
                choices[attribute] = c
        if not ok or (timing is None and not is_start):
            return None
        return EventParams(event, timing, choices)

    def _timing(self, raw: dict, path: tuple) -> Timing | None:
        distribution = raw.get("distribution")
        if distribution not in DISTRIBUTIONS:
            self.fail(path + ("distribution",) if "distribution" in raw else path,
                      f"expected distribution: one of {', '.join(DISTRIBUTIONS)}, got {distribution!r}")
            distribution = None
        if "median_months" not in raw:
            self.fail(path, "median_months is required but missing")
            median = None
        else:
            median = self.quantity(raw["median_months"], path + ("median_months",), "time")
        shape = None
        if distribution in SHAPED:
            if "shape" not in raw:
                what = "Weibull shape k" if distribution == "weibull" else "log-normal sigma (of log time)"
                self.fail(path, f"{distribution} needs shape ({what})")
                return None
            shape = self.quantity(raw["shape"], path + ("shape",), "shape")
            if shape is None:
                return None
        elif distribution is not None and "shape" in raw:
            self.fail(path + ("shape",), f"shape is only used by {' and '.join(SHAPED)}; remove it for "
                                         f"{distribution} (in --set: KEY.shape=none)")
            return None
        if distribution is None or median is None:
            return None
        return Timing(distribution, median, shape)

    def _choices(self, state_id: str, event: str, attribute: str, raw: Any, path: tuple) -> dict | None:
        allowed = _allowed_choice_values(self.pathway, state_id, event, attribute)
        what = "target state" if attribute == OPTION else "value"
        if not isinstance(raw, dict) or not raw:
            self.fail(path if raw is not None else path[:-1],
                      f"{attribute} of {state_id} on {event} needs a probability for each {what}: "
                      f"{', '.join(allowed)} (summing to 1)")
            return None
        result = {}
        ok = True
        for value, q_raw in raw.items():
            if value not in allowed:
                self.fail(path + (value,), f"{value!r} is not a {what} of {state_id} on {event}; expected one of "
                                           f"{', '.join(allowed)}")
                ok = False
                continue
            q = self.quantity(q_raw, path + (value,), "probability")
            if q is None:
                ok = False
            else:
                result[str(value)] = q
        if not ok:
            return None
        total = sum(q.value for q in result.values())
        if abs(total - 1.0) > SUM_TOLERANCE:
            self.fail(path, f"probabilities must sum to 1, they sum to {total:.6g}")
            return None
        return result

    def _coverage(self, population: list[Group], states: dict[str, StateParams]) -> None:
        """Every reachable (state, facts, attribute values) with positive probability has a transition."""
        pathway = self.pathway
        for group in population:
            if group.prevalence.value <= 0:
                continue
            seen = set()
            todo = [(pathway.initial, None)]
            while todo:
                state, previous = todo.pop()
                if (state, previous) in seen or pathway.states[state].kind == "terminal":
                    continue
                seen.add((state, previous))
                for event, ep in states[state].for_entry(previous).items():
                    for combo, p in ep.combinations():
                        if p <= 0:
                            continue
                        facts = {**group.facts, **combo}
                        target = next((t.target for t in pathway.outgoing(state, event) if holds(t.when, facts)), None)
                        if target is None:
                            self.fail(("states", state, event),
                                      f"no transition of {state} on {event} holds for {facts} (population group "
                                      f"{group.name}); give that combination probability 0 or fix the pathway")
                        else:
                            todo.append((target, state))


class _Scratch(_Located):
    """A located document that records nothing (merging ``after`` overlays in memory)."""

    def __init__(self):
        self.data, self.origins, self.override_paths = None, {}, {}

    def mark(self, *args, **kwargs) -> None:
        """Record nothing."""
        return None
