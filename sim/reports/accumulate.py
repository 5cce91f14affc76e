"""Cohort summaries built chunk by chunk and merged, so a cohort of any size fits in one chunk's memory.

``SummaryAccumulator.add(chunk)`` takes consecutive ``CohortResult`` chunks (``simulate_chunks``;
a whole result is one chunk) and keeps only what merges exactly:

- counts (the event rows, each distinct state sequence) and sums (for means): exact; who reached
  each state and line and how the pathway ended are read off the distinct sequences, also exact;
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


def bin_of(months: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The histogram bin of each time (``N_BINS`` for the overflow), into ``out`` if given."""
    scaled = np.asarray(months, np.float64) * (1.0 / BIN_MONTHS)
    scaled += _EDGE_SLACK
    np.minimum(scaled, N_BINS, out=scaled)
    if out is None:
        return scaled.astype(np.int64)    # truncation is floor: times are never negative
    out[...] = scaled                     # the same truncating cast
    return out


class Histograms:
    """One time histogram per group (a state, a line), with exact counts and sums.

    Bin numbers are written into one buffer and counted together once it is full (or when a
    figure is read), so a chunk costs a pass over its own values, not over every bin."""

    FLUSH = 2_000_000

    def __init__(self, groups: int):
        self.groups = groups
        self._counts = np.zeros((groups, N_BINS + 1), np.int64)
        self.sums = np.zeros(groups)
        self._offsets = np.arange(groups, dtype=np.int64) * (N_BINS + 1)
        self._buffer = np.empty(0, np.int64)     # allocated on first use; pages touched as filled
        self._filled = 0
        self._totals: np.ndarray | None = None

    def add(self, group: np.ndarray | int, months: np.ndarray) -> None:
        """Count ``months[i]`` in histogram ``group[i]`` (or all in ``group`` when it is an int)."""
        k = len(months)
        if k == 0:
            return
        if self._filled + k > len(self._buffer):
            self._flush()
            if k > len(self._buffer):
                self._buffer = np.empty(max(k, self.FLUSH), np.int64)
        flat = bin_of(months, self._buffer[self._filled:self._filled + k])
        if isinstance(group, (int, np.integer)):
            if group:
                flat += int(group) * (N_BINS + 1)
            self.sums[group] += float(np.sum(months))
        else:
            flat += self._offsets[group]
            self.sums += np.bincount(group, weights=months, minlength=self.groups)
        self._filled += k

    def _flush(self) -> None:
        if self._filled:
            self._totals = None
            self._counts += np.bincount(self._buffer[:self._filled],
                                        minlength=self.groups * (N_BINS + 1)).reshape(self.groups, N_BINS + 1)
            self._filled = 0

    @property
    def counts(self) -> np.ndarray:
        """(groups, bins + overflow) counts."""
        self._flush()
        return self._counts

    def total(self, g: int) -> int:
        """How many times group ``g`` holds."""
        if self._totals is None or self._filled:
            self._totals = self.counts.sum(axis=1)      # once per read-out, not once per figure
        return int(self._totals[g])

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

    def add(self, group: np.ndarray | int, months: np.ndarray, died: np.ndarray) -> None:
        """Add patients ending at ``months`` (dead or censored) to their ``group`` (one for all if an int)."""
        if len(months) == 0:
            return
        flat = bin_of(months)
        if isinstance(group, (int, np.integer)):
            flat += int(group) * (N_BINS + 1)
        else:
            flat += np.asarray(group, np.int64) * (N_BINS + 1)
        # Deaths and censorings counted in one pass: bin b of the doubled index is censored, b + 1 dead.
        flat *= 2
        flat += died
        both = np.bincount(flat, minlength=2 * self.deaths.size).reshape(*self.deaths.shape, 2)
        self.deaths += both[..., 1]
        self.censored += both[..., 0]

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


