"""Tests for sarcoma_sim.cohort.eventlog: the columnar log, joining chunks, contract checks and the CSV files."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.cohort.eventlog import EVENTS_HEADER, EventLog, check_log, write_events_csv, write_patients_csv
from sarcoma_sim.errors import PathwayError

from helpers.fake_cohort import FACTS, ROWS, demo_pathway, make_result, random_walk

PATHWAY = demo_pathway()


def test_len_counts_rows():
    """len() of a log is its number of rows (fired transitions)."""
    result = make_result(PATHWAY, ROWS, FACTS)
    assert len(result.log) == len(ROWS)
    assert result.n == 3


def test_first_and_last_rows_find_each_patient():
    """first_rows/last_rows give the index of each patient's start row and end row."""
    log = make_result(PATHWAY, ROWS, FACTS).log
    assert log.first_rows().tolist() == [0, 6, 7]
    assert log.last_rows().tolist() == [5, 6, 9]


def test_columns_of_different_lengths_are_refused():
    """An EventLog whose columns differ in length cannot be built."""
    with pytest.raises(ValueError, match="differ in length"):
        EventLog(np.zeros(2, np.int64), np.zeros(3), np.zeros(2, np.int16), np.zeros(2, np.int16),
                 np.zeros(2, np.int16), ("start",), ("a", "b"))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 60), cuts=st.lists(st.integers(0, 60), max_size=4), seed=st.integers(0, 2**32 - 1))
def test_concatenate_of_chunks_equals_the_whole(n, cuts, seed):
    """Splitting a log at patient boundaries and concatenating the chunks gives back the same log."""
    log = random_walk(PATHWAY, n, seed).log
    bounds = sorted({0, n, *[c for c in cuts if c <= n]})
    pieces = []
    for lo, hi in zip(bounds, bounds[1:]):
        keep = (log.patient >= lo) & (log.patient < hi)
        pieces.append(EventLog(log.patient[keep], log.t_months[keep], log.event[keep], log.from_state[keep],
                               log.to_state[keep], log.event_names, log.state_ids))
    joined = EventLog.concatenate(pieces)
    for column in ("patient", "t_months", "event", "from_state", "to_state"):
        assert np.array_equal(getattr(joined, column), getattr(log, column))
        assert getattr(joined, column).dtype == getattr(log, column).dtype
    assert len(joined) == len(log)


def test_concatenate_refuses_logs_with_different_names():
    """Chunks naming different states cannot be joined, and an empty list is refused."""
    log = make_result(PATHWAY, ROWS, FACTS).log
    other = EventLog.empty(log.event_names, log.state_ids[::-1])
    with pytest.raises(ValueError, match="different"):
        EventLog.concatenate([log, other])
    with pytest.raises(ValueError, match="at least one"):
        EventLog.concatenate([])


def test_concatenate_keeps_dtypes_of_the_contract():
    """Joined columns have the contract's dtypes even if a chunk was built with wider ones."""
    log = make_result(PATHWAY, ROWS, FACTS).log
    wide = EventLog(log.patient.astype(np.int32), log.t_months, log.event.astype(np.int64),
                    log.from_state.astype(np.int64), log.to_state.astype(np.int64), log.event_names, log.state_ids)
    joined = EventLog.concatenate([wide, EventLog.empty(log.event_names, log.state_ids)])
    assert [joined.patient.dtype, joined.event.dtype, joined.to_state.dtype] == [np.int64, np.int16, np.int16]


def test_events_csv_uses_names_not_codes():
    """events.csv has the header and one row per transition, with event and state names."""
    out = io.StringIO()
    write_events_csv(make_result(PATHWAY, ROWS, FACTS).log, out)
    lines = out.getvalue().splitlines()
    assert lines[0] == EVENTS_HEADER
    assert lines[1] == "0,0.0000,start,workup,drug_a"
    assert lines[6] == "0,26.1235,progression,drug_b,care"
    assert lines[7] == "1,0.0000,start,workup,no_option"
    assert len(lines) == len(ROWS) + 1


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 80), seed=st.integers(0, 2**32 - 1))
def test_events_csv_reads_back_to_the_log(n, seed):
    """Parsing events.csv back gives the log's patients, names and times (to 4 decimals)."""
    log = random_walk(PATHWAY, n, seed).log
    out = io.StringIO()
    write_events_csv(log, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == len(log)
    assert [int(r["patient"]) for r in rows] == log.patient.tolist()
    assert np.allclose([float(r["t_months"]) for r in rows], log.t_months, atol=5e-5)
    assert [r["event"] for r in rows] == [log.event_names[c] for c in log.event]
    assert [r["from_state"] for r in rows] == [log.state_ids[c] for c in log.from_state]
    assert [r["to_state"] for r in rows] == [log.state_ids[c] for c in log.to_state]


def test_patients_csv_has_facts_end_state_and_time():
    """patients.csv has one row per patient with attributes, end state, time to end and transitions."""
    out = io.StringIO()
    write_patients_csv(make_result(PATHWAY, ROWS, FACTS), out)
    assert out.getvalue().splitlines() == [
        "patient,marker,end_state,time_to_end_months,transitions",
        "0,positive,care,26.1235,6",
        "1,negative,no_option,0.0000,1",
        "2,positive,care,5.0000,3",
    ]


def test_check_log_accepts_a_valid_cohort():
    """A random walk obeys the contract, so check_log raises nothing."""
    result = random_walk(PATHWAY, 500, 3)
    check_log(result.log, result.n, PATHWAY.initial, PATHWAY.terminal_states())


@pytest.mark.parametrize("broken, n, message", [
    (ROWS[:-1], 3, "terminal"),
    ([ROWS[0], (0, 1.0, "progression", "drug_a", "care"), (0, 0.5, "progression", "drug_a", "care")], 1,
     "backwards"),
    ([(0, 1.0, "start", "workup", "no_option")], 1, "begin with 'start' at 0.0"),
    ([ROWS[0], (0, 1.0, "progression", "drug_b", "care")], 1, "chain"),
    ([(1, 0.0, "start", "workup", "no_option")], 1, "patients 0..0"),
    (ROWS, 4, "patients 0..3"),
])
def test_check_log_names_each_broken_rule(broken, n, message):
    """check_log raises a PathwayError naming the rule a broken log breaks."""
    result = make_result(PATHWAY, broken)
    with pytest.raises(PathwayError, match=message):
        check_log(result.log, n, PATHWAY.initial, PATHWAY.terminal_states())
