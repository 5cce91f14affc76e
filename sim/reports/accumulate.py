"""Cohort summaries built chunk by chunk and merged, so a cohort of any size fits in one chunk's memory.

``SummaryAccumulator.add(chunk)`` takes consecutive ``CohortResult`` chunks (``simulate_chunks``;
a whole result is one chunk) and keeps only what merges exactly:

- counts (who reached each state and line, how the pathway ended, the event rows, each distinct
  state sequence) and sums (for means): exact;
- times (stays in a state, time on a line, time to the end, death and censoring times) as
  histograms of ``BIN_MONTHS`` = 0.01-month bins (about 7 hours) up to ``MAX_MONTHS``. A median is
  reported as the lower edge of the bin holding the middle value (for an even count, the mean of
  the two middle ones): within 0.01 month of ``numpy.median``, and exact for times on the imaging
  lattice (whole multiples of the interval). Kaplan-Meier survival is
  computed from the binned deaths and censorings (ties within a bin count together);
- the month-by-month trace (patients in each state at every whole month): exact.

Memory is a few megabytes whatever the cohort size; see docs/cohort.md ("No ceiling").
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

import numpy as np

from sarcoma_sim.cohort.eventlog import CohortResult, EventLog
from sarcoma_sim.pathways.model import Pathway

BIN_MONTHS = 0.01
MAX_MONTHS = 600.0                        # 50 years; later times fall in an overflow bin
N_BINS = int(round(MAX_MONTHS / BIN_MONTHS))
_EDGE_SLACK = 1e-7                         # 0.29 * 100 is 28.999999999999996: still bin 29


def bin_of(months: np.ndarray) -> np.ndarray:
    """The histogram bin of each time (``N_BINS`` for the overflow)."""
    scaled = np.asarray(months, np.float64) * (1.0 / BIN_MONTHS)
    scaled += _EDGE_SLACK
    np.minimum(scaled, N_BINS, out=scaled)
    return scaled.astype(np.int64)        # truncation is floor: times are never negative


class Histograms:
    """One time histogram per group (a state, a line), with exact counts and sums.

    Bin numbers are buffered and counted together once a few million have arrived (or when a
    figure is read), so a chunk costs a pass over its own values, not over every bin."""

    FLUSH = 2_000_000

    def __init__(self, groups: int):
        self.groups = groups
        self._counts = np.zeros((groups, N_BINS + 1), np.int64)
        self.sums = np.zeros(groups)
        self._pending: list[np.ndarray] = []
        self._pending_size = 0

    def add(self, group: np.ndarray | int, months: np.ndarray) -> None:
        """Count ``months[i]`` in histogram ``group[i]`` (or all in ``group`` when it is an int)."""
        if len(months) == 0:
            return
        flat = bin_of(months)
        if isinstance(group, (int, np.integer)):
            if group:
                flat += int(group) * (N_BINS + 1)
            self.sums[group] += float(np.sum(months))
        else:
            group = np.asarray(group, np.int64)
            flat += group * (N_BINS + 1)
            self.sums += np.bincount(group, weights=months, minlength=self.groups)
        self._pending.append(flat)
        self._pending_size += len(flat)
        if self._pending_size >= self.FLUSH:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            flat = np.concatenate(self._pending)
            self._counts += np.bincount(flat, minlength=self.groups * (N_BINS + 1)).reshape(self.groups, N_BINS + 1)
            self._pending, self._pending_size = [], 0

    @property
    def counts(self) -> np.ndarray:
        """(groups, bins + overflow) counts."""
        self._flush()
        return self._counts

    def total(self, g: int) -> int:
        """How many times group ``g`` holds."""
        return int(self.counts[g].sum())

    def mean(self, g: int) -> float | None:
        """The exact mean of group ``g`` (None when empty)."""
        total = self.total(g)
        return float(self.sums[g] / total) if total else None

    def median(self, g: int) -> float | None:
        """The lower edge of the bin holding the middle value; for an even count the mean of the two
        middle values' lower edges (as ``numpy.median`` averages them). Exact to ``BIN_MONTHS``."""
        total = self.total(g)
        if not total:
            return None
        cumulative = np.cumsum(self.counts[g])
        lower = int(np.searchsorted(cumulative, (total + 1) // 2))
        upper = int(np.searchsorted(cumulative, total // 2 + 1))
        return (lower + upper) / 2 * BIN_MONTHS


class SurvivalHistogram:
    """Deaths and censorings by bin, for Kaplan-Meier curves merged across chunks."""

    def __init__(self, groups: int = 1):
        self.deaths = np.zeros((groups, N_BINS + 1), np.int64)
        self.censored = np.zeros((groups, N_BINS + 1), np.int64)

    def add(self, group: np.ndarray, months: np.ndarray, died: np.ndarray) -> None:
        """Add patients ending at ``months`` (dead or censored) to their ``group``."""
        if len(months) == 0:
            return
        size = self.deaths.size
        flat = np.asarray(group, np.int64) * (N_BINS + 1) + bin_of(months)
        self.deaths += np.bincount(flat[died], minlength=size).reshape(self.deaths.shape)
        self.censored += np.bincount(flat[~died], minlength=size).reshape(self.deaths.shape)

    def curve(self, g: int = 0) -> np.ndarray:
        """Kaplan-Meier survival just after each bin (censorings in a bin count after its deaths)."""
        d, c = self.deaths[g], self.censored[g]
        at_risk = d.sum() + c.sum() - np.concatenate(([0], np.cumsum(d + c)[:-1]))
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(at_risk > 0, 1.0 - d / np.maximum(at_risk, 1), 1.0)
        return np.cumprod(factor)

    def patients(self, g: int = 0) -> int:
        """How many patients group ``g`` holds."""
        return int(self.deaths[g].sum() + self.censored[g].sum())

    def median(self, g: int = 0) -> float | None:
        """Lower edge of the bin where survival first falls to one half (None if it never does)."""
        if not self.patients(g):
            return None
        below = np.flatnonzero(self.curve(g)[:N_BINS] <= 0.5 + 1e-12)
        return float(below[0] * BIN_MONTHS) if len(below) else None

    def survival_at(self, months: float, g: int = 0) -> float:
        """Kaplan-Meier survival at ``months`` (deaths strictly before it)."""
        b = int(round(months / BIN_MONTHS))
        return 1.0 if b == 0 else float(self.curve(g)[b - 1])


def _patient_index(log: EventLog) -> np.ndarray:
    """Chunk-local patient numbers (chunks carry global ones; every patient has a start row)."""
    return log.patient - log.patient[0] if len(log) else log.patient


class SummaryAccumulator:
    """Everything the summary, the calibration report and ``trace.csv`` need, merged chunk by chunk."""

    def __init__(self, pathway: Pathway, state_ids: Sequence[str], entry_states: Sequence[str] = (),
                 trace: bool = True):
        from sarcoma_sim.reports.logview import state_lines

        self.pathway = pathway
        self.state_ids = tuple(state_ids)
        self.lines_by_state = state_lines(pathway, self.state_ids)
        self.top_line = int(self.lines_by_state.max(initial=0))
        S = len(self.state_ids)
        self.n = 0
        self.events = 0
        self.meta: dict[str, Any] | None = None
        self.reached = np.zeros(S, np.int64)
        self.reached_line = np.zeros(self.top_line + 1, np.int64)
        self.ends = np.zeros(S, np.int64)
        self.stays = Histograms(S)
        self.on_line = Histograms(self.top_line + 1)
        self.to_end = Histograms(1)
        self.sequences: Counter = Counter()
        self.survival = SurvivalHistogram()
        self.entry_states = tuple(s for s in entry_states if s in self.state_ids)
        self.from_entry = SurvivalHistogram(max(1, len(self.entry_states)))
        self.trace_counts = np.zeros((0, S), np.int64)
        self.keep_trace = trace

    def add(self, chunk: CohortResult) -> None:
        """Merge one chunk (consecutive patients, any size)."""
        from sarcoma_sim.reports.logview import row_lines
        from sarcoma_sim.reports.survival import death_times

        log = chunk.log
        if log.state_ids != self.state_ids:
            raise ValueError("chunk names other states than the summary")
        if self.meta is None:
            self.meta = {"subtype": chunk.subtype, "seed": chunk.seed, "engine": chunk.engine,
                         "params_file": chunk.params_file}
        S = len(self.state_ids)
        m = chunk.n
        self.n += m
        self.events += len(log)
        first, last = log.first_rows(), log.last_rows()
        patient = _patient_index(log)
        same = patient[1:] == patient[:-1]

        self.reached += _ever(log.to_state, first, S, log.from_state[first])
        line_after = row_lines(log, self.lines_by_state, first)
        self.reached_line += _ever(line_after, first, self.top_line + 1)
        self.ends += np.bincount(log.to_state[last], minlength=S)

        # Every stay that was left (the initial state's included), and the runs on each line.
        self.stays.add(np.concatenate((log.from_state[first], log.to_state[:-1][same])),
                       np.concatenate((log.t_months[first], np.diff(log.t_months)[same])))
        change = np.ones(len(log), dtype=bool)
        change[1:] = (line_after[1:] != line_after[:-1]) | ~same
        starts = np.flatnonzero(change)
        on = line_after[starts[:-1]] > 0
        begin, stop = starts[:-1][on], starts[1:][on]
        self.on_line.add(line_after[begin], log.t_months[stop] - log.t_months[begin])
        self.to_end.add(0, log.t_months[last])

        for codes, count in _sequence_counts(log, patient, first, S):
            self.sequences[codes] += count

        ended = death_times(log)
        if ended is not None:
            times, died = ended
            self.survival.add(np.zeros(m, np.int64), times, died)
            for g, state in enumerate(self.entry_states):
                rows_in = np.flatnonzero(log.to_state == self.state_ids.index(state))
                who, first_entry = np.unique(patient[rows_in], return_index=True)
                entry = log.t_months[rows_in[first_entry]]
                self.from_entry.add(np.full(len(who), g), times[who] - entry, died[who])
        if self.keep_trace:
            self._merge_trace(_monthly_occupancy(log, same, S))

    def _merge_trace(self, counts: np.ndarray) -> None:
        # After its last event a chunk's patients stay in their end states: extend by its last row.
        have, new = len(self.trace_counts), len(counts)
        if new > have and have:
            self.trace_counts = np.vstack([self.trace_counts, np.repeat(self.trace_counts[-1:], new - have, 0)])
        elif new < have:
            counts = np.vstack([counts, np.repeat(counts[-1:], have - new, 0)])
        self.trace_counts = counts.copy() if not have else self.trace_counts + counts

    def trace(self) -> tuple[np.ndarray, np.ndarray]:
        """(whole months from 0, patients in each state at each of them), merged over the chunks."""
        return np.arange(len(self.trace_counts), dtype=np.float64), self.trace_counts

    def top_sequences(self, top: int) -> list[tuple[tuple[int, ...], int]]:
        """The ``top`` most common sequences, most common first, ties in code order."""
        return sorted(self.sequences.items(), key=lambda item: (-item[1], item[0]))[:top]

    def survival_from_entry(self, state: str) -> SurvivalHistogram | None:
        """Survival from first entry into ``state`` (one of ``entry_states``), as group 0 of a view."""
        if state not in self.entry_states:
            return None
        g = self.entry_states.index(state)
        view = SurvivalHistogram()
        view.deaths, view.censored = self.from_entry.deaths[g:g + 1], self.from_entry.censored[g:g + 1]
        return view


def _sequence_counts(log: EventLog, patient: np.ndarray, first: np.ndarray, S: int) -> list:
    """(state codes of a sequence, patients who followed it) for the distinct sequences of a chunk.

    A sequence of up to ``digits`` states is packed into one integer (digits base S + 1, 0 = no
    state), so counting is one ``numpy.unique`` of integers; the few longer ones are counted as
    byte rows."""
    from sarcoma_sim.reports.logview import sequences

    if not len(log):
        return []
    base = S + 1
    digits = int(62 // np.log2(base))
    rows_of = np.diff(np.append(first, len(log)))                # rows (transitions) per patient
    position = np.arange(1, len(log) + 1) - np.repeat(first, rows_of)
    length = rows_of + 1                                         # states per patient, the initial one included
    long = length > digits
    result = []
    if long.any():
        rows = np.flatnonzero(np.repeat(long, length - 1))
        renumbered = np.repeat(np.arange(int(long.sum())), length[long] - 1)
        sub = EventLog(renumbered, log.t_months[rows], log.event[rows], log.from_state[rows],
                       log.to_state[rows], log.event_names, log.state_ids)
        codes, counts = sequences(sub)
        result += [(tuple(c for c in row if c >= 0), count) for row, count in zip(codes.tolist(), counts.tolist())]
    powers = base ** np.arange(digits, dtype=np.int64)
    if long.any():
        np.minimum(position, digits - 1, out=position)           # long ones are counted above
    packed = powers[position]
    packed *= log.to_state + 1
    keys = np.add.reduceat(packed, first)
    keys += log.from_state[first] + 1
    distinct, counts = np.unique(keys[~long] if long.any() else keys, return_counts=True)
    for key, count in zip(distinct.tolist(), counts.tolist()):
        states: list[int] = []
        while key:
            key, digit = divmod(key, base)
            states.append(digit - 1)
        result.append((tuple(states), count))
    return result


def _monthly_occupancy(log: EventLog, same: np.ndarray, S: int) -> np.ndarray:
    """Patients in each state at each whole month 0 .. floor(last event) (months x states).

    A patient is in a state at month g when they entered it at or before g and left after g: each
    stay adds one from ceil(entered) up to ceil(left), as a difference array summed once."""
    if not len(log):
        return np.zeros((1, S), np.int64)
    months = int(np.floor(log.t_months.max())) + 1
    leave = np.full(len(log), np.inf)
    leave[:-1][same] = log.t_months[1:][same]
    begin = np.minimum(np.ceil(log.t_months), months).astype(np.int64)
    end = np.minimum(np.ceil(leave), months).astype(np.int64)
    stride = months + 1
    state = log.to_state.astype(np.int64) * stride
    diff = np.bincount(state + begin, minlength=S * stride) - np.bincount(state + end, minlength=S * stride)
    return np.cumsum(diff.reshape(S, stride), axis=1)[:, :months].T


def _ever(codes: np.ndarray, first: np.ndarray, size: int, also: np.ndarray | None = None) -> np.ndarray:
    """How many patients have each code (0 .. size-1) on at least one of their rows (and in ``also``,
    one code per patient): one bit per code, OR-ed over each patient's rows."""
    if size > 63:      # more codes than bits: a patient x code table instead
        seen = np.zeros((len(first), size), dtype=bool)
        patient = np.repeat(np.arange(len(first)), np.diff(np.append(first, len(codes))))
        seen[patient, codes] = True
        if also is not None:
            seen[np.arange(len(first)), also] = True
        return seen.sum(axis=0)
    bits = np.left_shift(np.int64(1), codes.astype(np.int64))
    mask = np.bitwise_or.reduceat(bits, first) if len(codes) else np.zeros(0, np.int64)
    if also is not None:
        mask |= np.left_shift(np.int64(1), also.astype(np.int64))
    return np.array([np.count_nonzero(mask & (np.int64(1) << np.int64(c))) for c in range(size)], np.int64)
