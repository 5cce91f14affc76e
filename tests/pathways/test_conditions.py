"""Tests of data conditions: parsing, evaluation and readable text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sarcoma_sim.pathways.conditions import (
    describe,
    describe_plain,
    holds,
    iter_matches,
    parse_condition,
    within_phrase,
)
from sarcoma_sim.pathways.model import AllOf, AnyOf, Match, Not


def test_single_match_parses_and_holds():
    """``{extent: limited}`` holds only when the fact is limited."""
    condition = parse_condition({"extent": "limited"})
    assert condition == Match("extent", ("limited",))
    assert holds(condition, {"extent": "limited"})
    assert not holds(condition, {"extent": "widespread"})


def test_list_of_values_is_membership():
    """A list of values holds when the fact is any of them."""
    condition = parse_condition({"kit_exon": ["exon9", "exon11"]})
    assert holds(condition, {"kit_exon": "exon11"})
    assert not holds(condition, {"kit_exon": "exon13"})


def test_several_keys_must_all_hold():
    """Several attributes in one mapping combine with and."""
    condition = parse_condition({"ntrk_fusion": "positive", "option": "entrectinib"})
    assert isinstance(condition, AllOf)
    assert holds(condition, {"ntrk_fusion": "positive", "option": "entrectinib"})
    assert not holds(condition, {"ntrk_fusion": "positive"})


def test_combinators_nest():
    """all/any/not combine and nest as written."""
    condition = parse_condition({"any": [{"a": "x"}, {"not": {"b": "y"}}]})
    assert condition == AnyOf((Match("a", ("x",)), Not(Match("b", ("y",)))))
    assert holds(condition, {"a": "x", "b": "y"})
    assert holds(condition, {"a": "z", "b": "z"})
    assert not holds(condition, {"a": "z", "b": "y"})


def test_missing_fact_matches_nothing():
    """A fact that is absent never matches, so the otherwise edge catches the case."""
    assert not holds(parse_condition({"alk": "positive"}), {})
    assert holds(None, {})


def test_describe_is_readable():
    """Conditions render as readable text, with parentheses where needed."""
    assert describe(parse_condition({"extent": "limited"})) == "extent = limited"
    assert describe(parse_condition({"kit_exon": ["exon9", "exon11"]})) == "kit_exon in {exon9, exon11}"
    text = describe(parse_condition({"all": [{"a": "x"}, {"any": [{"b": "y"}, {"c": "z"}]}]}))
    assert text == "a = x and (b = y or c = z)"
    assert describe(None) is None


def test_describe_plain_is_short():
    """Plain descriptions drop attribute names for diagram labels."""
    assert describe_plain(parse_condition({"extent": "limited"})) == "limited"
    assert describe_plain(parse_condition({"option": "sunitinib_37_5_continuous"})) == "sunitinib 37 5 continuous"
    assert describe_plain(parse_condition({"not": {"alk": "positive"}})) == "not positive"


def test_a_display_label_reads_in_lower_case_inside_a_phrase():
    """A label that is a word reads lower case inside an arrow's phrase (TGCT: "resection morbidity
    severe", not "Resection morbidity severe"; an option named by its state's label); an
    abbreviation keeps its capitals ("KIT exon9")."""
    labels = {"resection_morbidity": "Resection morbidity", "kit_exon": "KIT", "ntrk_fusion": "NTRK fusion"}
    said = describe_plain(parse_condition({"all": [{"resection_morbidity": "severe"}, {"kit_exon": "exon9"}]}), labels)
    assert said == "resection morbidity severe, KIT exon9"
    assert describe_plain(parse_condition({"not": {"ntrk_fusion": "positive"}}), labels) == "not NTRK fusion positive"
    assert within_phrase("Sunitinib 37.5 mg continuous daily") == "sunitinib 37.5 mg continuous daily"
    assert within_phrase("NTRK inhibitor, larotrectinib") == "NTRK inhibitor, larotrectinib"


def test_iter_matches_finds_every_leaf():
    """Every attribute a condition reads is visited."""
    condition = parse_condition({"all": [{"a": "x"}, {"not": {"b": "y"}}], "c": "z"})
    assert sorted(m.attribute for m in iter_matches(condition)) == ["a", "b", "c"]


names = st.sampled_from(["a", "b", "c"])
values = st.sampled_from(["x", "y"])
leaf = st.builds(lambda n, v: {n: v}, names, values)
conditions = st.recursive(leaf, lambda inner: st.one_of(
    st.builds(lambda parts: {"all": parts}, st.lists(inner, min_size=1, max_size=3)),
    st.builds(lambda parts: {"any": parts}, st.lists(inner, min_size=1, max_size=3)),
    st.builds(lambda part: {"not": part}, inner)), max_leaves=8)


def _reference(raw, facts):
    (key, value), = raw.items()
    if key == "all":
        return all(_reference(p, facts) for p in value)
    if key == "any":
        return any(_reference(p, facts) for p in value)
    if key == "not":
        return not _reference(value, facts)
    return facts.get(key) == value


@given(conditions, st.fixed_dictionaries({"a": values, "b": values, "c": values}))
def test_holds_agrees_with_a_direct_reading(raw, facts):
    """For random nested conditions, ``holds`` equals a direct reading of the mapping."""
    assert holds(parse_condition(raw), facts) == _reference(raw, facts)


def test_describe_plain_puts_an_attribute_label_first():
    """With a display label the attribute is named before its value ("KIT exon9"); other attributes stay bare."""
    condition = parse_condition({"all": [{"kit_exon": "exon9"}, {"extent": "limited"}]})
    assert describe_plain(condition, {"kit_exon": "KIT"}) == "KIT exon9, limited"


def test_describe_plain_reads_values_as_declared():
    """A value with a declared label reads as that label ("KIT exon 9", "PDGFRA D842V"), inside a
    negation too; undeclared values read as their ids with spaces."""
    labels = {"kit_exon": "KIT", "pdgfra": "PDGFRA"}
    values = {"kit_exon": {"exon9": "exon 9"}, "pdgfra": {"d842v": "D842V"}}
    condition = parse_condition({"all": [{"kit_exon": ["exon9", "wild_type"]}, {"not": {"pdgfra": "d842v"}}]})
    assert describe_plain(condition, labels, values) == "(KIT exon 9 or wild type), not PDGFRA D842V"


def test_describe_plain_brackets_a_negated_group():
    """A negated group reads "not (...)": GIST's adjuvant arrow must not say "SDH deficient" unnegated."""
    condition = parse_condition({"all": [{"risk": "high"}, {"not": {"all": [
        {"kit_exon": "wild_type"}, {"pdgfra": "none"}, {"sdh": "deficient"}]}}]})
    labels = {"kit_exon": "KIT", "pdgfra": "PDGFRA", "sdh": "SDH"}
    assert describe_plain(condition, labels) == "high, not (KIT wild type, PDGFRA none, SDH deficient)"
    assert describe_plain(parse_condition({"not": {"kit_exon": ["exon9", "exon11"]}})) == "not (exon9 or exon11)"


