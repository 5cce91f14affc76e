"""One-way sensitivity: ranges from the file or the distributions' 95% intervals, each wrong range a
located error, and results that are the model's own at each end."""

from __future__ import annotations

import dataclasses
from statistics import NormalDist

import numpy as np
import pytest
import yaml

from sarcoma_sim.economics.inputs import EconomicInputError, load_inputs
from sarcoma_sim.economics.oneway import (
    FILE_RANGE,
    INTERVAL,
    Range,
    _icer,
    distribution_ranges,
    one_way,
    one_way_ranges,
    read_ranges,
)
from sarcoma_sim.economics.psa import build_model, run_sample
from sarcoma_sim.economics.strategies import load_analysis
from sarcoma_sim.economics.uncertainty import read_uncertainty
from sarcoma_sim.pathways.yamlsource import parse_yaml

from helpers.economics import COSTS, STRATEGIES, load_gist

PRICE = "drugs.imatinib.price_per_mg"
MEDIAN = "params.states.imatinib_400.progression.median_months"


@pytest.fixture(scope="module")
def gist():
    """(pathway, params) of the shipped GIST files."""
    return load_gist()


def _doc(data):
    return parse_yaml(yaml.safe_dump(data), "strategies.yaml", error=EconomicInputError)


def _ranges(gist, oneway):
    return read_ranges(_doc({"oneway": oneway}), [gist[1]], load_inputs(COSTS, gist[0]))


def _entries(gist, uncertainty):
    return read_uncertainty(_doc({"uncertainty": uncertainty}), [gist[1]], load_inputs(COSTS, gist[0]))


def test_a_range_in_the_file_moves_its_paths_together_with_its_provenance(gist):
    """Two utilities of one health state share one range; a discount rate is a path too."""
    ranges = _ranges(gist, [
        {"name": "first line", "paths": ["utilities.states.imatinib_400", "utilities.states.imatinib_800_exon9"],
         "low": 0.7, "high": 0.8, "illustrative": True},
        {"path": "discount.costs", "low": 0.0, "high": 0.06, "source": "a methods guide"}])
    assert ranges[0] == Range("first line", ("utilities.states.imatinib_400", "utilities.states.imatinib_800_exon9"),
                              0.7, 0.8, f"{FILE_RANGE} (illustrative)")
    assert ranges[1].paths == ("discount.costs",) and ranges[1].basis == f"{FILE_RANGE} (source: a methods guide)"


@pytest.mark.parametrize("oneway, where, says", [
    ({"path": PRICE}, "oneway", "expected a list"),
    (["x"], "oneway[0]", "expected a mapping"),
    ([{"path": PRICE, "paths": [PRICE], "low": 0, "high": 1, "illustrative": True}], "oneway[0]", "give path"),
    ([{"path": PRICE, "low": 0, "high": 1, "illustrative": True, "step": 2}], "oneway[0].step", "unknown key"),
    ([{"path": "drugs.aspirin.price_per_mg", "low": 0, "high": 1, "illustrative": True}], "oneway[0].path",
     "no economic input"),
    ([{"path": "params.states.imatinib_999.progression.median_months", "low": 1, "high": 2, "illustrative": True}],
     "oneway[0].path", "no parameter"),
    ([{"path": "discount.money", "low": 0, "high": 0.1, "illustrative": True}], "oneway[0].path",
     "no discount rate 'money'"),
    ([{"paths": [], "low": 0, "high": 1, "illustrative": True}], "oneway[0].paths", "expected a path or a list"),
    ([{"path": PRICE, "low": "cheap", "high": 1, "illustrative": True}], "oneway[0].low", "expected a finite number"),
    ([{"path": PRICE, "low": 0.2, "high": 0.1, "illustrative": True}], "oneway[0].high", "expected high > low"),
    ([{"path": "utilities.by_kind.therapy", "low": 0.5, "high": 1.2, "illustrative": True}], "oneway[0]",
     "a utility must be at most 1"),
    ([{"path": "discount.qalys", "low": 0.0, "high": 1.5, "illustrative": True}], "oneway[0]",
     "a discount rate per year must lie in [0, 1)"),
    ([{"path": MEDIAN, "low": 0, "high": 12, "illustrative": True}], "oneway[0]", "a time or shape must be > 0"),
    ([{"path": PRICE, "low": 0.01, "high": 0.1}], "oneway[0]", "cite a source"),
    ([{"path": PRICE, "low": 0.01, "high": 0.1, "illustrative": True},
      {"paths": [PRICE], "low": 0.02, "high": 0.2, "illustrative": True}], "oneway[1].paths", "a range twice"),
])
def test_each_wrong_range_is_a_located_error(gist, oneway, where, says):
    """A wrong one-way range names the file, the path inside it and what was expected."""
    with pytest.raises(EconomicInputError) as caught:
        _ranges(gist, oneway)
    problem = next(p for p in caught.value.problems if p.path == where)
    assert problem.file == "strategies.yaml" and says in problem.message


