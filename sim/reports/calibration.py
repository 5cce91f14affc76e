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
from sarcoma_sim.cohort.params.model import DAYS_PER_MONTH, MONTHS_PER_YEAR, WEEKS_PER_MONTH
from sarcoma_sim.pathways.model import Pathway

OS_TOLERANCE = 0.15      # the issue's +/-15% for overall survival medians
PFS_TOLERANCE = 0.05     # issue 18: each cited PFS median reproduced within 5%, as the trial defines PFS
PFS = "PFS: progression or death, whichever first; other exits censored"
TTP = "TTP: progression; death and other exits censored"
OS = "overall survival: death from any cause"


@dataclass(frozen=True)
class Target:
    """One published figure and how close the simulation must come to it."""

    label: str
    measure: str                 # "os_median", "os_median_from", "pfs_median_from", "ttp_median_from",
                                 # "survival_at", "reached_line"
    published: float             # months for medians, a fraction for shares and survival
    source: str
    within: float | None = None  # relative tolerance (medians)
    low: float | None = None     # interval (shares)
    high: float | None = None
    state: str | None = None     # os_median_from: the state entered
    months: float | None = None  # survival_at
    line: int | None = None      # reached_line
    note: str = ""               # the reasoning behind an interval, or why a gap is expected
    population: str = ""         # whom the published figure describes (histology, line, trial arm)
    endpoint: str = ""           # how the source defines it ("overall survival", "PFS: progression or death")

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
_TRABECTEDIN = ("trabectedin v dacarbazine (Demetri, J Clin Oncol 2016;34:786; final OS: Patel, Cancer "
                "2019;125:2610)")
_PALETTE = "PALETTE (van der Graaf, Lancet 2012;379:1879)"
_PALETTE_POP = ("non-adipocytic soft-tissue sarcoma after chemotherapy, mixed histologies (PALETTE); "
                "no leiomyosarcoma-specific figure was found")
# The trial's patients, as its final analysis gives them (Patel, Cancer 2019;125:2610): no OS per histology was found.
_TRABECTEDIN_POP = ("leiomyosarcoma and liposarcoma after an anthracycline, mixed: 423 (73%) leiomyosarcoma, "
                    "154 (27%) liposarcoma (no OS per histology was found)")
_LMS04 = "LMS-04 (Pautier, Lancet Oncol 2022;23:1044), PFS on blinded central review"
_LMS04_OS = "LMS-04 overall survival (Pautier, N Engl J Med 2024)"
_LMS04_POP = "metastatic or unresectable leiomyosarcoma, 1st line (LMS-04)"
_DAMBROSIO = "D'Ambrosio, Cancer 2020;126:2637 (EORTC-STBSG)"
_METAGIST = "MetaGIST (J Clin Oncol 2010;28:1247; PMC3275340), KIT exon 9"
_ZALCBERG = "EORTC 62005 crossover (Zalcberg, Eur J Cancer 2005;41:1751): 81 days"
_SUNITINIB = "Demetri, Lancet 2006;368:1329: TTP 27.3 weeks"
_LAROTRECTINIB = "larotrectinib in NTRK fusion-positive sarcoma, pooled (Ann Oncol 2020, PMC7985805)"
_ITALIANO = "Italiano, Cancer 2012 (retrospective, 117 patients)"
_ITALIANO_REUSED = "metastatic angiosarcoma, 1st line, retrospective (doxorubicin or paclitaxel): a first-line figure"
_KOLLAR = "Kollár et al. 2017, EORTC STBSG retrospective analysis of vascular sarcomas"
_EZH202 = "EZH-202 cohort 5 (Lancet Oncol 2020;21:1423)"
_FREZZA = "Frezza, JAMA Oncol 2018 (PMC6143006), anthracycline-based regimens"

