"""Tests of the pathway validator: one per problem class, each checking file, line and path."""

from __future__ import annotations

import pytest

from sarcoma_sim.errors import PathwayError, PathwaySyntaxError, PathwayValidationError
from sarcoma_sim.pathways.load import parse_pathway
from sarcoma_sim.pathways.validate import pathway_schema


def problems(text: str) -> list[str]:
    """The problem lines the validator reports for ``text`` (empty when valid)."""
    try:
        parse_pathway(text, "demo.yaml")
    except PathwayError as error:
        return [str(p) for p in error.problems]
    return []


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line of ``text`` containing ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_small_pathway_is_valid(small_pathway_text):
    """The fixture pathway has no problems, so each mutation below isolates one."""
    assert problems(small_pathway_text) == []


def test_yaml_syntax_error_has_line_and_column(small_pathway_text):
    """A YAML syntax error names the file, the line and the column."""
    text = small_pathway_text.replace("label: Drug A", "label: [Drug A")
    with pytest.raises(PathwaySyntaxError) as info:
        parse_pathway(text, "demo.yaml")
    assert str(info.value).startswith("demo.yaml:")
    assert "YAML syntax error, column" in str(info.value)


def test_unknown_key(small_pathway_text):
    """An unknown key is named with the keys that are allowed there."""
    text = small_pathway_text.replace("    label: Drug A", "    label: Drug A\n    colour: red")
    line = line_of(text, "colour: red")
    assert f"demo.yaml:{line} at states.drug_a.colour: unknown key 'colour'; expected only beyond_source, kind, " \
           "label, note, regimen, sources, tests" in problems(text)


def test_missing_required_key(small_pathway_text):
    """A missing required key is named at its parent's path."""
    text = small_pathway_text.replace("    kind: terminal\n", "")
    assert any("at states.end: 'kind' is required but missing" in p for p in problems(text))


def test_every_missing_required_key_is_named_once(small_pathway_text):
    """Two missing keys give two problems, one per key, each naming its key."""
    text = small_pathway_text.replace("    kind: terminal\n    label: End\n", "    note: gone\n")
    found = [p for p in problems(text) if "required but missing" in p]
    assert [p.split(": ", 1)[1] for p in found] == ["'kind' is required but missing", "'label' is required but missing"]
    assert all(" at states.end: " in p for p in found)


def test_wrong_type(small_pathway_text):
    """A value of the wrong type says what type was expected."""
    text = small_pathway_text.replace("line: 2}", "line: second}")
    line = line_of(text, "line: second")
    assert f"demo.yaml:{line} at states.drug_b.regimen.line: expected integer, got str 'second'" in problems(text)


def test_unknown_kind(small_pathway_text):
    """A state kind outside the five kinds lists the allowed kinds."""
    text = small_pathway_text.replace("kind: terminal", "kind: final")
    assert any("at states.end.kind: 'final' is not allowed; expected one of workup, therapy, surgery, "
               "assessment, terminal" in p for p in problems(text))


def test_duplicate_state(small_pathway_text):
    """A state declared twice is refused, naming the first declaration's line."""
    text = small_pathway_text.replace("  end:\n    kind: terminal\n    label: End\n",
                                      "  end:\n    kind: terminal\n    label: End\n"
                                      "  drug_a:\n    kind: terminal\n    label: Again\n")
    with pytest.raises(PathwaySyntaxError) as info:
        parse_pathway(text, "demo.yaml")
    first = line_of(text, "  drug_a:")
    assert f"at states.drug_a: duplicate key 'drug_a' (first given on line {first})" in str(info.value)


def test_transition_to_unknown_state(small_pathway_text):
    """A transition to an undeclared state is located at its ``to`` key."""
    text = small_pathway_text.replace("from: drug_b, to: end", "from: drug_b, to: ending")
    line = line_of(text, "to: ending")
    assert any(p.startswith(f"demo.yaml:{line} at transitions[4].to: unknown state 'ending'")
               for p in problems(text))


def test_transition_from_unknown_state(small_pathway_text):
    """A transition from an undeclared state is located at its ``from`` key."""
    text = small_pathway_text.replace("from: drug_b, to: end", "from: drug_c, to: end")
    line = line_of(text, "from: drug_c")
    assert any(p.startswith(f"demo.yaml:{line} at transitions[4].from: unknown state 'drug_c'")
               for p in problems(text))


