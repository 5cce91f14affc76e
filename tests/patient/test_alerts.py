"""Teaching alerts: each fires in its case and not in the guideline-concordant twin case."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.pathways.model import Regimen
from sarcoma_sim.patient.alerts import (
    ALERT_CODES,
    ALL_CITATIONS,
    RULES,
    interaction_findings,
    outside_pathway,
    same_therapy,
)
from sarcoma_sim.patient.interactions import GUIDED_ROLES, load_table
from sarcoma_sim.patient.record import Patient, make_patient
from sarcoma_sim.patient.sampling import consistent
from sarcoma_sim.patient.scenario import parse_scenario, run_scenario
from sarcoma_sim.patient.timeline import Timeline

from helpers.budget import examples
from helpers.paths import REPO

CLINICAL = REPO / "docs" / "clinical"


def codes(text: str) -> list[str]:
    """The alert codes of every step of the scenario ``text``, in order."""
    result = run_scenario(parse_scenario(text, "case.yaml"))
    return [a.code for s in result.steps for a in s.alerts]


def gist(markers: str, start: str = "0", events: str = "", meds: str = "[]") -> str:
    """A GIST scenario text."""
    return (f"patient: {{subtype: gist, markers: {markers}, comedications: {meds}}}\n"
            f"start: {start}\nevents:\n{events or '  []'}\n")


EXON11 = "{kit_exon: exon11, pdgfra: none}"


def test_every_alert_code_has_a_rule_and_description():
    """Each documented code is produced by a rule named after it (and no rule is undocumented)."""
    assert {rule.__name__.upper() for rule in RULES} == set(ALERT_CODES)


@pytest.mark.parametrize("citation", ALL_CITATIONS, ids=str)
def test_citation_quotes_are_on_their_lines(citation):
    """Every alert citation quotes text that is on the line it names in docs/clinical."""
    lines = (CLINICAL / citation.document).read_text(encoding="utf-8").splitlines()
    assert citation.quote in lines[citation.line - 1]


def test_subtype_mismatch_pazopanib_in_liposarcoma():
    """Pazopanib after an anthracycline in liposarcoma raises SUBTYPE_MISMATCH."""
    found = codes("patient: {subtype: liposarcoma}\nstart: 0\nevents:\n"
                  "  - {at: 6, event: progression, choose: pazopanib}\n")
    assert "SUBTYPE_MISMATCH" in found


def test_subtype_mismatch_twin_eribulin_in_liposarcoma():
    """Eribulin, the liposarcoma pathway's own step, raises no alert."""
    assert codes("patient: {subtype: liposarcoma}\nstart: 0\nevents:\n"
                 "  - {at: 6, event: progression, choose: eribulin}\n") == []


def test_subtype_mismatch_by_drug_class_when_no_drug_is_named():
    """A regimen that names only a drug class is compared by class: mTOR inhibitors fit PEComa, taxanes do not."""
    pecoma = load_subtype("pecoma")
    assert outside_pathway(pecoma, Regimen((), 1, drug_class="mTOR inhibitor")) is None
    assert outside_pathway(pecoma, Regimen((), 1, drug_class="taxane")) == "taxane"


def test_continued_after_widespread_progression():
    """Imatinib 400 mg kept after widespread progression raises CONTINUED_AFTER_PROGRESSION."""
    found = codes(gist(EXON11, events="  - {at: 20, event: progression, extent: widespread, choose: imatinib_400}"))
    assert "CONTINUED_AFTER_PROGRESSION" in found


def test_continued_after_limited_progression_without_resection():
    """Limited progression without the resection is no reason to continue imatinib 400 mg."""
    found = codes(gist(EXON11, events="  - {at: 20, event: progression, extent: limited, choose: imatinib_400}"))
    assert "CONTINUED_AFTER_PROGRESSION" in found


def test_continued_twin_limited_progression_with_resection():
    """Limited progression resected, imatinib continued after surgery: no alert (the source's reason)."""
    found = codes(gist(EXON11, events="  - {at: 20, event: progression, extent: limited}\n"
                                      "  - {at: 21, event: resected, choose: imatinib_400}"))
    assert found == []


