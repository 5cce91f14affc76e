"""Teaching alerts: each fires in its case and not in the guideline-concordant twin case."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.pathways.model import Regimen
from sarcoma_sim.patient.alerts import ALERT_CODES, ALL_CITATIONS, RULES, same_therapy
from sarcoma_sim.patient.record import make_patient
from sarcoma_sim.patient.scenario import parse_scenario, run_scenario
from sarcoma_sim.patient.teach import consistent
from sarcoma_sim.patient.timeline import Timeline

from helpers.budget import examples

CLINICAL = Path(__file__).resolve().parents[1] / "docs" / "clinical"


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
    """A foreign regimen that names only a drug class is compared by class."""
    found = codes("patient: {subtype: pecoma}\nstart: {at: 0, choose: angiosarcoma.antiangiogenic}\n")
    assert "SUBTYPE_MISMATCH" in found


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
    """Sunitinib on the guideline for a patient on clarithromycin raises CYP3A4_INHIBITOR."""
    result = run_scenario(parse_scenario(gist(EXON11, events=SUNITINIB_PATH, meds="[clarithromycin]"), "c.yaml"))
    alerts = [a for s in result.steps for a in s.alerts]
    assert [a.code for a in alerts] == ["CYP3A4_INHIBITOR"]
    assert "minimum of 37.5 mg daily" in alerts[0].message


def test_cyp3a4_inhibitor_twin_without_comedication():
    """The same course without the inhibitor raises nothing."""
    assert codes(gist(EXON11, events=SUNITINIB_PATH)) == []


def test_cyp3a4_inhibitor_at_the_minimum_says_so():
    """On the 37.5 mg continuous option the alert says the regimen is already at the minimum."""
    events = ("  - {at: 22, event: progression, extent: widespread}\n"
              "  - {at: 26, event: progression, choose: sunitinib_37_5_continuous}")
    result = run_scenario(parse_scenario(gist(EXON11, events=events, meds="[Ketoconazole]"), "c.yaml"))
    assert "already at 37.5 mg daily" in result.steps[-1].alerts[0].message


def test_cyp3a4_inducer_with_sunitinib_in_sft():
    """Sunitinib in SFT for a patient on carbamazepine raises CYP3A4_INDUCER with the 87.5 mg maximum."""
    result = run_scenario(parse_scenario("patient: {subtype: sft, comedications: [carbamazepine]}\n"
                                         "start: {at: 0, choose: sunitinib}\n", "c.yaml"))
    alerts = result.steps[0].alerts
    assert [a.code for a in alerts] == ["CYP3A4_INDUCER"]
    assert "maximum of 87.5 mg daily" in alerts[0].message


def test_cyp3a4_inducer_twin_pazopanib():
    """Pazopanib, the other SFT option, with the same inducer raises nothing."""
    assert codes("patient: {subtype: sft, comedications: [carbamazepine]}\nstart: {at: 0, choose: pazopanib}\n") == []


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


@pytest.mark.parametrize("text", [
    "patient: {subtype: imt, markers: {alk: negative}}\nstart: {at: 0, choose: crizotinib}\n",
    "patient: {subtype: ntrk, markers: {ntrk_fusion: negative}}\nstart: {at: 0, choose: larotrectinib}\n",
    "patient: {subtype: ntrk, markers: {ntrk_fusion: negative}}\nstart: {at: 0, choose: entrectinib}\n",
    "patient: {subtype: imt}\nstart: {at: 0, choose: crizotinib}\n",
    "patient: {subtype: leiomyosarcoma}\nstart: {at: 0, choose: imt.crizotinib}\n",
])
def test_marker_required(text):
    """Crizotinib without ALK and an NTRK inhibitor without a fusion raise MARKER_REQUIRED."""
    assert "MARKER_REQUIRED" in codes(text)


@pytest.mark.parametrize("text", [
    "patient: {subtype: imt, markers: {alk: positive}}\nstart: {at: 0, choose: crizotinib}\n",
    "patient: {subtype: ntrk, markers: {ntrk_fusion: positive}}\nstart: {at: 0, choose: larotrectinib}\n",
    "patient: {subtype: ntrk, markers: {ntrk_fusion: positive}}\nstart: {at: 0, choose: entrectinib}\n",
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
            if attribute.of == "patient":
                facts[attribute.name] = draw(st.sampled_from(attribute.values))
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
    """Angiosarcoma's class-only "anti-angiogenic" therapy covers pazopanib: no SUBTYPE_MISMATCH there."""
    found = codes("patient: {subtype: angiosarcoma}\nstart: {at: 0, choose: leiomyosarcoma.pazopanib}\n")
    assert "SUBTYPE_MISMATCH" not in found


def test_class_only_foreign_regimen_within_a_class_the_pathway_uses():
    """Angiosarcoma's anti-angiogenic therapy in leiomyosarcoma (which uses an anti-angiogenic TKI) is no mismatch."""
    found = codes("patient: {subtype: leiomyosarcoma}\nstart: 0\nevents:\n"
                  "  - {at: 4, event: progression, choose: angiosarcoma.antiangiogenic}\n")
    assert found == ["OFF_GUIDELINE_CHOICE"]
