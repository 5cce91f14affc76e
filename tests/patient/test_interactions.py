"""Tests for sarcoma_sim.patient.interactions: the drug-interaction table, checks, synonyms and the unchecked note."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.cli.dispatch import main
from sarcoma_sim.pathways.load import load_subtype
from sarcoma_sim.pathways.yamlsource import parse_yaml
from sarcoma_sim.patient.interactions import (
    NOT_IN_TABLE,
    InteractionTableError,
    describe_comedication,
    load_table,
    table_from_document,
)
from sarcoma_sim.patient.record import make_patient
from sarcoma_sim.patient.wording import patient_line

from helpers.budget import examples

GOOD = """\
comedications:
  clarithromycin: {cyp3a4: strong_inhibitor, synonyms: [biaxin], source: "label", mark: S}
drugs:
  sunitinib:
    synonyms: [sutent]
    classes: [anti-angiogenic TKI]
    guidance:
      strong_inhibitor:
        - {schedules: [any], advice: "reduce", source: "label", mark: S}
"""


def problems(text: str) -> list[str]:
    """The located problems of an interaction table text (empty when it is valid)."""
    try:
        table_from_document(parse_yaml(text, "table.yaml"))
    except InteractionTableError as error:
        return [str(p) for p in error.problems]
    return []


def test_a_good_table_is_read():
    """A well-formed table gives its co-medications, drugs, synonyms and guidance."""
    table = table_from_document(parse_yaml(GOOD, "table.yaml"))
    assert table.role("Biaxin") == "strong_inhibitor"
    assert table.drugs["sunitinib"].guidance_for("strong_inhibitor", "continuously").advice == "reduce"


def test_an_unknown_role_is_located_with_the_allowed_ones():
    """A CYP3A4 role outside the list is refused at its file, line and path."""
    found = problems(GOOD.replace("cyp3a4: strong_inhibitor", "cyp3a4: very_strong"))
    assert found == ["table.yaml:2 at comedications.clarithromycin.cyp3a4: 'very_strong' is not allowed; expected one "
                     "of strong_inhibitor, moderate_inhibitor, strong_inducer, moderate_inducer, weak_inhibitor, "
                     "weak_inducer, other_inhibitor, other_inducer, none"]


def test_guidance_for_a_weak_strength_is_refused_at_its_line():
    """Labels give guidance for strong and moderate modulators only: a weak_inhibitor guidance key is located."""
    found = problems(GOOD.replace("      strong_inhibitor:\n", "      weak_inhibitor:\n"))
    assert found == ["table.yaml:8 at drugs.sunitinib.guidance.weak_inhibitor: unknown role 'weak_inhibitor'; "
                     "expected one of strong_inhibitor, moderate_inhibitor, strong_inducer, moderate_inducer"]


def test_a_moderate_guidance_entry_is_read_by_strength():
    """A moderate_inducer entry is kept apart from the strong ones: each strength finds only its own advice."""
    text = GOOD + ("      moderate_inducer:\n"
                   "        - {schedules: [any], advice: \"twice daily\", source: \"label\", mark: S}\n")
    drug = table_from_document(parse_yaml(text, "table.yaml")).drugs["sunitinib"]
    assert drug.guidance_for("moderate_inducer", None).advice == "twice daily"
    assert drug.guidance_for("strong_inducer", None) is None and drug.guidance_for("moderate_inhibitor", None) is None


def test_a_block_appended_at_the_end_in_the_strong_only_format_still_reads():
    """A drug block in the format before strengths, appended under drugs:, is valid as it stands."""
    block = ("  # appended block\n  nirogacestat:\n    synonyms: [ogsiveo]\n    classes: [gamma secretase inhibitor]\n"
             "    guidance:\n      strong_inhibitor:\n"
             "        - {schedules: [any], advice: \"avoid\", source: \"label\", mark: S}\n")
    table = table_from_document(parse_yaml(GOOD + block, "table.yaml"))
    assert table.generic_name("Ogsiveo") == "nirogacestat"
    assert table.drugs["nirogacestat"].guidance_for("strong_inhibitor", "any").advice == "avoid"


def test_a_bad_strength_on_a_co_medication_is_located_with_its_line():
    """A misspelt strength on the third line of a co-medication list names that line and path."""
    text = GOOD.replace("comedications:\n", "comedications:\n"
                        "  diltiazem: {cyp3a4: moderate_inhibitor, source: s, mark: S}\n"
                        "  efavirenz: {cyp3a4: moderat_inducer, source: s, mark: S}\n")
    found = problems(text)
    assert len(found) == 1 and found[0].startswith("table.yaml:3 at comedications.efavirenz.cyp3a4: 'moderat_inducer' ")


def test_a_missing_source_and_a_bad_mark_are_both_reported():
    """Every problem is reported at once: a guidance entry without a source and with mark X."""
    found = problems(GOOD.replace('{schedules: [any], advice: "reduce", source: "label", mark: S}',
                                  '{schedules: [any], advice: "reduce", mark: X}'))
    text = "\n".join(found)
    assert "drugs.sunitinib.guidance.strong_inhibitor[0]: 'source' is required but missing" in text
    assert "drugs.sunitinib.guidance.strong_inhibitor[0].mark: 'X' is not allowed; expected one of S, U" in text


def test_a_name_that_means_two_drugs_is_refused():
    """A synonym used by two entries would make a co-medication ambiguous: refused, naming the first owner."""
    found = problems(GOOD.replace("synonyms: [sutent]", "synonyms: [biaxin]"))
    assert any("the name 'biaxin' is already used by comedications.clarithromycin" in p for p in found)


def test_unknown_keys_are_named():
    """A misspelt key is named with the keys allowed there."""
    found = problems(GOOD.replace("classes: [anti-angiogenic TKI]", "clases: [anti-angiogenic TKI]"))
    assert any("drugs.sunitinib.clases: unknown key 'clases'; expected only synonyms, classes, guidance" in p
               for p in found)


@pytest.mark.parametrize("name, generic", [
    ("rifampin", "rifampicin"), ("Rifadin", "rifampicin"), ("Biaxin", "clarithromycin"),
    ("St John's wort", "st johns wort"),
    ("Tegretol", "carbamazepine"), ("phenobarbitone", "phenobarbital"), ("acetaminophen", "paracetamol"),
    ("Glivec", "imatinib"), ("Sutent", "sunitinib"),
])
def test_brand_us_and_uk_names_fold_to_the_generic_name(name, generic):
    """Brand, US and UK names are all read as the table's generic name."""
    assert load_table().generic_name(name) == generic