def test_continued_twin_escalation_is_not_continuation():
    """Escalation to 800 mg after widespread progression is the guideline's step, not a continuation."""
    assert codes(gist(EXON11, events="  - {at: 20, event: progression, extent: widespread}")) == []


def test_continued_after_progression_in_asps():
    """The rule holds outside GIST: pazopanib continued after progression in ASPS."""
    found = codes("patient: {subtype: asps}\nstart: 0\nevents:\n  - {at: 9, event: progression, choose: pazopanib}\n")
    assert "CONTINUED_AFTER_PROGRESSION" in found


@pytest.mark.parametrize("current, given, expected", [
    (Regimen(("imatinib",), 1, daily_dose_mg=400), Regimen(("imatinib",), 1, daily_dose_mg=400), True),
    (Regimen(("imatinib",), 1, daily_dose_mg=400), Regimen(("imatinib",), 1, daily_dose_mg=800), False),
    (Regimen(("sunitinib",), 2, daily_dose_mg=50), Regimen(("sunitinib",), 2, daily_dose_mg=37.5), True),
    (Regimen(("pazopanib",), 1), Regimen(("pazopanib",), 1), True),
    (Regimen(("pazopanib",), 1), Regimen(("eribulin",), 2), False),
    (None, Regimen(("pazopanib",), 1), False),
    (Regimen((), 1, drug_class="anti-angiogenic"), Regimen((), 1, drug_class="anti-angiogenic"), True),
])
def test_same_therapy(current, given, expected):
    """Same drugs without a dose increase is a continuation; an escalation or another drug is not."""
    assert same_therapy(current, given) is expected


@given(st.sampled_from(["imatinib", "sunitinib", "pazopanib"]), st.floats(1, 1000), st.floats(1, 1000))
def test_same_therapy_only_escalation_breaks_continuation(drug, dose_a, dose_b):
    """With the same drug, only a strictly higher daily dose stops counting as a continuation."""
    a, b = Regimen((drug,), 1, daily_dose_mg=dose_a), Regimen((drug,), 1, daily_dose_mg=dose_b)
    assert same_therapy(a, b) is (dose_b <= dose_a)


SUNITINIB_PATH = ("  - {at: 22, event: progression, extent: widespread}\n"
                  "  - {at: 26, event: progression}")


def test_cyp3a4_inhibitor_with_sunitinib():
    """Every drug of the course whose label gives guidance alerts beside clarithromycin; on 4/2 sunitinib, 37.5 mg."""
    result = run_scenario(parse_scenario(gist(EXON11, events=SUNITINIB_PATH, meds="[clarithromycin]"), "c.yaml"))
    alerts = [a for s in result.steps for a in s.alerts]
    assert [a.code for a in alerts] == ["CYP3A4_INHIBITOR"] * 3
    message = alerts[-1].message
    assert "first select a co-medication with no or minimal CYP3A4 inhibition" in message
    assert "minimum of 37.5 mg once daily (GIST and RCC, 4 weeks on/2 weeks off)" in message
    assert "imatinib" in alerts[0].message and "caution" in alerts[0].message


def test_cyp3a4_inhibitor_twin_without_comedication():
    """The same course without the inhibitor raises nothing."""
    assert codes(gist(EXON11, events=SUNITINIB_PATH)) == []


def test_cyp3a4_inhibitor_on_the_continuous_schedule_gives_the_continuous_label_figure():
    """On 37.5 mg continuous, the alert says the label has no GIST figure there and gives pNET's 25 mg minimum."""
    events = ("  - {at: 22, event: progression, extent: widespread}\n"
              "  - {at: 26, event: progression, choose: sunitinib_37_5_continuous}")
    result = run_scenario(parse_scenario(gist(EXON11, events=events, meds="[Ketoconazole]"), "c.yaml"))
    message = result.steps[-1].alerts[0].message
    assert "no figure for GIST on the continuous daily schedule" in message and "minimum of 25 mg" in message
    assert "already at" not in message and "37.5 mg once daily (GIST and RCC" not in message


def test_cyp3a4_inducer_with_sunitinib_in_sft():
    """Sunitinib in SFT (37.5 mg continuous, issue 18) beside carbamazepine gives the continuous-dose maximum."""
    result = run_scenario(parse_scenario("patient: {subtype: sft, comedications: [carbamazepine]}\n"
                                         "start: {at: 0, choose: sunitinib}\n", "c.yaml"))
    alerts = result.steps[0].alerts
    assert [a.code for a in alerts] == ["CYP3A4_INDUCER"]
    assert "continuous daily" in alerts[0].message and "62.5 mg" in alerts[0].message