def _read_plain(text: str, facts) -> bool:
    """Evaluate a plain description with attribute labels (", " and, " or " or, "not ", brackets);
    a level that mixes ", " and " or " without brackets is ambiguous and fails the test."""
    position = 0

    def unit() -> bool:
        nonlocal position
        if text.startswith("not ", position):
            position += 4
            return not unit()
        if text[position] == "(":
            position += 1
            value = expression()
            assert text[position] == ")"
            position += 1
            return value
        label, value = text[position], text[position + 2]
        position += 3
        return facts[label.lower()] == value

    def expression() -> bool:
        nonlocal position
        values, joiners = [unit()], set()
        while text.startswith((", ", " or "), position):
            joiner = ", " if text.startswith(", ", position) else " or "
            joiners.add(joiner)
            position += len(joiner)
            values.append(unit())
        assert len(joiners) <= 1, f"ambiguous: {text!r}"
        return any(values) if joiners == {" or "} else all(values)

    value = expression()
    assert position == len(text), text
    return value


@given(conditions, st.fixed_dictionaries({"a": values, "b": values, "c": values}))
def test_describe_plain_reads_back_as_the_condition(raw, facts):
    """Any nested condition's label, read with its brackets, holds exactly when the condition does."""
    condition = parse_condition(raw)
    text = describe_plain(condition, {"a": "A", "b": "B", "c": "C"})
    assert _read_plain(text, facts) == holds(condition, facts)
