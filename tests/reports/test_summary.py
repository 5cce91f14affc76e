"""Tests for sarcoma_sim.reports.summary: the cohort summary against hand-computed values and per-patient loops."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.cli.dispatch import NOT_FOR_CLINICAL_USE
from sarcoma_sim.reports.logview import row_lines, state_lines
from sarcoma_sim.reports.summary import format_text, summarize, to_json

from helpers.fake_cohort import FACTS, ROWS, demo_pathway, make_result, random_walk

PATHWAY = demo_pathway()


@pytest.fixture(scope="module")
def summary():
    """The summary of the three hand-made patients of test_eventlog."""
    return summarize(make_result(PATHWAY, ROWS, FACTS, seed=7), PATHWAY)


def test_header_fields_and_notice(summary):
    """The summary names subtype, size, seed, engine, parameter file and carries the notice."""
    assert (summary["subtype"], summary["n"], summary["seed"], summary["engine"]) == ("demo", 3, 7, "vectorized")
    assert summary["params_file"] == "test-params.yaml"
    assert summary["notice"] == NOT_FOR_CLINICAL_USE
    assert summary["events"] == len(ROWS)


def test_reached_counts_each_patient_once_including_the_initial_state(summary):
    """reached is the share of patients who ever entered each state; re-entry counts once."""
    assert summary["reached"] == {"workup": 1.0, "drug_a": 0.666667, "surgery": 0.333333, "drug_a_high": 0.333333,
                                  "drug_b": 0.666667, "no_option": 0.333333, "care": 0.666667}
    assert summary["reached_line"] == {"1": 0.666667, "2": 0.666667}


def test_time_in_state_is_over_stays(summary):
    """time_in_state_months averages every stay (two stays on drug_a for patient 0), not patients."""
    times = summary["time_in_state_months"]
    assert times["drug_a"] == {"mean": round(13 / 3, 4), "median": 5.0, "stays": 3}
    assert times["surgery"] == {"mean": 1.0, "median": 1.0, "stays": 1}
    assert times["drug_b"]["mean"] == 4.5617 and times["drug_b"]["stays"] == 2
    assert times["drug_b"]["median"] == pytest.approx(4.5617, abs=0.01)     # 0.01-month bins
    assert times["workup"] == {"mean": 0.0, "median": 0.0, "stays": 3}
    assert "care" not in times and "no_option" not in times


def test_time_to_end_and_end_states(summary):
    """time_to_end_months is over patients' last rows; end_states lists every terminal state."""
    assert summary["time_to_end_months"] == {"mean": round((26.123456 + 0 + 5) / 3, 4), "median": 5.0}
    assert summary["end_states"] == {"no_option": 0.333333, "care": 0.666667}


def test_top_sequences_include_initial_and_end_states(summary):
    """Each sequence runs from the initial state to the end state, revisits included."""
    sequences = {tuple(item["states"]): item["fraction"] for item in summary["top_sequences"]}
    assert sequences == {
        ("workup", "drug_a", "surgery", "drug_a", "drug_a_high", "drug_b", "care"): 0.333333,
        ("workup", "no_option"): 0.333333,
        ("workup", "drug_a", "drug_b", "care"): 0.333333,
    }


def test_top_sequences_are_ranked_by_frequency_and_capped():
    """top_sequences are the most common sequences, most common first, at most `top` of them."""
    rows = [(p, 0.0, "start", "workup", "no_option") for p in range(5)]
    rows += [(5, 0.0, "start", "workup", "drug_a"), (5, 1.0, "progression", "drug_a", "drug_a_high"),
             (5, 2.0, "intolerance", "drug_a_high", "drug_b"), (5, 3.0, "progression", "drug_b", "care")]
    rows += [(p, 0.0, "start", "workup", "drug_a") for p in (6, 7)]
    rows += [(p, 1.0, "intolerance", "drug_a", "drug_b") for p in (6, 7)]
    rows += [(p, 2.0, "progression", "drug_b", "care") for p in (6, 7)]
    rows.sort(key=lambda r: (r[0], r[1]))
    summary = summarize(make_result(PATHWAY, rows), PATHWAY, top=2)
    assert [item["states"] for item in summary["top_sequences"]] == [
        ["workup", "no_option"], ["workup", "drug_a", "drug_b", "care"]]
    assert [item["patients"] for item in summary["top_sequences"]] == [5, 2]


