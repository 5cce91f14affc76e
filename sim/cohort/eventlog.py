"""The columnar event log of a simulated cohort, and writing it out as CSV.

Both cohort engines produce an ``EventLog`` (one row per fired transition) wrapped in a
``CohortResult``; the summary, the plots and the ``cohort`` command read only these. Codes
(int16 indices) are kept in memory for speed; the CSV files carry state and event names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, TextIO

import numpy as np

from sarcoma_sim.errors import PathwayError, Problem

EVENTS_HEADER = "patient,t_months,event,from_state,to_state"
EVENTS_EXTRA = ",line,regimen"        # with the pathway known: line after the row, regimen of the state entered

# Rows formatted per block when writing CSV: bounds the temporary strings for 10^7-row logs.
_CSV_BLOCK = 500_000


@dataclass(frozen=True)
class EventLog:
    """Columnar event log; one row per fired transition, rows ordered by (patient, time, firing order)."""

    patient: np.ndarray      # int64, 0..n-1 (global patient index, same across chunks)
    t_months: np.ndarray     # float64, time since the start of the pathway (start fires at 0.0)
    event: np.ndarray        # int16, index into event_names
    from_state: np.ndarray   # int16, index into state_ids
    to_state: np.ndarray     # int16, index into state_ids
    event_names: tuple[str, ...]   # pathway.events
    state_ids: tuple[str, ...]     # tuple(pathway.states)

    def __post_init__(self) -> None:
        lengths = {len(self.patient), len(self.t_months), len(self.event),
                   len(self.from_state), len(self.to_state)}
        if len(lengths) != 1:
            raise ValueError(f"EventLog columns differ in length: {sorted(lengths)}")

    @classmethod
    def empty(cls, event_names: Sequence[str], state_ids: Sequence[str]) -> "EventLog":
        """A log with no rows, for the given names."""
        return cls(np.zeros(0, np.int64), np.zeros(0, np.float64), np.zeros(0, np.int16),
                   np.zeros(0, np.int16), np.zeros(0, np.int16), tuple(event_names), tuple(state_ids))

    @classmethod
    def concatenate(cls, logs: Sequence["EventLog"]) -> "EventLog":
        """Join logs of consecutive patient chunks (same names) into one log, in the order given."""
        if not logs:
            raise ValueError("EventLog.concatenate needs at least one log")
        first = logs[0]
        for log in logs[1:]:
            if log.event_names != first.event_names or log.state_ids != first.state_ids:
                raise ValueError("EventLog.concatenate: logs name different events or states")
        if len(logs) == 1:
            return first
        return cls(
            np.concatenate([log.patient for log in logs]).astype(np.int64, copy=False),
            np.concatenate([log.t_months for log in logs]).astype(np.float64, copy=False),
            np.concatenate([log.event for log in logs]).astype(np.int16, copy=False),
            np.concatenate([log.from_state for log in logs]).astype(np.int16, copy=False),
            np.concatenate([log.to_state for log in logs]).astype(np.int16, copy=False),
            first.event_names, first.state_ids)

    def __len__(self) -> int:
        return int(len(self.patient))

    def last_rows(self) -> np.ndarray:
        """Index of each patient's last row (the transition into their end state), in patient order."""
        if len(self) == 0:
            return np.zeros(0, np.int64)
        change = np.flatnonzero(self.patient[1:] != self.patient[:-1])
        return np.append(change, len(self) - 1)

    def first_rows(self) -> np.ndarray:
        """Index of each patient's first row (the ``start`` event), in patient order."""
        if len(self) == 0:
            return np.zeros(0, np.int64)
        change = np.flatnonzero(self.patient[1:] != self.patient[:-1]) + 1
        return np.concatenate(([0], change))


