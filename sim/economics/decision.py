"""Decision results from costs and effects: incremental table, NMB, CEAC, CEAF, EVPI, EVPPI.

``incremental_table`` follows the usual rules (Drummond et al.; dampack's ``calculate_icers``):
order by cost; drop strongly dominated strategies (another costs no more and gains at least as
much, one of them strictly); then repeatedly drop extendedly dominated ones (an ICER higher than
the next strategy's on the frontier); ICERs are against the previous frontier strategy.
Net monetary benefit is ``wtp * effect - cost``. With PSA samples (arrays samples x strategies):
the CEAC is each strategy's share of samples where it has the highest NMB; the CEAF is, at each
WTP, the strategy with the highest expected NMB and that strategy's CEAC value; EVPI is
``E[max NMB] - max E[NMB]``; EVPPI of a parameter group is the same with NMB replaced by its
regression on the group's sampled values (a Gaussian-process metamodel, Strong, Oakley and Brennan
2014), fitted with scikit-learn.
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


def evppi(cost: np.ndarray, effect: np.ndarray, wtp: float, inputs: np.ndarray, seed: int = 0) -> float:
    """Per-patient EVPPI at ``wtp`` of the parameters sampled in ``inputs`` (samples x k), by a
    Gaussian-process regression of each strategy's incremental NMB on them (needs scikit-learn)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    nmb = net_benefit(cost, effect, wtp)
    incremental = nmb - nmb[:, :1]
    x = np.asarray(inputs, dtype=float)
    x = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    fitted = np.zeros_like(incremental)
    for s in range(1, nmb.shape[1]):
        y = incremental[:, s]
        scale = y.std() if y.std() > 0 else 1.0
        kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.ones(x.shape[1]), (1e-2, 1e3)) + \
            WhiteKernel(0.1, (1e-6, 10.0))
        model = GaussianProcessRegressor(kernel, normalize_y=False, random_state=seed, n_restarts_optimizer=0)
        with warnings.catch_warnings():
            # A bound reached (a group that explains nothing, or everything) is a result, not a failure.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x, (y - y.mean()) / scale)
        noise = model.kernel_.k2.noise_level   # the fitted white noise is what the group does not explain
        kernel_fit = model.kernel_.k1
        gp = GaussianProcessRegressor(kernel_fit, alpha=noise, optimizer=None).fit(x, (y - y.mean()) / scale)
        fitted[:, s] = gp.predict(x) * scale + y.mean()
    value = fitted.max(axis=1).mean() - fitted.mean(axis=0).max()
    return float(max(value, 0.0))