def _naive(result):
    """The same figures computed patient by patient with plain Python."""
    log = result.log
    by_patient = defaultdict(list)
    for p, t, f, to in zip(log.patient.tolist(), log.t_months.tolist(), log.from_state.tolist(),
                           log.to_state.tolist()):
        by_patient[p].append((t, f, to))
    reached, stays, ends, seqs = Counter(), defaultdict(list), [], Counter()
    for rows in by_patient.values():
        path = [rows[0][1]] + [to for _, _, to in rows]
        reached.update(set(path))
        times = [0.0] + [t for t, _, _ in rows]
        for k, state in enumerate(path[:-1]):
            stays[state].append(times[k + 1] - times[k])
        ends.append(rows[-1][0])
        seqs[tuple(path)] += 1
    return reached, stays, ends, seqs


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 300), seed=st.integers(0, 2**32 - 1))
def test_vectorised_summary_matches_a_per_patient_loop(n, seed):
    """On random cohorts, every figure of the summary equals the naive per-patient computation."""
    result = random_walk(PATHWAY, n, seed)
    summary = summarize(result, PATHWAY)
    reached, stays, ends, seqs = _naive(result)
    ids = result.log.state_ids
    for code, state in enumerate(ids):
        assert summary["reached"][state] == round(reached[code] / n, 6)
        if state in summary["time_in_state_months"]:
            entry = summary["time_in_state_months"][state]
            assert entry["stays"] == len(stays[code])
            if stays[code]:
                assert entry["mean"] == pytest.approx(np.mean(stays[code]), abs=1e-4)
                # medians come from 0.01-month bins (sarcoma_sim.reports.accumulate): within one bin
                assert entry["median"] == pytest.approx(np.median(stays[code]), abs=0.01)
            else:
                assert entry["mean"] is None and entry["median"] is None
    assert summary["time_to_end_months"]["median"] == pytest.approx(np.median(ends), abs=0.01)
    assert sum(summary["end_states"].values()) == pytest.approx(1.0, abs=1e-5)
    for state, fraction in summary["end_states"].items():
        assert fraction == summary["reached"][state]
    counts = sorted(seqs.values(), reverse=True)[:10]
    assert [item["patients"] for item in summary["top_sequences"]] == counts
    for item in summary["top_sequences"]:
        assert seqs[tuple(ids.index(s) for s in item["states"])] == item["patients"]


def test_surgery_stays_inside_the_current_line():
    """row_lines gives the surgery state the line of the therapy before it; end states get line 0."""
    log = make_result(PATHWAY, ROWS, FACTS).log
    lines = row_lines(log, state_lines(PATHWAY, log.state_ids))
    assert lines.tolist() == [1, 1, 1, 1, 2, 0, 0, 1, 2, 0]


def test_json_is_stable_and_round_trips(summary):
    """to_json gives the same text for the same summary, ends with a newline and parses back."""
    text = to_json(summary)
    assert text == to_json(summarize(make_result(PATHWAY, ROWS, FACTS, seed=7), PATHWAY))
    assert text.endswith("}\n")
    assert json.loads(text) == summary


def test_text_table_shows_states_lines_ends_sequences_and_notice(summary):
    """The text rendering lists each state with label and reached %, end states, sequences and the notice."""
    text = format_text(summary, PATHWAY)
    assert "Demo sarcoma: cohort of 3 hypothetical patients (seed 7, vectorized engine)" in text
    assert "Drug A 100 mg daily" in text and " 66.7%" in text
    assert "line 1 66.7%, line 2 66.7%" in text
    assert "33.3%  No targeted option (no_option)" in text
    assert "workup > drug_a > drug_b > care" in text
    assert "median 5.0 months" in text
    assert text.rstrip().endswith(NOT_FOR_CLINICAL_USE)


