"""Summarise a simulated cohort: who reached which state, how long they stayed, how it ended.

Everything is computed with numpy from the columnar event log (no per-patient Python loop), so
a cohort of a million patients summarises in about a second. ``summarize`` returns a plain dict
(the JSON the ``cohort`` command prints and saves); ``format_text`` renders it as a table.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import numpy as np

from sarcoma_sim.pathways.model import Pathway
from sarcoma_sim.cohort.eventlog import CohortResult, EventLog

TOP_SEQUENCES = 10
_MONTHS_DIGITS = 4      # 0.0001 month is about 3 seconds: plenty, and keeps the JSON stable and short
_FRACTION_DIGITS = 6


def pathway_of(result: CohortResult, pathway: Pathway | None = None) -> Pathway:
    """The pathway a result was simulated on: ``pathway`` if given, else the shipped subtype's."""
    if pathway is not None:
        return pathway
    from sarcoma_sim.pathways.load import load_subtype
    return load_subtype(result.subtype)


def state_lines(pathway: Pathway, state_ids: tuple[str, ...]) -> np.ndarray:
    """Line of therapy of each state (by code): the regimen line, 0 for workup and terminal states,
    -1 for states without a line that continue the current one (surgery)."""
    lines = np.zeros(len(state_ids), np.int16)
    for code, state_id in enumerate(state_ids):
        state = pathway.states[state_id]
        if state.line is not None:
            lines[code] = state.line
        elif state.kind not in ("terminal", "workup") and state_id != pathway.initial:
            lines[code] = -1
    return lines


def row_lines(log: EventLog, lines_by_state: np.ndarray) -> np.ndarray:
    """Line of therapy each patient is on after each row; states without a line inherit the
    line of the row before them (resection of limited progression stays in the current line)."""
    line = lines_by_state[log.to_state].astype(np.int16)
    first = log.first_rows()
    # A first row cannot inherit (it would take the previous patient's line): count it as off therapy.
    line[first] = np.maximum(line[first], 0)
    undefined = line < 0
    if undefined.any():
        index = np.where(undefined, 0, np.arange(len(line)))
        np.maximum.accumulate(index, out=index)
        line = line[index]
    return line


def stays(log: EventLog) -> tuple[np.ndarray, np.ndarray]:
    """Every stay in a state that was left: (state code, months in it), including the initial state
    (left when ``start`` fires)."""
    first = log.first_rows()
    same = log.patient[1:] == log.patient[:-1]
    state = np.concatenate((log.from_state[first], log.to_state[:-1][same]))
    months = np.concatenate((log.t_months[first], np.diff(log.t_months)[same]))
    return state, months


def sequences(log: EventLog) -> tuple[np.ndarray, np.ndarray]:
    """Distinct state sequences (initial state first, padded with -1) as rows of a 2-D array,
    and how many patients followed each; rows in a stable order (by the codes)."""
    first = log.first_rows()
    n = len(first)
    position = np.arange(len(log)) - first[log.patient]
    width = int(position.max()) + 2 if len(log) else 1
    dtype = np.int8 if len(log.state_ids) < 127 else np.int16
    matrix = np.full((n, width), -1, dtype=dtype)
    matrix[:, 0] = log.from_state[first]
    matrix[log.patient, position + 1] = log.to_state
    rows = np.ascontiguousarray(matrix).view(np.dtype((np.void, matrix.dtype.itemsize * width))).ravel()
    _, index, counts = np.unique(rows, return_index=True, return_counts=True)
    return matrix[index], counts


def _stats(values: np.ndarray) -> dict[str, float | None]:
    if len(values) == 0:
        return {"mean": None, "median": None}
    return {"mean": round(float(values.mean()), _MONTHS_DIGITS),
            "median": round(float(np.median(values)), _MONTHS_DIGITS)}


MODEL_NOTE = ("Model scope: patients leave a therapy only by progression (seen at imaging) or intolerance; "
              "there is no death or stopping for decline, so the shares reaching later lines are upper "
              "bounds, and times are treatment durations, not survival.")


def _fraction(count: float, n: int) -> float:
    return round(float(count) / n, _FRACTION_DIGITS) if n else 0.0


