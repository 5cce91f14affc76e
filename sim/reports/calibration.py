"""Calibration report: simulated figures beside the published targets they are held to.

Each ``Target`` names a published figure (overall survival median from the start of treatment or
from entering a state, survival at a time, the share reaching a line), its source, and the
tolerance it is held to: relative for medians (``within`` = 0.15 is +/-15%), an interval for
shares. ``calibrate(result, pathway)`` (or ``calibrate_accumulated`` for a cohort summarised chunk by
chunk) measures every target of the subtype; medians come from 0.01-month bins
(``sarcoma_sim.reports.accumulate``); ``format_calibration`` prints them side by side with a verdict
and, where a target is missed, the stated reason. Targets are data here, not parameters: they never feed the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from sarcoma_sim.cohort.eventlog import CohortResult
from sarcoma_sim.pathways.model import Pathway

OS_TOLERANCE = 0.15      # the issue's +/-15% for overall survival medians


@dataclass(frozen=True)
class Target:
    """One published figure and how close the simulation must come to it."""

    label: str
    measure: str                 # "os_median", "os_median_from", "survival_at", "reached_line"
    published: float             # months for medians, a fraction for shares and survival
    source: str
    within: float | None = None  # relative tolerance (medians)
    low: float | None = None     # interval (shares)
    high: float | None = None
    state: str | None = None     # os_median_from: the state entered
    months: float | None = None  # survival_at
    line: int | None = None      # reached_line
    note: str = ""               # the reasoning behind an interval, or why a gap is expected

    def bounds(self) -> tuple[float, float]:
        """The accepted interval."""
        if self.within is not None:
            return self.published * (1 - self.within), self.published * (1 + self.within)
        if self.low is None or self.high is None:
            raise ValueError(f"calibration target {self.label!r} has neither a tolerance (within) nor an interval "
                             "(low and high)")
        return self.low, self.high


_S0033 = "S0033 / CALGB 150105 (Blanke, J Clin Oncol 2008;26:626)"
_POLAND = "Polish National Health Fund, advanced GIST (Med Sci Monit 2019;25:3846; PMC6543874)"
_EORTC_62012 = "EORTC 62012 (Judson, Lancet Oncol 2014;15:415), doxorubicin arm"
_CHART = "807-patient chart review of advanced soft-tissue sarcoma (Sarcoma 2018; PMC5994280)"
_TRABECTEDIN = "trabectedin v dacarbazine (Demetri, J Clin Oncol 2016;34:786), final"

TARGETS: dict[str, tuple[Target, ...]] = {
    "gist": (
        Target("overall survival, median (imatinib 400 mg arm)", "os_median", 55.0, _S0033, within=OS_TOLERANCE),
        Target("overall survival, median (imatinib 800 mg arm)", "os_median", 51.0, _S0033, within=OS_TOLERANCE,
               note="the pathway starts 800 mg only for KIT exon 9, so the cohort is closer to the 400 mg arm"),
        Target("alive at 1 year", "survival_at", 0.895, _POLAND, low=0.85, high=0.94, months=12),
        Target("alive at 2 years", "survival_at", 0.779, _POLAND, low=0.72, high=0.84, months=24),
        Target("alive at 5 years", "survival_at", 0.484, _POLAND, low=0.40, high=0.56, months=60,
               note="a registry's 5-year figure; the model's single death rate per state cannot bend the "
                    "tail, so the 5-year share is the target most likely to be missed"),
        Target("receiving a second line", "reached_line", 0.44, _POLAND, low=0.44, high=0.80, line=2,
               note="457 of 1,047 imatinib-treated patients received sunitinib (44%), counted at the "
                    "registry's cut-off while many were still on imatinib (median follow-up 71 months): a floor. "
                    "The upper bound 80% is illustrative: most patients who progress are offered a second line"),
    ),
    "leiomyosarcoma": (
        Target("overall survival, median (doxorubicin first line)", "os_median", 12.8, _EORTC_62012,
               within=OS_TOLERANCE),
        Target("overall survival from pazopanib, median", "os_median_from", 12.5,
               "PALETTE (van der Graaf, Lancet 2012;379:1879)", within=OS_TOLERANCE, state="pazopanib",
               note="PALETTE's patients had had up to four earlier lines and were fit for a trial"),
        Target("overall survival from trabectedin, median", "os_median_from", 13.7, _TRABECTEDIN,
               within=OS_TOLERANCE, state="trabectedin"),
        Target("receiving a second line", "reached_line", 0.43, _CHART, low=0.33, high=0.53, line=2,
               note="57% of patients received one line only (all histologies, leiomyosarcoma 28%); +/-10 points"),
    ),
    "liposarcoma": (
        Target("overall survival, median (doxorubicin first line)", "os_median", 12.8, _EORTC_62012,
               within=OS_TOLERANCE),
        Target("overall survival from eribulin, median", "os_median_from", 15.6,
               "eribulin v dacarbazine, liposarcoma (Demetri, J Clin Oncol 2017)", within=OS_TOLERANCE,
               state="eribulin",
               note="the trial's patients went on to later therapies the model does not draw; survival after "
                    "the last line (trial_or_supportive_care, illustrative) stands in for them"),
        Target("overall survival from trabectedin, median", "os_median_from", 13.7, _TRABECTEDIN,
               within=OS_TOLERANCE, state="trabectedin"),
        Target("receiving a second line", "reached_line", 0.43, _CHART, low=0.33, high=0.53, line=2,
               note="57% of patients received one line only (all histologies, liposarcoma 13%); +/-10 points"),
    ),
    "angiosarcoma": (
        Target("overall survival, median", "os_median", 12.1,
               "D'Angelo, Oncology 2015;89:205 (119 patients, metastatic)", within=OS_TOLERANCE),
    ),
    "epithelioid_sarcoma": (
        Target("overall survival from tazemetostat, median", "os_median_from", 19.0,
               "EZH-202 cohort 5 (Lancet Oncol 2020;21:1423), 62 patients with INI1 loss", within=OS_TOLERANCE,
               state="tazemetostat",
               note="61% of the trial's patients had had earlier systemic therapy; measured from first-line "
                    "tazemetostat here"),
    ),
}


def entry_states(subtype: str) -> tuple[str, ...]:
    """States whose survival from entry the subtype's targets need (for ``SummaryAccumulator``)."""
    return tuple(dict.fromkeys(t.state for t in TARGETS.get(subtype, ()) if t.state))