def test_cyp3a4_inducer_twin_without_the_inducer():
    """Sunitinib in SFT without a CYP3A4 modulator raises nothing."""
    assert codes("patient: {subtype: sft, markers: {ntrk_fusion: negative}}\nstart: {at: 0, choose: sunitinib}\n") == []


def test_imatinib_with_rifampin_alerts_with_the_unconfirmed_dose_increase():
    """Rifampin (the US name) is read as rifampicin; imatinib's label guidance is given and marked unconfirmed."""
    result = run_scenario(parse_scenario(gist(EXON11, meds="[Rifampin]"), "c.yaml"))
    (alert,) = result.steps[0].alerts
    assert alert.code == "CYP3A4_INDUCER" and "at least 50%" in alert.message and "unconfirmed" in alert.message
    assert result.patient.cyp3a4_inducers == ("rifampicin",)


def test_pazopanib_with_clarithromycin_gives_the_400_mg_label_dose():
    """Pazopanib beside a strong CYP3A4 inhibitor: the label's reduction to 400 mg once daily."""
    result = run_scenario(parse_scenario("patient: {subtype: asps, comedications: [Biaxin]}\nstart: 0\n", "c.yaml"))
    (alert,) = result.steps[0].alerts
    assert alert.code == "CYP3A4_INHIBITOR" and "reduce pazopanib to 400 mg once daily" in alert.message


def test_a_drug_without_cyp3a4_guidance_and_a_harmless_comedication_raise_nothing():
    """Paracetamol is in the table with no CYP3A4 role: no alert on the same pazopanib start."""
    assert codes("patient: {subtype: asps, comedications: [acetaminophen]}\nstart: 0\n") == []


D842V = "{kit_exon: wild_type, pdgfra: d842v, ntrk_fusion: negative}"


def test_avapritinib_with_a_moderate_inhibitor_gives_the_label_s_100_mg():
    """Diltiazem, a moderate inhibitor, beside avapritinib: the alert names the strength and the 100 mg start."""
    result = run_scenario(parse_scenario(gist(D842V, meds="[diltiazem]"), "c.yaml"))
    (alert,) = result.steps[0].alerts
    assert alert.code == "CYP3A4_INHIBITOR" and "a moderate CYP3A4 inhibitor" in alert.message
    assert "100 mg once daily" in alert.message
    assert any(s.startswith("diltiazem as a moderate CYP3A4 inhibitor") for s in alert.sources)


def test_avapritinib_with_a_strong_inhibitor_says_avoid_without_the_moderate_dose():
    """Beside clarithromycin (strong) avapritinib's label says avoid; the moderate 100 mg is not offered."""
    (alert,) = run_scenario(parse_scenario(gist(D842V, meds="[clarithromycin]"), "c.yaml")).steps[0].alerts
    assert "a strong CYP3A4 inhibitor" in alert.message and "100 mg" not in alert.message


def test_a_weak_inhibitor_and_an_unknown_co_medication_raise_nothing_but_the_unknown_is_named():
    """Cimetidine (weak) and metformin (unknown) beside avapritinib: no alert; metformin is named unchecked."""
    result = run_scenario(parse_scenario(gist(D842V, meds="[cimetidine, metformin]"), "c.yaml"))
    assert [a.code for s in result.steps for a in s.alerts] == []
    assert result.patient.unchecked_comedications == ("metformin",)


def test_a_moderate_inhibitor_beside_a_drug_with_strong_only_guidance_raises_nothing():
    """Pazopanib's label gives guidance for strong inhibitors only: diltiazem beside it raises nothing."""
    assert codes("patient: {subtype: asps, markers: {ntrk_fusion: negative}, comedications: [diltiazem]}\n"
                 "start: 0\n") == []