def test_the_issue_s_unrecognised_names_are_now_known():
    """rifampin, voriconazole, posaconazole, cobicistat, phenobarbital and grapefruit are in the table."""
    table = load_table()
    roles = {name: table.role(name) for name in ("rifampin", "voriconazole", "posaconazole", "cobicistat",
                                                 "phenobarbital", "grapefruit")}
    assert roles == {"rifampin": "strong_inducer", "voriconazole": "strong_inhibitor",
                     "posaconazole": "strong_inhibitor", "cobicistat": "strong_inhibitor",
                     "phenobarbital": "strong_inducer", "grapefruit": "other_inhibitor"}


@pytest.mark.parametrize("name, generic, role", [
    ("diltiazem", "diltiazem", "moderate_inhibitor"), ("Cardizem", "diltiazem", "moderate_inhibitor"),
    ("erythromycin", "erythromycin", "moderate_inhibitor"), ("Diflucan", "fluconazole", "moderate_inhibitor"),
    ("Isoptin", "verapamil", "moderate_inhibitor"), ("Calan", "verapamil", "moderate_inhibitor"),
    ("Sustiva", "efavirenz", "moderate_inducer"), ("bosentan", "bosentan", "moderate_inducer"),
    ("Tagamet", "cimetidine", "weak_inhibitor"), ("Biaxin", "clarithromycin", "strong_inhibitor"),
])
def test_co_medications_are_classed_by_strength(name, generic, role):
    """Moderate and weak modulators are in the table by strength, under brand and US/UK names too."""
    table = load_table()
    assert table.generic_name(name) == generic and table.role(name) == role


def test_each_strength_is_described_on_the_patient_line():
    """The patient line says which strength a co-medication is, and that a weak one has no label guidance."""
    table = load_table()
    assert describe_comedication(table, "Cardizem") == "Cardizem = diltiazem (moderate CYP3A4 inhibitor)"
    assert describe_comedication(table, "efavirenz") == "efavirenz (moderate CYP3A4 inducer)"
    assert "weak CYP3A4 inhibitor" in describe_comedication(table, "cimetidine")


def test_every_classed_co_medication_cites_where_its_strength_was_read():
    """Each co-medication with a strength names its source; the FDA-based ones point at the evidence section."""
    for entry in load_table().comedications.values():
        assert entry.source.strip()
        if entry.cyp3a4.startswith("moderate"):
            assert "CYP3A4 interaction strengths" in entry.source


@settings(max_examples=examples(50), deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=12))
def test_a_name_the_table_does_not_know_is_named_never_dropped(name):
    """Any co-medication the table lacks stays on the patient and is described as unchecked."""
    table = load_table()
    patient = make_patient(load_subtype("dfsp"), {}, [name])
    if table.generic_name(name) is None:
        assert patient.unchecked_comedications == (name,)
        assert describe_comedication(table, name) == f"{name} ({NOT_IN_TABLE})"
    else:
        assert patient.unchecked_comedications == ()


def test_the_unchecked_note_is_in_run_text_json_and_teach(capsys, tmp_path, monkeypatch):
    """run (text and --format json) and the teaching case all say "not in the interaction table: check it"."""
    case = tmp_path / "case.yaml"
    case.write_text("patient: {subtype: dfsp, markers: {ntrk_fusion: negative}, comedications: [metformin]}\n"
                    "start: 0\n", encoding="utf-8")
    assert main(["run", str(case)]) == 0
    assert f"co-medication: metformin ({NOT_IN_TABLE})" in capsys.readouterr().out
    assert main(["run", str(case), "--format", "json"]) == 0
    patient = json.loads(capsys.readouterr().out)["patient"]
    assert patient["not_in_interaction_table"] == ["metformin"]
    assert patient["comedication_notes"] == [f"metformin ({NOT_IN_TABLE})"]
    line = patient_line(make_patient(load_subtype("dfsp"), {}, ["metformin"]))
    assert line.endswith(f"co-medication: metformin ({NOT_IN_TABLE})")