def test_a_wrong_range_in_the_shipped_strategies_is_located_at_its_line(gist, tmp_path):
    """In a real file, the error carries the line of the range it blames."""
    text = STRATEGIES.read_text(encoding="utf-8").replace("    low: 0.68\n", "    low: 0.9\n")
    bad = tmp_path / "strategies.yaml"
    bad.write_text(text, encoding="utf-8")
    analysis = load_analysis(bad, *gist)
    with pytest.raises(EconomicInputError) as caught:
        read_ranges(analysis.document, [gist[1]], load_inputs(COSTS, gist[0]))
    (problem,) = caught.value.problems
    line = text.splitlines().index("    high: 0.84") + 1
    assert (problem.file, problem.line, problem.path) == (str(bad), line, "oneway[0].high")


def test_intervals_are_the_distributions_own_quantiles(gist):
    """Normal and log-normal ends are exact; gamma and beta ends match their quantile functions; each
    component of a multivariate normal gets its marginal interval; a Dirichlet share gets none."""
    scipy_stats = pytest.importorskip("scipy.stats")
    entries = _entries(gist, [
        {"path": MEDIAN, "distribution": "gamma", "mean": 8.4, "sd": 1.5, "illustrative": True},
        {"path": "params.states.imatinib_400.progression.extent.limited", "distribution": "beta", "mean": 0.2,
         "sd": 0.05, "illustrative": True},
        {"path": PRICE, "distribution": "lognormal", "mean": 0.025, "sd": 0.008, "illustrative": True},
        {"path": "monthly.by_kind.therapy.outpatient_and_monitoring", "distribution": "normal", "mean": 350,
         "sd": 20, "illustrative": True},
        {"paths": ["utilities.by_kind.therapy", "utilities.by_kind.supportive_care"], "distribution": "mvnormal",
         "mean": [0.66, 0.5], "sd": [0.05, 0.04], "correlation": [[1, 0.6], [0.6, 1]], "illustrative": True},
        {"paths": ["params.states.imatinib_800_exon9.progression.option.sunitinib_37_5_continuous",
                   "params.states.imatinib_800_exon9.progression.option.sunitinib_50_intermittent"],
         "distribution": "dirichlet", "alpha": [10, 10], "illustrative": True}])
    ranges = {r.paths[0]: r for r in distribution_ranges(entries, 7)}
    assert len(ranges) == 6 and all(r.basis == INTERVAL for r in ranges.values())
    shape = (8.4 / 1.5) ** 2
    assert (ranges[MEDIAN].low, ranges[MEDIAN].high) == pytest.approx(
        scipy_stats.gamma.ppf([0.025, 0.975], shape, scale=8.4 / shape), rel=3e-3)
    common = 0.2 * 0.8 / 0.05 ** 2 - 1
    limited = ranges["params.states.imatinib_400.progression.extent.limited"]
    assert (limited.low, limited.high) == pytest.approx(
        scipy_stats.beta.ppf([0.025, 0.975], 0.2 * common, 0.8 * common), rel=3e-3)
    sigma2 = np.log1p((0.008 / 0.025) ** 2)
    log_ends = np.exp(np.log(0.025) - sigma2 / 2 + np.sqrt(sigma2) * np.array([-1, 1]) * NormalDist().inv_cdf(0.975))
    assert (ranges[PRICE].low, ranges[PRICE].high) == pytest.approx(log_ends, rel=1e-12)
    cost = ranges["monthly.by_kind.therapy.outpatient_and_monitoring"]
    assert (cost.low, cost.high) == pytest.approx((350 - 1.959964 * 20, 350 + 1.959964 * 20), rel=1e-6)
    care = ranges["utilities.by_kind.supportive_care"]
    assert (care.low, care.high) == pytest.approx((0.5 - 1.959964 * 0.04, 0.5 + 1.959964 * 0.04), rel=1e-6)
    assert distribution_ranges(entries, 7) == distribution_ranges(entries, 7)     # the seed decides