@dataclass(frozen=True)
class CohortResult:
    """A simulated cohort: its event log, the sampled patient attributes and how it was made."""

    subtype: str
    n: int
    seed: int
    engine: str                       # "vectorized" or "stepwise"
    log: EventLog
    patient_facts: dict[str, np.ndarray]   # patient attribute name -> array (n,) of str values
    params_file: str                  # which parameter file (and overrides) were used, for the report

    def columns(self) -> dict[str, np.ndarray]:
        """The event log as named numpy columns (``patient``, ``t_months``, ``event``, ``from_state``,
        ``to_state``; names, not codes), for notebooks without pandas."""
        log = self.log
        events, states = np.asarray(log.event_names, dtype=object), np.asarray(log.state_ids, dtype=object)
        return {"patient": log.patient, "t_months": log.t_months, "event": events[log.event],
                "from_state": states[log.from_state], "to_state": states[log.to_state]}

    def to_dataframe(self):
        """The event log as a pandas ``DataFrame`` (names as categoricals), for notebooks.

        pandas is optional: without it this raises ``ImportError`` saying how to install it (or use
        ``columns()``)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("CohortResult.to_dataframe() needs pandas, which is not installed: "
                              "pip install pandas (or use CohortResult.columns(), plain numpy)") from exc
        log = self.log
        return pd.DataFrame({
            "patient": log.patient, "t_months": log.t_months,
            "event": pd.Categorical.from_codes(log.event, categories=list(log.event_names)),
            "from_state": pd.Categorical.from_codes(log.from_state, categories=list(log.state_ids)),
            "to_state": pd.Categorical.from_codes(log.to_state, categories=list(log.state_ids)),
        })


def _csv_field(text: str) -> str:
    """``text`` as one CSV field (quoted when it holds a comma, a quote or a line break)."""
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_events_csv(log: EventLog, stream: TextIO, lines: np.ndarray | None = None,
                     regimens: Sequence[str] | None = None, header: bool = True) -> None:
    """Write the log as CSV (``patient,t_months,event,from_state,to_state``) with names, not codes;
    times with 4 decimals (0.0001 month is about 3 seconds).

    With ``lines`` (the line of therapy after each row, 0 when off therapy) and ``regimens`` (the
    regimen text of each state, by code; empty for states without one) two more columns follow:
    ``line`` and ``regimen`` (of the state entered)."""
    extra = lines is not None and regimens is not None
    if header:      # a chunk after the first appends rows only
        stream.write(EVENTS_HEADER + (EVENTS_EXTRA if extra else "") + "\n")
    n_states = len(log.state_ids)
    # Few distinct (event, from, to) triples occur: format each once and reuse its text.
    triple = (log.event.astype(np.int64) * n_states + log.from_state) * n_states + log.to_state
    codes, which = np.unique(triple, return_inverse=True)
    tails = np.array([f"{log.event_names[c // n_states ** 2]},{log.state_ids[(c // n_states) % n_states]},"
                      f"{log.state_ids[c % n_states]}" for c in codes.tolist()], dtype=object)
    regimen_text = None
    if lines is not None and regimens is not None:
        regimen_text = np.array([_csv_field(regimens[c % n_states]) for c in codes.tolist()], dtype=object)
    for lo in range(0, len(log), _CSV_BLOCK):
        hi = min(lo + _CSV_BLOCK, len(log))
        if lines is not None and regimen_text is not None:
            wide_rows = zip(log.patient[lo:hi].tolist(), log.t_months[lo:hi].tolist(), tails[which[lo:hi]].tolist(),
                            lines[lo:hi].tolist(), regimen_text[which[lo:hi]].tolist())
            stream.write("".join(map("%d,%.4f,%s,%d,%s\n".__mod__, wide_rows)))
        else:
            rows = zip(log.patient[lo:hi].tolist(), log.t_months[lo:hi].tolist(), tails[which[lo:hi]].tolist())
            stream.write("".join(map("%d,%.4f,%s\n".__mod__, rows)))


def patients_table(result: CohortResult) -> tuple[list[str], list[np.ndarray]]:
    """Header and columns of the per-patient table: index, patient attributes (alphabetical),
    end state, time to end in months and the number of transitions fired (rows of the event log)."""
    log = result.log
    last = log.last_rows()
    first = log.first_rows()
    if len(last) != result.n:
        raise ValueError(f"event log has {len(last)} patients, cohort has {result.n}")
    states = np.asarray(log.state_ids, dtype=object)
    names = sorted(result.patient_facts)
    header = ["patient", *names, "end_state", "time_to_end_months", "transitions"]
    columns = [log.patient[first]]         # global numbers: a chunk of a bigger cohort keeps its own
    columns += [np.asarray(result.patient_facts[name]) for name in names]
    columns += [states[log.to_state[last]], log.t_months[last], last - first + 1]
    return header, columns


def write_patients_csv(result: CohortResult, stream: TextIO, header: bool = True) -> None:
    """Write one row per patient: index, patient attributes, end state, time to end, number of transitions
    (``header=False`` appends a later chunk's rows)."""
    names, columns = patients_table(result)
    if header:
        stream.write(",".join(names) + "\n")
    row = "%d," + "%s," * (len(names) - 3) + "%.4f,%d\n"
    for lo in range(0, result.n, _CSV_BLOCK):
        block = [column[lo:lo + _CSV_BLOCK].tolist() for column in columns]
        stream.write("".join(map(row.__mod__, zip(*block))))


def check_log(log: EventLog, n: int, initial: str, terminal: Sequence[str], file: str = "<cohort>") -> None:
    """Raise ``PathwayError`` if the log breaks the contract: patients 0..n-1 in order, each starting
    with ``start`` from ``initial`` at 0.0 and ending in a terminal state, times non-decreasing."""
    problems = []
    if n and len(log) == 0:
        problems.append("event log is empty")
    else:
        first, last = log.first_rows(), log.last_rows()
        if len(first) != n or np.any(log.patient[first] != np.arange(n)):
            problems.append(f"event log does not hold patients 0..{n - 1} in order")
        else:
            start = log.event_names.index("start") if "start" in log.event_names else -1
            if np.any(log.event[first] != start) or np.any(log.t_months[first] != 0.0):
                problems.append("some patient's log does not begin with 'start' at 0.0")
            if np.any(log.from_state[first] != log.state_ids.index(initial)):
                problems.append(f"some patient's log does not begin in {initial!r}")
            ends = np.isin(log.to_state[last], [log.state_ids.index(s) for s in terminal])
            if not np.all(ends):
                problems.append("some patient's log does not end in a terminal state")
            same = log.patient[1:] == log.patient[:-1]
            if np.any(np.diff(log.t_months)[same] < 0):
                problems.append("some patient's event times go backwards")
            if np.any(log.from_state[1:][same] != log.to_state[:-1][same]):
                problems.append("some patient's transitions do not chain (from_state != previous to_state)")
    if problems:
        raise PathwayError([Problem(file, None, "", message) for message in problems])
