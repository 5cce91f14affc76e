"""Tables a modeller reads beside the summary: the event log with line and regimen, and the trace.

``write_events_table`` writes ``events.csv`` with two more columns than the bare log: the line of
therapy each patient is on after the row (0 off therapy: workup, supportive care, death) and the
regimen of the state entered (drugs, dose and schedule as the pathway writes them). ``trace``
counts the patients in each state at the start of every month (the Markov trace that costs and
utilities attach to); ``write_trace_csv`` writes it as ``trace.csv``.
"""

from __future__ import annotations

from typing import TextIO

import numpy as np

from sarcoma_sim.cohort.eventlog import CohortResult, write_events_csv
from sarcoma_sim.pathways.model import Pathway
from sarcoma_sim.reports.logview import pathway_of, row_lines, state_lines


def regimen_texts(pathway: Pathway, state_ids: tuple[str, ...]) -> list[str]:
    """The regimen text of each state (by code), empty for a state without a regimen."""
    texts = []
    for state_id in state_ids:
        regimen = pathway.states[state_id].regimen
        texts.append(regimen.describe() if regimen else "")
    return texts


def write_events_table(result: CohortResult, stream: TextIO, pathway: Pathway | None = None,
                       header: bool = True) -> None:
    """``events.csv``: the log's columns, then ``line`` and ``regimen`` (``header=False``: a later chunk)."""
    pathway = pathway_of(result, pathway)
    log = result.log
    lines = row_lines(log, state_lines(pathway, log.state_ids))
    write_events_csv(log, stream, lines=lines, regimens=regimen_texts(pathway, log.state_ids), header=header)


def trace(result: CohortResult, step_months: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(times 0, step, 2 step, ... up to the last event, counts (times x states)) of patients in each
    state at each time; a state entered and left at the same instant holds nobody."""
    from sarcoma_sim.reports.plots import occupancy

    log = result.log
    end = float(log.t_months.max(initial=0.0))
    grid = np.arange(0.0, np.floor(end / step_months) * step_months + step_months / 2, step_months)
    return grid, occupancy(result, grid).T


def write_trace_csv(result: CohortResult, stream: TextIO) -> None:
    """``trace.csv``: ``month`` then one column per state (pathway order), patients in each state at the
    start of each month; every row sums to the cohort size."""
    write_trace_table(*trace(result), result.log.state_ids, stream)


def write_trace_table(months: np.ndarray, counts: np.ndarray, state_ids, stream: TextIO) -> None:
    """Write a trace (whole months, counts months x states) as ``trace.csv``."""
    stream.write(",".join(["month", *state_ids]) + "\n")
    row = "%d" + ",%d" * counts.shape[1] + "\n"
    stream.write("".join(row % (int(m), *c) for m, c in zip(months.tolist(), counts.tolist())))
