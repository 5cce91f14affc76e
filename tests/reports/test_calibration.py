"""Tests of the calibration report (sarcoma_sim.reports.calibration) and ``sarcoma-sim cohort --calibration``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sarcoma_sim.cohort.engines import simulate
from sarcoma_sim.cohort.params import load_params
from sarcoma_sim.pathways.load import load_subtype
from sarcoma_sim.reports.calibration import TARGETS, Target, calibrate, format_calibration, measure
from sarcoma_sim.reports.survival import death_times

from helpers.cli_runner import run_cli


@pytest.fixture(scope="module")
def gist_cohort():
    """A GIST cohort shared by the measuring tests."""
    return simulate(load_subtype("gist"), load_params("gist"), 20_000, 3)


def test_calibration_command_prints_every_target_side_by_side(capsys):
    """--calibration prints each target with published and simulated values, the interval and a verdict."""
    code, out, err = run_cli(capsys, "cohort", "gist", "-n", "4000", "--seed", "1", "--calibration")
    assert code == 0, err
    report = out.split("Calibration of gist", 1)[1]
    for target in TARGETS["gist"]:
        line = next(row for row in report.splitlines() if target.label in row)
        assert ("within" in line) or ("MISSED" in line)
    assert "55.0 mo" in report and "S0033" in report


def test_calibration_json_has_the_rows(capsys):
    """With --format json the summary holds the calibration rows and their accepted intervals."""
    code, out, _ = run_cli(capsys, "cohort", "leiomyosarcoma", "-n", "3000", "--seed", "2", "--calibration",
                           "--format", "json")
    assert code == 0
    rows = json.loads(out)["calibration"]
    assert [r["target"] for r in rows] == [t.label for t in TARGETS["leiomyosarcoma"]]
    for row in rows:
        low, high = row["accepted"]
        assert row["within"] == (low <= row["simulated"] <= high)


def test_a_subtype_without_targets_says_so(capsys):
    """A subtype with no recorded target prints that, rather than an empty table."""
    code, out, _ = run_cli(capsys, "cohort", "emc", "-n", "500", "--seed", "1", "--calibration")
    assert code == 0 and "no published targets are recorded for emc" in out


def test_os_median_is_the_km_median(gist_cohort):
    """The os_median measure is the median death time to one 0.01-month bin (nobody is censored in GIST)."""
    target = Target("os", "os_median", 55.0, "test", within=0.15)
    times, died = death_times(gist_cohort.log)
    assert died.all()
    value = measure(gist_cohort, load_subtype("gist"), target)
    exact = np.sort(times)[int(np.ceil(len(times) / 2)) - 1]
    assert exact - 0.01 < value <= exact


def test_reached_line_counts_patients_once(gist_cohort):
    """The share reaching line 2 counts each patient once, whichever second-line state they entered."""
    value = measure(gist_cohort, load_subtype("gist"), Target("l2", "reached_line", 0.5, "t", low=0, high=1, line=2))
    log = gist_cohort.log
    second = [log.state_ids.index(s) for s in ("sunitinib_50_intermittent", "sunitinib_37_5_continuous")]
    expected = len(np.unique(log.patient[np.isin(log.to_state, second)])) / gist_cohort.n
    assert value == pytest.approx(expected)


def test_os_from_a_state_starts_at_first_entry(gist_cohort):
    """Survival from a state is measured from each patient's first entry into it, and is shorter than from the start."""
    from_start = measure(gist_cohort, load_subtype("gist"), Target("a", "os_median", 1, "t", within=0.1))
    from_regorafenib = measure(gist_cohort, load_subtype("gist"),
                               Target("b", "os_median_from", 1, "t", within=0.1, state="regorafenib"))
    assert 0 < from_regorafenib < from_start


def test_gist_overall_survival_is_within_15_percent_of_s0033():
    """The done-when target: GIST median overall survival within 15% of S0033's 55 months (400 mg arm)."""
    result = simulate(load_subtype("gist"), load_params("gist"), 100_000, 11)
    row = calibrate(result, load_subtype("gist"))[0]
    assert row["published"] == 55.0 and row["within"], row


def test_format_marks_misses():
    """A row outside its interval reads MISSED, with its note below the table."""
    rows = [{"target": "x", "published": 10.0, "simulated": 20.0, "accepted": [8.5, 11.5], "within": False,
             "source": "Trial X", "note": "why it differs", "unit": "months"}]
    text = format_calibration(rows, "demo")
    assert "MISSED" in text and "Trial X. why it differs" in text


@pytest.mark.slow
@pytest.mark.parametrize("subtype", sorted(TARGETS))
def test_every_calibration_target_is_met(subtype):
    """Every recorded target of the shipped parameters is within its stated tolerance (100,000 patients,
    seed 1, as docs/cohort.md reports them), so a parameter change that breaks one is seen."""
    pathway = load_subtype(subtype)
    result = simulate(pathway, load_params(subtype), 100_000, 1)
    missed = [row for row in calibrate(result, pathway) if not row["within"]]
    assert not missed, missed


