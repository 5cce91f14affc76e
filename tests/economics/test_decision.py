"""Decision results against a published worked example and independent implementations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sarcoma_sim.economics.decision import DOMINATED, EXTENDED, ND, ceac, ceaf, evpi, evppi, incremental_table


def test_the_dampack_hiv_screening_example():
    """dampack's basic CEA vignette (Alarid-Escudero, Enns, Knowlton et al., HIV screening: costs
    26000..29440, QALYs 277.25..277.76 / 12): 'annual' is dominated and the ICERs, recomputed by hand
    from the vignette's inputs, are 37,500, 58,285.71 and 100,800."""
    names = ["status quo", "one time", "5yr", "3yr", "annual"]
    costs = np.array([26000, 27000, 28020, 28440, 29440.0])
    qalys = np.array([277.25, 277.57, 277.78, 277.83, 277.76]) / 12
    rows = {r.strategy: r for r in incremental_table(names, costs, qalys)}
    assert rows["annual"].status == DOMINATED and rows["annual"].icer is None
    assert rows["status quo"].status == ND and rows["status quo"].icer is None
    assert rows["one time"].icer == pytest.approx(1000 / (0.32 / 12))
    assert rows["5yr"].icer == pytest.approx(58285.714, rel=1e-6)
    assert rows["3yr"].icer == pytest.approx(100800.0)


def test_extended_dominance_is_found_and_icers_are_against_the_frontier():
    """B (ICER 500 v A) lies above the line from A to C (ICER 300): B is extendedly dominated, C v A."""
    rows = {r.strategy: r for r in incremental_table(["A", "B", "C"], np.array([0.0, 500, 600]),
                                                     np.array([0.0, 1, 2]))}
    assert rows["B"].status == EXTENDED
    assert rows["C"].icer == pytest.approx(300.0)


def _frontier_by_net_benefit(costs, effects) -> set[int]:
    """Independent: a strategy is on the frontier iff some WTP >= 0 makes its NMB strictly the highest
    (the WTPs where i beats j form a half-line; intersect them)."""
    found = set()
    for i in range(len(costs)):
        low, high = -np.inf, np.inf
        for j in range(len(costs)):
            if j == i:
                continue
            de, dc = effects[i] - effects[j], costs[i] - costs[j]
            if de > 0:
                low = max(low, dc / de)
            elif de < 0:
                high = min(high, dc / de)
            elif dc >= 0:
                high = -np.inf
        if (low < 0 and high > 0) or (low >= 0 and low < high):
            found.add(i)
    return found


@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**4)), min_size=2, max_size=8, unique=True))
def test_the_non_dominated_strategies_are_those_with_the_highest_nmb_somewhere(points):
    """The table's non-dominated set equals the NMB-based frontier, and its ICERs increase."""
    costs = np.array([float(c) for c, _ in points])
    effects = np.array([float(e) + 0.001 * c for c, e in points])   # no two points share a cost or an effect...
    assume(len(set(costs)) == len(costs) and len(set(effects)) == len(effects))
    slopes = {(effects[j] - effects[i]) / (costs[j] - costs[i]) for i in range(len(costs)) for j in range(i)}
    assume(len(slopes) == len(costs) * (len(costs) - 1) // 2)      # ...and no three are collinear
    rows = incremental_table([str(i) for i in range(len(costs))], costs, effects)
    table = {int(r.strategy) for r in rows if r.status == ND}
    assert table == _frontier_by_net_benefit(costs, effects)
    icers = [r.icer for r in rows if r.icer is not None]
    assert icers == sorted(icers) and all(x > 0 for x in icers)


def test_ceac_ceaf_and_evpi_equal_a_sample_by_sample_loop():
    """CEAC shares, the frontier and EVPI equal plain loops over samples and strategies."""
    rng = np.random.default_rng(8)
    costs = rng.normal([1000, 1500, 1600], 300, size=(500, 3))
    effects = rng.normal([1.0, 1.05, 1.02], 0.05, size=(500, 3))
    wtps = np.array([0.0, 5000, 10000, 20000, 50000])
    curve = ceac(costs, effects, wtps)
    best_mean, prob = ceaf(costs, effects, wtps)
    for i, w in enumerate(wtps):
        wins = np.zeros(3)
        for k in range(500):
            wins[max(range(3), key=lambda s: (w * effects[k, s] - costs[k, s], -s))] += 1
        assert curve[i] == pytest.approx(wins / 500)
        expected = [np.mean([w * effects[k, s] - costs[k, s] for k in range(500)]) for s in range(3)]
        assert best_mean[i] == int(np.argmax(expected))
        assert prob[i] == curve[i, best_mean[i]]
        perfect = np.mean([max(w * effects[k, s] - costs[k, s] for s in range(3)) for k in range(500)])
        assert evpi(costs, effects, w) == pytest.approx(perfect - max(expected))
    assert curve.sum(axis=1) == pytest.approx(np.ones(len(wtps)))


def test_evpi_is_zero_when_one_strategy_always_wins():
    """No decision uncertainty: a strategy cheaper and better in every sample leaves nothing to learn."""
    rng = np.random.default_rng(2)
    costs = np.stack([rng.uniform(0, 10, 200), rng.uniform(20, 30, 200)], axis=1)
    effects = np.stack([rng.uniform(2, 3, 200), rng.uniform(0, 1, 200)], axis=1)
    assert evpi(costs, effects, 1000.0) == 0.0


def test_evppi_of_the_parameter_that_drives_the_decision_approaches_evpi_and_of_noise_is_small():
    """EVPPI (GAM metamodel) of the one input that decides is close to EVPI; of an
    unrelated input it is a small share of EVPI; never above EVPI by more than fitting error."""
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(4)
    x = rng.normal(size=300)
    noise = rng.normal(size=300)
    effects = np.stack([np.zeros(300), 0.1 * x + 0.01], axis=1)
    costs = np.stack([np.zeros(300), 50 * x], axis=1)
    wtps = [10000.0, 20000.0]
    total = np.array([evpi(costs, effects, w) for w in wtps])
    assert (total > 100).all()
    driving = evppi(costs, effects, wtps, x[:, None])
    unrelated = evppi(costs, effects, wtps, noise[:, None])
    assert driving == pytest.approx(total, rel=0.05)
    assert (unrelated < 0.15 * total).all()
