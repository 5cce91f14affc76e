"""Overall survival of a simulated cohort: death times, the median and the survival curve.

Every simulated patient is followed until their pathway ends, so nothing is censored when the
pathway has a ``death`` exit: the Kaplan-Meier estimate is then the plain share still alive. A
pathway without competing exits has no deaths and no survival figures (None).
"""

from __future__ import annotations

import numpy as np

from sarcoma_sim.cohort.eventlog import EventLog
from sarcoma_sim.pathways.exits import DEATH_STATE

KM_MONTHS = (12, 24, 60)         # 1, 2 and 5 years


def death_times(log: EventLog) -> np.ndarray | None:
    """Months from the start of treatment to death for every patient (patient order), or None when
    the pathway has no death state; a patient whose log ends elsewhere has ``inf``."""
    if DEATH_STATE not in log.state_ids:
        return None
    last = log.last_rows()
    died = log.to_state[last] == log.state_ids.index(DEATH_STATE)
    return np.where(died, log.t_months[last], np.inf)


def survival_at(times: np.ndarray, months: float) -> float:
    """Share of patients alive at ``months`` (died strictly later)."""
    return float(np.count_nonzero(times > months)) / len(times) if len(times) else float("nan")


def overall_survival(log: EventLog, digits: int = 4) -> dict | None:
    """``{"median_months", "mean_months", "km": {"12": S(12), "24": ..., "60": ...}}`` or None."""
    times = death_times(log)
    if times is None or len(times) == 0:
        return None
    finite = np.isfinite(times)
    return {
        "median_months": round(float(np.median(times)), digits),
        "mean_months": round(float(times[finite].mean()), digits) if finite.all() else None,
        "km": {str(m): round(survival_at(times, m), 6) for m in KM_MONTHS},
        "died": round(float(finite.mean()), 6),
    }
