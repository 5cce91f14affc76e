"""Views of a cohort's event log that summaries, plots and the chunked accumulator share: the
pathway a result was simulated on, each row's line of therapy, state sequences and line episodes."""

from __future__ import annotations

import numpy as np

from sarcoma_sim.cohort.eventlog import CohortResult, EventLog
from sarcoma_sim.pathways.model import SUPPORTIVE_CARE, Pathway


def pathway_of(result: CohortResult, pathway: Pathway | None = None) -> Pathway:
    """The pathway a result was simulated on: ``pathway`` if given, else the shipped subtype's; its
    cohort view (``sarcoma_sim.pathways.exits``) when the result's states are those of that view."""
    from sarcoma_sim.pathways.exits import with_competing_exits

    if pathway is None:
        from sarcoma_sim.pathways.load import load_subtype
        pathway = load_subtype(result.subtype)
    # The cohort view (with death and supportive care) when the result was simulated on it.
    expanded = with_competing_exits(pathway)
    return expanded if tuple(expanded.states) == tuple(result.log.state_ids) else pathway


def state_lines(pathway: Pathway, state_ids: tuple[str, ...]) -> np.ndarray:
    """Line of therapy of each state (by code): the regimen line, 0 for workup, adjuvant therapy,
    supportive-care and terminal states, -1 for states without a line that continue the current
    one (surgery)."""
    lines = np.zeros(len(state_ids), np.int16)
    for code, state_id in enumerate(state_ids):
        state = pathway.states[state_id]
        if state.adjuvant:
            # GIST's adjuvant imatinib keeps line 1 in the data (the course it joins on recurrence)
            # but treats no advanced disease: counted as a first line, a localised cohort would
            # have "reached" the first line, and its 3 years would be time on it
            continue
        if state.line is not None:
            lines[code] = state.line
        elif state.kind not in ("terminal", "workup", SUPPORTIVE_CARE) and state_id != pathway.initial:
            lines[code] = -1
    return lines


def row_lines(log: EventLog, lines_by_state: np.ndarray, first: np.ndarray | None = None) -> np.ndarray:
    """Line of therapy each patient is on after each row; states without a line inherit the
    line of the row before them (resection of limited progression stays in the current line)."""
    line = lines_by_state[log.to_state]
    first = log.first_rows() if first is None else first
    # A first row cannot inherit (it would take the previous patient's line): count it as off therapy.
    line[first] = np.maximum(line[first], 0)
    # Few rows inherit: copy from the row before until none is left (a run of k such rows takes k passes).
    undefined = np.flatnonzero(line < 0)
    while len(undefined):
        line[undefined] = line[undefined - 1]
        undefined = undefined[line[undefined] < 0]
    return line


def inherit_lines(lines: np.ndarray) -> np.ndarray:
    """``row_lines`` for sequences laid out as rows (one per patient or distinct sequence, one column
    per transition; -1 inherits the column before, -2 pads a shorter sequence and stays -2)."""
    out = lines.copy()
    if out.shape[1]:
        out[:, 0] = np.maximum(out[:, 0], 0)
    for j in range(1, out.shape[1]):
        inherit = out[:, j] == -1
        out[inherit, j] = out[inherit, j - 1]
    return out


def sequences(log: EventLog) -> tuple[np.ndarray, np.ndarray]:
    """Distinct state sequences (initial state first, padded with -1) as rows of a 2-D array,
    and how many patients followed each; rows in a stable order (by the codes)."""
    first = log.first_rows()
    n = len(first)
    patient = log.patient - log.patient[0] if len(log) else log.patient   # a chunk's numbers start anywhere
    position = np.arange(len(log)) - first[patient]
    width = int(position.max()) + 2 if len(log) else 1
    dtype = np.int8 if len(log.state_ids) < 127 else np.int16
    matrix = np.full((n, width), -1, dtype=dtype)
    matrix[:, 0] = log.from_state[first]
    matrix[patient, position + 1] = log.to_state
    rows = np.ascontiguousarray(matrix).view(np.dtype((np.void, matrix.dtype.itemsize * width))).ravel()
    _, index, counts = np.unique(rows, return_index=True, return_counts=True)
    return matrix[index], counts


def line_episodes(log: EventLog, lines_by_state: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every time a patient is on a line of therapy: (line, patient, months from entering the line
    to leaving it, for a new line, supportive care, death or the end). Surgery stays inside the line."""
    line = row_lines(log, lines_by_state)
    change = np.ones(len(log), dtype=bool)
    change[1:] = (line[1:] != line[:-1]) | (log.patient[1:] != log.patient[:-1])
    starts = np.flatnonzero(change)
    # Every patient ends in an end state (line 0), so every run on a line has a following run.
    on_line = line[starts[:-1]] > 0
    begin, end = starts[:-1][on_line], starts[1:][on_line]
    return line[begin], log.patient[begin], log.t_months[end] - log.t_months[begin]