def measure_accumulated(acc, target: Target) -> float | None:
    """The simulated value of ``target`` from a ``SummaryAccumulator`` (None when it cannot be measured)."""
    if target.measure == "reached_line":
        return float(acc.reached_line[target.line] / acc.n) if target.line <= acc.top_line else 0.0
    if "death" not in acc.state_ids or not acc.survival.patients():
        return None
    if target.measure == "os_median":
        return acc.survival.median()
    if target.measure == "survival_at":
        return acc.survival.survival_at(target.months)
    if target.measure == "os_median_from":
        view = acc.survival_from_entry(target.state)
        return None if view is None or not view.patients() else view.median()
    raise ValueError(f"unknown calibration measure {target.measure!r}")


def _accumulate(result: CohortResult, pathway: Pathway, states: tuple[str, ...]):
    from sarcoma_sim.reports.accumulate import SummaryAccumulator
    from sarcoma_sim.reports.logview import pathway_of

    acc = SummaryAccumulator(pathway_of(result, pathway), result.log.state_ids, states)
    acc.add(result)
    return acc


def measure(result: CohortResult, pathway: Pathway, target: Target) -> float | None:
    """The simulated value of ``target`` on ``result``."""
    return measure_accumulated(_accumulate(result, pathway, (target.state,) if target.state else ()), target)


def calibrate(result: CohortResult, pathway: Pathway) -> list[dict]:
    """Every target of the subtype with its simulated value, accepted interval and verdict."""
    return calibrate_accumulated(_accumulate(result, pathway, entry_states(result.subtype)), result.subtype)


def calibrate_accumulated(acc, subtype: str) -> list[dict]:
    """``calibrate`` for a cohort summarised chunk by chunk (``SummaryAccumulator`` with ``entry_states``)."""
    rows = []
    for target in TARGETS.get(subtype, ()):
        value = measure_accumulated(acc, target)
        low, high = target.bounds()
        rows.append({"target": target.label, "published": target.published,
                     "simulated": None if value is None else round(value, 4),
                     "accepted": [round(low, 4), round(high, 4)],
                     "within": value is not None and low <= value <= high,
                     "source": target.source, "note": target.note,
                     "unit": "fraction" if target.measure in ("reached_line", "survival_at") else "months"})
    return rows


def _show(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{100 * value:.1f}%" if unit == "fraction" else f"{value:.1f} mo"


def format_calibration(rows: list[dict], subtype: str) -> str:
    """The calibration rows as a table: target, published, simulated, accepted interval, verdict,
    then the source and any note of each row."""
    if not rows:
        return (f"Calibration: no published targets are recorded for {subtype} "
                "(sarcoma_sim.reports.calibration.TARGETS).\n")
    out = [f"Calibration of {subtype}: simulated v published", "",
           f"    {'target':<50} {'published':>10} {'simulated':>10}  {'accepted':<17} verdict"]
    for i, row in enumerate(rows, 1):
        low, high = row["accepted"]
        accepted = f"{_show(low, row['unit'])}-{_show(high, row['unit'])}"
        out.append(f"{i:>2}. {row['target']:<50} {_show(row['published'], row['unit']):>10} "
                   f"{_show(row['simulated'], row['unit']):>10}  {accepted:<17} "
                   f"{'within' if row['within'] else 'MISSED'}")
    out.append("")
    for i, row in enumerate(rows, 1):
        out.append(f"{i:>2}. {row['source']}" + (f". {row['note']}" if row["note"] else ""))
    return "\n".join(out) + "\n"
