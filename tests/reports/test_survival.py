"""Tests of overall survival (sarcoma_sim.reports.survival): Kaplan-Meier with and without censoring."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.cohort.engines import simulate
from sarcoma_sim.cohort.params import load_params
from sarcoma_sim.pathways.load import load_subtype
from sarcoma_sim.reports.survival import kaplan_meier, median_survival, overall_survival, survival_at

from helpers.budget import examples
from helpers.fake_cohort import demo_pathway, random_walk


def test_kaplan_meier_by_hand():
    """Six patients, two censored: the product-limit values worked out by hand."""
    times = np.array([1.0, 2.0, 2.0, 3.0, 4.0, 5.0])
    died = np.array([True, True, False, True, False, True])
    t, s = kaplan_meier(times, died)
    assert t.tolist() == [1.0, 2.0, 3.0, 5.0]
    assert s == pytest.approx([5 / 6, 5 / 6 * 4 / 5, 5 / 6 * 4 / 5 * 2 / 3, 0.0])
    assert median_survival((t, s)) == 3.0
    assert survival_at((t, s), 0.5) == 1.0 and survival_at((t, s), 2.5) == pytest.approx(2 / 3)


@settings(max_examples=examples(50), deadline=None)
@given(st.lists(st.floats(0.01, 100.0, allow_nan=False), min_size=1, max_size=60))
def test_without_censoring_km_is_the_share_alive(values):
    """With every patient dead, S(t) is the share who died after t and the median is a sample order statistic."""
    times = np.array(values)
    curve = kaplan_meier(times, np.ones(len(times), bool))
    for m in (0.5, 10.0, 50.0):
        assert survival_at(curve, m) == pytest.approx(np.mean(times > m))
    ordered = np.sort(times)
    assert median_survival(curve) == ordered[int(np.ceil(len(times) / 2)) - 1]


def test_a_pathway_without_exits_has_no_survival():
    """A log without a death state gives None, not a made-up survival."""
    result = random_walk(demo_pathway(), 50, 1)
    assert overall_survival(result.log) is None


def test_gist_survival_is_reported_with_km_points():
    """A GIST cohort's summary figures: everyone dies, S falls over 1, 2 and 5 years."""
    result = simulate(load_subtype("gist"), load_params("gist"), 3000, 7)
    os_ = overall_survival(result.log)
    assert os_["died"] == 1.0 and os_["censored"] == 0.0
    km = os_["km"]
    assert 1.0 > km["12"] > km["24"] > km["60"] > 0.0
    assert os_["median_months"] > 0


def test_leaving_the_pathway_is_censored():
    """NTRK patients without a fusion leave the pathway at once: censored, not counted as deaths."""
    result = simulate(load_subtype("ntrk"), load_params("ntrk"), 3000, 7)
    os_ = overall_survival(result.log)
    assert 0.0 < os_["censored"] < 1.0
    assert os_["died"] + os_["censored"] == pytest.approx(1.0)
