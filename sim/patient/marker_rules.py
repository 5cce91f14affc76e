"""Marker results that cannot go together in one tumour, read from a cited data file.

``sarcoma_sim/patient/data/marker_rules.yaml`` lists rules such as "an NTRK fusion in GIST is
found only in KIT/PDGFRA wild-type, SDH-competent tumours", each with the evidence row it rests
on. The file is read with the project's safe YAML reader and checked with every problem located
(file, line, path). ``violation`` says which rule a set of marker results breaks; the patient
record refuses such a patient and the teaching mode never draws one. A rule only bites where all
of its attributes are present, so a subtype without KIT never meets the GIST rules; ``not_tested``
never contradicts anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from sarcoma_sim.errors import ParameterError, Problem
from sarcoma_sim.pathways.yamlsource import YamlDocument, read_yaml

RULE_KEYS = ("when", "excludes", "reason", "source")


class MarkerRulesError(ParameterError):
    """The marker rules file cannot be used; ``problems`` lists every problem found."""


@dataclass(frozen=True)
class MarkerRule:
    """A finding (``when``) and the results of other markers it cannot go with (``excludes``)."""

    id: str
    when: tuple[tuple[str, str], ...]
    excludes: Mapping[str, tuple[str, ...]]
    reason: str
    source: str

    @property
    def attributes(self) -> set[str]:
        """Every attribute the rule reads."""
        return {name for name, _ in self.when} | set(self.excludes)

    def broken_by(self, facts: Mapping[str, str]) -> str | None:
        """The excluded result found beside the rule's finding in ``facts`` (``kit_exon 'exon11'``), or None."""
        if not all(facts.get(name) == value for name, value in self.when):
            return None
        for name, values in self.excludes.items():
            if facts.get(name) in values:
                return f"{name} {facts[name]!r}"
        return None


def violation(facts: Mapping[str, str], rules: tuple[MarkerRule, ...] | None = None) -> str | None:
    """Why ``facts`` break a marker rule (the finding, the clash, the reason and source), or None."""
    for rule in _shipped() if rules is None else rules:
        clash = rule.broken_by(facts)
        if clash:
            finding = " and ".join(f"{name} {value!r}" for name, value in rule.when)
            return (f"{finding} and {clash} contradict each other: {rule.reason} ({rule.source}); "
                    f"give one of them another result or leave it out")
    return None


def _values(doc: YamlDocument, raw: Any, path: tuple, problems: list[Problem]) -> tuple[str, ...]:
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        problems.append(doc.problem(path, f"expected a value or a list of values (text), got {raw!r}"))
        return ()
    return tuple(values)


def _rule(doc: YamlDocument, rule_id: str, spec: Any, problems: list[Problem]) -> MarkerRule | None:
    path = ("rules", rule_id)
    if not isinstance(spec, dict):
        problems.append(doc.problem(path, f"expected a rule with {', '.join(RULE_KEYS)}, got {spec!r}"))
        return None
    before = len(problems)
    for key in spec:
        if key not in RULE_KEYS:
            problems.append(doc.problem(path + (key,), f"unknown key {key!r}; expected only {', '.join(RULE_KEYS)}"))
    for key in RULE_KEYS:
        if key not in spec:
            problems.append(doc.problem(path, f"{key!r} is required but missing"))
    when, excludes = spec.get("when"), spec.get("excludes")
    if not isinstance(when, dict) or not when or not all(isinstance(v, str) for v in when.values()):
        problems.append(doc.problem(path + ("when",), f"expected a mapping of attribute to one value, got {when!r}"))
        when = {}
    if not isinstance(excludes, dict) or not excludes:
        problems.append(doc.problem(path + ("excludes",),
                                 f"expected a mapping of attribute to values, got {excludes!r}"))
        excludes = {}
    excluded = {str(name): _values(doc, raw, path + ("excludes", name), problems) for name, raw in excludes.items()}
    texts = {}
    for key in ("reason", "source"):
        value = spec.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(doc.problem(path + (key,), f"expected {key} text, got {value!r}"))
        texts[key] = " ".join(str(value).split())
    if len(problems) > before:
        return None
    return MarkerRule(rule_id, tuple((str(k), v) for k, v in when.items()), excluded, texts["reason"], texts["source"])


def rules_from_document(doc: YamlDocument) -> tuple[MarkerRule, ...]:
    """Check a parsed marker rules file and build its rules; raises ``MarkerRulesError`` with every problem."""
    problems: list[Problem] = []
    data = doc.data
    if not isinstance(data, dict) or set(data) != {"rules"} or not isinstance(data["rules"], dict):
        raise MarkerRulesError([doc.problem((), "expected one key, rules: a mapping of rule id to rule")])
    rules = [_rule(doc, str(rule_id), spec, problems) for rule_id, spec in data["rules"].items()]
    if problems:
        raise MarkerRulesError(problems)
    return tuple(r for r in rules if r is not None)


def rules_path() -> Path:
    """The shipped marker rules file."""
    return Path(str(resources.files(__package__).joinpath("data/marker_rules.yaml")))


def load_rules(path: str | Path | None = None) -> tuple[MarkerRule, ...]:
    """The marker rules at ``path`` (the shipped file by default, read once)."""
    if path is None:
        return _shipped()
    return rules_from_document(read_yaml(path, MarkerRulesError))


@lru_cache(maxsize=1)
def _shipped() -> tuple[MarkerRule, ...]:
    return rules_from_document(read_yaml(rules_path(), MarkerRulesError))
