"""Plots of a simulated cohort, for residents: time on each line, line-to-line sequences, occupancy.

Each ``plot_*`` function takes a ``CohortResult`` (and optionally the pathway and a matplotlib
``ax``), draws on the ax and returns it; with no ``ax`` it makes a new figure through pyplot, so
a notebook shows it. ``save_plots`` writes the three figures as PNG, on standalone Agg figures
(none left open), with the teaching notice and the run's provenance in a footer. matplotlib is
imported inside functions, so importing this module is cheap.

Colours follow the pathway: one colour family per line of therapy (line 1 blues, line 2
oranges, line 3 greens, line 4 purples, ...), a darker shade for each further state in the line,
surgery in gold and end states in greys; states are always listed in pathway order.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from sarcoma_sim.cohort.eventlog import CohortResult
from sarcoma_sim.pathways.model import Pathway
from sarcoma_sim.reports.logview import line_episodes as summary_line_episodes
from sarcoma_sim.reports.logview import pathway_of, row_lines, state_lines

LINE_COLOURMAPS = ("Blues", "Oranges", "Greens", "Purples", "Reds", "YlOrBr", "PuRd", "GnBu")
SURGERY_COLOUR = "#d4a017"
SURGERY_GOLDS = (SURGERY_COLOUR, "#a8790c", "#e8c45a", "#7a5a06")  # surgery and assessment states, each its own
WORKUP_COLOUR = "#e9e4d4"
END_GREYS = ("#5b5b5b", "#9a9a9a", "#c6c6c6", "#7a7a7a")
FIGSIZE = (11.0, 5.8)
DPI = 110
PLOT_FILES = ("time_on_line.png", "sequences.png", "occupancy.png", "overall_survival.png")
_GRID_POINTS = 400


def ordered_states(pathway: Pathway) -> list[str]:
    """State ids in pathway order: the initial state, then the others in file order, end states last."""
    states = [pathway.initial] + [s for s in pathway.states if s != pathway.initial]
    return [s for s in states if pathway.states[s].kind != "terminal"] + pathway.terminal_states()


def state_colours(pathway: Pathway) -> dict[str, Any]:
    """A colour for every state: a family per line of therapy, the diagrams' blue-grey for adjuvant
    therapy, gold for surgery, greys for end states."""
    from matplotlib import colormaps
    from matplotlib.colors import LinearSegmentedColormap

    from sarcoma_sim.pathways.colours import ADJUVANT_COLOURS

    colours: dict[str, Any] = {}
    # a colour family per line of therapy, keyed by the line; adjuvant therapy a family of its own
    families: dict[int | str, list[str]] = {}
    for state_id in ordered_states(pathway):
        state = pathway.states[state_id]
        if state.adjuvant:
            families.setdefault("adjuvant", []).append(state_id)
        elif state.line is not None:
            families.setdefault(state.line, []).append(state_id)
    for family, members in families.items():
        cmap = colormaps[LINE_COLOURMAPS[(family - 1) % len(LINE_COLOURMAPS)]] if isinstance(family, int) else \
            LinearSegmentedColormap.from_list(   # a lone adjuvant state (0.65) is the diagrams' colour
                "adjuvant", [(0.0, ADJUVANT_COLOURS[1]), (0.65, ADJUVANT_COLOURS[0]), (1.0, "#1E2A36")])
        # The first state of a line takes the middle shade, later ones (escalations, switches) darker.
        shades = np.linspace(0.4, 0.95, len(members)) if len(members) > 1 else [0.65]
        for state_id, shade in zip(members, shades):
            colours[state_id] = cmap(float(shade))
    greys = iter(END_GREYS * len(pathway.states))
    golds = iter(SURGERY_GOLDS * len(pathway.states))
    for state_id in ordered_states(pathway):
        state = pathway.states[state_id]
        if state_id in colours:
            continue
        if state.kind == "terminal":
            colours[state_id] = next(greys)
        elif state_id == pathway.initial or state.kind == "workup":
            colours[state_id] = WORKUP_COLOUR
        else:
            colours[state_id] = next(golds)
    return colours


def line_colour(line: int) -> Any:
    """The colour of a line of therapy (the middle shade of its family)."""
    from matplotlib import colormaps
    return colormaps[LINE_COLOURMAPS[(line - 1) % len(LINE_COLOURMAPS)]](0.7)


def _titles(ax, title: str, pathway: Pathway, result: CohortResult) -> None:
    ax.set_title(title, loc="left", fontsize=13, fontweight="bold", pad=20)
    ax.annotate(f"{pathway.name} · {result.n:,} hypothetical patients", xy=(0, 1), xycoords="axes fraction",
                xytext=(0, 6), textcoords="offset points", ha="left", va="bottom", fontsize=9.5, color="#444444")


def _new_ax(managed: bool = True):
    """The axes of a new figure: through pyplot (``managed``, so a notebook shows it when the cell
    ends) or a standalone Agg figure that nothing else keeps alive (for saving to a file)."""
    if managed:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=FIGSIZE, dpi=DPI, layout="constrained").add_subplot()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure.add_subplot()


def _nice_limit(months: float) -> float:
    """Round an axis end up to whole years (or 3 months for short courses)."""
    step = 12.0 if months > 24 else 3.0
    return max(step, float(np.ceil(months / step) * step))


def _month_ticks(x_max: float) -> np.ndarray:
    """Ticks every 3, 6, 12, 24 or 60 months: at most about a dozen, on whole-year marks when long."""
    step = next((s for s in (3, 6, 12, 24, 60, 120) if x_max / s <= 12), None)
    if step is None:   # a span of centuries (extreme --set values): 10, 100, ... years, never thousands of ticks
        step = 120 * 10 ** math.ceil(math.log10(x_max / (120 * 12)))
    return np.arange(0, x_max + 0.01, step)


def _ordinal(k: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(k, f"{k}th")


def line_episodes(result: CohortResult, pathway: Pathway | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every time a patient is on a line of therapy: (line, patient, months on it); see
    ``sarcoma_sim.reports.summary.line_episodes``."""
    pathway = pathway_of(result, pathway)
    return summary_line_episodes(result.log, state_lines(pathway, result.log.state_ids))