def test_unknown_initial_state(small_pathway_text):
    """An initial state that is not declared is named."""
    text = small_pathway_text.replace("initial: workup", "initial: diagnosis")
    assert "demo.yaml:3 at initial: initial state 'diagnosis' is not a declared state" in problems(text)


def test_unreachable_state(small_pathway_text):
    """A state no transition leads to is unreachable from the initial state."""
    text = small_pathway_text.replace("  end:\n", "  orphan:\n    kind: terminal\n    label: Orphan\n  end:\n")
    line = line_of(text, "  orphan:")
    assert f"demo.yaml:{line} at states.orphan: state 'orphan' cannot be reached from the initial state " \
           "'workup'" in problems(text)


def test_state_without_way_to_end(small_pathway_text):
    """A non-terminal state with no path to a terminal state is reported."""
    text = small_pathway_text.replace("  - {event: progression, from: drug_b, to: end}\n",
                                      "  - {event: progression, from: drug_b, to: drug_b, sources: [trial-x]}\n")
    line = line_of(text, "  drug_b:")
    assert f"demo.yaml:{line} at states.drug_b: state 'drug_b' has no way to an end (terminal) state" \
        in problems(text)


def test_terminal_state_with_outgoing_transition(small_pathway_text):
    """A terminal state may not have outgoing transitions."""
    text = small_pathway_text + "  - {event: progression, from: end, to: workup}\n"
    line = line_of(text, "from: end, to: workup")
    assert f"demo.yaml:{line} at transitions[5].from: terminal state 'end' cannot have outgoing transitions" \
        in problems(text)


def test_otherwise_not_last(small_pathway_text):
    """An unconditioned transition followed by another of the same event and state is reported."""
    text = small_pathway_text.replace(
        "  - {event: start, from: workup, to: end}\n", "").replace(
        "  - {event: start, from: workup, to: drug_a, when: {marker: positive}, sources: [source-guideline]}\n",
        "  - {event: start, from: workup, to: end}\n"
        "  - {event: start, from: workup, to: drug_a, when: {marker: positive}, sources: [source-guideline]}\n")
    line = line_of(text, "to: drug_a, when")
    assert any(p.startswith(f"demo.yaml:{line} at transitions[1]: transition on 'start' from 'workup' can never "
                            "fire: transitions[0]") for p in problems(text))


def test_condition_on_undeclared_attribute(small_pathway_text):
    """A condition reading an undeclared attribute lists the declared ones."""
    text = small_pathway_text.replace("when: {marker: positive}", "when: {kit_exon: exon9}")
    line = line_of(text, "kit_exon: exon9")
    assert f"demo.yaml:{line} at transitions[0].when.kit_exon: condition reads undeclared attribute " \
           "'kit_exon'; declared: extent, marker" in problems(text)


def test_condition_value_outside_declared_values(small_pathway_text):
    """A condition value outside the attribute's declared values lists the allowed values."""
    text = small_pathway_text.replace("when: {marker: positive}", "when: {marker: [positive, maybe]}")
    line = line_of(text, "maybe")
    assert f"demo.yaml:{line} at transitions[0].when.marker: 'maybe' is not a declared value of 'marker'; " \
           "expected one of positive, negative" in problems(text)


def test_value_label_for_an_undeclared_value(small_pathway_text):
    """A value label for a value the attribute does not declare is located and lists the declared values."""
    text = small_pathway_text.replace("    values: [positive, negative]\n",
                                      "    values: [positive, negative]\n    value_labels: {positve: Positive}\n", 1)
    line = line_of(text, "positve: Positive")
    assert f"demo.yaml:{line} at attributes.marker.value_labels.positve: 'positve' is not a declared value; " \
           "expected one of positive, negative" in problems(text)