def test_ripretinib_with_a_moderate_inducer_gives_150_mg_twice_daily():
    """Efavirenz, a moderate inducer, raises nothing on imatinib/sunitinib/regorafenib and 150 mg BID on ripretinib."""
    events = ("  - {at: 24, event: progression, extent: widespread}\n  - {at: 27, event: progression}\n"
              "  - {at: 33, event: progression}\n  - {at: 40, event: progression}")
    result = run_scenario(parse_scenario(gist(EXON11, events=events, meds="[Sustiva]"), "c.yaml"))
    alerts = [(s.target.id, a) for s in result.steps for a in s.alerts]
    assert [(state, a.code) for state, a in alerts] == [("ripretinib", "CYP3A4_INDUCER")]
    assert "a moderate CYP3A4 inducer" in alerts[0][1].message and "150 mg twice daily" in alerts[0][1].message


@pytest.mark.parametrize("meds, words", [("[fluconazole]", "200 mg once daily"),
                                         ("[ketoconazole]", "100 mg once daily")])
def test_entrectinib_gives_the_dose_of_each_strength(meds, words):
    """Entrectinib beside a moderate inhibitor: 200 mg once daily; beside a strong one: 100 mg once daily."""
    result = run_scenario(parse_scenario(f"patient: {{subtype: ntrk, markers: {{ntrk_fusion: positive}}, "
                                         f"comedications: {meds}}}\nstart: {{at: 0, choose: entrectinib}}\n", "c.yaml"))
    (alert,) = result.steps[0].alerts
    assert alert.code == "CYP3A4_INHIBITOR" and words in alert.message


@given(st.sampled_from(sorted(load_table().comedications)), st.sampled_from(sorted(load_table().drugs)))
def test_an_interaction_is_found_exactly_when_the_label_gives_guidance_for_that_strength(comedication, drug):
    """For any co-medication and drug: a finding iff the drug's label has guidance for the co-medication's strength."""
    table = load_table()
    role = table.comedications[comedication].cyp3a4
    patient = Patient(subtype="gist", comedications=(comedication,))
    findings = interaction_findings(patient, Regimen((drug,), 1))
    expected = role in GUIDED_ROLES and table.drugs[drug].guidance_for(role, None) is not None
    assert bool(findings) is expected
    assert all(f.role == role and f.comedications == (comedication,) for f in findings)


def test_every_guidance_quote_is_on_its_label_row():
    """Each guidance source quotes evidence.md verbatim on the row of its label, and carries that row's mark."""
    import re

    from sarcoma_sim.patient.interactions import load_table

    rows = (CLINICAL / "evidence.md").read_text(encoding="utf-8").splitlines()
    for drug in load_table().drugs.values():
        for guidance in drug.guidance:
            label, quote = re.match(r'evidence\.md, (.*?): "(.*)"$', guidance.source).groups()
            row = next(r for r in rows if label in r and quote in r)
            assert row.rstrip().endswith(f"| {guidance.mark} |"), (drug.name, row)


def test_every_pathway_drug_is_in_the_interaction_table():
    """No pathway drug is unknown to the interaction table (each has classes and, where labelled, guidance)."""
    from sarcoma_sim.patient.interactions import load_table, normalise_drug_name

    table = load_table()
    for subtype in SUBTYPE_IDS:
        assert {normalise_drug_name(d) for d in load_subtype(subtype).drugs()} <= set(table.drugs), subtype


def test_kit_exon9_on_400():
    """KIT exon 9 started on imatinib 400 mg raises KIT_EXON9_DOSE."""
    found = codes(gist("{kit_exon: exon9, pdgfra: none}", start="{at: 0, choose: imatinib_400}"))
    assert found == ["OFF_GUIDELINE_CHOICE", "KIT_EXON9_DOSE"]


def test_kit_exon9_twin_on_800():
    """KIT exon 9 on the guideline's 800 mg raises nothing."""
    assert codes(gist("{kit_exon: exon9, pdgfra: none}")) == []


def test_kit_exon9_rule_ignores_other_exons():
    """KIT exon 11 on imatinib 400 mg is the guideline and raises nothing."""
    assert codes(gist(EXON11, start="{at: 0, choose: imatinib_400}")) == []


def test_d842v_imatinib():
    """Imatinib for a PDGFRA D842V GIST raises PDGFRA_D842V_IMATINIB."""
    found = codes(gist("{kit_exon: wild_type, pdgfra: d842v}", start="{at: 0, choose: imatinib_400}"))
    assert "PDGFRA_D842V_IMATINIB" in found