def plot_time_on_line(result: CohortResult, pathway: Pathway | None = None, ax=None):
    """Kaplan-Meier-style curves of time on each line of therapy (share still on the line against
    months since entering it). Every simulated patient leaves each line, so nothing is censored."""
    pathway = pathway_of(result, pathway)
    ax = ax if ax is not None else _new_ax()
    lines, _, months = line_episodes(result, pathway)
    if len(months):
        x_max = _nice_limit(float(np.quantile(months, 0.99)))
        grid = np.linspace(0.0, x_max, _GRID_POINTS)
        for k in np.unique(lines):
            durations = np.sort(months[lines == k])
            still_on = 1.0 - np.searchsorted(durations, grid, side="right") / len(durations)
            median = float(np.median(durations))
            regimens = sorted({state.regimen.drugs[0] for state in pathway.states.values()
                               if state.line == k and state.regimen is not None and state.regimen.drugs})
            label = (f"Line {k} ({', '.join(regimens)}): {len(durations):,} patients, "
                     f"median {median:.1f} months")
            ax.step(grid, 100 * still_on, where="post", color=line_colour(int(k)), linewidth=2.2, label=label)
            ax.plot([median], [50], marker="o", color=line_colour(int(k)), markersize=5)
        ax.axhline(50, color="#999999", linewidth=0.8, linestyle=":")
        ax.set_xlim(0, x_max)
        ax.set_xticks(_month_ticks(x_max))
        ax.legend(loc="upper right", frameon=False, title="Line of therapy (dot: median)", alignment="left")
    else:
        ax.text(0.5, 0.5, "No patient started a line of therapy", ha="center", va="center", transform=ax.transAxes)
    ax.set_ylim(0, 101)
    ax.set_xlabel("Months since starting the line")
    ax.set_ylabel("Patients still on the line (%)")
    _titles(ax, "Time on each line of therapy", pathway, result)
    ax.grid(True, alpha=0.3)
    return ax