def test_summary_of_a_shipped_subtype_loads_its_pathway():
    """Without a pathway argument the summary uses the shipped pathway of the result's subtype."""
    from sarcoma_sim.pathways.load import load_subtype
    gist = load_subtype("gist")
    summary = summarize(random_walk(gist, 200, 1))
    assert list(summary["reached"]) == list(gist.states)
    assert list(summary["end_states"]) == gist.terminal_states()


def test_text_table_marks_adjuvant_therapy_as_adjuvant_not_a_line():
    """GIST's state table gives adjuvant imatinib "adj" in the line column, first-line imatinib 1."""
    from sarcoma_sim.pathways.load import load_subtype
    gist = load_subtype("gist")
    rows = {line.split()[0]: line for line in format_text(summarize(random_walk(gist, 50, 1)), gist).splitlines()
            if line.split()[:1] in (["adjuvant_imatinib"], ["imatinib_400"])}
    assert rows["adjuvant_imatinib"][:rows["adjuvant_imatinib"].index("%")].split()[-2] == "adj"
    assert rows["imatinib_400"][:rows["imatinib_400"].index("%")].split()[-2] == "1"


def test_model_scope_is_stated(summary):
    """A pathway without competing exits says so: later-line shares are upper bounds, times are not survival."""
    assert "declares no competing exits" in summary["model_note"]
    text = " ".join(format_text(summary, PATHWAY).split())
    assert "upper bounds" in text and "not survival" in text


def test_model_scope_with_competing_exits_names_them():
    """With competing exits the note names death and stopping treatment, and no longer claims no death."""
    from sarcoma_sim.cohort.engines import simulate
    from sarcoma_sim.cohort.params import load_params
    from sarcoma_sim.pathways.load import load_subtype
    gist = load_subtype("gist")
    result = simulate(gist, load_params("gist"), 300, 4)
    note = summarize(result, gist)["model_note"]
    assert "death" in note and "stopping active treatment" in note and "no death" not in note


def test_parameter_table_lists_every_value_with_its_provenance_and_basis():
    """summary.json's parameters list every value of the run, each progression median with its basis."""
    from sarcoma_sim.cohort.engines import simulate
    from sarcoma_sim.cohort.params import load_params
    from sarcoma_sim.pathways.load import load_subtype
    params = load_params("gist")
    summary = summarize(simulate(load_subtype("gist"), params, 200, 1), params=params)
    rows = {r["parameter"]: r for r in summary["parameters"]}
    assert set(rows) == {path for path, _ in params.quantities()}
    assert all(r["provenance"] for r in rows.values())
    assert rows["states.regorafenib.progression.median_months"]["basis"].startswith("latent")
    assert rows["competing_exits.on_treatment.death.median_months"]["illustrative"] is True
    assert summary["tool_version"]


def test_adjuvant_therapy_is_no_line_of_therapy_in_a_cohort():
    """A patient given adjuvant imatinib after resection of localised GIST, then surveillance, has
    reached no line of therapy and spent no time on one; one treated for advanced GIST has. Adjuvant
    imatinib keeps ``line: 1`` in the pathway file (the course it joins on recurrence)."""
    from sarcoma_sim.pathways.exits import with_competing_exits
    from sarcoma_sim.pathways.load import load_subtype

    gist = with_competing_exits(load_subtype("gist"))
    assert gist.states["adjuvant_imatinib"].line == 1
    rows = [(0, 0.0, "start", "workup", "resection_primary"),
            (0, 1.5, "resected", "resection_primary", "adjuvant_imatinib"),
            (0, 37.5, "completed", "adjuvant_imatinib", "surveillance"),
            (0, 90.0, "death", "surveillance", "death"),
            (1, 0.0, "start", "workup", "imatinib_400"),
            (1, 30.0, "death", "imatinib_400", "death")]
    result = make_result(gist, rows)
    assert row_lines(result.log, state_lines(gist, result.log.state_ids)).tolist() == [0, 0, 0, 0, 1, 0]
    summary = summarize(result, gist)
    assert summary["reached_line"] == {"1": 0.5, "2": 0.0, "3": 0.0, "4": 0.0}
    assert summary["time_on_line_months"]["1"]["median"] == 30.0
