"""Tests for sarcoma_sim.reports.accumulate: figures merged chunk by chunk equal per-patient loops."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.cohort.eventlog import EventLog
from sarcoma_sim.reports.accumulate import SequenceCounts, SummaryAccumulator
from sarcoma_sim.reports.logview import row_lines, state_lines

from helpers.budget import examples
from helpers.fake_cohort import demo_pathway, random_walk

PATHWAY = demo_pathway()


def _chunks(result, cuts):
    """``result`` split into consecutive chunks of patients at the patient numbers in ``cuts``."""
    log = result.log
    edges = [0, *sorted(c for c in set(cuts) if 0 < c < result.n), result.n]
    for lo, hi in zip(edges[:-1], edges[1:]):
        rows = (log.patient >= lo) & (log.patient < hi)
        part = EventLog(log.patient[rows], log.t_months[rows], log.event[rows], log.from_state[rows],
                        log.to_state[rows], log.event_names, log.state_ids)
        facts = {k: v[lo:hi] for k, v in result.patient_facts.items()}
        yield replace(result, n=hi - lo, log=part, patient_facts=facts)


def _naive(result, lines_by_state):
    """Per patient, in plain Python: states entered, lines started, end state and sequence."""
    log = result.log
    reached, lines, ends, sequences = Counter(), Counter(), Counter(), Counter()
    line_after = row_lines(log, lines_by_state)
    for p in range(result.n):
        rows = np.flatnonzero(log.patient == p)
        path = (int(log.from_state[rows[0]]), *log.to_state[rows].tolist())
        reached.update(set(path))
        lines.update(set(line_after[rows].tolist()))
        ends[path[-1]] += 1
        sequences[path] += 1
    return reached, lines, ends, sequences


@settings(max_examples=examples(30), deadline=None)
@given(n=st.integers(1, 400), seed=st.integers(0, 2**32 - 1), cuts=st.lists(st.integers(1, 399), max_size=5),
       digits=st.sampled_from([2, 3, None]))
def test_counts_read_off_merged_sequences_equal_a_per_patient_loop(n, seed, cuts, digits):
    """Reached states and lines, end states and top sequences, from sequences merged across any chunking
    (long ones kept as tuples, pending keys merged often), equal per-patient counts."""
    result = random_walk(PATHWAY, n, seed)
    accumulator = SummaryAccumulator(PATHWAY, result.log.state_ids)
    accumulator.sequences = SequenceCounts(len(result.log.state_ids), digits)
    accumulator.sequences.MERGE_AT = 3
    for chunk in _chunks(result, cuts):
        accumulator.add(chunk)
    reached, lines, ends, sequences = _naive(result, accumulator.lines_by_state)
    S = len(result.log.state_ids)
    assert accumulator.reached.tolist() == [reached[c] for c in range(S)]
    assert accumulator.ends.tolist() == [ends[c] for c in range(S)]
    assert accumulator.reached_line[1:].tolist() == [lines[k] for k in range(1, accumulator.top_line + 1)]
    expected = sorted(sequences.items(), key=lambda item: (-item[1], item[0]))[:10]
    assert accumulator.top_sequences(10) == expected


def _row_lines_by_running_maximum(to_state, first, lines_by_state):
    """The former row_lines: each row without a line takes the last defined row's line."""
    line = lines_by_state[to_state].astype(np.int16)
    line[first] = np.maximum(line[first], 0)
    index = np.where(line < 0, 0, np.arange(len(line)))
    np.maximum.accumulate(index, out=index)
    return line[index]


@settings(max_examples=examples(50), deadline=None)
@given(codes=st.lists(st.lists(st.integers(0, 4), min_size=1, max_size=8), min_size=1, max_size=20))
def test_rows_without_a_line_inherit_through_runs_of_them(codes):
    """row_lines gives every row without a line (here state 2, also several in a row, or first) the line
    before it, and a first row never inherits the previous patient's line."""
    lines_by_state = np.array([0, 1, -1, 2, -1], np.int16)
    patient = np.repeat(np.arange(len(codes)), [len(c) for c in codes])
    to_state = np.array([c for row in codes for c in row], np.int16)
    log = EventLog(patient, np.arange(len(patient), dtype=np.float64), np.zeros(len(patient), np.int16),
                   np.zeros(len(patient), np.int16), to_state, ("start",), tuple("abcde"))
    expected = _row_lines_by_running_maximum(to_state, log.first_rows(), lines_by_state)
    assert row_lines(log, lines_by_state).tolist() == expected.tolist()


def test_surgery_row_keeps_the_line_of_the_therapy_before_it():
    """A resection during first-line therapy counts on line 1, and the line after it is line 1 again
    (a known case, not only the equivalence)."""
    lines_by_state = state_lines(PATHWAY, tuple(PATHWAY.states))
    states = tuple(PATHWAY.states)
    surgery = states.index("surgery")
    assert lines_by_state[surgery] == -1
    drug_a = states.index("drug_a")
    log = EventLog(np.zeros(3, np.int64), np.array([0.0, 1.0, 2.0]), np.zeros(3, np.int16),
                   np.array([states.index("workup"), drug_a, surgery], np.int16),
                   np.array([drug_a, surgery, drug_a], np.int16), tuple(PATHWAY.events), states)
    assert row_lines(log, lines_by_state).tolist() == [1, 1, 1]


@pytest.mark.parametrize("subtype", ["gist", "leiomyosarcoma"])
def test_a_chunked_shipped_cohort_counts_like_one_piece(subtype):
    """On a shipped pathway with competing exits, 5 chunks and one piece give the same counts and sequences."""
    from sarcoma_sim.cohort.engines import simulate, simulate_chunks
    from sarcoma_sim.cohort.params import load_params
    from sarcoma_sim.pathways.exits import with_competing_exits
    from sarcoma_sim.pathways.load import load_subtype

    pathway = with_competing_exits(load_subtype(subtype))
    params = load_params(pathway)
    whole = SummaryAccumulator(pathway, tuple(pathway.states))
    whole.add(simulate(pathway, params, 5000, seed=3))
    chunked = SummaryAccumulator(pathway, tuple(pathway.states))
    for chunk in simulate_chunks(pathway, params, 5000, seed=3, chunk_size=1000):
        chunked.add(chunk)
    reached, lines, ends, sequences = _naive(simulate(pathway, params, 5000, seed=3), whole.lines_by_state)
    for accumulator in (whole, chunked):
        assert accumulator.reached.tolist() == [reached[c] for c in range(len(pathway.states))]
        assert accumulator.reached_line[1:].tolist() == [lines[k] for k in range(1, whole.top_line + 1)]
        assert accumulator.ends.tolist() == [ends[c] for c in range(len(pathway.states))]
    assert chunked.top_sequences(10) == whole.top_sequences(10)