def test_d842v_twin_guideline():
    """The D842V guideline step (avapritinib) raises nothing."""
    assert codes(gist("{kit_exon: wild_type, pdgfra: d842v}")) == []


@pytest.mark.parametrize("state", ["sunitinib_50_intermittent", "regorafenib"])
def test_d842v_sunitinib_and_regorafenib(state):
    """D842V resists sunitinib and regorafenib too: the alert names the drug given."""
    result = run_scenario(parse_scenario(gist("{kit_exon: wild_type, pdgfra: d842v}",
                                              start=f"{{at: 0, choose: {state}}}"), "c.yaml"))
    (alert,) = [a for a in result.steps[0].alerts if a.code == "PDGFRA_D842V_IMATINIB"]
    assert alert.message.lower().startswith(state.split("_")[0])


def test_kit_exon9_reduction_for_toxicity_is_not_a_dose_error():
    """Exon 9 on 800 mg reduced to 600 mg for intolerance (the label's step) raises no KIT_EXON9_DOSE."""
    assert codes(gist("{kit_exon: exon9, pdgfra: none}", events="  - {at: 5, event: intolerance}")) == []


def test_kit_exon9_twin_600_from_the_start_is_a_dose_error():
    """Exon 9 started on 600 mg (no toxicity) is below the exon 9 dose: KIT_EXON9_DOSE."""
    assert "KIT_EXON9_DOSE" in codes(gist("{kit_exon: exon9, pdgfra: none}",
                                          start="{at: 0, choose: imatinib_600_reduced}"))


def test_kit_exon9_adjuvant_400_is_not_a_dose_error():
    """Adjuvant imatinib 400 mg after resection of a localised exon 9 GIST (SSG XVIII) raises no KIT_EXON9_DOSE."""
    markers = "{kit_exon: exon9, pdgfra: none, ntrk_fusion: negative, setting: localised}"
    result = run_scenario(parse_scenario(gist(markers, events="  - {at: 1.5, event: resected, risk: high}"), "c.yaml"))
    assert result.steps[-1].target.id == "adjuvant_imatinib"
    assert "KIT_EXON9_DOSE" not in [a.code for step in result.steps for a in step.alerts]


def test_kit_exon9_twin_recurrence_on_400_is_a_dose_error():
    """After an exon 9 GIST recurs, imatinib 400 mg for the advanced disease raises KIT_EXON9_DOSE again."""
    markers = "{kit_exon: exon9, pdgfra: none, ntrk_fusion: negative, setting: localised}"
    events = ("  - {at: 1.5, event: resected, risk: high}\n  - {at: 37.5, event: completed}\n"
              "  - {at: 60, event: recurrence, choose: imatinib_400}")
    assert "KIT_EXON9_DOSE" in codes(gist(markers, events=events))


def test_untested_gist_names_the_mutation_test():
    """A GIST with no genotype starts imatinib 400 mg with UNTESTED_MARKER naming KIT/PDGFRA analysis."""
    result = run_scenario(parse_scenario("patient: {subtype: gist}\nstart: 0\n", "c.yaml"))
    assert result.steps[0].target.id == "imatinib_400"
    (alert,) = result.steps[0].alerts
    assert alert.code == "UNTESTED_MARKER" and "KIT/PDGFRA mutation analysis" in alert.message
    assert "imatinib 800 mg daily (kit exon 9)" in alert.message.lower()


def test_untested_twin_tested_gist_raises_nothing():
    """The same start with the genotype tested raises no alert."""
    assert codes(gist(EXON11)) == []


def test_untested_alk_in_imt_names_the_alk_test():
    """An IMT whose ALK was not tested is sent down the ALK-negative branch with the test named."""
    result = run_scenario(parse_scenario("patient: {subtype: imt}\nstart: 0\n", "c.yaml"))
    (alert,) = result.steps[0].alerts
    assert alert.code == "UNTESTED_MARKER" and "ALK (immunohistochemistry or FISH)" in alert.message