def line_starts(result: CohortResult, pathway: Pathway | None = None) -> np.ndarray:
    """Matrix (patients × lines) of the state each patient started each line on (-1: never reached)."""
    pathway = pathway_of(result, pathway)
    log = result.log
    line = row_lines(log, state_lines(pathway, log.state_ids))
    top = int(max(line.max(initial=0), 0))
    matrix = np.full((result.n, top), -1, dtype=np.int16)
    change = np.ones(len(log), dtype=bool)
    change[1:] = (line[1:] != line[:-1]) | (log.patient[1:] != log.patient[:-1])
    rows = np.flatnonzero(change & (line > 0))[::-1]   # reversed, so the first entry of a line wins
    matrix[log.patient[rows], line[rows] - 1] = log.to_state[rows]
    return matrix


def _band(ax, x0, x1, y0_bottom, y0_top, y1_bottom, y1_top, colour):
    """A smooth flow band from one bar's edge to the next bar's edge."""
    s = np.linspace(0, 1, 40)
    ease = 3 * s ** 2 - 2 * s ** 3
    x = x0 + (x1 - x0) * s
    ax.fill_between(x, y0_bottom + (y1_bottom - y0_bottom) * ease, y0_top + (y1_top - y0_top) * ease,
                    color=colour, alpha=0.28, linewidth=0)


def _labelled_segment(ax, x: float, bottom: float, height: float, width: float, colour) -> None:
    """One stacked bar segment, labelled with its percentage when tall enough to read."""
    ax.bar(x, height, width, bottom=bottom, color=colour, edgecolor="white", linewidth=0.8)
    if height >= 4:
        ax.text(x, bottom + height / 2, f"{height:.0f}%", ha="center", va="center", fontsize=9,
                color="white" if _is_dark(colour) else "black")


def plot_sequences(result: CohortResult, pathway: Pathway | None = None, ax=None):
    """Stacked bars, one per line of therapy, of the share of the cohort starting that line on each
    regimen (the gap above a bar: patients who never reached the line), joined by flow bands from
    one line's regimen to the next; a last bar shows how the pathway ended."""
    pathway = pathway_of(result, pathway)
    ax = ax if ax is not None else _new_ax()
    colours = state_colours(pathway)
    order = ordered_states(pathway)
    codes = {s: i for i, s in enumerate(result.log.state_ids)}
    starts = line_starts(result, pathway)
    n_lines = starts.shape[1]
    n = max(result.n, 1)
    width = 0.36
    used: list[str] = []
    spans: list[dict[int, tuple[float, float]]] = []
    for k in range(n_lines):
        bottom = 0.0
        span = {}
        for state_id in order:
            count = int(np.count_nonzero(starts[:, k] == codes[state_id]))
            if not count:
                continue
            height = 100.0 * count / n
            _labelled_segment(ax, k, bottom, height, width, colours[state_id])
            span[codes[state_id]] = (bottom, bottom + height)
            bottom += height
            if state_id not in used:
                used.append(state_id)
        spans.append(span)
        ax.text(k, bottom + 1.5, f"{bottom:.0f}% reached", ha="center", va="bottom", fontsize=9)
    for k in range(n_lines - 1):
        left_fill = {c: lo for c, (lo, _) in spans[k].items()}
        right_fill = {c: lo for c, (lo, _) in spans[k + 1].items()}
        for a in [codes[s] for s in order if codes[s] in spans[k]]:
            for b in [codes[s] for s in order if codes[s] in spans[k + 1]]:
                count = int(np.count_nonzero((starts[:, k] == a) & (starts[:, k + 1] == b)))
                if not count:
                    continue
                h = 100.0 * count / n
                _band(ax, k + width / 2, k + 1 - width / 2, left_fill[a], left_fill[a] + h,
                      right_fill[b], right_fill[b] + h, colours[result.log.state_ids[a]])
                left_fill[a] += h
                right_fill[b] += h
    end_x = n_lines + 0.3
    ends = result.log.to_state[result.log.last_rows()]
    bottom = 0.0
    for state_id in pathway.terminal_states():
        count = int(np.count_nonzero(ends == codes[state_id]))
        if not count:
            continue
        height = 100.0 * count / n
        _labelled_segment(ax, end_x, bottom, height, width, colours[state_id])
        bottom += height
        used.append(state_id)
    ax.set_xticks([*range(n_lines), end_x],
                  [f"{_ordinal(k + 1).capitalize()}\nline" for k in range(n_lines)] + ["End of\npathway"])
    ax.set_xlim(-0.6, end_x + 0.6)
    ax.set_ylim(0, 108)
    ax.set_ylabel("Share of all patients (%)")
    _titles(ax, "Treatment sequences: regimen each line starts on", pathway, result)
    ax.text(0.0, -0.16, "Bands join the regimen of one line to the next. Changes within a line (dose escalation, "
            "surgery) stay in that line's bar: see the occupancy plot.", transform=ax.transAxes, fontsize=8.5,
            color="#444444", ha="left", va="top")
    from matplotlib.patches import Patch
    handles = [Patch(color=colours[s], label=_wrap(pathway.states[s].label)) for s in order if s in used]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
              title="Regimen / end state", alignment="left")
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    return ax


