"""Decision results from costs and effects: incremental table, NMB, CEAC, CEAF, EVPI, EVPPI.

``incremental_table`` follows the usual rules (Drummond et al.; dampack's ``calculate_icers``):
order by cost; drop strongly dominated strategies (another costs no more and gains at least as
much, one of them strictly); then repeatedly drop extendedly dominated ones (an ICER higher than
the next strategy's on the frontier); ICERs are against the previous frontier strategy.
Net monetary benefit is ``wtp * effect - cost``. With PSA samples (arrays samples x strategies):
the CEAC is each strategy's share of samples where it has the highest NMB; the CEAF is, at each
WTP, the strategy with the highest expected NMB and that strategy's CEAC value; EVPI is
``E[max NMB] - max E[NMB]``; EVPPI of a parameter group is the same with NMB replaced by its
regression on the group's sampled values (a GAM metamodel: additive cubic splines with a
cross-validated penalty, as Strong, Oakley and Brennan 2014 recommend for a few parameters), fitted
with scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ND, DOMINATED, EXTENDED = "non-dominated", "dominated", "extendedly dominated"


@dataclass(frozen=True)
class Row:
    """One strategy's line of the incremental table (None where the table has nothing)."""

    strategy: str
    cost: float
    effect: float
    status: str
    incremental_cost: float | None
    incremental_effect: float | None
    icer: float | None


def incremental_table(names: list[str], cost: np.ndarray, effect: np.ndarray) -> list[Row]:
    """The incremental cost-effectiveness table, cheapest first (ties: more effective first)."""
    order = sorted(range(len(names)), key=lambda i: (cost[i], -effect[i]))
    status = {i: ND for i in order}
    for i in order:
        for j in order:
            better = cost[j] < cost[i] or effect[j] > effect[i]
            if j != i and cost[j] <= cost[i] and effect[j] >= effect[i] and better:
                status[i] = DOMINATED
                break
    # Two strategies with equal costs and effects: the later one (by name order) is dropped as dominated.
    frontier = [i for i in order if status[i] == ND]
    kept: list[int] = []
    for i in frontier:
        if kept and cost[i] == cost[kept[-1]] and effect[i] == effect[kept[-1]]:
            status[i] = DOMINATED
            continue
        kept.append(i)
    frontier = kept
    changed = True
    while changed and len(frontier) > 2:
        changed = False
        icers = [(cost[b] - cost[a]) / (effect[b] - effect[a]) for a, b in zip(frontier, frontier[1:])]
        for k in range(len(icers) - 1):
            if icers[k] > icers[k + 1]:
                status[frontier[k + 1]] = EXTENDED
                frontier.pop(k + 1)
                changed = True
                break
    rows = []
    previous = None
    for i in order:
        if status[i] == ND and previous is not None:
            dc, de = cost[i] - cost[previous], effect[i] - effect[previous]
            rows.append(Row(names[i], float(cost[i]), float(effect[i]), ND, float(dc), float(de), float(dc / de)))
        else:
            rows.append(Row(names[i], float(cost[i]), float(effect[i]), status[i], None, None, None))
        if status[i] == ND:
            previous = i
    return rows


def net_benefit(cost: np.ndarray, effect: np.ndarray, wtp: float) -> np.ndarray:
    """Net monetary benefit ``wtp * effect - cost`` (any shape)."""
    return wtp * np.asarray(effect) - np.asarray(cost)


def ceac(cost: np.ndarray, effect: np.ndarray, wtps: np.ndarray) -> np.ndarray:
    """(len(wtps), strategies): share of samples (rows of ``cost``/``effect``) where each strategy has
    the highest NMB (ties go to the first strategy)."""
    out = np.zeros((len(wtps), cost.shape[1]))
    for i, w in enumerate(wtps):
        best = np.argmax(net_benefit(cost, effect, w), axis=1)
        out[i] = np.bincount(best, minlength=cost.shape[1]) / cost.shape[0]
    return out


def ceaf(cost: np.ndarray, effect: np.ndarray, wtps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(strategy index with the highest expected NMB, its probability of being the most cost-effective),
    at each WTP: the cost-effectiveness acceptability frontier."""
    curve = ceac(cost, effect, wtps)
    best = np.array([int(np.argmax(net_benefit(cost, effect, w).mean(axis=0))) for w in wtps])
    return best, curve[np.arange(len(wtps)), best]


def evpi(cost: np.ndarray, effect: np.ndarray, wtp: float) -> float:
    """Per-patient expected value of perfect information at ``wtp``."""
    nmb = net_benefit(cost, effect, wtp)
    return float(max(nmb.max(axis=1).mean() - nmb.mean(axis=0).max(), 0.0))   # >= 0; rounding aside


def _gam_fitted(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A generalised additive model of ``y`` on the columns of ``x`` (cubic regression splines per
    column, the penalty chosen by generalised cross-validation), predicted at ``x`` (scikit-learn)."""
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import SplineTransformer

    knots = int(min(10, max(3, len(y) // 20)))
    model = make_pipeline(SplineTransformer(n_knots=knots, degree=3, knots="quantile"),
                          RidgeCV(alphas=np.logspace(-6, 3, 19)))
    return model.fit(x, y).predict(x)


def evppi(cost: np.ndarray, effect: np.ndarray, wtps, inputs: np.ndarray) -> np.ndarray:
    """Per-patient EVPPI at each of ``wtps`` of the parameters sampled in ``inputs`` (samples x k), by
    a GAM regression (``_gam_fitted``) of each strategy's incremental costs and effects on them; the
    fitted incremental NMB is then ``wtp * effect - cost`` at every WTP (the fit is linear in y)."""
    x = np.asarray(inputs, dtype=float)
    x = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    fitted_cost = np.zeros_like(cost, dtype=float)
    fitted_effect = np.zeros_like(effect, dtype=float)
    for s in range(1, cost.shape[1]):
        fitted_cost[:, s] = _gam_fitted(x, cost[:, s] - cost[:, 0])
        fitted_effect[:, s] = _gam_fitted(x, effect[:, s] - effect[:, 0])
    values = []
    for w in np.atleast_1d(wtps):
        nmb = net_benefit(fitted_cost, fitted_effect, float(w))
        values.append(max(nmb.max(axis=1).mean() - nmb.mean(axis=0).max(), 0.0))
    return np.array(values)