def test_a_range_in_the_file_replaces_the_distributions_for_its_paths(gist):
    """A path with a file range gets no interval bar; the file's ranges come first."""
    entries = _entries(gist, [{"path": PRICE, "distribution": "lognormal", "mean": 0.025, "sd": 0.008,
                               "illustrative": True},
                              {"path": MEDIAN, "distribution": "gamma", "mean": 8.4, "sd": 1.5, "illustrative": True}])
    given = _ranges(gist, [{"path": PRICE, "low": 0.0167, "high": 0.13367, "illustrative": True}])
    ranges = one_way_ranges(entries, given, 1)
    assert [(r.paths, r.basis.split(" (")[0]) for r in ranges] == [((PRICE,), FILE_RANGE), ((MEDIAN,), INTERVAL)]


def test_each_end_is_the_model_run_at_that_value_on_the_base_case_seed(gist):
    """The INMB and ICER at an end are those of the sample run with that value alone; a discount range
    runs the model at that rate."""
    pathway, params = gist
    analysis = load_analysis(STRATEGIES, pathway, params)
    model = build_model(pathway, params, analysis, load_inputs(COSTS, pathway), 400)
    ranges = [Range("price", (PRICE,), 0.01, 0.05, FILE_RANGE),
              Range("discount", ("discount.costs", "discount.qalys"), 0.0, 0.06, FILE_RANGE)]
    price, discount = one_way(model, ranges, 5, 20_000.0, "imatinib_400")
    t400, t800 = run_sample(model, [PRICE], np.array([0.05]), 5)
    d = t800.means - t400.means
    assert price.inmb_high["imatinib_800"] == pytest.approx(20_000 * d[1] - d[0], rel=1e-12)
    assert price.icer_high["imatinib_800"] == pytest.approx(d[0] / d[1], rel=1e-12)
    flat = dataclasses.replace(model, discount={**model.discount, "costs": 0.0, "qalys": 0.0})
    t400, t800 = run_sample(flat, [], None, 5)
    d = t800.means - t400.means
    assert discount.inmb_low["imatinib_800"] == pytest.approx(20_000 * d[1] - d[0], rel=1e-12)


@pytest.mark.parametrize("cost, qalys, icer, quadrant", [
    (100.0, 0.01, 10_000.0, "more QALYs at more cost"), (-100.0, -0.01, 10_000.0, "fewer QALYs at less cost"),
    (100.0, -0.01, None, "dominated"), (-100.0, 0.01, None, "dominant"), (0.0, 0.0, None, "same costs and QALYs"),
    (5.0, 0.0, None, "dominated")])
def test_an_icer_is_given_only_where_it_means_one_thing(cost, qalys, icer, quadrant):
    """A negative ratio is never printed: the quadrant says dominated or dominant instead."""
    value, where = _icer(np.array([cost, qalys, 0.0]))
    assert where == quadrant and (value == pytest.approx(icer) if icer is not None else value is None)
