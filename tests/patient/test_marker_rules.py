"""Tests for sarcoma_sim.patient.marker_rules: cited marker exclusions, refused in records and never sampled."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.cli.dispatch import main
from sarcoma_sim.cohort.params import load_params
from sarcoma_sim.errors import ScenarioError
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.patient.marker_rules import MarkerRulesError, load_rules, violation
from sarcoma_sim.patient.record import make_patient
from sarcoma_sim.patient.sampling import sample_patient

from helpers.budget import examples
from helpers.paths import REPO

GIST = load_subtype("gist")
KIT_MUTATIONS = ("exon11", "exon9", "exon13", "exon17")


def evidence_rows() -> list[str]:
    """Table rows of docs/clinical/evidence.md."""
    text = (REPO / "docs" / "clinical" / "evidence.md").read_text("utf-8")
    return [line for line in text.splitlines() if line.startswith("|")]


def test_every_rule_names_declared_gist_values_and_an_evidence_row():
    """Each shipped rule reads attributes and values the GIST pathway declares and cites a row of evidence.md."""
    rules = load_rules()
    assert {r.id for r in rules} == {"ntrk-fusion-gist-is-wild-type", "sdh-deficient-gist-is-wild-type"}
    for rule in rules:
        for name, value in rule.when:
            assert value in GIST.attributes[name].values
        for name, values in rule.excludes.items():
            assert set(values) <= set(GIST.attributes[name].values) - {"not_tested"}
        fragments = [f.lower() for f in re.findall(r"[A-Z][\w'-]+|\d{4};\d+:\d+|\d{4,}", rule.source)]
        assert any(all(f in row.lower() for f in fragments) for row in evidence_rows()), rule.id


@pytest.mark.parametrize("kit_exon", KIT_MUTATIONS)
def test_an_ntrk_fusion_with_a_kit_mutation_is_refused_with_its_source(kit_exon):
    """A GIST record with an NTRK fusion and a KIT mutation is a ScenarioError citing the evidence (Shi 2016)."""
    with pytest.raises(ScenarioError, match=r"ntrk_fusion 'positive' and kit_exon .* contradict each other.*Shi"):
        make_patient(GIST, {"kit_exon": kit_exon, "pdgfra": "none", "ntrk_fusion": "positive"})


def test_the_concordant_ntrk_and_sdh_records_are_accepted():
    """An NTRK fusion in a wild-type GIST, and an untested one beside a KIT mutation, are accepted."""
    assert make_patient(GIST, {"kit_exon": "wild_type", "pdgfra": "none", "ntrk_fusion": "positive"})
    assert make_patient(GIST, {"kit_exon": "exon11", "pdgfra": "none", "ntrk_fusion": "not_tested"})
    assert make_patient(GIST, {"kit_exon": "wild_type", "pdgfra": "none", "sdh": "deficient"})
    assert violation({"ntrk_fusion": "positive"}) is None  # a subtype without KIT (dfsp) never meets the rule


@pytest.mark.parametrize("facts", [
    {"kit_exon": "exon9", "pdgfra": "none", "sdh": "deficient"},
    {"kit_exon": "wild_type", "pdgfra": "d842v", "sdh": "deficient"},
    {"kit_exon": "wild_type", "pdgfra": "none", "sdh": "deficient", "ntrk_fusion": "positive"},
])
def test_sdh_deficiency_goes_only_with_a_kit_pdgfra_wild_type_gist_without_ntrk_fusion(facts):
    """SDH deficiency beside a KIT or PDGFRA mutation, or beside an NTRK fusion, is refused."""
    with pytest.raises(ScenarioError, match="contradict each other"):
        make_patient(GIST, facts)


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=examples(150), deadline=None)
def test_teaching_cases_never_draw_an_ntrk_fusion_beside_a_kit_or_pdgfra_mutation(seed):
    """A sampled GIST teaching patient with an NTRK fusion is KIT/PDGFRA wild-type and not SDH-deficient."""
    facts = sample_patient(GIST, np.random.default_rng(seed), comedications=[]).facts
    if facts["ntrk_fusion"] == "positive":
        assert (facts["kit_exon"], facts["pdgfra"]) == ("wild_type", "none") and facts["sdh"] != "deficient"
    if facts["sdh"] == "deficient":
        assert (facts["kit_exon"], facts["pdgfra"]) == ("wild_type", "none")


def test_a_teacher_given_ntrk_fusion_draws_a_wild_type_gist():
    """Given ntrk_fusion positive, the drawn genotype is always KIT/PDGFRA wild-type."""
    for seed in range(30):
        facts = sample_patient(GIST, np.random.default_rng(seed), {"ntrk_fusion": "positive"}, []).facts
        assert (facts["kit_exon"], facts["pdgfra"]) == ("wild_type", "none")


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_cohort_population_group_obeys_the_marker_rules(subtype):
    """No cohort group's facts break a marker rule (GIST groups have no NTRK fusion beside a KIT mutation)."""
    for group in load_params(subtype).population:
        assert violation(group.facts) is None, (subtype, group.name)


@pytest.mark.parametrize("text, where, what", [
    ("rules: []\n", "", "expected one key, rules"),
    ("rules:\n  r1:\n    when: {ntrk_fusion: positive}\n    excludes: {kit_exon: [exon11]}\n    reason: why\n",
     "rules.r1", "'source' is required"),
    ("rules:\n  r1:\n    when: [ntrk_fusion]\n    excludes: {kit_exon: [exon11]}\n    reason: why\n    source: s\n",
     "rules.r1.when", "expected a mapping of attribute to one value"),
    ("rules:\n  r1:\n    when: {ntrk_fusion: positive}\n    excludes: {kit_exon: [1]}\n    reason: why\n"
     "    source: s\n",
     "rules.r1.excludes.kit_exon", "expected a value or a list of values"),
    ("rules:\n  r1:\n    when: {ntrk_fusion: positive}\n    excludes: {kit_exon: exon11}\n    reason: why\n"
     "    source: s\n    extra: 1\n", "rules.r1.extra", "unknown key 'extra'"),
])
def test_a_malformed_rules_file_is_refused_with_file_line_and_path(tmp_path, text, where, what):
    """Every malformed rules file is a MarkerRulesError naming the file, the line, the path and what was expected."""
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MarkerRulesError) as caught:
        load_rules(path)
    problem = next(p for p in caught.value.problems if what in p.message)
    assert problem.file == str(path) and problem.line is not None and problem.path == where


def test_a_scenario_breaking_a_rule_exits_1_with_a_located_error(tmp_path, capsys):
    """`run` on a scenario with an NTRK fusion beside KIT exon 11 prints a located error and exits 1."""
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("title: bad\npatient:\n  subtype: gist\n"
                        "  markers: {kit_exon: exon11, pdgfra: none, ntrk_fusion: positive}\n"
                        "start: 0\nevents: []\n", encoding="utf-8")
    code = main(["run", str(scenario)])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err
    assert err.startswith("error: ") and "bad.yaml" in err and "contradict each other" in err and "Shi" in err