def test_pfs_counts_progression_and_death_and_censors_the_rest():
    """PFS from a state: progression or death are events (through six cycles' completion); intolerance and
    stopping treatment censor; the time runs from the first entry."""
    from sarcoma_sim.cohort.eventlog import EventLog
    from sarcoma_sim.pathways.exits import with_competing_exits
    from sarcoma_sim.reports.accumulate import pfs_times

    pathway = with_competing_exits(load_subtype("leiomyosarcoma"))
    events, states = pathway.events, tuple(pathway.states)
    rows = [  # patient, month, event, from, to
        (0, 0.0, "start", "workup", "anthracycline"), (0, 4.1, "completed", "anthracycline", "anthracycline_completed"),
        (0, 7.0, "progression", "anthracycline_completed", "pazopanib"), (0, 9.0, "death", "pazopanib", "death"),
        (1, 0.0, "start", "workup", "anthracycline"), (1, 2.0, "intolerance", "anthracycline", "pazopanib"),
        (2, 0.0, "start", "workup", "anthracycline"), (2, 5.0, "death", "anthracycline", "death"),
        (3, 0.0, "start", "workup", "anthracycline"),
        (3, 3.0, "decline", "anthracycline", "best_supportive_care"),
    ]
    log = EventLog(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]),
                   np.array([events.index(r[2]) for r in rows], np.int16),
                   np.array([states.index(r[3]) for r in rows], np.int16),
                   np.array([states.index(r[4]) for r in rows], np.int16), events, states)
    last = np.array([3, 5, 7, 9])
    months, ended = pfs_times(log, pathway, "anthracycline", last)
    assert months.tolist() == [7.0, 2.0, 5.0, 3.0] and ended.tolist() == [1, 0, 1, 0]


def test_ttp_counts_only_progression_and_censors_death():
    """Time to progression from a state (a TTP trial's endpoint): progression is the event; death, intolerance
    and stopping treatment censor."""
    from sarcoma_sim.cohort.eventlog import EventLog
    from sarcoma_sim.pathways.exits import with_competing_exits
    from sarcoma_sim.reports.accumulate import pfs_times

    pathway = with_competing_exits(load_subtype("dfsp"))
    events, states = pathway.events, tuple(pathway.states)
    rows = [  # patient, month, event, from, to
        (0, 0.0, "start", "workup", "imatinib"), (0, 20.0, "progression", "imatinib", "trial_or_supportive_care"),
        (1, 0.0, "start", "workup", "imatinib"), (1, 5.0, "death", "imatinib", "death"),
        (2, 0.0, "start", "workup", "imatinib"), (2, 8.0, "intolerance", "imatinib", "imatinib_600_reduced"),
    ]
    log = EventLog(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]),
                   np.array([events.index(r[2]) for r in rows], np.int16),
                   np.array([states.index(r[3]) for r in rows], np.int16),
                   np.array([states.index(r[4]) for r in rows], np.int16), events, states)
    last = np.array([1, 3, 5])
    months, ended = pfs_times(log, pathway, "imatinib", last, events=("progression",))
    assert months.tolist() == [20.0, 5.0, 8.0] and ended.tolist() == [1, 0, 0]
    months, ended = pfs_times(log, pathway, "imatinib", last)
    assert ended.tolist() == [1, 1, 0]


def test_every_cited_progression_median_is_a_calibration_target():
    """Each progression median that cites a trial is a PFS or TTP target of its state, except the NTRK
    inhibitor of a histology whose cohort has no NTRK fusion (no patient reaches it)."""
    from sarcoma_sim.pathways.load import SUBTYPE_IDS

    for subtype in SUBTYPE_IDS:
        params = load_params(subtype)
        fusion = any(g.facts.get("ntrk_fusion") == "positive" and g.prevalence.value > 0 for g in params.population)
        targeted = {t.state for t in TARGETS.get(subtype, ()) if t.measure in ("pfs_median_from", "ttp_median_from")}
        for state, sp in params.states.items():
            progression = sp.events.get("progression")
            if progression is None or progression.timing is None or not progression.timing.median_months.source:
                continue
            if state == "ntrk_inhibitor" and not fusion:
                continue
            assert state in targeted, (subtype, state, progression.timing.median_months.reported)


def test_every_target_names_its_population_and_endpoint():
    """Every recorded target says whom its figure describes and how the source defines it."""
    for subtype, targets in TARGETS.items():
        for target in targets:
            assert target.population and target.endpoint, (subtype, target.label)


def test_pfs_target_is_read_at_the_imaging_visits():
    """A PFS median is read where the curve is seen: interpolated between the two visits around one half."""
    from sarcoma_sim.reports.accumulate import SurvivalHistogram
    from sarcoma_sim.reports.calibration import median_at_visits

    view = SurvivalHistogram()
    view.add(0, np.array([3.0] * 30 + [6.0] * 40 + [9.0] * 30), np.ones(100, np.int64))
    assert median_at_visits(view, 3.0) == pytest.approx(3 + 3 * (0.7 - 0.5) / (0.7 - 0.3))


def test_calibration_shows_population_and_endpoint_per_target(capsys):
    """--calibration names the population and the endpoint (PFS: progression or death) of every target."""
    code, out, err = run_cli(capsys, "cohort", "leiomyosarcoma", "-n", "3000", "--seed", "1", "--calibration")
    assert code == 0, err
    report = out.split("Calibration of leiomyosarcoma", 1)[1]
    assert report.count("population: ") == len(TARGETS["leiomyosarcoma"])
    assert "LMS-04" in report and "endpoint: PFS: progression or death" in report