def test_untested_ntrk_matters_only_where_the_ntrk_branch_opens():
    """ASPS: NTRK untested is silent at the start and named at the last line's progression; tested, silent."""
    text = ("patient: {subtype: asps%s}\nstart: 0\nevents:\n  - {at: 12, event: progression}\n"
            "  - {at: 30, event: progression}\n")
    result = run_scenario(parse_scenario(text % "", "c.yaml"))
    assert [a.code for a in result.steps[0].alerts] == [] and [a.code for a in result.steps[1].alerts] == []
    (alert,) = result.steps[2].alerts
    assert alert.code == "UNTESTED_MARKER" and "pan-TRK immunohistochemistry" in alert.message
    assert codes(text % ", markers: {ntrk_fusion: negative}") == []


@pytest.mark.parametrize("text", [
    "patient: {subtype: asps, markers: {ntrk_fusion: negative}}\nstart: {at: 0, choose: sft.sunitinib}\n",
    "patient: {subtype: angiosarcoma, markers: {ntrk_fusion: negative}}\nstart: {at: 0, choose: "
    "leiomyosarcoma.anthracycline}\n",
])
def test_subtype_mismatch_reads_the_source_wording(text):
    """Sunitinib in ASPS (an anti-angiogenic TKI) and doxorubicin in angiosarcoma (Italiano 2012) are no mismatch."""
    assert "SUBTYPE_MISMATCH" not in codes(text)


def test_subtype_mismatch_explanation_quotes_the_source():
    """The mismatch alert quotes what the source names for the subtype, with its line."""
    result = run_scenario(parse_scenario("patient: {subtype: liposarcoma}\nstart: 0\nevents:\n"
                                         "  - {at: 6, event: progression, choose: pazopanib}\n", "c.yaml"))
    (alert,) = [a for a in result.steps[-1].alerts if a.code == "SUBTYPE_MISMATCH"]
    assert 'source-guideline.md:8 "eribulin for liposarcomas"' in alert.message


@pytest.mark.parametrize("text", [
    "patient: {subtype: imt, markers: {alk: negative}}\nstart: {at: 0, choose: crizotinib}\n",
    "patient: {subtype: ntrk, markers: {ntrk_fusion: negative}}\nstart: {at: 0, choose: larotrectinib}\n",
    "patient: {subtype: ntrk, markers: {ntrk_fusion: negative}}\nstart: {at: 0, choose: entrectinib}\n",
    "patient: {subtype: imt}\nstart: {at: 0, choose: crizotinib}\n",
    "patient: {subtype: leiomyosarcoma}\nstart: {at: 0, choose: imt.crizotinib}\n",
    "patient: {subtype: epithelioid_sarcoma, markers: {ini1: retained}}\nstart: {at: 0, choose: tazemetostat}\n",
    "patient: {subtype: epithelioid_sarcoma}\nstart: {at: 0, choose: tazemetostat}\n",
    "patient: {subtype: leiomyosarcoma}\nstart: {at: 0, choose: epithelioid_sarcoma.tazemetostat}\n",
])
def test_marker_required(text):
    """Crizotinib without ALK, an NTRK inhibitor without a fusion and tazemetostat without INI1 loss raise
    MARKER_REQUIRED."""
    assert "MARKER_REQUIRED" in codes(text)


def test_tazemetostat_without_ini1_loss_says_the_marker_is_the_trial_s_not_the_label_s():
    """Tazemetostat for an INI1-retained tumour: the alert cites EZH-202's INI1 requirement and says the label
    does not name INI1; a tested marker is not sent back to be tested."""
    text = "patient: {subtype: epithelioid_sarcoma, markers: {ini1: retained}}\nstart: {at: 0, choose: tazemetostat}\n"
    (alert,) = [a for a in run_scenario(parse_scenario(text, "c.yaml")).steps[0].alerts if a.code == "MARKER_REQUIRED"]
    assert "ini1 = retained" in alert.message and "Test for the marker first" not in alert.message
    assert "does not name INI1" in alert.message
    assert any("Patients were required to have INI1 loss" in source for source in alert.sources)
    untested = text.replace("markers: {ini1: retained}", "markers: {}")
    (alert,) = [a for a in run_scenario(parse_scenario(untested, "c.yaml")).steps[0].alerts
                if a.code == "MARKER_REQUIRED"]
    assert "ini1 was not tested" in alert.message and "Test for the marker first" in alert.message