TARGETS: dict[str, tuple[Target, ...]] = {
    "gist": (
        Target("overall survival, median (imatinib 400 mg arm)", "os_median", 55.0, _S0033, within=OS_TOLERANCE,
               population="advanced GIST, 1st line (S0033)", endpoint=OS),
        Target("overall survival, median (imatinib 800 mg arm)", "os_median", 51.0, _S0033, within=OS_TOLERANCE,
               population="advanced GIST, 1st line (S0033)", endpoint=OS,
               note="the pathway starts 800 mg only for KIT exon 9, so the cohort is closer to the 400 mg arm"),
        Target("alive at 1 year", "survival_at", 0.895, _POLAND, low=0.85, high=0.94, months=12,
               population="advanced GIST, national registry", endpoint="alive at 1 year"),
        Target("alive at 2 years", "survival_at", 0.779, _POLAND, low=0.72, high=0.84, months=24,
               population="advanced GIST, national registry", endpoint="alive at 2 years"),
        Target("alive at 5 years", "survival_at", 0.484, _POLAND, low=0.40, high=0.56, months=60,
               population="advanced GIST, national registry", endpoint="alive at 5 years",
               note="a registry's 5-year figure; the model's single death rate per state cannot bend the "
                    "tail, so the 5-year share is the target most likely to be missed"),
        Target("PFS on imatinib 400 mg, median", "pfs_median_from", 18.0, _S0033, within=PFS_TOLERANCE,
               state="imatinib_400", population="advanced GIST, 1st line, imatinib 400 mg arm (S0033)", endpoint=PFS,
               note="the cohort's 400 mg patients exclude KIT exon 9 (started on 800 mg) and PDGFRA D842V "
                    "(avapritinib), whom S0033's arm included; its timing is by genotype (Heinrich 2008)"),
        Target("PFS on imatinib 800 mg for KIT exon 9, median", "pfs_median_from", 13.0, _METAGIST,
               within=PFS_TOLERANCE, state="imatinib_800_exon9",
               population="advanced GIST with KIT exon 9, 400 and 800 mg arms pooled (MetaGIST)", endpoint=PFS),
        Target("PFS after escalation to 800 mg, median", "pfs_median_from", 81 / DAYS_PER_MONTH, _ZALCBERG,
               within=PFS_TOLERANCE, state="imatinib_800_escalated",
               population="advanced GIST progressing on 400 mg, crossed over to 800 mg (EORTC 62005)", endpoint=PFS),
        Target("TTP on sunitinib 50 mg 4/2, median", "ttp_median_from", 27.3 / WEEKS_PER_MONTH, _SUNITINIB,
               within=PFS_TOLERANCE, state="sunitinib_50_intermittent",
               population="advanced GIST after imatinib failure, sunitinib arm", endpoint=TTP),
        Target("TTP on sunitinib 37.5 mg continuous, median", "ttp_median_from", 27.3 / WEEKS_PER_MONTH, _SUNITINIB,
               within=PFS_TOLERANCE, state="sunitinib_37_5_continuous",
               population="advanced GIST after imatinib failure, sunitinib arm (4/2 schedule)", endpoint=TTP,
               note="no randomised figure for the continuous schedule: it takes the 4/2 arm's (gist.yaml)"),
        Target("PFS on regorafenib, median", "pfs_median_from", 4.8, "GRID (Demetri, Lancet 2013;381:295)",
               within=PFS_TOLERANCE, state="regorafenib",
               population="advanced GIST after imatinib and sunitinib, regorafenib arm", endpoint=PFS),
        Target("PFS on ripretinib, median", "pfs_median_from", 6.3, "INVICTUS (Blay, Lancet Oncol 2020;21:923)",
               within=PFS_TOLERANCE, state="ripretinib",
               population="advanced GIST after three or more kinase inhibitors, ripretinib arm", endpoint=PFS),
        Target("receiving a second line", "reached_line", 0.44, _POLAND, low=0.44, high=0.80, line=2,
               population="advanced GIST, national registry", endpoint="share of patients given a second line",
               note="457 of 1,047 imatinib-treated patients received sunitinib (44%), counted at the "
                    "registry's cut-off while many were still on imatinib (median follow-up 71 months): a floor. "
                    "The upper bound 80% is illustrative: most patients who progress are offered a second line"),
    ),
    "leiomyosarcoma": (
        Target("overall survival from doxorubicin alone, median", "os_median_from", 24.0, _LMS04_OS,
               within=OS_TOLERANCE, state="anthracycline", population=_LMS04_POP + ", doxorubicin arm",
               endpoint=OS),
        Target("overall survival from doxorubicin + trabectedin, median", "os_median_from", 33.0, _LMS04_OS,
               within=OS_TOLERANCE, state="doxorubicin_trabectedin",
               population=_LMS04_POP + ", doxorubicin + trabectedin arm", endpoint=OS),
        Target("PFS on doxorubicin alone, median", "pfs_median_from", 6.2, _LMS04, within=PFS_TOLERANCE,
               state="anthracycline", population=_LMS04_POP + ", doxorubicin arm", endpoint=PFS),
        Target("PFS on doxorubicin + trabectedin, median", "pfs_median_from", 12.2, _LMS04, within=PFS_TOLERANCE,
               state="doxorubicin_trabectedin", population=_LMS04_POP + ", combination then maintenance",
               endpoint=PFS),
        Target("PFS on doxorubicin + dacarbazine, median", "pfs_median_from", 9.2, _DAMBROSIO,
               within=PFS_TOLERANCE, state="doxorubicin_dacarbazine",
               population="advanced leiomyosarcoma, 1st line, retrospective propensity-matched (EORTC-STBSG)",
               endpoint=PFS + " (interval-censored analysis)"),
        Target("PFS on pazopanib, median", "pfs_median_from", 4.6, _PALETTE, within=PFS_TOLERANCE,
               state="pazopanib", population=_PALETTE_POP,
               endpoint=PFS),
        Target("PFS on trabectedin, median", "pfs_median_from", 4.2, _TRABECTEDIN, within=PFS_TOLERANCE,
               state="trabectedin", population=_TRABECTEDIN_POP,
               endpoint=PFS),
        Target("TTP on gemcitabine + docetaxel, median", "ttp_median_from", 5.6,
               "Hensley, J Clin Oncol 2002;20:2824", within=PFS_TOLERANCE, state="gemcitabine_docetaxel",
               population="leiomyosarcoma, phase II (34 patients, most pretreated)", endpoint=TTP),
        Target("overall survival from pazopanib, median", "os_median_from", 12.5, _PALETTE, within=OS_TOLERANCE,
               state="pazopanib", note="PALETTE's patients had had up to four earlier lines and were fit for a trial",
               population=_PALETTE_POP, endpoint=OS),
        Target("overall survival from trabectedin, median", "os_median_from", 13.7, _TRABECTEDIN,
               within=OS_TOLERANCE, state="trabectedin",
               population=_TRABECTEDIN_POP, endpoint=OS),
        Target("receiving a second line", "reached_line", 0.43, _CHART, low=0.33, high=0.53, line=2,
               note="57% of patients received one line only (all histologies, leiomyosarcoma 28%); +/-10 points",
               population="advanced soft-tissue sarcoma, all histologies (chart review)",
               endpoint="share of patients given a second line"),
    ),
    "liposarcoma": (
        Target("overall survival, median (doxorubicin first line)", "os_median", 12.8, _EORTC_62012,
               within=OS_TOLERANCE, population="advanced soft-tissue sarcoma, all histologies, 1st line",
               endpoint=OS, note="no liposarcoma-specific first-line trial figure was found"),
        Target("overall survival from eribulin, median", "os_median_from", 15.6,
               "eribulin v dacarbazine, liposarcoma (Demetri, J Clin Oncol 2017)", within=OS_TOLERANCE,
               state="eribulin", population="liposarcoma, >=3rd line (eribulin arm)", endpoint=OS,
               note="the trial's patients went on to later therapies the model does not draw; survival after "
                    "the last line (trial_or_supportive_care, illustrative) stands in for them"),
        Target("overall survival from trabectedin, median", "os_median_from", 13.7, _TRABECTEDIN,
               within=OS_TOLERANCE, state="trabectedin",
               population=_TRABECTEDIN_POP, endpoint=OS),
        Target("receiving a second line", "reached_line", 0.43, _CHART, low=0.33, high=0.53, line=2,
               note="57% of patients received one line only (all histologies, liposarcoma 13%); +/-10 points",
               population="advanced soft-tissue sarcoma, all histologies (chart review)",
               endpoint="share of patients given a second line"),
        Target("PFS on doxorubicin first line, median", "pfs_median_from", 4.6, _EORTC_62012, within=PFS_TOLERANCE,
               state="anthracycline", population="advanced soft-tissue sarcoma, all histologies, 1st line",
               endpoint=PFS,
               note="no liposarcoma-specific first-line PFS was found; the reading is steep here (a median "
                    "between the first two imaging visits): other seeds may fall just outside 5%"),
        Target("PFS on eribulin, median", "pfs_median_from", 2.9,
               "eribulin v dacarbazine, liposarcoma (Demetri, J Clin Oncol 2017)", within=PFS_TOLERANCE,
               state="eribulin", population="liposarcoma, >=3rd line (eribulin arm)", endpoint=PFS),
        Target("PFS on trabectedin, median", "pfs_median_from", 4.2, _TRABECTEDIN, within=PFS_TOLERANCE,
               state="trabectedin", population=_TRABECTEDIN_POP, endpoint=PFS),
    ),
    "asps": (
        Target("PFS on pazopanib, median", "pfs_median_from", 13.6,
               "Stacchiotti, Oncologist 2018;23:62 (retrospective)", within=PFS_TOLERANCE, state="pazopanib",
               population="advanced ASPS, retrospective series (30 patients)", endpoint=PFS),
        Target("PFS on atezolizumab, median", "pfs_median_from", 20.8, "Chen, N Engl J Med 2023;389:911",
               within=PFS_TOLERANCE, state="atezolizumab",
               population="advanced ASPS, single-arm phase 2 (52 patients)", endpoint=PFS),
    ),
    "angiosarcoma": (
        Target("overall survival, median", "os_median", 12.1,
               "D'Angelo, Oncology 2015;89:205 (119 patients, metastatic)", within=OS_TOLERANCE,
               population="metastatic angiosarcoma, retrospective (119 patients)", endpoint=OS),
        Target("PFS on weekly paclitaxel first line, median", "pfs_median_from", 4.9, _ITALIANO,
               within=PFS_TOLERANCE, state="paclitaxel", endpoint=PFS,
               population="metastatic angiosarcoma, 1st line, retrospective: all patients (doxorubicin or paclitaxel)",
               note="the series' median over both first-line regimens; the pathway's later doxorubicin and "
                    "paclitaxel states take the same figure"),
        Target("TTP on liposomal doxorubicin first line, median", "ttp_median_from", 3.5,
               "D'Angelo, Oncology 2015;89:205 (119 patients, metastatic)", within=PFS_TOLERANCE,
               state="liposomal_doxorubicin", endpoint=TTP,
               population="metastatic angiosarcoma, 1st line, retrospective: all first-line agents"),
        Target("PFS on pazopanib first line, median", "pfs_median_from", 3.0, _KOLLAR, within=PFS_TOLERANCE,
               state="antiangiogenic", endpoint=PFS,
               population="advanced angiosarcoma, mostly pretreated, retrospective (40 patients)",
               note="the pathway's third-line pazopanib takes the same figure"),
        Target("PFS on doxorubicin second line, median", "pfs_median_from", 4.9, _ITALIANO, within=PFS_TOLERANCE,
               state="doxorubicin_second_line", endpoint=PFS, population=_ITALIANO_REUSED,
               note="the first-line figure taken for a later line: no later-line median was read"),
        Target("PFS on paclitaxel second line, median", "pfs_median_from", 4.9, _ITALIANO, within=PFS_TOLERANCE,
               state="paclitaxel_second_line", endpoint=PFS, population=_ITALIANO_REUSED,
               note="the first-line figure taken for a later line: no later-line median was read"),
        Target("PFS on paclitaxel after pazopanib, median", "pfs_median_from", 4.9, _ITALIANO, within=PFS_TOLERANCE,
               state="paclitaxel_after_pazopanib", endpoint=PFS, population=_ITALIANO_REUSED,
               note="the first-line figure taken for a later line: no later-line median was read"),
        Target("PFS on doxorubicin after pazopanib, median", "pfs_median_from", 4.9, _ITALIANO, within=PFS_TOLERANCE,
               state="doxorubicin_after_pazopanib", endpoint=PFS, population=_ITALIANO_REUSED,
               note="the first-line figure taken for a later line: no later-line median was read"),
        Target("PFS on pazopanib third line, median", "pfs_median_from", 3.0, _KOLLAR, within=PFS_TOLERANCE,
               state="pazopanib_third_line", endpoint=PFS,
               population="advanced angiosarcoma, mostly pretreated, retrospective (40 patients)"),
    ),
    "dfsp": (
        Target("TTP on imatinib, median", "ttp_median_from", 1.7 * MONTHS_PER_YEAR,
               "EORTC 62027 + SWOG S0345 pooled (Rutkowski, J Clin Oncol 2010;28:1772)", within=PFS_TOLERANCE,
               state="imatinib", endpoint=TTP,
               population="locally advanced or metastatic DFSP, imatinib 400 or 800 mg daily (24 patients)",
               note="the trials report time to progression, not PFS: measured as they define it, death censored"),
    ),
    "imt": (
        Target("PFS on crizotinib (ALK-positive), median", "pfs_median_from", 18.0,
               "EORTC 90101 CREATE (Schöffski 2018; update Eur J Cancer 2021;156:12)", within=PFS_TOLERANCE,
               state="crizotinib", endpoint=PFS,
               population="advanced ALK-positive IMT (12 patients); the cohort gives crizotinib only with ALK"),
    ),
    "pecoma": (
        Target("PFS on oral sirolimus, median", "pfs_median_from", 9.0,
               "Sanfilippo, Clin Cancer Res 2019;25:5295 (retrospective)", within=PFS_TOLERANCE,
               state="sirolimus", endpoint=PFS,
               population="advanced PEComa, any mTOR inhibitor, retrospective (53 patients)",
               note="AMPECT's median PFS for nab-sirolimus was not read: that state's 9 months is a placeholder "
                    "(pecoma.yaml) and has no target"),
    ),
    "sft": (
        Target("PFS on pazopanib first line, median", "pfs_median_from", 4.7,
               "Royal Marsden series (Clin Sarcoma Res 2015)", within=PFS_TOLERANCE, state="pazopanib",
               endpoint=PFS, population="advanced solitary fibrous tumour, 1st line, retrospective (13 patients)"),
    ),
    "ntrk": (
        Target("PFS on larotrectinib, median", "pfs_median_from", 28.3, _LAROTRECTINIB, within=PFS_TOLERANCE,
               state="larotrectinib", endpoint=PFS,
               population="NTRK fusion-positive sarcoma, any histology (71 patients)"),
        Target("PFS on entrectinib, median", "pfs_median_from", 11.0,
               "entrectinib, integrated ALKA/STARTRK (Ann Oncol 2020, PMC7985805)", within=PFS_TOLERANCE,
               state="entrectinib", endpoint=PFS,
               population="NTRK fusion-positive sarcoma, any histology (13 patients)"),
    ),
    "epithelioid_sarcoma": (
        Target("overall survival from tazemetostat, median", "os_median_from", 19.0,
               "EZH-202 cohort 5 (Lancet Oncol 2020;21:1423), 62 patients with INI1 loss", within=OS_TOLERANCE,
               state="tazemetostat", population="advanced epithelioid sarcoma with INI1 loss (EZH-202 cohort 5)",
               endpoint=OS,
               note="61% of the trial's patients had had earlier systemic therapy; measured from first-line "
                    "tazemetostat here"),
        Target("PFS on tazemetostat first line, median", "pfs_median_from", 5.5, _EZH202, within=PFS_TOLERANCE,
               state="tazemetostat", endpoint=PFS,
               population="advanced epithelioid sarcoma with INI1 loss, 61% pretreated (EZH-202 cohort 5)"),
        Target("PFS on tazemetostat second line, median", "pfs_median_from", 5.5, _EZH202, within=PFS_TOLERANCE,
               state="tazemetostat_second_line", endpoint=PFS,
               population="advanced epithelioid sarcoma with INI1 loss, 61% pretreated (EZH-202 cohort 5)"),
        Target("PFS on doxorubicin first line, median", "pfs_median_from", 6.0, _FREZZA, within=PFS_TOLERANCE,
               state="doxorubicin", endpoint=PFS,
               population="advanced epithelioid sarcoma, any line, retrospective (85 patients on anthracyclines)"),
        Target("PFS on doxorubicin second line, median", "pfs_median_from", 6.0, _FREZZA, within=PFS_TOLERANCE,
               state="doxorubicin_second_line", endpoint=PFS,
               population="advanced epithelioid sarcoma, any line, retrospective (85 patients on anthracyclines)"),
    ),
}