@pytest.mark.parametrize("written, where, said", [
    ("{positive: 9}", "value_labels.positive", "expected string"),
    ("[positive]", "value_labels", "expected object"),
    ("{positive: ''}", "value_labels.positive", "expected text of at least 1 character(s), got ''"),
    ("{9: nine}", "value_labels[9]", "9 is not a declared value"),
])
def test_malformed_value_labels_are_located(small_pathway_text, written, where, said):
    """Value labels that are not a mapping of declared values to words are errors at their line and path."""
    text = small_pathway_text.replace("    values: [positive, negative]\n",
                                      f"    values: [positive, negative]\n    value_labels: {written}\n", 1)
    line = line_of(text, "value_labels")
    found = [p for p in problems(text) if p.startswith(f"demo.yaml:{line} at attributes.marker.{where}: ")]
    assert found and said in found[0], problems(text)


def test_nested_condition_is_checked(small_pathway_text):
    """Attributes inside all/any/not are checked too, with the full path."""
    text = small_pathway_text.replace("when: {marker: positive}",
                                      "when: {not: {any: [{marker: positive}, {size: big}]}}")
    assert any("at transitions[0].when.not.any[1].size: condition reads undeclared attribute 'size'" in p
               for p in problems(text))


def test_therapy_without_regimen(small_pathway_text):
    """A therapy state must name its regimen."""
    text = small_pathway_text.replace("    regimen: {drugs: [druga], dose: 100 mg daily, line: 1}\n", "")
    line = line_of(text, "  drug_a:")
    assert f"demo.yaml:{line} at states.drug_a: therapy state 'drug_a' has no regimen" in problems(text)


def test_therapy_without_source(small_pathway_text):
    """A therapy state must cite a source."""
    text = small_pathway_text.replace("    sources: [source-guideline]\n  drug_b:", "  drug_b:")
    line = line_of(text, "  drug_a:")
    assert f"demo.yaml:{line} at states.drug_a: therapy state 'drug_a' cites no source" in problems(text)


def test_regimen_without_drugs_or_class(small_pathway_text):
    """A regimen with no drug and no drug class is reported."""
    text = small_pathway_text.replace("drugs: [druga]", "drugs: []")
    assert any("at states.drug_a.regimen: a regimen needs drugs" in p for p in problems(text))


def test_regimen_on_non_therapy_state(small_pathway_text):
    """Only therapy states carry a regimen."""
    text = small_pathway_text.replace("    label: Workup\n",
                                      "    label: Workup\n    regimen: {drugs: [druga], line: 1}\n")
    assert any("at states.workup.regimen: only therapy states have a regimen, not 'workup' states" in p
               for p in problems(text))


def test_unknown_source_id(small_pathway_text):
    """A cited source that the file does not declare lists the declared ids."""
    text = small_pathway_text.replace("sources: [trial-x]\n    beyond_source: true",
                                      "sources: [trial-y]\n    beyond_source: true")
    line = line_of(text, "sources: [trial-y]")
    assert f"demo.yaml:{line} at states.drug_b.sources[0]: unknown source id 'trial-y'; declared: " \
           "source-guideline, trial-x" in problems(text)


def test_duplicate_source_id(small_pathway_text):
    """A source id declared twice is reported."""
    text = small_pathway_text.replace("  - id: trial-x\n", "  - id: source-guideline\n    citation: again\n"
                                                          "  - id: trial-x\n")
    assert any("at sources[1].id: duplicate source id 'source-guideline'" in p for p in problems(text))


def test_transition_into_therapy_without_source(small_pathway_text):
    """A guideline-bearing transition (into therapy or surgery) must cite a source."""
    text = small_pathway_text.replace("when: {marker: positive}, sources: [source-guideline]}",
                                      "when: {marker: positive}}")
    line = line_of(text, "when: {marker: positive}}")
    assert f"demo.yaml:{line} at transitions[0]: transition into therapy state 'drug_a' cites no source" \
        in problems(text)


def test_beyond_source_must_be_marked(small_pathway_text):
    """A state citing only beyond-source evidence must say beyond_source: true."""
    text = small_pathway_text.replace("    sources: [trial-x]\n    beyond_source: true\n",
                                      "    sources: [trial-x]\n")
    assert any("at states.drug_b: state 'drug_b' cites only sources beyond the source guideline and must be "
               "marked beyond_source: true" in p for p in problems(text))