def summarize(result: CohortResult, pathway: Pathway | None = None, top: int = TOP_SEQUENCES) -> dict[str, Any]:
    """The cohort summary as a JSON-ready dict (keys in a fixed order, states in pathway order)."""
    from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE

    pathway = pathway_of(result, pathway)
    log = result.log
    n = result.n
    ids = log.state_ids
    terminal = set(pathway.terminal_states())
    first, last = log.first_rows(), log.last_rows()

    entered = np.zeros((n, len(ids)), dtype=bool)
    entered[log.patient, log.to_state] = True
    entered[np.arange(n), log.from_state[first]] = True
    reached_counts = entered.sum(axis=0)

    lines_by_state = state_lines(pathway, ids)
    line_after = row_lines(log, lines_by_state)
    top_line = int(lines_by_state.max(initial=0))
    on_line = np.zeros((n, top_line + 1), dtype=bool)
    on_line[log.patient, line_after] = True

    stay_state, stay_months = stays(log)
    order = np.argsort(stay_state, kind="stable")
    bounds = np.searchsorted(stay_state[order], np.arange(len(ids) + 1))
    time_in_state = {}
    for code, state_id in enumerate(ids):
        if state_id in terminal:
            continue
        months = stay_months[order[bounds[code]:bounds[code + 1]]]
        time_in_state[state_id] = {**_stats(months), "stays": int(len(months))}

    end_counts = np.bincount(log.to_state[last], minlength=len(ids))
    rows, counts = sequences(log)
    ranking = np.argsort(-counts, kind="stable")[:top]
    top_sequences = [{"states": [ids[c] for c in rows[i] if c >= 0],
                      "fraction": _fraction(counts[i], n), "patients": int(counts[i])} for i in ranking]

    return {
        "subtype": result.subtype,
        "n": n,
        "seed": result.seed,
        "engine": result.engine,
        "params_file": result.params_file,
        "notice": NOT_FOR_CLINICAL_USE,
        "model_note": MODEL_NOTE,
        "events": len(log),
        "reached": {state_id: _fraction(reached_counts[code], n) for code, state_id in enumerate(ids)},
        "reached_line": {str(k): _fraction(on_line[:, k].sum(), n) for k in range(1, top_line + 1)},
        "time_in_state_months": time_in_state,
        "time_to_end_months": _stats(log.t_months[last]),
        "end_states": {state_id: _fraction(end_counts[ids.index(state_id)], n)
                       for state_id in ids if state_id in terminal},
        "top_sequences": top_sequences,
    }


def to_json(summary: dict[str, Any]) -> str:
    """The summary as JSON text (indented, fixed key order, newline at the end)."""
    return json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _percent(fraction: float) -> str:
    return f"{100 * fraction:5.1f}%"


def _months(value: float | None) -> str:
    return "      -" if value is None else f"{value:7.1f}"


def format_text(summary: dict[str, Any], pathway: Pathway, extra: tuple[str, ...] = ()) -> str:
    """The summary as a table a resident can read: states with reached %, time in state, lines
    reached, time to end, end states, the most common sequences, any ``extra`` lines and the notice."""
    out = [f"{pathway.name}: cohort of {summary['n']:,} hypothetical patients "
           f"(seed {summary['seed']}, {summary['engine']} engine)",
           f"Parameters: {summary['params_file']}", ""]
    width = max(len(s.label) for s in pathway.states.values())
    width = min(max(width, 20), 48)
    id_width = max(len(s) for s in pathway.states)
    out.append(f"{'State':<{id_width}}  {'':<{width}}  Line  Reached   Months in state")
    out.append(f"{'':<{id_width}}  {'':<{width}}                  mean  median")
    for state_id, fraction in summary["reached"].items():
        state = pathway.states[state_id]
        label = state.label if len(state.label) <= width else state.label[:width - 1] + "…"
        line = str(state.line) if state.line is not None else "-"
        stats = summary["time_in_state_months"].get(state_id)
        months = f"{_months(stats['mean'])} {_months(stats['median'])}" if stats else "   (end state)"
        out.append(f"{state_id:<{id_width}}  {label:<{width}}  {line:>4}  {_percent(fraction)}  {months}")
    if summary["reached_line"]:
        out += ["", "Lines of therapy reached: " + ", ".join(
            f"line {k} {_percent(f).strip()}" for k, f in summary["reached_line"].items())]
    end = summary["time_to_end_months"]
    out += ["", f"Time from start of treatment to end of pathway: mean {_months(end['mean']).strip()} months, "
                f"median {_months(end['median']).strip()} months", "", "End states:"]
    for state_id, fraction in summary["end_states"].items():
        out.append(f"  {_percent(fraction)}  {pathway.states[state_id].label} ({state_id})")
    out += ["", f"Most common sequences (top {len(summary['top_sequences'])}):"]
    for rank, item in enumerate(summary["top_sequences"], 1):
        out.append(f"  {rank:2}. {_percent(item['fraction'])}  {' > '.join(item['states'])}")
    if extra:
        out += ["", *extra]
    out += ["", *textwrap.wrap(summary["model_note"], 100), summary["notice"]]
    return "\n".join(out) + "\n"
