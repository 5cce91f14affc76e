"""Summarise a simulated cohort: who reached which state, how long they stayed, how it ended.

Everything is computed with numpy from the columnar event log (no per-patient Python loop), chunk
by chunk through ``sarcoma_sim.reports.accumulate`` so that any cohort size fits in memory.
``summarize`` returns a plain dict (the JSON the ``cohort`` command prints and saves); ``format_text``
renders it as a table.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from sarcoma_sim.cohort.eventlog import CohortResult
from sarcoma_sim.pathways.model import Pathway
from sarcoma_sim.reports.logview import pathway_of
from sarcoma_sim.version import tool_version

TOP_SEQUENCES = 10
_MONTHS_DIGITS = 4      # 0.0001 month is about 3 seconds: plenty, and keeps the JSON stable and short
_FRACTION_DIGITS = 6


MODEL_NOTE = ("Model scope: patients leave a therapy by progression (seen at imaging), intolerance, stopping "
              "active treatment (into best supportive care) or death, whichever comes first; survival after "
              "stopping is its own parameter. Every figure is a cited parameter or marked illustrative "
              "(see parameters).")
NO_EXITS_NOTE = ("Model scope: this pathway declares no competing exits, so patients leave a therapy only by "
                 "progression (seen at imaging) or intolerance; shares reaching later lines are upper bounds "
                 "and times are treatment durations, not survival.")


def _fraction(count: float, n: int) -> float:
    return round(float(count) / n, _FRACTION_DIGITS) if n else 0.0


def parameter_table(params) -> list[dict[str, Any]]:
    """Every parameter value the run used: path, value (months for times, a fraction for shares),
    as reported, and its provenance (the cited source, ``illustrative``, or the override); a time to
    progression also says its ``basis`` (latent, or observed at a schedule)."""
    observed = {}
    for state_id, sp in params.states.items():
        for event, ep in sp.events.items():
            if ep.timing is not None and ep.timing.observed_every is not None:
                observed[f"states.{state_id}.{event}.median_months"] = ep.timing.observed_every.reported
    rows = []
    for path, q in params.quantities():
        row = {"parameter": path, "value": round(q.value, 6), "reported": q.reported,
               "source": q.source, "illustrative": q.illustrative, "provenance": q.provenance,
               "origin": q.origin}
        if path.endswith("progression.median_months"):
            # Which time the simulator draws: the published median itself, or one observed at a schedule.
            row["basis"] = (f"observed every {observed[path]}; value is the latent median" if path in observed
                            else "latent: the published median is taken as the time of progression")
        rows.append(row)
    return rows


def summarize(result: CohortResult, pathway: Pathway | None = None, top: int = TOP_SEQUENCES,
              params=None) -> dict[str, Any]:
    """The cohort summary as a JSON-ready dict (keys in a fixed order, states in pathway order).

    With ``params`` (the ``Params`` the run used) it lists every parameter value and its source.
    Computed as one chunk of ``sarcoma_sim.reports.accumulate``: the same figures as a cohort
    summarised chunk by chunk (medians to 0.01 month, see there)."""
    from sarcoma_sim.reports.accumulate import SummaryAccumulator

    pathway = pathway_of(result, pathway)
    accumulator = SummaryAccumulator(pathway, result.log.state_ids)
    accumulator.add(result)
    return summary_of(accumulator, top, params)


def _hist_stats(histograms, g: int) -> dict[str, float | None]:
    mean, median = histograms.mean(g), histograms.median(g)
    return {"mean": None if mean is None else round(mean, _MONTHS_DIGITS),
            "median": None if median is None else round(median, _MONTHS_DIGITS)}


def summary_of(acc, top: int = TOP_SEQUENCES, params=None) -> dict[str, Any]:
    """The summary dict of a ``SummaryAccumulator`` that has taken every chunk of a cohort."""
    from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE
    from sarcoma_sim.reports.survival import KM_MONTHS

    pathway, ids, n = acc.pathway, acc.state_ids, acc.n
    terminal = set(pathway.terminal_states())
    meta = acc.meta or {"subtype": pathway.id, "seed": None, "engine": None, "params_file": None}
    time_in_state = {state_id: {**_hist_stats(acc.stays, code), "stays": acc.stays.total(code)}
                     for code, state_id in enumerate(ids) if state_id not in terminal}
    time_on_line = {str(k): {**_hist_stats(acc.on_line, k), "episodes": acc.on_line.total(k)}
                    for k in range(1, acc.top_line + 1)}
    survival = None
    if "death" in ids and acc.survival.patients():
        died = int(acc.survival.deaths.sum())
        median = acc.survival.median()
        survival = {"median_months": None if median is None else round(median, _MONTHS_DIGITS),
                    "km": {str(m): round(acc.survival.survival_at(m), 6) for m in KM_MONTHS},
                    "died": _fraction(died, n), "censored": _fraction(n - died, n)}
    return {
        "subtype": meta["subtype"],
        "n": n,
        "seed": meta["seed"],
        "engine": meta["engine"],
        "tool_version": tool_version(),
        "params_file": meta["params_file"],
        "notice": NOT_FOR_CLINICAL_USE,
        "model_note": MODEL_NOTE if pathway.competing_exits else NO_EXITS_NOTE,
        "events": acc.events,
        "overall_survival_months": survival,
        "reached": {state_id: _fraction(acc.reached[code], n) for code, state_id in enumerate(ids)},
        "reached_line": {str(k): _fraction(acc.reached_line[k], n) for k in range(1, acc.top_line + 1)},
        "time_on_line_months": time_on_line,
        "time_in_state_months": time_in_state,
        "time_to_end_months": _hist_stats(acc.to_end, 0),
        "end_states": {state_id: _fraction(acc.ends[ids.index(state_id)], n)
                       for state_id in ids if state_id in terminal},
        "top_sequences": [{"states": [ids[c] for c in codes], "fraction": _fraction(count, n), "patients": count}
                          for codes, count in acc.top_sequences(top)],
        "parameters": parameter_table(params) if params is not None else None,
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
        # adjuvant therapy keeps its line in the data (the course it joins) but is no line of therapy
        line = "adj" if state.adjuvant else \
            str(state.line) if state.line is not None else "-"
        stats = summary["time_in_state_months"].get(state_id)
        months = f"{_months(stats['mean'])} {_months(stats['median'])}" if stats else "   (end state)"
        out.append(f"{state_id:<{id_width}}  {label:<{width}}  {line:>4}  {_percent(fraction)}  {months}")
    if summary["reached_line"]:
        out += ["", "Lines of therapy reached: " + ", ".join(
            f"line {k} {_percent(f).strip()}" for k, f in summary["reached_line"].items())]
    if summary.get("time_on_line_months"):
        out += ["Time on each line (months): " + ", ".join(
            f"line {k} median {_months(v['median']).strip()}" for k, v in summary["time_on_line_months"].items())]
    survival = summary.get("overall_survival_months")
    if survival:
        km = survival["km"]
        out += ["", f"Overall survival: median {_months(survival['median_months']).strip()} months; alive at "
                    f"1 year {_percent(km['12']).strip()}, 2 years {_percent(km['24']).strip()}, "
                    f"5 years {_percent(km['60']).strip()}"]
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