def test_beyond_source_mark_needs_beyond_source_citation(small_pathway_text):
    """A state marked beyond_source must cite a source that is beyond the source guideline."""
    text = small_pathway_text.replace("    sources: [source-guideline]\n  drug_b:",
                                      "    sources: [source-guideline]\n    beyond_source: true\n  drug_b:")
    assert any("at states.drug_a: state 'drug_a' is marked beyond_source but cites no source marked "
               "beyond_source" in p for p in problems(text))


def test_monitoring_interval_order(small_pathway_text):
    """An imaging interval whose minimum exceeds its maximum is reported."""
    text = small_pathway_text.replace("{min: 2, max: 3}", "{min: 4, max: 3}")
    assert "demo.yaml:5 at monitoring.imaging_interval_months: min (4) is greater than max (3)" in problems(text)


def test_not_a_mapping():
    """A file that is not a mapping says what was expected."""
    assert problems("- just\n- a list\n") == [
        "demo.yaml:1: expected a mapping with id, name, initial, states, transitions; got list"]
    assert problems("") == ["demo.yaml: expected a mapping with id, name, initial, states, transitions; "
                            "got an empty file"]


def test_every_problem_is_reported_at_once(small_pathway_text):
    """Several independent problems are all reported in one run, sorted by line."""
    text = (small_pathway_text.replace("label: Drug A", "label: Drug A\n    colour: red")
            .replace("from: drug_b, to: end", "from: drug_b, to: ending")
            .replace("when: {marker: positive}", "when: {marker: maybe}"))
    with pytest.raises(PathwayValidationError) as info:
        parse_pathway(text, "demo.yaml")
    found = [p.message for p in info.value.problems]
    assert any("unknown key 'colour'" in m for m in found)
    assert any("unknown state 'ending'" in m for m in found)
    assert any("'maybe' is not a declared value" in m for m in found)
    lines = [p.line or 0 for p in info.value.problems]
    assert lines == sorted(lines)


def test_schema_is_a_valid_json_schema():
    """The shipped JSON Schema is itself valid Draft 2020-12."""
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(pathway_schema())


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_non_finite_numbers_are_refused_at_their_path(small_pathway_text, value):
    """``.inf`` or ``.nan`` anywhere (here the imaging interval) is refused: JSON cannot carry it."""
    text = small_pathway_text.replace("{min: 2, max: 3}", f"{{min: 2, max: {value}}}")
    found = problems(text)
    line = line_of(text, "imaging_interval_months")
    assert any(p.startswith(f"demo.yaml:{line} at monitoring.imaging_interval_months.max: expected a finite number")
               for p in found), found


def test_non_finite_dose_is_refused(small_pathway_text):
    """A non-finite number in a regimen is refused like any other."""
    text = small_pathway_text.replace("line: 1}", "line: 1, daily_dose_mg: .inf}")
    assert any("regimen.daily_dose_mg: expected a finite number" in p for p in problems(text))


def test_interval_beyond_the_longest_time_is_refused(small_pathway_text):
    """An imaging interval past MAX_MONTHS is refused, naming the limit."""
    from sarcoma_sim.pathways.validate import MAX_MONTHS

    text = small_pathway_text.replace("{min: 2, max: 3}", "{min: 2, max: 1.0e+300}")
    assert any(f"at most {MAX_MONTHS:,.0f} months" in p for p in problems(text))


def test_reviewed_date_is_read_and_shown(small_pathway_text):
    """A quoted review date is accepted and kept on the pathway (``show`` prints it)."""
    text = small_pathway_text.replace("\ninitial:", '\nreviewed: "2026-12-06"\ninitial:', 1)
    assert problems(text) == []
    assert parse_pathway(text, "demo.yaml").reviewed == "2026-12-06"


@pytest.mark.parametrize("value, words", [
    ('"2026-13-40"', "'2026-13-40' is not a calendar date; expected YYYY-MM-DD"),
    ('"6 Dec 2026"', "reviewed"),
    ("2026-12-06", "quote dates"),
])
def test_a_bad_review_date_is_named_with_its_line(small_pathway_text, value, words):
    """An impossible, misspelt or unquoted review date is an error at its line."""
    text = small_pathway_text.replace("\ninitial:", f"\nreviewed: {value}\ninitial:", 1)
    found = problems(text)
    assert found and any(words in p and f"demo.yaml:{line_of(text, 'reviewed:')}" in p for p in found), found