def entry_states(subtype: str) -> tuple[str, ...]:
    """States whose survival from entry the subtype's targets need (for ``SummaryAccumulator``)."""
    return tuple(dict.fromkeys(t.state for t in TARGETS.get(subtype, ())
                               if t.state and t.measure == "os_median_from"))


def pfs_states(subtype: str) -> tuple[str, ...]:
    """States whose progression-free survival from entry the subtype's targets need."""
    return tuple(dict.fromkeys(t.state for t in TARGETS.get(subtype, ())
                               if t.state and t.measure == "pfs_median_from"))


def ttp_states(subtype: str) -> tuple[str, ...]:
    """States whose time to progression from entry (death censored) the subtype's targets need."""
    return tuple(dict.fromkeys(t.state for t in TARGETS.get(subtype, ())
                               if t.state and t.measure == "ttp_median_from"))


def median_at_visits(view, every: float) -> float | None:
    """The median of a progression-free survival curve read at imaging visits every ``every`` months
    and interpolated linearly between the two visits that straddle one half (a progression is only
    seen at a visit, so the curve between visits says when it was seen, not when it happened)."""
    from sarcoma_sim.reports.accumulate import BIN_MONTHS, N_BINS

    curve = view.curve()
    k = 1
    while k * every / BIN_MONTHS < N_BINS:
        now = float(curve[int(round(k * every / BIN_MONTHS))])
        if now <= 0.5:
            before = 1.0 if k == 1 else float(curve[int(round((k - 1) * every / BIN_MONTHS))])
            return (k - 1) * every + every * (before - 0.5) / (before - now) if before > now else k * every
        k += 1
    return None