class SequenceCounts:
    """How many patients followed each distinct state sequence, merged across chunks.

    A sequence short enough is packed into one integer (digits base S + 1, 0 = no state; the
    initial state is the lowest digit), so a chunk costs one ``numpy.unique`` of integers and the
    merge is arithmetic on arrays; the few longer ones are kept as tuples of codes. Who reached
    each state and line and how the pathway ended are read off the distinct sequences at the end
    (every one of them is implied by the sequence), not recomputed row by row for every chunk."""

    MERGE_AT = 1_000_000       # pending distinct keys merged once this many have piled up

    def __init__(self, n_states: int, digits: int | None = None):
        self.base = n_states + 1
        # As many base-(S + 1) digits as fit in 62 bits (fewer only to test the long path).
        self.digits = int(62 // np.log2(self.base)) if digits is None else digits
        self.powers = self.base ** np.arange(self.digits, dtype=np.int64)
        self._keys: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._pending = 0
        self.long: Counter = Counter()
        self._table: tuple[np.ndarray, np.ndarray] | None = None

    def add(self, log: EventLog, first: np.ndarray, last: np.ndarray) -> None:
        """Count the sequences of one chunk (``first``, ``last``: each patient's first and last row)."""
        from sarcoma_sim.reports.logview import sequences

        if not len(log):
            return
        self._table = None
        rows_of = np.diff(np.append(first, len(log)))           # rows (transitions) per patient
        # Each row's place in its patient's sequence (1 for the first transition): ones, restarted
        # at each patient's first row, summed.
        position = np.ones(len(log), np.int64)
        position[first[1:]] = 1 - rows_of[:-1]
        np.cumsum(position, out=position)
        long = rows_of >= self.digits                           # states = rows + the initial one
        if long.any():
            # The rows of the few long patients, without a pass over every row.
            who = np.flatnonzero(long)
            renumbered = np.repeat(np.arange(len(who)), rows_of[who])
            starts = np.cumsum(rows_of[who]) - rows_of[who]
            rows = np.arange(len(renumbered)) - starts[renumbered] + first[who][renumbered]
            sub = EventLog(renumbered, log.t_months[rows], log.event[rows], log.from_state[rows],
                           log.to_state[rows], log.event_names, log.state_ids)
            codes, counts = sequences(sub)
            for row, count in zip(codes.tolist(), counts.tolist()):
                self.long[tuple(c for c in row if c >= 0)] += count
            np.minimum(position, self.digits - 1, out=position)   # counted above; dropped below
        packed = self.powers[position]
        packed *= log.to_state + 1
        # Each patient's sum of packed digits, as differences of one running sum. The running sum
        # wraps around 2**64 (numpy integer arrays do), but each difference is one patient's key,
        # below 2**62, so modular arithmetic gives it exactly; faster than np.add.reduceat.
        np.cumsum(packed, out=packed)
        keys = packed[last]
        keys[1:] -= packed[last[:-1]]
        keys += log.from_state[first] + 1
        distinct, counts = np.unique(keys[~long] if long.any() else keys, return_counts=True)
        self._keys.append(distinct)
        self._counts.append(counts)
        self._pending += len(distinct)
        if self._pending >= self.MERGE_AT:
            self._merge()

    def _merge(self) -> None:
        if len(self._keys) > 1:
            distinct, inverse = np.unique(np.concatenate(self._keys), return_inverse=True)
            counts = np.zeros(len(distinct), np.int64)
            np.add.at(counts, inverse.ravel(), np.concatenate(self._counts))
            self._keys, self._counts = [distinct], [counts]
        self._pending = len(self._keys[0]) if self._keys else 0

    def table(self) -> tuple[np.ndarray, np.ndarray]:
        """(distinct sequences as rows of codes, initial state first, padded with -1; patients
        following each), in no particular order."""
        if self._table is None:
            self._merge()
            keys = self._keys[0] if self._keys else np.zeros(0, np.int64)
            counts = self._counts[0] if self._counts else np.zeros(0, np.int64)
            width = max([self.digits] + [len(codes) for codes in self.long])
            matrix = np.full((len(keys) + len(self.long), width), -1, np.int64)
            digits = (keys[:, None] // self.powers) % self.base - 1
            matrix[:len(keys), :self.digits] = digits
            for row, codes in enumerate(self.long, start=len(keys)):
                matrix[row, :len(codes)] = codes
            self._table = (matrix, np.concatenate((counts, np.array(list(self.long.values()), np.int64))))
        return self._table

    def top(self, top: int) -> list[tuple[tuple[int, ...], int]]:
        """The ``top`` most common sequences, most common first, ties in code order."""
        matrix, counts = self.table()
        if not len(counts):
            return []
        # Only sequences at least as common as the top-th can be among the top (ties included).
        threshold = np.sort(counts)[::-1][min(top, len(counts)) - 1]
        candidates = [(tuple(c for c in matrix[i].tolist() if c >= 0), int(counts[i]))
                      for i in np.flatnonzero(counts >= threshold)]
        return sorted(candidates, key=lambda item: (-item[1], item[0]))[:top]

    def patients_with(self, codes_of_rows: np.ndarray, size: int) -> np.ndarray:
        """How many patients have each code 0 .. size-1 somewhere in their row of ``codes_of_rows``
        (one row per distinct sequence, as ``table()``; -1 for none)."""
        _, counts = self.table()
        seen = np.zeros((len(codes_of_rows), size + 1), bool)
        seen[np.arange(len(codes_of_rows))[:, None], np.where(codes_of_rows < 0, size, codes_of_rows)] = True
        return counts @ seen[:, :size]


class SummaryAccumulator:
    """Everything the summary, the calibration report and ``trace.csv`` need, merged chunk by chunk."""

    def __init__(self, pathway: Pathway, state_ids: Sequence[str], entry_states: Sequence[str] = (),
                 trace: bool = True, pfs_states: Sequence[str] = (), ttp_states: Sequence[str] = ()):
        from sarcoma_sim.reports.logview import state_lines

        self.pathway = pathway
        self.state_ids = tuple(state_ids)
        self.lines_by_state = state_lines(pathway, self.state_ids)
        self.top_line = int(self.lines_by_state.max(initial=0))
        S = len(self.state_ids)
        self.n = 0
        self.events = 0
        self.meta: dict[str, Any] | None = None
        self.stays = Histograms(S)
        self.on_line = Histograms(self.top_line + 1)
        self._to_end = Histograms(1)      # without a death state; else read off the survival histogram
        self._end_sum = 0.0
        self.sequences = SequenceCounts(S)
        self.survival = SurvivalHistogram()
        self.entry_states = tuple(s for s in entry_states if s in self.state_ids)
        self.from_entry = SurvivalHistogram(max(1, len(self.entry_states)))
        self.pfs_states = tuple(s for s in pfs_states if s in self.state_ids)
        self.pfs_entry = SurvivalHistogram(max(1, len(self.pfs_states)))
        self.ttp_states = tuple(s for s in ttp_states if s in self.state_ids)
        self.ttp_entry = SurvivalHistogram(max(1, len(self.ttp_states)))
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
        if not len(log):
            return
        same = log.patient[1:] == log.patient[:-1]
        boundary = np.flatnonzero(~same)
        first = np.concatenate(([0], boundary + 1))
        last = np.append(boundary, len(log) - 1)

        self.sequences.add(log, first, last)

        # Every stay that was left: a row leaves its from_state after the time since the row before
        # (the transitions chain); a first row leaves the initial state at 0.0, the clock's start.
        stay = np.diff(log.t_months, prepend=0.0)
        stay[first] = log.t_months[first]
        self.stays.add(log.from_state.astype(np.intp), stay)   # intp: indexes without a conversion per use
        line_after = row_lines(log, self.lines_by_state, first)
        change = np.ones(len(log), dtype=bool)
        np.not_equal(line_after[1:], line_after[:-1], out=change[1:])
        change[1:] |= ~same
        starts = np.flatnonzero(change)
        on = np.flatnonzero(line_after[starts[:-1]] > 0)
        begin, stop = starts[on], starts[on + 1]
        self.on_line.add(line_after[begin].astype(np.intp), log.t_months[stop] - log.t_months[begin])
        ended = death_times(log, last)
        if ended is None:
            self._to_end.add(0, log.t_months[last])
        else:
            times, died = ended
            # Every patient's end time is in the survival histogram (dead or censored): its bins are
            # the time-to-end histogram, so only the exact sum is kept besides.
            self.survival.add(0, times, died)
            self._end_sum += float(np.sum(times))
            if self.entry_states:
                patient = _patient_index(log)
            for g, state in enumerate(self.entry_states):
                rows_in = np.flatnonzero(log.to_state == self.state_ids.index(state))
                who, first_entry = np.unique(patient[rows_in], return_index=True)
                entry = log.t_months[rows_in[first_entry]]
                self.from_entry.add(np.full(len(who), g), times[who] - entry, died[who])
        for g, state in enumerate(self.pfs_states):
            pfs_months, pfs_ended = pfs_times(log, self.pathway, state, last)
            self.pfs_entry.add(np.full(len(pfs_months), g), pfs_months, pfs_ended)
        for g, state in enumerate(self.ttp_states):
            ttp_months, ttp_ended = pfs_times(log, self.pathway, state, last, events=("progression",))
            self.ttp_entry.add(np.full(len(ttp_months), g), ttp_months, ttp_ended)
        if self.keep_trace:
            self._merge_trace(_monthly_occupancy(log, same, S))

    @property
    def to_end(self) -> Histograms:
        """Time from the start of treatment to the end state, as a one-group histogram."""
        if self.survival.patients() == 0:
            return self._to_end
        view = Histograms(1)
        view._counts = self.survival.deaths + self.survival.censored
        view.sums[0] = self._end_sum
        return view

    @property
    def reached(self) -> np.ndarray:
        """Patients who ever entered each state (the initial one included), by code."""
        matrix, _ = self.sequences.table()
        return self.sequences.patients_with(matrix, len(self.state_ids))

    @property
    def reached_line(self) -> np.ndarray:
        """Patients who ever started each line (0 .. top line), by line."""
        from sarcoma_sim.reports.logview import inherit_lines

        matrix, _ = self.sequences.table()
        # The line after each transition (the initial state is not a row), as row_lines gives it.
        lines = np.where(matrix[:, 1:] >= 0, self.lines_by_state[np.maximum(matrix[:, 1:], 0)], -2)
        return self.sequences.patients_with(inherit_lines(lines), self.top_line + 1)

    @property
    def ends(self) -> np.ndarray:
        """Patients ending in each state, by code."""
        matrix, counts = self.sequences.table()
        width = (matrix >= 0).sum(axis=1)
        return np.bincount(matrix[np.arange(len(matrix)), width - 1], weights=counts,
                           minlength=len(self.state_ids)).astype(np.int64)

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
        return self.sequences.top(top)

    def survival_from_entry(self, state: str) -> SurvivalHistogram | None:
        """Survival from first entry into ``state`` (one of ``entry_states``), as group 0 of a view."""
        if state not in self.entry_states:
            return None
        g = self.entry_states.index(state)
        view = SurvivalHistogram()
        view.deaths, view.censored = self.from_entry.deaths[g:g + 1], self.from_entry.censored[g:g + 1]
        return view


    def pfs_from_entry(self, state: str) -> SurvivalHistogram | None:
        """Progression-free survival from first entry into ``state`` (one of ``pfs_states``), as group 0."""
        if state not in self.pfs_states:
            return None
        g = self.pfs_states.index(state)
        view = SurvivalHistogram()
        view.deaths, view.censored = self.pfs_entry.deaths[g:g + 1], self.pfs_entry.censored[g:g + 1]
        return view

    def ttp_from_entry(self, state: str) -> SurvivalHistogram | None:
        """Time to progression from first entry into ``state`` (one of ``ttp_states``; death censored), as group 0."""
        if state not in self.ttp_states:
            return None
        g = self.ttp_states.index(state)
        view = SurvivalHistogram()
        view.deaths, view.censored = self.ttp_entry.deaths[g:g + 1], self.ttp_entry.censored[g:g + 1]
        return view


def same_line_states(pathway: Pathway, state: str) -> set[str]:
    """``state`` and the states its course continues in without a new line: those reached by
    ``completed`` (six cycles given, then follow-up or maintenance), transitively."""
    found, todo = {state}, [state]
    while todo:
        here = todo.pop()
        for t in pathway.outgoing(here, "completed"):
            if t.target not in found:
                found.add(t.target)
                todo.append(t.target)
    return found


def pfs_times(log: EventLog, pathway: Pathway, state: str, last: np.ndarray,
              events: Sequence[str] = ("progression", "death")) -> tuple[np.ndarray, np.ndarray]:
    """Months from each patient's first entry into ``state`` to progression or death, as a trial
    counts PFS (both are events), and whether it ended so (1) or was censored (0): at intolerance,
    stopping active treatment or any other way of leaving the course, or at the end of the log.
    The course continues through ``same_line_states``. Progression is recorded when imaging sees it.
    ``events=("progression",)`` gives time to progression as a trial counts TTP (death censored)."""
    code = {s: i for i, s in enumerate(log.state_ids)}
    if state not in code:
        return np.zeros(0), np.zeros(0, np.int64)
    course = np.array(sorted(code[s] for s in same_line_states(pathway, state) if s in code))
    ending = np.array([i for i, e in enumerate(log.event_names) if e in events], dtype=np.int64)
    rows_in = np.flatnonzero(log.to_state == code[state])
    if not len(rows_in):
        return np.zeros(0), np.zeros(0, np.int64)
    _, first = np.unique(log.patient[rows_in], return_index=True)
    entry = rows_in[first]
    leaves = np.isin(log.from_state, course) & (np.isin(log.event, ending) | ~np.isin(log.to_state, course))
    exits = np.flatnonzero(leaves)
    at = np.searchsorted(exits, entry, side="right")
    found = at < len(exits)
    exit_row = np.where(found, exits[np.minimum(at, len(exits) - 1)], 0)
    found &= log.patient[exit_row] == log.patient[entry]
    patient_last = last[np.searchsorted(log.patient[last], log.patient[entry])]
    end_row = np.where(found, exit_row, patient_last)
    ended = (found & np.isin(log.event[end_row], ending)).astype(np.int64)
    return log.t_months[end_row] - log.t_months[entry], ended


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
