"""Conditions are data: parse them from a pathway file, evaluate them, and say them in words.

A condition is a mapping. Keys ``all``, ``any`` (lists of conditions) and ``not`` (a condition)
combine; every other key names a declared attribute and gives one allowed value or a list of
them. Several keys in one mapping must all hold. Nothing here ever evaluates code.
"""

from __future__ import annotations

from typing import Any, Mapping, overload

from sarcoma_sim.pathways.model import AllOf, AnyOf, Condition, Match, Not

COMBINATORS = ("all", "any", "not")
# attribute -> value id -> how the value reads on a diagram ("kit_exon" -> "exon9" -> "exon 9")
ValueLabels = Mapping[str, Mapping[str, str]]


def parse_condition(raw: Mapping[str, Any]) -> Condition:
    """Turn an already schema-checked condition mapping into a ``Condition`` tree."""
    parts: list[Condition] = []
    for key, value in raw.items():
        if key == "all":
            parts.append(AllOf(tuple(parse_condition(v) for v in value)))
        elif key == "any":
            parts.append(AnyOf(tuple(parse_condition(v) for v in value)))
        elif key == "not":
            parts.append(Not(parse_condition(value)))
        else:
            values = (value,) if isinstance(value, str) else tuple(value)
            parts.append(Match(key, values))
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def iter_matches(condition: Condition | None):
    """Every ``Match`` leaf of a condition, depth first."""
    if condition is None:
        return
    if isinstance(condition, Match):
        yield condition
    elif isinstance(condition, Not):
        yield from iter_matches(condition.part)
    else:
        for part in condition.parts:
            yield from iter_matches(part)


def holds(condition: Condition | None, facts: Mapping[str, Any]) -> bool:
    """Whether ``condition`` holds for ``facts`` (patient and event attributes by name).

    A missing or unknown fact matches nothing, so an unconditioned "otherwise" edge catches it.
    """
    if condition is None:
        return True
    if isinstance(condition, Match):
        return facts.get(condition.attribute) in condition.values
    if isinstance(condition, Not):
        return not holds(condition.part, facts)
    if isinstance(condition, AllOf):
        return all(holds(part, facts) for part in condition.parts)
    return any(holds(part, facts) for part in condition.parts)


# The overloads say what the body does: words for a condition, None for no condition.
@overload
def describe(condition: Condition) -> str: ...


@overload
def describe(condition: None) -> None: ...


@overload
def describe(condition: Condition | None) -> str | None: ...


def describe(condition: Condition | None) -> str | None:
    """The condition in readable words, e.g. ``kit_exon = exon9 and not (alk = positive)``."""
    if condition is None:
        return None
    if isinstance(condition, Match):
        if len(condition.values) == 1:
            return f"{condition.attribute} = {condition.values[0]}"
        return f"{condition.attribute} in {{{', '.join(condition.values)}}}"
    if isinstance(condition, Not):
        return f"not ({describe(condition.part)})"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    texts = [describe(p) for p in condition.parts]
    if len(texts) > 1:
        texts = [f"({t})" if isinstance(p, (AllOf, AnyOf)) else t
                 for t, p in zip(texts, condition.parts)]
    return joiner.join(texts)


@overload
def describe_plain(condition: Condition, labels: Mapping[str, str] | None = None,
                   values: ValueLabels | None = None) -> str: ...


@overload
def describe_plain(condition: None, labels: Mapping[str, str] | None = None,
                   values: ValueLabels | None = None) -> None: ...


@overload
def describe_plain(condition: Condition | None, labels: Mapping[str, str] | None = None,
                   values: ValueLabels | None = None) -> str | None: ...


def describe_plain(condition: Condition | None, labels: Mapping[str, str] | None = None,
                   values: ValueLabels | None = None) -> str | None:
    """The condition in the shortest plain words, for diagram edge labels (``limited``, ``exon9 or exon11``).

    Attribute names are left out (the edge's source state says what is tested) unless ``labels``
    gives the attribute a display label, which then comes first: ``KIT exon9``. A value reads as
    ``values`` gives it for its attribute (``{"kit_exon": {"exon9": "exon 9"}}``: ``KIT exon 9``),
    else as its id with spaces for underscores.
    """
    if condition is None:
        return None
    if isinstance(condition, Match):
        shown = (values or {}).get(condition.attribute) or {}
        said = " or ".join(shown.get(v) or v.replace("_", " ") for v in condition.values)
        label = (labels or {}).get(condition.attribute)
        return f"{within_phrase(label)} {said}" if label else said
    if isinstance(condition, Not):
        return f"not {_grouped_plain(condition.part, labels, values)}"
    joiner = ", " if isinstance(condition, AllOf) else " or "
    return joiner.join(_grouped_plain(p, labels, values) for p in condition.parts)


def within_phrase(label: str) -> str:
    """A display label as it reads inside an arrow's phrase ("start, resection morbidity severe",
    "if sunitinib 37.5 mg continuous daily chosen"): its first letter lower case, unless its first
    word is an abbreviation ("KIT", "NTRK fusion", "NTRK inhibitor")."""
    first = label.split()[0] if label.split() else label
    return label if first.isupper() else label[:1].lower() + label[1:]


def _grouped_plain(condition: Condition, labels: Mapping[str, str] | None, values: ValueLabels | None) -> str:
    """A part of a larger condition in plain words, bracketed when it has parts of its own: a
    label must not read "not KIT wild type, SDH deficient" for "not (KIT wild type, SDH deficient)",
    the opposite of the pathway for a resident reading the arrow."""
    text = describe_plain(condition, labels, values)
    compound = (isinstance(condition, (AllOf, AnyOf)) and len(condition.parts) > 1) or (
        isinstance(condition, Match) and len(condition.values) > 1)
    return f"({text})" if compound else text