def _wrap(label: str, width: int = 44) -> str:
    """Long state labels on several lines, so the legend does not squeeze the plot."""
    import textwrap
    return "\n".join(textwrap.wrap(label, width)) or label


def _is_dark(colour) -> bool:
    from matplotlib.colors import to_rgb
    r, g, b = to_rgb(colour)
    return 0.299 * r + 0.587 * g + 0.114 * b < 0.55


def occupancy(result: CohortResult, grid: np.ndarray) -> np.ndarray:
    """Number of patients in each state (rows, by state code) at each time of ``grid`` (columns);
    a patient who enters and leaves a state at the same instant is not counted in it."""
    log = result.log
    last = np.zeros(len(log), dtype=bool)
    last[log.last_rows()] = True
    first = log.first_rows()
    enter_state = np.concatenate((log.from_state[first], log.to_state))
    enter_time = np.concatenate((np.zeros(len(first)), log.t_months))
    leave_state = np.concatenate((log.from_state[first], log.to_state[:-1][~last[:-1]]))
    leave_time = np.concatenate((log.t_months[first], log.t_months[1:][~last[:-1]]))
    counts = np.zeros((len(log.state_ids), len(grid)), dtype=np.int64)
    for code in range(len(log.state_ids)):
        entered = np.sort(enter_time[enter_state == code])
        left = np.sort(leave_time[leave_state == code])
        counts[code] = np.searchsorted(entered, grid, side="right") - np.searchsorted(left, grid, side="right")
    return counts


def plot_occupancy(result: CohortResult, pathway: Pathway | None = None, ax=None):
    """Stacked areas of the share of patients in each state, month by month from the start of
    treatment, in pathway order (therapy lines at the bottom, end states on top)."""
    pathway = pathway_of(result, pathway)
    ax = ax if ax is not None else _new_ax()
    colours = state_colours(pathway)
    ends = result.log.t_months[result.log.last_rows()]
    x_max = _nice_limit(float(np.quantile(ends, 0.99))) if len(ends) else 12.0
    grid = np.linspace(0.0, x_max, _GRID_POINTS)
    counts = occupancy(result, grid)
    codes = {s: i for i, s in enumerate(result.log.state_ids)}
    shown = [s for s in ordered_states(pathway) if counts[codes[s]].any()]
    shares = 100.0 * counts[[codes[s] for s in shown]] / max(result.n, 1)
    areas = ax.stackplot(grid, shares, colors=[colours[s] for s in shown],
                         labels=[pathway.states[s].label for s in shown], linewidth=0.3, edgecolor="white")
    ax.set_xlim(0, x_max)
    ax.set_xticks(_month_ticks(x_max))
    ax.set_ylim(0, 100)
    ax.set_xlabel("Months since start of treatment")
    ax.set_ylabel("Share of patients (%)")
    _titles(ax, "Where patients are, month by month", pathway, result)
    # Legend top-to-bottom in the same order as the stack, so colours are easy to match.
    ax.legend(areas[::-1], [_wrap(pathway.states[s].label) for s in shown][::-1], loc="upper left",
              bbox_to_anchor=(1.01, 1.0), frameon=False, title="State", alignment="left")
    ax.margins(x=0)
    return ax


