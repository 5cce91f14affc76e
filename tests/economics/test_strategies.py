"""Strategies files: redirects and settings apply; states that do not exist are located errors."""

from __future__ import annotations

import pytest
import yaml

from sarcoma_sim.economics.inputs import EconomicInputError
from sarcoma_sim.economics.strategies import analysis_from_document, apply_strategy, load_analysis, restrict_population
from sarcoma_sim.pathways.yamlsource import parse_yaml

from helpers.economics import STRATEGIES, load_gist


@pytest.fixture(scope="module")
def gist():
    """(pathway, params) of the shipped GIST files."""
    return load_gist()


def _doc(data):
    return parse_yaml(yaml.safe_dump(data, sort_keys=False), "strategies.yaml", error=EconomicInputError)


def _base():
    return yaml.safe_load(STRATEGIES.read_text(encoding="utf-8"))


def test_the_worked_example_redirects_exon9_to_400_mg_and_sets_both_times(gist):
    """The 400 mg strategy sends exon 9 patients from the workup to imatinib 400 mg with its set median;
    the 800 mg strategy keeps the pathway's choice and sets the 800 mg arm's longer median (exon 9 benefit)."""
    pathway, params = gist
    analysis = load_analysis(STRATEGIES, pathway, params)
    assert [s.id for s in analysis.strategies] == ["imatinib_400", "imatinib_800"]
    variant, variant_params = apply_strategy(pathway, params, analysis, analysis.strategies[0])
    targets = [t.target for t in variant.outgoing("workup", "start")]
    assert "imatinib_800_exon9" not in targets and targets.count("imatinib_400") == 2
    timing = variant_params.states["imatinib_400"].events["progression"].timing
    assert (timing.distribution, timing.median) == ("exponential", 8.4)
    assert [g.name for g in variant_params.population] == ["kit_exon9"]
    assert variant_params.population[0].prevalence.value == pytest.approx(1.0)
    same, same_params = apply_strategy(pathway, params, analysis, analysis.strategies[1])
    assert same.transitions == pathway.transitions
    longer = same_params.states["imatinib_800_exon9"].events["progression"].timing
    assert longer.median == 21.5 > params.states["imatinib_800_exon9"].events["progression"].timing.median
    assert longer.median / timing.median == pytest.approx(1 / 0.39, rel=0.01)     # EORTC 62005: risk cut by 61%
    assert analysis.discount == {"costs": 0.035, "qalys": 0.035, "life_years": 0.035}


def test_restricting_the_population_rescales_prevalences(gist):
    """Two groups kept: their shares are rescaled to sum to one, in the same ratio."""
    params = gist[1]
    kept = restrict_population(params, ("kit_exon9", "kit_exon11"))
    shares = {g.name: g.prevalence.value for g in kept.population}
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["kit_exon11"] / shares["kit_exon9"] == pytest.approx(66.12 / 7.48)


@pytest.mark.parametrize("change, where, says", [
    (lambda d: d["strategies"][0]["redirect"][0].update(to="imatinib_999"), "strategies[0].redirect[0].to",
     "no state 'imatinib_999'"),
    (lambda d: d["strategies"][0]["redirect"][0].update(instead_of="ripretinib"),
     "strategies[0].redirect[0].instead_of", "never enters 'ripretinib'"),
    (lambda d: d["strategies"][0]["redirect"][0].update(event="resected"), "strategies[0].redirect[0].event",
     "has no event 'resected'"),
    (lambda d: d["strategies"][0]["set"].update({"imatinib_400.progression.median_months": 5}),
     "strategies[0].set.imatinib_400.progression.median_months", "expected a mapping"),
    (lambda d: d["strategies"][0]["set"].update({"imatinib_401.progression.median_months":
                                                 {"value": 5, "illustrative": True}}),
     "strategies[0].set.imatinib_401.progression.median_months", "unknown key"),
    (lambda d: d.update(population=["kit_exon99"]), "population[0]", "no population group 'kit_exon99'"),
    (lambda d: d.update(reference="nothing"), "reference", "no strategy 'nothing'"),
    (lambda d: d.update(subtype="dfsp"), "subtype", "expected 'gist'"),
    (lambda d: d.update(discount={"costs": 1.5}), "discount.costs", "rate per year"),
    (lambda d: d["strategies"].append({"id": "imatinib_800"}), "strategies[2].id", "named twice"),
    (lambda d: d.update(strategies=[{"id": "one"}]), "strategies", "at least two"),
])
def test_each_wrong_strategy_file_is_a_located_error(gist, change, where, says):
    """A wrong strategies file names the file, line and path, and what was expected."""
    data = _base()
    change(data)
    with pytest.raises(EconomicInputError) as caught:
        analysis_from_document(_doc(data), *gist)
    problem = next(p for p in caught.value.problems if p.path == where)
    assert problem.file == "strategies.yaml" and problem.line is not None
    assert says in problem.message
