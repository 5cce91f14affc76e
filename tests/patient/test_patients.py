"""Tests of the patient record: checked attributes and CYP3A4 co-medication."""

from __future__ import annotations

import pytest

from sarcoma_sim.errors import ScenarioError
from sarcoma_sim.pathways.load import load_subtype
from sarcoma_sim.patient.record import make_patient, normalise_drug_name


def test_valid_patient():
    """Declared attributes with allowed values make a patient."""
    patient = make_patient(load_subtype("gist"), {"kit_exon": "exon9", "pdgfra": "none"})
    assert patient.subtype == "gist" and patient.facts == {"kit_exon": "exon9", "pdgfra": "none",
                                                           "ntrk_fusion": "not_tested", "sdh": "not_tested",
                                                           "setting": "advanced"}


def test_a_setting_not_given_is_recorded_as_the_pathway_s_default():
    """A DFSP without a setting takes the pathway's default (advanced) and the record says it was assumed;
    given, it is not; an untested marker is not an assumption."""
    dfsp = load_subtype("dfsp")
    assumed = make_patient(dfsp, {"ntrk_fusion": "negative"})
    assert assumed.facts["setting"] == "advanced" and assumed.defaulted == ("setting",)
    assert make_patient(dfsp, {"setting": "advanced"}).defaulted == ()
    assert "ntrk_fusion" not in make_patient(dfsp, {"setting": "localised"}).defaulted


def test_the_run_report_says_a_default_setting_was_not_given(capsys, tmp_path):
    """``sarcoma-sim run`` marks a fact taken from the pathway's default, in text and in JSON."""
    import json

    from helpers.cli_runner import run_cli

    case = tmp_path / "dfsp.yaml"
    case.write_text("patient: {subtype: dfsp, markers: {ntrk_fusion: negative}}\nstart: 0\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "run", str(case))
    assert code == 0, err
    assert "setting advanced (not given: the pathway's default)" in out
    code, out, _ = run_cli(capsys, "run", str(case), "--format", "json")
    assert json.loads(out)["patient"]["defaulted"] == ["setting"]


def test_unknown_attribute_lists_the_allowed_ones():
    """An attribute the subtype does not declare is named with the allowed attributes."""
    with pytest.raises(ScenarioError, match=r"at patient\.alk: unknown patient attribute 'alk' for subtype "
                                           r"'gist'; expected one of: kit_exon, pdgfra"):
        make_patient(load_subtype("gist"), {"alk": "positive"}, file="case.yaml")


def test_value_outside_allowed_values():
    """A value outside the declared values is named with the allowed values."""
    with pytest.raises(ScenarioError, match="'exon10' is not an allowed value of 'kit_exon'; expected one of: "
                                           "exon11, exon9"):
        make_patient(load_subtype("gist"), {"kit_exon": "exon10"})


def test_event_attributes_are_not_patient_attributes():
    """Event attributes (extent, option) cannot be set on a patient."""
    with pytest.raises(ScenarioError, match="unknown patient attribute 'extent'"):
        make_patient(load_subtype("gist"), {"extent": "limited"})


def test_comedications_are_normalised_and_classified():
    """Drug names are normalised and strong CYP3A4 modulators recognised."""
    patient = make_patient(load_subtype("gist"), {}, comedications=["Clarithromycin", "St John's wort", "aspirin"])
    assert patient.comedications == ("clarithromycin", "st johns wort", "aspirin")
    assert patient.cyp3a4_inhibitors == ("clarithromycin",)
    assert patient.cyp3a4_inducers == ("st johns wort",)


def test_empty_comedication_is_an_error():
    """A blank or non-text co-medication is an error naming its index."""
    with pytest.raises(ScenarioError, match=r"patient\.comedications\[1\]: expected a drug name"):
        make_patient(load_subtype("gist"), {}, comedications=["aspirin", ""])


def test_normalise_drug_name():
    """Case, apostrophes, hyphens and spaces are folded."""
    assert normalise_drug_name("  St.-John’s  Wort ") == "st. johns wort"


def test_contradictory_markers_are_an_error():
    """A GIST with both a KIT and a PDGFRA mutation is refused, naming both attributes."""
    with pytest.raises(ScenarioError, match="kit_exon 'exon9' and pdgfra 'd842v' contradict each other"):
        make_patient(load_subtype("gist"), {"kit_exon": "exon9", "pdgfra": "d842v"})
    assert make_patient(load_subtype("gist"), {"kit_exon": "wild_type", "pdgfra": "d842v"}).facts["pdgfra"] == "d842v"


def test_subtype_without_markers_says_so():
    """An attribute given for a subtype that declares none says that the subtype declares none."""
    with pytest.raises(ScenarioError, match="unknown patient attribute 'alk' for subtype 'emc'; expected one of: "
                                            "ntrk_fusion"):
        make_patient(load_subtype("emc"), {"alk": "positive"})
