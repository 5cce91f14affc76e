"""Tests for sarcoma_sim.cohort.params: the shipped evidence parameters, their provenance, validation and overrides."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.cohort.params import (
    DAYS_PER_MONTH,
    WEEKS_PER_MONTH,
    load_params,
    params_from_documents,
    shipped_params_path,
    to_months,
)
from sarcoma_sim.errors import ParameterError, PathwayError
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype, parse_pathway
from sarcoma_sim.pathways.yamlsource import parse_yaml

from helpers.budget import examples
from helpers.paths import REPO

CLINICAL = REPO / "docs" / "clinical"
GIST = load_subtype("gist")
GIST_TEXT = shipped_params_path("gist").read_text("utf-8")
FEW = settings(max_examples=examples(40), deadline=None)


def gist_from_text(text: str, file: str = "test-gist.yaml"):
    """Validate a whole GIST parameter file given as text."""
    return params_from_documents(GIST, [parse_yaml(text, file)])


def problems_of(text: str) -> list[str]:
    """The problems (as text) of a whole GIST parameter file; fails if it is valid."""
    with pytest.raises(ParameterError) as caught:
        gist_from_text(text)
    return [str(p) for p in caught.value.problems]


def line_of(text: str, fragment: str) -> int:
    """1-based line of the first line containing ``fragment``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def normalise(text: str) -> str:
    """Whitespace collapsed, for matching citations against the clinical files."""
    return re.sub(r"\s+", " ", text).replace("–", "-")


# ---- the shipped files ---------------------------------------------------------------------

@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_subtype_ships_valid_parameters(subtype):
    """Each shipped subtype has a parameter file that validates against its pathway."""
    params = load_params(subtype)
    assert params.subtype == subtype
    assert params.origin == f"sarcoma_sim/cohort/params/data/{subtype}.yaml"


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_therapy_state_has_progression_and_intolerance_timing(subtype):
    """Every therapy state of every pathway has a time to progression and to intolerance, medians > 0."""
    pathway, params = load_subtype(subtype), load_params(subtype)
    therapies = [s for s, st in pathway.states.items() if st.kind == "therapy"]
    assert therapies
    for state in therapies:
        for event in ("progression", "intolerance"):
            timing = params.event_params(state, event).timing
            assert timing is not None and timing.median > 0, (state, event)


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_value_has_a_source_or_is_illustrative(subtype):
    """Every number in a shipped file cites a source or is marked illustrative, never both, never neither."""
    for path, q in load_params(subtype).quantities():
        assert bool(q.source) != q.illustrative, path


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_source_is_a_row_of_the_clinical_files(subtype):
    """Each cited source names a row of evidence.md or a statement of the source guideline, as written there."""
    evidence = normalise((CLINICAL / "evidence.md").read_text("utf-8"))
    guideline = normalise((CLINICAL / "source-guideline.md").read_text("utf-8"))
    for path, q in load_params(subtype).quantities():
        if not q.source:
            continue
        text = normalise(q.source)
        if text.startswith("source guideline: "):
            assert text[len("source guideline: "):] in guideline, path
            continue
        # The citation is the source text up to one of its " (" (the rest is the figure used).
        cuts = [m.start() for m in re.finditer(r" \(", text)] + [len(text)]
        assert any(len(text[:c]) >= 12 and text[:c] in evidence for c in cuts), (path, q.source)


def test_units_are_converted_once_with_the_published_figure_kept():
    """Weeks, days and years stay as published in the file and become months at 4.345 weeks a month."""
    from sarcoma_sim.cohort.params.model import latent_median, net_of_death

    gist = load_params("gist")
    sunitinib = gist.event_params("sunitinib_50_intermittent", "progression").timing.median_months
    assert sunitinib.reported == "27.3 weeks"
    assert sunitinib.value == pytest.approx(27.3 / 4.345)
    escalated = gist.event_params("imatinib_800_escalated", "progression").timing
    assert escalated.median_months.reported == "81 days"
    # A PFS observed at visits: the latent median is the one whose observed PFS is 81 days in months.
    published = latent_median("weibull", escalated.shape.value, 81 / (7 * 4.345), 3.0)
    death = gist.event_params("imatinib_800_escalated", "death").timing.median
    assert escalated.median == pytest.approx(net_of_death(published, death, "weibull", escalated.shape.value))
    dfsp = load_params("dfsp").event_params("imatinib", "progression").timing.median_months
    assert dfsp.reported == "1.7 years" and dfsp.value == pytest.approx(20.4)
    assert WEEKS_PER_MONTH == 4.345 and DAYS_PER_MONTH == pytest.approx(30.415)


