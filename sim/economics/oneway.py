"""One-way sensitivity: each uncertain number alone at the low and high ends of its distribution.

The ends are the 2.5% and 97.5% quantiles of the number's PSA draws (so every distribution the
file allows is handled alike); everything else stays at the files' values and the cohort keeps
the base case's seed, so a bar's length is the parameter's effect, not Monte Carlo noise.
The outcome is the incremental net monetary benefit of each strategy against the reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sarcoma_sim.economics.decision import net_benefit
from sarcoma_sim.economics.psa import Model, run_sample

LOW, HIGH = 0.025, 0.975


@dataclass(frozen=True)
class OneWay:
    """One parameter's low and high values and the incremental NMB (per strategy) at each."""

    path: str
    name: str
    low: float
    high: float
    inmb_low: dict[str, float]
    inmb_high: dict[str, float]


def one_way(model: Model, entries, paths: list[str], draws: np.ndarray, seed: int, wtp: float,
            reference: str) -> list[OneWay]:
    """One-way results for every path of ``draws`` (of ``entries``), at ``wtp`` against ``reference``."""
    ref = model.names.index(reference)
    results = []
    for j, path in enumerate(paths):
        entry = next(e for e in entries if path in e.paths)
        ends = np.quantile(draws[:, j], [LOW, HIGH])
        inmb = []
        for value in ends:
            totals = run_sample(model, [path], np.array([value]), seed)
            nmb = np.array([net_benefit(t.means[0], t.means[1], wtp) for t in totals])
            inmb.append({name: float(nmb[i] - nmb[ref]) for i, name in enumerate(model.names) if i != ref})
        name = entry.name if len(entry.paths) == 1 else f"{entry.name}: {path}"
        results.append(OneWay(path, name, float(ends[0]), float(ends[1]), inmb[0], inmb[1]))
    return results
