"""PSA distributions: moments, shares and correlations of the draws; paths checked; impossible draws refused."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from sarcoma_sim.economics.inputs import EconomicInputError, load_inputs
from sarcoma_sim.economics.paramset import set_param, with_params
from sarcoma_sim.economics.uncertainty import check_draws, draw, read_uncertainty, sample_seed
from sarcoma_sim.pathways.yamlsource import parse_yaml

from helpers.economics import COSTS, STRATEGIES, load_gist


@pytest.fixture(scope="module")
def gist():
    """(pathway, params) of the shipped GIST files."""
    return load_gist()


def _entries(gist, uncertainty):
    doc = parse_yaml(yaml.safe_dump({"uncertainty": uncertainty}), "strategies.yaml", error=EconomicInputError)
    return read_uncertainty(doc, [gist[1]], load_inputs(COSTS, gist[0]))


def test_each_distribution_draws_its_mean_and_spread(gist):
    """Beta, gamma, lognormal and normal by mean and sd; Dirichlet shares sum to one; the mvnormal
    group has its correlation."""
    price = "drugs.imatinib.price_per_mg"
    entries = _entries(gist, [
        {"path": "params.states.imatinib_400.progression.median_months", "distribution": "gamma", "mean": 18,
         "sd": 3, "illustrative": True},
        {"path": "params.states.imatinib_400.progression.extent.limited", "distribution": "beta", "mean": 0.2,
         "sd": 0.05, "illustrative": True},
        {"path": price, "distribution": "lognormal", "mean": 0.13, "sd": 0.02, "illustrative": True},
        {"path": "monthly.by_kind.therapy.outpatient_and_monitoring", "distribution": "normal", "mean": 350,
         "sd": 20, "illustrative": True},
        {"paths": ["params.states.imatinib_800_exon9.progression.option.sunitinib_37_5_continuous",
                   "params.states.imatinib_800_exon9.progression.option.sunitinib_50_intermittent"],
         "distribution": "dirichlet", "alpha": [2, 6], "illustrative": True},
        {"paths": ["utilities.by_kind.therapy", "utilities.by_kind.supportive_care"], "distribution": "mvnormal",
         "mean": [0.7, 0.5], "sd": [0.03, 0.04], "correlation": [[1, 0.7], [0.7, 1]], "illustrative": True},
    ])
    paths, values = draw(entries, 40_000, 3)
    assert len(paths) == 8 and values.shape == (40_000, 8)
    for j, (mean, sd) in enumerate([(18, 3), (0.2, 0.05), (0.13, 0.02), (350, 20)]):
        assert values[:, j].mean() == pytest.approx(mean, rel=0.01)
        assert values[:, j].std() == pytest.approx(sd, rel=0.03)
    assert values[:, 4] + values[:, 5] == pytest.approx(np.ones(40_000))
    assert values[:, 4].mean() == pytest.approx(0.25, rel=0.02)
    assert np.corrcoef(values[:, 6], values[:, 7])[0, 1] == pytest.approx(0.7, abs=0.02)
    assert (values[:, 2] > 0).all() and ((values[:, 1] > 0) & (values[:, 1] < 1)).all()
    again_paths, again = draw(entries, 40_000, 3)
    assert again_paths == paths and np.array_equal(again, values)
    assert not np.array_equal(draw(entries, 100, 4)[1], values[:100])
    assert np.array_equal(draw(entries, 100, 3)[1], values[:100])   # a sample's values do not depend on K


@pytest.mark.parametrize("entry, where, says", [
    ({"path": "params.states.imatinib_999.progression.median_months", "distribution": "gamma", "mean": 1, "sd": 1,
      "illustrative": True}, "uncertainty[0].path", "no parameter"),
    ({"path": "drugs.aspirin.price_per_mg", "distribution": "gamma", "mean": 1, "sd": 1, "illustrative": True},
     "uncertainty[0].path", "no economic input"),
    ({"path": "drugs.imatinib.price_per_mg", "distribution": "gamma", "mean": 1, "sd": 1},
     "uncertainty[0]", "cite a source"),
    ({"path": "drugs.imatinib.price_per_mg", "distribution": "beta", "mean": 2, "sd": 1, "illustrative": True},
     "uncertainty[0]", "0 < mean < 1"),
    ({"path": "drugs.imatinib.price_per_mg", "distribution": "weibull", "mean": 2, "sd": 1, "illustrative": True},
     "uncertainty[0].distribution", "expected one of"),
    ({"paths": ["utilities.by_kind.therapy", "utilities.by_kind.supportive_care"], "distribution": "mvnormal",
      "mean": [0.7, 0.5], "sd": [0.1, 0.1], "correlation": [[1, 2], [2, 1]], "illustrative": True},
     "uncertainty[0]", "positive semi-definite"),
    ({"paths": ["utilities.by_kind.therapy"], "distribution": "dirichlet", "alpha": [1], "illustrative": True},
     "uncertainty[0].paths", "two or more"),
])
def test_each_wrong_distribution_is_a_located_error(gist, entry, where, says):
    """A wrong uncertainty entry names the file, the path inside it and what was expected."""
    with pytest.raises(EconomicInputError) as caught:
        _entries(gist, [entry])
    problem = next(p for p in caught.value.problems if p.path == where)
    assert problem.file == "strategies.yaml" and says in problem.message


def test_impossible_draws_are_refused_with_the_entry_named(gist):
    """A normal distribution on a time that draws negative values is refused, naming its entry."""
    entries = _entries(gist, [{"path": "params.states.imatinib_400.progression.median_months",
                               "distribution": "normal", "mean": 1, "sd": 2, "illustrative": True}])
    paths, values = draw(entries, 200, 1)
    with pytest.raises(EconomicInputError, match=r"draws of params.states.imatinib_400.progression.median_months "
                                                 r"are impossible"):
        check_draws(entries, paths, values, "strategies.yaml")


def test_set_param_replaces_exactly_one_number(gist):
    """Setting a median, a shape, a branch probability or a by-genotype median changes that number only."""
    params = gist[1]
    changed = with_params(params, {"states.imatinib_400.progression.median_months": 7.0,
                                   "states.imatinib_400.progression.shape": 1.3,
                                   "states.imatinib_400.progression.extent.limited": 0.4,
                                   "states.imatinib_400.progression.by_patient.kit_exon.exon11.median_months": 30.0,
                                   "states.imatinib_400.after.resection.progression.median_months": 4.0})
    ep = changed.states["imatinib_400"].events["progression"]
    assert (ep.timing.median, ep.timing.shape.value, ep.choices["extent"]["limited"].value) == (7.0, 1.3, 0.4)
    assert ep.timing_for({"kit_exon": "exon11"}).median == 30.0
    assert changed.states["imatinib_400"].after["resection"]["progression"].timing.median == 4.0
    assert params.states["imatinib_400"].events["progression"].timing.median != 7.0
    assert changed.states["sunitinib_50_intermittent"] == params.states["sunitinib_50_intermittent"]
    with pytest.raises(KeyError, match="no event"):
        set_param(params, "states.imatinib_400.nothing.median_months", 1.0)


def test_sample_seeds_depend_on_seed_and_sample_only():
    """Sample k's cohort seed is the same however it is computed, and differs between samples."""
    seeds = [sample_seed(5, k) for k in range(100)]
    assert len(set(seeds)) == 100 and seeds[7] == sample_seed(5, 7) and sample_seed(6, 7) != seeds[7]
    assert STRATEGIES.exists()