@pytest.mark.parametrize("text", [
    "patient: {subtype: imt, markers: {alk: positive}}\nstart: {at: 0, choose: crizotinib}\n",
    "patient: {subtype: ntrk, markers: {ntrk_fusion: positive}}\nstart: {at: 0, choose: larotrectinib}\n",
    "patient: {subtype: ntrk, markers: {ntrk_fusion: positive}}\nstart: {at: 0, choose: entrectinib}\n",
    "patient: {subtype: epithelioid_sarcoma, markers: {ini1: lost, ntrk_fusion: negative}}\n"
    "start: {at: 0, choose: tazemetostat}\n",
])
def test_marker_required_twin_with_marker(text):
    """The same drugs with the marker documented raise nothing."""
    assert codes(text) == []


def test_off_guideline_choice_explains_the_guideline():
    """An off-guideline choice names the guideline's step, the condition, and the sources."""
    result = run_scenario(parse_scenario(gist(EXON11, events="  - {at: 20, event: progression, "
                                                             "extent: widespread, choose: resection}"), "c.yaml"))
    alert = result.steps[-1].alerts[0]
    assert alert.code == "OFF_GUIDELINE_CHOICE"
    assert "Imatinib escalated to 800 mg daily" in alert.message
    assert "only when extent = limited" in alert.message
    assert any(s.startswith("eortc-62005-crossover") for s in alert.sources)


def test_off_guideline_twin_guideline_option():
    """Choosing one of the guideline's own options (sunitinib 37.5 mg continuous) raises nothing."""
    events = ("  - {at: 22, event: progression, extent: widespread}\n"
              "  - {at: 26, event: progression, choose: sunitinib_37_5_continuous}")
    assert codes(gist(EXON11, events=events)) == []


def _walks():
    """A subtype, consistent markers and a list of event picks (indices into the possible events)."""
    @st.composite
    def walk(draw):
        subtype = draw(st.sampled_from(SUBTYPE_IDS))
        pathway = load_subtype(subtype)
        facts = {}
        for attribute in pathway.attributes.values():
            if attribute.of == "patient":  # tested markers: an untested one is meant to alert
                facts[attribute.name] = draw(st.sampled_from([v for v in attribute.values if v != "not_tested"]))
        picks = draw(st.lists(st.integers(0, 5), max_size=12))
        extents = draw(st.lists(st.sampled_from(["limited", "widespread"]), min_size=12, max_size=12))
        return pathway, facts, picks, extents
    return walk()


@settings(max_examples=examples(60), deadline=None)
@given(_walks())
def test_guideline_course_without_comedication_raises_no_alert(case):
    """Following the guideline with consistent markers and no co-medication never raises an alert."""
    pathway, facts, picks, extents = case
    assume(consistent(facts))
    with Timeline(pathway, make_patient(pathway, facts)) as timeline:
        timeline.step("start", 0)
        for month, (pick, extent) in enumerate(zip(picks, extents), start=1):
            events = timeline.possible_events()
            if not events:
                break
            event = events[pick % len(events)]
            timeline.step(event, month, {"extent": extent} if event == "progression" else {})
        assert [a.code for s in timeline.steps for a in s.alerts] == []


def test_class_only_regimen_covers_its_drugs():
    """Angiosarcoma's "anti-angiogenics" cover pazopanib: no SUBTYPE_MISMATCH there."""
    found = codes("patient: {subtype: angiosarcoma}\nstart: {at: 0, choose: leiomyosarcoma.pazopanib}\n")
    assert "SUBTYPE_MISMATCH" not in found


def test_class_only_foreign_regimen_within_a_class_the_pathway_uses():
    """Angiosarcoma's anti-angiogenic therapy in leiomyosarcoma (which uses an anti-angiogenic TKI) is no mismatch."""
    found = codes("patient: {subtype: leiomyosarcoma}\nstart: 0\nevents:\n"
                  "  - {at: 4, event: progression, choose: angiosarcoma.antiangiogenic}\n")
    assert found == ["OFF_GUIDELINE_CHOICE"]


# ---- later-line dose reductions and SDH (issue 9, continued) ---------------------------------

TO_REGORAFENIB = ("  - {at: 24, event: progression, extent: widespread}\n  - {at: 27, event: progression}\n"
                  "  - {at: 33, event: progression}\n")