def measure_accumulated(acc, target: Target, every: float = 3.0) -> float | None:
    """The simulated value of ``target`` from a ``SummaryAccumulator`` (None when it cannot be measured);
    ``every`` is the imaging interval PFS medians are read at."""
    if target.measure == "pfs_median_from":
        view = acc.pfs_from_entry(target.state)
        return None if view is None or not view.patients() else median_at_visits(view, every)
    if target.measure == "ttp_median_from":
        view = acc.ttp_from_entry(target.state)
        return None if view is None or not view.patients() else median_at_visits(view, every)
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


def _accumulate(result: CohortResult, pathway: Pathway, states: tuple[str, ...], pfs: tuple[str, ...] = (),
                ttp: tuple[str, ...] = ()):
    from sarcoma_sim.reports.accumulate import SummaryAccumulator
    from sarcoma_sim.reports.logview import pathway_of

    acc = SummaryAccumulator(pathway_of(result, pathway), result.log.state_ids, states, pfs_states=pfs,
                             ttp_states=ttp)
    acc.add(result)
    return acc


def _interval(subtype: str, every: float | None) -> float:
    """The imaging interval PFS is read at: given, or the subtype's shipped parameter."""
    if every is not None:
        return every
    from sarcoma_sim.cohort.params import load_params

    return load_params(subtype).interval_months