@given(st.floats(0.01, 1000), st.sampled_from(["months", "weeks", "days", "years"]))
@FEW
def test_to_months_round_trips(amount, unit):
    """to_months scales by the unit's length in months, so converting back gives the figure."""
    back = {"months": 1, "weeks": WEEKS_PER_MONTH, "days": DAYS_PER_MONTH, "years": 1 / 12}[unit]
    assert to_months(amount, unit) * back == pytest.approx(amount)


def test_paper_medians_are_the_evidence_table_figures():
    """The three medians checked against the papers are the evidence.md figures."""
    gist, lms = load_params("gist"), load_params("leiomyosarcoma")
    assert gist.event_params("imatinib_400", "progression").timing.median == 18
    assert gist.event_params("sunitinib_50_intermittent", "progression").timing.median == pytest.approx(27.3 / 4.345)
    pazopanib = lms.event_params("pazopanib", "progression").timing
    assert pazopanib.median_months.reported == "4.6 months" and pazopanib.endpoint == "pfs"


def test_gist_genotypes_are_the_advanced_disease_mix():
    """GIST groups carry S0033's advanced-disease genotype shares (283, 32 and 67 of 428 genotyped), the
    other 46 split in Corless's proportions and marked illustrative, summing to 1 with no rescaling."""
    groups = {g.name: g for g in load_params("gist").population}
    expected = {"kit_exon11": 0.6612, "kit_exon9": 0.0748, "kit_exon13": 0.0113, "kit_exon17": 0.0113,
                "pdgfra_d842v": 0.0566, "pdgfra_other": 0.0283, "kit_pdgfra_wild_type": 0.1565}
    assert {name: g.prevalence.value for name, g in groups.items()} == pytest.approx(expected)
    assert math.fsum(expected.values()) == pytest.approx(1.0)
    for name, count in (("kit_exon11", 283), ("kit_exon9", 32), ("kit_pdgfra_wild_type", 67)):
        assert groups[name].prevalence.value == pytest.approx(count / 428, abs=5e-5)
        assert "Heinrich, J Clin Oncol 2008;26:5360" in groups[name].prevalence.source
    rest = ("kit_exon13", "kit_exon17", "pdgfra_d842v", "pdgfra_other")
    assert all(groups[name].prevalence.illustrative for name in rest)
    assert math.fsum(groups[name].prevalence.value for name in rest) == pytest.approx(46 / 428, abs=1e-4)
    cohort = {"setting": "advanced", "ntrk_fusion": "negative", "sdh": "not_tested"}
    assert groups["pdgfra_d842v"].facts == {**cohort, "kit_exon": "wild_type", "pdgfra": "d842v"}
    assert groups["kit_exon9"].facts == {**cohort, "kit_exon": "exon9", "pdgfra": "none"}


def test_marker_prevalences_without_a_figure_are_illustrative():
    """IMT ALK and NTRK fusion prevalences have no evidence.md figure and are marked illustrative."""
    for subtype in ("imt", "ntrk"):
        for group in load_params(subtype).population:
            assert group.prevalence.illustrative and not group.prevalence.source


def test_resection_outcome_is_illustrative():
    """Time back on imatinib after resection has no published figure and is marked illustrative."""
    after = load_params("gist").event_params("imatinib_400", "progression", entered_from="resection")
    assert after.timing.median_months.illustrative
    assert load_params("gist").event_params("imatinib_400", "progression").timing.median == 18


def test_imaging_interval_is_within_the_pathway_monitoring_range():
    """The imaging interval lies within each pathway's 2-3 month monitoring range."""
    for subtype in SUBTYPE_IDS:
        monitoring = load_subtype(subtype).monitoring
        interval = load_params(subtype).interval_months
        assert monitoring.imaging_interval_months_min <= interval <= monitoring.imaging_interval_months_max