def test_regorafenib_and_ripretinib_reductions_for_toxicity_raise_no_alert():
    """Regorafenib 160 -> 120 -> 80 mg and ripretinib 150 -> 100 mg on intolerance are the labels' steps: no alert."""
    events = TO_REGORAFENIB + ("  - {at: 35, event: intolerance}\n  - {at: 37, event: intolerance}\n"
                               "  - {at: 40, event: progression}\n  - {at: 42, event: intolerance}")
    assert codes(gist(EXON11, events=events)) == []


def test_reduction_twin_a_lower_dose_after_progression_is_continuing_ineffective_therapy():
    """Regorafenib reduced to 120 mg at progression (not toxicity) raises CONTINUED_AFTER_PROGRESSION."""
    events = TO_REGORAFENIB + "  - {at: 37, event: progression, choose: regorafenib_120_reduced}"
    assert "CONTINUED_AFTER_PROGRESSION" in codes(gist(EXON11, events=events))


def test_avapritinib_reductions_for_a_d842v_gist_raise_no_alert():
    """D842V on avapritinib 300 -> 200 -> 100 mg for toxicity: no alert (avapritinib is not a drug D842V resists)."""
    markers = "{kit_exon: wild_type, pdgfra: d842v, ntrk_fusion: negative}"
    assert codes(gist(markers, events="  - {at: 3, event: intolerance}\n  - {at: 6, event: intolerance}")) == []


def test_avapritinib_twin_starting_on_a_reduced_dose_is_off_the_guideline():
    """Starting a D842V GIST on avapritinib 200 mg (no toxicity) is off the guideline's 300 mg."""
    markers = "{kit_exon: wild_type, pdgfra: d842v, ntrk_fusion: negative}"
    assert codes(gist(markers, start="{at: 0, choose: avapritinib_200_reduced}")) == ["OFF_GUIDELINE_CHOICE"]


def test_larotrectinib_reductions_with_a_fusion_raise_no_alert():
    """NTRK pathway: larotrectinib 100 -> 75 -> 50 mg twice daily -> 100 mg once daily for toxicity raises nothing."""
    text = ("patient: {subtype: ntrk, markers: {ntrk_fusion: positive}}\nstart: 0\nevents:\n"
            "  - {at: 3, event: intolerance}\n  - {at: 6, event: intolerance}\n  - {at: 9, event: intolerance}\n")
    assert codes(text) == []


def test_larotrectinib_twin_a_reduced_dose_without_a_fusion_still_needs_the_marker():
    """A reduced larotrectinib dose chosen without a documented fusion raises MARKER_REQUIRED."""
    text = ("patient: {subtype: ntrk, markers: {ntrk_fusion: negative}}\n"
            "start: {at: 0, choose: larotrectinib_75_reduced}\n")
    assert "MARKER_REQUIRED" in codes(text)


def test_untested_sdh_in_a_wild_type_gist_names_sdhb_immunohistochemistry():
    """A KIT/PDGFRA wild-type GIST with SDH not tested starts imatinib with UNTESTED_MARKER naming SDHB IHC."""
    result = run_scenario(parse_scenario(gist("{kit_exon: wild_type, pdgfra: none, ntrk_fusion: negative}"), "c.yaml"))
    (alert,) = result.steps[0].alerts
    assert alert.code == "UNTESTED_MARKER" and "SDHB immunohistochemistry" in alert.message
    assert "with sdh deficient the guideline's step would be Sunitinib 50 mg" in " ".join(alert.message.split())


@pytest.mark.parametrize("markers", [
    "{kit_exon: wild_type, pdgfra: none, ntrk_fusion: negative, sdh: retained}",
    "{kit_exon: exon11, pdgfra: none, ntrk_fusion: negative}",
    "{kit_exon: exon11, pdgfra: none, ntrk_fusion: negative, setting: localised}",
])
def test_untested_sdh_twin_silent_when_tested_or_when_a_kit_mutation_rules_it_out(markers):
    """SDH retained, or SDH untested beside a KIT mutation (start, adjuvant decision), raises no alert."""
    assert codes(gist(markers, events="  - {at: 1.5, event: resected, risk: high}" if "localised" in markers
                      else "")) == []
