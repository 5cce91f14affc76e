"""Load pathway files: one safe parse, full validation, then frozen ``Pathway`` objects.

``load_pathway(path)`` reads any file; ``load_subtype(id)`` reads a shipped one from
``pathways/data``. Both raise a ``PathwayError`` listing every problem, never anything else.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from importlib import resources
from pathlib import Path

from sarcoma_sim.errors import PathwayValidationError, UnknownSubtypeError
from sarcoma_sim.pathways.conditions import parse_condition
from sarcoma_sim.pathways.model import (
    Attribute,
    CompetingExit,
    Monitoring,
    Pathway,
    Regimen,
    Source,
    SourceWording,
    State,
    Transition,
)
from sarcoma_sim.pathways.validate import validate_document
from sarcoma_sim.pathways.yamlsource import YamlDocument, parse_yaml, read_yaml

SUBTYPE_IDS = ("gist", "leiomyosarcoma", "liposarcoma", "dfsp", "imt", "pecoma", "asps",
               "sft", "emc", "angiosarcoma", "ntrk", "desmoid", "tgct", "epithelioid_sarcoma")


def data_dir() -> Path:
    """The folder of the shipped pathway files."""
    return Path(str(resources.files(__package__).joinpath("data")))


def subtype_path(subtype: str) -> Path:
    """The shipped file of ``subtype``; an unknown id is an ``UnknownSubtypeError``."""
    if subtype not in SUBTYPE_IDS:
        raise UnknownSubtypeError(f"unknown subtype {subtype!r}; expected one of {', '.join(SUBTYPE_IDS)}")
    return data_dir() / f"{subtype}.yaml"


def _build(doc: YamlDocument) -> Pathway:
    data = doc.data
    sources = {s["id"]: Source(s["id"], s["citation"], bool(s.get("beyond_source")),
                               bool(s.get("unconfirmed"))) for s in data["sources"]}
    attributes = {name: Attribute(name, spec["of"], tuple(spec["values"]), spec.get("description", ""),
                                  spec.get("default"), spec.get("test"), spec.get("label", ""),
                                  tuple((spec.get("value_labels") or {}).items()))
                  for name, spec in (data.get("attributes") or {}).items()}
    states = {}
    for state_id, spec in data["states"].items():
        regimen = spec.get("regimen")
        states[state_id] = State(
            id=state_id, kind=spec["kind"], label=spec["label"],
            regimen=Regimen(drugs=tuple(regimen["drugs"]), line=regimen["line"], dose=regimen.get("dose"),
                            schedule=regimen.get("schedule"), drug_class=regimen.get("drug_class"),
                            daily_dose_mg=regimen.get("daily_dose_mg"),
                            reduced_dose=bool(regimen.get("reduced_dose")),
                            adjuvant=bool(regimen.get("adjuvant"))) if regimen else None,
            sources=tuple(spec.get("sources", ())), beyond_source=bool(spec.get("beyond_source")),
            note=spec.get("note"), tests=tuple(spec.get("tests", ())))
    seen_in_group: dict[tuple[str, str], int] = defaultdict(int)
    transitions = []
    for i, t in enumerate(data["transitions"]):
        group = (t["from"], t["event"])
        transitions.append(Transition(
            index=i, event=t["event"], source=t["from"], target=t["to"],
            when=parse_condition(t["when"]) if "when" in t else None,
            sources=tuple(t.get("sources", ())), beyond_source=bool(t.get("beyond_source")),
            note=t.get("note"), order=seen_in_group[group]))
        seen_in_group[group] += 1
    interval = data["monitoring"]["imaging_interval_months"]
    monitoring = Monitoring(float(interval["min"]), float(interval["max"]),
                            tuple(data["monitoring"].get("sources", ())))
    return Pathway(id=data["id"], name=data["name"], initial=data["initial"], states=states,
                   transitions=tuple(transitions), attributes=attributes, sources=sources,
                   monitoring=monitoring, file=doc.file, summary=data.get("summary", ""),
                   reviewed=data.get("reviewed"),
                   events=tuple(dict.fromkeys(t.event for t in transitions)),
                   source_wording=tuple(SourceWording(w["line"], w["quote"], tuple(w.get("classes", ())))
                                        for w in data.get("source_wording") or ()),
                   competing_exits=_competing_exits(data.get("competing_exits") or {}),
                   ends_outside=tuple((data.get("competing_exits") or {}).get("ends_outside", ())))


def _competing_exits(raw: dict) -> dict[str, CompetingExit]:
    from sarcoma_sim.pathways.exits import DEFAULT_LABELS

    return {event: CompetingExit(event, (spec or {}).get("label") or DEFAULT_LABELS[event],
                                 tuple((spec or {}).get("sources", ())), (spec or {}).get("note"))
            for event, spec in raw.items() if event in DEFAULT_LABELS}


def pathway_from_document(doc: YamlDocument) -> Pathway:
    """Validate a parsed document and build its ``Pathway``; raises with every problem found."""
    problems = validate_document(doc)
    if problems:
        raise PathwayValidationError(problems)
    return _build(doc)


def load_pathway(path: str | Path) -> Pathway:
    """Read, validate and build the pathway file at ``path``."""
    return pathway_from_document(read_yaml(path))


def parse_pathway(text: str, file: str = "<string>") -> Pathway:
    """Validate and build a pathway from YAML ``text``; ``file`` names it in errors."""
    return pathway_from_document(parse_yaml(text, file))


@lru_cache(maxsize=None)
def load_subtype(subtype: str) -> Pathway:
    """The shipped pathway of ``subtype`` (cached: pathways are immutable)."""
    return load_pathway(subtype_path(subtype))


def load_any(name_or_path: str | Path) -> Pathway:
    """A shipped subtype by id, or a pathway file by path."""
    if str(name_or_path) in SUBTYPE_IDS:
        return load_subtype(str(name_or_path))
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return load_pathway(path)
    raise UnknownSubtypeError(f"unknown subtype {str(name_or_path)!r}; expected one of "
                              f"{', '.join(SUBTYPE_IDS)} or a path to a .yaml file")