def test_branch_probabilities_are_keyed_by_target_state():
    """``option`` probabilities name target states and sum to 1."""
    option = load_params("leiomyosarcoma").event_params("anthracycline", "progression").choices["option"]
    assert set(option) == {"pazopanib", "trabectedin", "gemcitabine_docetaxel"}
    assert math.fsum(q.value for q in option.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_docs_list_every_value_with_its_provenance(subtype):
    """docs/parameters.md has a row for every shipped value, with the model value and its provenance."""
    docs = (REPO / "docs" / "parameters.md").read_text("utf-8")
    section = docs.split(f"### {subtype}\n", 1)[1].split("\n### ", 1)[0]
    for path, q in load_params(subtype).quantities():
        short = path[len("states."):] if path.startswith("states.") else path
        unit = " mo" if path.endswith("_months") else ""
        row = next((line for line in section.splitlines() if line.startswith(f"| `{short}` |")), None)
        assert row is not None, path
        assert f"| {q.value:.4g}{unit} | {q.reported} |" in row, row
        assert ("**illustrative**" in row) == q.illustrative, row


# ---- validation ----------------------------------------------------------------------------

def test_a_missing_therapy_state_is_named():
    """Leaving out a therapy state's timing is an error naming the state and the events it needs."""
    start, end = GIST_TEXT.index("  regorafenib:\n"), GIST_TEXT.index("  ripretinib:\n")
    problems = problems_of(GIST_TEXT[:start] + GIST_TEXT[end:])
    assert any("regorafenib (therapy) has no parameters" in p and "progression, intolerance" in p for p in problems)


def test_a_non_positive_median_is_refused_with_file_line_and_path():
    """A median of 0 is an error at the right file, line and path."""
    text = GIST_TEXT.replace("median_months: {months: 4.8,", "median_months: {months: 0,")
    problems = problems_of(text)
    line = line_of(text, "median_months: {months: 0,")
    assert any(p.startswith(f"test-gist.yaml:{line} at states.regorafenib.progression.median_months.months: "
                            "expected a time > 0") for p in problems), problems


def test_a_probability_above_one_is_refused():
    """A probability of 1.5 is out of [0, 1]."""
    text = GIST_TEXT.replace("widespread: {value: 0.8,", "widespread: {value: 1.5,")
    assert any("expected a probability in [0, 1], got 1.5" in p for p in problems_of(text))


def test_prevalences_must_sum_to_one():
    """Prevalences summing to 1.05 are refused, and the message lists them."""
    text = GIST_TEXT.replace("percent: 66.12,", "percent: 71.12,")
    problems = problems_of(text)
    assert any("at population: prevalences must sum to 1, they sum to 1.05" in p for p in problems)


def test_branch_probabilities_must_sum_to_one():
    """Option probabilities summing to 0.9 are refused at the decision's path."""
    text = GIST_TEXT.replace("sunitinib_50_intermittent: {value: 0.5, illustrative: true}\n\n  imatinib_600_reduced:",
                             "sunitinib_50_intermittent: {value: 0.4, illustrative: true}\n\n  imatinib_600_reduced:")
    problems = problems_of(text)
    assert any("states.imatinib_300_reduced.intolerance.option: probabilities must sum to 1, they sum to 0.9" in p
               for p in problems)


def test_unknown_states_events_and_values_name_what_exists():
    """An unknown state, event or option value is an error listing the allowed ones."""
    text = GIST_TEXT.replace("  ripretinib:\n", "  ripretinibb:\n")
    text = text.replace("  regorafenib:\n    progression:", "  regorafenib:\n    progresion:")
    text = text.replace("sunitinib_37_5_continuous: {value: 0.5, illustrative: true}\n"
                        "        sunitinib_50_intermittent: {value: 0.5, illustrative: true}\n\n"
                        "  imatinib_600_reduced:",
                        "regorafenib: {value: 0.5, illustrative: true}\n        sunitinib_50_intermittent: "
                        "{value: 0.5, illustrative: true}\n\n  imatinib_600_reduced:")
    problems = "\n".join(problems_of(text))
    assert "unknown state 'ripretinibb'; states of gist: workup, avapritinib" in problems
    assert "regorafenib has no event 'progresion'; its events: progression, intolerance" in problems
    assert "'regorafenib' is not a target state of imatinib_300_reduced on intolerance; expected one of " \
           "sunitinib_50_intermittent, sunitinib_37_5_continuous" in problems


def test_every_value_needs_provenance():
    """A number with neither source nor illustrative, or with both, is refused."""
    text = GIST_TEXT.replace("median_months: {months: 30, illustrative: true}", "median_months: {months: 30}")
    text = text.replace("median_months: {months: 6.3, source:",
                        "median_months: {months: 6.3, illustrative: true, source:")
    problems = "\n".join(problems_of(text))
    assert "states.regorafenib.intolerance.median_months: every value needs its provenance" in problems
    assert "states.ripretinib.progression.median_months: give either source or illustrative: true, not both" in problems


def test_shape_must_match_the_distribution():
    """Weibull needs a shape; exponential takes none; unknown distributions are named."""
    text = GIST_TEXT.replace("      distribution: lognormal\n", "      distribution: gamma\n")
    text = text.replace("      median_months: {months: 4.8,", "      shape: {value: 2, illustrative: true}\n"
                                                               "      median_months: {months: 4.8,")
    problems = "\n".join(problems_of(text))
    assert "expected distribution: one of exponential, weibull, lognormal, got 'gamma'" in problems
    assert "states.regorafenib.progression.shape: shape is only used by weibull and lognormal" in problems
    no_shape = GIST_TEXT.replace("      shape: {value: 0.4, illustrative: true}\n", "")
    assert any("lognormal needs shape" in p for p in problems_of(no_shape))


def test_interval_outside_the_monitoring_range_is_refused():
    """An imaging interval of 4 months is outside the pathway's 2-3 months."""
    problems = problems_of(GIST_TEXT.replace("    months: 3\n", "    months: 4\n", 1))
    assert any("expected an interval within the pathway's monitoring range 2-3 months" in p for p in problems)


def test_wrong_subtype_and_unknown_top_keys_are_refused():
    """A file for another subtype, or with an unknown section, is refused."""
    problems = "\n".join(problems_of(GIST_TEXT.replace("subtype: gist", "subtype: dfsp\nextra: 1")))
    assert "expected subtype: gist" in problems
    assert "unknown key 'extra'" in problems


def test_all_problems_are_reported_at_once():
    """Several independent mistakes are all reported in one error."""
    text = GIST_TEXT.replace("median_months: {months: 4.8,", "median_months: {months: -1,")
    text = text.replace("percent: 66.12,", "percent: 60,")
    text = text.replace("    months: 3\n", "    months: 9\n", 1)
    assert len(problems_of(text)) >= 3


def test_population_facts_must_be_declared_values():
    """A genotype group with an undeclared attribute value or a missing attribute is refused."""
    text = GIST_TEXT.replace("facts: {setting: advanced, ntrk_fusion: negative, kit_exon: exon13, pdgfra: none, "
                             "sdh: not_tested}",
                             "facts: {setting: advanced, ntrk_fusion: negative, kit_exon: exon14}")
    problems = "\n".join(problems_of(text))
    assert "'exon14' is not a value of kit_exon" in problems
    assert "population.kit_exon13.facts: pdgfra is required but missing" in problems


def test_an_unreachable_combination_without_a_transition_is_refused():
    """If a drawn attribute value leads nowhere in the pathway, the parameters are refused."""
    pathway = parse_pathway("""\
id: tiny
name: Tiny
initial: workup
monitoring: {imaging_interval_months: {min: 2, max: 3}, sources: [source-guideline]}
sources: [{id: source-guideline, citation: Source guideline}]
attributes:
  extent: {of: event, values: [limited, widespread]}
states:
  workup: {kind: workup, label: Workup}
  drug: {kind: therapy, label: Drug, regimen: {drugs: [drug], line: 1}, sources: [source-guideline]}
  end: {kind: terminal, label: End}
transitions:
  - {event: start, from: workup, to: drug, sources: [source-guideline]}
  - {event: progression, from: drug, to: end, when: {extent: limited}}
  - {event: intolerance, from: drug, to: end}
""", "tiny.yaml")
    text = """\
subtype: tiny
imaging: {interval_months: {months: 3, illustrative: true}}
states:
  drug:
    progression:
      distribution: exponential
      median_months: {months: 5, illustrative: true}
      extent: {limited: {value: 0.5, illustrative: true}, widespread: {value: 0.5, illustrative: true}}
    intolerance: {distribution: exponential, median_months: {months: 50, illustrative: true}}
"""
    with pytest.raises(ParameterError, match="no transition of drug on progression holds for .*widespread"):
        params_from_documents(pathway, [parse_yaml(text, "tiny-params.yaml")])
    fixed = text.replace("limited: {value: 0.5", "limited: {value: 1")
    fixed = fixed.replace("widespread: {value: 0.5", "widespread: {value: 0")
    assert params_from_documents(pathway, [parse_yaml(fixed, "tiny-params.yaml")]).subtype == "tiny"


# ---- overrides -----------------------------------------------------------------------------

def test_a_single_value_override_sets_months_and_is_marked():
    """``--set state.event.median_months=3`` sets 3 months and records it as an override."""
    params = load_params("gist", overrides=["sunitinib_50_intermittent.progression.median_months=3"])
    median = params.event_params("sunitinib_50_intermittent", "progression").timing.median_months
    assert median.value == 3 and median.provenance.startswith("override (--set ")
    assert params.origin == ("sarcoma_sim/cohort/params/data/gist.yaml"
                             " + --set sunitinib_50_intermittent.progression.median_months=3")


def test_overrides_accept_units_percent_and_full_paths():
    """Overrides take a unit suffix, a percent, and the full ``states.`` path."""
    params = load_params("gist", overrides=[
        "states.regorafenib.progression.median_months=20.86wk",
        "imatinib_400.progression.extent.limited=30%", "imatinib_400.progression.extent.widespread=70%",
        "imaging.interval_months=2"])
    assert params.event_params("regorafenib", "progression").timing.median == pytest.approx(20.86 / 4.345)
    assert params.event_params("imatinib_400", "progression").choices["extent"]["limited"].value == pytest.approx(0.3)
    assert params.interval_months == 2


def test_a_bad_override_key_names_the_path_and_what_exists():
    """An unknown state, event or parameter in --set names the key and lists what exists there."""
    cases = {
        "sunitinib.progression.median_months=3": "no state 'sunitinib' in gist; states: workup, avapritinib",
        "regorafenib.progresion.median_months=3": "regorafenib has no event 'progresion'; its events: progression, "
                                                  "intolerance",
        "regorafenib.progression.mean_months=3": "expected one of distribution, median_months, shape",
        "imatinib_400.progression.extent.partial=0.1": "has no value 'partial'; values: limited, widespread",
        "population.exon9.prevalence=0.1": "no population group 'exon9'; groups: kit_exon11",
    }
    for item, message in cases.items():
        with pytest.raises(ParameterError) as caught:
            load_params("gist", overrides=[item])
        text = str(caught.value)
        assert text.startswith(f"--set at {item.partition('=')[0]}: unknown key: "), text
        assert message in text, text


def test_override_values_get_the_same_checks():
    """An override breaking a rule is refused like the same value in a file, located at the --set."""
    with pytest.raises(ParameterError) as caught:
        load_params("gist", overrides=["regorafenib.progression.median_months=-2"])
    assert "--set regorafenib.progression.median_months=-2 at states.regorafenib.progression.median_months" \
           ".months: expected a time > 0" in str(caught.value)
    with pytest.raises(ParameterError, match="prevalences must sum to 1"):
        load_params("gist", overrides=["population.kit_exon9.prevalence=12%"])
    with pytest.raises(ParameterError, match="expected a number, got 'fast'"):
        load_params("gist", overrides=["regorafenib.progression.median_months=fast"])
    with pytest.raises(ParameterError, match="expected KEY=VALUE"):
        load_params("gist", overrides=["regorafenib.progression.median_months"])


def test_switching_distribution_drops_or_requires_the_shape():
    """Setting exponential drops the inherited shape; setting weibull without a shape is refused."""
    params = load_params("gist", overrides=["imatinib_400.progression.distribution=exponential"])
    assert params.event_params("imatinib_400", "progression").timing.shape is None
    with pytest.raises(ParameterError, match="weibull needs shape"):
        load_params("gist", overrides=["regorafenib.progression.distribution=weibull"])
    params = load_params("gist", overrides=["regorafenib.progression.distribution=weibull",
                                            "regorafenib.progression.shape=1.5"])
    assert params.event_params("regorafenib", "progression").timing.shape.value == 1.5


@given(st.floats(0.05, 500, allow_nan=False))
@FEW
def test_any_positive_median_override_is_taken(median):
    """Any positive median given with --set is used as given (months)."""
    params = load_params("gist", overrides=[f"ripretinib.progression.median_months={median!r}"])
    assert params.event_params("ripretinib", "progression").timing.median == pytest.approx(median)


@given(st.integers(0, 100))
@FEW
def test_any_split_of_the_limited_share_is_taken(percent):
    """Any limited/widespread split that sums to 100% is accepted; the value is the share given."""
    params = load_params("gist", overrides=[f"imatinib_400.progression.extent.limited={percent}%",
                                            f"imatinib_400.progression.extent.widespread={100 - percent}%"])
    limited = params.event_params("imatinib_400", "progression").choices["extent"]["limited"]
    assert limited.value == pytest.approx(percent / 100)


def test_a_partial_file_is_merged_over_the_shipped_one(tmp_path):
    """``path=FILE`` changes only what it gives, keeps its provenance rules and deletes with null."""
    partial = tmp_path / "mine.yaml"
    partial.write_text("states:\n"
                       "  regorafenib:\n"
                       "    progression:\n"
                       "      median_months: {months: 6, source: \"my own reading\"}\n"
                       "  imatinib_400:\n"
                       "    after: null\n", "utf-8")
    params = load_params("gist", path=partial)
    assert params.event_params("regorafenib", "progression").timing.median == 6
    assert params.event_params("ripretinib", "progression").timing.median == 6.3
    assert params.states["imatinib_400"].after == {}
    assert params.origin == f"sarcoma_sim/cohort/params/data/gist.yaml + {partial}"


def test_errors_in_a_partial_file_point_into_that_file(tmp_path):
    """A mistake in the partial file is reported with that file's name and line."""
    partial = tmp_path / "mine.yaml"
    partial.write_text("states:\n  regorafenib:\n    progression:\n      median_months: {months: 6}\n", "utf-8")
    with pytest.raises(ParameterError) as caught:
        load_params("gist", path=partial)
    assert f"{partial}:4 at states.regorafenib.progression.median_months: every value needs its provenance" \
           in str(caught.value)


def test_an_unreadable_partial_file_is_a_pathway_error(tmp_path):
    """A missing or non-YAML parameter file is a ParameterError naming it."""
    with pytest.raises(ParameterError, match="no such file"):
        load_params("gist", path=tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("states: [\n", "utf-8")
    with pytest.raises(ParameterError, match="YAML syntax error"):
        load_params("gist", path=bad)


def test_a_pathway_without_a_shipped_file_needs_one():
    """A custom pathway has no shipped parameters: a clear error until a file is given."""
    from helpers.fake_cohort import demo_pathway
    with pytest.raises(ParameterError, match="no parameter file ships for 'demo'"):
        load_params(demo_pathway())


# -- extreme numbers and located overrides (issue 13 items 1-4, 13) ----------------------------

def override_problems(*items: str) -> list[str]:
    """The problems of GIST's shipped parameters with ``items`` as --set overrides."""
    with pytest.raises(ParameterError) as caught:
        load_params("gist", overrides=list(items))
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("value", ["1.7e308y", "1e305", "1000001", "1e300wk"])
def test_times_past_the_longest_time_are_refused_after_conversion(value):
    """A median that is finite as written but beyond MAX_MONTHS (or infinite) once in months is refused."""
    found = override_problems(f"imatinib_400.progression.median_months={value}")
    assert len(found) == 1
    assert found[0].startswith(f"--set imatinib_400.progression.median_months={value} at "
                               "states.imatinib_400.progression.median_months")
    assert "at most 1,000,000 months" in found[0]


def test_the_longest_time_itself_is_accepted():
    """MAX_MONTHS is inside the accepted range."""
    params = load_params("gist", overrides=["imatinib_400.progression.median_months=1000000"])
    assert params.event_params("imatinib_400", "progression").timing.median == 1_000_000


@pytest.mark.parametrize("distribution, shape, accepted", [
    ("weibull", "0.0001", False), ("weibull", "0.049", False), ("weibull", "0.05", True),
    ("weibull", "1000", True), ("weibull", "1001", False),
    ("lognormal", "10", True), ("lognormal", "10.5", False),
])
def test_shapes_outside_what_the_engines_can_sample_are_refused(distribution, shape, accepted):
    """Weibull k below 0.05 (the ZeroDivisionError of issue 13) or a log-normal sigma above 10 is refused."""
    items = [f"imatinib_400.progression.distribution={distribution}", f"imatinib_400.progression.shape={shape}"]
    if accepted:
        assert load_params("gist", overrides=items).event_params("imatinib_400", "progression").timing.shape.value \
            == float(shape)
    else:
        found = override_problems(*items)
        assert len(found) == 1 and found[0].startswith(f"--set imatinib_400.progression.shape={shape} at ")
        assert "outside it the drawn times leave the range a float holds" in found[0]


def test_huge_integer_in_a_parameter_file_is_a_located_parameter_error(tmp_path):
    """A 401-digit number in --params is a ParameterError at its line and path."""
    path = tmp_path / "p.yaml"
    path.write_text("subtype: gist\nstates:\n  imatinib_400:\n    progression:\n      median_months: {months: "
                    + "1" * 401 + "}\n", encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        load_params("gist", path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == (str(path), 5) and "too large" in problem.message


@pytest.mark.parametrize("key, missing", [
    ("imatinib_400.progression.median_months", "median_months is required but missing"),
    ("imatinib_400.progression.shape", "needs shape"),
])
def test_removing_a_key_with_none_blames_the_override(key, missing):
    """``--set KEY=none`` that leaves a required value missing names the override, not the shipped file's line."""
    items = [f"{key}=none"]
    if key.endswith("shape"):
        items = ["imatinib_400.progression.distribution=weibull", "imatinib_400.progression.shape=0.5", *items]
    found = override_problems(*items)
    assert len(found) == 1, found
    assert found[0].startswith(f"--set {key}=none at states.imatinib_400.progression: ")
    assert missing in found[0] and "gist.yaml" not in found[0]


def test_parameter_problems_are_parameter_errors_not_pathway_errors():
    """A bad parameter file is a ParameterError, which the error family keeps apart from pathway errors."""

    with pytest.raises(ParameterError) as caught:
        load_params("gist", overrides=["imatinib_400.progression.median_months=-1"])
    assert not isinstance(caught.value, PathwayError)


def test_pfs_endpoint_takes_the_state_death_rate_out_of_progression():
    """``endpoint: pfs``: progression and the state's death together have the published (latent) median."""
    from sarcoma_sim.cohort.params.model import latent_median, net_of_death

    params = load_params("leiomyosarcoma")
    progression = params.event_params("pazopanib", "progression").timing
    death = params.event_params("pazopanib", "death").timing.median
    combined = latent_median("exponential", None, 4.6, 3.0)
    assert progression.median == pytest.approx(net_of_death(combined, death))
    assert 1 / progression.median + 1 / death == pytest.approx(1 / combined)
    assert "counts death too" in progression.median_months.note


@pytest.mark.parametrize("override, words", [
    ("pazopanib.progression.endpoint=final", "expected endpoint: one of event, pfs"),
    ("pazopanib.death.median_months=3", "needs a death median longer than the PFS median"),
])
def test_a_wrong_pfs_endpoint_is_an_error(capsys, override, words):
    """An unknown endpoint, or a death shorter than the PFS it would be taken from, exits 1 naming it."""
    from helpers.cli_runner import run_cli

    code, out, err = run_cli(capsys, "cohort", "leiomyosarcoma", "-n", "10", "--seed", "1", "--set", override)
    assert code == 1 and out == "" and err.startswith("error: ") and words in err, err
    assert "Traceback" not in err


def test_a_median_shorter_than_half_an_assessment_interval_is_a_located_error():
    """A median observed at 3-monthly visits cannot be 1 month: the error names the file, line and path."""
    every = "      observed_every_months: {months: 3, illustrative: true}\n"
    text = GIST_TEXT.replace("  regorafenib:\n    progression:\n", "  regorafenib:\n    progression:\n" + every, 1)
    text = re.sub(r"(  regorafenib:\n    progression:\n(?:      .*\n)*?      median_months: )\{[^}]*\}",
                  r"\1{months: 1, illustrative: true}", text, count=1)
    problems = problems_of(text)
    assert any("states.regorafenib.progression.median_months" in p and "at least half an interval" in p
               for p in problems), problems


@pytest.mark.parametrize("median, every", [(5e-324, 5e-324), (1e305, 3.0), (18.0, 5e-324), (3.0, 3.0)])
def test_latent_medians_at_the_extremes_are_finite_and_reproduce_the_published_median(median, every):
    """Extreme medians and intervals give a finite latent median whose observed median is the published one."""
    from sarcoma_sim.cohort.params.model import Quantity, Timing, latent_median, observed_median
    latent = latent_median("exponential", None, median, every)
    assert 0 < latent <= median and math.isfinite(latent)
    observed = observed_median(Timing("exponential", Quantity(latent, ""), None), every)
    assert observed == pytest.approx(median, rel=1e-6)
