"""Overall survival of a simulated cohort: death times, the Kaplan-Meier curve, its median.

Every simulated patient is followed until their pathway ends. With a ``death`` exit nearly all
end in death; a patient who ends in a state the pathway marks ``ends_outside`` (they leave this
pathway, e.g. to be treated by histology) is censored there, so the Kaplan-Meier estimator is used
(it equals the plain share alive when nobody is censored). A pathway without competing exits has no
deaths and no survival figures (None).
"""

from __future__ import annotations

import numpy as np

from sarcoma_sim.cohort.eventlog import EventLog
from sarcoma_sim.pathways.exits import DEATH_STATE

KM_MONTHS = (12, 24, 60)         # 1, 2 and 5 years


def death_times(log: EventLog, last: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """(months to the end of each patient's log, whether that end is death), patient order; None
    when the pathway has no death state. ``last``: each patient's last row, if already known."""
    if DEATH_STATE not in log.state_ids:
        return None
    last = log.last_rows() if last is None else last
    return log.t_months[last], log.to_state[last] == log.state_ids.index(DEATH_STATE)


def kaplan_meier(times: np.ndarray, died: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct death times and the Kaplan-Meier survival just after each (censoring at a tie
    counts as after the death, the usual convention)."""
    order = np.argsort(times, kind="stable")
    t, d = times[order], died[order]
    distinct, first = np.unique(t, return_index=True)
    deaths = np.add.reduceat(d.astype(np.int64), first) if len(t) else np.zeros(0, np.int64)
    at_risk = len(t) - first
    keep = deaths > 0
    factors = 1.0 - deaths[keep] / at_risk[keep]
    return distinct[keep], np.cumprod(factors)


def survival_at(curve: tuple[np.ndarray, np.ndarray], months: float) -> float:
    """Kaplan-Meier survival at ``months``."""
    t, s = curve
    i = int(np.searchsorted(t, months, side="right"))
    return 1.0 if i == 0 else float(s[i - 1])


def median_survival(curve: tuple[np.ndarray, np.ndarray]) -> float | None:
    """The first time the Kaplan-Meier curve is at or below one half (None if it never is)."""
    t, s = curve
    # A product of many factors drifts by a few ulps: an exact half must still count as a half.
    below = np.flatnonzero(s <= 0.5 + 1e-12)
    return float(t[below[0]]) if len(below) else None


def overall_survival(log: EventLog, digits: int = 4) -> dict | None:
    """``{"median_months", "km": {"12": S(12), "24": ..., "60": ...}, "died", "censored"}`` or None."""
    ended = death_times(log)
    if ended is None or len(ended[0]) == 0:
        return None
    times, died = ended
    curve = kaplan_meier(times, died)
    median = median_survival(curve)
    return {
        "median_months": None if median is None else round(median, digits),
        "km": {str(m): round(survival_at(curve, m), 6) for m in KM_MONTHS},
        "died": round(float(died.mean()), 6),
        "censored": round(float(1.0 - died.mean()), 6),
    }