def plot_survival(result: CohortResult, pathway: Pathway | None = None, ax=None):
    """The Kaplan-Meier curve of overall survival from the start of treatment, its median marked,
    and the share alive at 1, 2 and 5 years; a pathway without a death exit gets a note instead."""
    from sarcoma_sim.reports.survival import KM_MONTHS, death_times, kaplan_meier, median_survival, survival_at

    pathway = pathway_of(result, pathway)
    ax = ax if ax is not None else _new_ax()
    ended = death_times(result.log)
    if ended is None or not len(ended[0]):
        ax.text(0.5, 0.5, "This pathway declares no competing exits: no survival to show",
                ha="center", va="center", transform=ax.transAxes)
    else:
        curve = kaplan_meier(*ended)
        t, s = curve
        x_max = _nice_limit(float(np.quantile(ended[0], 0.99)))
        ax.step(np.concatenate(([0.0], t)), 100 * np.concatenate(([1.0], s)), where="post",
                color=line_colour(1), linewidth=2.2, label="Overall survival (Kaplan-Meier)")
        median = median_survival(curve)
        if median is not None:
            ax.plot([0, median, median], [50, 50, 0], color="#999999", linewidth=0.8, linestyle=":")
            ax.plot([median], [50], marker="o", color=line_colour(1), markersize=5)
            ax.annotate(f"median {median:.1f} months", (median, 50), textcoords="offset points", xytext=(6, 6))
        for m in KM_MONTHS:
            if m <= x_max:
                alive = survival_at(curve, m)
                ax.plot([m], [100 * alive], marker="s", color="#444444", markersize=4)
                ax.annotate(f"{100 * alive:.0f}% at {m // 12} y", (m, 100 * alive), textcoords="offset points",
                            xytext=(8, 6), fontsize=8)
        ax.set_xlim(0, x_max)
        ax.set_xticks(_month_ticks(x_max))
        ax.legend(loc="upper right", frameon=False)
    ax.set_ylim(0, 101)
    ax.set_xlabel("Months since start of treatment")
    ax.set_ylabel("Patients alive (%)")
    _titles(ax, "Overall survival", pathway, result)
    ax.grid(True, alpha=0.3)
    return ax


def footer_text(result: CohortResult, of_total: int | None = None) -> str:
    """The notice and provenance printed under every saved figure; ``of_total`` when the figure shows
    the first ``result.n`` patients of a bigger cohort."""
    from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE
    size = f"n = {result.n:,}" if not of_total or of_total == result.n else \
        f"drawn from the first {result.n:,} of {of_total:,} patients (the summary uses all)"
    return (f"{NOT_FOR_CLINICAL_USE}  Parameters: {result.params_file}; seed {result.seed}; "
            f"{result.engine} engine; {size}.\n" + _scope_line(result))


def _scope_line(result: CohortResult) -> str:
    from sarcoma_sim.pathways.exits import DEATH_STATE

    if DEATH_STATE in result.log.state_ids:
        return ("Patients may die or stop active treatment at any time (competing exits); every parameter is "
                "cited or marked illustrative in summary.json.")
    return "This pathway declares no competing exits: shares reaching later lines are upper bounds."


def save_figure(ax, result: CohortResult, path: str | Path, of_total: int | None = None) -> None:
    """Save the figure holding ``ax`` as PNG, with the notice in a footer; same input, same bytes."""
    figure = ax.figure
    engine = figure.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        engine.set(rect=(0, 0.07, 1, 0.93))
    figure.text(0.01, 0.012, footer_text(result, of_total), fontsize=8, color="#444444", ha="left", va="bottom")
    figure.savefig(path, format="png", dpi=DPI, metadata={"Software": None})


def save_plots(result: CohortResult, folder: str | Path, pathway: Pathway | None = None,
               of_total: int | None = None) -> list[Path]:
    """Write the four figures (``PLOT_FILES``) into ``folder``; returns their paths."""
    pathway = pathway_of(result, pathway)
    folder = Path(folder)
    paths = []
    for name, plot in zip(PLOT_FILES, (plot_time_on_line, plot_sequences, plot_occupancy, plot_survival)):
        # Standalone figures: the command line must leave none open in pyplot.
        ax = plot(result, pathway, ax=_new_ax(managed=False))
        save_figure(ax, result, folder / name, of_total)
        paths.append(folder / name)
    return paths