def measure(result: CohortResult, pathway: Pathway, target: Target, every: float | None = None) -> float | None:
    """The simulated value of ``target`` on ``result``."""
    state = (target.state,) if target.state else ()
    pfs, ttp = target.measure == "pfs_median_from", target.measure == "ttp_median_from"
    acc = _accumulate(result, pathway, () if pfs or ttp else state, state if pfs else (), state if ttp else ())
    return measure_accumulated(acc, target, _interval(result.subtype, every))


def calibrate(result: CohortResult, pathway: Pathway, every: float | None = None) -> list[dict]:
    """Every target of the subtype with its simulated value, accepted interval and verdict."""
    acc = _accumulate(result, pathway, entry_states(result.subtype), pfs_states(result.subtype),
                      ttp_states(result.subtype))
    return calibrate_accumulated(acc, result.subtype, every)


def calibrate_accumulated(acc, subtype: str, every: float | None = None) -> list[dict]:
    """``calibrate`` for a cohort summarised chunk by chunk (``SummaryAccumulator`` with ``entry_states``,
    ``pfs_states`` and ``ttp_states``); ``every``: the imaging interval (the subtype's parameter when None)."""
    rows = []
    for target in TARGETS.get(subtype, ()):
        value = measure_accumulated(acc, target, _interval(subtype, every))
        low, high = target.bounds()
        rows.append({"target": target.label, "published": target.published,
                     "simulated": None if value is None else round(value, 4),
                     "accepted": [round(low, 4), round(high, 4)],
                     "within": value is not None and low <= value <= high,
                     "source": target.source, "note": target.note,
                     "population": target.population, "endpoint": target.endpoint,
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
           f"    {'target':<56} {'published':>10} {'simulated':>10}  {'accepted':<17} verdict"]
    for i, row in enumerate(rows, 1):
        low, high = row["accepted"]
        accepted = f"{_show(low, row['unit'])}-{_show(high, row['unit'])}"
        out.append(f"{i:>2}. {row['target']:<56} {_show(row['published'], row['unit']):>10} "
                   f"{_show(row['simulated'], row['unit']):>10}  {accepted:<17} "
                   f"{'within' if row['within'] else 'MISSED'}")
    out.append("")
    for i, row in enumerate(rows, 1):
        out.append(f"{i:>2}. {row['source']}" + (f". {row['note']}" if row["note"] else ""))
        if row.get("population") or row.get("endpoint"):
            out.append(f"    population: {row.get('population') or '-'}; endpoint: {row.get('endpoint') or '-'}")
    return "\n".join(out) + "\n"
